/*
 * smp.c: the other cores (docs/multicore.md). arch_smp_prepare, before the frame table
 * takes the free memory, takes the processors the MADT lists (acpi.h), sets aside each
 * one's kernel and exception stacks and picks a free page below 1 MiB for the
 * trampoline (trampoline.S). arch_smp_start then starts them one at a time, as the
 * Intel SDM (vol. 3, 9.4.4.1) and the MultiProcessor Specification (B.4) say: INIT,
 * 10 ms, STARTUP, 200 us, a second STARTUP if the core has not started, then up to
 * 100 ms for it to check in. Each core sets up its own descriptor tables, GS base and
 * local APIC, records what it sees, checks in and parks until there is work for it.
 */
#include "arch.h"
#include "acpi.h"
#include "console.h"
#include <common/string.h>

#define PIT_10MS          11932
#define PIT_1MS           1193
#define PIT_200US         239
/*
 * How long a started core has to check in. A real core takes microseconds; an
 * emulated one is a host thread that a loaded host may not run for a while (100 ms
 * lost core 1 once in about 50 two-core boots beside a parallel build, issue 19). Only a
 * core that never starts costs the wait; Linux waits 10 s.
 */
#define CHECK_IN_MS       2000

#define STACK_PAGES       (KERNEL_STACK_SIZE / PAGE_SIZE)
#define CORE_PAGES        (STACK_PAGES + 2)	/* kernel stack, NMI stack, double-fault stack */
#define TRAMP_PAGES       4			/* code, PML4, PDPT, PD */
#define LOW_TOP           0x9f000		/* below the EBDA */

extern char ap_trampoline[], ap_trampoline_end[];
extern char tr_cr0[], tr_cr3[], tr_efer[], tr_stack[], tr_arg[], tr_entry[];


static unsigned listed = 1, prepared = 1, online = 1;
static uint32_t expect_id[CAIRN_MAX_CORES];	/* the MADT's APIC ID for each core we prepared */
static uint64_t tramp;				/* the trampoline's physical page, 0: none */
static volatile uint32_t checked_in;		/* the core being started: 1 ok, 2 wrong GS base */

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* Is [base, base + len) free low memory nothing of the boot loader's lies in? */
static bool low_free(const struct bootinfo *bi, uint64_t base, uint64_t len)
{
	bool usable = false;

	for (unsigned i = 0; i < bi->nmmap; i++) {
		const struct boot_mmap *m = &bi->mmap[i];
		if (m->type == BOOT_MEM_USABLE && m->base <= base && base + len <= m->base + m->len)
			usable = true;
	}
	if (!usable || overlaps(base, len, bi->info_start, bi->info_end - bi->info_start))
		return false;
	for (unsigned i = 0; i < bi->nmod; i++)
		if (overlaps(base, len, bi->mod[i].start, bi->mod[i].end - bi->mod[i].start) ||
		    overlaps(base, len, PAGE_DOWN(v2p(bi->mod[i].cmdline)), 2 * PAGE_SIZE))
			return false;
	return !overlaps(base, len, PAGE_DOWN(v2p(bi->cmdline)), 2 * PAGE_SIZE);
}

static uint64_t find_trampoline(const struct bootinfo *bi)
{
	for (uint64_t base = PAGE_SIZE; base + TRAMP_PAGES * PAGE_SIZE <= LOW_TOP; base += PAGE_SIZE)
		if (low_free(bi, base, TRAMP_PAGES * PAGE_SIZE))
			return base;
	return 0;
}

void arch_smp_prepare(const struct acpi_info *ai, const struct bootinfo *bi, uint64_t (*alloc_contig)(uint64_t n))
{
	uint32_t self = cpu_initial_apic_id();

	expect_id[0] = self;
	if (!ai || !ai->ncpus)
		return;
	listed = ai->ncpus;
	tramp = find_trampoline(bi);
	if (!tramp) {
		kprintf("smp: no free low memory for the trampoline: this core only\n");
		return;
	}
	for (unsigned i = 0; i < ai->ncpus && prepared < CAIRN_MAX_CORES; i++) {
		if (ai->apic_id[i] == self)
			continue;
		uint64_t f = alloc_contig(CORE_PAGES);
		if (!f) {
			kprintf("smp: no memory for more cores' stacks: %u of %u\n", prepared, listed);
			return;
		}
		struct percpu *c = &cpus[prepared];
		c->kstack_top = (uint64_t)p2v(f) + STACK_PAGES * PAGE_SIZE;
		c->ist[0] = c->kstack_top + PAGE_SIZE;
		c->ist[1] = c->kstack_top + 2 * PAGE_SIZE;
		expect_id[prepared++] = ai->apic_id[i];
	}
	if (listed > prepared)
		kprintf("smp: %u cores listed, %u prepared (at most %u)\n", listed, prepared, CAIRN_MAX_CORES);
}

