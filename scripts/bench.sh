#!/usr/bin/env bash
# bench.sh — compare rustbtf with pahole on one ELF input (a benchmark, not a test).
#
# What it measures, on the same INPUT in the same run:
#   rustbtf-j1         `rustbtf --jobs 1 INPUT -o OUT` (one thread)
#   rustbtf-jN         `rustbtf --jobs 0 INPUT -o OUT` (every CPU); its BTF must equal -j1's
#   rustbtf-public     rustbtf-jN again with RUSTBTF_PUBLIC_WALK=1: the importer steps to
#                      siblings with libdw's public dwarf_siblingof only (Sources/CDwarf/fastwalk.h)
#   rustbtf-ref-j1     `rustbtf --no-dedup-at-import --jobs 1` and `--jobs 0`: the reference path
#   rustbtf-ref-jN     (issue 19: every copy imported, merged by the dedup pass alone); both must
#                      write rustbtf-j1's BTF
#   pahole             `pahole --btf_encode_detached=OUT.pahole.btf INPUT` (one thread)
#   pahole-j           the same with `-j` (every CPU), as the kernel build runs it
#   pahole-no-rust-j   `-j --lang_exclude=rust` (the kernel build's flags for vmlinux)
#   pahole-old-j       with PAHOLE_OLD set (say Debian's 1.24 next to a built 1.31): that pahole's -j
# each under `/usr/bin/time -v`, in BENCH_ROUNDS rounds (default 5): each round runs every tool
# once, in the order above, so that a slow minute of a shared machine falls on all of them alike.
# It prints one table row per tool, the median over the rounds:
#   wall seconds (and the rounds' fastest and slowest), CPU seconds (user+sys), peak RSS (MB),
#   exit code (the first non-zero of any round), BTF type count
#   (`bpftool btf dump file OUT format raw | grep -c '^\['`, falling back to `rustbtf dump OUT`),
#   BTF bytes, and whether the running kernel accepts the BTF (`rustbtf verify --kernel OUT`,
#   exit 0 = accepted; the kernel's reason is printed under the table otherwise).
# Then the ratios of rustbtf-jN's medians to pahole-j's (wall, CPU, RSS); where rustbtf's time and memory go
# (`rustbtf --time-passes --jobs 0`: import, each pass, encode, validate, each with the peak RSS
# so far); and the import alone (rustbtf-import-bench: DWARFImporter.importFile, no passes;
# median and fastest of IMPORT_RUNS runs) on one thread and on every CPU, with the fast sibling
# step, and with the public one.
# A failing tool (pahole often fails on Rust input) is reported with its exit code and the
# script goes on. Outputs go to a temp dir that is removed at the end (BENCH_KEEP=1 keeps it);
# INPUT is only read, and its size/mtime/sha256 are checked before and after.
#
# Usage:
#   scripts/bench.sh [INPUT]          # default INPUT: /tmp/corpus/vmlinux.rust (scripts/build-vmlinux-rust.sh)
#   scripts/bench.sh /tmp/vmlinux-debian
#   scripts/bench.sh Corpus/objects/rust_enums-O2.elf
# Environment:
#   RUSTBTF=path       rustbtf binary (default: .build/static/release/rustbtf, built each time
#                      with scripts/release-build-flags.sh's flags, as scripts/package.sh builds
#                      the binary it ships: the Swift runtime linked in, cross-module
#                      optimization; a plain `swift build -c release` is 5-10% slower on
#                      Debian's vmlinux)
#   PAHOLE=path        pahole binary (default: pahole on PATH; Debian's dwarves)
#   PAHOLE_FLAGS="..." extra flags for every pahole run (e.g. "--btf_gen_floats")
#   PAHOLE_OLD=path    a second pahole, run with -j only (row pahole-old-j)
#   BENCH_KEEP=1       keep the temp dir with the BTF files and logs
#   BENCH_ROUNDS=N     rounds of the timed runs (default 5; 1: each tool once)
#   IMPORT_BENCH=path  rustbtf-import-bench binary (default: next to RUSTBTF, built with it);
#                      IMPORT_RUNS=N (3)
set -uo pipefail

