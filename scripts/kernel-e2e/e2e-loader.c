/* e2e-loader: static libbpf 1.1 loader for the guest tests (busybox initramfs, no CONFIG_NET).
 * Prints one "E2E-T: <name> ok|fail <details>" line per test, preceded by the libbpf lines
 * that explain it (CO-RE relocations with their resolved offsets, BTF lookups, errors).
 *
 *   e2e-loader fentry NAME OBJ TARGET [fire]
 *       set TARGET (a FUNC name in vmlinux or module BTF) as the attach target of OBJ's first
 *       program, load, attach. ok = loaded (and, with "fire", attached and ran on getpid()).
 *   e2e-loader kprobe SYM TRIGGER NAME=OBJ...
 *       load every OBJ and kprobe its first program on SYM, run TRIGGER (sh -c), then check each
 *       program's results map: ran once, len 3, values 72 108 200 (rust_minimal's numbers).
 *   e2e-loader kprobe-io NAME OBJ SYM TRIGGER
 *       rnull's request path: load OBJ, kprobe its first program on SYM, run TRIGGER (I/O on
 *       /dev/rnullb0). ok = it ran, saw read and write requests (op 0 and 1 of the cmd_flags
 *       it read through the Rust Request) and no other op value.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "e2e.h"

static char first_err[512];	/* first libbpf warning since the last reset: the test's reason */

static int print_cb(enum libbpf_print_level lvl, const char *fmt, va_list ap)
{
	static char buf[256 * 1024];	/* a verifier log arrives as one multi-line message */
	char *line, *save = NULL;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	/* Debug output is long; keep what shows BTF lookups and CO-RE decisions. */
	if (lvl == LIBBPF_DEBUG && (!strncmp(buf, "libbpf: elf:", 12) ||
	    !strncmp(buf, "libbpf: sec '", 13) ||	/* map relocations */
	    (!strstr(buf, "relo #") && !strstr(buf, "CO-RE") && !strstr(buf, "BTF") &&
	     !strstr(buf, "attach") && !strstr(buf, "candidate"))))
		return 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		/* the reason to repeat on the E2E-T line: libbpf's first warning, or better the
		 * verifier-log line naming the CO-RE relocation that found no target */
		if ((lvl == LIBBPF_WARN && !first_err[0]) ||
		    !strncmp(line, "failed to resolve CO-RE relocation", 34))
			snprintf(first_err, sizeof(first_err), "%.500s", line);
		printf("  %s\n", line);
	}
	return 0;
}

/* "-16 (Device or resource busy)" from a libbpf-style negative error code */
static const char *errstr(int err)
{
	static char buf[8][96];
	static int n;
	char *b = buf[n++ % 8];

	snprintf(b, 96, "%d(%s)", err, strerror(err < 0 ? -err : err));
	for (char *c = b; *c; c++)	/* keep details one token per key */
		if (*c == ' ')
			*c = '_';
	return b;
}

static struct bpf_program *first_prog(struct bpf_object *obj)
{
	return bpf_object__next_program(obj, NULL);
}

static __u64 slot(struct bpf_object *obj, __u32 i)
{
	__u64 v = 0;

	bpf_map_lookup_elem(bpf_map__fd(bpf_object__find_map_by_name(obj, "results")), &i, &v);
	return v;
}

/* Which kernel BTF object and type id the loaded program is attached to (from the kernel). */
static void describe_attach_btf(struct bpf_program *prog, char *out, size_t n)
{
	struct bpf_prog_info pi = {};
	struct bpf_btf_info bi = {};
	char name[64] = "?";
	__u32 len = sizeof(pi);
	int fd;

	snprintf(out, n, "attach_btf=?");
	if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &pi, &len))
		return;
	fd = bpf_btf_get_fd_by_id(pi.attach_btf_obj_id);
	if (fd >= 0) {
		len = sizeof(bi);
		bi.name = (unsigned long)name;
		bi.name_len = sizeof(name);
		bpf_obj_get_info_by_fd(fd, &bi, &len);
		close(fd);
	}
	snprintf(out, n, "attach_btf=%s(obj_id=%u) func_id=%u", name, pi.attach_btf_obj_id,
		 pi.attach_btf_id);
}

/* Is SYM patchable by ftrace (a __fentry__ call site)? BPF trampolines attach through that
 * site; without it the kernel only text-pokes vmlinux code and refuses module code (EINVAL). */
