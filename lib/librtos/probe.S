/*
 * probe.S: long rtos_probe(const void *p, int write): touches the byte at p (write:
 * an atomic OR of 0, which changes nothing) and returns 0. If that faults, the rtos
 * component's keeper resumes at rtos_probe_fixup with rax = CAIRN_EFAULT, because
 * every thread's TLS page names these three places (rtos_thread_start, thread.c).
 */
	.text
	.globl rtos_probe, rtos_probe_read, rtos_probe_write, rtos_probe_fixup
rtos_probe:
	xor %eax, %eax
	test %esi, %esi
	jnz rtos_probe_write
rtos_probe_read:
	movb (%rdi), %cl
	ret
rtos_probe_write:
	lock orb $0, (%rdi)
rtos_probe_fixup:
	ret
