/* ---- The importer's sibling step beyond libdw's public API (included by shim.h). ------------
 * libdw's dwarf_siblingof finds a DIE's next sibling through DW_AT_sibling when there is one
 * (GCC writes it for DIEs with children) and otherwise by parsing the DIE's whole subtree
 * (LLVM, so rustc, never writes it); for a leaf it scans the leaf's attributes once more. The
 * importer has just read those attributes and walked those subtrees, so rb_fast_next computes
 * where the next sibling starts instead: for a leaf, the end of its last attribute value
 * (rb_skip_form knows each form's length); for a DIE whose children were just walked, the byte
 * after the terminator that walk met.
 *
 * The one thing beyond the public API: the sibling's Dwarf_Die is made here as
 * `(Dwarf_Die){ .addr = start, .cu = cu }`, exactly what the public dwarf_die_addr_die returns
 * (its documentation: the CU set, the abbrev not yet), with the CU taken from the DIE before it
 * instead of looked up (siblings share their unit). That lookup (a tfind over the units per
 * DIE) costs more than it saves: measured import times (rustbtf-import-bench, fastest of 3-7)
 *                          vmlinux.rust (LLVM)   Debian vmlinux (GCC)
 *   this file              0.64-0.69 s           3.94 s
 *   dwarf_siblingof only   0.80-0.91 s           4.39 s
 *   dwarf_die_addr_die     0.97 s                6.77 s
 * Also read beyond the public functions: Dwarf_Die.addr and .cu, and Dwarf_Attribute.valp of the
 * attributes dwarf_getattrs passes. Anything unexpected falls back to dwarf_siblingof.
 * RUSTBTF_PUBLIC_WALK=1 makes the importer use dwarf_siblingof only: scripts/bench.sh times both,
 * and ImporterWalkTests checks that both visit the same DIEs in the same order. */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include "leb128.h"
#include "abbrevs.h"

/* Where the DIE whose attributes were last read ends, from its last attribute stored in the
 * DIE's data (not DW_FORM_implicit_const): filled as dwarf_getattrs walks the attributes. */
typedef struct {
  const void *die_addr;
  const unsigned char *last_valp;
  unsigned last_form;
} rb_die_end;

static inline void rb_die_end_reset(rb_die_end *e) {
  e->die_addr = NULL;
  e->last_valp = NULL;
  e->last_form = 0;
}

/* Called for every attribute of the DIE being read. */
static inline void rb_die_end_note(rb_die_end *e, Dwarf_Attribute *at) {
  if (at->form != DW_FORM_implicit_const) {
    e->last_valp = at->valp;
    e->last_form = at->form;
  }
}

/* The attributes just read were those of `die`. */
static inline void rb_die_end_done(rb_die_end *e, Dwarf_Die *die) { e->die_addr = die->addr; }

/* Sibling-walk state of one unit. */
typedef struct {
  const unsigned char *unit_end;   /* NULL: every step is dwarf_siblingof */
  const unsigned char *unit_start; /* the unit's header: CU-relative references count from here */
  const void *rec_addr;            /* DIE whose children were walked to their terminator ... */
  const unsigned char *rec_end;    /* ... and the address right after that terminator */
  uint16_t version;
  uint8_t addr_size;
  uint8_t offset_size;
  bool big_endian;
  uint64_t abbrev_offset; /* where the unit's abbreviation table starts in .debug_abbrev */
  uint64_t fast, slow;
  /* DIEs whose attributes rb_collect read through the unit's abbreviation table, and through
   * dwarf_getattrs. */
  uint64_t decoded, undecoded;
  /* The unit's abbreviations (abbrevs.h), read when its walk begins and the step is fast. */
  rb_abbrevs abbrevs;
} rb_walk;

/* An n-byte unsigned integer at p (also used by shim.h's address table reader). */
static inline uint64_t rb_read_n(const unsigned char *p, int n, bool big) {
  uint64_t v = 0;
  for (int i = 0; i < n; i++) v |= (uint64_t)p[big ? n - 1 - i : i] << (8 * i);
  return v;
}