static const char *ftrace_site(const char *sym)
{
	FILE *f = fopen("/sys/kernel/tracing/available_filter_functions", "r");
	size_t n = strlen(sym);
	char line[1024];
	const char *r = "no";

	if (!f)
		return "unknown(no_tracefs)";
	while (fgets(line, sizeof(line), f))	/* "name" or "name [module]" */
		if (!strncmp(line, sym, n) && (line[n] == '\n' || line[n] == ' ')) {
			r = "yes";
			break;
		}
	fclose(f);
	return r;
}

static int do_fentry(int argc, char **argv)
{
	const char *name = argv[2], *path = argv[3], *target = argv[4];
	int fire = argc > 5 && !strcmp(argv[5], "fire");
	char where[160] = "", attach[64] = "not_tried", load[64] = "not_tried";
	struct bpf_link *link = NULL;
	struct bpf_program *prog;
	struct bpf_object *obj;
	__u64 hits = 0;
	int err, ok;

	printf("=== %s: fentry %s on %s\n", name, path, target);
	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		printf("E2E-T: %s fail open=%s\n", name, errstr(-errno));
		return 1;
	}
	prog = first_prog(obj);
	/* libbpf looks TARGET up as a FUNC in vmlinux's BTF, then in every module's BTF */
	err = bpf_program__set_attach_target(prog, 0, target);
	if (err) {
		/* libbpf 1.1 says nothing here; -ESRCH = no FUNC of that name in any kernel BTF */
		printf("E2E-T: %s fail btf_func_lookup=%s%s load=not_tried ftrace_site=%s target=%s"
		       " %s\n", name, errstr(err),
		       err == -ESRCH ? "(no_such_FUNC_in_vmlinux_or_module_BTF)" : "",
		       ftrace_site(target), target, first_err);
		return 1;
	}
	err = bpf_object__load(obj);
	snprintf(load, sizeof(load), "%s", err ? errstr(err) : "ok");
	if (!err) {
		describe_attach_btf(prog, where, sizeof(where));
		if (fire) {
			__u32 k = R_PID;
			__u64 pid = getpid();

			bpf_map_update_elem(bpf_map__fd(bpf_object__find_map_by_name(obj, "results")),
					    &k, &pid, BPF_ANY);
		}
		link = bpf_program__attach_trace(prog);
		err = link ? 0 : -errno;
		snprintf(attach, sizeof(attach), "%s", err ? errstr(err) : "ok");
		if (link && fire) {
			for (int i = 0; i < 3; i++)
				syscall(SYS_getpid);	/* bypass any libc caching */
			hits = slot(obj, R_HITS);
		}
	}
	if (fire)
		ok = link && hits >= 3;
	else
		ok = !strcmp(load, "ok");	/* attach refusal is the expected, reported outcome */
	printf("E2E-T: %s %s btf_func_lookup=ok load=%s attach=%s", name, ok ? "ok" : "fail", load,
	       attach);
	if (fire && link)
		printf(" getpid_calls=3 runs=%llu", (unsigned long long)hits);
	printf(" ftrace_site=%s target=%s %s%s%s\n", ftrace_site(target), target, where,
	       ok ? "" : " ", ok ? "" : first_err);
	bpf_link__destroy(link);
	bpf_object__close(obj);
	return !ok;
}

struct kp {
	const char *name, *path;
	struct bpf_object *obj;
	struct bpf_link *link;
	char load[64], attach[64], err[512];
};

