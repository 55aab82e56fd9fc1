#!/usr/bin/env bash
# check-libbpf.sh — libbpf's verdict on rustbtf's distilled base (.BTF.base) and kind layout
# output, and pahole's distilled base on the same modules (a check, not a test: it needs a
# libbpf source tree, 1.8 or later for the layout section, and optionally pahole).
#
# For each MODULE (a .ko, or any ELF with DWARF), on top of BASE_BTF (raw BTF of the vmlinux it
# was built with, e.g. `pahole --btf_encode_detached`):
#   1. rustbtf --btf_encode_detached: the module's split BTF before distilling;
#   2. rustbtf -J --btf_features=…,distilled_base on a copy: its .BTF and .BTF.base;
#   3. libbpf's btf__distill_base of (1) must give (2) byte for byte;
#   4. libbpf's btf__relocate of (2) onto BASE_BTF must succeed, and onto TARGET_BTF (another
#      kernel's BTF, default /sys/kernel/btf/vmlinux: what the kernel does when the module is
#      loaded there) is tried and reported;
#   5. with PAHOLE: pahole -J …,distilled_base on a copy, and the distilled bases compared
#      (types only one tool's has; the splits differ where the tools encode the module
#      differently, which is not the distillation).
# With LAYOUT_INPUT (an ELF with DWARF), rustbtf writes its BTF with the kind layout section,
# and libbpf must parse it and write it back byte for byte.
#
# Usage: LIBBPF_SRC=/path/to/libbpf scripts/check-libbpf.sh BASE_BTF MODULE...
# Environment: RUSTBTF (default .build/debug/rustbtf), PAHOLE (a pahole ≥ 1.28 command to
#   compare with, split into words: "env LD_LIBRARY_PATH=… pahole" works), TARGET_BTF, LAYOUT_INPUT,
#   FEATURES (rustbtf's --btf_features list without distilled_base).
set -uo pipefail
BASE=${1:?usage: LIBBPF_SRC=… check-libbpf.sh BASE_BTF MODULE...}
shift
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUSTBTF="${RUSTBTF:-$REPO/.build/debug/rustbtf}"
LIBBPF_SRC=${LIBBPF_SRC:?set LIBBPF_SRC to a libbpf source tree (git archive of libbpf/libbpf)}
TARGET_BTF=${TARGET_BTF:-/sys/kernel/btf/vmlinux}
FEATURES=${FEATURES:-encode_force,var,float,enum64,decl_tag,type_tag,consistent_func}
PAHOLE_FEATURES=encode_force,var,float,enum64,decl_tag,type_tag,optimized_func,consistent_func,decl_tag_kfuncs
die() { echo "check-libbpf.sh: $*" >&2; exit 2; }
reason() { grep -m1 '^libbpf: .' "$1" || tail -1 "$1"; }  # libbpf's warning, else the last line
[ -x "$RUSTBTF" ] || die "no rustbtf at $RUSTBTF (swift build)"
[ -f "$BASE" ] || die "no base BTF $BASE"

TMP="$(mktemp -d "${TMPDIR:-/tmp}/rustbtf-libbpf.XXXXXX")" || die "mktemp failed"
trap 'rm -rf "$TMP"' EXIT
# libbpf, static, and the helper (scripts/libbpf-check/btfcheck.c).
make -s -C "$LIBBPF_SRC/src" BUILD_STATIC_ONLY=1 OBJDIR="$TMP/libbpf" "$TMP/libbpf/libbpf.a" >/dev/null ||
  die "building libbpf in $LIBBPF_SRC failed"
make -s -C "$LIBBPF_SRC/src" install_headers DESTDIR="$TMP/inst" >/dev/null || die "libbpf headers"
cc -O1 -I"$TMP/inst/usr/include" -I"$LIBBPF_SRC/include/uapi" -o "$TMP/btfcheck" \
  "$REPO/scripts/libbpf-check/btfcheck.c" "$TMP/libbpf/libbpf.a" -lelf -lz || die "building btfcheck failed"
