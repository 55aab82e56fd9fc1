/* rustbtf corpus: CU 2 of 2 sharing struct shared_cfg (plus a CU-local struct). */
#include "c_shared.h"

struct only_in_b { int x; shared_cfg_t *cfg; };
struct only_in_b local_b;

shared_cfg_t cfg_b = { 2, 0, "b", 0, 0 };

__attribute__((noinline)) int dedup_b_check(const shared_cfg_t *c)
{
	local_b.cfg = &cfg_b;
	cfg_b.next = (struct shared_cfg *)c;
	return (int)c->flags + local_b.x;
}
