/*
 * trap.c: interrupts and exceptions, from user mode (trap_user) and from the kernel
 * (trap_kernel). A CPU exception in user mode is the user's fault and goes to generic
 * code to stop the thread; one in the kernel is a kernel bug: it is reported and the
 * machine stops.
 */
#include "arch.h"
#include "console.h"
#include "core.h"

static const char *const exception_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound range", "#UD invalid opcode", "#NM device not available",
	"#DF double fault", "coprocessor segment overrun", "#TS invalid TSS",
	"#NP segment not present", "#SS stack fault", "#GP general protection",
	"#PF page fault", "reserved", "#MF x87 error", "#AC alignment check",
	"#MC machine check", "#XM SIMD error", "#VE virtualization",
	"#CP control protection",
};

static const char *vector_name(uint64_t v)
{
	if (v < 32 && exception_names[v])
		return exception_names[v];
	return v == VECTOR_SYSCALL ? "syscall" : "interrupt";
}

void arch_report_fault(const char *who, const struct regs *r)
{
	kprintf("FAULT %s: %s (vector %lu) error=0x%lx rip=0x%lx cr2=0x%lx\n",
		who, vector_name(r->vector), r->vector, r->error, r->rip, read_cr2());
	kprintf("  rax=%016lx rbx=%016lx rcx=%016lx rdx=%016lx\n", r->rax, r->rbx, r->rcx, r->rdx);
	kprintf("  rsi=%016lx rdi=%016lx rbp=%016lx rsp=%016lx\n", r->rsi, r->rdi, r->rbp, r->rsp);
	kprintf("  r8 =%016lx r9 =%016lx r10=%016lx r11=%016lx\n", r->r8, r->r9, r->r10, r->r11);
	kprintf("  r12=%016lx r13=%016lx r14=%016lx r15=%016lx\n", r->r12, r->r13, r->r14, r->r15);
	kprintf("  rflags=%016lx cs=%lx ss=%lx\n", r->rflags, r->cs, r->ss);
}

/* An interrupt; cur is the interrupted thread (NULL when the core idled). */
static struct regs *interrupt(uint64_t vector, struct regs *cur)
{
	if (vector == TIMER_VECTOR) {	/* the commonest, and none of the checks below is its */
		apic_eoi();
		return kernel_timer_interrupt(cur);
	}
	if (vector >= 0xe0 && !apic_in_service(vector))
		return cur;	/* spurious (the APIC's 0xff, the masked PIC's): no EOI */
	if (vector > IRQ_VECTOR_BASE && vector < IRQ_VECTOR_BASE + CAIRN_IRQ_MSI)
		arch_irq_mask((unsigned)(vector - IRQ_VECTOR_BASE), true);	/* a level pin waits for IRQ_ACK */
	apic_eoi();	/* every other vector is in service, a device's forged ones too */
	if (vector == KICK_VECTOR)
		return core_kicked(cur);
	if (vector == TLB_VECTOR)
		core_tlb_answer();	/* usually answered already, waiting for the lock */
	if (vector == IOMMU_VECTOR)
		arch_iommu_fault();
	if (vector > IRQ_VECTOR_BASE && vector < IRQ_VECTOR_BASE + CAIRN_IRQ_LINES)
		return kernel_irq((unsigned)(vector - IRQ_VECTOR_BASE), cur);
	return cur;
}

struct regs *trap_user(struct regs *r)
{
	big_lock();	/* released on the way back to user mode (entry.S) */
	bool fault = regs_is_fault(r) && !apic_in_service(r->vector);
	struct regs *next = fault ? kernel_user_fault(r) : interrupt(r->vector, r);

	return next == r || !next ? next : switch_prepare(next);
}

void trap_kernel(struct regs *r)
{
	if (regs_is_fault(r) && !apic_in_service(r->vector)) {
		arch_report_fault("kernel", r);
		panic("CPU exception in the kernel");
	}
	big_lock();	/* the core idled without it (thread_idle) */
	interrupt(r->vector, NULL);	/* what is to run goes on the ready list */
	big_unlock();
}
