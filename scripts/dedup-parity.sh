#!/usr/bin/env bash
# dedup-parity.sh INPUT — compare rustbtf's BTF with pahole's (libbpf's btf__dedup) on INPUT.
#
# Runs `pahole --btf_encode_detached` and `rustbtf -o` on INPUT, dumps both with
# `bpftool btf dump file X format raw`, and prints:
#   - types per kind for both tools, and the totals with and without VAR (pahole 1.24 emits only
#     per-CPU variables, rustbtf every global one) and without VAR+DATASEC;
#   - every named STRUCT, UNION, ENUM/ENUM64 and TYPEDEF pahole emits that rustbtf lacks, or has
#     only with a different layout (size; member names, bit offsets and bitfield sizes; enumerator
#     names and values; a typedef's target, described by kind and name), with examples;
#   - "comparable": the totals without VAR, DATASEC and the inner dimensions of multi-dimensional
#     arrays (pahole 1.24 flattens int[3][4] to int[12]; rustbtf keeps both dimensions);
#   - PARITY: ok when nothing is missing or different and rustbtf's comparable count is at most
#     pahole's; the exit code is 0 then and 1 otherwise.
#
# Usage:
#   scripts/dedup-parity.sh INPUT                      # e.g. Corpus/objects/c_dedup-O0.elf
#   scripts/dedup-parity.sh --lang-exclude=rust INPUT  # C part of a Rust-enabled vmlinux:
#       both tools get --lang_exclude=LIST
#   scripts/dedup-parity.sh --compare PAHOLE.btf RUSTBTF.btf   # only compare two BTF files
# Environment:
#   RUSTBTF=path   rustbtf binary (default: .build/release/rustbtf, else .build/debug/rustbtf)
#   PAHOLE=path    pahole (default: pahole on PATH)
#   PARITY_KEEP=1  keep the temp dir (BTF files, dumps, logs)
#   PARITY_EXAMPLES=N  examples printed per list (default 15)
# Needs pahole (dwarves), bpftool and python3.
set -uo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LANG_EXCLUDE=""
COMPARE=""
while [ $# -gt 0 ]; do
  case "$1" in
    --lang-exclude=*|--lang_exclude=*) LANG_EXCLUDE="${1#*=}"; shift;;
    --compare) COMPARE=1; shift;;
    -h|--help) sed -n '2,24p' "$0"; exit 0;;
    *) break;;
  esac
done
INPUT="${1:?usage: dedup-parity.sh [--lang-exclude=rust] INPUT | --compare PAHOLE.btf RUSTBTF.btf}"
command -v bpftool >/dev/null || { echo "dedup-parity.sh: bpftool not found" >&2; exit 2; }
TMP="$(mktemp -d "${TMPDIR:-/tmp}/dedup-parity.XXXXXX")"
if [ "${PARITY_KEEP:-0}" = 1 ]; then trap 'echo "kept $TMP"' EXIT; else trap 'rm -rf "$TMP"'  EXIT; fi
if [ -n "$COMPARE" ]; then
  PBTF="$1"; RBTF="${2:?--compare needs two BTF files}"
else
  [ -f "$INPUT" ] || { echo "dedup-parity.sh: no such file: $INPUT" >&2; exit 2; }
if [ -z "${RUSTBTF:-}" ]; then
  for c in "$REPO/.build/release/rustbtf" "$REPO/.build/debug/rustbtf"; do
    [ -x "$c" ] && { RUSTBTF="$c"; break; }
  done
fi
[ -n "${RUSTBTF:-}" ] && [ -x "$RUSTBTF" ] || { echo "dedup-parity.sh: no rustbtf binary; build with swift build -c release, or set RUSTBTF" >&2; exit 2; }
PAHOLE="${PAHOLE:-pahole}"
command -v "$PAHOLE" >/dev/null || { echo "dedup-parity.sh: pahole not found (apt-get install dwarves)" >&2; exit 2; }

