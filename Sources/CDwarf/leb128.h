/* ---- LEB128 readers of the walk (fastwalk.h) and the abbreviation table (abbrevs.h). ---------- */
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

static inline const unsigned char *rb_skip_uleb(const unsigned char *p, const unsigned char *end) {
  while (p < end) { if ((*p++ & 0x80) == 0) return p; }
  return NULL;
}

static inline bool rb_read_uleb(const unsigned char **pp, const unsigned char *end, uint64_t *out) {
  const unsigned char *p = *pp;
  uint64_t v = 0;
  unsigned shift = 0;
  while (p < end) {
    unsigned char b = *p++;
    if (shift < 64) v |= (uint64_t)(b & 0x7f) << shift;
    shift += 7;
    if ((b & 0x80) == 0) { *pp = p; *out = v; return true; }
  }
  return false;
}
