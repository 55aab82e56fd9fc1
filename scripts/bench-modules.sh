#!/usr/bin/env bash
# bench-modules.sh — the per-module cost of a kernel build's BTF step: rustbtf against pahole on
# the same modules, each on top of its own base (a benchmark, not a test).
#
# A kernel build runs the encoder once per module, as
#   ENCODER -J --btf_gen_floats -j --lang_exclude=rust --btf_base vmlinux MODULE.ko
# This runs that command line (with --btf_encode_detached instead of -J, so the modules are only
# read) for COUNT modules of MODDIR, spread over the range of sizes (every k-th by size), for
# rustbtf on top of rustbtf's BTF of VMLINUX and for pahole on top of pahole's, one tool after
# the other, each module's run under /usr/bin/time. It prints, per tool: modules converted and
# failed, total and median wall time per module, the largest peak RSS, and how many of the
# split BTF files the running kernel accepts on top of their base (rustbtf verify --kernel -B;
# all of them, or VERIFY=N for the first N), then the ratio of the totals.
#
# Usage:
#   scripts/bench-modules.sh MODDIR VMLINUX [COUNT]
#     MODDIR   a tree of .ko files with DWARF, e.g. Debian's debug package for the kernel of
#              VMLINUX: apt-get download linux-image-6.12.*-cloud-amd64-dbg, then
#              dpkg-deb --fsys-tarfile *.deb | tar -x --wildcards '*.ko'
#              (usr/lib/debug/lib/modules/<version>/kernel; 1,138 modules, 1.5 GB unpacked)
#     VMLINUX  that kernel's vmlinux with DWARF (scripts/../../shared/tools/get-debian-vmlinux.sh
#              writes Debian's to /tmp/corpus/vmlinux.debian); both tools' base BTF is made from it
#     COUNT    modules to run (default 100; 0 = all)
# Environment: RUSTBTF (default .build/release/rustbtf), PAHOLE (default pahole), VERIFY=N.
set -uo pipefail
MODDIR=${1:?usage: bench-modules.sh MODDIR VMLINUX [COUNT]}
VMLINUX=${2:?usage: bench-modules.sh MODDIR VMLINUX [COUNT]}
COUNT=${3:-100}
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUSTBTF="${RUSTBTF:-$REPO/.build/release/rustbtf}"
PAHOLE="${PAHOLE:-pahole}"
TIME=/usr/bin/time
die() { echo "bench-modules.sh: $*" >&2; exit 2; }
[ -d "$MODDIR" ] || die "no directory $MODDIR"
[ -f "$VMLINUX" ] || die "no file $VMLINUX"
[ -x "$RUSTBTF" ] || die "no rustbtf at $RUSTBTF (swift build -c release)"
command -v "$PAHOLE" >/dev/null || die "$PAHOLE not found (apt-get install dwarves)"
"$TIME" -v true >/dev/null 2>&1 || die "need GNU time (apt-get install time)"

TMP="$(mktemp -d "${TMPDIR:-/tmp}/rustbtf-bench-modules.XXXXXX")" || die "mktemp failed"
trap 'rm -rf "$TMP"' EXIT

# Modules spread over the sizes: sorted by size, every k-th.
find "$MODDIR" -name '*.ko' -printf '%s %p\n' | sort -n | cut -d' ' -f2- >"$TMP/all"
total=$(wc -l <"$TMP/all")
[ "$total" -gt 0 ] || die "no .ko files under $MODDIR"
if [ "$COUNT" = 0 ] || [ "$COUNT" -ge "$total" ]; then cp "$TMP/all" "$TMP/modules"
else awk -v n="$total" -v c="$COUNT" 'NR % int(n / c) == 0 && k < c { print; k++ }' "$TMP/all" >"$TMP/modules"; fi
picked=$(wc -l <"$TMP/modules")
echo "modules: $picked of $total under $MODDIR; base from $VMLINUX" >&2

echo "making the bases (each tool's BTF of $VMLINUX) ..." >&2
"$RUSTBTF" -q --btf_encode_detached="$TMP/base.rustbtf" -j --btf_gen_floats "$VMLINUX" || die "rustbtf failed on $VMLINUX"
"$PAHOLE" --btf_encode_detached="$TMP/base.pahole" -j --btf_gen_floats "$VMLINUX" >/dev/null || die "pahole failed on $VMLINUX"

# run_all TOOL BIN BASE: every module; leaves $TMP/TOOL.{times,fails} and the split BTF files.
run_all() {
  local tool=$1 bin=$2 base=$3 i=0 m out
  : >"$TMP/$tool.times"; : >"$TMP/$tool.fails"
  mkdir -p "$TMP/$tool"
  while read -r m; do
    i=$((i + 1))
    out="$TMP/$tool/$i.btf"
    if "$TIME" -f '%e %M' -o "$TMP/t" "$bin" --btf_encode_detached="$out" --btf_gen_floats -j --lang_exclude=rust \
      --btf_base "$base" "$m" >"$TMP/log" 2>&1; then
      cat "$TMP/t" >>"$TMP/$tool.times"
    else
      echo "$m: $(tail -n 1 "$TMP/log")" >>"$TMP/$tool.fails"
      rm -f "$out"
    fi
  done <"$TMP/modules"
}

# summary TOOL BASE: one line.
summary() {
  local tool=$1 base=$2 ok fails accepted=0 checked=0 f
  ok=$(wc -l <"$TMP/$tool.times"); fails=$(wc -l <"$TMP/$tool.fails")
  for f in "$TMP/$tool"/*.btf; do
    [ -f "$f" ] || continue
    [ -n "${VERIFY:-}" ] && [ "$checked" -ge "$VERIFY" ] && break
    checked=$((checked + 1))
    "$RUSTBTF" verify --kernel -B "$base" "$f" >/dev/null 2>&1 && accepted=$((accepted + 1))
  done
  sort -n "$TMP/$tool.times" | awk -v tool="$tool" -v ok="$ok" -v fails="$fails" -v acc="$accepted" -v chk="$checked" '
    { t[NR] = $1; sum += $1; if ($2 > rss) rss = $2 }
    END { printf "%-8s %5d ok %4d failed  total %8.2f s  median %6.3f s  max RSS %6.1f MB  kernel accepts %d of %d\n",
          tool, ok, fails, sum, (NR ? t[int((NR + 1) / 2)] : 0), rss / 1024, acc, chk }'
}

echo "running rustbtf on $picked modules ..." >&2
run_all rustbtf "$RUSTBTF" "$TMP/base.rustbtf"
echo "running pahole on $picked modules ..." >&2
run_all pahole "$PAHOLE" "$TMP/base.pahole"

echo
echo "per-module BTF, $picked modules of $MODDIR, base $VMLINUX ($(uname -r), $(nproc) CPUs)"
summary rustbtf "$TMP/base.rustbtf"
summary pahole "$TMP/base.pahole"
awk 'FNR == 1 { f++ } { s[f] += $1 } END { if (s[2] > 0) printf "rustbtf / pahole, total wall time: %.2f\n", s[1] / s[2] }' \
  "$TMP/rustbtf.times" "$TMP/pahole.times"
for tool in rustbtf pahole; do
  [ -s "$TMP/$tool.fails" ] && { echo "$tool failures (first 5):"; head -n 5 "$TMP/$tool.fails"; }
done
exit 0
