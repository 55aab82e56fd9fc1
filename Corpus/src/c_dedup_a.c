/* rustbtf corpus: CU 1 of 2 sharing struct shared_cfg. */
#include "c_shared.h"

extern int dedup_b_check(const shared_cfg_t *c);
static int validate_a(const struct shared_cfg *c) { return c->version > 0; }

struct shared_cfg cfg_a = { 1, 2, "a", 0, validate_a };

int main(void)
{
	return dedup_b_check(&cfg_a) + cfg_a.validate(&cfg_a);
}
