# run-bpftrace.sh: issue 21, item 3 (E2E_RUST_ALL=1): Debian's bpftrace on Rust code with the
# BTF the kernel has, no header. busybox sh, cwd /guest; called last by run.sh (its kprobe test
# has removed rust_minimal: it is loaded again here, and removed to fire the probe).
# rust-all-prepare copied bpftrace and its libraries (LLVM, clang: ~200 MB, QEMU_MEM=2G) to tools/.
TL=./tools/lib
if [ ! -f ./tools/bpftrace ]; then
  echo "E2E-T: bpftrace_runs fail no tools/bpftrace (rust-all-prepare did not copy it)"; exit 0
fi
bt() { $TL/ld-linux-x86-64.so.2 --library-path $TL ./tools/bpftrace "$@"; }
mkdir -p /tmp
mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
mount -t debugfs nodev /sys/kernel/debug 2>/dev/null
B=/sys/kernel/btf
# 1. it runs (a kernel without FUTEX etc. makes it abort before any output)
v=$(bt --version 2>&1 | head -1)
case "$v" in bpftrace\ v*) r=ok ;; *) r=fail ;; esac
echo "E2E-T: bpftrace_runs $r '$v'"
lsmod 2>/dev/null | grep -q '^rust_minimal ' || insmod /modules/rust_minimal.ko 2> ./insmod.err
if [ ! -e $B/rust_minimal ]; then
  echo "E2E-T: bpftrace_kprobe_rust_cast fail rust_minimal not loaded again: $(cat ./insmod.err)"; exit 0
fi
SYM=$(awk '$4 == "[rust_minimal]" && $3 ~ /RustMinimal/ && $3 ~ /4drop$/ { print $3 }' /proc/kallsyms | head -1)
# 2. listing. kprobe:* lists what tracefs's available_filter_functions has (functions with an
# ftrace site), kfunc:* the BTF FUNCs with one: rustc gives Rust functions no __fentry__ call, so
# 6.12 lists none of rust_minimal's Rust functions; a kprobe still attaches to them by symbol.
echo "=== rust_minimal's functions: kallsyms=$(grep -c '\[rust_minimal\]$' /proc/kallsyms)" \
     "available_filter_functions=$(grep -c '\[rust_minimal\]' /sys/kernel/tracing/available_filter_functions 2>/dev/null)"
for q in 'kprobe:*rust_minimal*' 'kfunc:rust_minimal:*'; do
  bt -l "$q" > ./bl.out 2> ./bl.err; rc=$?
  echo "=== bpftrace -l '$q': rc=$rc $(wc -l < ./bl.out) probes: $(head -3 ./bl.out | tr '\n' ' ') $(head -c 300 ./bl.err)"
done
# the limit as a test: the kernel has rust_minimal's Rust functions (kallsyms) but no ftrace site
# in them, and bpftrace lists exactly what has one
nk=$(grep -c '\[rust_minimal\]$' /proc/kallsyms); nf=$(grep -c '\[rust_minimal\]' /sys/kernel/tracing/available_filter_functions)
nl=$(bt -l 'kprobe:*rust_minimal*' 2> /dev/null | grep -c .); nkf=$(bt -l 'kfunc:rust_minimal:*' 2> /dev/null | grep -c .)
[ "$nk" -gt 0 ] && [ "$nl" = "$nf" ] && [ "$nkf" = "$nf" ] && r=ok || r=fail
echo "E2E-T: bpftrace_list_rust_limit $r rust_minimal: kallsyms=$nk available_filter_functions=$nf" \
     "'bpftrace -l kprobe:*rust_minimal*'=$nl 'bpftrace -l kfunc:rust_minimal:*'=$nkf (6.12: Rust functions have no ftrace site)"
# what can be listed: the Rust types, from the module's BTF
for st in RustMinimal Request_rnull__NullBlkDevice_; do
  bt -lv "struct $st" > ./bl.out 2> ./bl.err; rc=$?
  echo "=== bpftrace -lv 'struct $st': rc=$rc $(head -6 ./bl.out | tr '\n' ' ') $(head -c 300 ./bl.err)"
