# Sourced by scripts/package.sh and scripts/bench.sh: how the shipped rustbtf is built, so that
# the benchmark measures the binary users install.
#   --static-swift-stdlib           the Swift runtime linked in: no Swift on the host, and
#                                   swift_retain, swift_release and swift_isUniquelyReferenced
#                                   are called directly, not through the PLT (5% of the time on
#                                   Debian's vmlinux)
#   -cross-module-optimization      the graph's accessors and columns inlined into the pass and
#                                   encoder targets (1.4% fewer instructions on vmlinux.rust,
#                                   3-10% less CPU on Debian's vmlinux)
RELEASE_BUILD_FLAGS=(-c release --static-swift-stdlib -Xswiftc -cross-module-optimization)
