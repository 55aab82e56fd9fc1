/* ---- The abbreviations of the unit being walked, decoded once per unit (included by shim.h). ---
 * libdw's dwarf_getattrs, per DIE, finds the DIE's abbreviation in the unit's hash table (under a
 * read lock), then decodes each attribute's name and form from the abbreviation's ULEB128s, asks
 * __libdw_form_val_len for the value's length, and calls the callback through a pointer, which
 * maps the name to a slot with a switch. On a distribution vmlinux that was a fifth of the
 * walkers' time. Here the unit's abbreviations are read once into a table indexed by abbreviation
 * code: each attribute's name, form, collector slot and, when the unit fixes it, value length.
 * libdw's public dwarf_getabbrev finds each abbreviation (and checks it, and gives the
 * Dwarf_Abbrev a DIE's `abbrev` points at); its bytes are then read here from .debug_abbrev
 * (libdw 0.188's dwarf_getattrcnt miscounts an abbreviation with an implicit constant, and
 * dwarf_getabbrevattr_data walks the list from its start for every attribute). shim.h's
 * rb_collect then reads a DIE's attributes from that table, making for every attribute the same
 * Dwarf_Attribute dwarf_getattrs would pass (name, form, value pointer, unit), so every reader of
 * an attribute (dwarf_formudata, dwarf_formstring, ...) is libdw's as before.
 *
 * Beyond the public API, as in fastwalk.h: Dwarf_Die.addr, .cu and .abbrev, and the value
 * pointer of an implicit constant, which points at the constant's SLEB128 in the abbreviation, as
 * libdw's does. The bytes read are those libdw reads: .debug_abbrev's data from libelf (which
 * libdw decompressed in place when the section was compressed), and each abbreviation must
 * decode here to the code and length dwarf_getabbrev found. Anything unexpected (an abbreviation libdw will not read, a code too large for
 * the table, a form whose length is unknown, a value past the unit) makes that DIE, or every DIE
 * of the unit, take dwarf_getattrs, which then reports the error as before. RUSTBTF_PUBLIC_WALK=1
 * turns this off with the sibling step. */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <gelf.h>
#include <libelf.h>
#include "sections.h"
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  uint32_t name;        /* DW_AT_* */
  uint16_t form;        /* DW_FORM_* as the abbreviation gives it (DW_FORM_indirect included) */
  int8_t slot;          /* the collector's slot for `name`, -1 when it collects no such attribute */
  int8_t fixed;         /* the value's length in bytes when the unit fixes it, -1 when it does not */
  const unsigned char *implicit; /* DW_FORM_implicit_const: its SLEB128 in the abbreviation */
} rb_spec;

typedef struct {
  Dwarf_Abbrev *abbrev; /* NULL: no usable abbreviation has this code */
  uint32_t first;       /* its attributes: specs[first ..< first + count] */
  uint32_t count;
  bool has_children;
  int32_t sibling;      /* the index of its first DW_AT_sibling among its attributes, -1 for none */
} rb_abbrev;

typedef struct {
  const void *cu;       /* the unit (Dwarf_CU *) the table describes; NULL: none (every DIE is slow) */
  rb_abbrev *codes;     /* by abbreviation code */
  size_t ncodes, capcodes;
  rb_spec *specs;
  size_t nspecs, capspecs;
  /* .debug_abbrev of `dbg` (the file or its supplementary file), found once per file. */
  const void *dbg;
  const unsigned char *section;
  size_t section_size;
  /* .debug_info of `dbg`, which bounds every unit's end (a truncated file's last unit claims more). */
  const unsigned char *info;
  size_t info_size;
} rb_abbrevs;

/* Codes past this take dwarf_getattrs (producers number them from 1, densely). */
#define RB_ABBREV_CODE_LIMIT (1u << 16)

static inline void rb_abbrevs_free(rb_abbrevs *a) {
  free(a->codes);
  free(a->specs);
  memset(a, 0, sizeof *a);
}

static inline bool rb_abbrevs_reserve(void **p, size_t *cap, size_t need, size_t size) {
  if (need <= *cap) return true;
  size_t n = *cap ? *cap : 64;
  while (n < need) n *= 2;
  void *q = realloc(*p, n * size);
  if (q == NULL) return false;
  *p = q;
  *cap = n;
  return true;
}

/* The length of a value of `form` when the unit fixes it, else -1 (also for DW_FORM_indirect): the
 * one list of fixed lengths, which rb_skip_form (fastwalk.h) reads too. */
static inline int rb_fixed_length(unsigned form, unsigned version, unsigned addr_size, unsigned offset_size) {
  switch (form) {
  case DW_FORM_flag_present: case DW_FORM_implicit_const: return 0;
  case DW_FORM_data1: case DW_FORM_ref1: case DW_FORM_flag: case DW_FORM_strx1: case DW_FORM_addrx1: return 1;
  case DW_FORM_data2: case DW_FORM_ref2: case DW_FORM_strx2: case DW_FORM_addrx2: return 2;
  case DW_FORM_strx3: case DW_FORM_addrx3: return 3;
  case DW_FORM_data4: case DW_FORM_ref4: case DW_FORM_strx4: case DW_FORM_addrx4: case DW_FORM_ref_sup4: return 4;
  case DW_FORM_data8: case DW_FORM_ref8: case DW_FORM_ref_sig8: case DW_FORM_ref_sup8: return 8;
  case DW_FORM_data16: return 16;
  case DW_FORM_addr: return addr_size ? (int)addr_size : -1;
  case DW_FORM_ref_addr: return version == 2 ? (addr_size ? (int)addr_size : -1) : (offset_size ? (int)offset_size : -1);
  case DW_FORM_strp: case DW_FORM_line_strp: case DW_FORM_sec_offset: case DW_FORM_strp_sup:
  case DW_FORM_GNU_strp_alt: case DW_FORM_GNU_ref_alt:
    return offset_size ? (int)offset_size : -1;
  default: return -1;
  }
}

