# run-rust-all.sh: the E2E_RUST_ALL=1 guest tests (busybox sh, cwd /guest), called first by
# run.sh (before it clears the kernel log). The harness has insmod-ed every module already.
B=/sys/kernel/btf
# host checks made by rust-all-prepare (Kconfig symbols, modules whose BTF lacks Rust types)
cat ./rust-all.host
# 1. each Rust module: the kernel accepted its BTF, byte for byte the .BTF the host read, and
# the module's own Rust struct and Rust FUNC are names in it
while read -r m md5 st fn details; do
  if [ ! -e $B/$m ]; then
    echo "E2E-T: btf_rust_$m fail no $B/$m ($(grep -c "^$m " /proc/modules) in /proc/modules) $details"
    continue
  fi
  gmd5=$(md5sum < $B/$m | cut -d' ' -f1)
  tr '\0' '\n' < $B/$m > ./strings.txt
  ns=$(grep -c -x -F "$st" ./strings.txt); nf=$(grep -c -x -F "$fn" ./strings.txt)
  [ "$gmd5" = "$md5" ] && [ "$ns" -gt 0 ] && [ "$nf" -gt 0 ] && r=ok || r=fail
  [ "$gmd5" = "$md5" ] && same=yes || same="no($gmd5)"
  echo "E2E-T: btf_rust_$m $r size=$(wc -c < $B/$m) same_as_ko=$same struct=$st func=$fn $details"
done < ./rust-all.list
# 2. rnull: /dev/rnullb0 is there and takes I/O: dd writes and reads it, and the block layer's
# counters of the disk show that read and write requests were completed (by rnull's queue_rq)
D=/dev/rnullb0 S=/sys/block/rnullb0
if [ -b $D ]; then
  dd if=/dev/zero of=$D bs=4096 count=256 2> ./dd.w; w=$?
  sync
  dd if=$D of=/dev/null bs=4096 count=512 skip=1024 2> ./dd.r; r=$?
  # /sys/block/X/stat: read I/Os, read merges, read sectors, read ticks, write I/Os, write merges, write sectors
  set -- $(cat $S/stat)
  echo "=== $D: $(cat $S/size) sectors; stat: $*"
  [ $w = 0 ] && [ $r = 0 ] && [ "$1" -gt 0 ] && [ "$5" -gt 0 ] && res=ok || res=fail
  echo "E2E-T: rnull_io $res dd_write_rc=$w dd_read_rc=$r reads=$1 read_sectors=$3 writes=$5 write_sectors=$7" \
       "($(tail -1 ./dd.w); $(tail -1 ./dd.r))"
else
  echo "E2E-T: rnull_io fail no $D ($(ls /sys/block 2>/dev/null | tr '\n' ' '))"
fi
# 2b. a libbpf CO-RE program on rnull's Rust request path (issue 21, item 5; rnull_kprobe_core.bpf.c):
# kprobe on OperationsVTable<NullBlkDevice>::queue_rq_callback while dd reads and writes the
# disk; it reads each request's cmd_flags through the Rust Request<NullBlkDevice>'s fields
RSYM=$(awk '$4 == "[rnull_mod]" && $3 ~ /^_RNvM.*16OperationsVTableNtCs[A-Za-z0-9]*_5rnull13NullBlkDeviceE17queue_rq_callback/ { print $3 }' /proc/kallsyms | head -1)
if [ -n "$RSYM" ] && [ -b $D ] && [ -f ./rnull_kprobe_core.bpf.o ]; then
  printf 'dd if=%s of=/dev/null bs=4096 count=64 skip=2048 2> /dev/null && dd if=/dev/zero of=%s bs=4096 count=16 seek=3072 2> /dev/null && sync\n' $D $D > ./io-core.sh
  ./e2e-loader kprobe-io rnull_kprobe_core ./rnull_kprobe_core.bpf.o "$RSYM" "sh ./io-core.sh" > ./out.txt 2>&1; rc=$?
  cat ./out.txt
  grep -q '^E2E-T: rnull_kprobe_core ' ./out.txt || echo "E2E-T: rnull_kprobe_core fail loader_exit=$rc (no result line)"
elif ! grep -q '^E2E-T: rnull_kprobe_core ' ./rust-all.host; then
  echo "E2E-T: rnull_kprobe_core fail sym='$RSYM' $D=$([ -b $D ] && echo yes || echo no) obj=$([ -f ./rnull_kprobe_core.bpf.o ] && echo yes || echo no)"
