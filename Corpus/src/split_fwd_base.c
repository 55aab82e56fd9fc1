/* rustbtf corpus: the base of the split_fwd pair (see split_fwd.h); struct foo stays declared. */
#include "split_fwd.h"

__attribute__((noinline)) int base_handle(struct bar *b, int n) { return b->x + n; }

struct ops base_ops = { 0, base_handle, 0, 0 };

__attribute__((noinline)) int base_run(struct ops *o, struct bar *b) { return o->handle(b, b->x); }

int main(void)
{
	struct bar b = { 0, 1 };
	return base_run(&base_ops, &b);
}