/* Where an application processor arrives from the trampoline: rdi = its percpu. */
static noreturn void ap_main(struct percpu *c)
{
	write_cr3(kernel_pml4_phys);	/* off the trampoline's tables */
	arch_cpu_init_ap(c, c->id);
	apic_init_core();
	c->apic_id = apic_id();
	c->cr3 = kernel_pml4_phys;
	bool mine = this_cpu() == c;
	__atomic_store_n(&checked_in, mine ? 1 : 2, __ATOMIC_RELEASE);
	if (mine)
		kernel_ap_main();
	arch_halt();
}

/* Fills in the trampoline's tr_* field of size bytes (4 or 8: trampoline.S) with v. */
static void patch(char *field, size_t size, uint64_t v)
{
	memcpy(p2v(tramp + (uint64_t)(field - ap_trampoline)), &v, size);
}

/*
 * The code, and tables mapping the low 2 MiB 1:1 and the kernel's halves as ours do,
 * in the three pages after it.
 */
static void write_trampoline(void)
{
	uint64_t *pml4 = p2v(tramp + PAGE_SIZE), *pdpt = pml4 + 512, *pd = pdpt + 512;
	const uint64_t *kernel = p2v(kernel_pml4_phys);

	memcpy(p2v(tramp), ap_trampoline, (size_t)(ap_trampoline_end - ap_trampoline));
	memset(pml4, 0, 3 * PAGE_SIZE);
	memcpy(pml4 + 256, kernel + 256, 256 * sizeof(uint64_t));
	pml4[0] = (tramp + 2 * PAGE_SIZE) | PTE_P | PTE_W;
	pdpt[0] = (tramp + 3 * PAGE_SIZE) | PTE_P | PTE_W;
	pd[0] = PTE_PS | PTE_P | PTE_W;	/* 2 MiB at 0 */
	patch(tr_cr0, 4, read_cr0());
	patch(tr_cr3, 4, tramp + PAGE_SIZE);
	patch(tr_efer, 4, (1u << 8) | (rdmsr(MSR_EFER) & EFER_NXE));	/* LME */
	patch(tr_entry, 8, (uint64_t)ap_main);
}

/* INIT, STARTUP, STARTUP: whether core k checked in. */
static bool start_core(unsigned k)
{
	struct percpu *c = &cpus[k];
	uint32_t id = expect_id[k];

	c->id = k;
	patch(tr_stack, 8, c->kstack_top - 8);	/* as if called: rsp + 8 16-byte aligned */
	patch(tr_arg, 8, (uint64_t)c);
	__atomic_store_n(&checked_in, 0, __ATOMIC_RELEASE);
	apic_send_init(id);
	arch_pit_wait(PIT_10MS);
	for (unsigned sipi = 0; sipi < 2 && !checked_in; sipi++) {
		apic_send_startup(id, tramp);
		arch_pit_wait(PIT_200US);
	}
	for (unsigned ms = 0; ms < CHECK_IN_MS && !checked_in; ms++)
		arch_pit_wait(PIT_1MS);
	uint32_t r = __atomic_load_n(&checked_in, __ATOMIC_ACQUIRE);
	if (r != 1)
		kprintf("smp: core %u (APIC ID %u) %s\n", k, id, r ? "has the wrong GS base" : "did not start");
	return r == 1;
}

unsigned arch_smp_start(void)
{
	cpus[0].apic_id = apic_id();
	if (prepared > 1)
		write_trampoline();
	while (online < prepared && start_core(online))	/* the cores' numbers stay dense */
		online++;
	return online;
}

unsigned arch_cores_listed(void)
{
	return listed;
}

unsigned arch_cores_online(void)
{
	return online;
}

bool arch_core_state_ok(unsigned k)
{
	const struct percpu *c = &cpus[k];

	if (k >= prepared || c->self != c || c->id != k || c->apic_id != expect_id[k])
		return false;
	for (unsigned j = 0; j < k; j++)
		if (cpus[j].apic_id == c->apic_id || cpus[j].kstack_top == c->kstack_top)
			return false;
	return true;
}
