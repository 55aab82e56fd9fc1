#!/usr/bin/env bash
# Reference outputs of pahole for the distilled-base and kind-layout tests
# (Tests/RustBTFTests/DistilledBaseTests.swift), made from the corpus objects distill_*-O2.o:
#   vmlinux.p131.btf          pahole 1.31 -J with Linux 6.12's ≥1.26 feature line, on
#                             distill_vmlinux-O2.o (its .BTF): the base
#   module.p131.split.btf     pahole 1.31 --btf_base vmlinux.p131.btf --btf_encode_detached on
#                             distill_module-O2.o: the module's split BTF before distilling
#   module.p131.BTF           pahole 1.31 -J …,distilled_base --btf_base vmlinux.p131.btf on
#   module.p131.BTF.base      distill_module-O2.o: its .BTF and .BTF.base (libbpf's
#                             btf__distill_base of the split above)
#   vmlinux.pmaster.layout.btf  pahole master (1.32 rules, libbpf 1.8) --btf_encode_detached
#                             …,layout on distill_vmlinux-O2.o: BTF with the kind layout section
# Usage: PAHOLE131=… PAHOLEMASTER=… bash Corpus/pahole/make.sh   (../shared/tools/build-pahole.sh
# builds both; each runs with its lib/ in LD_LIBRARY_PATH)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OBJ="$HERE/../objects"
P131=${PAHOLE131:-/tmp/pahole-v1.31/bin/pahole}
PMASTER=${PAHOLEMASTER:-/tmp/pahole-master/bin/pahole}
p131() { LD_LIBRARY_PATH="$(dirname "$P131")/../lib" "$P131" "$@"; }
pmaster() { LD_LIBRARY_PATH="$(dirname "$PMASTER")/../lib" "$PMASTER" "$@"; }
L=--btf_features=encode_force,var,float,enum64,decl_tag,type_tag,optimized_func,consistent_func,decl_tag_kfuncs
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
cp "$OBJ/distill_vmlinux-O2.o" "$TMP/vmlinux.o"
cp "$OBJ/distill_module-O2.o" "$TMP/module.o"
p131 -J "$L" "$TMP/vmlinux.o"
objcopy --dump-section .BTF="$HERE/vmlinux.p131.btf" "$TMP/vmlinux.o"
p131 "$L" --btf_base "$HERE/vmlinux.p131.btf" --btf_encode_detached="$HERE/module.p131.split.btf" "$TMP/module.o"
p131 -J "$L,distilled_base" --btf_base "$HERE/vmlinux.p131.btf" "$TMP/module.o"
objcopy --dump-section .BTF="$HERE/module.p131.BTF" --dump-section .BTF.base="$HERE/module.p131.BTF.base" "$TMP/module.o"
pmaster "$L,layout" --btf_encode_detached="$HERE/vmlinux.pmaster.layout.btf" "$OBJ/distill_vmlinux-O2.o"
chmod 644 "$HERE"/*.btf "$HERE"/*.BTF "$HERE"/*.base
# pahole master still calls itself v1.31; say which commit it was.
{ echo "pahole 1.31: $(p131 --version)"
  echo "pahole master: $(pmaster --version) (${PAHOLEMASTER_DESC:-dwarves master 1436daf, libbpf v1.8.0 dd92bef})"; } > "$HERE/VERSIONS.txt"
(cd "$HERE" && sha256sum -- *.btf *.BTF *.base > SHA256SUMS)