/* The address after a value of `form` at `p`, or NULL when unknown or out of bounds. */
static inline const unsigned char *rb_skip_form(const rb_walk *w, unsigned form, const unsigned char *p) {
  const unsigned char *end = w->unit_end;
  uint64_t n;
  for (int depth = 0; depth < 4; depth++) {
    int fixed = rb_fixed_length(form, w->version, w->addr_size, w->offset_size);
    if (fixed >= 0) return (size_t)(end - p) >= (size_t)fixed ? p + fixed : NULL;
    switch (form) {
    case DW_FORM_sdata: case DW_FORM_udata: case DW_FORM_ref_udata: case DW_FORM_strx:
    case DW_FORM_addrx: case DW_FORM_loclistx: case DW_FORM_rnglistx:
    case DW_FORM_GNU_addr_index: case DW_FORM_GNU_str_index:
      return rb_skip_uleb(p, end);
    case DW_FORM_string:
      while (p < end) { if (*p++ == 0) return p; }
      return NULL;
    case DW_FORM_block1:
      if (p + 1 > end) return NULL;
      n = p[0]; p += 1;
      return (uint64_t)(end - p) >= n ? p + n : NULL;
    case DW_FORM_block2:
      if (p + 2 > end) return NULL;
      n = rb_read_n(p, 2, w->big_endian); p += 2;
      return (uint64_t)(end - p) >= n ? p + n : NULL;
    case DW_FORM_block4:
      if (p + 4 > end) return NULL;
      n = rb_read_n(p, 4, w->big_endian); p += 4;
      return (uint64_t)(end - p) >= n ? p + n : NULL;
    case DW_FORM_block: case DW_FORM_exprloc:
      if (!rb_read_uleb(&p, end, &n)) return NULL;
      return (uint64_t)(end - p) >= n ? p + n : NULL;
    case DW_FORM_indirect:
      if (!rb_read_uleb(&p, end, &n)) return NULL;
      form = (unsigned)n;
      continue;
    default:
      return NULL;
    }
  }
  return NULL;
}

/* ---- Reading a DIE of the walk's unit through its abbreviation table (abbrevs.h). */

/* The abbreviation of the DIE at *p, a DIE of the walk's unit, with *p moved past its code; NULL
 * when the table has none (no table for the unit, a code it does not hold). */
static inline const rb_abbrev *rb_abbrev_at(const rb_walk *w, const unsigned char **p) {
  const rb_abbrevs *t = &w->abbrevs;
  uint64_t code = 0;
  if (t->cu == NULL || *p >= w->unit_end || !rb_read_uleb(p, w->unit_end, &code) || code >= t->ncodes) return NULL;
  const rb_abbrev *ab = &t->codes[code];
  return ab->abbrev != NULL ? ab : NULL;
}

/* Moves *p past the value of one attribute of `spec`, and gives its form and where the value is,
 * as dwarf_getattrs's Dwarf_Attribute would (DW_FORM_indirect resolved, an implicit constant's
 * value in the abbreviation); false when the value's length is not known here or runs past the
 * unit. */
static inline bool rb_value(const rb_walk *w, const rb_spec *spec, const unsigned char **p, unsigned *form,
                            const unsigned char **valp) {
  unsigned f = spec->form;
  if (f == DW_FORM_implicit_const) {
    *form = f;
    *valp = spec->implicit;
    return true;
  }
  const unsigned char *q = *p;
  const unsigned char *end = w->unit_end;
  if (spec->fixed >= 0) {
    if ((size_t)(end - q) < (size_t)spec->fixed) return false;
    *form = f;
    *valp = q;
    *p = q + spec->fixed;
    return true;
  }
  if (f == DW_FORM_indirect) {
    uint64_t g = 0;
    if (!rb_read_uleb(&q, end, &g) || g == DW_FORM_indirect || g == DW_FORM_implicit_const || g > UINT16_MAX) return false;
    f = (unsigned)g;
  }
  const unsigned char *next = rb_skip_form(w, f, q);
  if (next == NULL) return false;
  *form = f;
  *valp = q;
  *p = next;
  return true;
}

/* Where the values of abbreviation `ab`'s attributes end, read from `p` (just past the DIE's
 * code): where the DIE's children or its next sibling start; NULL when the table cannot tell. */
static inline const unsigned char *rb_values_end(const rb_walk *w, const rb_abbrev *ab, const unsigned char *p) {
  const rb_spec *spec = w->abbrevs.specs + ab->first;
  for (uint32_t k = 0; k < ab->count; k++, spec++) {
    unsigned form;
    const unsigned char *valp;
    if (!rb_value(w, spec, &p, &form, &valp)) return NULL;
  }
  return p;
}

/* Where the attribute values of `die`, a DIE of the walk's unit, end, its abbreviation set on
 * it; NULL when the table cannot tell. */
