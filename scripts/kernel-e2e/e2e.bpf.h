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
