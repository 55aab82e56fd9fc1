/* rustbtf corpus: unit 1 of the split_fwd module, which defines struct foo (see split_fwd.h). */
#include "split_fwd.h"

struct foo {
	int id;
	struct bar *owner;
};

__attribute__((noinline)) int mod_a_foo_id(struct bar *b) { return b->f ? b->f->id : b->x; }

int mod_a_handle(struct ops *o, struct foo *f) { return o->handle(f->owner, f->id); }

/* Holds the module's const struct foo by value: vmlinux's `const struct foo` refers to its
 * declaration, which has no size, so this needs the module's own (ib_uverbs.ko's arrays of
 * const struct uapi_definition). */
struct baz {
	const struct foo f;
	int n;
};

int mod_a_baz(struct baz *z) { return z->f.id + z->n; }
