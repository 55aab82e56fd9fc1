#!/usr/bin/env python3
"""btf-same-up-to-ids.py A.btf B.btf [RUSTBTF]: are two BTF blobs the same types up to type ids
and string order? (issue 19's audit, I19-AUDIT.md). Reads `rustbtf dump` of each, labels every
type by its line with ids removed, refines labels by the labels of the types it refers to
(Weisfeiler-Lehman, 12 rounds), and compares the multisets of labels. Prints "same", or
"differs" with the labels only one side has. Exit 0 when same, 1 when not."""
import re, signal, subprocess, sys
signal.signal(signal.SIGPIPE, signal.SIG_DFL)
from collections import Counter

def parse(path, rustbtf):
    text = subprocess.run([rustbtf, "dump", path], capture_output=True, text=True, check=True).stdout
    types = {}
    cur = None
    for line in text.splitlines():
        m = re.match(r"\[(\d+)\] (.*)", line)
        if m:
            cur = int(m.group(1)); types[cur] = [m.group(2)]
        elif cur is not None:
            types[cur].append(line.strip())
    return types

def labels(types, rounds=12):
    ref = re.compile(r"type_id=(\d+)")
    base = {i: "\n".join(ref.sub("type_id=#", l) for l in ls) for i, ls in types.items()}
    refs = {i: [int(x) for l in ls for x in ref.findall(l)] for i, ls in types.items()}
    lab = {i: hash(base[i]) for i in types}
    for _ in range(rounds):
        lab = {i: hash((base[i], tuple(lab.get(r, 0) for r in refs[i]))) for i in types}
    return lab, base

def main():
    a, b = sys.argv[1], sys.argv[2]
    rustbtf = sys.argv[3] if len(sys.argv) > 3 else "rustbtf"
    ta, tb = parse(a, rustbtf), parse(b, rustbtf)
    la, ba = labels(ta); lb, bb = labels(tb)
    ca, cb = Counter(la.values()), Counter(lb.values())
    if ca == cb:
        print(f"same ({len(ta)} types)"); return 0
    onlya = ca - cb; onlyb = cb - ca
    print(f"differs: {len(ta)} vs {len(tb)} types; {sum(onlya.values())} labels only in A, {sum(onlyb.values())} only in B")
    for side, t, l, only in (("A", ta, la, onlya), ("B", tb, lb, onlyb)):
        kinds = Counter(t[i][0].split()[0] for i in t if only.get(l[i], 0) > 0)
        print(f"  {side} only, by kind:", ", ".join(f"{k} {n}" for k, n in kinds.most_common()))
    shown = 0
    for i in sorted(ta):
        if onlya.get(la[i], 0) > 0 and shown < 8:
            print("  A only:", ba[i].splitlines()[0]); shown += 1
    shown = 0
    for i in sorted(tb):
        if onlyb.get(lb[i], 0) > 0 and shown < 8:
            print("  B only:", bb[i].splitlines()[0]); shown += 1
    return 1

sys.exit(main())
