#!/usr/bin/env bash
# rustbtf in pahole's place in a real kernel build, booted: builds rustbtf in release and runs
# the shared harness (../shared/tools/build-rust-vmlinux.sh, see ../shared/docs/kernel-btf-e2e.md)
# with rustbtf itself as PAHOLE (no wrapper), the Rust samples as modules with split BTF, the
# kernel options BPF tracing needs (scripts/kernel-e2e/kconfig) and the guest BPF tests
# (scripts/kernel-e2e/guest-prepare). RUSTBTF_KEEP_RUST=1 keeps the Rust compile units despite
# the kernel's --lang_exclude=rust: the one make command line README documents,
#   make PAHOLE=rustbtf RUSTBTF_KEEP_RUST=1
# Its last line is the harness's E2E: line (result=PASS|FAIL; a FAIL line when the harness gave
# none); exit 0 only for PASS. HARNESS names another harness (ScriptTests runs a fake one).
# Not part of `swift test`: a cold kernel build takes about ten minutes on 2 cores.
# Env: KDIR (default /tmp/kbtf), BTF_ENCODER (default the release build; scripts/package.sh's
# binary works too), RUSTBTF_KEEP_RUST (default 1; 0 gives pahole's meaning of the flag),
# SKIP_APT=1 to skip the harness's apt-get, plus the harness's own variables.
# E2E_RUST_ALL=1 adds scripts/kernel-e2e/kconfig-rust-all: every Rust component of 6.12 (rnull,
# the two Rust PHY drivers as modules, DRM's panic QR code and the kernel crate's KUnit doctests
# built in) and the guest checks of each (module BTF with Rust types, rnull I/O, doctest results);
# its KDIR defaults to /tmp/kbtf-all, so the default run's tree stays warm. With rustbtf as the
# encoder it also runs rustbtf-layout-check (LAYOUT_CHECK, or the release build's) on the host.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
harness=${HARNESS:-$root/../shared/tools/build-rust-vmlinux.sh}
[ -x "$harness" ] || { echo "kernel-e2e: harness not found at $harness" >&2; exit 1; }
if [ -z "${BTF_ENCODER:-}" ]; then
  # Every product: rustbtf, and rustbtf-layout-check for E2E_RUST_ALL's layout check.
  (cd "$root" && swift build -c release >&2)
  BTF_ENCODER=$root/.build/release/rustbtf
fi
# The guest programs need a static libbpf (Debian's libbpf-dev) and their compression libraries.
if [ -z "${SKIP_APT:-}" ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    libbpf-dev libelf-dev zlib1g-dev libzstd-dev clang gcc bpftool >/dev/null
fi
kconfigs=("$root/scripts/kernel-e2e/kconfig")
if [ "${E2E_RUST_ALL:-0}" = 1 ]; then
  kconfigs+=("$root/scripts/kernel-e2e/kconfig-rust-all")
  KDIR=${KDIR:-/tmp/kbtf-all} BTF_TAG=${BTF_TAG:-rustbtf-all}
  export QEMU_TIMEOUT=${QEMU_TIMEOUT:-600}
  # bpftrace (issue 21, item 3) with its LLVM in the initramfs: the guest needs 2G
  export E2E_BPFTRACE=${E2E_BPFTRACE:-1}
  [ "$E2E_BPFTRACE" = 0 ] || export QEMU_MEM=${QEMU_MEM:-2G}
  if [ "$E2E_BPFTRACE" != 0 ] && [ -z "${SKIP_APT:-}" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends bpftrace >/dev/null
  fi
  # The independent layout check (rust-all-prepare, step 6) of rustbtf's conversion against
  # llvm-dwarfdump (Debian's llvm), only when the encoder is rustbtf: LAYOUT_CHECK, or the release
  # build's rustbtf-layout-check (the `swift build -c release` above makes it; built by hand:
  # `swift build -c release --product rustbtf-layout-check`).
  [ -n "${SKIP_APT:-}" ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends llvm >/dev/null
  if [ -z "${LAYOUT_CHECK:-}" ] && "$BTF_ENCODER" --help 2>&1 | grep -q '^OVERVIEW: Turn the DWARF'; then
    LAYOUT_CHECK=$root/.build/release/rustbtf-layout-check
    [ -x "$LAYOUT_CHECK" ] || echo "kernel-e2e: no $LAYOUT_CHECK: the layout check is skipped" >&2
  fi
  export LAYOUT_CHECK=${LAYOUT_CHECK:-}
fi
export RUSTBTF_KEEP_RUST=${RUSTBTF_KEEP_RUST:-1}
export BTF_ENCODER BTF_TAG=${BTF_TAG:-rustbtf} BTF_MODULES=1 BTF_LOGWRAP=${BTF_LOGWRAP:-0}
export E2E_RUST_ALL=${E2E_RUST_ALL:-0}
export KCONFIG_EXTRA="$(grep -h -v '^#' "${kconfigs[@]}" | tr '\n' ' ')"
export GUEST_PREPARE=$root/scripts/kernel-e2e/guest-prepare
log=${BTF_OUT:-/tmp/kbtf-out/$BTF_TAG}.log
mkdir -p "$(dirname "$log")"
echo "kernel-e2e: $("$BTF_ENCODER" --version) ($BTF_ENCODER) as PAHOLE, RUSTBTF_KEEP_RUST=$RUSTBTF_KEEP_RUST; log $log" >&2
rc=0
"$harness" "${KDIR:-/tmp/kbtf}" > "$log" 2>&1 || rc=$?
grep -E '^E2E-(T|MOD): ' "$log" || true
# The verdict is the last line printed: the harness's E2E: line (its log goes on after it, to
# "### … done"), or, when it printed none, a FAIL line of this script's.
verdict=$(grep -E '^E2E: ' "$log" | tail -n 1 || true)
if [ -z "$verdict" ]; then
  verdict="E2E: result=FAIL (the harness printed no E2E: line and exited with $rc; see $log)"
fi
case "$verdict" in *result=PASS*) ;; *) [ "$rc" != 0 ] || rc=1 ;; esac
echo "$verdict"
exit $rc
