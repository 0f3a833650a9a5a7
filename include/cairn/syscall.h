/*
 * cairn/syscall.h: the user side of the system call ABI (cairn/abi.h): one inline
 * function per register shape, and one wrapper per operation.
 */
#ifndef CAIRN_SYSCALL_H
#define CAIRN_SYSCALL_H

#include "abi.h"

static inline long cairn_syscall2(unsigned long call, unsigned long a0, unsigned long a1)
{
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(call), "D"(a0), "S"(a1)
			 : "rcx", "r11", "memory");
	return ret;
}

/* Does nothing in the kernel; returns 0. */
static inline long cairn_null(void)
{
	return cairn_syscall2(CAIRN_CALL(CAIRN_CAP_NULL, CAIRN_OP_NULL), 0, 0);
}

/* Writes len bytes at s to the kernel console. Returns len, or CAIRN_EFAULT, CAIRN_EINVAL. */
static inline long cairn_debug_write(const char *s, unsigned long len)
{
	return cairn_syscall2(CAIRN_CALL(CAIRN_CAP_NULL, CAIRN_OP_DEBUG_WRITE), (unsigned long)s, len);
}

/* Stops the calling thread; status is reported on the console. */
static inline __attribute__((noreturn)) void cairn_debug_stop(long status)
{
	cairn_syscall2(CAIRN_CALL(CAIRN_CAP_NULL, CAIRN_OP_DEBUG_STOP), (unsigned long)status, 0);
	__builtin_unreachable();
}

#endif
