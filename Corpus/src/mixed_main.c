/* rustbtf corpus: C half of the mixed C+Rust executable. */
#include <stdint.h>
#include <stddef.h>

struct Packet {            /* same layout as Rust's #[repr(C)] Packet */
	uint16_t len;
	uint8_t kind;
	uint8_t flags;
	uint8_t payload[12];
};

extern int32_t rust_filter(const struct Packet *p);
extern uint64_t rust_sum(const uint32_t *xs, size_t n);

struct Packet last_packet;

int main(int argc, char **argv)
{
	(void)argv;
	uint32_t xs[4] = { 1, 2, 3, (uint32_t)argc };
	struct Packet p = { .len = 20, .kind = (uint8_t)argc, .flags = 1 };
	last_packet = p;
	return (int)(rust_filter(&p) + (int32_t)rust_sum(xs, 4)) & 0x7f;
}
