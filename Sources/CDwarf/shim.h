#include <libelf.h>
#include <gelf.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

/* ---- rustbtf importer helpers (Sources/TypeGraph/Import). ------------------------------------
 * One pass over a DIE's attributes (dwarf_getattrs with a C callback) fills `rb_attrs`; the
 * accessors then decode single attributes without re-scanning the DIE. Slots are indexes into
 * `a`, `mask` has bit `slot` set when the attribute is present. */
enum {
  RB_NAME = 0, RB_TYPE, RB_BYTE_SIZE, RB_BIT_SIZE, RB_DATA_MEMBER_LOCATION, RB_DATA_BIT_OFFSET,
  RB_BIT_OFFSET, RB_DECLARATION, RB_EXTERNAL, RB_ENCODING, RB_COUNT, RB_UPPER_BOUND,
  RB_LOWER_BOUND, RB_LINKAGE_NAME, RB_MIPS_LINKAGE_NAME, RB_SPECIFICATION, RB_ABSTRACT_ORIGIN,
  RB_LOCATION, RB_CONST_VALUE, RB_DISCR, RB_DISCR_VALUE, RB_PROTOTYPED, RB_ARTIFICIAL,
  RB_LOW_PC, RB_RANGES, RB_INLINE, RB_PRODUCER, RB_COMP_DIR, RB_LANGUAGE,
  RB_SLOT_COUNT
};

typedef struct {
  uint64_t mask;
  Dwarf_Attribute a[RB_SLOT_COUNT];
} rb_attrs;

static int rb_attrs_cb(Dwarf_Attribute *at, void *arg) {
  rb_attrs *r = (rb_attrs *)arg;
  int s;
  switch (at->code) {
  case DW_AT_name: s = RB_NAME; break;
  case DW_AT_type: s = RB_TYPE; break;
  case DW_AT_byte_size: s = RB_BYTE_SIZE; break;
  case DW_AT_bit_size: s = RB_BIT_SIZE; break;
  case DW_AT_data_member_location: s = RB_DATA_MEMBER_LOCATION; break;
  case DW_AT_data_bit_offset: s = RB_DATA_BIT_OFFSET; break;
  case DW_AT_bit_offset: s = RB_BIT_OFFSET; break;
  case DW_AT_declaration: s = RB_DECLARATION; break;
  case DW_AT_external: s = RB_EXTERNAL; break;
  case DW_AT_encoding: s = RB_ENCODING; break;
  case DW_AT_count: s = RB_COUNT; break;
  case DW_AT_upper_bound: s = RB_UPPER_BOUND; break;
  case DW_AT_lower_bound: s = RB_LOWER_BOUND; break;
  case DW_AT_linkage_name: s = RB_LINKAGE_NAME; break;
  case DW_AT_MIPS_linkage_name: s = RB_MIPS_LINKAGE_NAME; break;
  case DW_AT_specification: s = RB_SPECIFICATION; break;
  case DW_AT_abstract_origin: s = RB_ABSTRACT_ORIGIN; break;
  case DW_AT_location: s = RB_LOCATION; break;
  case DW_AT_const_value: s = RB_CONST_VALUE; break;
  case DW_AT_discr: s = RB_DISCR; break;
  case DW_AT_discr_value: s = RB_DISCR_VALUE; break;
  case DW_AT_prototyped: s = RB_PROTOTYPED; break;
  case DW_AT_artificial: s = RB_ARTIFICIAL; break;
  case DW_AT_low_pc: s = RB_LOW_PC; break;
  case DW_AT_ranges: s = RB_RANGES; break;
  case DW_AT_inline: s = RB_INLINE; break;
  case DW_AT_producer: s = RB_PRODUCER; break;
  case DW_AT_comp_dir: s = RB_COMP_DIR; break;
  case DW_AT_language: s = RB_LANGUAGE; break;
  default: return DWARF_CB_OK;
  }
  r->a[s] = *at;
  r->mask |= (uint64_t)1 << s;
  return DWARF_CB_OK;
}

/* Fills `r` from `die`; 0 on success, -1 when libdw could not read the attributes. */
static inline int rb_collect(Dwarf_Die *die, rb_attrs *r) {
  r->mask = 0;
  return dwarf_getattrs(die, rb_attrs_cb, r, 0) < 0 ? -1 : 0;
}

static inline bool rb_has(const rb_attrs *r, int s) { return (r->mask >> s) & 1; }

static inline unsigned rb_form(rb_attrs *r, int s) {
  return rb_has(r, s) ? dwarf_whatform(&r->a[s]) : 0;
}

/* Unsigned constant (data1..8, udata, implicit_const, sdata as a bit pattern). */
static inline bool rb_udata(rb_attrs *r, int s, uint64_t *out) {
  if (!rb_has(r, s)) return false;
  Dwarf_Word w;
  if (dwarf_formudata(&r->a[s], &w) != 0) return false;
  *out = w;
  return true;
}

static inline bool rb_sdata(rb_attrs *r, int s, int64_t *out) {
  if (!rb_has(r, s)) return false;
  Dwarf_Sword w;
  if (dwarf_formsdata(&r->a[s], &w) != 0) return false;
  *out = w;
  return true;
}

static inline const char *rb_string(rb_attrs *r, int s) {
  return rb_has(r, s) ? dwarf_formstring(&r->a[s]) : NULL;
}

