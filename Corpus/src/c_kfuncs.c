/* kfunc sets as a Linux kernel lays them out in .BTF_ids (include/linux/btf_ids.h:
 * BTF_KFUNCS_START / BTF_ID_FLAGS / BTF_KFUNCS_END), written here as the assembler those
 * macros expand to, so that rustbtf's tag-kfuncs pass reads the same bytes and symbols as on
 * a vmlinux:
 *
 *   __BTF_ID__set8__<set>:  .zero 4 (cnt)  .long <set flags>      struct btf_id_set8 header
 *   __BTF_ID__func__<f>__N: .zero 4 (id)   .long <kfunc flags>    one {id, flags} pair each
 *   .size __BTF_ID__set8__<set>, . - <set>
 *
 * Set flags: BTF_SET8_KFUNCS (1 << 0) marks a kfunc set; a set without it (BTF_SET8_START)
 * lists functions that are not kfuncs. Kfunc flags: KF_FASTCALL (1 << 12), KF_ARENA_RET
 * (1 << 13), KF_ARENA_ARG1 (1 << 14), KF_ARENA_ARG2 (1 << 15), KF_ACQUIRE (1 << 0) and
 * KF_RET_NULL (1 << 1) (ignored by pahole). The ids stay 0: resolve_btfids fills them in a
 * kernel build, and pahole reads only the flags.
 */
#include <stddef.h>

#define __noinline __attribute__((noinline, used))

struct kf_task { int pid; unsigned long flags; };
struct kf_page { void *addr; unsigned int order; };

/* Plain kfunc. */
__noinline struct kf_task *kf_task_acquire(struct kf_task *t) { return t; }
/* KF_FASTCALL: gets bpf_fastcall too. */
__noinline unsigned long kf_fast_counter(void) { static unsigned long n; return ++n; }
/* KF_ARENA_RET | KF_ARENA_ARG2: returns an arena pointer; its second argument is one. */
__noinline void *kf_arena_alloc(void *map, void *addr, unsigned int count) {
  return count ? addr : map;
}
/* KF_ARENA_ARG1 | KF_ARENA_ARG2: both pointer arguments are arena pointers. */
__noinline int kf_arena_copy(struct kf_page *dst, const struct kf_page *src) {
  dst->order = src->order;
  return 0;
}
/* Same prototype as kf_arena_copy, not a kfunc: keeps its own pointers untagged. */
__noinline int kf_page_copy(struct kf_page *dst, const struct kf_page *src) {
  dst->addr = src->addr;
  return 1;
}
/* In a set without BTF_SET8_KFUNCS only: no tag. */
__noinline int kf_not_kfunc(int x) { return x + 1; }
/* In a kfunc set, but compiled out of the object (no function symbol): no FUNC, no tag. */
/* (kf_missing is listed below and defined nowhere.) */

#define KF_SET_START(set, flags)                      \
  ".pushsection .BTF_ids,\"a\"\n"                     \
  ".local " #set "\n" #set ":\n"                      \
  ".local __BTF_ID__set8__" #set "\n"                 \
  "__BTF_ID__set8__" #set ":\n"                       \
  ".zero 4\n"                                         \
  ".long " #flags "\n"                                \
  ".popsection\n"
#define KF_ID(func, counter, flags)                   \
  ".pushsection .BTF_ids,\"a\"\n"                     \
  ".local __BTF_ID__func__" #func "__" #counter "\n"  \
  ".type __BTF_ID__func__" #func "__" #counter ", STT_OBJECT\n" \
  ".size __BTF_ID__func__" #func "__" #counter ", 4\n" \
  "__BTF_ID__func__" #func "__" #counter ":\n"        \
  ".zero 4\n"                                         \
  ".long " #flags "\n"                                \
  ".popsection\n"
#define KF_SET_END(set)                               \
  ".pushsection .BTF_ids,\"a\"\n"                     \
  ".size __BTF_ID__set8__" #set ", . - " #set "\n"    \
  ".popsection\n"

/* BTF_KFUNCS_START(kf_common_set) ... BTF_KFUNCS_END(kf_common_set) */
asm(KF_SET_START(kf_common_set, 1)
    KF_ID(kf_task_acquire, 1, 3)
    KF_ID(kf_fast_counter, 2, 4096)
    KF_ID(kf_missing, 3, 0)
    KF_SET_END(kf_common_set));
/* A second kfunc set: the arena kfuncs (KF_ARENA_RET | KF_ARENA_ARG2; ARG1 | ARG2). */
asm(KF_SET_START(kf_arena_set, 1)
    KF_ID(kf_arena_alloc, 4, 40960)
    KF_ID(kf_arena_copy, 5, 49152)
    KF_SET_END(kf_arena_set));
/* BTF_SET8_START(kf_plain_set): a set8 that is not a kfunc set. */
asm(KF_SET_START(kf_plain_set, 0)
    KF_ID(kf_not_kfunc, 6, 0)
    KF_SET_END(kf_plain_set));
/* BTF_ID(func, kf_page_copy) outside any set: a single id, not a kfunc. */
asm(KF_ID(kf_page_copy, 7, 0));

int main(int argc, char **argv) {
  struct kf_task t = {argc, 0};
  struct kf_page a = {argv, 1}, b = {NULL, 2};
  return kf_task_acquire(&t)->pid + (int)kf_fast_counter() + (kf_arena_alloc(argv, NULL, 1) != NULL) +
         kf_arena_copy(&a, &b) + kf_page_copy(&b, &a) + kf_not_kfunc(argc);
}