done
bt -lv "kprobe:$SYM" > ./bl.out 2> ./bl.err; rc=$?
echo "=== bpftrace -lv 'kprobe:$SYM': rc=$rc $(head -5 ./bl.out | tr '\n' ' ') $(head -c 300 ./bl.err)"
bt -lv "kfunc:rust_minimal:$SYM" > ./bl.out 2> ./bl.err; rc=$?
echo "=== bpftrace -lv 'kfunc:rust_minimal:$SYM': rc=$rc $(head -5 ./bl.out | tr '\n' ' ') $(head -c 300 ./bl.err)"
# 3. the one-liner: kprobe on <RustMinimal as Drop>::drop (fired by rmmod), arg0 cast to the
# module's Rust struct, its Vec's len and first element printed (the module pushed 72, 108, 200)
P="kprobe:$SYM { \$p = (struct RustMinimal *)arg0; printf(\"numbers.len=%d first=%d\\n\", \$p->numbers.len, *\$p->numbers.ptr.pointer); exit(); }"
echo "=== bpftrace -e '$P' -c 'rmmod rust_minimal'"
bt -e "$P" -c "$(command -v rmmod) rust_minimal" > ./bt.out 2> ./bt.err; rc=$?
echo "=== bpftrace out: $(tr '\n' ' ' < ./bt.out) err: $(tail -c 600 ./bt.err | tr '\n' ' ')"
grep -q '^numbers.len=3 first=72$' ./bt.out && r=ok || r=fail
echo "E2E-T: bpftrace_kprobe_rust_cast $r rc=$rc out='$(grep numbers ./bt.out | head -1)' err='$(grep -m1 -i -E 'error|unknown' ./bt.err)'"
# 4. rnull's request path: kprobe on OperationsVTable<NullBlkDevice>::queue_rq_callback (the
# extern "C" entry blk-mq calls for every request of rnull), the request of its
# blk_mq_queue_data argument cast to the Rust struct Request<NullBlkDevice> (a transparent
# wrapper of the C request: same address), and the C struct request inside read through the
# Rust wrappers' fields (Opaque -> UnsafeCell -> MaybeUninit -> ManuallyDrop -> MaybeDangling)
RSYM=$(awk '$4 == "[rnull_mod]" && $3 ~ /^_RNvM.*16OperationsVTableNtCs[A-Za-z0-9]*_5rnull13NullBlkDeviceE17queue_rq_callback/ { print $3 }' /proc/kallsyms | head -1)
if [ -n "$RSYM" ] && [ -b /dev/rnullb0 ]; then
  printf 'dd if=/dev/rnullb0 of=/dev/null bs=4096 count=64 skip=8192 2> /dev/null\ndd if=/dev/zero of=/dev/rnullb0 bs=4096 count=16 seek=4096 2> /dev/null\nsync\n' > ./io.sh
  P="kprobe:$RSYM { \$r = (struct Request_rnull__NullBlkDevice_ *)((struct blk_mq_queue_data *)arg1)->rq; @op[\$r->__0.value.value.value.value.__0.cmd_flags & 0xff] = count(); }"
  echo "=== bpftrace -e '$P' -c '/bin/sh ./io.sh'"
  bt -e "$P" -c "/bin/sh ./io.sh" > ./bt.out 2> ./bt.err; rc=$?
  echo "=== bpftrace out: $(tr '\n' ' ' < ./bt.out) err: $(tail -c 600 ./bt.err | tr '\n' ' ')"
  rd=$(sed -n 's/^@op\[0\]: //p' ./bt.out); wr=$(sed -n 's/^@op\[1\]: //p' ./bt.out)
  [ "${rd:-0}" -gt 0 ] && [ "${wr:-0}" -gt 0 ] && r=ok || r=fail
  echo "E2E-T: bpftrace_kprobe_rnull_request $r rc=$rc requests read(op 0)=${rd:-none} write(op 1)=${wr:-none} err='$(grep -m1 -i -E 'error|unknown' ./bt.err)'"
else
  echo "E2E-T: bpftrace_kprobe_rnull_request fail no queue_rq_callback of rnull in kallsyms ('$RSYM') or no /dev/rnullb0"
fi
