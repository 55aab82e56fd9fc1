#!/usr/bin/env bash
# kfunc-tags.sh — compare the kfunc DECL_TAGs rustbtf writes with pahole's (a check by hand, not
# a test: pahole is a peer, never a dependency).
#
# Usage: scripts/kfunc-tags.sh INPUT [BASE_BTF]
#   INPUT     a vmlinux, or a module (.ko) with BASE_BTF the vmlinux BTF it is split on
#   RUSTBTF   rustbtf binary (default .build/release/rustbtf)
#   PAHOLE    pahole 1.27+ (default /tmp/pahole-v1.31/bin/pahole, libraries from ../lib)
#   FEATURES  --btf_features list both get (default: Linux 6.12's for pahole >= 1.26, less
#             optimized_func, plus decl_tag_kfuncs and attributes)
#
# Prints, for each tool, the FUNC names under DECL_TAG 'bpf_kfunc' and 'bpf_fastcall' and the
# FUNCs' prototypes with 'address_space(1)' TYPE_TAGs, then the differences (none: exit 0).
set -euo pipefail
INPUT=${1:?usage: kfunc-tags.sh INPUT [BASE_BTF]}
BASE=${2:-}
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUSTBTF=${RUSTBTF:-$ROOT/.build/release/rustbtf}
PAHOLE=${PAHOLE:-/tmp/pahole-v1.31/bin/pahole}
FEATURES=${FEATURES:-encode_force,var,float,enum64,decl_tag,type_tag,consistent_func,decl_tag_kfuncs,attributes}
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

base_args=()
[ -n "$BASE" ] && base_args=(--btf_base "$BASE")
LD_LIBRARY_PATH="$(dirname "$PAHOLE")/../lib" "$PAHOLE" -j --btf_features="$FEATURES" "${base_args[@]}" \
  --btf_encode_detached="$TMP/pahole.btf" "$INPUT"
"$RUSTBTF" -j --btf_features="$FEATURES" "${base_args[@]}" --btf_encode_detached="$TMP/rustbtf.btf" "$INPUT"

# The kfunc tags and arena prototypes of one BTF file, from rustbtf's raw dump (bpftool's format).
summarize() {
  local dump_args=(dump)
  [ -n "$BASE" ] && dump_args+=(-B "$BASE")
  "$RUSTBTF" "${dump_args[@]}" "$1" | python3 -c '
import re, sys
types, cur = {}, None
for line in sys.stdin:
    m = re.match(r"\[(\d+)\] (\w+) '"'"'([^'"'"']*)'"'"'(.*)", line)
    if m:
        cur = [m[2], m[3], m[4], []]; types[m[1]] = cur
    elif cur is not None and line.startswith("\t"):
        cur[3].append(line.strip())
def ref(rest, key="type_id"):
    return re.search(key + r"=(\d+)", rest)[1]
def text(i):
    if i == "0" or i not in types: return "void" if i == "0" else "base#" + i
    k, n, rest, _ = types[i]
    if k == "PTR": return text(ref(rest)) + "*"
    if k == "TYPE_TAG": return "tag(%s%s) %s" % (n, ",kflag" if "kind_flag=1" in rest else "", text(ref(rest)))
    if k in ("CONST", "VOLATILE", "RESTRICT"): return k.lower() + " " + text(ref(rest))
    return n
out = set()
for i, (k, n, rest, _) in types.items():
    if k == "DECL_TAG" and n in ("bpf_kfunc", "bpf_fastcall"):
        fn = types.get(ref(rest), ["", "base#" + ref(rest)])
        out.add("%s %s" % (n, fn[1]))
        proto = types[ref(fn[2])] if fn[0] == "FUNC" else None
        if proto and n == "bpf_kfunc":
            sig = "%s(%s)" % (text(ref(proto[2], "ret_type_id")), ", ".join(text(ref(a)) for a in proto[3]))
            if "address_space" in sig: out.add("arena %s %s" % (fn[1], sig))
print("\n".join(sorted(out)))
'
}
summarize "$TMP/pahole.btf" > "$TMP/pahole.txt"
summarize "$TMP/rustbtf.btf" > "$TMP/rustbtf.txt"
for t in pahole rustbtf; do
  echo "$t: $(grep -c '^bpf_kfunc ' "$TMP/$t.txt" || true) bpf_kfunc, $(grep -c '^bpf_fastcall ' "$TMP/$t.txt" || true) bpf_fastcall, $(grep -c '^arena ' "$TMP/$t.txt" || true) arena prototypes"
done
if diff "$TMP/pahole.txt" "$TMP/rustbtf.txt"; then echo "same kfunc tags and arena prototypes"; else exit 1; fi
