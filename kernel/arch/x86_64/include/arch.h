/*
 * arch.h: what generic kernel code may ask of the architecture, under fixed names (the
 * generic code never tests which architecture it runs on). The x86_64 versions live
 * in kernel/arch/x86_64/.
 */
#ifndef ARCH_ARCH_H
#define ARCH_ARCH_H

#include "types.h"
#include "regs.h"
#include "memlayout.h"

/* serial.c: the kernel console (COM1). */
void arch_console_init(void);
void arch_console_putc(char c);

/* cpu.c: descriptor tables, system call MSRs, per-core state. */
void arch_cpu_init(void);
/* Makes r the registers saved at the next entry from user mode. */
void arch_set_current(struct regs *r);
/* Fills r so that resuming it starts user code at rip with stack rsp and rdi = arg. */
void arch_regs_init(struct regs *r, uint64_t rip, uint64_t rsp, uint64_t arg);
/* Returns to user mode in the current thread; see entry.S for the contract on r. */
noreturn void arch_resume(struct regs *r);
/* Stops this core for good. */
noreturn void arch_halt(void);
/* Ends QEMU through isa-debug-exit (exit status code*2+1); does nothing on hardware. */
void arch_qemu_exit(unsigned code);

/* apic.c, pit.c: the local APIC one-shot timer, calibrated against the PIT. */
void arch_timer_init(void);
uint64_t arch_timer_hz(void);
void arch_timer_oneshot(uint64_t ticks);	/* 0 stops the timer */
/* Busy-waits for n PIT ticks (PIT_HZ per second) with interrupts as they are. */
void arch_pit_wait(uint16_t n);
#define PIT_HZ 1193182

/* vm.c: address spaces. A frame allocator hands out zeroed frames (0 when none). */
typedef uint64_t (*frame_alloc_fn)(void);
void arch_vm_init(uint64_t max_phys, frame_alloc_fn alloc);
uint64_t arch_vm_new_space(frame_alloc_fn alloc);
#define VM_WRITE 1
#define VM_EXEC  2
int arch_vm_map_user(uint64_t space, uint64_t va, uint64_t pa, unsigned flags, frame_alloc_fn alloc);
void arch_vm_switch(uint64_t space);
/* True if [va, va + len) is inside user space and mapped user-readable in space. */
bool arch_vm_user_readable(uint64_t space, uint64_t va, uint64_t len);

/* Called by the architecture's trap code (trap.c); implemented by generic code. */
noreturn void kernel_user_fault(struct regs *r);	/* a CPU exception in user mode */
void kernel_timer_interrupt(void);
noreturn void syscall_dispatch(struct regs *r);

/* trap.c: prints a fault report: exception name, error code, rip, cr2, registers. */
void arch_report_fault(const char *who, const struct regs *r);
/* apic.c: acknowledges the interrupt being handled. */
void apic_eoi(void);
#define TIMER_VECTOR    32
#define SPURIOUS_VECTOR 0xff

#endif
