/* rustbtf corpus: unit 1 of the split_fwd module, which defines struct foo (see split_fwd.h). */
#include "split_fwd.h"

struct foo {
	int id;
	struct bar *owner;
};

__attribute__((noinline)) int mod_a_foo_id(struct bar *b) { return b->f ? b->f->id : b->x; }

int mod_a_handle(struct ops *o, struct foo *f) { return o->handle(f->owner, f->id); }
