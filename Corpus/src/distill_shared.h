/* rustbtf corpus: the types a mock vmlinux (distill_vmlinux.c) defines and a mock out-of-tree
 * module (distill_module.c) uses, for distilled base BTF (.BTF.base): a module built on one
 * vmlinux's BTF and relocated onto another's. DISTILL_V2 is a later kernel whose types moved
 * and grew where a module only points at them; DISTILL_V3 also grows a struct the module
 * embeds, which relocation must refuse. */
#include <stdint.h>
#include <stdbool.h>

#ifdef DISTILL_V2
struct added_first { long a; };         /* more types before: every id moves */
extern struct added_first vm_added;
#endif

struct list_head { struct list_head *next, *prev; };
enum dev_state { DEV_OFF, DEV_ON, DEV_BROKEN = -1 };
enum big_flags { BIG_LOW = 1, BIG_HIGH = 1ULL << 40 };   /* ENUM64 */
typedef uint32_t dev_id_t;
struct device;                         /* defined in vmlinux; the module only points at it */
struct opaque;                         /* defined nowhere: a FWD in both */
union key { uint64_t raw; struct { uint32_t lo, hi; } parts; };
struct kobject {
	const char *name;
	struct list_head entry;
	struct kobject *parent;
	union key key;
#ifdef DISTILL_V3
	long grown;                        /* embedded by the module: relocation must refuse */
#endif
};
typedef int (*probe_fn)(struct device *dev, void *data);
struct driver {
	const char *name;
	struct kobject kobj;               /* embedded: its size must match on relocation */
	probe_fn probe;
	enum dev_state state;
	enum big_flags flags;
	struct { int refs; bool live; } stats;   /* anonymous: copied whole into the split */
	dev_id_t ids[4];
	float scale;
	const volatile unsigned long *counter;
	struct device *dev;                /* a pointer: its size may change */
	struct opaque *cookie;
#ifdef DISTILL_V2
	int added_last;                    /* the module only points at struct driver */
#endif
};
