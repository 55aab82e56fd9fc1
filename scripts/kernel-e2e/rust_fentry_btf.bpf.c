/* rust_fentry_btf_deref: the same fentry target, but the program dereferences the typed
 * argument directly (no probe_read): the verifier types ctx[0] as a pointer to the module
 * BTF's struct RustMinimal and checks the load of self->numbers.len against that struct's
 * members (btf_struct_access). Loading proves the kernel itself walks the Rust struct. */
#include "e2e.bpf.h"

SEC("fentry")
int rust_drop_btf(unsigned long long *ctx)
{
	struct RustMinimal *self = (struct RustMinimal *)ctx[0];

	put(R_LEN, self->numbers.len);	/* direct, verifier-checked (PROBE_MEM) load */
	put(R_OFF_LEN, bpf_core_field_offset(struct RustMinimal, numbers.len));
	put(R_HITS, get(R_HITS) + 1);
	return 0;
}
