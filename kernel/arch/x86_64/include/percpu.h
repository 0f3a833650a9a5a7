/*
 * percpu.h: the state each core keeps, reached through the GS base while in the kernel
 * (swapgs on every entry from user mode). Included by C and assembly: entry.S uses the
 * CPU_* offsets. The segment selectors of the GDT live here too, because entry.S and
 * the sysret layout depend on their order.
 */
#ifndef ARCH_PERCPU_H
#define ARCH_PERCPU_H

/* GDT layout; syscall/sysret need user data right below user code (STAR, cpu.c). */
#define KERNEL_CS 0x08
#define KERNEL_DS 0x10
#define USER_DS   0x1b
#define USER_CS   0x23
#define TSS_SEL   0x28

#define CPU_KSTACK_TOP 8
#define CPU_USER_RSP   16
#define CPU_CUR_REGS   24
#define CPU_TSS_RSP0   92	/* tss.rsp[0]: offsetof(struct percpu, tss) + 4 */
#define CPU_ID         192
#define CPU_CR3        240

#ifndef __ASSEMBLER__
#include "types.h"
#include "regs.h"

struct thread;

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} packed;

struct percpu {
	struct percpu *self;	/* first: this_cpu() loads it from %gs:0 */
	uint64_t kstack_top;	/* the core's kernel stack: every entry starts afresh here */
	uint64_t user_rsp;	/* scratch for syscall entry */
	struct regs *cur_regs;	/* the running thread's registers (NULL while the core idles) */
	uint64_t gdt[7];	/* null, kcode, kdata, udata, ucode, tss (2 slots) */
	struct tss tss;
	unsigned id;
	uint64_t fs_base;	/* what the FS base MSR holds */
	uint64_t syscalls;	/* system calls taken, in test mode (CAIRN_OP_KCOUNT: main.c) */
	uint32_t apic_id;	/* its local APIC's ID (smp.c) */
	uint64_t ist[2];	/* tops of the NMI and double-fault stacks */
	uint64_t cr3;		/* the page-table root loaded: TLB shootdown reads it (arch_vm_loaded) */
	struct thread *ready_head;	/* the core's ready list (core.c) */
	struct thread *ready_tail;
	uint32_t tlb_req;	/* set by another core: flush the TLB and clear it (core.c) */
	struct thread *tc_run;	/* whose tcap the running thread spends (NULL: idle; tcap.c) */
	uint64_t tc_since;	/* since when, in cycles */
	uint64_t deadline;	/* the deadline a dispatch asked for (0: none) */
	uint64_t armed;		/* what the timer is set to (0: nothing we still want) */
	bool for_budget;	/* set for the running tcap's budget, not the deadline */
};

#include <cairn/abi.h>	/* CAIRN_MAX_CORES: cores beyond these are reported and left off */

extern struct percpu cpus[CAIRN_MAX_CORES];	/* cpus[0] is the boot core */

_Static_assert(__builtin_offsetof(struct percpu, kstack_top) == CPU_KSTACK_TOP, "percpu");
_Static_assert(__builtin_offsetof(struct percpu, user_rsp) == CPU_USER_RSP, "percpu");
_Static_assert(__builtin_offsetof(struct percpu, cur_regs) == CPU_CUR_REGS, "percpu");
_Static_assert(__builtin_offsetof(struct percpu, tss) + 4 == CPU_TSS_RSP0, "percpu");
_Static_assert(__builtin_offsetof(struct percpu, cr3) == CPU_CR3, "percpu");
_Static_assert(__builtin_offsetof(struct percpu, id) == CPU_ID, "percpu");

static inline struct percpu *this_cpu(void)
{
	struct percpu *c;
	__asm__ volatile("mov %%gs:0, %0" : "=r"(c));
	return c;
}

/* The number of the core running this (cpus[]): one load. */
static inline unsigned this_core(void)
{
	unsigned id;
	__asm__("movl %%gs:%c1, %0" : "=r"(id) : "i"(CPU_ID));
	return id;
}
#endif

#endif