fi
# 3. the kernel crate's doctests ran as KUnit tests at boot (before init): the suite's result
# line "# rust_doctests_kernel: pass:N fail:0 skip:S total:T", and no "not ok" test line
dmesg > ./dmesg.txt
suite=$(grep -E '# rust_doctests_kernel: pass:[0-9]+ fail:[0-9]+' ./dmesg.txt | tail -1 | sed 's/.*# rust_doctests_kernel: //')
totals=$(grep -E '# Totals: pass:' ./dmesg.txt | tail -1 | sed 's/.*# Totals: //')
notok=$(grep -c -E '^\[[ 0-9.]*\] +not ok ' ./dmesg.txt)
pass=$(echo "$suite" | sed -n 's/^pass:\([0-9]*\) fail:\([0-9]*\).*/\1/p')
fail=$(echo "$suite" | sed -n 's/^pass:\([0-9]*\) fail:\([0-9]*\).*/\2/p')
[ -n "$pass" ] && [ "$pass" -gt 0 ] && [ "$fail" = 0 ] && [ "$notok" = 0 ] && r=ok || r=fail
echo "E2E-T: kunit_rust_doctests $r ${suite:-no_suite_line} not_ok_lines=$notok totals:${totals:-none}"
grep -E 'not ok ' ./dmesg.txt | head -5
# 4. the DRM panic QR code is built in: its Rust entry points are kernel symbols, and its Rust
# types and FUNC are in the kernel's BTF (names; rust-all-prepare checked their kinds on the host
# in vmlinux's .BTF, which the harness shows is these bytes)
q=$(grep -c -E ' drm_panic_qr_(generate|max_data_size)$' /proc/kallsyms)
tr '\0' '\n' < $B/vmlinux > ./vmlinux.strings
n=$(grep -c -x -E 'QrImage|EncodedMsg|SegmentIterator|drm_panic_qr_generate' ./vmlinux.strings)
d=$(grep -c '^rust_doctest_kernel_' ./vmlinux.strings)
[ "$q" = 2 ] && [ "$n" = 4 ] && r=ok || r=fail
echo "E2E-T: drm_panic_qr_builtin $r kallsyms:drm_panic_qr_{generate,max_data_size}=$q" \
     "vmlinux_btf:QrImage|EncodedMsg|SegmentIterator|drm_panic_qr_generate=$n/4 rust_doctest_kernel_*=$d"
# 5. bpftool (issue 21, item 4): Debian's bpftool, copied with its libraries, dumps each Rust
# module's /sys/kernel/btf/<module> as C (on /sys/kernel/btf/vmlinux) and its own Rust struct is
# defined there
TL=./tools/lib
bpftool() { $TL/ld-linux-x86-64.so.2 --library-path $TL ./tools/bpftool "$@"; }
while read -r m md5 st fn details; do
  bpftool btf dump file $B/$m -B $B/vmlinux format c > ./$m.h 2> ./$m.herr; rc=$?
  n=$(grep -c "^struct $st {" ./$m.h)
  [ $rc = 0 ] && [ "$n" -gt 0 ] && r=ok || r=fail
  echo "E2E-T: bpftool_guest_$m $r 'bpftool btf dump file $B/$m format c': rc=$rc lines=$(wc -l < ./$m.h)" \
       "struct_$st=$n $(grep -m1 -A2 "^struct $st {" ./$m.h | tr '\n\t' '  ') $(head -c 200 ./$m.herr)"
  rm -f ./$m.h
done < ./rust-all.list
# modules whose BTF lacks Rust types (rust-all-prepare's rust-all.nobtf, empty when every module
# has them): bpftool's dump of their BTF all the same, and the crate's Rust struct looked for in it
[ -f ./rust-all.nobtf ] && while read -r m st; do
  bpftool btf dump file $B/$m -B $B/vmlinux format c > ./$m.h 2> ./$m.herr; rc=$?
  echo "E2E-T: bpftool_guest_$m fail 'bpftool btf dump file $B/$m format c': rc=$rc lines=$(wc -l < ./$m.h)" \
       "types=$(grep -c -E '^(struct|union|enum|typedef) ' ./$m.h) struct_$st=$(grep -c "^struct $st {" ./$m.h)" \
       "btf_bytes=$(wc -c < $B/$m 2> /dev/null) $(head -c 200 ./$m.herr)"
  rm -f ./$m.h
done < ./rust-all.nobtf
