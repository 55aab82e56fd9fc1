/* rustbtf corpus: unit 2 of the split_fwd module, which only declares struct foo. */
#include "split_fwd.h"

extern int mod_a_foo_id(struct bar *b);

int mod_b_run(struct ops *o) { return o->handle(o->b, mod_a_foo_id(o->b)); }
