/* The second unit of c_abi-O2.elf (see c_abi_a.c). */
#include "c_abi.h"

volatile int sink;

static __attribute__((noinline)) int abi_helper(int x)
{
	sink -= x;
	return x * 5;
}

static inline long abi_probe(long x, long y)
{
	return x * y + sink;
}

int abi_entry_b(int n)
{
	return abi_helper(n) + (int)abi_probe(n, n + 1);
}

int main(void)
{
	return abi_entry_a(sink) + abi_entry_b(sink);
}
