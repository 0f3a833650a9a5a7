/*
 * entry.S: where the kernel enters a component, and the client side of invocations.
 *
 * _start: every new thread of the component begins here with rdi = Root, rsi = the
 * argument given when it was made, rax = its thread id. The first thread runs
 * main(root): a kernel-started program's has a stack (rsp != 0); a booter-built
 * component's has rsp = 0 and argument 0, and takes the stack its Root names. Any
 * other thread starts with rsp = 0, takes a stack from the component's pool and runs
 * fn(tid), fn being its argument. Returning from either stops the thread.
 *
 * cairn_gate_enter: the common tail of every gate stub (CAIRN_GATE, cairn/gate.h), with
 * r11 = the handler. The kernel enters a gate with rdi = Root, rsi, rdx, r10, r8 = the
 * four arguments, r9 = the gate's badge, rax = thread id and no stack. The stub takes
 * a stack from the pool, calls handler(a, b, c, d, badge, tid) and returns its two
 * results to the caller. The callee-saved registers hold the caller's values on entry;
 * they are free for the server to use (cairn_sinv_call saved them).
 *
 * The pool (cairn/gate.h): stacks and a bitmap, taken with lock bts and given back with
 * lock btr, so neither needs a stack nor can be confused by preemption.
 */
#define STACK_SHIFT 13		/* 8 KiB stacks (CAIRN_GATE_STACK_SIZE; runtime.c checks) */
#define ROOT_STACK_TOP 104	/* offsetof(struct cairn_root, stack_top); runtime.c checks */

/* rax words of the calls made here: CAIRN_CALL(0, op); runtime.c checks them. */
#define CALL_DEBUG_STOP 0x0000000200000000
#define CALL_RETURN     0x0000000300000000
#define CALL_SINV_CALL  0x0000080000000000

/* rbx = a free stack's index, rsp = its top; clobbers rax and nothing else. */
.macro TAKE_STACK
1:	mov cairn_stack_map(%rip), %rax
	not %rax
	bsf %rax, %rbx
	jz cairn_stacks_exhausted
	lock bts %rbx, cairn_stack_map(%rip)
	jc 1b
	lea 1(%rbx), %rax
	shl $STACK_SHIFT, %rax
	lea cairn_stacks(%rip), %rsp
	add %rax, %rsp
.endm

/* After a gate's handler: give its stack (index in rbx) back, return rax, rdx. */
.macro GATE_RETURN
	pop %rbx
	pop %rbx
	lock btr %rbx, cairn_stack_map(%rip)	/* the stack is not touched again */
	mov %rax, %rdi
	mov %rdx, %rsi
	movabs $CALL_RETURN, %rax
	syscall
	ud2				/* RETURN does not come back */
.endm

	.section .text.start, "ax"
	.globl _start
_start:
	xor %ebp, %ebp
	test %rsp, %rsp
	jnz 1f
	test %rsi, %rsi
	jnz 2f
	mov ROOT_STACK_TOP(%rdi), %rsp	/* a booter-built component's first thread */
1:	and $-16, %rsp
	call main
	mov %rax, %rdi
	call cairn_exit
2:	mov %rax, %r12			/* tid */
	mov %rsi, %r13			/* fn */
	TAKE_STACK
	mov %r12, %rdi
	call *%r13
	lock btr %rbx, cairn_stack_map(%rip)	/* rbx is callee-saved: still the index */
	xor %edi, %edi
	movabs $CALL_DEBUG_STOP, %rax
	syscall
	ud2

	.text
	.globl cairn_gate_enter
cairn_gate_enter:
	mov %rax, %r12			/* tid */
	mov %r11, %r13			/* handler */
	TAKE_STACK
	push %rbx
	push %rbx			/* keep the stack 16-byte aligned */
	mov %rsi, %rdi			/* a */
	mov %rdx, %rsi			/* b */
	mov %r10, %rdx			/* c */
	mov %r8, %rcx			/* d */
	mov %r9, %r8			/* badge */
	mov %r12, %r9			/* tid */
	call *%r13
	GATE_RETURN

/*
 * cairn_iface_enter: the tail of generated interface gates (CAIRN_IFACE_GATE), with
 * r11 = the handler, called as handler(root, a, b, c, d, badge): the registers the
 * kernel enters with already are those arguments but for c (r10 -> rcx).
 */
	.globl cairn_iface_enter
cairn_iface_enter:
	TAKE_STACK
	push %rbx
	push %rbx			/* keep the stack 16-byte aligned */
	mov %r10, %rcx			/* c */
	call *%r11
	GATE_RETURN

cairn_stacks_exhausted:
	ud2				/* a fault: the keeper or the kernel reports it */

/*
 * struct cairn_ret2 cairn_sinv_call(unsigned gate, a, b, c, d): the callee may change
 * any register, so the callee-saved ones are kept here around the call.
 */
	.globl cairn_sinv_call
cairn_sinv_call:
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	mov %edi, %eax
	movabs $CALL_SINV_CALL, %r11
	or %r11, %rax
	mov %rcx, %r10			/* c is argument 3; a = rsi, b = rdx, d = r8 already */
	syscall
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	ret