static int do_kprobe(int argc, char **argv)
{
	const char *sym = argv[2], *trigger = argv[3];
	int n = argc - 4, fails = 0, rc;
	struct kp kp[8] = {};

	if (n < 1 || n > 8)
		return fprintf(stderr, "kprobe: 1..8 NAME=OBJ\n"), 2;
	for (int i = 0; i < n; i++) {
		struct kp *k = &kp[i];
		char *eq = strchr(argv[4 + i], '=');
		int err;

		if (!eq)
			return fprintf(stderr, "bad NAME=OBJ: %s\n", argv[4 + i]), 2;
		*eq = 0;
		k->name = argv[4 + i];
		k->path = eq + 1;
		strcpy(k->attach, "not_tried");
		first_err[0] = 0;
		printf("=== %s: kprobe %s on %s\n", k->name, k->path, sym);
		k->obj = bpf_object__open_file(k->path, NULL);
		err = k->obj ? bpf_object__load(k->obj) : -errno;
		snprintf(k->load, sizeof(k->load), "%s", err ? errstr(err) : "ok");
		if (!err) {
			k->link = bpf_program__attach_kprobe(first_prog(k->obj), false, sym);
			snprintf(k->attach, sizeof(k->attach), "%s", k->link ? "ok" : errstr(-errno));
		}
		snprintf(k->err, sizeof(k->err), "%s", first_err);
	}
	fflush(stdout);
	rc = system(trigger);
	printf("=== trigger '%s' exit=%d\n", trigger, rc);
	for (int i = 0; i < n; i++) {
		struct kp *k = &kp[i];
		__u64 hits = 0, len = 0, v[3] = {};
		int ok = 0;

		if (k->link) {
			hits = slot(k->obj, R_HITS);
			len = slot(k->obj, R_LEN);
			for (int j = 0; j < 3; j++)
				v[j] = slot(k->obj, R_V0 + j);
			ok = hits == 1 && len == 3 && v[0] == 72 && v[1] == 108 && v[2] == 200 &&
			     slot(k->obj, R_SELF) != 0;
			printf("E2E-T: %s %s hits=%llu len=%llu values=%lld,%lld,%lld off_numbers=%llu"
			       " off_len=%llu off_ptr=%llu\n", k->name, ok ? "ok" : "fail",
			       (unsigned long long)hits, (unsigned long long)len, (long long)v[0],
			       (long long)v[1], (long long)v[2],
			       (unsigned long long)slot(k->obj, R_OFF_NUMBERS),
			       (unsigned long long)slot(k->obj, R_OFF_LEN),
			       (unsigned long long)slot(k->obj, R_OFF_PTR));
		} else {
			printf("E2E-T: %s fail load=%s attach=%s %s\n", k->name, k->load, k->attach,
			       k->err);
		}
		fails += !ok;
		bpf_link__destroy(k->link);
		bpf_object__close(k->obj);
	}
	return fails != 0;
}

static int do_kprobe_io(int argc, char **argv)
{
	const char *name = argv[2], *path = argv[3], *sym = argv[4], *trigger = argv[5];
	char load[64] = "not_tried", attach[64] = "not_tried";
	struct bpf_link *link = NULL;
	struct bpf_object *obj;
	__u64 hits = 0, rd = 0, wr = 0, other = 0;
	int err, ok = 0, rc = -1;

	first_err[0] = 0;
	printf("=== %s: kprobe %s on %s\n", name, path, sym);
	obj = bpf_object__open_file(path, NULL);
	err = obj ? bpf_object__load(obj) : -errno;
	snprintf(load, sizeof(load), "%s", err ? errstr(err) : "ok");
	if (!err) {
		link = bpf_program__attach_kprobe(first_prog(obj), false, sym);
		snprintf(attach, sizeof(attach), "%s", link ? "ok" : errstr(-errno));
	}
	if (link) {
		fflush(stdout);
		rc = system(trigger);
		printf("=== trigger '%s' exit=%d\n", trigger, rc);
		hits = slot(obj, R_HITS);
		rd = slot(obj, R_READS);
		wr = slot(obj, R_WRITES);
		other = slot(obj, R_OTHER_OPS);
		ok = rc == 0 && rd > 0 && wr > 0 && other == 0 && hits == rd + wr &&
		     slot(obj, R_SELF) != 0;
	}
	printf("E2E-T: %s %s load=%s attach=%s", name, ok ? "ok" : "fail", load, attach);
	if (link)
		printf(" trigger_rc=%d requests=%llu read(op 0)=%llu write(op 1)=%llu other_ops=%llu"
		       " last_cmd_flags=0x%llx off_cmd_flags=%llu", rc, (unsigned long long)hits,
		       (unsigned long long)rd, (unsigned long long)wr, (unsigned long long)other,
		       (unsigned long long)slot(obj, R_LAST_FLAGS),
		       (unsigned long long)slot(obj, R_OFF_FLAGS));
	printf("%s%s\n", ok ? "" : " ", ok ? "" : first_err);
	bpf_link__destroy(link);
	bpf_object__close(obj);
	return !ok;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	libbpf_set_print(print_cb);
	if (argc >= 5 && !strcmp(argv[1], "fentry"))
		return do_fentry(argc, argv);
	if (argc >= 5 && !strcmp(argv[1], "kprobe"))
		return do_kprobe(argc, argv);
	if (argc == 6 && !strcmp(argv[1], "kprobe-io"))
		return do_kprobe_io(argc, argv);
	fprintf(stderr, "usage: %s fentry NAME OBJ TARGET [fire] | kprobe SYM TRIGGER NAME=OBJ..."
		" | kprobe-io NAME OBJ SYM TRIGGER\n",
		argv[0]);
	return 2;
}
