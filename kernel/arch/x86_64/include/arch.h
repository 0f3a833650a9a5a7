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
#include "cpu.h"
#include "percpu.h"

/*
 * Lets interrupts in while the core waits for one; returns with them off. sti takes
 * effect after the next instruction, so no interrupt is lost before hlt.
 */
static inline void arch_wait_for_interrupt(void) { __asm__ volatile("sti; hlt; cli" ::: "memory"); }

/* serial.c: the kernel console (COM1). */
void arch_console_init(void);
void arch_console_putc(char c);

/* cpu.c: descriptor tables, system call MSRs, per-core state, user registers. */
void arch_cpu_init(void);
/* True under a hypervisor (CPUID's hypervisor bit): cores may be descheduled at will. */
bool arch_under_hypervisor(void);
void arch_cpu_init_ap(struct percpu *c, unsigned id);	/* on the core itself */
/*
 * Fills r so that resuming it starts user code at rip with stack rsp and rdi = arg:
 * every other register cleared, segments and flags a fresh user thread's.
 */
void arch_regs_init(struct regs *r, uint64_t rip, uint64_t rsp, uint64_t arg);
/*
 * Fills r as the return of a system call at ip with stack sp and results r0, r1
 * (regs_result, regs_result2), every other register cleared: nothing of what ran
 * before survives.
 */
void arch_regs_syscall_return(struct regs *r, uint64_t ip, uint64_t sp, uint64_t r0, uint64_t r1);
/*
 * The saved register FAULT_REG numbers n (CAIRN_REG_*) in r, or NULL if none is; from
 * CAIRN_REG_FPU on, a word of the FPU area that follows r (a thread's, a fault's).
 */
uint64_t *arch_regs_slot(struct regs *r, uint64_t n);
/*
 * Checks a write of *value to the saved register *reg of r: CAIRN_EFAULT for a rip or
 * rsp outside user space, CAIRN_EACCES for segments, vector and error code. For
 * rflags, *value is changed so that only the flags a user thread may set survive; for
 * MXCSR, so that no reserved bit (nor DAZ, which not every CPU has) is set.
 */
long arch_regs_check_write(struct regs *r, uint64_t *reg, uint64_t *value);
/* The address of the last page fault. */
static inline uint64_t arch_fault_address(void) { return read_cr2(); }
/* Starts the first thread of this core (entry.S); r must be complete. */
noreturn void arch_enter_user(struct regs *r);

/*
 * A thread's TLS base (struct arch_thread, regs.h): set it; whether this core holds
 * it; load it into this core. The core remembers what it holds, so a switch between
 * threads with the same base, the common case, costs one compare.
 */
static inline void arch_tls_set(struct arch_thread *a, uint64_t base) { a->fs_base = base; }

static inline bool arch_tls_loaded(const struct arch_thread *a) { return this_cpu()->fs_base == a->fs_base; }

static inline void arch_tls_load(const struct arch_thread *a)
{
	this_cpu()->fs_base = a->fs_base;
	wrmsr(MSR_FS_BASE, a->fs_base);
}
/* A clean FPU/SSE image (fxsave format) in buf; and the live state saved into buf. */
void arch_fpu_init(uint8_t *buf);
void arch_fpu_save(uint8_t *buf);
/* Stops this core for good. */
noreturn void arch_halt(void);
/* Ends QEMU through isa-debug-exit (exit status code*2+1); does nothing on hardware. */
static inline void arch_qemu_exit(unsigned code) { outl(0xf4, code); }

/* apic.c, pit.c: the local APIC one-shot timer and the TSC, calibrated against the PIT. */
void arch_timer_init(void);
uint64_t arch_timer_hz(void);
uint64_t arch_tsc_hz(void);
static inline uint64_t arch_cycles(void) { return rdtsc(); }	/* the time stamp counter now */
/* Arms the timer for an absolute time stamp counter value (now, if it has passed). */
void arch_timer_deadline(uint64_t tsc);
/* Busy-waits for n PIT ticks (PIT_HZ per second) with interrupts as they are. */
void arch_pit_wait(uint16_t n);
#define PIT_HZ 1193182

