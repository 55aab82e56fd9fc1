/* Global variables in every kind of section, for select-symbols' variables=global (pahole's
 * global_var) and variables=percpu: which become VARs, in which DATASEC, and which are left
 * out (skipped name prefixes, zero size, not static storage, duplicates at one address). */
struct pair { int a, b; };
struct empty { };

/* .data, .bss, .rodata: external and static linkage. */
int g_data = 1;
static int s_data = 2;
long g_bss;
static char s_bss[16];
const struct pair g_rodata = { 3, 4 };
static const int s_rodata[3] = { 5, 6, 7 };

/* A custom section and a per-CPU one (as the kernel's DEFINE_PER_CPU puts it). */
__attribute__((section(".data.custom"))) struct pair g_custom = { 8, 9 };
__attribute__((section(".data.custom"))) static int s_custom = 10;
__attribute__((section(".data..percpu"))) int g_percpu = 11;
__attribute__((section(".data..percpu"))) static long s_percpu[2];

/* Names pahole never encodes. */
int __UNIQUE_ID_skipped = 12;
const char __tpstrtab_skipped[] = "skipped";
int __exitcall_skipped = 13;
int __gendwarfksyms_ptr_skipped = 14;
int __func_stack_frame_non_standard_skipped = 15;
int __unique_kept = 16;   /* a prefix that is not one of them */

/* Zero-sized: nothing to place. */
struct empty g_empty;
int g_flex[0];

/* Not static storage, or not at file scope. */
__thread int t_thread;
register unsigned long g_stack_pointer asm("rsp");
extern int g_declared_only;

/* Two names for one object: GCC describes the alias without a location, so no entry. */
int g_target = 17;
extern int g_alias __attribute__((alias("g_target")));

/* Overrides c_vars_weak.c's weak definition in c_vars-O*.elf. */
struct pair g_overridden = { 19, 20 };

int use(int i)
{
  static int s_in_function = 18;
  s_in_function += i;
  return g_data + s_data + (int)g_bss + s_bss[i] + g_rodata.a + s_rodata[i] + g_custom.b + s_custom +
         g_percpu + (int)s_percpu[i] + s_in_function + t_thread + (int)g_stack_pointer + (int)(long)g_flex + g_target +
         g_alias + __UNIQUE_ID_skipped + __unique_kept + (int)sizeof(g_empty);
}

int weak_user(void);

int main(void) { return use(0) + weak_user() + g_overridden.b; }
