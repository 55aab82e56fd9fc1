/* rustbtf corpus: C functions: function pointers, varargs, static functions, qualifiers. */
#include <stdarg.h>
#include <stdint.h>
#include <stddef.h>

typedef int (*binop_t)(int, int);
typedef void (*callback_t)(void *ctx, const char *msg);
typedef uint64_t (*fancy_t)(const volatile uint32_t *restrict p, size_t n, ...);

struct ops {
	binop_t add;
	int (*sub)(int a, int b);
	void (*log)(void *ctx, const char *fmt, ...);
	callback_t on_done;
	int (*(*pick)(int which))(int, int); /* pointer to function returning fn pointer */
	void (*table[3])(void);
};

static int do_add(int a, int b) { return a + b; }
static int do_sub(int a, int b) { return a - b; }
static void do_log(void *ctx, const char *fmt, ...) { (void)ctx; (void)fmt; }
static void do_done(void *ctx, const char *msg) { (void)ctx; (void)msg; }
static void nop(void) {}
static binop_t do_pick(int which) { return which ? do_add : do_sub; }

__attribute__((noinline)) long sum_ints(int count, ...)
{
	va_list ap;
	long total = 0;
	va_start(ap, count);
	for (int i = 0; i < count; i++)
		total += va_arg(ap, int);
	va_end(ap);
	return total;
}

__attribute__((noinline)) uint64_t read_regs(const volatile uint32_t *restrict p, size_t n, ...)
{
	uint64_t s = 0;
	for (size_t i = 0; i < n; i++)
		s += p[i];
	return s;
}

__attribute__((noinline)) void copy_bytes(unsigned char *restrict dst, const unsigned char *restrict src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = src[i];
}

__attribute__((noinline)) static int apply(binop_t f, int a, int b) { return f(a, b); }

__attribute__((noinline)) void take_array(int rows, int cols, int m[rows][cols]) { m[0][0] = rows * cols; }

__attribute__((noinline)) const char *noreturn_free(const char *const *names, unsigned idx) { return names[idx]; }

void no_args(void) {}

struct ops g_ops = { do_add, do_sub, do_log, do_done, do_pick, { nop, nop, nop } };
fancy_t g_fancy = read_regs;
static int s_call_count;

int main(int argc, char **argv)
{
	volatile uint32_t regs[4] = { 1, 2, 3, 4 };
	unsigned char buf[8], src[8] = "abcdefg";
	int m[2][3];
	const char *names[] = { "a", "b" };
	copy_bytes(buf, src, sizeof buf);
	take_array(2, 3, m);
	s_call_count++;
	g_ops.table[argc % 3]();
	g_ops.log(0, "x", 1);
	g_ops.on_done(0, "done");
	no_args();
	return (int)(sum_ints(3, 1, 2, argc) + apply(g_ops.add, 1, 2) + g_ops.pick(argc)(3, 4) + g_fancy(regs, 4)
		     + buf[2] + m[0][0] + noreturn_free(names, 1)[0] + (argv != 0) + s_call_count) & 0x7f;
}
