/* rust_kprobe_core: kprobe on <RustMinimal as Drop>::drop (attached by its v0 symbol).
 * Every access to the Rust value is a CO-RE relocation against struct RustMinimal as
 * the module's BTF describes it; with a BTF lacking that type libbpf cannot load this. */
#include "e2e.bpf.h"

/* kprobe context = x86-64 kernel struct pt_regs. Deliberately no CO-RE here: its layout is
 * ABI, and relocating it would make the test depend on which pt_regs (C, or bindgen's copy
 * in the Rust `bindings` crate) the encoder puts first. */
struct e2e_pt_regs {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	unsigned long ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
};

SEC("kprobe")
int rust_minimal_drop(struct e2e_pt_regs *ctx)
{
	struct RustMinimal *self = (void *)ctx->di;	/* &mut self */
	int *p = BPF_CORE_READ(self, numbers.ptr.pointer);
	int v;

	put(R_SELF, (unsigned long)self);
	put(R_LEN, BPF_CORE_READ(self, numbers.len));
	/* what the relocations resolved to, so the guest log shows the offsets */
	put(R_OFF_NUMBERS, bpf_core_field_offset(struct RustMinimal, numbers));
	put(R_OFF_LEN, bpf_core_field_offset(struct RustMinimal, numbers.len));
	put(R_OFF_PTR, bpf_core_field_offset(struct RustMinimal, numbers.ptr.pointer));
	for (int i = 0; i < 3; i++) {
		if (bpf_probe_read_kernel(&v, sizeof(v), p + i))
			break;
		put(R_V0 + i, (__u64)(__s64)v);
	}
	put(R_HITS, get(R_HITS) + 1);
	return 0;
}
