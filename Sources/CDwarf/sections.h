/* ---- An ELF section by name (included by abbrevs.h, so by shim.h). ---------------------------- */
#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* The section named `name` of `elf`: its index, sh_addr and sh_size; false when absent. */
static inline bool rb_section_by_name(Elf *elf, const char *name, size_t *index, uint64_t *addr, uint64_t *size) {
  size_t strndx = 0;
  if (elf == NULL || elf_getshdrstrndx(elf, &strndx) != 0) return false;
  Elf_Scn *scn = NULL;
  while ((scn = elf_nextscn(elf, scn)) != NULL) {
    GElf_Shdr sh;
    if (gelf_getshdr(scn, &sh) == NULL) continue;
    const char *n = elf_strptr(elf, strndx, sh.sh_name);
    if (n != NULL && strcmp(n, name) == 0) {
      *index = elf_ndxscn(scn);
      *addr = sh.sh_addr;
      *size = sh.sh_size;
      return true;
    }
  }
  return false;
}
