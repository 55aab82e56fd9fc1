#include "cbpf.h"

#include <errno.h>
#include <linux/bpf.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int cbpf_btf_load(const void *btf, uint32_t size, char *log, uint32_t log_size,
                  uint32_t log_level, int *err_out) {
  union bpf_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.btf = (uint64_t)(uintptr_t)btf;
  attr.btf_size = size;
  if (log != NULL && log_size > 0) {
    attr.btf_log_buf = (uint64_t)(uintptr_t)log;
    attr.btf_log_size = log_size;
    attr.btf_log_level = log_level;
  }
  long fd = syscall(__NR_bpf, BPF_BTF_LOAD, &attr, sizeof(attr));
  if (fd < 0) {
    if (err_out) *err_out = errno;
    return -1;
  }
  if (err_out) *err_out = 0;
  return (int)fd;
}

int cbpf_close(int fd) { return close(fd); }
