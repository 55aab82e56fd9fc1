/* rnull_kprobe_core: kprobe on rnull's Rust request path, OperationsVTable<NullBlkDevice>::
 * queue_rq_callback (the extern "C" entry blk-mq calls for every request; a kprobe, since Rust
 * functions in 6.12 have no ftrace site for fentry). Its second argument is the C
 * blk_mq_queue_data; its rq is the Rust Request<NullBlkDevice> (a transparent wrapper of the C
 * struct request: same address), and the request's cmd_flags are read through the Rust
 * wrappers' fields (Opaque -> UnsafeCell -> MaybeUninit -> ManuallyDrop -> MaybeDangling) with
 * CO-RE. The types come from rnull_mod.h, which rust-all-prepare makes with
 * `bpftool btf dump file rnull_mod.ko -B vmlinux format c` (as a vmlinux.h, with
 * preserve_access_index on every struct): libbpf relocates every access against the BTF the
 * kernel has for the module, and cannot load this program if that BTF lacks the Rust type. */
#include "rnull_mod.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "e2e.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, R_NSLOTS);
	__type(key, __u32);
	__type(value, __u64);
} results SEC(".maps");

/* x86-64 struct pt_regs, declared after the header's attribute pop: no CO-RE (ABI layout) */
struct rnull_pt_regs {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	unsigned long ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
};

static __always_inline void add(__u32 slot, __u64 v)
{
	__u64 *p = bpf_map_lookup_elem(&results, &slot);

	if (p)
		__sync_fetch_and_add(p, v);
}

static __always_inline void put(__u32 slot, __u64 v)
{
	bpf_map_update_elem(&results, &slot, &v, BPF_ANY);
}

SEC("kprobe")
int rnull_queue_rq(struct rnull_pt_regs *ctx)
{
	struct blk_mq_queue_data *bd = (void *)ctx->si;	/* (hctx, bd) */
	struct Request_rnull__NullBlkDevice_ *rq = (void *)BPF_CORE_READ(bd, rq);
	__u32 flags = BPF_CORE_READ(rq, __0.value.value.value.value.__0.cmd_flags);
	__u32 op = flags & 0xff;	/* REQ_OP_MASK */

	add(R_HITS, 1);
	add(op == 0 ? R_READS : op == 1 ? R_WRITES : R_OTHER_OPS, 1);
	put(R_LAST_FLAGS, flags);
	put(R_SELF, (unsigned long)rq);
	/* what the relocation resolved to: the offset of cmd_flags in the Rust Request */
	put(R_OFF_FLAGS, bpf_core_field_offset(struct Request_rnull__NullBlkDevice_,
					       __0.value.value.value.value.__0.cmd_flags));
	return 0;
}