INPUT="${1:-/tmp/corpus/vmlinux.rust}"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATIC_BUILD="$REPO/.build/static"
RUSTBTF="${RUSTBTF:-$STATIC_BUILD/release/rustbtf}"
PAHOLE="${PAHOLE:-pahole}"
read -r -a PAHOLE_EXTRA <<<"${PAHOLE_FLAGS:-}"
TIME=/usr/bin/time
ROUNDS="${BENCH_ROUNDS:-5}"

die() { echo "bench.sh: $*" >&2; exit 2; }

[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "BENCH_ROUNDS must be a positive number, not '$ROUNDS'"
[ -f "$INPUT" ] || die "input not found: $INPUT"
[ -r "$INPUT" ] || die "input not readable: $INPUT"
[ -x "$TIME" ] || die "$TIME missing: install GNU time (apt-get install time)"
"$TIME" -v true >/dev/null 2>&1 || die "$TIME does not support -v (need GNU time: apt-get install time)"

TMP="$(mktemp -d "${TMPDIR:-/tmp}/rustbtf-bench.XXXXXX")" || die "mktemp failed"
if [ "${BENCH_KEEP:-0}" = 1 ]; then
  trap 'echo "kept outputs in $TMP"' EXIT
else
  trap 'rm -rf "$TMP"' EXIT
fi

input_fingerprint() { stat -L -c '%s %Y' "$INPUT"; sha256sum <"$INPUT" | cut -d' ' -f1; }
FP_BEFORE="$(input_fingerprint)"

# ---------------------------------------------------------------- rustbtf binary
RUSTBTF_OK=1
if [ "$RUSTBTF" = "$STATIC_BUILD/release/rustbtf" ]; then
  # Built every time (a no-op when up to date), so that the default measures the tree as it is.
  # shellcheck source=scripts/release-build-flags.sh
  . "$REPO/scripts/release-build-flags.sh"
  echo "building rustbtf (swift build ${RELEASE_BUILD_FLAGS[*]} --build-path .build/static) ..." >&2
  if ! (cd "$REPO" && for product in rustbtf rustbtf-import-bench; do
    swift build "${RELEASE_BUILD_FLAGS[@]}" --build-path "$STATIC_BUILD" --product "$product" || exit 1
  done) >"$TMP/swift-build.log" 2>&1; then
    echo "bench.sh: swift build failed; last lines:" >&2
    tail -n 15 "$TMP/swift-build.log" >&2
    RUSTBTF_OK=0
  fi
fi
[ -x "$RUSTBTF" ] || RUSTBTF_OK=0
[ "$RUSTBTF_OK" = 1 ] || echo "bench.sh: no rustbtf binary at $RUSTBTF; its row will say so" >&2
command -v "$PAHOLE" >/dev/null 2>&1 || echo "bench.sh: $PAHOLE not found; its rows will say so" >&2
HAVE_BPFTOOL=0
command -v bpftool >/dev/null 2>&1 && HAVE_BPFTOOL=1

# ---------------------------------------------------------------- helpers
# run NAME ROUND OUT CMD...: run CMD under /usr/bin/time -v; leaves $TMP/NAME.ROUND.{time,log,rc}.
run() {
  local name=$1 round=$2 out=$3; shift 3
  rm -f "$out"
  echo "running $name (round $round of $ROUNDS): $*" >&2
  "$TIME" -v -o "$TMP/$name.$round.time" "$@" >"$TMP/$name.$round.log" 2>&1
  echo $? >"$TMP/$name.$round.rc"
}

# job NAME OUT CMD...: a timed run of every round (run_jobs), summarised by `row` in this order.
# skip_job NAME WHY: a row in that order for a tool that cannot run.
JOB_NAMES=()
JOB_OUTS=()
JOB_SKIPPED=()
job() {
  local name=$1 out=$2; shift 2
  JOB_NAMES+=("$name")
  JOB_OUTS+=("$out")
  JOB_SKIPPED+=("")
  eval "JOB_CMD_${#JOB_NAMES[@]}=(\"\$@\")"
}
skip_job() {
  JOB_NAMES+=("$1")
  JOB_OUTS+=("")
  JOB_SKIPPED+=("$2")
}

run_jobs() { # every job once a round, in the order given; then one row each
  local round i
  for round in $(seq "$ROUNDS"); do
    for i in "${!JOB_NAMES[@]}"; do
      [ -z "${JOB_SKIPPED[$i]}" ] || continue
      local -n cmd="JOB_CMD_$((i + 1))"
      run "${JOB_NAMES[$i]}" "$round" "${JOB_OUTS[$i]}" "${cmd[@]}"
      unset -n cmd
    done
  done
  for i in "${!JOB_NAMES[@]}"; do
    if [ -n "${JOB_SKIPPED[$i]}" ]; then skip_row "${JOB_NAMES[$i]}" "${JOB_SKIPPED[$i]}"; else row "${JOB_NAMES[$i]}" "${JOB_OUTS[$i]}"; fi
  done
}

time_field() { # FILE LABEL -> value after "LABEL: "
  sed -n "s/^[[:space:]]*$2: //p" "$1" | head -n1
}

wall_seconds() { # "h:mm:ss" or "m:ss.cc" -> seconds
  awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }' <<<"$1"
}

