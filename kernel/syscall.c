/*
 * syscall.c: the system call dispatcher. Decode, then invoke: the capability and
 * operation are checked first and every argument is validated before anything
 * changes, so a bad call returns an error and has no other effect. The register
 * convention is in cairn/abi.h.
 */
#include "arch.h"
#include "console.h"
#include "prog.h"
#include <cairn/abi.h>

static long debug_write(uint64_t addr, uint64_t len)
{
	if (len > CAIRN_DEBUG_WRITE_MAX)
		return CAIRN_EINVAL;
	if (!arch_vm_user_readable(prog_space(), addr, len))
		return CAIRN_EFAULT;
	kputs_n((const char *)addr, len);	/* the current space is mapped: readable */
	return (long)len;
}

static long null_cap_op(struct regs *r, uint64_t op)
{
	switch (op) {
	case CAIRN_OP_NULL:
		return 0;
	case CAIRN_OP_DEBUG_WRITE:
		return debug_write(r->rdi, r->rsi);
	case CAIRN_OP_DEBUG_STOP:
		prog_stop_exit(r->rdi);
	default:
		return CAIRN_ENOSYS;
	}
}

noreturn void syscall_dispatch(struct regs *r)
{
	uint64_t cap = CAIRN_CALL_CAP(r->rax), op = CAIRN_CALL_OP(r->rax);

	if (cap != CAIRN_CAP_NULL)
		r->rax = CAIRN_EBADF;	/* no capability tables yet */
	else
		r->rax = null_cap_op(r, op);
	arch_resume(r);
}

noreturn void kernel_user_fault(struct regs *r)
{
	arch_report_fault(prog_name(), r);
	prog_stop_fault(r->vector);
}
