/*
 * cairn/syscall.h: the user side of the system call ABI (cairn/abi.h). One inline
 * function issues any call; one wrapper per operation names its arguments. The
 * wrappers are generated from abi.h's CAIRN_OP_ARGS by tools/abi.py (the Makefile
 * writes build/gen/cairn/wrappers.h); tools/check_abi.py checks the manual against the
 * same table.
 */
#ifndef CAIRN_SYSCALL_H
#define CAIRN_SYSCALL_H

#include "abi.h"

typedef unsigned long cairn_word;

struct cairn_ret2 {
	long r0;		/* rax */
	cairn_word r1;		/* rdx */
};

/*
 * The syscall instruction, the one copy: operands are the parenthesised output and
 * input lists, then what the call destroys beyond rcx and r11 (which the instruction
 * itself uses) and memory. Every caller binds its registers as abi.h lays them out.
 */
#define CAIRN_ASM_LIST(...) __VA_ARGS__
#define CAIRN_SYSCALL_ASM(outputs, inputs, ...)                                                  \
	__asm__ volatile("syscall" : CAIRN_ASM_LIST outputs : CAIRN_ASM_LIST inputs               \
			 : "rcx", "r11", "memory", ##__VA_ARGS__)

/* The one system call: cap and op in rax, a0..a5 in rdi, rsi, rdx, r10, r8, r9. */
static inline struct cairn_ret2 cairn_call6(unsigned cap, unsigned op, cairn_word a0, cairn_word a1,
					     cairn_word a2, cairn_word a3, cairn_word a4, cairn_word a5)
{
	register cairn_word r10 __asm__("r10") = a3;
	register cairn_word r8 __asm__("r8") = a4;
	register cairn_word r9 __asm__("r9") = a5;
	register cairn_word rdx __asm__("rdx") = a2;
	long rax;

	CAIRN_SYSCALL_ASM(("=a"(rax), "+d"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)),
			  ("a"(CAIRN_CALL(cap, op)), "D"(a0), "S"(a1)));
	return (struct cairn_ret2){ rax, rdx };
}

static inline long cairn_call(unsigned cap, unsigned op, cairn_word a0, cairn_word a1, cairn_word a2,
			      cairn_word a3, cairn_word a4, cairn_word a5)
{
	return cairn_call6(cap, op, a0, a1, a2, a3, a4, a5).r0;
}

/* Two-argument form, for the simplest calls (CAIRN_OP_ARGS form short). */
static inline long cairn_syscall2(unsigned long call, unsigned long a0, unsigned long a1)
{
	long ret;

	CAIRN_SYSCALL_ASM(("=a"(ret)), ("a"(call), "D"(a0), "S"(a1)));
	return ret;
}

/* cairn_<op>() for every operation but SINV_CALL, which is in cairn/gate.h. */
#include <cairn/wrappers.h>

#endif
