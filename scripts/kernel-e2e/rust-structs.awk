# llvm-dwarfdump --debug-info output -> "qualified::path<TAB>DW_AT_name" of every named
# DW_TAG_structure_type of a Rust compile unit (depth from the indentation: 2 spaces a level).
/^0x[0-9a-f]+: +DW_TAG/ {
  match($0, /: +/); d = (RLENGTH - 2) / 2; tag[d] = $2; ns[d] = ""; cur = d; want = 1; next
}
/^0x[0-9a-f]+: +NULL/ { want = 0; next }
want && tag[cur] == "DW_TAG_compile_unit" && /DW_AT_language/ { rust = ($0 ~ /DW_LANG_Rust/) }
want && /^ +DW_AT_name\t/ {
  n = $0; sub(/^[^(]*\("/, "", n); sub(/"\)$/, "", n); ns[cur] = n; want = 0
  if (rust && tag[cur] == "DW_TAG_structure_type") {
    p = ""; for (i = 1; i < cur; i++) p = p ns[i] "::"; print p n "\t" n
  }
}
