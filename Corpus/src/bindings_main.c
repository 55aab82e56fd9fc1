/* rustbtf corpus: C half of the bindings miniature (see bindings.rs): the C types bindgen's
 * copies mirror. */
#include <stdint.h>

struct list_head {
	struct list_head *next, *prev;
};

struct inode_like {
	struct list_head i_list;
	uint32_t type;
	union {
		uint32_t i_count;
		uint8_t i_bytes[4];
	};
	uint64_t i_size;
};

struct flags_like {
	uint8_t dirty : 1, locked : 1, spare : 6;
	uint8_t mode;
	uint16_t pad;
};

extern uint64_t rust_inode_size(const struct inode_like *i);
extern _Bool rust_list_is_empty(const struct list_head *h);
extern uint8_t rust_flags_mode(const struct flags_like *f);

struct inode_like root_inode;
struct flags_like root_flags;

int main(void)
{
	root_inode.i_list.next = root_inode.i_list.prev = &root_inode.i_list;
	root_inode.i_size = 4096;
	root_flags.mode = 3;
	return (int)(rust_inode_size(&root_inode) + rust_list_is_empty(&root_inode.i_list) +
		     rust_flags_mode(&root_flags)) & 0x7f;
}
