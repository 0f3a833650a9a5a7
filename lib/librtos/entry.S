/*
 * entry.S: where every thread of an RTOS process starts (the ELF entry of RTOS
 * programs, linked with -e rtos_entry). The rtos component starts a thread with
 * rsi = its TLS page (cairn/rtos_abi.h), whose address is also the top of its stack,
 * and rsp = 0; rtos_thread_start (thread.c) never returns.
 */
	.section .text.start, "ax"
	.globl rtos_entry
rtos_entry:
	xor %ebp, %ebp
	mov %rsi, %rsp
	and $-16, %rsp
	mov %rsi, %rdi
	call rtos_thread_start
	ud2
