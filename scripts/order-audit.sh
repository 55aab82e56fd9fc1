#!/usr/bin/env bash
# order-audit.sh — issue 19's audit (Tools/OrderAudit/FINDINGS.md): runs rustbtf-order-audit on every corpus
# object, then summarises which passes split classes of copies and whether dedup before the
# passes gives today's BTF, --explain-pruned and --stats. A measurement, not a test.
# Usage: scripts/order-audit.sh [OUTDIR] [FILE...]   (default: every Corpus/objects/*.elf and *.o)
set -uo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
AUDIT="${AUDIT:-$REPO/.build/release/rustbtf-order-audit}"
OUT="${1:-/tmp/order-audit}"; shift || true
[ -x "$AUDIT" ] || { echo "order-audit.sh: build it first: swift build -c release --product rustbtf-order-audit" >&2; exit 2; }
if [ $# -eq 0 ]; then set -- "$REPO"/Corpus/objects/*.elf "$REPO"/Corpus/objects/*.o; fi
mkdir -p "$OUT"
for f in "$@"; do
  name=$(basename "$f")
  if ! "$AUDIT" "$f" "$OUT/$name" 1 >"$OUT/$name.log" 2>&1; then echo "$name: failed: $(tail -n1 "$OUT/$name.log")"; continue; fi
done
# One row per input: nodes, classes (today's dedup key / with path and Rust flag), passes that
# split classes of today's key / of the scoped key (count of classes), and per order whether
# the BTF is byte-identical (=), the same types up to ids (~, scripts/btf-same-up-to-ids.py) or
# different (≠), and which decision-log answers differ.
RUSTBTF="${RUSTBTF:-$REPO/.build/release/rustbtf}"
echo "| input | nodes | classes (today / scoped) | passes splitting today's classes | … scoped classes | dedup-first BTF | types-first BTF | scoped-first BTF | scoped-first: answers that differ |"
echo "|---|---|---|---|---|---|---|---|---|"
for f in "$@"; do
  name=$(basename "$f"); d="$OUT/$name"; t="$d/summary.tsv"
  [ -f "$t" ] || continue
  v() { awk -F'\t' -v k="$1" '$1 == k { print $2 }' "$t"; }
  splits() { awk -F'\t' -v p="split.$1." 'index($1, p) == 1 && $2 > 0 { k = substr($1, length(p) + 1); printf "%s%s (%s)", sep, k, $2; sep = ", " }' "$t"; }
  btf() {
    if [ "$(v "$1.btf")" = same ]; then echo "="; return; fi
    if python3 "$REPO/scripts/btf-same-up-to-ids.py" "$d/today.btf" "$d/$1.btf" "$RUSTBTF" >/dev/null 2>&1; then echo "~"; else echo "≠ ($(v today.typesOut)→$(v "$1.typesOut"))"; fi
  }
  answers=$(awk -F'\t' '$1 ~ /^scoped-first\./ && $2 == "differs" && $1 !~ /btf$/ { k = $1; sub("scoped-first.", "", k); printf "%s%s", sep, k; sep = ", " }' "$t")
  s1=$(splits full); s2=$(splits scoped)
  echo "| $name | $(v nodes) | $(v classes.full) / $(v classes.scoped) | ${s1:--} | ${s2:--} | $(btf dedup-first) | $(btf types-first) | $(btf scoped-first) | ${answers:-none} |"
done
