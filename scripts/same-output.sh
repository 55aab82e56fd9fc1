#!/usr/bin/env bash
# same-output.sh — a fingerprint of everything rustbtf writes, to show that a change of the core
# (a refactoring, dedup at import) loses nothing: the BTF of every command line a kernel uses, on
# the corpus, vmlinux.rust, Debian's vmlinux and its modules, and the explanation and retention
# reports on the corpus. Run it with the binary before the change and after, then compare:
#
#   scripts/same-output.sh OLD_RUSTBTF /tmp/before
#   scripts/same-output.sh NEW_RUSTBTF /tmp/after
#   diff -r /tmp/before /tmp/after && echo same
#
# Each output directory holds SUMS (one md5 per output; the BTF itself is not kept) and, for the
# corpus, the text of --explain-pruned --explain-merges and --stats (reports/, diffable by hand).
# The BTF of vmlinux inputs is also written at -j1 and -j3 and must be byte-identical to -j.
#
# Inputs (each is skipped, with a line on stderr, when absent):
#   Corpus/objects            always
#   VMLINUX_RUST              default /tmp/corpus/vmlinux.rust (scripts/build-vmlinux-rust.sh)
#   VMLINUX_DEBIAN            default /tmp/corpus/vmlinux.debian (get-debian-vmlinux.sh)
#   MODDIR, MODULES           Debian's debug modules for that vmlinux, MODULES of them (default
#                             100) spread over the sizes as scripts/bench-modules.sh picks them
#   RUST_KTREE                a kernel tree built with Rust modules and BTF (scripts/kernel-e2e.sh
#                             E2E_RUST_ALL=1 leaves /tmp/kbtf-all): each module's split BTF and --stats
#                             on its vmlinux (RUSTBTF_KEEP_RUST=1)
#   MODULE_BASE               the modules' --btf_base, default /tmp/corpus/vmlinux.debian.base.btf:
#                             Debian's vmlinux ships without .BTF, so make it once with a tool that
#                             does not change between the two runs (pahole 1.31, 6.12's line,
#                             --btf_encode_detached)
set -euo pipefail
RUSTBTF=${1:?usage: same-output.sh RUSTBTF OUTDIR}
OUT=${2:?usage: same-output.sh RUSTBTF OUTDIR}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VMLINUX_RUST=${VMLINUX_RUST:-/tmp/corpus/vmlinux.rust}
VMLINUX_DEBIAN=${VMLINUX_DEBIAN:-/tmp/corpus/vmlinux.debian}
MODDIR=${MODDIR:-}
MODULES=${MODULES:-100}
MODULE_BASE=${MODULE_BASE:-/tmp/corpus/vmlinux.debian.base.btf}
RUSTBTF="$(realpath "$RUSTBTF")"
mkdir -p "$OUT/reports"
: >"$OUT/SUMS"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/rustbtf-same-output.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

# The lines of the kernels, from README's table (the file name is appended).
FEATURES=encode_force,var,float,enum64,decl_tag,type_tag,optimized_func,consistent_func,decl_tag_kfuncs
LINE_6_1="--btf_gen_floats -j --lang_exclude=rust --skip_encoding_btf_inconsistent_proto --btf_gen_optimized"
LINE_6_12="-j --btf_features=$FEATURES --lang_exclude=rust"
LINE_6_19="-j --btf_features=$FEATURES --btf_features=attributes --lang_exclude=rust"
LINE_7_3="-j --btf_features=${FEATURES%,decl_tag_kfuncs} --btf_features=layout --lang_exclude=rust"

sum() { # NAME FILE: one line of SUMS
  printf '%s %s\n' "$(md5sum <"$2" | cut -d' ' -f1)" "$1" >>"$OUT/SUMS"
}
note() { echo "same-output.sh: $*" >&2; }

# pahole's lines write raw BTF with --btf_encode_detached (the input is never touched).
pahole_line() { # NAME LINE INPUT [BASE]
  local name=$1 line=$2 input=$3 base=${4:-}
  # shellcheck disable=SC2086
  if "$RUSTBTF" -J $line ${base:+--btf_base "$base"} --btf_encode_detached="$TMP/out.btf" "$input" \
    >/dev/null 2>"$TMP/err"; then
    sum "$name" "$TMP/out.btf"
  else
    echo "exit $? $(head -1 "$TMP/err")" >"$TMP/fail"; sum "$name FAILED" "$TMP/fail"
  fi
}

