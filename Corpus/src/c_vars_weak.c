/* Linked with c_vars.c into c_vars-O*.elf: a weak definition the strong one in c_vars.c
 * overrides. The linker resolves this unit's DW_OP_addr to the strong symbol, so two DWARF
 * variables name one address (as kernel/bpf/core.c's weak bpf_*_proto in a vmlinux): one
 * DATASEC entry, not two (the kernel refuses overlapping entries). */
struct pair { int a, b; };
__attribute__((weak)) struct pair g_overridden = { 0, 0 };

int weak_user(void) { return g_overridden.a; }
