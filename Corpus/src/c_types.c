/* rustbtf corpus: C type constructs (our own code). */
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

enum color { RED, GREEN = 5, BLUE };
enum neg_vals { NEG_BIG = -100000, NEG_ONE = -1, NEG_ZERO = 0, NEG_POS = 7 };
enum wide_vals { WIDE_SMALL = 1, WIDE_BIG = 0x100000000ULL, WIDE_TOP = 0x8000000000000000ULL };
enum signed64 { S64_MIN = -0x7fffffffffffffffLL - 1, S64_MAX = 0x7fffffffffffffffLL };

/* Bit fields: crossing bytes, signed, unsigned, bool, enum. */
struct flags {
	unsigned int a : 3;
	unsigned int b : 7;          /* crosses a byte boundary */
	signed int s : 5;
	_Bool on : 1;
	enum color col : 4;
	unsigned long long wide : 40; /* crosses 32-bit boundary */
	unsigned char tail : 2;
	int : 0;                      /* unnamed zero-width */
	unsigned short after;
};

/* Anonymous struct/union members. */
struct packet {
	int kind;
	union {
		struct { uint16_t port; uint16_t proto; };
		uint32_t raw;
	};
	struct {
		uint8_t ttl;
		uint8_t tos;
	} hdr;
	union {
		float f;
		int32_t i;
	};
};

/* Flexible array member. */
struct blob {
	uint32_t len;
	uint16_t kind;
	uint8_t data[];
};

/* Typedef chains. */
struct point { int x, y; };
typedef struct point point_t;
typedef point_t pos_t;
typedef const pos_t cpos_t;
typedef uint64_t my_u64;
typedef my_u64 counter_t;

/* Qualifiers. */
struct qualified {
	const int ci;
	volatile uint32_t vreg;
	const volatile uint64_t *cvp;
	int *const pc;
	const char *restrict name;
	volatile struct point *vp;
	const volatile int *const volatile cvcv;
};

/* Forward-declared only. */
struct opaque_handle;
struct user_of_opaque {
	struct opaque_handle *h;
	struct opaque_handle **hh;
	union never_defined *u;
};

/* Unions. */
union value {
	int64_t i;
	double d;
	char s[8];
	struct point p;
};

/* Recursive struct (linked list). */
struct node {
	int value;
	struct node *next;
	struct node *prev;
	struct { struct node *first; } head;
};

/* Multi-dimensional arrays and the odd base types. */
struct numbers {
	_Bool b;
	long double ld;
	__int128 i128;
	unsigned __int128 u128;
	float f;
	double d;
	char c;
	signed char sc;
	unsigned char uc;
	short sh;
	long l;
	long long ll;
	wchar_t wc;
	int grid[3][4];
	char cube[2][3][4];
	struct point pts[2][2];
	int zero[0];
};

/* Globals, statics, named sections. */
struct flags g_flags = { .a = 5, .b = 100, .s = -3, .on = 1, .col = BLUE, .wide = 0xffffffffffULL };
struct packet g_packet;
struct user_of_opaque g_opaque_user;
union value g_value = { .d = 1.5 };
struct node g_nodes[3];
struct numbers g_numbers = { .ld = 3.25L, .i128 = -5 };
pos_t g_pos = { 1, 2 };
cpos_t g_cpos = { 3, 4 };
counter_t g_counter;
static struct qualified s_qualified = { .ci = 1 };
static volatile int s_volatile_counter;
const char *const g_const_name = "c_types";
enum neg_vals g_neg = NEG_BIG;
enum wide_vals g_wide = WIDE_TOP;
enum signed64 g_s64 = S64_MIN;
_Bool g_bool = 1;
long double g_ld = 2.0L;
__int128 g_i128;
int g_matrix[4][5][6];
__attribute__((section(".data.custom"))) struct point g_custom_point = { 7, 8 };
__attribute__((section(".data.custom"))) int g_custom_int = 9;
__attribute__((section(".rodata.custom"))) const uint32_t g_custom_ro[2] = { 1, 2 };

static struct blob *make_blob(void *mem, uint32_t n)
{
	struct blob *b = mem;
	b->len = n;
	for (uint32_t i = 0; i < n; i++)
		b->data[i] = (uint8_t)i;
	return b;
}

__attribute__((noinline)) int list_len(const struct node *n)
{
	int c = 0;
	for (; n; n = n->next)
		c++;
	return c;
}

int main(void)
{
	static uint8_t mem[64];
	struct blob *b = make_blob(mem, 8);
	g_nodes[0].next = &g_nodes[1];
	g_nodes[1].next = &g_nodes[2];
	s_volatile_counter++;
	g_packet.port = 80;
	return list_len(&g_nodes[0]) + b->data[3] + g_flags.b + s_qualified.ci + (int)g_numbers.ld
	       + g_custom_point.x + g_custom_int + (int)g_custom_ro[1] + g_matrix[1][2][3]
	       + (g_opaque_user.h != 0) + g_pos.x + g_cpos.y + (int)g_counter + (int)g_i128 + g_bool;
}
