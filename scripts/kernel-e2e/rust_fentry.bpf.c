/* rust_fentry: fentry on <RustMinimal as Drop>::drop. The loader sets the attach target
 * (the v0 name of the FUNC in rust_minimal's BTF) before load, so a successful load means
 * libbpf found the FUNC and the verifier accepted its FUNC_PROTO. Kept minimal on purpose:
 * nothing here but the target decides whether it loads. */
#include "e2e.bpf.h"

SEC("fentry")
int rust_drop_fentry(unsigned long long *ctx)
{
	put(R_SELF, ctx[0]);
	put(R_HITS, get(R_HITS) + 1);
	return 0;
}
