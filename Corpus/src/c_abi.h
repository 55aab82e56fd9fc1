/* Shared by c_abi_a.c and c_abi_b.c. */
struct params {
	long a, b, c, d, e, f;
};

extern volatile int sink;
int abi_entry_a(int n);
int abi_entry_b(int n);
