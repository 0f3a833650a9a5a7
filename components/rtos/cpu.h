/*
 * cpu.h: what this component knows of the processor (x86_64), in one place: the
 * compiler's branch hints, the pause of a spin loop, and the faults a pointer probe
 * can take (gates.c's keeper).
 */
#ifndef RTOS_CPU_H
#define RTOS_CPU_H

#ifndef likely
#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif

/* In a loop that spins on a word another core changes. */
static inline void cpu_relax(void)
{
	__builtin_ia32_pause();
}

#define CPU_FAULT_GP 13		/* general protection: a non-canonical address */
#define CPU_FAULT_PF 14		/* page fault: an unmapped or read-only page */

#endif
