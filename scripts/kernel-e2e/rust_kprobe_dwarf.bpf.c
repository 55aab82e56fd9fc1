/* rust_kprobe_dwarf (control): the same kprobe, but reading RustMinimal at fixed offsets
 * that guest-prepare took from the module's DWARF (-DOFF_*). It needs no BTF for the Rust
 * type, so it works with any encoder and shows that the kprobe/rmmod path itself works. */
#include "e2e.bpf.h"

#if !defined(OFF_NUMBERS) || !defined(OFF_LEN) || !defined(OFF_PTR)
#error "build with -DOFF_NUMBERS=.. -DOFF_LEN=.. -DOFF_PTR=.. (offsets from the start of RustMinimal)"
#endif

SEC("kprobe")
int rust_minimal_drop_dwarf(struct e2e_pt_regs *ctx)
{
	char *self = (char *)ctx->di;
	unsigned long len = 0;
	int *p = 0;

	bpf_probe_read_kernel(&len, sizeof(len), self + OFF_LEN);
	bpf_probe_read_kernel(&p, sizeof(p), self + OFF_PTR);
	put(R_SELF, (unsigned long)self);
	put(R_LEN, len);
	put(R_OFF_NUMBERS, OFF_NUMBERS);
	put(R_OFF_LEN, OFF_LEN);
	put(R_OFF_PTR, OFF_PTR);
	put_values_and_hit(p);
	return 0;
}
