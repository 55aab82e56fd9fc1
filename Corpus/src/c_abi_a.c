/* Functions whose DWARF prototype and the way they are called part ways, for select-symbols'
 * location rules (pahole master's function rules). Linked with c_abi_b.c into c_abi-O2.elf. */
#include "c_abi.h"

/* A struct too big for registers is returned through a hidden pointer in %rdi, so `level`
 * arrives in %rsi: its DWARF location is not the register of its slot (unexpected register). */
__attribute__((noinline)) struct params abi_get_params(int level, int window)
{
	struct params p = { level, window, level * window, level + window, 7, 8 };
	sink = p.c;
	return p;
}

/* `unused` is never read: GCC's IPA-SRA makes abi_scale.isra.0 without it, and the clone's
 * DWARF gives the removed parameter no location (optimized parameters). */
static __attribute__((noinline)) long abi_scale(struct params *p, long unused, long factor)
{
	return p->a * factor + p->b;
}

/* The same static name as in c_abi_b.c, at another address (ambiguous address). */
static __attribute__((noinline)) int abi_helper(int x)
{
	sink += x;
	return x * 3;
}

/* A global function of a name that c_abi_b.c also gives a static inline function of another
 * prototype, inlined there (inconsistent prototypes). */
__attribute__((noinline)) int abi_probe(int x)
{
	sink ^= x;
	return x + 1;
}

/* A plain function: every rule lets it through. */
__attribute__((noinline)) long abi_plain(long a, long b)
{
	sink += a;
	return a - b;
}

int abi_entry_a(int n)
{
	struct params p = abi_get_params(n, n + 1);
	return (int)abi_scale(&p, n, 3) + (int)abi_scale(&p, n + 2, 5) + abi_helper(n) + abi_probe(n)
	       + (int)abi_plain(n, 2);
}