static inline const unsigned char *rb_attrs_end(const rb_walk *w, Dwarf_Die *die) {
  if (w->abbrevs.cu != (const void *)die->cu) return NULL;
  const unsigned char *p = (const unsigned char *)die->addr;
  const rb_abbrev *ab = rb_abbrev_at(w, &p);
  if (ab == NULL) return NULL;
  if (die->abbrev == NULL) die->abbrev = ab->abbrev;
  return rb_values_end(w, ab, p);
}

/* Sets the abbreviation of `die`, a DIE of the walk's unit, from the table when it has it: the
 * one libdw's lookup would find, without the lookup's lock (dwarf_tag, dwarf_haschildren). */
static inline void rb_note_abbrev(const rb_walk *w, Dwarf_Die *die) {
  if (die->abbrev != NULL || w->abbrevs.cu != (const void *)die->cu) return;
  const unsigned char *p = (const unsigned char *)die->addr;
  const rb_abbrev *ab = rb_abbrev_at(w, &p);
  if (ab != NULL) die->abbrev = ab->abbrev;
}

/* dwarf_child through the table when `die` is of the walk's unit: 0 with `child` its first
 * child, 1 when it has none, -1 on error (libdw's answer whenever the table cannot tell). */
static inline int rb_child(Dwarf_Die *die, Dwarf_Die *child, const rb_walk *w) {
  if (w->abbrevs.cu == (const void *)die->cu && w->abbrevs.cu != NULL) {
    const unsigned char *p = (const unsigned char *)die->addr;
    const rb_abbrev *ab = rb_abbrev_at(w, &p);
    if (ab != NULL) {
      if (!ab->has_children) return 1;
      const unsigned char *addr = rb_values_end(w, ab, p);
      if (addr != NULL) {
        if (die->abbrev == NULL) die->abbrev = ab->abbrev;
        /* A null entry first (ULEB128 zero, however padded) is no children, as libdw reads it. */
        const unsigned char *code = addr;
        while (code < w->unit_end && *code == 0x80) code++;
        if (code >= w->unit_end || *code == 0) return 1;
        *child = (Dwarf_Die){ .addr = (void *)addr, .cu = die->cu };
        rb_note_abbrev(w, child);
        return 0;
      }
    }
  }
  return dwarf_child(die, child);
}

/* Where dwarf_siblingof would go from `die` by its DW_AT_sibling, read through the table: 1 when
 * its abbreviation has none, 0 with *next the attribute's target (checked as libdw checks it),
 * -1 when the table cannot tell (dwarf_siblingof then decides, errors included). */
static inline int rb_sibling_attr(const rb_walk *w, Dwarf_Die *die, const unsigned char **next) {
  if (w->abbrevs.cu != (const void *)die->cu) return -1;
  const unsigned char *p = (const unsigned char *)die->addr;
  const rb_abbrev *ab = rb_abbrev_at(w, &p);
  if (ab == NULL) return -1;
  if (ab->sibling < 0) return 1;
  const rb_spec *spec = w->abbrevs.specs + ab->first;
  unsigned form = 0;
  const unsigned char *valp = NULL;
  for (int32_t k = 0; k <= ab->sibling; k++)
    if (!rb_value(w, &spec[k], &p, &form, &valp)) return -1;
  uint64_t offset = 0;
  switch (form) {
  case DW_FORM_ref1: offset = valp[0]; break;
  case DW_FORM_ref2: offset = rb_read_n(valp, 2, w->big_endian); break;
  case DW_FORM_ref4: offset = rb_read_n(valp, 4, w->big_endian); break;
  case DW_FORM_ref8: offset = rb_read_n(valp, 8, w->big_endian); break;
  case DW_FORM_ref_udata: if (!rb_read_uleb(&valp, w->unit_end, &offset)) return -1; break;
  default: return -1; /* libdw's error */
  }
  /* libdw: after the DIE, within the unit. */
  if (offset >= (uint64_t)(w->unit_end - w->unit_start) || offset <= (uint64_t)((const unsigned char *)die->addr - w->unit_start))
    return -1;
  *next = w->unit_start + offset;
  return 0;
}

/* The rest of the unit is stepped by libdw: its DW_AT_sibling disagreed with where the DIE ends
 * (only corrupt DWARF does that), and libdw follows DW_AT_sibling, in the DIEs it skips too. */
static inline void rb_walk_distrust_unit(rb_walk *w) {
  w->unit_end = NULL;
  w->abbrevs.cu = NULL;
}

static int rb_die_end_cb(Dwarf_Attribute *at, void *arg) {
  rb_die_end_note((rb_die_end *)arg, at);
  return DWARF_CB_OK;
}

