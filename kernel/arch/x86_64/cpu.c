/*
 * cpu.c: the per-core descriptor tables and entry MSRs: GDT with a TSS, IDT, syscall
 * and sysret, and the GS base that finds struct percpu. Double fault, NMI and machine
 * check run on stacks of their own (IST), so a broken kernel stack still gets reported.
 */
#include "arch.h"
#include <common/string.h>

struct idt_gate {
	uint16_t off0, sel;
	uint8_t ist, type;
	uint16_t off1;
	uint32_t off2, reserved;
} packed;

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} packed;

#define GATE_INTERRUPT 0x8e	/* present, DPL 0, 64-bit interrupt gate */
#define IST_NMI 1
#define IST_DF  2

extern const uint64_t trap_vectors[256];
extern char syscall_entry[], boot_stack_top[];

struct percpu cpus[CAIRN_MAX_CORES];
static struct idt_gate idt[256];
static uint8_t ist_stacks[2][4096] __attribute__((aligned(16)));	/* the boot core's */

static void gdt_init(struct percpu *c)
{
	uint64_t tss = (uint64_t)&c->tss;
	uint64_t limit = sizeof(c->tss) - 1;

	c->gdt[0] = 0;
	c->gdt[1] = 0x00af9a000000ffff;	/* KERNEL_CS: 64-bit code, DPL 0 */
	c->gdt[2] = 0x00cf92000000ffff;	/* KERNEL_DS */
	c->gdt[3] = 0x00cff2000000ffff;	/* USER_DS: DPL 3 */
	c->gdt[4] = 0x00affa000000ffff;	/* USER_CS: 64-bit code, DPL 3 */
	c->gdt[5] = (limit & 0xffff) | ((tss & 0xffffff) << 16) | (0x89ULL << 40) |
		    ((limit >> 16) << 48) | (((tss >> 24) & 0xff) << 56);
	c->gdt[6] = tss >> 32;
	c->tss.ist[IST_NMI - 1] = c->ist[0];
	c->tss.ist[IST_DF - 1] = c->ist[1];
	c->tss.iomap_base = sizeof(c->tss);	/* no I/O bitmap: user mode gets no ports */

	struct desc_ptr p = { sizeof(c->gdt) - 1, (uint64_t)c->gdt };
	__asm__ volatile(
		"lgdt %0\n"
		"mov %1, %%ds\n mov %1, %%es\n mov %1, %%ss\n"
		"pushq %2\n lea 1f(%%rip), %%rax\n pushq %%rax\n lretq\n1:\n"
		"ltr %w3"
		:: "m"(p), "r"(KERNEL_DS), "i"(KERNEL_CS), "r"(TSS_SEL) : "rax", "memory");
}

static void idt_load(void)
{
	struct desc_ptr p = { sizeof(idt) - 1, (uint64_t)idt };
	__asm__ volatile("lidt %0" :: "m"(p));
}

static void idt_init(void)
{
	for (unsigned v = 0; v < 256; v++) {
		uint64_t a = trap_vectors[v];
		uint8_t ist = v == 2 || v == 18 ? IST_NMI : v == 8 ? IST_DF : 0;
		idt[v] = (struct idt_gate){ a & 0xffff, KERNEL_CS, ist, GATE_INTERRUPT,
					    (a >> 16) & 0xffff, a >> 32, 0 };
	}
	idt_load();
}

static void syscall_init(void)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	wrmsr(MSR_STAR, ((uint64_t)(USER_DS - 8 - 3) << 48) | ((uint64_t)KERNEL_CS << 32));
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	wrmsr(MSR_SFMASK, RFLAGS_IF | RFLAGS_DF | RFLAGS_TF | RFLAGS_AC | RFLAGS_NT);
}

/* User code may use SSE; the kernel is built without it. */
static void fpu_init(void)
{
	write_cr0((read_cr0() & ~(1ULL << 2)) | (1ULL << 1));	/* EM off, MP on */
	write_cr4(read_cr4() | (1ULL << 9) | (1ULL << 10));	/* OSFXSR, OSXMMEXCPT */
	__asm__ volatile("fninit");
}

/* The state every core sets up for itself: c's kstack_top and ist[] are filled in. */
static void core_init(struct percpu *c, unsigned id)
{
	c->self = c;
	c->id = id;
	gdt_init(c);
	wrmsr(MSR_GS_BASE, (uint64_t)c);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
	syscall_init();
	fpu_init();
}

