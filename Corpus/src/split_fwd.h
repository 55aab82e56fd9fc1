/* rustbtf corpus: a base (vmlinux) that only declares struct foo, and a module that defines it
 * (issue 22 item 8: Debian's vmlinux declares struct ib_mad, mlx4_core.ko defines it). struct
 * bar reaches foo through a pointer; struct ops reaches bar, as ib_device_ops reaches ib_mad. */
struct foo;
struct bar {
	struct foo *f;
	int x;
};
struct ops {
	struct bar *b;
	int (*handle)(struct bar *, int);
	int (*check)(const struct foo *);
	struct ops *next;
};
