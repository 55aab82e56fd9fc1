/* rustbtf corpus: a mock out-of-tree module on distill_vmlinux.c's types (see distill_shared.h):
 * its own types embed, point at and copy the base's. */
#include "distill_shared.h"

struct my_priv {
	struct driver *drv;                /* pointer to a base struct */
	struct list_head link;             /* embedded base structs */
	const struct kobject kobj;
	union key keys[2];                 /* array of a base union */
	enum dev_state st;
	enum big_flags big;
	dev_id_t id;
	probe_fn probe;
	struct { short a, b; } own;        /* the module's own anonymous struct */
	struct opaque *handle;             /* a base FWD */
	float gain;                        /* a base FLOAT */
};

struct my_priv my_dev;

int my_probe(struct device *dev, void *data)
{
	my_dev.probe = my_probe;
	return dev != 0 && data != 0;
}