pflags=()
[ -n "$LANG_EXCLUDE" ] && pflags+=("--lang_exclude=$LANG_EXCLUDE")
if ! "$PAHOLE" "${pflags[@]}" --btf_encode_detached="$TMP/pahole.btf" "$INPUT" >"$TMP/pahole.log" 2>&1; then
  echo "dedup-parity.sh: pahole failed:" >&2; tail -5 "$TMP/pahole.log" >&2; exit 2
fi
if ! "$RUSTBTF" ${LANG_EXCLUDE:+--lang_exclude="$LANG_EXCLUDE"} "$INPUT" -o "$TMP/rustbtf.btf" >"$TMP/rustbtf.log" 2>&1; then
  echo "dedup-parity.sh: rustbtf failed:" >&2; tail -5 "$TMP/rustbtf.log" >&2; exit 2
fi
PBTF="$TMP/pahole.btf"; RBTF="$TMP/rustbtf.btf"
fi
bpftool btf dump file "$PBTF" format raw >"$TMP/pahole.txt" || exit 2
bpftool btf dump file "$RBTF" format raw >"$TMP/rustbtf.txt" || exit 2

python3 - "$TMP/pahole.txt" "$TMP/rustbtf.txt" "${PARITY_EXAMPLES:-15}" "$INPUT" <<'PY'
import re, sys
from collections import Counter, defaultdict

head = re.compile(r"^\[(\d+)\] (\S+) '([^']*)'(.*)$")
def load(path):
    types = {}
    cur = None
    for line in open(path, errors="replace"):
        line = line.rstrip("\n")
        m = head.match(line)
        if m:
            tid, kind, name, rest = int(m.group(1)), m.group(2), m.group(3), m.group(4)
            attrs = dict(re.findall(r"(\w+)=([^\s,]+)", rest))
            cur = types[tid] = {"kind": kind, "name": "" if name == "(anon)" else name, "attrs": attrs, "members": []}
        elif cur is not None and line.startswith("\t"):
            m2 = re.match(r"\t'([^']*)'(.*)$", line)
            name, rest = (m2.group(1), m2.group(2)) if m2 else ("", line)
            cur["members"].append((name, dict(re.findall(r"(\w+)=([^\s,]+)", rest))))
    return types

def desc(types, tid, depth=0):
    """A shallow, id-free description of a type: kind and name, anonymous types by layout."""
    tid = int(tid)
    if tid == 0: return "void"
    t = types.get(tid)
    if t is None: return "?"
    k = t["kind"]
    if k in ("PTR", "CONST", "VOLATILE", "RESTRICT", "TYPE_TAG"):
        return k.lower() + " " + desc(types, t["attrs"].get("type_id", 0), depth)
    if k == "ARRAY":
        return "array[%s] %s" % (t["attrs"].get("nr_elems"), desc(types, t["attrs"].get("type_id", 0), depth))
    if t["name"]:
        return "%s %s" % ("struct" if k == "FWD" and t["attrs"].get("fwd_kind") == "struct" else "union" if k == "FWD" else k.lower(), t["name"])
    if depth >= 2: return k.lower() + " (anon)"
    if k in ("STRUCT", "UNION"):
        return "%s{%s;%s}" % (k.lower(), t["attrs"].get("size"), ",".join(
            "%s@%s:%s" % (n, a.get("bits_offset"), a.get("bitfield_size", "0")) for n, a in t["members"]))
    if k == "FUNC_PROTO":
        return "fn(%s)->%s" % (",".join(desc(types, a.get("type_id", 0), depth + 1) for n, a in t["members"]), desc(types, t["attrs"].get("ret_type_id", 0), depth + 1))
    return k.lower() + " (anon)"

def signature(types, t):
    k = t["kind"]
    if k in ("STRUCT", "UNION"):
        return (k, t["attrs"].get("size"), tuple((n, a.get("bits_offset"), a.get("bitfield_size", "0")) for n, a in t["members"]))
    if k in ("ENUM", "ENUM64"):
        return ("ENUM", t["attrs"].get("size"), tuple((n, a.get("val")) for n, a in t["members"]))
    if k == "TYPEDEF":
        return (k, desc(types, t["attrs"].get("type_id", 0)))
    return None

