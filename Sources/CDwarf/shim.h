#include <libelf.h>
#include <gelf.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <elfutils/libdwelf.h>
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include "fastwalk.h"
#include <pthread.h>

/* glibc's, for the stack bounds of the walking thread (DWARFWalker+Stack.swift); declared here
 * because Swift's Glibc module is built without _GNU_SOURCE. */
extern int pthread_getattr_np(pthread_t thread, pthread_attr_t *attr);

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
  /* The dwz supplementary file of the file being read, or NULL (see RB_ALT_OFFSET_BIT). */
  Dwarf *alt;
  Dwarf_Attribute a[RB_SLOT_COUNT];
  /* Where the DIE ends, for the sibling step (fastwalk.h). */
  rb_die_end end;
  /* The walk whose unit's abbreviations rb_collect reads DIEs of that unit with (abbrevs.h). */
  rb_walk *walk;
} rb_attrs;

/* The slot of an attribute the importer reads, -1 for any other: the one list of them, used
 * by the callback below and by the abbreviation table (abbrevs.h). */
static inline int rb_slot_of(unsigned name) {
  switch (name) {
  case DW_AT_name: return RB_NAME;
  case DW_AT_type: return RB_TYPE;
  case DW_AT_byte_size: return RB_BYTE_SIZE;
  case DW_AT_bit_size: return RB_BIT_SIZE;
  case DW_AT_data_member_location: return RB_DATA_MEMBER_LOCATION;
  case DW_AT_data_bit_offset: return RB_DATA_BIT_OFFSET;
  case DW_AT_bit_offset: return RB_BIT_OFFSET;
  case DW_AT_declaration: return RB_DECLARATION;
  case DW_AT_external: return RB_EXTERNAL;
  case DW_AT_encoding: return RB_ENCODING;
  case DW_AT_count: return RB_COUNT;
  case DW_AT_upper_bound: return RB_UPPER_BOUND;
  case DW_AT_lower_bound: return RB_LOWER_BOUND;
  case DW_AT_linkage_name: return RB_LINKAGE_NAME;
  case DW_AT_MIPS_linkage_name: return RB_MIPS_LINKAGE_NAME;
  case DW_AT_specification: return RB_SPECIFICATION;
  case DW_AT_abstract_origin: return RB_ABSTRACT_ORIGIN;
  case DW_AT_location: return RB_LOCATION;
  case DW_AT_const_value: return RB_CONST_VALUE;
  case DW_AT_discr: return RB_DISCR;
  case DW_AT_discr_value: return RB_DISCR_VALUE;
  case DW_AT_prototyped: return RB_PROTOTYPED;
  case DW_AT_artificial: return RB_ARTIFICIAL;
  case DW_AT_low_pc: return RB_LOW_PC;
  case DW_AT_ranges: return RB_RANGES;
  case DW_AT_inline: return RB_INLINE;
  case DW_AT_producer: return RB_PRODUCER;
  case DW_AT_comp_dir: return RB_COMP_DIR;
  case DW_AT_language: return RB_LANGUAGE;
  default: return -1;
  }
}

static int rb_attrs_cb(Dwarf_Attribute *at, void *arg) {
  rb_attrs *r = (rb_attrs *)arg;
  rb_die_end_note(&r->end, at);
  int s = rb_slot_of(at->code);
  if (s < 0) return DWARF_CB_OK;
  r->a[s] = *at;
  r->mask |= (uint64_t)1 << s;
  return DWARF_CB_OK;
}

/* rb_collect through the unit's abbreviation table (abbrevs.h); false when the DIE must take
 * dwarf_getattrs (not of the unit the table describes, an unknown code, a form whose length is
 * not known here, a value past the unit), with `r` then filled by it. */