void arch_cpu_init(void)
{
	struct percpu *c = &cpus[0];

	c->kstack_top = (uint64_t)boot_stack_top;
	c->ist[0] = (uint64_t)ist_stacks[0] + sizeof(ist_stacks[0]);
	c->ist[1] = (uint64_t)ist_stacks[1] + sizeof(ist_stacks[1]);
	core_init(c, 0);
	idt_init();
}

void arch_cpu_init_ap(struct percpu *c, unsigned id)
{
	core_init(c, id);
	idt_load();
}

void arch_regs_init(struct regs *r, uint64_t rip, uint64_t rsp, uint64_t arg)
{
	*r = (struct regs){ .rip = rip, .rsp = rsp, .rdi = arg, .cs = USER_CS, .ss = USER_DS,
			    .rflags = RFLAGS_IF | RFLAGS_RESERVED1 };
}

void arch_regs_syscall_return(struct regs *r, uint64_t ip, uint64_t sp, uint64_t r0, uint64_t r1)
{
	arch_regs_init(r, ip, sp, 0);
	r->rax = r0;
	r->rdx = r1;
	r->vector = VECTOR_SYSCALL;	/* sysret: rcx and r11 come back as a syscall leaves them */
}

/* FAULT_REG's numbers are the ABI's (cairn/abi.h), mapped here to the layout's slots. */
_Static_assert(REGS_COUNT == CAIRN_REG_COUNT, "FAULT_REG numbers every saved register");

uint64_t *arch_regs_slot(struct regs *r, uint64_t n)
{
	if (n - CAIRN_REG_FPU < CAIRN_REG_END - CAIRN_REG_FPU)	/* the FPU area follows r (obj.h) */
		return (uint64_t *)((uint8_t *)r + REGS_FPU) + (n - CAIRN_REG_FPU);
	switch (n) {
#define REGS_X_SLOT(name, field) case CAIRN_REG_##name: return &r->field;
	REGS_EACH(REGS_X_SLOT)
#undef REGS_X_SLOT
	default:
		return NULL;
	}
}

/* Flags a user thread may set: the arithmetic ones, TF, DF. */
#define RFLAGS_USER 0xdd5ULL

long arch_regs_check_write(struct regs *r, uint64_t *reg, uint64_t *value)
{
	if (reg == &r->rip || reg == &r->rsp)
		return *value < USER_TOP ? 0 : CAIRN_EFAULT;
	if (reg == &r->cs || reg == &r->ss || reg == &r->vector || reg == &r->error)
		return CAIRN_EACCES;
	if (reg == &r->rflags)
		*value = (*value & RFLAGS_USER) | RFLAGS_IF | RFLAGS_RESERVED1;
	if (reg == arch_regs_slot(r, CAIRN_REG_MXCSR))	/* a reserved bit would fault FXRSTOR */
		*value &= 0xffffffff0000ffbfULL;
	return 0;
}

void arch_fpu_init(uint8_t *buf)
{
	memset(buf, 0, FPU_SIZE);
	*(uint16_t *)buf = 0x37f;		/* FCW: all x87 exceptions masked */
	*(uint32_t *)(buf + 24) = 0x1f80;	/* MXCSR: all SSE exceptions masked */
}

void arch_fpu_save(uint8_t *buf)
{
	__asm__ volatile("fxsave64 %0" : "=m"(*(uint8_t (*)[FPU_SIZE])buf));
}

/* inb and inw write only al and ax: the rest of eax stays zero. */
uint32_t arch_port_in(uint16_t port, unsigned width)
{
	uint32_t v = 0;

	if (width == 1)
		__asm__ volatile("inb %1, %b0" : "+a"(v) : "Nd"(port));
	else if (width == 2)
		__asm__ volatile("inw %1, %w0" : "+a"(v) : "Nd"(port));
	else
		__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

void arch_port_out(uint16_t port, unsigned width, uint32_t value)
{
	if (width == 1)
		outb(port, (uint8_t)value);
	else if (width == 2)
		outw(port, (uint16_t)value);
	else
		outl(port, value);
}

noreturn void arch_halt(void)
{
	for (;;)
		__asm__ volatile("cli; hlt" ::: "memory");
}

bool arch_under_hypervisor(void)
{
	uint32_t r[4];

	cpuid(1, 0, r);
	return r[2] >> 31;
}

uint64_t arch_phys_limit(void)
{
	uint32_t r[4];
	unsigned bits = 36;	/* what a CPU without leaf 0x80000008 addresses */

	cpuid(0x80000000, 0, r);
	if (r[0] >= 0x80000008) {
		cpuid(0x80000008, 0, r);
		bits = r[0] & 0xff;
	}
	return 1ULL << (bits < 52 ? bits : 52);	/* 52: what a page-table entry holds */
}