pa, ru = load(sys.argv[1]), load(sys.argv[2])
examples = int(sys.argv[3])
kinds = sorted(set(t["kind"] for t in pa.values()) | set(t["kind"] for t in ru.values()))
cp, cr = Counter(t["kind"] for t in pa.values()), Counter(t["kind"] for t in ru.values())
print("input: %s" % sys.argv[4])
print("%-12s %10s %10s %10s" % ("kind", "pahole", "rustbtf", "diff"))
for k in kinds:
    print("%-12s %10d %10d %+10d" % (k, cp[k], cr[k], cr[k] - cp[k]))
def tot(c, skip=()):
    return sum(v for k, v in c.items() if k not in skip)
rows = [("total", ()), ("total-VAR", ("VAR",)), ("total-VAR-DATASEC", ("VAR", "DATASEC"))]
for label, skip in rows:
    print("%-12s %10d %10d %+10d" % (label, tot(cp, skip), tot(cr, skip), tot(cr, skip) - tot(cp, skip)))

def named(types):
    out = defaultdict(set)
    for t in types.values():
        if t["name"] and t["kind"] in ("STRUCT", "UNION", "ENUM", "ENUM64", "TYPEDEF"):
            kk = "ENUM" if t["kind"] == "ENUM64" else t["kind"]
            out[(kk, t["name"])].add(signature(types, t))
    return out
# pahole 1.24 flattens C multi-dimensional arrays (int[3][4] becomes int[12]); rustbtf keeps
# one ARRAY per dimension, which BTF carries. Count the inner dimensions apart.
def nested(types):
    return sum(1 for t in types.values() if t["kind"] == "ARRAY"
               and types.get(int(t["attrs"].get("type_id", 0)), {}).get("kind") == "ARRAY")
adj_p = tot(cp, ("VAR", "DATASEC")) - nested(pa)
adj_r = tot(cr, ("VAR", "DATASEC")) - nested(ru)
print("%-12s %10d %10d %+10d   (total-VAR-DATASEC without nested array dimensions: %d, %d)" % (
    "comparable", adj_p, adj_r, adj_r - adj_p, nested(pa), nested(ru)))
fp = adj_p - cp["FUNC"] - cp["FUNC_PROTO"]
fr = adj_r - cr["FUNC"] - cr["FUNC_PROTO"]
print("%-12s %10d %10d %+10d   (comparable without FUNC and FUNC_PROTO: which functions are emitted is the importer's choice)" % (
    "no-funcs", fp, fr, fr - fp))
np_, nr = named(pa), named(ru)
missing, different = [], []
for key in sorted(np_):
    if key not in nr:
        missing.append(key); continue
    lack = np_[key] - nr[key]
    if lack: different.append((key, lack, nr[key]))
print("named struct/union/enum/typedef in pahole: %d (distinct layouts %d); rustbtf: %d (%d)" % (
    len(np_), sum(len(v) for v in np_.values()), len(nr), sum(len(v) for v in nr.values())))
print("missing in rustbtf: %d" % len(missing))
for k in missing[:examples]: print("  missing   %s %s" % k)
print("different in rustbtf: %d" % len(different))
def short(s):
    s = repr(s); return s if len(s) < 200 else s[:200] + "..."
for key, lack, have in different[:examples]:
    print("  different %s %s" % key)
    for s in list(lack)[:2]: print("     pahole  %s" % short(s))
    for s in list(have)[:2]: print("     rustbtf %s" % short(s))
extra = [k for k in nr if k not in np_]
print("named in rustbtf only: %d%s" % (len(extra), (" e.g. " + ", ".join("%s %s" % k for k in sorted(extra)[:8])) if extra else ""))
dup = sum(len(v) - 1 for v in nr.values() if len(v) > 1), sum(len(v) - 1 for v in np_.values() if len(v) > 1)
print("extra same-name layouts: rustbtf %d, pahole %d" % dup)
ok = not missing and not different and adj_r <= adj_p
print("PARITY: %s" % ("ok" if ok else "FAILED"))
sys.exit(0 if ok else 1)
PY
