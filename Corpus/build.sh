#!/usr/bin/env bash
# Rebuild the rustbtf DWARF corpus: every snippet in Corpus/src at -O0 and -O2, as a
# relocatable object (<snippet>-O<n>.o) and as an executable (<snippet>-O<n>.elf), into
# Corpus/objects/. Compiler versions are recorded in Corpus/objects/VERSIONS.txt.
#
# Usage: bash Corpus/build.sh        (from anywhere; RUSTC=... CC=... override the compilers)
#
# Determinism: one codegen unit, fixed crate metadata, source paths remapped to /corpus, no
# build ids. Objects are byte-identical across reruns with the same toolchain; they are
# committed so that tests never need a Rust toolchain.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SRC="$HERE/src"
OUT="$HERE/objects"
RUSTC="${RUSTC:-rustc}"
CC="${CC:-gcc}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

mkdir -p "$OUT"
rm -f "$OUT"/*.o "$OUT"/*.elf "$OUT"/VERSIONS.txt "$OUT"/SHA256SUMS

cd "$SRC"   # relative source paths keep DW_AT_name stable
export SOURCE_DATE_EPOCH=0

RFLAGS=(--edition 2021 -C debuginfo=2 -C codegen-units=1 -C metadata=rustbtf-corpus
        --remap-path-prefix="$HERE=/corpus" --remap-path-prefix="$TMP=/tmp"
        -C link-arg=-Wl,--build-id=none -A warnings)
CFLAGS=(-g -Wall -fdebug-prefix-map="$HERE=/corpus" -fno-ident)
LDFLAGS=(-Wl,--build-id=none)

rust_std() {   # snippet using std: object + dynamically-linked-std executable
  local name=$1 opt=$2
  echo "  rustc $name -O$opt"
  "$RUSTC" "${RFLAGS[@]}" -C opt-level="$opt" --crate-type bin --crate-name "$name" \
    --emit=obj -o "$OUT/$name-O$opt.o" "$name.rs"
  "$RUSTC" "${RFLAGS[@]}" -C opt-level="$opt" --crate-type bin --crate-name "$name" \
    -C prefer-dynamic -o "$OUT/$name-O$opt.elf" "$name.rs"
}

rust_nostd() {  # #![no_std] lib object + no_main executable (libc crt, no std)
  local name=$1 opt=$2
  echo "  rustc $name -O$opt (no_std)"
  "$RUSTC" "${RFLAGS[@]}" -C opt-level="$opt" -C panic=abort --crate-type lib --crate-name "$name" \
    --emit=obj -o "$OUT/$name-O$opt.o" "$name.rs"
  "$RUSTC" "${RFLAGS[@]}" -C opt-level="$opt" -C panic=abort --crate-type bin --crate-name "$name" \
    --cfg feature_elf --check-cfg 'cfg(feature_elf)' -C link-arg=-lc \
    -o "$OUT/$name-O$opt.elf" "$name.rs"
}

c_one() {       # single-CU C snippet; extra args go to gcc (e.g. -gdwarf-4)
  local name=$1 opt=$2 suffix=$3; shift 3
  echo "  $CC $name -O$opt $*"
  "$CC" "${CFLAGS[@]}" -O"$opt" "$@" -c -o "$OUT/$name-O$opt$suffix.o" "$name.c"
  "$CC" "${CFLAGS[@]}" -O"$opt" "$@" "${LDFLAGS[@]}" -o "$OUT/$name-O$opt$suffix.elf" "$name.c"
}

rust_c_exe() {  # CRATE RS RUST_OBJ C_SRC C_OBJ NAME OPT: no_std Rust object + staticlib, linked with a C main by gcc into NAME-O<opt>.elf
  local crate=$1 rs=$2 robj=$3 csrc=$4 cobj=$5 name=$6 opt=$7
  echo "  $name -O$opt"
  "$RUSTC" "${RFLAGS[@]}" -C opt-level="$opt" -C panic=abort --crate-type lib --crate-name "$crate" \
    --emit=obj -o "$robj" "$rs"
  "$RUSTC" "${RFLAGS[@]}" -C opt-level="$opt" -C panic=abort --crate-type staticlib --crate-name "$crate" \
    -o "$TMP/lib$crate.a" "$rs"
  "$CC" "${CFLAGS[@]}" -O"$opt" -c -o "$cobj" "$csrc"
  "$CC" "${LDFLAGS[@]}" -Wl,--gc-sections -o "$OUT/$name-O$opt.elf" "$cobj" "$TMP/lib$crate.a"
}

for opt in 0 2; do
  for s in rust_enums rust_generics rust_traits rust_async rust_layout; do rust_std "$s" "$opt"; done
  rust_nostd rust_nostd "$opt"

  c_one c_types "$opt" ""
  c_one c_types "$opt" "-dwarf4" -gdwarf-4
  c_one c_funcs "$opt" ""
  c_one c_kfuncs "$opt" ""

  # Variables in every kind of section (select-symbols' variables=percpu|global); the
  # executable links a weak definition that c_vars.c overrides (two DWARF variables, one address).
  echo "  $CC c_vars -O$opt"
  "$CC" "${CFLAGS[@]}" -O"$opt" -c -o "$OUT/c_vars-O$opt.o" c_vars.c
  "$CC" "${CFLAGS[@]}" -O"$opt" "${LDFLAGS[@]}" -o "$OUT/c_vars-O$opt.elf" c_vars.c c_vars_weak.c

  # Two CUs sharing struct shared_cfg, linked into one executable.
  echo "  $CC c_dedup -O$opt"
  "$CC" "${CFLAGS[@]}" -O"$opt" -c -o "$OUT/c_dedup_a-O$opt.o" c_dedup_a.c
  "$CC" "${CFLAGS[@]}" -O"$opt" -c -o "$OUT/c_dedup_b-O$opt.o" c_dedup_b.c
  "$CC" "${LDFLAGS[@]}" -o "$OUT/c_dedup-O$opt.elf" "$OUT/c_dedup_a-O$opt.o" "$OUT/c_dedup_b-O$opt.o"

  # A mock vmlinux (as built, a later version, and one that grows a struct the module embeds)
  # and a mock out-of-tree module on its types, for distilled base BTF (.BTF.base).
  echo "  $CC distill -O$opt"
  "$CC" "${CFLAGS[@]}" -O"$opt" -c -o "$OUT/distill_vmlinux-O$opt.o" distill_vmlinux.c
  "$CC" "${CFLAGS[@]}" -O"$opt" -DDISTILL_V2 -c -o "$OUT/distill_vmlinux2-O$opt.o" distill_vmlinux.c
  "$CC" "${CFLAGS[@]}" -O"$opt" -DDISTILL_V2 -DDISTILL_V3 -c -o "$OUT/distill_vmlinux3-O$opt.o" distill_vmlinux.c
  "$CC" "${CFLAGS[@]}" -O"$opt" -c -o "$OUT/distill_module-O$opt.o" distill_module.c

  # Functions whose DWARF prototype and calling convention part ways (select-symbols'
  # location rules): optimized builds only, where GCC makes clones and moves arguments.
  if [ "$opt" = 2 ]; then
    echo "  $CC c_abi -O$opt"
    "$CC" "${CFLAGS[@]}" -O"$opt" -c -o "$OUT/c_abi_a-O$opt.o" c_abi_a.c
    "$CC" "${CFLAGS[@]}" -O"$opt" -c -o "$OUT/c_abi_b-O$opt.o" c_abi_b.c
    "$CC" "${LDFLAGS[@]}" -o "$OUT/c_abi-O$opt.elf" "$OUT/c_abi_a-O$opt.o" "$OUT/c_abi_b-O$opt.o"
  fi

  # Split BTF whose base only declares a struct its module defines: a base executable, and a
  # module of two units linked as a kernel module is (ld -r), one of which defines struct foo.
  echo "  $CC split_fwd -O$opt"
  "$CC" "${CFLAGS[@]}" -O"$opt" "${LDFLAGS[@]}" -o "$OUT/split_fwd_base-O$opt.elf" split_fwd_base.c
  "$CC" "${CFLAGS[@]}" -O"$opt" -c -o "$TMP/split_fwd_mod_a.o" split_fwd_mod_a.c
  "$CC" "${CFLAGS[@]}" -O"$opt" -c -o "$TMP/split_fwd_mod_b.o" split_fwd_mod_b.c
  ld -r -o "$OUT/split_fwd_mod-O$opt.o" "$TMP/split_fwd_mod_a.o" "$TMP/split_fwd_mod_b.o"

  # Mixed C + Rust: no_std Rust staticlib linked with a C main by gcc.
  rust_c_exe mixed_lib mixed_lib.rs "$OUT/mixed_lib-O$opt.o" mixed_main.c "$OUT/mixed_main-O$opt.o" mixed "$opt"
  # A miniature of the kernel's Rust bindings crate (crate `bindings`, copies of C types in
  # bindings::bindings_raw) linked with the C types it copies.
  rust_c_exe bindings bindings.rs "$OUT/bindings-O$opt.o" bindings_main.c "$TMP/bindings_main.o" bindings "$opt"
done

{
  echo "# Toolchains used by Corpus/build.sh"
  echo "## $RUSTC -vV"; "$RUSTC" -vV
  echo "## $CC --version"; "$CC" --version | head -n1
  echo "## ld --version"; ld --version | head -n1
} > "$OUT/VERSIONS.txt"

(cd "$OUT" && sha256sum -- *.o *.elf > SHA256SUMS)
echo "built $(ls "$OUT"/*.o "$OUT"/*.elf | wc -l) files, $(du -sh "$OUT" | cut -f1) in $OUT"
