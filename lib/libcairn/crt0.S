/*
 * crt0.S: the entry point of every Cairn user program. The kernel starts the first
 * thread here with rsp at the top of its stack and rdi = the Root structure (0 until
 * the booter provides one); main(root) runs and its return value stops the thread.
 */
	.section .text.start, "ax"
	.globl _start
_start:
	xor %ebp, %ebp
	and $-16, %rsp
	call main
	mov %rax, %rdi
	call cairn_exit
1:	jmp 1b
