/* rustbtf corpus: a struct declared in two CUs of one executable (for dedup). */
#include <stdint.h>
struct shared_cfg {
	uint32_t version;
	uint16_t flags;
	const char *name;
	struct shared_cfg *next;
	int (*validate)(const struct shared_cfg *);
};
typedef struct shared_cfg shared_cfg_t;
