#!/usr/bin/env bash
# phase-times.sh — where rustbtf's time and memory go, per phase (issue 19's audit, Tools/OrderAudit/FINDINGS.md):
# RUNS alternating runs of `rustbtf --time-passes` at --jobs 0 (every CPU) and --jobs 1 under
# /usr/bin/time -v, then the import alone (rustbtf-import-bench, RUNS runs, 1 thread and every
# CPU). Prints one Markdown table: the median of each phase's milliseconds and the peak RSS at
# its end, per thread count, and the whole process's wall, CPU and peak RSS.
# Usage: scripts/phase-times.sh INPUT [RUNS]      (RUSTBTF=… to pick the binary)
set -euo pipefail
INPUT=${1:?usage: phase-times.sh INPUT [RUNS]}
RUNS=${2:-3}
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUSTBTF="${RUSTBTF:-$REPO/.build/release/rustbtf}"
BENCH="$(dirname "$RUSTBTF")/rustbtf-import-bench"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/phase-times.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
for r in $(seq "$RUNS"); do
  for j in 0 1; do
    /usr/bin/time -v -o "$TMP/time.$j.$r" "$RUSTBTF" --time-passes --jobs "$j" "$INPUT" -o "$TMP/out.$j.btf" 2>"$TMP/log.$j.$r"
  done
done
cmp -s "$TMP/out.0.btf" "$TMP/out.1.btf" || echo "phase-times.sh: --jobs 0 and --jobs 1 wrote different BTF" >&2
"$BENCH" "$INPUT" "$RUNS" 1 >"$TMP/bench.1"
"$BENCH" "$INPUT" "$RUNS" 0 >"$TMP/bench.0"
python3 - "$TMP" "$RUNS" <<'PY'
import re, statistics, sys
tmp, runs = sys.argv[1], int(sys.argv[2])
def med(xs): return statistics.median(xs) if xs else float("nan")
rows = {}   # phase -> {j: [(ms, rss)]}
order = []
whole = {}  # j -> {wall, cpu, rss}
for j in ("0", "1"):
    whole[j] = {"wall": [], "cpu": [], "rss": []}
    for r in range(1, runs + 1):
        for line in open(f"{tmp}/log.{j}.{r}"):
            m = re.match(r"rustbtf: (import) \(\d+ threads?\): ([\d.]+) ms, peak RSS (\d+) MB", line) or \
                re.match(r"rustbtf: pass (.+?): ([\d.]+) ms, .*peak RSS (\d+) MB", line) or \
                re.match(r"rustbtf: (encode|validate): ([\d.]+) ms, peak RSS (\d+) MB", line)
            if not m: continue
            name = m.group(1)
            if name not in rows: rows[name] = {"0": [], "1": []}; order.append(name)
            rows[name][j].append((float(m.group(2)), int(m.group(3))))
        t = open(f"{tmp}/time.{j}.{r}").read()
        wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", t).group(1)
        secs = 0.0
        for part in wall.split(":"): secs = secs * 60 + float(part)
        whole[j]["wall"].append(secs)
        whole[j]["cpu"].append(float(re.search(r"User time \(seconds\): (\S+)", t).group(1)) + float(re.search(r"System time \(seconds\): (\S+)", t).group(1)))
        whole[j]["rss"].append(int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1)) / 1024)
print(f"| phase | -j (every CPU) ms | peak RSS MB | --jobs 1 ms | peak RSS MB | share of -j total |")
print("|---|---|---|---|---|---|")
total0 = sum(med([x[0] for x in rows[n]["0"]]) for n in order)
for n in order:
    a = med([x[0] for x in rows[n]["0"]]); b = med([x[0] for x in rows[n]["1"]])
    ra = med([x[1] for x in rows[n]["0"]]); rb = med([x[1] for x in rows[n]["1"]])
    print(f"| {n} | {a:.1f} | {ra:.0f} | {b:.1f} | {rb:.0f} | {100 * a / total0:.1f}% |")
total1 = sum(med([x[0] for x in rows[n]["1"]]) for n in order)
print(f"| sum of phases | {total0:.1f} | | {total1:.1f} | | |")
for j, label in (("0", "-j"), ("1", "--jobs 1")):
    w = whole[j]
    print(f"\nwhole process {label}: wall {med(w['wall']):.2f} s, CPU {med(w['cpu']):.2f} s, peak RSS {med(w['rss']):.0f} MiB (medians of {runs}; walls {', '.join(f'{x:.2f}' for x in w['wall'])})")
for t in ("1", "0"):
    print("\n" + open(f"{tmp}/bench.{t}").read().strip())
PY