static inline bool rb_collect_decoded(Dwarf_Die *die, rb_attrs *r) {
  const rb_walk *w = r->walk;
  if (w == NULL || w->abbrevs.cu == NULL || w->abbrevs.cu != (const void *)die->cu) return false;
  const unsigned char *p = (const unsigned char *)die->addr;
  const rb_abbrev *ab = rb_abbrev_at(w, &p);
  if (ab == NULL) return false;
  uint64_t mask = 0;
  const unsigned char *last_valp = NULL;
  unsigned last_form = 0;
  const rb_spec *spec = w->abbrevs.specs + ab->first;
  for (uint32_t k = 0; k < ab->count; k++, spec++) {
    unsigned form;
    const unsigned char *valp;
    if (!rb_value(w, spec, &p, &form, &valp)) return false;
    if (form != DW_FORM_implicit_const) {
      last_valp = valp;
      last_form = form;
    }
    if (spec->slot >= 0) {
      r->a[spec->slot] = (Dwarf_Attribute){ .code = spec->name, .form = form, .valp = (unsigned char *)valp, .cu = die->cu };
      mask |= (uint64_t)1 << spec->slot;
    }
  }
  r->mask = mask;
  r->end.last_valp = last_valp;
  r->end.last_form = last_form;
  if (die->abbrev == NULL) die->abbrev = ab->abbrev;
  return true;
}

/* Fills `r` from `die`; 0 on success, -1 when libdw could not read the attributes. */
static inline int rb_collect(Dwarf_Die *die, rb_attrs *r) {
  rb_die_end_reset(&r->end);
  if (rb_collect_decoded(die, r)) {
    r->walk->decoded++;
  } else {
    if (r->walk != NULL) r->walk->undecoded++;
    r->mask = 0;
    if (dwarf_getattrs(die, rb_attrs_cb, r, 0) < 0) return -1;
  }
  rb_die_end_done(&r->end, die);
  return 0;
}