CHECK="$TMP/btfcheck"

fail=0
for m in "$@"; do
  name=$(basename "$m")
  w="$TMP/$name.d"; mkdir -p "$w"
  cp "$m" "$w/r.ko"
  if ! "$RUSTBTF" --btf_base "$BASE" --btf_features="$FEATURES" --btf_encode_detached "$w/pre.btf" "$m" 2>"$w/err" ||
     ! "$RUSTBTF" -J --btf_base "$BASE" --btf_features="$FEATURES,distilled_base" "$w/r.ko" 2>>"$w/err"; then
    echo "$name: rustbtf failed: $(head -1 "$w/err")"; fail=1; continue
  fi
  objcopy --dump-section .BTF="$w/r.split" --dump-section .BTF.base="$w/r.base" "$w/r.ko"
  line="$name: rustbtf .BTF.base $(stat -c %s "$w/r.base") B, .BTF $(stat -c %s "$w/r.split") B"
  if "$CHECK" distill "$BASE" "$w/pre.btf" "$w/l.base" "$w/l.split" >"$w/distill" 2>&1 &&
     cmp -s "$w/l.base" "$w/r.base" && cmp -s "$w/l.split" "$w/r.split"; then
    line+="; libbpf distills the same ($(sed 's/distilled: //' "$w/distill"))"
  else
    line+="; DIFFERS from libbpf's distillation ($(head -1 "$w/distill"))"; fail=1
  fi
  if "$CHECK" relocate "$w/r.base" "$w/r.split" "$BASE" "$w/own.rel" >/dev/null 2>"$w/rel"; then
    line+="; relocates onto its base"
  else
    line+="; does NOT relocate onto its base: $(reason "$w/rel")"; fail=1
  fi
  if "$CHECK" relocate "$w/r.base" "$w/r.split" "$TARGET_BTF" "$w/target.rel" >/dev/null 2>"$w/rel2"; then
    line+="; onto $TARGET_BTF too"
  else
    line+="; not onto $TARGET_BTF: $(reason "$w/rel2")"
  fi
  if [ -n "${PAHOLE:-}" ]; then
    cp "$m" "$w/p.ko"
    if $PAHOLE -J --btf_features="$PAHOLE_FEATURES,distilled_base" --btf_base "$BASE" "$w/p.ko" >/dev/null 2>&1; then
      objcopy --dump-section .BTF.base="$w/p.base" "$w/p.ko"
      "$RUSTBTF" dump "$w/p.base" | sed 's/^\[[0-9]*\] //' | sort >"$w/p.types"
      "$RUSTBTF" dump "$w/r.base" | sed 's/^\[[0-9]*\] //' | sort >"$w/r.types"
      if cmp -s "$w/p.base" "$w/r.base"; then
        line+="; pahole's .BTF.base is byte-identical"
      else
        line+="; pahole's .BTF.base: $(wc -l <"$w/p.types") types, $(comm -23 "$w/p.types" "$w/r.types" | wc -l) only pahole's, $(comm -13 "$w/p.types" "$w/r.types" | wc -l) only rustbtf's"
      fi
    else
      line+="; pahole failed"
    fi
  fi
  echo "$line"
done

if [ -n "${LAYOUT_INPUT:-}" ]; then
  if "$RUSTBTF" --btf_features="$FEATURES,layout" --btf_encode_detached "$TMP/layout.btf" "$LAYOUT_INPUT" 2>"$TMP/lerr" &&
     "$CHECK" parse "$TMP/layout.btf"; then
    echo "layout: libbpf parses rustbtf's BTF with the kind layout section and writes it back byte for byte"
  else
    echo "layout: FAILED: $(head -1 "$TMP/lerr")"; fail=1
  fi
fi
exit $fail
