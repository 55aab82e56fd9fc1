#!/usr/bin/env bash
# compare-split-modules.sh — split BTF sizes of rustbtf against pahole's, module by module: no
# module's split BTF should hold more types than pahole's but for its own Rust types (a split
# that repeats base types is what this catches; issue 22 item 8). A check over real modules,
# not a test.
#
# Each module is converted as a kernel build converts it (--btf_gen_floats -j
# --lang_exclude=rust --btf_base BASE, detached, so the modules are only read): rustbtf on top of
# rustbtf's BTF of VMLINUX, pahole on top of pahole's. Types are counted with bpftool (`btf dump
# file SPLIT -B BASE` prints the split's own types).
#
# Usage:
#   scripts/compare-split-modules.sh MODDIR VMLINUX [OUT.tsv]
#     MODDIR   a tree of .ko files with DWARF (scripts/bench-modules.sh says how to get Debian's)
#     VMLINUX  their kernel's vmlinux with DWARF (both tools' base BTF is made from it), or
#              give the bases with BASE_RUSTBTF=FILE and BASE_PAHOLE=FILE
#     OUT.tsv  per module: path, rustbtf types and bytes, pahole types and bytes (default: a
#              temporary file, removed)
# Environment: RUSTBTF (default .build/release/rustbtf), PAHOLE (default pahole), BPFTOOL
# (default bpftool), BASE_RUSTBTF, BASE_PAHOLE, LIMIT=N (the first N modules by path).
# Prints totals, the modules where rustbtf writes more types than pahole (largest first), and
# exits 1 when there is one.
set -uo pipefail
MODDIR=${1:?usage: compare-split-modules.sh MODDIR VMLINUX [OUT.tsv]}
VMLINUX=${2:?usage: compare-split-modules.sh MODDIR VMLINUX [OUT.tsv]}
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUSTBTF="${RUSTBTF:-$REPO/.build/release/rustbtf}"
PAHOLE="${PAHOLE:-pahole}"
BPFTOOL="${BPFTOOL:-bpftool}"
die() { echo "compare-split-modules.sh: $*" >&2; exit 2; }
[ -d "$MODDIR" ] || die "no directory $MODDIR"
[ -x "$RUSTBTF" ] || die "no rustbtf at $RUSTBTF (swift build -c release)"
command -v "$BPFTOOL" >/dev/null || die "$BPFTOOL not found (apt-get install bpftool)"

TMP="$(mktemp -d "${TMPDIR:-/tmp}/rustbtf-compare-split.XXXXXX")" || die "mktemp failed"
trap 'rm -rf "$TMP"' EXIT
OUT=${3:-$TMP/compare.tsv}

BASE_RUSTBTF=${BASE_RUSTBTF:-}
BASE_PAHOLE=${BASE_PAHOLE:-}
if [ -z "$BASE_RUSTBTF" ] || [ -z "$BASE_PAHOLE" ]; then
  [ -f "$VMLINUX" ] || die "no file $VMLINUX"
fi
if [ -z "$BASE_RUSTBTF" ]; then
  BASE_RUSTBTF=$TMP/base.rustbtf
  "$RUSTBTF" -q --btf_encode_detached="$BASE_RUSTBTF" -j --btf_gen_floats "$VMLINUX" || die "rustbtf failed on $VMLINUX"
fi
if [ -z "$BASE_PAHOLE" ]; then
  BASE_PAHOLE=$TMP/base.pahole
  "$PAHOLE" --btf_encode_detached="$BASE_PAHOLE" -j --btf_gen_floats "$VMLINUX" >/dev/null || die "pahole failed on $VMLINUX"
fi

# count SPLIT BASE: the split's own types (0 when there is no file).
count() { [ -f "$1" ] && "$BPFTOOL" btf dump file "$1" -B "$2" 2>/dev/null | grep -c '^\[' || echo 0; }
size() { [ -f "$1" ] && stat -c %s "$1" || echo 0; }

find "$MODDIR" -name '*.ko' | sort >"$TMP/modules"
[ -n "${LIMIT:-}" ] && head -n "$LIMIT" "$TMP/modules" >"$TMP/m" && mv "$TMP/m" "$TMP/modules"
printf 'module\trustbtf_types\trustbtf_bytes\tpahole_types\tpahole_bytes\n' >"$OUT"
while read -r m; do
  r=$TMP/r.btf p=$TMP/p.btf
  rm -f "$r" "$p"
  "$RUSTBTF" -q --btf_encode_detached="$r" --btf_gen_floats -j --lang_exclude=rust --btf_base "$BASE_RUSTBTF" "$m" \
    >/dev/null 2>"$TMP/err" || echo "rustbtf failed: $m: $(tail -n 1 "$TMP/err")" >&2
  "$PAHOLE" --btf_encode_detached="$p" --btf_gen_floats -j --lang_exclude=rust --btf_base "$BASE_PAHOLE" "$m" \
    >/dev/null 2>&1 || echo "pahole failed: $m" >&2
  printf '%s\t%s\t%s\t%s\t%s\n' "${m#"$MODDIR"/}" "$(count "$r" "$BASE_RUSTBTF")" "$(size "$r")" \
    "$(count "$p" "$BASE_PAHOLE")" "$(size "$p")" >>"$OUT"
done <"$TMP/modules"

awk -F'\t' 'NR > 1 {
    n++; rt += $2; rb += $3; pt += $4; pb += $5
    if ($2 > $4) { more++; over[$1] = $2 - $4 }
  }
  END {
    printf "%d modules: rustbtf %d types, %d bytes; pahole %d types, %d bytes\n", n, rt, rb, pt, pb
    printf "modules where rustbtf writes more types than pahole: %d\n", more
    for (m in over) printf "  %6d more: %s\n", over[m], m | "sort -k1,1nr | head -n 20"
    close("sort -k1,1nr | head -n 20")
    exit (more > 0 ? 1 : 0)
  }' "$OUT"
