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
bt -lv "kprobe:$SYM" > ./bl.out 2> ./bl.err; rc=$?
echo "=== bpftrace -lv 'kprobe:$SYM': rc=$rc $(head -5 ./bl.out | tr '\n' ' ') $(head -c 300 ./bl.err)"
bt -lv "kfunc:rust_minimal:$SYM" > ./bl.out 2> ./bl.err; rc=$?
echo "=== bpftrace -lv 'kfunc:rust_minimal:$SYM': rc=$rc $(head -5 ./bl.out | tr '\n' ' ') $(head -c 300 ./bl.err)"
# 3. the one-liner: kprobe on <RustMinimal as Drop>::drop (fired by rmmod), arg0 cast to the
# module's Rust struct, its Vec's len and first element printed (the module pushed 72, 108, 200)
P="kprobe:$SYM { \$p = (struct RustMinimal *)arg0; printf(\"numbers.len=%d first=%d\\n\", \$p->numbers.len, *\$p->numbers.ptr.pointer); exit(); }"
echo "=== bpftrace -e '$P' -c 'rmmod rust_minimal'"
bt -e "$P" -c "$(command -v rmmod) rust_minimal" > ./bt.out 2> ./bt.err; rc=$?
cat ./bt.out; head -c 600 ./bt.err
grep -q '^numbers.len=3 first=72$' ./bt.out && r=ok || r=fail
echo "E2E-T: bpftrace_kprobe_rust_cast $r rc=$rc out='$(grep numbers ./bt.out | head -1)' err='$(grep -m1 -i error ./bt.err)'"
