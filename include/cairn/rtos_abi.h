/*
 * cairn/rtos_abi.h: the contract between lib/librtos (in every process) and the rtos
 * component (components/rtos), defined once: the calls a process makes into the rtos
 * component, the address-space layout the rtos component gives a process, and what a
 * process thread starts with. Application code uses cairn/rtos.h, never this.
 *
 * A process reaches the rtos component through invocation gates: call n is the gate
 * in slot RTOS_GATE_BASE + n of the process's capability table (the process has no
 * other capability). The gate's badge names the process, the kernel's thread id the
 * thread; arguments are untrusted and checked. Results are one word (negative: an
 * error of cairn/abi.h, which are the RTOS API's numbers) plus a second for some.
 * Strings and structures go through the calling thread's own message page (its TLS
 * page, struct rtos_tls.msg), which both sides map.
 */
#ifndef CAIRN_RTOS_ABI_H
#define CAIRN_RTOS_ABI_H

#include <stdint.h>

#define RTOS_GATE_BASE 16

/* X(name, number, arguments, result) */
#define RTOS_CALLS(X) \
	X(YIELD,         0, "none", "0") \
	X(THREAD_CREATE, 1, "a = entry, b = priority (0 highest), c = stack bytes", "handle") \
	X(THREAD_EXIT,   2, "a = status", "does not return") \
	X(THREAD_KILL,   3, "a = handle", "0") \
	X(THREAD_STATUS, 4, "a = handle", "exit status (the handle is then free), EAGAIN running") \
	X(THREAD_PRIO,   5, "a = new priority of the caller", "0") \
	X(BLOCK,         6, "a = block point", "0 woken, EBADF destroyed") \
	X(WAKE,          7, "a = block point", "0") \
	X(BP_CREATE,     8, "none", "block point id") \
	X(BP_DESTROY,    9, "a = block point", "0; its waiters return EBADF") \
	X(PROCESS_EXIT, 10, "a = status", "does not return") \
	X(TIMER_CREATE, 11, "none", "timer id") \
	X(TIMER_SET,    12, "a = timer, b = first expiry (TSC), c = period (TSC ticks) or 0", "0") \
	X(TIMER_CANCEL, 13, "a = timer", "0") \
	X(TIMER_FREE,   14, "a = timer", "0") \
	X(TIMER_WAIT,   15, "a = timer", "expiries since the last wait (blocks until one)") \
	X(SELF,         16, "none", "the caller's thread handle") \
	X(MEM_GET,      17, "a = address or 0 (any), b = bytes, c = alignment", "the address of zeroed pages") \
	X(MEM_FREE,     18, "a = address, b = bytes", "0") \
	X(STATS,        19, "a = what (enum rtos_stat)", "the count") \
	X(PROC_CREATE,  20, "msg = path (\"/bin/<program>\"), a = priority", "process id") \
	X(PROC_STATUS,  21, "a = process id", "exit status, EAGAIN running")

enum rtos_call {
#define RTOS_X_CALL(name, n, args, result) RTOS_##name = (n),
	RTOS_CALLS(RTOS_X_CALL)
#undef RTOS_X_CALL
	RTOS_NCALLS
};

/* What RTOS_STATS counts (for tests: leaks show as counts that do not come back). */
enum rtos_stat {
	RTOS_STAT_UNTYPED,	/* untyped frames left in the rtos component's memory */
	RTOS_STAT_SLOTS,	/* capability slots free in its table */
	RTOS_STAT_THREADS,	/* thread records in use */
	RTOS_STAT_PROCS,	/* processes */
	RTOS_STAT_PAGES,	/* pages mapped into the caller's process */
};

/* Where mem_get_pages puts pages it places itself. */
#define RTOS_HEAP_BASE 0x100000000UL
#define RTOS_HEAP_END  0x200000000UL

/*
 * A process's address space (besides its image at 4 MiB and its Root page at 0x1000):
 * thread i's area is RTOS_THREAD_AREA(i): its stack grows down from the area's TLS
 * page, the area's last page; below the stack nothing is mapped (a guard).
 */
#define RTOS_AREA_BASE   0x600000000000UL
#define RTOS_AREA_SIZE   0x200000UL		/* 2 MiB: stacks up to 1 MiB + guard */
#define RTOS_THREAD_AREA(i) (RTOS_AREA_BASE + (uint64_t)(i) * RTOS_AREA_SIZE)
#define RTOS_TLS_VA(i)   (RTOS_THREAD_AREA(i) + RTOS_AREA_SIZE - 4096)
#define RTOS_STACK_TOP(i) RTOS_TLS_VA(i)
#define RTOS_STACK_DEFAULT (16 * 1024UL)
#define RTOS_MSG_BYTES   2048

/*
 * The TLS page (fs base): the rtos component writes the start fields before the
 * thread first runs; the rest is the thread's own. Nothing in it is trusted by the
 * rtos component.
 */
struct rtos_tls {
	struct rtos_tls *self;		/* fs:0 */
	uint64_t entry;			/* start: the function, 0 for the process's main */
	uint64_t handle;		/* start: the thread's handle */
	uint64_t proc;			/* start: the process id */
	uint64_t prio;			/* its priority (librtos keeps it current) */
	char msg[RTOS_MSG_BYTES];	/* strings and structures passed to calls */
	uint64_t local[64];		/* librtos's per-thread state */
};

#endif