/* rb_walk_begin_unit, and the unit's abbreviations read for rb_collect when the step is fast. */
static inline bool rb_begin_unit(rb_walk *w, Dwarf *dbg, Dwarf_Die *cudie, bool big_endian, bool fast) {
  if (!rb_walk_begin_unit(w, dbg, cudie, big_endian, fast)) return false;
  /* Without the table the sibling step could not see DW_AT_sibling (rb_fast_next): libdw steps. */
  if (w->unit_end != NULL &&
      !rb_abbrevs_read(&w->abbrevs, dbg, cudie, w->abbrev_offset, w->version, w->addr_size, w->offset_size, rb_slot_of))
    rb_walk_distrust_unit(w);
  return true;
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

/* dwz moves DIEs several files share into a supplementary file (.gnu_debugaltlink; DWARF 5's
 * .debug_sup), which the files refer to with DW_FORM_GNU_ref_alt / DW_FORM_ref_sup*. Its DIE
 * offsets would collide with the file's own, so the importer gives every DIE of the supplementary
 * file its offset with this bit set: one offset space for the index and the references. */
#define RB_ALT_OFFSET_BIT ((uint64_t)1 << 62)

/* The importer's offset of `d`: its .debug_info offset, with RB_ALT_OFFSET_BIT when it lies in the
 * supplementary file `alt`. */
static inline uint64_t rb_die_offset(Dwarf_Die *d, Dwarf *alt) {
  uint64_t off = dwarf_dieoffset(d);
  if (alt != NULL && dwarf_cu_getdwarf(d->cu) == alt) off |= RB_ALT_OFFSET_BIT;
  return off;
}

/* The importer's offset (rb_die_offset) of the DIE a reference attribute points at. UINT64_MAX
 * (never a DIE the importer indexed) when it cannot be read: a DWARF 4 .debug_types unit
 * (DW_FORM_ref_sig8), or a supplementary file that is not there. */
static inline uint64_t rb_target_offset(Dwarf_Attribute *a, Dwarf *alt) {
  unsigned form = dwarf_whatform(a);
  if (alt == NULL && (form == DW_FORM_GNU_ref_alt || form == DW_FORM_ref_sup4 || form == DW_FORM_ref_sup8))
    return UINT64_MAX;
  Dwarf_Die d;
  if (dwarf_formref_die(a, &d) == NULL) return UINT64_MAX;
  if (form == DW_FORM_ref_sig8) {
    Dwarf_Half version = 0;
    if (dwarf_cu_info(d.cu, &version, NULL, NULL, NULL, NULL, NULL, NULL) != 0 || version < 5)
      return UINT64_MAX;
  }
  return rb_die_offset(&d, alt);
}

/* rb_target_offset of an attribute slot; 0 when the attribute is absent. */
static inline uint64_t rb_ref(rb_attrs *r, int s) {
  if (!rb_has(r, s)) return 0;
  return rb_target_offset(&r->a[s], r->alt);
}

/* The name of the supplementary file `dbg` links to (.gnu_debugaltlink or .debug_sup), or NULL. */
static inline const char *rb_alt_link_name(Dwarf *dbg) {
  const char *name = NULL;
  const void *build_id = NULL;
  if (dwelf_dwarf_gnu_debugaltlink(dbg, &name, &build_id) <= 0) return NULL;
  return name;
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

/* DW_AT_encoding of the base type an attribute (an enum's DW_AT_type) leads to through typedefs
 * and qualifiers (dwarf_peel_type); 0 when there is none. */
static inline unsigned rb_ref_encoding(rb_attrs *r, int s) {
  if (!rb_has(r, s)) return 0;
  Dwarf_Die d;
  Dwarf_Attribute a;
  Dwarf_Word w;
  if (dwarf_formref_die(&r->a[s], &d) == NULL || dwarf_peel_type(&d, &d) != 0) return 0;
  if (dwarf_tag(&d) != DW_TAG_base_type) return 0;
  if (dwarf_attr(&d, DW_AT_encoding, &a) == NULL || dwarf_formudata(&a, &w) != 0) return 0;
  return (unsigned)w;
}

/* Attributes through DW_AT_abstract_origin / DW_AT_specification (dwarf_attr_integrate). */
static inline const char *rb_integrate_string(Dwarf_Die *die, unsigned at) {
  Dwarf_Attribute a;
  if (dwarf_attr_integrate(die, at, &a) == NULL) return NULL;
  return dwarf_formstring(&a);
}

static inline uint64_t rb_integrate_ref(Dwarf_Die *die, unsigned at, Dwarf *alt) {
  Dwarf_Attribute a;
  if (dwarf_attr_integrate(die, at, &a) == NULL) return 0;
  return rb_target_offset(&a, alt);
}

static inline bool rb_integrate_udata(Dwarf_Die *die, unsigned at, uint64_t *out) {
  Dwarf_Attribute a;
  Dwarf_Word w = 0;
  if (dwarf_attr_integrate(die, at, &a) == NULL) return false;
  if (dwarf_formudata(&a, &w) != 0) return false;
  *out = w;
  return true;
}

static inline bool rb_integrate_flag(Dwarf_Die *die, unsigned at) {
  Dwarf_Attribute a;
  bool b = false;
  if (dwarf_attr_integrate(die, at, &a) == NULL) return false;
  if (dwarf_formflag(&a, &b) != 0) return false;
  return b;
}

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

/* ---- Plain file access for the importer's up-front ELF checks (so that TypeGraph needs no
 * Glibc import). Errors are returned as negative errno values. */
#include <fcntl.h>
#include <unistd.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h> /* writeBTFSection keeps the extended attributes of the file it rewrites */

/* Opens read-only; returns the fd, or -errno. */
static inline int rb_open_readonly(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  return fd < 0 ? -errno : fd;
}

/* Size of a regular file; -errno on error, -EISDIR for a directory. */
static inline int64_t rb_file_size(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0) return -errno;
  if (S_ISDIR(st.st_mode)) return -EISDIR;
  return (int64_t)st.st_size;
}

/* Reads up to `len` bytes at `offset` (retrying short reads); the count, or -errno. */
static inline int64_t rb_pread_full(int fd, void *buf, size_t len, uint64_t offset) {
  size_t done = 0;
  while (done < len) {
    ssize_t n = pread(fd, (char *)buf + done, len - done, (off_t)(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    if (n == 0) break;
    done += (size_t)n;
  }
  return (int64_t)done;
}

static inline void rb_close(int fd) { close(fd); }

static inline const char *rb_strerror(int err) { return strerror(err); }

/* ---- ELF symbols and code/data addresses, for select-symbols (Sources/TypeGraph/Import/
 * ELFSymbolReader.swift). Addresses are module addresses as libdwfl sees them: for a relocatable
 * object, sections are laid out by dwfl_offline_section_address and both the relocated DWARF and
 * dwfl_module_getsym_info use that layout, so a function's DW_AT_low_pc equals its symbol's
 * address without any per-section bookkeeping. */

/* The code address of a subprogram DIE whose attributes are in `r`: DW_AT_low_pc, else
 * DW_AT_entry_pc, else the start of its first DW_AT_ranges entry. */
static inline bool rb_code_address(Dwarf_Die *die, rb_attrs *r, uint64_t *out) {
  Dwarf_Addr a = 0;
  if (rb_has(r, RB_LOW_PC) && dwarf_formaddr(&r->a[RB_LOW_PC], &a) == 0) { *out = a; return true; }
  if (dwarf_entrypc(die, &a) == 0) { *out = a; return true; }
  if (rb_has(r, RB_RANGES)) {
    Dwarf_Addr base = 0, start = 0, end = 0;
    if (dwarf_ranges(die, 0, &base, &start, &end) > 0) { *out = start; return true; }
  }
  return false;
}

/* The address of a variable whose DW_AT_location (in `r`) is one DW_OP_addr or DW_OP_addrx. */
static inline bool rb_static_address(rb_attrs *r, uint64_t *out) {
  if (!rb_has(r, RB_LOCATION)) return false;
  Dwarf_Op *ops = NULL;
  size_t n = 0;
  if (dwarf_getlocation(&r->a[RB_LOCATION], &ops, &n) != 0 || n != 1) return false;
  if (ops[0].atom == DW_OP_addr) { *out = ops[0].number; return true; }
  if (ops[0].atom == DW_OP_addrx || ops[0].atom == DW_OP_GNU_addr_index) {
    Dwarf_Attribute res;
    Dwarf_Addr a = 0;
    if (dwarf_getlocation_attr(&r->a[RB_LOCATION], &ops[0], &res) == 0 && dwarf_formaddr(&res, &a) == 0) {
      *out = a;
      return true;
    }
  }
  return false;
}

/* One symbol of a libdwfl module's symbol table (.symtab, else .dynsym). */
typedef struct {
  const char *name;
  uint64_t address;   /* module address (adjusted), see above */
  uint64_t value;     /* st_value as in the file (section-relative in a relocatable object) */
  uint64_t size;
  int shndx;          /* section index, -1 for a symbol in a non-allocated section */
  unsigned char type; /* STT_* */
  unsigned char bind; /* STB_* */
} rb_symbol;

static inline bool rb_module_symbol(Dwfl_Module *mod, int i, rb_symbol *out) {
  GElf_Sym sym;
  GElf_Addr addr = 0;
  GElf_Word shndx = 0;
  const char *name = dwfl_module_getsym_info(mod, i, &sym, &addr, &shndx, NULL, NULL);
  if (name == NULL) return false;
  out->name = name;
  out->address = addr;
  out->value = sym.st_value;
  out->size = sym.st_size;
  out->shndx = shndx == (GElf_Word)-1 ? -1 : (int)shndx;
  out->type = GELF_ST_TYPE(sym.st_info);
  out->bind = GELF_ST_BIND(sym.st_info);
  return true;
}


/* Reads the `count` address-sized words at link-time address `start` (the __mcount_loc table of
 * a vmlinux, between __start_mcount_loc and __stop_mcount_loc) into `out`, in host order.
 * Returns the number read: 0 when no allocated PROGBITS section holds the whole range. */
static inline size_t rb_read_address_table(Elf *elf, uint64_t start, size_t count, uint64_t *out) {
  if (elf == NULL || count == 0) return 0;
  GElf_Ehdr eh;
  if (gelf_getehdr(elf, &eh) == NULL) return 0;
  size_t width = eh.e_ident[EI_CLASS] == ELFCLASS64 ? 8 : 4;
  bool big = eh.e_ident[EI_DATA] == ELFDATA2MSB;
  Elf_Scn *scn = NULL;
  while ((scn = elf_nextscn(elf, scn)) != NULL) {
    GElf_Shdr sh;
    if (gelf_getshdr(scn, &sh) == NULL || sh.sh_type != SHT_PROGBITS || (sh.sh_flags & SHF_ALLOC) == 0) continue;
    if (start < sh.sh_addr || start - sh.sh_addr > sh.sh_size) continue;
    uint64_t off = start - sh.sh_addr;
    if (count > (sh.sh_size - off) / width) return 0;
    Elf_Data *d = elf_rawdata(scn, NULL);
    if (d == NULL || d->d_buf == NULL || d->d_size < off + count * width) return 0;
    const unsigned char *p = (const unsigned char *)d->d_buf + off;
    for (size_t i = 0; i < count; i++) out[i] = rb_read_n(p + i * width, (int)width, big);
    return count;
  }
  return 0;
}

/* Bytes of an address in `elf` (4 or 8; 8 when unknown). */
static inline int rb_address_width(Elf *elf) {
  GElf_Ehdr eh;
  if (elf == NULL || gelf_getehdr(elf, &eh) == NULL) return 8;
  return eh.e_ident[EI_CLASS] == ELFCLASS32 ? 4 : 8;
}

/* Section `index` of `elf` (the one numbered so in symbols' st_shndx): name, sh_type, sh_addr,
 * sh_size; false when there is no such section. Sections are numbered 0..<rb_section_count. */
typedef struct {
  const char *name;
  uint32_t type;
  uint64_t address;
  uint64_t size;
} rb_section;

static inline size_t rb_section_count(Elf *elf) {
  size_t n = 0;
  if (elf == NULL || elf_getshdrnum(elf, &n) != 0) return 0;
  return n;
}

static inline bool rb_section_at(Elf *elf, size_t index, rb_section *out) {
  size_t strndx = 0;
  if (elf == NULL || elf_getshdrstrndx(elf, &strndx) != 0) return false;
  Elf_Scn *scn = elf_getscn(elf, index);
  GElf_Shdr sh;
  if (scn == NULL || gelf_getshdr(scn, &sh) == NULL) return false;
  out->name = elf_strptr(elf, strndx, sh.sh_name);
  out->type = sh.sh_type;
  out->address = sh.sh_addr;
  out->size = sh.sh_size;
  return true;
}

/* The ELF machine (e_machine) of `elf`; 0 when unknown. */
static inline unsigned rb_elf_machine(Elf *elf) {
  GElf_Ehdr eh;
  if (elf == NULL || gelf_getehdr(elf, &eh) == NULL) return 0;
  return eh.e_machine;
}

/* ---- Parameter locations, as pahole's DWARF loader reads them (dwarves master, dwarf_loader.c
 * parameter__decode_location / parameter__multi_exprs), for select-symbols' rules on where a
 * function's arguments are (Sources/TypeGraph/Model/FunctionFacts.swift). One formal parameter's
 * DW_AT_location gives the register it is in on entry: DW_OP_regN (or DW_OP_bregN with
 * DW_OP_stack_value) of the first location-list entry, or DW_OP_entry_value(DW_OP_regN) of any
 * entry; the first found wins. An expression of several operations is read one way for a value
 * of at most an address's size (its first operation) and another for a larger aggregate (the
 * first register of its pieces), so both answers are returned: which applies depends on the
 * parameter's type, which select-symbols knows and the walk does not. */
#define RB_REG_UNKNOWN 63

static inline void rb_set_reg(uint8_t *r, unsigned atom) {
  if (*r == RB_REG_UNKNOWN) *r = (uint8_t)(atom - DW_OP_reg0);
}

static inline bool rb_is_reg(unsigned atom) { return atom >= DW_OP_reg0 && atom <= DW_OP_reg31; }
static inline bool rb_is_breg(unsigned atom) { return atom >= DW_OP_breg0 && atom <= DW_OP_breg31; }
static inline bool rb_is_const_op(unsigned atom) {
  return (atom >= DW_OP_lit0 && atom <= DW_OP_lit31) || atom == DW_OP_constu || atom == DW_OP_consts;
}

/* Fills `small` (the register for a value of at most an address's size) and `large` (for a larger
 * aggregate): 0-31 for DW_OP_reg0-31, RB_REG_UNKNOWN when the location names no register; `second`
 * (when not NULL) the register of a later piece of the first entry that is not the first
 * piece's, RB_REG_UNKNOWN when there is none. */
static inline void rb_param_location(Dwarf_Attribute *attr, uint8_t *small, uint8_t *large, uint8_t *second) {
  *small = RB_REG_UNKNOWN;
  *large = RB_REG_UNKNOWN;
  if (second != NULL) *second = RB_REG_UNKNOWN;
  Dwarf_Addr base, start, end;
  Dwarf_Op *expr;
  size_t len;
  ptrdiff_t offset = 0;
  int entry = -1;
  /* The first register found wins, so the walk stops once both answers have one: libdw keeps
   * every expression it parses until the file is closed (Debian's vmlinux: +65 MB when every
   * entry of every parameter's list was read). */
  while ((*small == RB_REG_UNKNOWN || *large == RB_REG_UNKNOWN)
         && (offset = dwarf_getlocations(attr, offset, &base, &start, &end, &expr, &len)) > 0) {
    entry++;
    if (len == 0) continue;
    bool stack_value = expr[len - 1].atom == DW_OP_stack_value;
    if (len == 2 && stack_value) len--;
    unsigned first = expr[0].atom;
    if (len != 1) {
      if (rb_is_const_op(first)) continue;
      /* A small value: its first operation. */
      if (entry == 0) {
        if (rb_is_reg(first)) rb_set_reg(small, first);
        else if (rb_is_breg(first)) {
          for (size_t i = 1; i < len; i++)
            if (expr[i].atom == DW_OP_stack_value) { rb_set_reg(small, first - DW_OP_breg0 + DW_OP_reg0); break; }
        }
      }
      /* A larger aggregate: the first register among its pieces, in any entry. */
      for (size_t i = 0; i < len; i++)
        if (rb_is_reg(expr[i].atom)) { rb_set_reg(large, expr[i].atom); break; }
      /* The first entry's pieces: the register of a piece after the first that is not the
       * first piece's (Rust splits values over two registers; C passes a 9-16 byte aggregate's
       * second half in the next argument register). */
      if (entry == 0 && second != NULL) {
        uint64_t off = 0;
        unsigned first_reg = 0;
        for (size_t i = 0; i < len; i++) {
          unsigned atom = expr[i].atom;
          if (atom == DW_OP_piece) { off += expr[i].number; continue; }
          if (!rb_is_reg(atom)) continue;
          if (off == 0) { if (first_reg == 0) first_reg = atom; }
          else if (atom != first_reg) { rb_set_reg(second, atom); break; }
        }
      }
      continue;
    }
    if (rb_is_reg(first)) {
      if (entry == 0) { rb_set_reg(small, first); rb_set_reg(large, first); }
    } else if (rb_is_breg(first)) {
      if (entry == 0 && stack_value) {
        rb_set_reg(small, first - DW_OP_breg0 + DW_OP_reg0);
        rb_set_reg(large, first - DW_OP_breg0 + DW_OP_reg0);
      }
    } else if (first == DW_OP_entry_value || first == DW_OP_GNU_entry_value) {
      Dwarf_Attribute inner;
      Dwarf_Op *ops;
      size_t n;
      if (dwarf_getlocation_attr(attr, expr, &inner) == 0 && dwarf_getlocation(&inner, &ops, &n) == 0
          && n == 1 && rb_is_reg(ops[0].atom)) {
        rb_set_reg(small, ops[0].atom);
        rb_set_reg(large, ops[0].atom);
      }
    }
  }
}

/* rb_param_location on the DW_AT_location read into `r` (false when it has none). */
static inline bool rb_param_location_of(rb_attrs *r, uint8_t *small, uint8_t *large, uint8_t *second) {
  *small = RB_REG_UNKNOWN;
  *large = RB_REG_UNKNOWN;
  *second = RB_REG_UNKNOWN;
  if (!rb_has(r, RB_LOCATION)) return false;
  rb_param_location(&r->a[RB_LOCATION], small, large, second);
  return true;
}
