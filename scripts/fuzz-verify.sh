#!/usr/bin/env bash
# Differential fuzzing of `rustbtf verify` (the offline validator) against the running kernel's
# BPF_BTF_LOAD (Tools/FuzzVerify): COUNT mutated blobs from the corpus's BTF (and any raw BTF
# files given, e.g. vmlinux.rust's), seeded and repeatable. Prints the agreement and writes every
# disagreeing blob with both verdicts to OUTDIR. Exit 1 on any false accept (the validator
# accepting what the kernel rejects). A benchmark-sized run, not part of `swift test`.
# Usage: bash scripts/fuzz-verify.sh [COUNT=100000] [SEED=1] [OUTDIR=/tmp/fuzz-verify] [extra.btf …]
# Needs root (BPF_BTF_LOAD).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
count=${1:-100000} seed=${2:-1} out=${3:-/tmp/fuzz-verify}
shift $(( $# < 3 ? $# : 3 ))
(cd "$root" && swift build -c release --product rustbtf-fuzz-verify >&2)
exec "$root/.build/release/rustbtf-fuzz-verify" "$count" "$seed" "$out" "$@"
