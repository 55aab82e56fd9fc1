#!/usr/bin/env bash
# func-parity.sh — rustbtf's FUNC set against pahole's on one ELF file, rule by rule.
#
# Runs pahole (-V, detached BTF, the kernel's >=1.26 feature line) and rustbtf (--explain-pruned)
# on FILE, and prints:
#   - the FUNC counts of both, and the names only one of them writes;
#   - for each name only pahole writes, rustbtf's reason (from --explain-pruned);
#   - for each name only rustbtf writes, pahole's skip line ("skipping BTF encoding of function
#     due to ...") if it printed one;
#   - the number of names each tool skips per rule.
# Exit 0 when the FUNC sets are equal, 1 when they differ, 2 on a usage or tool error.
#
# Usage: scripts/func-parity.sh FILE [RUSTBTF [PAHOLE]]
#   RUSTBTF defaults to .build/release/rustbtf; PAHOLE to /tmp/pahole-master/bin/pahole (its
#   lib/ beside it goes on LD_LIBRARY_PATH). KEEP=DIR keeps the outputs there.
#   e.g. scripts/func-parity.sh /tmp/corpus/vmlinux.debian
set -uo pipefail
export LC_ALL=C
[ $# -ge 1 ] || { sed -n '2,17p' "$0"; exit 2; }
FILE=$1
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUSTBTF=${2:-$REPO/.build/release/rustbtf}
PAHOLE=${3:-/tmp/pahole-master/bin/pahole}
FEATURES=encode_force,var,float,enum64,decl_tag,type_tag,optimized_func,consistent_func,decl_tag_kfuncs
if [ -n "${KEEP:-}" ]; then TMP=$KEEP; mkdir -p "$TMP"; else
  TMP="$(mktemp -d "${TMPDIR:-/tmp}/func-parity.XXXXXX")" || exit 2
  trap 'rm -rf "$TMP"' EXIT
fi
for t in "$RUSTBTF" "$PAHOLE"; do [ -x "$t" ] || { echo "func-parity: $t is not executable" >&2; exit 2; }; done
command -v bpftool >/dev/null || { echo "func-parity: bpftool is needed" >&2; exit 2; }

funcs() { bpftool btf dump file "$1" | sed -n "s/^\[[0-9]*\] FUNC '\([^']*\)'.*/\1/p" | sort -u; }

LD_LIBRARY_PATH="$(dirname "$(dirname "$PAHOLE")")/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
  "$PAHOLE" -V -j --btf_features=$FEATURES --btf_encode_detached="$TMP/pahole.btf" "$FILE" 2>&1 \
  | grep 'skipping BTF encoding of function due to' | grep -v 'mismatch' \
  | sed 's/ : skipping BTF encoding of function due to /\t/' | sort -u > "$TMP/pahole.skips" \
  || true
[ -s "$TMP/pahole.btf" ] || { echo "func-parity: pahole wrote no BTF" >&2; exit 2; }
"$RUSTBTF" "$FILE" -o "$TMP/rustbtf.btf" --explain-pruned > "$TMP/rustbtf.explain" 2>"$TMP/rustbtf.err" \
  || { echo "func-parity: rustbtf failed: $(tail -1 "$TMP/rustbtf.err")" >&2; exit 2; }
funcs "$TMP/pahole.btf" > "$TMP/pahole.funcs"
funcs "$TMP/rustbtf.btf" > "$TMP/rustbtf.funcs"
# rustbtf's select-symbols reason per removed function name (the first one listed).
awk '/^pruned function `/ { n = $3; gsub(/`/, "", n); getline; if ($1 == "by" && $2 == "select-symbols:") { sub(/^ *by select-symbols: /, ""); if (!(n in r)) r[n] = $0 } }
     END { for (n in r) print n "\t" r[n] }' "$TMP/rustbtf.explain" | sort > "$TMP/rustbtf.all-reasons"

# Only the names rustbtf writes no FUNC for.
join -t $'\t' -v 1 "$TMP/rustbtf.all-reasons" "$TMP/rustbtf.funcs" > "$TMP/rustbtf.reasons"
comm -23 "$TMP/pahole.funcs" "$TMP/rustbtf.funcs" > "$TMP/only-pahole"
comm -13 "$TMP/pahole.funcs" "$TMP/rustbtf.funcs" > "$TMP/only-rustbtf"
echo "FUNCs: pahole $(wc -l < "$TMP/pahole.funcs"), rustbtf $(wc -l < "$TMP/rustbtf.funcs"); only pahole $(wc -l < "$TMP/only-pahole"), only rustbtf $(wc -l < "$TMP/only-rustbtf")"
echo
echo "## Only pahole writes (rustbtf's reason)"
join -t $'\t' -a 1 -e '(no select-symbols decision)' -o 0,2.2 "$TMP/only-pahole" "$TMP/rustbtf.reasons" | sed 's/^/  /'
echo
echo "## Only rustbtf writes (pahole's skip reason)"
join -t $'\t' -a 1 -e '(no skip line)' -o 0,2.2 "$TMP/only-rustbtf" "$TMP/pahole.skips" | sed 's/^/  /'
echo
echo "## Names both skip, for different rules (pahole's reason, then rustbtf's)"
join -t $'\t' -o 0,1.2,2.2 "$TMP/pahole.skips" "$TMP/rustbtf.reasons" | awk -F'\t' '
  { p = $2; r = $3; same = 0
    if (p ~ /^inconsist/) same = (r ~ /^its name stands for functions with different prototypes/)
    else same = (index(r, p) == 1)
    if (!same) print "  " $1 "\t" p "\t" r }'
echo
echo "## Skips per rule: pahole (last reason it prints)"
cut -f2 "$TMP/pahole.skips" | sort | uniq -c | sort -rn | sed 's/^/  /'
echo "## Names without a FUNC per rule: rustbtf (its reason for the first DWARF description)"
cut -f2 "$TMP/rustbtf.reasons" | sed "s/:.*//; s/ (.*//; s/ '.*//" | cut -c1-60 | sort | uniq -c | sort -rn | sed 's/^/  /'
[ -s "$TMP/only-pahole" ] || [ -s "$TMP/only-rustbtf" ] && exit 1
exit 0
