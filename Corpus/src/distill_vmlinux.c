/* rustbtf corpus: a mock vmlinux for distilled base BTF (see distill_shared.h). */
#include "distill_shared.h"

struct device {
	int id;
	char name[16];
#ifdef DISTILL_V2
	void *added;
#endif
};

#ifdef DISTILL_V2
struct added_first vm_added;
#endif
struct driver vm_driver;
struct device vm_device;
struct opaque *vm_opaque;

int vm_register(struct driver *drv, struct device *dev)
{
	drv->dev = dev;
	return drv->probe ? drv->probe(dev, &vm_opaque) : 0;
}