static inline bool rb_flag(rb_attrs *r, int s) {
  if (!rb_has(r, s)) return false;
  bool b = false;
  if (dwarf_formflag(&r->a[s], &b) != 0) return false;
  return b;
}

/* Global offset of the DIE a reference attribute points at; 0 when absent or unreadable. */
static inline uint64_t rb_ref(rb_attrs *r, int s) {
  if (!rb_has(r, s)) return 0;
  Dwarf_Die d;
  if (dwarf_formref_die(&r->a[s], &d) == NULL) return 0;
  return dwarf_dieoffset(&d);
}

static inline bool rb_is_constant_form(unsigned form) {
  switch (form) {
  case DW_FORM_data1: case DW_FORM_data2: case DW_FORM_data4: case DW_FORM_data8:
  case DW_FORM_udata: case DW_FORM_sdata: case DW_FORM_implicit_const:
    return true;
  default:
    return false;
  }
}

/* DW_AT_data_member_location as a byte offset: a constant, or an expression of one
 * DW_OP_plus_uconst / DW_OP_constu (DWARF 2/3 style). Returns false for anything else. */
static inline bool rb_member_location(rb_attrs *r, uint64_t *out) {
  if (!rb_has(r, RB_DATA_MEMBER_LOCATION)) return false;
  Dwarf_Attribute *a = &r->a[RB_DATA_MEMBER_LOCATION];
  unsigned form = dwarf_whatform(a);
  if (rb_is_constant_form(form)) {
    Dwarf_Word w;
    if (form == DW_FORM_sdata) {
      Dwarf_Sword sw;
      if (dwarf_formsdata(a, &sw) != 0) return false;
      *out = (uint64_t)sw;
      return true;
    }
    if (dwarf_formudata(a, &w) != 0) return false;
    *out = w;
    return true;
  }
  Dwarf_Op *ops = NULL;
  size_t n = 0;
  if (dwarf_getlocation(a, &ops, &n) != 0) return false;
  if (n == 0) { *out = 0; return true; }
  if (n == 1 && (ops[0].atom == DW_OP_plus_uconst || ops[0].atom == DW_OP_constu)) {
    *out = ops[0].number;
    return true;
  }
  return false;
}

/* A block-form attribute (block*, exprloc, data16). */
static inline bool rb_block(rb_attrs *r, int s, const unsigned char **data, size_t *len) {
  if (!rb_has(r, s)) return false;
  Dwarf_Block b;
  if (dwarf_formblock(&r->a[s], &b) != 0) return false;
  *data = b.data;
  *len = b.length;
  return true;
}

/* DW_AT_encoding of the base type an attribute (an enum's DW_AT_type) leads to, following up to
 * 8 typedefs and qualifiers; 0 when there is none. */
static inline unsigned rb_ref_encoding(rb_attrs *r, int s) {
  if (!rb_has(r, s)) return 0;
  Dwarf_Die d;
  if (dwarf_formref_die(&r->a[s], &d) == NULL) return 0;
  for (int i = 0; i < 8; i++) {
    int tag = dwarf_tag(&d);
    Dwarf_Attribute a;
    if (tag == DW_TAG_base_type) {
      Dwarf_Word w;
      if (dwarf_attr(&d, DW_AT_encoding, &a) == NULL || dwarf_formudata(&a, &w) != 0) return 0;
      return (unsigned)w;
    }
    if (dwarf_attr(&d, DW_AT_type, &a) == NULL) return 0;
    if (dwarf_formref_die(&a, &d) == NULL) return 0;
  }
  return 0;
}

/* Attributes through DW_AT_abstract_origin / DW_AT_specification (dwarf_attr_integrate). */
static inline const char *rb_integrate_string(Dwarf_Die *die, unsigned at) {
  Dwarf_Attribute a;
  if (dwarf_attr_integrate(die, at, &a) == NULL) return NULL;
  return dwarf_formstring(&a);
}

static inline uint64_t rb_integrate_ref(Dwarf_Die *die, unsigned at) {
  Dwarf_Attribute a;
  Dwarf_Die d;
  if (dwarf_attr_integrate(die, at, &a) == NULL) return 0;
  if (dwarf_formref_die(&a, &d) == NULL) return 0;
  return dwarf_dieoffset(&d);
}

static inline bool rb_integrate_flag(Dwarf_Die *die, unsigned at) {
  Dwarf_Attribute a;
  bool b = false;
  if (dwarf_attr_integrate(die, at, &a) == NULL) return false;
  if (dwarf_formflag(&a, &b) != 0) return false;
  return b;
}

/* Next sibling in place (dwarf_siblingof(d, d), which Swift cannot express). 0 ok, 1 end, -1 error. */
static inline int rb_next_sibling(Dwarf_Die *die) { return dwarf_siblingof(die, die); }

/* A libdwfl session for one file reported offline: applies .rela.debug_* of ET_REL files. The
 * callbacks are static, so they outlive every Dwfl handle. */
static inline Dwfl *rb_dwfl_begin_offline(void) {
  static const Dwfl_Callbacks rb_offline_callbacks = {
    .find_elf = dwfl_build_id_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
    .section_address = dwfl_offline_section_address,
    .debuginfo_path = NULL,
  };
  return dwfl_begin(&rb_offline_callbacks);
}
