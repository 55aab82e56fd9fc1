# run.sh: guest tests (busybox sh, cwd /guest; the harness has already insmod-ed every module).
# One "E2E-T: <name> ok|fail <details>" line per test. Order matters: rust_minimal's BTF and its
# drop function are gone after the rmmod that triggers the kprobe test, so that test is last.
. ./e2e.env
L=./e2e-loader
# E2E_RUST_ALL=1: every Rust component (kernel log still whole here: the doctests' results)
[ -f ./run-rust-all.sh ] && sh ./run-rust-all.sh
# tracefs, so the loader can tell whether a fentry target has an ftrace (__fentry__) site
mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null

# loader wrapper: guarantees a result line for every test name even if the loader crashes
run() {  # run "name1 name2" loader-args...
  names=$1; shift
  $L "$@" > ./out.txt 2>&1; rc=$?
  cat ./out.txt
  for n in $names; do
    grep -q "^E2E-T: $n " ./out.txt || echo "E2E-T: $n fail loader_exit=$rc (no result line)"
  done
}

# <RustMinimal as Drop>::drop by its v0 name, e.g. _RNvXs_Cs..._12rust_minimalNtB4_11RustMinimal...4drop
SYM=$(awk '$4 == "[rust_minimal]" && $3 ~ /RustMinimal/ && $3 ~ /4drop$/ { print $3 }' /proc/kallsyms)
echo "=== Rust drop symbol(s) in /proc/kallsyms: ${SYM:-<none>}"
SYM=$(echo "$SYM" | head -1)
echo "=== C fentry target: $C_FENTRY_TARGET: $(grep -c " $C_FENTRY_TARGET\$" /proc/kallsyms) kallsyms entries"

# 3. rust_btf_types: Rust type names in the string sections of the module's and the kernel's BTF.
# cnt FILE NAME...: how many strings of FILE are exactly one of the NAMEs
cnt() { f=$1; shift; p=; for n; do p="$p -e $n"; done; tr '\0' '\n' < "$f" | grep -c -x -F $p; }
B=/sys/kernel/btf
if [ -e $B/rust_minimal ]; then
  m=$(cnt $B/rust_minimal RustMinimal); mt=$(cnt $B/rust_minimal ThisModule); msz=$(wc -c < $B/rust_minimal)
else
  m=0; mt=0; msz=missing
fi
# kernel-crate types that this vmlinux's DWARF has (kernel::str::CString, kernel::str::BStr,
# kernel::alloc::allocator::Kmalloc). Not ThisModule: with the samples built as modules no Rust
# code in vmlinux uses it, so it is not even in vmlinux's DWARF (only in the modules').
v=$(cnt $B/vmlinux CString BStr Kmalloc)
[ "$m" -gt 0 ] && [ "$v" -gt 0 ] && r=ok || r=fail
echo "E2E-T: rust_btf_types $r rust_minimal(size=$msz):RustMinimal=$m,ThisModule=$mt" \
     "vmlinux:CString|BStr|Kmalloc=$v vmlinux_Opaque_*=$(tr '\0' '\n' < $B/vmlinux | grep -c '^Opaque_')"

# 2. fentry on the Rust drop (expected: loads, attach refused: no __fentry__ site in Rust code),
# the same with a verifier-checked dereference of the Rust struct, and a C control that fires.
if [ -n "$SYM" ]; then
  run rust_fentry fentry rust_fentry ./rust_fentry.bpf.o "$SYM"
  run rust_fentry_btf_deref fentry rust_fentry_btf_deref ./rust_fentry_btf.bpf.o "$SYM"
else
  echo "E2E-T: rust_fentry fail no_drop_symbol_in_kallsyms"
  echo "E2E-T: rust_fentry_btf_deref fail no_drop_symbol_in_kallsyms"
fi
run c_fentry_control fentry c_fentry_control ./c_fentry.bpf.o "$C_FENTRY_TARGET" fire

# 4. the out-of-tree Rust module: its BTF, encoded against another vmlinux BTF, is relocated by
# the kernel through .BTF.base, and a CO-RE kprobe reads RustOot through it; the same module
# without .BTF.base must not get its BTF accepted.
if insmod ./rust_oot.ko 2> ./insmod.err; then
  if [ -e $B/rust_oot ]; then r=ok; else r=fail; fi
  echo "E2E-T: oot_distilled_base_btf $r /sys/kernel/btf/rust_oot size=$(wc -c < $B/rust_oot 2>/dev/null) RustOot=$(cnt $B/rust_oot RustOot 2>/dev/null)"
  OSYM=$(awk '$4 == "[rust_oot]" && $3 ~ /RustOot/ && $3 ~ /4drop$/ { print $3 }' /proc/kallsyms | head -1)
  if [ -n "$OSYM" ]; then
    run rust_oot_core kprobe "$OSYM" "rmmod rust_oot" rust_oot_core=./rust_oot_core.bpf.o
  else
    echo "E2E-T: rust_oot_core fail no_drop_symbol_in_kallsyms"
  fi
else
  echo "E2E-T: oot_distilled_base_btf fail insmod: $(cat ./insmod.err)"
  echo "E2E-T: rust_oot_core fail not_loaded"
fi
# The refusal below makes the kernel log BTF errors on purpose; the harness counts every such
# line as an error (its filter: `dmesg | grep -i -E 'btf|BPF:'`, then error words). What the log
# held before is judged here the same way (a line would fail this test), the
# refusal's lines are shown in this test's result, and the log is cleared after it.
prior=$(dmesg | grep -i -E 'btf|BPF:' | grep -c -E 'BPF:|[Ee]rror|[Ff]ail|[Ii]nvalid|[Mm]alformed|[Uu]nsupported|[Rr]eject')
dmesg -c > /dev/null 2>&1
if [ "$prior" != 0 ]; then
  echo "E2E-T: dmesg_clean_before_oot_refusal fail $prior error lines before it"
fi
if insmod ./rust_oot_nobase.ko 2> ./insmod.err; then
  if [ -e $B/rust_oot_nobase ]; then r=fail; else r=ok; fi
  echo "E2E-T: oot_without_base_refused $r loaded, btf=$([ -e $B/rust_oot_nobase ] && echo yes || echo no): $(dmesg | grep -i btf | head -2 | tr '\n' ' ')"
else
  echo "E2E-T: oot_without_base_refused ok insmod refused: $(cat ./insmod.err) $(dmesg | grep -i -E 'btf|rust_oot' | head -2 | tr '\n' ' ')"
fi
dmesg -c > /dev/null 2>&1

# 1. kprobe on the Rust drop, fired by rmmod: CO-RE reads (rust_kprobe_core) and, as control,
# reads at offsets taken from DWARF at build time (rust_kprobe_dwarf).
if [ -n "$SYM" ]; then
  run "rust_kprobe_core rust_kprobe_dwarf" kprobe "$SYM" "rmmod rust_minimal" \
    rust_kprobe_core=./rust_kprobe_core.bpf.o rust_kprobe_dwarf=./rust_kprobe_dwarf.bpf.o
  echo "=== module's own output: $(dmesg | grep -F 'My numbers are' | tail -1)"
else
  echo "E2E-T: rust_kprobe_core fail no_drop_symbol_in_kallsyms"
  echo "E2E-T: rust_kprobe_dwarf fail no_drop_symbol_in_kallsyms"
fi
# E2E_RUST_ALL=1 with bpftrace (run-bpftrace.sh): last, it loads rust_minimal again and removes it
[ -f ./run-bpftrace.sh ] && sh ./run-bpftrace.sh
