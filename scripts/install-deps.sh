#!/usr/bin/env bash
# Installs the Debian packages rustbtf needs to build (libdw/libelf through pkg-config) and its
# tests need: bpftool (our dump format must equal bpftool's, and its C header of our BTF must
# compile), dwarves (pahole, the reference for dedup parity and layouts), llvm (llvm-dwarfdump,
# an independent DWARF reader; llvm-objcopy and llvm-mc for the .BTF section tests), clang (compiles
# that C header for BPF; cross-compiles refused inputs), binutils (readelf, objcopy, as, ld: the .BTF
# section tests), gcc and dwz (dwz output must be refused by name), python3 (writes hand-made
# DWARF as assembler: Corpus/src/dwarf_shapes.py), man-db (the man page must render without raw
# Markdown rows) and util-linux (setpriv, prlimit, script). The product itself
# needs none of them. Idempotent; needs root.
set -euo pipefail
packages=(libdw-dev libelf-dev pkg-config bpftool dwarves llvm clang binutils gcc dwz python3 man-db util-linux)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
