/*
 * syscalls: system calls with bad arguments return their documented error and change
 * nothing: every register but rax (and rcx, r11, which syscall itself uses) comes
 * back unchanged, and the kernel still serves the next call.
 */
#include <cairn/cairn.h>
#include <cairn/root.h>

struct regset {
	uint64_t rbx, rdx, rsi, rdi, rbp, r8, r9, r10, r12, r13, r14, r15, rsp;
};

/* Issues call with every register set to a known pattern; returns rax, fills after. */
static long call_with_pattern(unsigned long call, struct regset *after)
{
	long ret;

	__asm__ volatile(
		"push %%rbp\n"
		"mov %%rsp, %%r11\n"
		"push %%r11\n"			/* rsp before the call, for the check */
		"push %[out]\n"
		"movabs $0x1111111111111111, %%rbx\n"
		"movabs $0x2222222222222222, %%rdx\n"
		"movabs $0x3333333333333333, %%rsi\n"
		"movabs $0x4444444444444444, %%rdi\n"
		"movabs $0x5555555555555555, %%rbp\n"
		"movabs $0x6666666666666666, %%r8\n"
		"movabs $0x7777777777777777, %%r9\n"
		"movabs $0x8888888888888888, %%r10\n"
		"movabs $0x9999999999999999, %%r12\n"
		"movabs $0xaaaaaaaaaaaaaaaa, %%r13\n"
		"movabs $0xbbbbbbbbbbbbbbbb, %%r14\n"
		"movabs $0xcccccccccccccccc, %%r15\n"
		"syscall\n"
		"pop %%r11\n"			/* out */
		"mov %%rbx, 0(%%r11)\n mov %%rdx, 8(%%r11)\n mov %%rsi, 16(%%r11)\n"
		"mov %%rdi, 24(%%r11)\n mov %%rbp, 32(%%r11)\n mov %%r8, 40(%%r11)\n"
		"mov %%r9, 48(%%r11)\n mov %%r10, 56(%%r11)\n mov %%r12, 64(%%r11)\n"
		"mov %%r13, 72(%%r11)\n mov %%r14, 80(%%r11)\n mov %%r15, 88(%%r11)\n"
		"pop %%rcx\n"			/* rsp before the call */
		"sub %%rsp, %%rcx\n"
		"mov %%rcx, 96(%%r11)\n"	/* 0 if rsp survived */
		"pop %%rbp\n"
		: "=a"(ret)
		: "a"(call), [out] "r"(after)
		: "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "memory");
	return ret;
}

static int registers_kept(const struct regset *r)
{
	return r->rbx == 0x1111111111111111 && r->rdx == 0x2222222222222222 &&
	       r->rsi == 0x3333333333333333 && r->rdi == 0x4444444444444444 &&
	       r->rbp == 0x5555555555555555 && r->r8 == 0x6666666666666666 &&
	       r->r9 == 0x7777777777777777 && r->r10 == 0x8888888888888888 &&
	       r->r12 == 0x9999999999999999 && r->r13 == 0xaaaaaaaaaaaaaaaa &&
	       r->r14 == 0xbbbbbbbbbbbbbbbb && r->r15 == 0xcccccccccccccccc && r->rsp == 0;
}

static void check_call(const char *id, const char *name, unsigned long call, long want)
{
	struct regset after;
	long got = call_with_pattern(call, &after);

	cairn_check(id, name, got == want && registers_kept(&after),
		    "returned %ld (want %ld), registers %s", got, want,
		    registers_kept(&after) ? "kept" : "changed");
}

int main(const void *root)
{
	static char buf[] = "sys: a write of 38 bytes from the data\n";

	(void)root;
	check_call("sys.1", "unknown_operation", CAIRN_CALL(CAIRN_CAP_NULL, 0x7fff), CAIRN_ENOSYS);
	check_call("sys.2", "absent_capability", CAIRN_CALL(12345, CAIRN_OP_NULL), CAIRN_ENOENT);
	check_call("sys.3", "high_op_bits", CAIRN_CALL(CAIRN_CAP_NULL, 0xffff0000), CAIRN_ENOSYS);
	check_call("sys.4", "null_call", CAIRN_CALL(CAIRN_CAP_NULL, CAIRN_OP_NULL), 0);

	long r = cairn_debug_write((const char *)0xffffffff80100000ULL, 8);
	cairn_check("sys.5", "write_kernel_address", r == CAIRN_EFAULT, "returned %ld", r);
	r = cairn_debug_write((const char *)0x10000000, 8);
	cairn_check("sys.6", "write_unmapped", r == CAIRN_EFAULT, "returned %ld", r);
	r = cairn_debug_write((const char *)0, 1);
	cairn_check("sys.7", "write_null_page", r == CAIRN_EFAULT, "returned %ld", r);
	r = cairn_debug_write(buf, CAIRN_DEBUG_WRITE_MAX + 1);
	cairn_check("sys.8", "write_too_long", r == CAIRN_EINVAL, "returned %ld", r);
	r = cairn_debug_write((const char *)0x7ffffffffff0ULL, 0x20);
	cairn_check("sys.9", "write_wraps_user_top", r == CAIRN_EFAULT, "returned %ld", r);
	r = cairn_debug_write(buf, sizeof(buf) - 1);
	cairn_check("sys.10", "write_still_works", r == (long)sizeof(buf) - 1, "returned %ld", r);
	r = cairn_ioport_in(CAIRN_SLOT_IOPORT, 0x70, 1);
	cairn_check("sys.11", "no_ports_unless_granted", r == CAIRN_ENOENT, "returned %ld", r);
	return 0;
}
