/* Shared by the BPF programs and the loader: slots of the "results" ARRAY map.
 * Results go through an explicit map, not global variables: libbpf 1.1 probes
 * global-data support with a socket filter, which fails on this kernel (no CONFIG_NET). */
#ifndef E2E_H
#define E2E_H
enum e2e_slot {
	R_HITS,		/* times the program ran */
	R_SELF,		/* first argument (&mut RustMinimal), only checked for != 0 */
	R_LEN,		/* self.numbers.len */
	R_V0, R_V1, R_V2,	/* self.numbers[0..3] */
	R_OFF_NUMBERS,	/* offset of RustMinimal.numbers (as relocated / as given) */
	R_OFF_LEN,	/* offset of .numbers.len from the start of RustMinimal */
	R_OFF_PTR,	/* offset of .numbers.ptr.pointer from the start of RustMinimal */
	R_PID,		/* in: tgid to count (c_fentry_control) */
	/* rnull_kprobe_core: requests seen by op (cmd_flags & REQ_OP_MASK) */
	R_READS, R_WRITES, R_OTHER_OPS,
	R_LAST_FLAGS,	/* cmd_flags of the last request */
	R_OFF_FLAGS,	/* offset of cmd_flags in Request<NullBlkDevice> (as relocated) */
	R_NSLOTS = 16
};
#endif
