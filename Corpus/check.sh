#!/usr/bin/env bash
# Check that the corpus objects really carry the DWARF constructs they are meant to cover
# (run after `bash Corpus/build.sh`, e.g. with a new toolchain). Needs llvm-dwarfdump.
# Usage: bash Corpus/check.sh     -> prints one line per failed expectation; exit 1 if any.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/objects"
fail=0
DUMPS="$(mktemp -d)"
trap 'rm -rf "$DUMPS"' EXIT
dump() { # cached verbose dump of one file (grep -q on a live pipe would SIGPIPE dwarfdump)
  [ -f "$DUMPS/$1" ] || llvm-dwarfdump -v --debug-info "$1" >"$DUMPS/$1" 2>&1
  echo "$DUMPS/$1"
}
expect() { # FILE-GLOB-STEM PATTERN: PATTERN must occur in both -O0 and -O2 .o and .elf
  local stem=$1 pat=$2 f
  for f in "$stem"-O0.o "$stem"-O2.o "$stem"-O0.elf "$stem"-O2.elf; do
    [ -f "$f" ] || continue
    if ! grep -q -- "$pat" "$(dump "$f")"; then
      echo "MISSING in $f: $pat"; fail=1
    fi
  done
}
for s in rust_enums rust_generics rust_traits rust_async rust_layout rust_nostd c_types c_funcs mixed_lib mixed_main; do
  expect "$s" DW_TAG_compile_unit
done
expect rust_enums DW_TAG_variant_part
expect rust_enums 'DW_AT_discr_value \[DW_FORM_block1\]'          # u128 discriminants
expect rust_enums '"Option<&rust_enums::Sensor>"'
expect rust_enums '"Option<core::num::nonzero::NonZero<u32>>"'
expect rust_enums '"Result<u64, rust_enums::ParseErr>"'
expect rust_enums 'DW_AT_const_value.*(9223372036854775808)'   # 2^63 enumerator
expect rust_generics '"Wrapper<f64>"'
expect rust_generics DW_TAG_template_type_parameter
expect rust_traits 'vtable_type'
expect rust_traits 'DW_AT_containing_type'
expect rust_traits 'closure_env#'
expect rust_traits '"extern \\"C\\" fn(i32, \*const u8) -> i32"'
expect rust_async 'async_fn_env#0'
expect rust_async '"__state"'
expect rust_layout DW_ATE_UTF
expect rust_layout '"State<!>"'
expect rust_layout '"&str"'
expect rust_layout '"rust_layout::Tail<\[u8\]>"\|"Tail<\[u8\]>"'
expect rust_layout '"MaybeUninit<u64>"'
expect rust_layout '"u128"'
expect rust_layout '"Reordered"'
expect rust_layout DW_TAG_union_type
expect rust_nostd 'vtable_type'
expect c_types DW_AT_bit_size
expect c_types DW_AT_data_bit_offset
expect c_types-O0-dwarf4 DW_AT_bit_offset
expect c_types '"__int128"'
expect c_types '"long double"'
expect c_types DW_TAG_restrict_type
expect c_types '"g_custom_point"'
expect c_funcs DW_TAG_unspecified_parameters
expect c_dedup_a '"shared_cfg"'
expect c_dedup_b '"shared_cfg"'
expect mixed 'DW_LANG_Rust'
expect mixed 'DW_LANG_C11'
expect bindings '"bindings_raw"'
expect bindings '"__bindgen_anon_1"'
expect c_abi_a 'DW_OP_reg4 RSI'                       # abi_get_params' level: %rsi (sret in %rdi)
expect c_abi_b '"abi_probe"'
expect c_abi 'DW_AT_abstract_origin.*"unused"'            # abi_scale's clone names the removed parameter
if ! nm c_abi-O2.elf | grep -q 'abi_scale\.constprop'; then echo "MISSING in c_abi-O2.elf: abi_scale clone symbol"; fail=1; fi
if [ "$(nm c_abi-O2.elf | grep -c ' t abi_helper$')" != 2 ]; then echo "MISSING in c_abi-O2.elf: two abi_helper symbols"; fail=1; fi
[ "$fail" = 0 ] && echo "corpus check: all expectations met"
exit "$fail"
