// Allocation failure -> one line and exit 1. Symbol interposition: these definitions in the
// executable take the place of glibc's for every caller in the process (the Swift runtime,
// libdw, libelf), and forward to glibc's own allocator through its exported __libc_* entry
// points, so memory from either side may be freed by the other. free() stays glibc's.
//
// The failure path runs with the heap exhausted: it formats by hand and calls only write(2),
// unlink(2), getrlimit(2) and _exit(2).
#define _GNU_SOURCE
#include "outofmemory.h"

#include <errno.h>
#include <malloc.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void *__libc_valloc(size_t);
extern void *__libc_pvalloc(size_t);

static const char *volatile cleanup_path;

void rb_oom_set_cleanup_path(const char *path_buffer) { cleanup_path = path_buffer; }

void rb_malloc_trim(void) { malloc_trim(0); }

static char *put_text(char *p, const char *s) {
  while (*s) *p++ = *s++;
  return p;
}

static char *put_number(char *p, uint64_t v) {
  char digits[24];
  int n = 0;
  do { digits[n++] = (char)('0' + v % 10); v /= 10; } while (v);
  while (n) *p++ = digits[--n];
  return p;
}

__attribute__((noreturn, cold)) static void out_of_memory(size_t size) {
  char line[256];
  char *p = put_text(line, "rustbtf: out of memory: could not allocate ");
  p = put_number(p, size);
  p = put_text(p, " bytes");
  struct rlimit limit;
  if (getrlimit(RLIMIT_AS, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    p = put_text(p, " (address-space limit ");
    p = put_number(p, limit.rlim_cur >> 20);
    p = put_text(p, " MiB)");
  }
  const char *path = cleanup_path;
  if (path && path[0]) unlink(path);
  p = put_text(p, "; nothing written\n");
  ssize_t ignored = write(2, line, (size_t)(p - line));
  (void)ignored;
  _exit(1);
}

void *malloc(size_t size) {
  void *p = __libc_malloc(size);
  if (!p && size) out_of_memory(size);
  return p;
}

void *calloc(size_t count, size_t size) {
  void *p = __libc_calloc(count, size);
  size_t total;
  // An overflowing count * size is a caller's error (EINVAL-like), not memory running out.
  if (!p && count && size && !__builtin_mul_overflow(count, size, &total)) out_of_memory(total);
  return p;
}

void *realloc(void *old, size_t size) {
  void *p = __libc_realloc(old, size);
  if (!p && size) out_of_memory(size);  // realloc(p, 0) frees and may return NULL
  return p;
}

void *memalign(size_t alignment, size_t size) {
  void *p = __libc_memalign(alignment, size);
  if (!p && size && errno == ENOMEM) out_of_memory(size);
  return p;
}

void *aligned_alloc(size_t alignment, size_t size) { return memalign(alignment, size); }

int posix_memalign(void **out, size_t alignment, size_t size) {
  if (alignment % sizeof(void *) != 0 || (alignment & (alignment - 1)) != 0) return EINVAL;
  void *p = __libc_memalign(alignment, size);
  if (!p && size) out_of_memory(size);
  *out = p;
  return 0;
}

void *valloc(size_t size) {
  void *p = __libc_valloc(size);
  if (!p && size) out_of_memory(size);
  return p;
}

void *pvalloc(size_t size) {
  void *p = __libc_pvalloc(size);
  if (!p && size) out_of_memory(size);
  return p;
}