/* cpu.c: port input and output of width 1, 2 or 4 bytes. */
uint32_t arch_port_in(uint16_t port, unsigned width);
void arch_port_out(uint16_t port, unsigned width, uint32_t value);

/*
 * ioapic.c: line n (CAIRN_IRQ_*: I/O APIC pin or MSI) arrives as vector
 * IRQ_VECTOR_BASE + n: 0x20..0x5f, above the exceptions, below KICK and TLB.
 */
#define IRQ_VECTOR_BASE 0x20
void arch_ioapic_init(uint64_t base);	/* the MADT's for ISA lines; 0: the standard one */
/*
 * Routes line n to that core (cpus[]), or masks it (on false). A pin is routed in the
 * I/O APIC with mode (CAIRN_IRQ_LEVEL, _ACTIVE_LOW): 0. An MSI line has nothing to
 * route: its message, to that core (a device raises it by writing data to address):
 * data << 32 | address (CAIRN_MSI_*).
 */
uint64_t arch_irq_route(unsigned line, bool on, unsigned core, unsigned mode);
/*
 * Masks a level-triggered pin (mask true: the line fired, trap.c) or unmasks it
 * (IRQ_ACK): 0, or CAIRN_EINVAL if line is not one (an edge pin or an MSI line).
 */
long arch_irq_mask(unsigned line, bool mask);

/*
 * The MSI window: a write anywhere in its 1 MiB is an interrupt message (the address
 * names the local APIC, ID in bits 12..19), a CPU's write included (QEMU).
 */
#define MSI_ADDRESS 0xfee00000u

/*
 * ioapic.c: true for a device page the kernel drives itself (the local APIC's, the
 * I/O APIC's, the IOMMU's) or in the MSI window: never a user's, whatever DEVMEM
 * capability it holds (devmem.h).
 */
bool arch_device_page_kernel(uint64_t pa);
/*
 * vtd.c: DMA remapping by the IOMMU (Intel VT-d), for iommu.c. arch_iommu_init takes
 * the first remapping unit's register base (acpi.c; 0: none) and its tables from
 * alloc_contig at boot, and turns translation on: from then on a device DMAs only
 * through the I/O root it is attached to. rid < CAIRN_IOMMU_RIDS everywhere.
 */
void arch_iommu_init(uint64_t regs, uint64_t (*alloc_contig)(uint64_t n));
/* Attaches device rid to the I/O root: CAIRN_ENOTSUP no IOMMU, CAIRN_EBUSY attached already. */
long arch_iommu_attach(unsigned rid, uint64_t *root);
/* Detaches rid and gives back its root: CAIRN_ENOTSUP no IOMMU, CAIRN_ENOENT not attached. */
long arch_iommu_detach(unsigned rid, uint64_t **root);
uint64_t *arch_iommu_root(unsigned rid);	/* the root rid is attached to, or NULL */
void arch_iommu_flush(void);		/* after a removal from any I/O table */
void arch_iommu_fault(void);		/* IOMMU_VECTOR: reports and clears the faults */
bool arch_iommu_regs(uint64_t pa);	/* true for the IOMMU's register page */

/* cpu.c: one past the highest physical address the CPU can address (a power of two). */
uint64_t arch_phys_limit(void);

/* True for a device line that is never raised: line 2, the PICs' cascade; a pin
 * line (below CAIRN_IRQ_MSI) the I/O APIC does not have. */
bool arch_irq_reserved(unsigned line);

/*
 * vm.c: the kernel half of the page tables, its tables from alloc_contig (n zeroed
 * frames, 0 when none); switching address spaces.
 */
void arch_vm_init(uint64_t max_phys, uint64_t (*alloc_contig)(uint64_t n));
/*
 * Switches to the address space of root_phys unless it is current (inline: hot path).
 * The core's percpu.cr3 says which root it has loaded, for TLB shootdown (core.c):
 * without PCIDs a core caches translations of that root only.
 */
