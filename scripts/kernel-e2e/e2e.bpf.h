/* Common part of the BPF programs (clang -target bpf). No vmlinux.h: the Rust types
 * are declared locally and resolved by CO-RE against the kernel's/module's BTF. */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "e2e.h"

char LICENSE[] SEC("license") = "GPL";	/* bpf_probe_read_kernel is GPL-only */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, R_NSLOTS);
	__type(key, __u32);
	__type(value, __u64);
} results SEC(".maps");

static __always_inline void put(__u32 slot, __u64 v)
{
	bpf_map_update_elem(&results, &slot, &v, BPF_ANY);
}

static __always_inline __u64 get(__u32 slot)
{
	__u64 *v = bpf_map_lookup_elem(&results, &slot);
	return v ? *v : 0;
}

/* kprobe context = x86-64 kernel struct pt_regs. Deliberately no CO-RE here: its layout is
 * ABI, and relocating it would make the tests depend on which pt_regs (C, or bindgen's copy
 * in the Rust `bindings` crate) the encoder puts first. */
struct e2e_pt_regs {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	unsigned long ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
};

/* The first three i32 of the vector's buffer into R_V0..R_V2, and one more hit: what both
 * kprobe programs report, however they found the buffer. */
static __always_inline void put_values_and_hit(const int *p)
{
	int v;

	for (int i = 0; i < 3; i++) {
		if (bpf_probe_read_kernel(&v, sizeof(v), p + i))
			break;
		put(R_V0 + i, (__u64)(__s64)v);
	}
	put(R_HITS, get(R_HITS) + 1);
}

/* samples/rust/rust_minimal.rs: struct RustMinimal { numbers: KVec<i32> }, with
 * rust/kernel/alloc/kvec.rs: Vec { ptr: NonNull<T>, layout: ArrayLayout<T>, len: usize, .. }
 * and NonNull<T> { pointer: *const T }. Only the root name (RustMinimal) and the member
 * names must match the target BTF; CO-RE does not compare the names of nested structs
 * (the real ones are e.g. "Vec<i32, kernel::alloc::allocator::Kmalloc>"), and the offsets
 * come from the target. The local layout deliberately differs (len at 8 here; rustc puts
 * `layout`, the capacity, there and len at 16), so a log line "patched insn ... 8 -> 16"
 * shows that CO-RE did the work and a wrong relocation would read the wrong field. */
struct rust_nonnull_i32 {
	int *pointer;
} __attribute__((preserve_access_index));

struct rust_kvec_i32 {
	struct rust_nonnull_i32 ptr;
	unsigned long len;
} __attribute__((preserve_access_index));

struct RustMinimal {
	struct rust_kvec_i32 numbers;
} __attribute__((preserve_access_index));
