/* rust_kprobe_core: kprobe on <RustMinimal as Drop>::drop (attached by its v0 symbol).
 * Every access to the Rust value is a CO-RE relocation against struct RustMinimal as
 * the module's BTF describes it; with a BTF lacking that type libbpf cannot load this. */
#include "e2e.bpf.h"

SEC("kprobe")
int rust_minimal_drop(struct e2e_pt_regs *ctx)
{
	struct RustMinimal *self = (void *)ctx->di;	/* &mut self */
	int *p = BPF_CORE_READ(self, numbers.ptr.pointer);

	put(R_SELF, (unsigned long)self);
	put(R_LEN, BPF_CORE_READ(self, numbers.len));
	/* what the relocations resolved to, so the guest log shows the offsets */
	put(R_OFF_NUMBERS, bpf_core_field_offset(struct RustMinimal, numbers));
	put(R_OFF_LEN, bpf_core_field_offset(struct RustMinimal, numbers.len));
	put(R_OFF_PTR, bpf_core_field_offset(struct RustMinimal, numbers.ptr.pointer));
	put_values_and_hit(p);
	return 0;
}
