#!/usr/bin/env bash
# build-vmlinux-rust.sh — makes /tmp/corpus/vmlinux.rust, the Rust-enabled vmlinux that README,
# PASSES.md and scripts/bench.sh measure on, from a clone of this repository.
#
# A thin wrapper: it runs the shared harness (../shared/tools/build-rust-vmlinux.sh; its header
# says what it does and why) in its plain mode — no BTF_ENCODER, so the kernel is built without
# CONFIG_DEBUG_INFO_BTF and the stock pahole only runs afterwards, on copies, for comparison —
# and copies the kernel it built to OUT. That kernel is Linux 6.12's tinyconfig plus Rust and the
# two Rust samples, with DWARF 5: the input README's figures come from (47 MB).
#
# Needs: root on Debian 12 (bookworm) x86_64; the harness apt-gets linux-source-6.12,
# rustc-web, rust-web-src, bindgen, clang/lld/llvm 15, llvm 19, dwarves, qemu and build tools
# (SKIP_APT=1 when they are installed); about 3 GB free under KDIR.
# Takes: 6 to 10 minutes of both cores for a cold build (extracting the source included); a
# rerun on the same KDIR only rebuilds what changed. It uses both cores: do not run it next to
# the tests or a benchmark.
#
# Usage: scripts/build-vmlinux-rust.sh [OUT]     (default OUT: /tmp/corpus/vmlinux.rust)
# Env:   KDIR (kernel tree, default /tmp/kbuild), JOBS (default 2), SKIP_APT=1,
#        SKIP_QEMU (default 1: the harness's test boot, which the corpus does not need; 0 boots),
#        HARNESS (default ../shared/tools/build-rust-vmlinux.sh next to this repository).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-/tmp/corpus/vmlinux.rust}
harness=${HARNESS:-$root/../shared/tools/build-rust-vmlinux.sh}
[ -x "$harness" ] || { echo "build-vmlinux-rust: harness not found at $harness" >&2; exit 1; }
export KDIR=${KDIR:-/tmp/kbuild}
export JOBS=${JOBS:-2}
# The harness boots the kernel unless SKIP_QEMU is set at all: 0 means "boot" here.
if [ "${SKIP_QEMU:-1}" = 0 ]; then unset SKIP_QEMU; else export SKIP_QEMU=1; fi
# With BTF_ENCODER set the harness runs its BTF end-to-end mode instead, which copies nothing.
unset BTF_ENCODER
# The harness also copies vmlinux to $CORPUS/vmlinux.rust; keep that next to OUT.
export CORPUS=${CORPUS:-$(dirname "$out")}
mkdir -p "$(dirname "$out")"
"$harness" "$KDIR"
# Written under a temporary name and renamed, so a failed copy leaves no half file at OUT.
cp "$KDIR/vmlinux" "$out.tmp.$$"
mv -f "$out.tmp.$$" "$out"
echo "build-vmlinux-rust: $out ($(stat -c %s "$out") bytes)"
