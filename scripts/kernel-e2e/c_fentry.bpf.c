/* c_fentry_control: fentry on a C syscall function (target chosen by run.sh), counting only
 * calls from the loader's own process. Shows that BPF trampolines work in this kernel, so a
 * refusal for the Rust function is about the Rust function (no __fentry__ call site). */
#include "e2e.bpf.h"

SEC("fentry")
int c_fentry(unsigned long long *ctx)
{
	if ((bpf_get_current_pid_tgid() >> 32) != get(R_PID))
		return 0;
	put(R_HITS, get(R_HITS) + 1);
	return 0;
}