# values NAME FIELD: one line per round: wall, cpu (user+sys) or rss (kB), from NAME's time files.
values() {
  local f
  for f in "$TMP/$1".*.time; do
    [ -s "$f" ] && grep -q 'Elapsed' "$f" || continue
    case $2 in
      wall) wall_seconds "$(time_field "$f" 'Elapsed (wall clock) time (h:mm:ss or m:ss)')"; echo ;;
      cpu) awk -v u="$(time_field "$f" 'User time (seconds)')" -v s="$(time_field "$f" 'System time (seconds)')" \
        'BEGIN { printf "%.2f\n", u + s }' ;;
      rss) time_field "$f" 'Maximum resident set size (kbytes)' ;;
    esac
  done
}

median() { # numbers on stdin -> their median, or "-"
  sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

type_count() { # BTF file -> number of types, or "-"
  local f=$1 n
  [ -s "$f" ] || { echo "-"; return; }
  if [ "$HAVE_BPFTOOL" = 1 ] && bpftool btf dump file "$f" format raw >"$TMP/dump.txt" 2>/dev/null; then
    grep -c '^\[' "$TMP/dump.txt"; return
  fi
  if [ "$RUSTBTF_OK" = 1 ] && "$RUSTBTF" dump "$f" >"$TMP/dump.txt" 2>/dev/null; then
    grep -c '^\[' "$TMP/dump.txt"; return
  fi
  echo "?"
}

REASONS=()
VERDICT=
kernel_verdict() { # NAME BTF-file -> sets VERDICT to yes / no / n/a (not run in a subshell)
  local name=$1 f=$2 rc
  VERDICT="n/a"
  [ -s "$f" ] || return 0
  if [ "$RUSTBTF_OK" != 1 ]; then
    [ -n "${VERIFY_NOTE:-}" ] || { VERIFY_NOTE=1; REASONS+=("kernel ok: n/a without a rustbtf binary (rustbtf verify --kernel)"); }
    return 0
  fi
  "$RUSTBTF" verify --kernel "$f" >"$TMP/$name.verify" 2>&1
  rc=$?
  if [ "$rc" = 0 ]; then
    VERDICT="yes"
  else
    VERDICT="no"
    REASONS+=("$name rejected (rustbtf verify --kernel exit $rc): $(tail -n 5 "$TMP/$name.verify" | tr '\n' ' ')")
  fi
}

ROWS=()
row() { # NAME OUT — summarise a job's rounds: medians; the first failing round's exit code
  local name=$1 out=$2 rc=0 r t log wall range cpu rss types bytes ok
  log="$TMP/$name.1.log"
  for r in $(seq "$ROUNDS"); do
    t="$TMP/$name.$r.time"
    [ "$rc" = 0 ] || break
    rc=$(cat "$TMP/$name.$r.rc")
    log="$TMP/$name.$r.log"
    [ -s "$t" ] && grep -q 'Command terminated by signal' "$t" && rc="sig$(sed -n 's/.*signal \([0-9]*\).*/\1/p' "$t" | head -n1)"
  done
  wall=$(values "$name" wall | median)
  range=$(values "$name" wall | sort -g | sed -n '1p;$p' | paste -sd- -)
  [ -n "$range" ] || range=-
  cpu=$(values "$name" cpu | median)
  rss=$(values "$name" rss | median)
  [ "$wall" = - ] || wall=$(printf '%.2f' "$wall")
  [ "$cpu" = - ] || cpu=$(printf '%.2f' "$cpu")
  [ "$rss" = - ] || rss=$(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')
  types=$(type_count "$out")
  if [ -f "$out" ]; then bytes=$(stat -c %s "$out"); else bytes=-; fi
  kernel_verdict "$name" "$out"; ok=$VERDICT
  if [ "$rc" != 0 ]; then
    REASONS+=("$name exited $rc; last output: $(tail -n 3 "$log" | tr '\n' ' ')")
  elif [ ! -f "$out" ]; then
    REASONS+=("$name exited 0 but wrote no BTF file (nothing to encode?)")
  fi
  ROWS+=("$(printf '%-16s %8s %11s %8s %9s %5s %9s %11s  %s' "$name" "$wall" "$range" "$cpu" "$rss" "$rc" "$types" "$bytes" "$ok")")
}

skip_row() { # NAME WHY
  ROWS+=("$(printf '%-16s %8s %11s %8s %9s %5s %9s %11s  %s' "$1" - - - - - - - n/a)")
  REASONS+=("$1 not run: $2")
}

# ---------------------------------------------------------------- runs
OUT_R="$TMP/out.rustbtf.btf"
OUT_P="$TMP/out.pahole.btf"
OUT_PX="$TMP/out.pahole-no-rust.btf"

OUT_RN="$TMP/out.rustbtf-jN.btf"
OUT_PJ="$TMP/out.pahole-j.btf"
if [ "$RUSTBTF_OK" = 1 ]; then
  job rustbtf-j1 "$OUT_R" "$RUSTBTF" --jobs 1 "$INPUT" -o "$OUT_R"
  job rustbtf-jN "$OUT_RN" "$RUSTBTF" --jobs 0 "$INPUT" -o "$OUT_RN"
  job rustbtf-public "$TMP/out.rustbtf-public.btf" env RUSTBTF_PUBLIC_WALK=1 "$RUSTBTF" --jobs 0 "$INPUT" -o "$TMP/out.rustbtf-public.btf"
  for j in 1 N; do
    job rustbtf-ref-j$j "$TMP/out.rustbtf-ref-j$j.btf" "$RUSTBTF" --no-dedup-at-import --jobs "${j/N/0}" "$INPUT" -o "$TMP/out.rustbtf-ref-j$j.btf"
  done
else
  for n in rustbtf-j1 rustbtf-jN rustbtf-public rustbtf-ref-j1 rustbtf-ref-jN; do skip_job $n "no binary at $RUSTBTF"; done
fi
if command -v "$PAHOLE" >/dev/null 2>&1; then
  job pahole "$OUT_P" "$PAHOLE" "${PAHOLE_EXTRA[@]}" --btf_encode_detached="$OUT_P" "$INPUT"
  job pahole-j "$OUT_PJ" "$PAHOLE" -j "${PAHOLE_EXTRA[@]}" --btf_encode_detached="$OUT_PJ" "$INPUT"
  job pahole-no-rust-j "$OUT_PX" "$PAHOLE" -j "${PAHOLE_EXTRA[@]}" --lang_exclude=rust --btf_encode_detached="$OUT_PX" "$INPUT"
else
  for n in pahole pahole-j pahole-no-rust-j; do skip_job $n "$PAHOLE not found"; done
fi
if [ -n "${PAHOLE_OLD:-}" ]; then
  job pahole-old-j "$TMP/out.pahole-old-j.btf" "$PAHOLE_OLD" -j "${PAHOLE_EXTRA[@]}" --btf_encode_detached="$TMP/out.pahole-old-j.btf" "$INPUT"
fi
run_jobs
# Each output is the last round's; every rustbtf run must write rustbtf-j1's bytes.
if [ "$RUSTBTF_OK" = 1 ]; then
  cmp -s "$OUT_R" "$OUT_RN" || REASONS+=("rustbtf-jN wrote different BTF than rustbtf-j1 (a parallel-import bug)")
  cmp -s "$OUT_R" "$TMP/out.rustbtf-public.btf" || REASONS+=("rustbtf-public wrote different BTF than rustbtf (an importer bug)")
  for j in 1 N; do
    cmp -s "$OUT_R" "$TMP/out.rustbtf-ref-j$j.btf" || REASONS+=("rustbtf-ref-j$j wrote different BTF than rustbtf-j1 (a dedup-at-import bug)")
  done
fi

# ratio NAME OTHER FIELD: NAME's median over OTHER's (wall, cpu or rss).
ratio() {
  awk -v a="$(values "$1" "$3" | median)" -v b="$(values "$2" "$3" | median)" \
    'BEGIN { if (a != "-" && b != "-" && b > 0) printf "%.2f", a / b; else print "-" }'
}

FP_AFTER="$(input_fingerprint)"

# ---------------------------------------------------------------- report
echo
echo "input:   $INPUT ($(stat -L -c %s "$INPUT") bytes)"
echo "kernel:  $(uname -r)    rustbtf: $([ "$RUSTBTF_OK" = 1 ] && echo "$RUSTBTF" || echo missing)    pahole: $("$PAHOLE" --version 2>/dev/null || echo missing)"
echo
echo "medians of $ROUNDS round(s); every tool runs once a round, in the order of the table"
printf '%-16s %8s %11s %8s %9s %5s %9s %11s  %s\n' tool "wall s" "min-max" "CPU s" "RSS MB" exit types "BTF bytes" "kernel ok"
printf '%s\n' "${ROWS[@]}"
echo
echo "rustbtf-jN / pahole-j:          wall $(ratio rustbtf-jN pahole-j wall)  CPU $(ratio rustbtf-jN pahole-j cpu)  RSS $(ratio rustbtf-jN pahole-j rss)"
echo "rustbtf-jN / pahole-no-rust-j:  wall $(ratio rustbtf-jN pahole-no-rust-j wall)  CPU $(ratio rustbtf-jN pahole-no-rust-j cpu)  RSS $(ratio rustbtf-jN pahole-no-rust-j rss)"
[ -z "${PAHOLE_OLD:-}" ] || echo "rustbtf-jN / pahole-old-j:      wall $(ratio rustbtf-jN pahole-old-j wall)  CPU $(ratio rustbtf-jN pahole-old-j cpu)  RSS $(ratio rustbtf-jN pahole-old-j rss)"
echo "rustbtf-ref-jN / pahole-j:      wall $(ratio rustbtf-ref-jN pahole-j wall)  CPU $(ratio rustbtf-ref-jN pahole-j cpu)  RSS $(ratio rustbtf-ref-jN pahole-j rss)"
echo "scaling: rustbtf-j1 / rustbtf-jN wall $(ratio rustbtf-j1 rustbtf-jN wall); rustbtf-ref-j1 / rustbtf-ref-jN wall $(ratio rustbtf-ref-j1 rustbtf-ref-jN wall)"
if [ "$RUSTBTF_OK" = 1 ]; then
  echo
  for flags in "--jobs 1" "--jobs 0" "--no-dedup-at-import --jobs 0"; do
    echo "phases (rustbtf --time-passes $flags):"
    # shellcheck disable=SC2086 # the flags are words
    "$RUSTBTF" --time-passes $flags "$INPUT" -o "$TMP/out.phases.btf" 2>&1 | sed -n 's/^rustbtf: \(import\|pass\|encode\|validate\)/  \1/p'
  done
fi
IMPORT_BENCH="${IMPORT_BENCH:-$(dirname "$RUSTBTF")/rustbtf-import-bench}"
if [ -x "$IMPORT_BENCH" ]; then
  echo
  "$IMPORT_BENCH" "$INPUT" "${IMPORT_RUNS:-3}" 1
  "$IMPORT_BENCH" "$INPUT" "${IMPORT_RUNS:-3}" 0
  RUSTBTF_PUBLIC_WALK=1 "$IMPORT_BENCH" "$INPUT" "${IMPORT_RUNS:-3}" 0
else
  REASONS+=("import-only rows not run: no $IMPORT_BENCH (built next to the default RUSTBTF)")
fi
if [ "${#REASONS[@]}" -gt 0 ]; then
  echo
  echo "notes:"
  for r in "${REASONS[@]}"; do echo "  - $r"; done
fi
if [ "$FP_BEFORE" != "$FP_AFTER" ]; then
  echo "WARNING: input changed during the benchmark ($FP_BEFORE -> $FP_AFTER)" >&2
  exit 1
fi
exit 0
