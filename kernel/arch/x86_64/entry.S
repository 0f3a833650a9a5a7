/*
 * entry.S: every way into and out of the kernel. Entries from user mode save the
 * thread's registers straight into its struct regs (regs.h) and then move to the
 * core's kernel stack, which holds nothing between entries: the kernel never blocks on
 * it, so returning to user mode simply abandons it.
 *
 *   trap_vectors[256]  interrupt and exception stubs -> trap_user / trap_kernel (trap.c)
 *   syscall_entry      the syscall instruction       -> syscall_dispatch (syscall.c)
 *   arch_resume        back to user mode, through sysret when the thread entered
 *                      through syscall, through iretq otherwise
 */
#include "percpu.h"
#include "regs.h"

.macro PUSH_GPRS
	push %rax
	push %rbx
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
.endm

.macro POP_GPRS
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rbx
	pop %rax
.endm

/* One stub per vector; vectors without a CPU error code push a zero in its place. */
.macro VECTOR n
	.align 16
vector_\n:
	.if !(\n == 8 || (\n >= 10 && \n <= 14) || \n == 17 || \n == 21 || \n == 29 || \n == 30)
	pushq $0
	.endif
	pushq $\n
	jmp trap_common
.endm

.macro VECTOR_ADDR n
	.quad vector_\n
.endm

	.text
	.altmacro
	.set i, 0
	.rept 256
	VECTOR %i
	.set i, i + 1
	.endr

trap_common:
	testb $3, 24(%rsp)		/* cs of the frame: from user mode? */
	jz trap_from_kernel
	swapgs
	PUSH_GPRS			/* into the thread's struct regs (tss.rsp0) */
	mov %rsp, %rdi
	mov %gs:CPU_KSTACK_TOP, %rsp
	xor %ebp, %ebp
	call trap_user			/* does not return */
	ud2

trap_from_kernel:			/* on the kernel stack: the kernel was idle or broken */
	PUSH_GPRS
	mov %rsp, %rdi
	call trap_kernel
	POP_GPRS
	add $16, %rsp
	iretq

	.globl syscall_entry
syscall_entry:
	swapgs
	mov %rsp, %gs:CPU_USER_RSP
	mov %gs:CPU_REGS_TOP, %rsp
	pushq $USER_DS			/* ss */
	pushq %gs:CPU_USER_RSP		/* rsp */
	push %r11			/* rflags */
	pushq $USER_CS			/* cs */
	push %rcx			/* rip */
	pushq $0			/* error */
	pushq $VECTOR_SYSCALL		/* vector */
	PUSH_GPRS
	mov %rsp, %rdi
	mov %gs:CPU_KSTACK_TOP, %rsp
	xor %ebp, %ebp
	call syscall_dispatch		/* does not return */
	ud2

/*
 * noreturn void arch_resume(struct regs *r): r must be the current thread's registers
 * (percpu regs_top and tss.rsp0 point at its end) and r->rip a user address below
 * USER_TOP: sysret to a non-canonical rip would fault in ring 0.
 */
	.globl arch_resume
arch_resume:
	mov %rdi, %rsp
	cmpq $VECTOR_SYSCALL, REGS_VECTOR(%rsp)
	je 1f
	POP_GPRS
	add $16, %rsp
	swapgs
	iretq
1:	POP_GPRS
	mov REGS_RIP - REGS_VECTOR(%rsp), %rcx
	mov REGS_RFLAGS - REGS_VECTOR(%rsp), %r11
	mov REGS_RSP - REGS_VECTOR(%rsp), %rsp
	swapgs
	sysretq

	.section .rodata
	.align 8
	.globl trap_vectors
trap_vectors:
	.set i, 0
	.rept 256
	VECTOR_ADDR %i
	.set i, i + 1
	.endr