/* The bytes of section `name` of `dbg`'s file as libdw reads them (libelf's data, which libdw
 * decompressed in place when the section was compressed); false when there is no such section. */
static inline bool rb_dwarf_section(Dwarf *dbg, const char *name, const unsigned char **data, size_t *size) {
  size_t index = 0;
  uint64_t address = 0, bytes = 0;
  Elf *elf = dwarf_getelf(dbg);
  if (!rb_section_by_name(elf, name, &index, &address, &bytes)) return false;
  Elf_Scn *scn = elf_getscn(elf, index);
  Elf_Data *d = scn == NULL ? NULL : elf_getdata(scn, NULL);
  if (d == NULL || d->d_buf == NULL) return false;
  *data = (const unsigned char *)d->d_buf;
  *size = d->d_size;
  return true;
}

/* Finds .debug_info and .debug_abbrev of `dbg` once per file. */
static inline void rb_abbrevs_sections(rb_abbrevs *a, Dwarf *dbg) {
  if (a->dbg == (const void *)dbg) return;
  a->dbg = dbg;
  a->section = a->info = NULL;
  a->section_size = a->info_size = 0;
  if (!rb_dwarf_section(dbg, ".debug_abbrev", &a->section, &a->section_size)) a->section = NULL;
  if (!rb_dwarf_section(dbg, ".debug_info", &a->info, &a->info_size)) a->info = NULL;
}

/* Reads the abbreviations of the unit of `cudie`, whose table starts at `table` in
 * .debug_abbrev, into `a`; false (and `a->cu` NULL, so every DIE takes dwarf_getattrs) when any
 * of them cannot be read or used. `slot_of` maps an attribute name to the collector's slot, -1
 * for none. */
static inline bool rb_abbrevs_read(rb_abbrevs *a, Dwarf *dbg, Dwarf_Die *cudie, uint64_t table, unsigned version,
                                   unsigned addr_size, unsigned offset_size, int (*slot_of)(unsigned)) {
  a->cu = NULL;
  a->nspecs = 0;
  for (size_t i = 0; i < a->ncodes; i++) a->codes[i] = (rb_abbrev){ 0 };
  rb_abbrevs_sections(a, dbg);
  if (a->section == NULL || table >= a->section_size) return false;
  Dwarf_Off offset = 0;
  for (size_t n = 0; n < RB_ABBREV_CODE_LIMIT; n++) {
    size_t length = 0;
    Dwarf_Abbrev *abbrev = dwarf_getabbrev(cudie, offset, &length);
    if (abbrev == (Dwarf_Abbrev *)-1l) { /* the table's terminating zero */
      a->cu = cudie->cu;
      return true;
    }
    if (abbrev == NULL || length == 0 || length > a->section_size - table - offset) return false;
    const unsigned char *p = a->section + table + offset;
    const unsigned char *end = p + length;
    offset += length;
    uint64_t code = 0, tag = 0;
    if (!rb_read_uleb(&p, end, &code) || code != dwarf_getabbrevcode(abbrev) || code == 0 || code >= RB_ABBREV_CODE_LIMIT
        || !rb_read_uleb(&p, end, &tag) || p >= end)
      return false;
    bool has_children = *p++ == DW_CHILDREN_yes; /* as libdw reads it: anything else is no */
    if (code >= a->ncodes) {
      if (!rb_abbrevs_reserve((void **)&a->codes, &a->capcodes, (size_t)code + 1, sizeof(rb_abbrev))) return false;
      for (size_t i = a->ncodes; i <= code; i++) a->codes[i] = (rb_abbrev){ 0 };
      a->ncodes = (size_t)code + 1;
    }
    if (a->codes[code].abbrev != NULL) return false; /* two abbreviations with one code */
    uint32_t first = (uint32_t)a->nspecs;
    int32_t sibling = -1;
    while (true) {
      uint64_t name = 0, form = 0;
      if (!rb_read_uleb(&p, end, &name) || !rb_read_uleb(&p, end, &form)) return false;
      if (name == 0 && form == 0) break;
      if (name > UINT32_MAX || form > UINT16_MAX) return false;
      if (!rb_abbrevs_reserve((void **)&a->specs, &a->capspecs, a->nspecs + 1, sizeof(rb_spec))) return false;
      rb_spec s = { .name = (uint32_t)name, .form = (uint16_t)form, .slot = (int8_t)slot_of((unsigned)name),
                    .fixed = (int8_t)rb_fixed_length((unsigned)form, version, addr_size, offset_size), .implicit = NULL };
      if (form == DW_FORM_implicit_const) {
        s.implicit = p;
        if ((p = rb_skip_uleb(p, end)) == NULL) return false; /* an SLEB128 ends where a ULEB128 does */
      }
      if (name == DW_AT_sibling && sibling < 0) sibling = (int32_t)(a->nspecs - first);
      a->specs[a->nspecs++] = s;
    }
    if (p != end) return false;
    a->codes[code] =
      (rb_abbrev){ .abbrev = abbrev, .first = first, .count = (uint32_t)(a->nspecs - first), .has_children = has_children,
                   .sibling = sibling };
  }
  return false;
}
