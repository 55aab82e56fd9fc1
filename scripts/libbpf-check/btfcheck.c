// btfcheck: libbpf's own view of rustbtf's distilled base and kind layout output, for
// scripts/check-libbpf.sh (built there against a libbpf of at least 1.5; 1.8 for layout).
//   btfcheck distill BASE SPLIT OUT_BASE OUT_SPLIT   btf__distill_base of SPLIT (raw, on BASE)
//   btfcheck relocate DIST SPLIT TARGET OUT          btf__relocate of SPLIT (on DIST) onto TARGET
//   btfcheck parse FILE                              btf__parse_raw: prints the header and the type
//                                                    count; exit 1 unless libbpf writes FILE back
//                                                    byte for byte (btf__raw_data)
// Raw outputs get the 24-byte header when they have no layout section (libbpf 1.8 writes 32
// bytes, the last 8 zero), so they compare with rustbtf's and pahole 1.31's.
#include <bpf/btf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/btf.h>

static void *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) { perror(path); exit(2); }
	fseek(f, 0, SEEK_END);
	*len = ftell(f);
	rewind(f);
	void *p = malloc(*len ? *len : 1);
	if (fread(p, 1, *len, f) != *len) { perror(path); exit(2); }
	fclose(f);
	return p;
}

static struct btf *parse(const char *path, struct btf *base)
{
	struct btf *btf = base ? btf__parse_raw_split(path, base) : btf__parse_raw(path);
	if (!btf) { fprintf(stderr, "%s: libbpf cannot parse it: %s\n", path, strerror(errno)); exit(1); }
	return btf;
}

static void write_raw(struct btf *btf, const char *path)
{
	__u32 size;
	const unsigned char *raw = btf__raw_data(btf, &size);
	if (!raw) { fprintf(stderr, "btf__raw_data failed\n"); exit(1); }
	struct btf_header h;
	memset(&h, 0, sizeof(h));
	memcpy(&h, raw, size < sizeof(h) ? size : sizeof(h));
	FILE *f = fopen(path, "wb");
	if (!f) { perror(path); exit(2); }
	if (h.hdr_len > 24 && h.hdr_len <= sizeof(h) && h.layout_len == 0) {
		h.hdr_len = 24;
		fwrite(&h, 1, 24, f);
		fwrite(raw + sizeof(h), 1, size - sizeof(h), f);
	} else {
		fwrite(raw, 1, size, f);
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	if (argc == 6 && !strcmp(argv[1], "distill")) {
		struct btf *base = parse(argv[2], NULL), *split = parse(argv[3], base), *nb, *ns;
		if (btf__distill_base(split, &nb, &ns)) { fprintf(stderr, "btf__distill_base: %s\n", strerror(errno)); return 1; }
		write_raw(nb, argv[4]);
		write_raw(ns, argv[5]);
		printf("distilled: %u base types, %u split types\n", btf__type_cnt(nb) - 1, btf__type_cnt(ns) - btf__type_cnt(nb));
		return 0;
	}
	if (argc == 6 && !strcmp(argv[1], "relocate")) {
		struct btf *dist = parse(argv[2], NULL), *split = parse(argv[3], dist), *target = parse(argv[4], NULL);
		if (btf__relocate(split, target)) { fprintf(stderr, "btf__relocate: %s\n", strerror(errno)); return 1; }
		write_raw(split, argv[5]);
		printf("relocated: %u split types onto %u base types\n", btf__type_cnt(split) - btf__type_cnt(target),
		       btf__type_cnt(target) - 1);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "parse")) {
		size_t len;
		unsigned char *in = slurp(argv[2], &len);
		struct btf *btf = parse(argv[2], NULL);
		const struct btf_header *h = (const void *)in;
		printf("%s: hdr_len %u, types %u (type_len %u), strings %u, layout at %u, %u bytes\n", argv[2], h->hdr_len,
		       btf__type_cnt(btf) - 1, h->type_len, h->str_len, h->hdr_len >= 32 ? h->layout_off : 0,
		       h->hdr_len >= 32 ? h->layout_len : 0);
		__u32 size;
		const void *raw = btf__raw_data(btf, &size);
		if (!raw || size != len || memcmp(raw, in, len)) {
			fprintf(stderr, "%s: libbpf writes it back differently (%u bytes, was %zu)\n", argv[2], size, len);
			return 1;
		}
		return 0;
	}
	fprintf(stderr, "usage: btfcheck distill BASE SPLIT OUT_BASE OUT_SPLIT | relocate DIST SPLIT TARGET OUT | parse FILE\n");
	return 2;
}
