#pragma once
#include <stdint.h>

/// BPF_BTF_LOAD of a raw BTF blob (the only call of bpf(2) in the package).
///
/// `log`/`log_size`/`log_level` are passed to the kernel as is (NULL/0/0 for no log). Returns
/// the new BTF object's file descriptor (the caller closes it with `cbpf_close`), or -1 with
/// the errno in `*err_out`.
int cbpf_btf_load(const void *btf, uint32_t size, char *log, uint32_t log_size,
                  uint32_t log_level, int *err_out);

/// close(2), so Swift callers need no Glibc import for it.
int cbpf_close(int fd);
