#!/usr/bin/env bash
# import-parity.sh — byte-identity of two rustbtf binaries' BTF (a check for importer changes).
#
# For every ELF of Corpus/objects (and each extra INPUT given), writes the BTF with BEFORE and
# with AFTER under two pipelines and compares them with cmp:
#   all      `--passes all` (the default pipeline)
#   minimal  `--passes demote-unrepresentable,sanitize-names,prune-dependents`: no dedup, no
#            symbol selection, no Rust lowering, so an import difference cannot hide behind a
#            merge or a removal (the shortest pipeline the encoder accepts)
# and, for the minimal pipeline, the `--stats --format json` report too. Inputs are only read.
# AFTER runs once more with RUSTBTF_PUBLIC_WALK=1 (the importer's public-libdw sibling walk,
# Sources/CDwarf/fastwalk.h) when PUBLIC=1.
#
# Usage:
#   scripts/import-parity.sh BEFORE AFTER [INPUT...]
#   scripts/import-parity.sh /tmp/rustbtf-before .build/release/rustbtf /tmp/corpus/vmlinux.rust
# Exit 0 when every pair is identical, 1 otherwise (each difference is listed).
set -uo pipefail

[ $# -ge 2 ] || { sed -n '2,17p' "$0"; exit 2; }
BEFORE=$1 AFTER=$2
shift 2
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/rustbtf-parity.XXXXXX")" || exit 2
trap 'rm -rf "$TMP"' EXIT

inputs=("$REPO"/Corpus/objects/*.o "$REPO"/Corpus/objects/*.elf "$@")
pipelines=(all demote-unrepresentable,sanitize-names,prune-dependents)
variants=(after)
[ "${PUBLIC:-0}" = 1 ] && variants+=(public)
same=0 differ=0

run() {  # run WHICH PIPELINE INPUT OUT [extra args]; the summary line names the output: one name
  local which=$1 passes=$2 input=$3 out=$4 rc; shift 4
  case $which in
    before) "$BEFORE" --passes "$passes" "$@" "$input" -o "$TMP/out.btf"; rc=$? ;;
    after) "$AFTER" --passes "$passes" "$@" "$input" -o "$TMP/out.btf"; rc=$? ;;
    public) RUSTBTF_PUBLIC_WALK=1 "$AFTER" --passes "$passes" "$@" "$input" -o "$TMP/out.btf"; rc=$? ;;
  esac
  [ -f "$TMP/out.btf" ] && mv "$TMP/out.btf" "$out"
  return $rc
}

compare() {  # compare LABEL FILE-A FILE-B
  if cmp -s "$2" "$3"; then
    same=$((same + 1))
  else
    differ=$((differ + 1))
    echo "DIFFERENT: $1"
  fi
}

for input in "${inputs[@]}"; do
  [ -f "$input" ] || { echo "missing input: $input" >&2; differ=$((differ + 1)); continue; }
  name=$(basename "$input")
  for p in "${pipelines[@]}"; do
    tag=${p%%,*}
    run before "$p" "$input" "$TMP/b.btf" >"$TMP/b.out" 2>"$TMP/b.err"
    echo $? >"$TMP/b.rc"
    if [ "$p" != all ]; then
      run before "$p" "$input" "$TMP/bs.btf" --stats --format json >"$TMP/b.stats" 2>/dev/null
    fi
    for v in "${variants[@]}"; do
      run "$v" "$p" "$input" "$TMP/a.btf" >"$TMP/a.out" 2>"$TMP/a.err"
      echo $? >"$TMP/a.rc"
      compare "$name $tag $v exit code" "$TMP/b.rc" "$TMP/a.rc"
      compare "$name $tag $v stderr" "$TMP/b.err" "$TMP/a.err"
      if [ -f "$TMP/b.btf" ] || [ -f "$TMP/a.btf" ]; then compare "$name $tag $v BTF" "$TMP/b.btf" "$TMP/a.btf"; fi
      if [ "$p" != all ]; then
        run "$v" "$p" "$input" "$TMP/as.btf" --stats --format json >"$TMP/a.stats" 2>/dev/null
        compare "$name $tag $v --stats json" "$TMP/b.stats" "$TMP/a.stats"
      fi
      rm -f "$TMP/a.btf" "$TMP/as.btf"
    done
    rm -f "$TMP/b.btf" "$TMP/bs.btf"
  done
  echo "checked $name" >&2
done
echo "import-parity: $same identical, $differ different (${#inputs[@]} inputs, variants: ${variants[*]})"
[ "$differ" = 0 ]