/* Where a leaf DIE's attribute values end (= where its next sibling starts); `e` is reused
 * when it describes `die` already (the walker read its attributes). */
static inline const unsigned char *rb_leaf_end(Dwarf_Die *die, const rb_walk *w, rb_die_end *e) {
  if (e->die_addr != die->addr) {
    const unsigned char *end = rb_attrs_end(w, die);
    if (end != NULL) return end;
    rb_die_end_reset(e);
    if (dwarf_getattrs(die, rb_die_end_cb, e, 0) < 0) return NULL;
    rb_die_end_done(e, die);
  }
  const unsigned char *p = (const unsigned char *)die->addr;
  if (e->last_valp == NULL) /* no value in the DIE's data: it ends after its abbrev code */
    return rb_skip_uleb(p, w->unit_end);
  if (e->last_valp < p || e->last_valp >= w->unit_end) return NULL;
  return rb_skip_form(w, e->last_form, e->last_valp);
}

/* Moves `die` to its next sibling; 0 ok, 1 no more siblings, -1 error. `parent` is the DIE whose
 * children are being walked (its end is recorded when the terminator is met). */
static inline int rb_fast_next(Dwarf_Die *die, rb_walk *w, rb_die_end *e, const Dwarf_Die *parent) {
  const unsigned char *end = NULL;
  if (w->unit_end == NULL) return dwarf_siblingof(die, die);
  int hc = dwarf_haschildren(die);
  if (hc == 0) end = rb_leaf_end(die, w, e);
  else if (hc > 0 && die->addr == w->rec_addr) end = w->rec_end;
  /* dwarf_siblingof follows DW_AT_sibling when the DIE has one (GCC writes it for DIEs with
   * children): the step is taken here only when it leads where the DIE ends. */
  if (end != NULL) {
    const unsigned char *sibling = NULL;
    int s = rb_sibling_attr(w, die, &sibling);
    if (s < 0) end = NULL;
    else if (s == 0 && sibling != end) {
      rb_walk_distrust_unit(w);
      end = NULL;
    }
  }
  if (end == NULL) {
    w->slow++;
    return dwarf_siblingof(die, die);
  }
  w->fast++;
  /* Padding or the end of the unit: no more siblings. */
  if (end >= w->unit_end) return 1;
  if (*end == 0) {
    w->rec_addr = parent->addr;
    w->rec_end = end + 1;
    return 1;
  }
  *die = (Dwarf_Die){ .addr = (void *)end, .cu = die->cu };
  rb_note_abbrev(w, die);
  return 0;
}

/* Prepares `w` for walking the unit of `cudie` with rb_fast_next; with `fast` false, or when the
 * unit header cannot be read (false returned), every step is dwarf_siblingof. */
static inline bool rb_walk_begin_unit(rb_walk *w, Dwarf *dbg, Dwarf_Die *cudie, bool big_endian, bool fast) {
  w->unit_end = NULL;
  w->abbrevs.cu = NULL;
  w->rec_addr = NULL;
  w->rec_end = NULL;
  w->big_endian = big_endian;
  if (!fast) return true;
  Dwarf_Off die_off = dwarf_dieoffset(cudie);
  Dwarf_Off cu_rel = dwarf_cuoffset(cudie);
  if (cu_rel == (Dwarf_Off)-1 || die_off == (Dwarf_Off)-1 || cu_rel > die_off) return false;
  Dwarf_Off unit_off = die_off - cu_rel;
  Dwarf_Off next = 0, abbrev = 0;
  size_t hsize = 0;
  Dwarf_Half version = 0;
  uint8_t asz = 0, osz = 0;
  if (dwarf_next_unit(dbg, unit_off, &next, &hsize, &version, &abbrev, &asz, &osz, NULL, NULL) != 0)
    return false;
  if (next <= die_off) return false;
  /* The unit ends where its header says, or where .debug_info's data does if that is sooner. */
  rb_abbrevs_sections(&w->abbrevs, dbg);
  const unsigned char *info = w->abbrevs.info;
  const unsigned char *die = (const unsigned char *)cudie->addr;
  if (info == NULL || die < info || die >= info + w->abbrevs.info_size) return false;
  size_t left = (size_t)(info + w->abbrevs.info_size - die);
  w->unit_end = die + ((next - die_off) < left ? (size_t)(next - die_off) : left);
  w->unit_start = die - cu_rel;
  w->version = version;
  w->abbrev_offset = abbrev;
  w->addr_size = asz;
  w->offset_size = osz;
  return true;
}