static inline void arch_vm_switch(uint64_t root_phys)
{
	uint64_t cur;

	__asm__ volatile("mov %%gs:%c1, %0" : "=r"(cur) : "i"(CPU_CR3));
	if (cur != root_phys) {
		__asm__ volatile("mov %0, %%gs:%c1" :: "r"(root_phys), "i"(CPU_CR3) : "memory");
		write_cr3(root_phys);
	}
}
/* The kernel's own page tables (the kernel half only): what an idle core loads. */
extern uint64_t kernel_pml4_phys;
static inline void arch_vm_switch_kernel(void) { arch_vm_switch(kernel_pml4_phys); }

/* The root core k has loaded (percpu.cr3), read while that core may be switching. */
static inline uint64_t arch_vm_loaded(unsigned k) { return __atomic_load_n(&cpus[k].cr3, __ATOMIC_RELAXED); }

/* Drops this core's cached translations (of the root it has loaded: no PCIDs). */
static inline void arch_tlb_flush_local(void) { write_cr3(read_cr3()); }

/* True if a present leaf page-table entry maps a device page (pgtbl_map_device). */
static inline bool arch_pte_device(uint64_t pte) { return pte & PTE_DEV; }

/*
 * True if [va, va + len) is inside user space and mapped user-readable, and no page of
 * it is a device page (the kernel never reads device memory on a user's behalf).
 */
bool arch_vm_user_readable(uint64_t root_phys, uint64_t va, uint64_t len);

/* Called by the architecture's trap code (trap.c); implemented by generic code. */
struct regs *kernel_user_fault(struct regs *r);		/* a CPU exception in user mode */
struct regs *kernel_timer_interrupt(struct regs *cur);	/* cur NULL: the core idled */
struct regs *kernel_irq(unsigned line, struct regs *cur);	/* a device line, 1..63 */
struct regs *syscall_dispatch(uint64_t call, struct regs *r);
struct regs *switch_prepare(struct regs *next);	/* syscall.c: next's address space and TLS, to resume it */

/* trap.c: prints a fault report: exception name, error code, rip, cr2, registers. */
void arch_report_fault(const char *who, const struct regs *r);
/* apic.c: acknowledges the interrupt being handled. */
void apic_eoi(void);
/*
 * Whether vector is in service at this core's local APIC: an interrupt was taken on it
 * and not yet acknowledged. An exception never is: without interrupt remapping a device
 * can send any vector, 0..31 included, so a vector is a fault only if not in service.
 */
bool apic_in_service(uint64_t vector);
void apic_init_core(void);
uint32_t apic_id(void);
uint64_t apic_page(void);	/* the local APIC's physical page (0 before apic_init_core) */
void apic_send_init(uint32_t dest);			/* to APIC ID dest */
void apic_send_startup(uint32_t dest, uint64_t page);

/* Interrupts core k (cpus[]) with vector: KICK_VECTOR or TLB_VECTOR below (fixed, edge). */
void arch_send_ipi(unsigned k, uint8_t vector);

/* smp.c: the other cores (docs/multicore.md). */
struct bootinfo;
struct acpi_info;
/* Takes the MADT's cores and sets aside each one's stacks (before the frame table). */
void arch_smp_prepare(const struct acpi_info *ai, const struct bootinfo *bi,
		      uint64_t (*alloc_contig)(uint64_t n));
/* Starts every core arch_smp_prepare found; returns how many run, this one included. */
unsigned arch_smp_start(void);
unsigned arch_cores_listed(void);	/* enabled processors in the MADT (1 without one) */
unsigned arch_cores_online(void);
/*
 * Whether core k's own state is its own (for the invariant check): its per-core area
 * points at itself with its number, its local APIC's ID is the one the MADT gave it,
 * and no earlier core shares its APIC ID or kernel stack.
 */
bool arch_core_state_ok(unsigned k);
/* An application processor that checked in: runs the kernel's idle loop (core.c). */
noreturn void kernel_ap_main(void);

#define TIMER_VECTOR    32
#define KICK_VECTOR     0x60	/* another core made a thread of this one runnable */
#define TLB_VECTOR      0x61	/* another core removed a mapping this one may cache */
#define IOMMU_VECTOR    0x62	/* the IOMMU recorded a fault (vtd.c) */
#define SPURIOUS_VECTOR 0xff

#endif