own_line() { # NAME INPUT ARGS…: rustbtf's own options
  local name=$1 input=$2; shift 2
  if "$RUSTBTF" "$@" "$input" -o "$TMP/out.btf" >"$TMP/stdout" 2>"$TMP/err"; then
    sum "$name" "$TMP/out.btf"
  else
    echo "exit $? $(head -1 "$TMP/err")" >"$TMP/fail"; sum "$name FAILED" "$TMP/fail"
  fi
}

echo "corpus ..." >&2
for f in "$ROOT"/Corpus/objects/*.elf "$ROOT"/Corpus/objects/*.o; do
  b=$(basename "$f")
  rm -f "$TMP/out.btf"
  own_line "corpus/$b all" "$f" --passes all --quiet
  cp "$TMP/out.btf" "$TMP/base.btf" 2>/dev/null || : >"$TMP/base.btf"
  own_line "corpus/$b explain" "$f" --passes all --quiet --explain-pruned --explain-merges
  cp "$TMP/stdout" "$OUT/reports/$b.explain.txt"
  own_line "corpus/$b stats" "$f" --passes all --quiet --stats
  cp "$TMP/stdout" "$OUT/reports/$b.stats.txt"
  own_line "corpus/$b stats-json" "$f" --passes all --quiet --stats --format json
  cp "$TMP/stdout" "$OUT/reports/$b.stats.json"
  pahole_line "corpus/$b 6.12" "$LINE_6_12" "$f"
  # --stats of a module whose types are all the base's: the object on its own BTF as base.
  if [ -s "$TMP/base.btf" ]; then
    own_line "corpus/$b split-stats" "$f" --passes all --quiet --btf_base "$TMP/base.btf" --stats
    cp "$TMP/stdout" "$OUT/reports/$b.split-stats.txt"
  fi
done

vmlinux() { # LABEL FILE
  local label=$1 f=$2
  [ -f "$f" ] || { note "no $f: $label skipped"; return; }
  echo "$label ..." >&2
  own_line "$label all" "$f" --passes all --quiet
  own_line "$label all -j1" "$f" --passes all --quiet --jobs 1
  own_line "$label all -j3" "$f" --passes all --quiet --jobs 3
  own_line "$label stats" "$f" --passes all --quiet --stats
  cp "$TMP/stdout" "$OUT/reports/$label.stats.txt"
  pahole_line "$label 6.1" "$LINE_6_1" "$f"
  pahole_line "$label 6.12" "$LINE_6_12" "$f"
  pahole_line "$label 6.19" "$LINE_6_19" "$f"
  pahole_line "$label 7.3" "$LINE_7_3" "$f"
}
vmlinux vmlinux.rust "$VMLINUX_RUST"
vmlinux vmlinux.debian "$VMLINUX_DEBIAN"

if [ -n "$MODDIR" ] && [ -f "$MODULE_BASE" ]; then
  echo "modules ..." >&2
  find "$MODDIR" -name '*.ko' -printf '%s %p\n' | sort -n | cut -d' ' -f2- >"$TMP/all"
  total=$(wc -l <"$TMP/all")
  awk -v n="$total" -v c="$MODULES" 'NR % int(n / c) == 0 && k < c { print; k++ }' "$TMP/all" >"$TMP/mods"
  while read -r m; do
    pahole_line "module/$(basename "$m") 6.12" "$LINE_6_12" "$m" "$MODULE_BASE"
  done <"$TMP/mods"
else
  note "MODDIR unset or no $MODULE_BASE: modules skipped"
fi
if [ -n "${RUST_KTREE:-}" ] && [ -f "$RUST_KTREE/vmlinux" ]; then
  echo "Rust modules of $RUST_KTREE ..." >&2
  find "$RUST_KTREE" -name '*.ko' | sort | while read -r m; do
    RUSTBTF_KEEP_RUST=1 own_line "rust-module/$(basename "$m") stats" "$m" --quiet --btf_base "$RUST_KTREE/vmlinux" --stats
    cp "$TMP/stdout" "$OUT/reports/$(basename "$m").stats.txt"
  done
fi
echo "same-output.sh: $(wc -l <"$OUT/SUMS") outputs in $OUT/SUMS" >&2
