/*
 * entry.S: every way into and out of the kernel.
 *
 * A trap from user mode saves every register straight into the current thread's
 * struct regs (tss.rsp0 points at its end). The syscall instruction saves only what the
 * C code does not preserve by itself: rip, rflags, rsp and the argument registers the
 * ABI promises to keep (rdi, rsi, rdx, r8, r9, r10). The callee-saved registers (rbx,
 * rbp, r12-r15) stay live in the CPU, because the C code preserves them; they are
 * stored into the thread only when the kernel switches away from it (switch_to). So:
 *
 *   invariant: a thread's struct regs is complete whenever the thread is not the one
 *   running on a core. An idling core runs no thread (cur_regs NULL).
 *
 * With more than one core the C code runs under the big kernel lock (core.c): every
 * way back to user mode releases it with its last instruction before swapgs, when
 * nothing of the kernel's is read any more.
 *
 * The C handlers return the struct regs of the thread to resume: the same one (the
 * common case, resumed by the shortest path) or another (switch_to). The core's kernel
 * stack holds nothing between entries: the kernel never blocks on it, so returning to
 * user mode simply abandons it.
 *
 *   trap_vectors[256]  interrupt and exception stubs -> trap_user / trap_kernel (trap.c)
 *   syscall_entry      the syscall instruction       -> fastpath.c, then syscall.c
 */
#include "percpu.h"
#include "regs.h"

.macro PUSH_GPRS			/* the reverse of struct regs' order (regs.h) */
	.irp reg, rax, rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15
	push %\reg
	.endr
.endm

.macro POP_GPRS
	.irp reg, r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax
	pop %\reg
	.endr
.endm

/*
 * One stub per vector; vectors without a CPU error code push a zero in its place. An
 * exception vector with an error code can also arrive as an interrupt a device forged
 * (no interrupt remapping), which pushes none: the vector's in-service bit at the local
 * APIC (apic_isr0, apic.c) tells them apart, and then the stub pushes the zero.
 */
.macro VECTOR n
	.align 16
vector_\n:
	.if (\n == 8 || (\n >= 10 && \n <= 14) || \n == 17 || \n == 21 || \n == 29 || \n == 30)
	push %rax
	mov apic_isr0(%rip), %rax
	testl $(1 << \n), (%rax)
	pop %rax
	jz 1f
	.endif
	pushq $0
1:
	pushq $\n
	jmp trap_common
	.pushsection .rodata		/* its entry in trap_vectors */
	.quad vector_\n
	.popsection
.endm

	.section .rodata
	.align 8
	.globl trap_vectors
trap_vectors:				/* the stubs' addresses, by vector */
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
	call trap_user			/* -> struct regs * to resume */
	cmp %rax, %gs:CPU_CUR_REGS
	jne trap_switch
	mov %rax, %rsp
	jmp resume_iret

/*
 * trap_switch: rax = another thread's struct regs. PUSH_GPRS saved every register of
 * the old thread (and the C code may have changed the saved copy, as keepers do), so
 * only its FPU state is still live: unlike switch_to, store nothing else (rbp was
 * zeroed above for the C code).
 */
trap_switch:
	mov %gs:CPU_CUR_REGS, %rcx
	test %rcx, %rcx
	jz switch_load
	fxsave64 REGS_FPU(%rcx)
	jmp switch_load

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
	mov %gs:CPU_CUR_REGS, %rsp	/* base of the thread's struct regs */
	mov %rcx, REGS_RIP(%rsp)
	mov %r11, REGS_RFLAGS(%rsp)
	mov %gs:CPU_USER_RSP, %rcx
	mov %rcx, REGS_RSP(%rsp)
	movq $VECTOR_SYSCALL, REGS_VECTOR(%rsp)
	mov %rdi, REGS_RDI(%rsp)
	mov %rsi, REGS_RSI(%rsp)
	mov %rdx, REGS_RDX(%rsp)
	mov %r8, REGS_R8(%rsp)
	mov %r9, REGS_R9(%rsp)
	mov %r10, REGS_R10(%rsp)
	mov %rax, %rdi			/* the call word */
	mov %rsp, %rsi			/* struct regs * */
	mov %gs:CPU_KSTACK_TOP, %rsp
	call *syscall_handler(%rip)	/* fastpath, or syscall_dispatch: fastpath.c */
	cmp %rax, %gs:CPU_CUR_REGS
	jne switch_to
	mov %rax, %rsp			/* same thread: its callee-saved registers are live */
	mov REGS_RDI(%rsp), %rdi
	mov REGS_RSI(%rsp), %rsi
	mov REGS_RDX(%rsp), %rdx
	mov REGS_R8(%rsp), %r8
	mov REGS_R9(%rsp), %r9
	mov REGS_R10(%rsp), %r10
	mov REGS_RAX(%rsp), %rax
	mov REGS_RIP(%rsp), %rcx
	mov REGS_RFLAGS(%rsp), %r11
	mov REGS_RSP(%rsp), %rsp
	incl big_owner(%rip)		/* the big kernel lock (core.c) */
	swapgs
	sysretq

/*
 * switch_to: rax = the struct regs of another thread, or NULL: none, the core idles.
 * The registers the C code kept (callee-saved) still hold the old thread's values:
 * store them, then make the new thread current and restore all of it. The old thread
 * may be gone (cur_regs NULL).
 */
switch_to:
	mov %gs:CPU_CUR_REGS, %rcx
	test %rcx, %rcx
	jz switch_load
	mov %rbx, REGS_RBX(%rcx)
	mov %rbp, REGS_RBP(%rcx)
	mov %r12, REGS_R12(%rcx)
	mov %r13, REGS_R13(%rcx)
	mov %r14, REGS_R14(%rcx)
	mov %r15, REGS_R15(%rcx)
	fxsave64 REGS_FPU(%rcx)
switch_load:
	test %rax, %rax
	jz idle
	mov %rax, %gs:CPU_CUR_REGS
	lea REGS_SIZE(%rax), %rcx
	mov %rcx, %gs:CPU_TSS_RSP0
	fxrstor64 REGS_FPU(%rax)
	mov %rax, %rsp
	cmpq $VECTOR_SYSCALL, REGS_VECTOR(%rsp)
	jne resume_iret
	POP_GPRS			/* entered through syscall: rcx, r11 are dead */
	mov REGS_RIP - REGS_VECTOR(%rsp), %rcx
	mov REGS_RFLAGS - REGS_VECTOR(%rsp), %r11
	mov REGS_RSP - REGS_VECTOR(%rsp), %rsp
	incl big_owner(%rip)
	swapgs
	sysretq

/*
 * idle: nothing is to run. The last thread is stored (above) and let go: the core
 * holds no thread while it idles, so the thread may change or go meanwhile.
 * thread_idle returns the prepared registers of the next thread to run.
 */
idle:
	movq $0, %gs:CPU_CUR_REGS
	mov %gs:CPU_KSTACK_TOP, %rsp
	call thread_idle
	jmp switch_load

resume_iret:				/* rsp = a complete struct regs */
	POP_GPRS
	add $16, %rsp
	incl big_owner(%rip)
	swapgs
	iretq

/*
 * noreturn void arch_enter_user(struct regs *r): starts the first thread of a core.
 * r must be complete; its rip below USER_TOP (sysret to a non-canonical rip would
 * fault in ring 0; every writer of a saved rip keeps this).
 */
	.globl arch_enter_user
arch_enter_user:
	movq $0, %gs:CPU_CUR_REGS
	mov %rdi, %rax
	jmp switch_load
