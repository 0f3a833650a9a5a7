/*
 * review_msi_vector (issue 21 review): a device's MSI message names any vector, and
 * with no interrupt remapping nothing checks it (docs/devices.md, "The limit: no
 * interrupt remapping", which calls the result "spurious interrupts (not read or write
 * memory)"). The first program stands in for a hostile device (or a driver that aims
 * its device's DMA engine at 0xfee00000): it programs QEMU's edu MSI capability with
 * a message of its choosing, raises the interrupt, and checks that the kernel and the
 * target core go on. The first boot module, "ioport" on its line, two cores; its
 * argument picks the vector:
 *
 *   exc    vector 0x13 (#XM's) to core 1 (APIC 1), which idles in the kernel:
 *          trap_kernel takes every vector below 32 for a CPU exception in the kernel
 *          and panics (trap.c, regs_is_fault). In user mode the same message would
 *          stop whatever thread runs there as faulting (kernel_user_fault).
 *   noeoi  vector 0xf0 to core 1: interrupt() takes every vector >= 0xe0 for a
 *          spurious one and sends no EOI, so the local APIC keeps 0xf0 in service and
 *          core 1 takes no interrupt of a lower class again: not its timer, not a
 *          kick, not a TLB shootdown (which another core then waits for).
 *
 *   cpu    no device at all: the CPU would write vector 0x13 through a DEVMEM mapping
 *          of 0xfee01000, a page of the MSI window that is not the local APIC's page.
 *          QEMU's APIC region spans the whole window and sends a write past its
 *          first page as an MSI. Since the fix, no page of the window maps (rvm.3:
 *          PGTBL_MAP says CAIRN_EACCES).
 *   gp     vector 0x0d, #GP's (an error code, as #AC's), like ac (with spin) or exc.
 *
 *   spin   (with noeoi) vector 0xf0 to core 1 while a thread of ours spins there in
 *          user mode, then an unmap in our root from core 0: its TLB shootdown
 *          (core_shootdown) waits for core 1's answer without a bound, holding the
 *          big lock: the whole kernel hangs (rvm.2 only).
 *
 *   ac     (with spin) vector 0x11, #AC's, to core 1 while our thread spins there
 *          in user mode. #AC pushes an error code and its stub (entry.S) pushes no
 *          zero in its place: an interrupt on that vector builds the thread's struct
 *          regs 8 bytes below where it belongs (tss.rsp0), writing over what lies
 *          there, and the thread is stopped with shifted registers (rip = its cs,
 *          cs = its rflags, ...). Seen: the main thread on core 0 then faults as
 *          well, in a branch its own state rules out.
 *
 *   rvm.1  after the message, core 1 still wakes our thread there (within 2 s), and
 *          KCHECK passes
 *   rvm.2  an unmap in our root, which core 1 has loaded, returns (its TLB shootdown
 *          waits for core 1's answer without a bound: a deaf core 1 hangs the kernel)
 */
#include "review_common.h"
#include <cairn/pci.h>

#define DEV        CAIRN_SLOT_DEVMEM
#define VA         0x200000000UL	/* the edu's first page */
#define PAGE       4096UL
#define EDU_STATUS 0x24
#define EDU_RAISE  0x60
#define EDU_ACK    0x64
#define APIC1_MSI  0xfee01000u
#define SCRATCH    (VA + PAGE)		/* a page of ours, mapped and unmapped */		/* core 1's local APIC (APIC ID 1 under QEMU) */

static struct pci_cfg cfg;
static struct pci_ports ports;
static unsigned edu_bdf, edu_msi;
static volatile uint32_t *edu;
static struct cairn_core_thread helper;
static volatile long helper_ran, spin;

static long find_edu(void)
{
	static struct pci_func funcs[64];
	struct pci_bar bars[PCI_BARS];
	unsigned n = pci_enumerate(&cfg, funcs, 64), s = slot();

	for (unsigned i = 0; i < n && i < 64; i++)
		if (funcs[i].vendor == 0x1234 && funcs[i].device == 0x11e8)
			edu_bdf = funcs[i].bdf;
	if (!edu_bdf || pci_bars(&cfg, edu_bdf, bars) < 0 || bars[0].kind != PCI_BAR_MEM32)
		return CAIRN_ENOENT;
	edu_msi = pci_cap_find(&cfg, edu_bdf, PCI_CAP_MSI);
	long r = cairn_devmem_derive(DEV, s, bars[0].base, bars[0].base + PAGE);
	if (!r)
		r = cairn_pgtbl_path(&A, PT, VA);
	if (!r)
		r = cairn_pgtbl_map(PT, VA, s, bars[0].base, CAIRN_MAP_WRITE);
	pci_write16(&cfg, edu_bdf, PCI_COMMAND,
		    pci_read16(&cfg, edu_bdf, PCI_COMMAND) | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	edu = (volatile uint32_t *)VA;
	return r ? r : edu_msi ? 0 : CAIRN_ENOTSUP;
}

/* 0xfee01000 mapped at VA, writable, through a DEVMEM capability. */
static long map_window(void)
{
	unsigned s = slot();
	long r = cairn_devmem_derive(DEV, s, APIC1_MSI, APIC1_MSI + PAGE);

	if (!r)
		r = cairn_pgtbl_path(&A, PT, VA);
	if (!r)
		r = cairn_pgtbl_map(PT, VA, s, APIC1_MSI, CAIRN_MAP_WRITE);
	return r;
}

static void ran(cairn_word tid)
{
	(void)tid;
	for (;;) {
		cairn_rcv_wait(helper.rcv);	/* the first: the send that started it */
		__atomic_add_fetch(&helper_ran, 1, __ATOMIC_RELEASE);
		while (__atomic_load_n(&spin, __ATOMIC_ACQUIRE))
			;	/* in user mode, our root loaded on core 1 */
	}
}

/* The message: through the edu (its MSI capability) or the CPU (the window). */
static uint32_t send_message(int cpu, unsigned vector)
{
	if (cpu) {
		*(volatile uint32_t *)VA = vector;	/* address 0xfee01000, data vector */
		return 1;
	}
	pci_msi_enable(&cfg, edu_bdf, edu_msi, APIC1_MSI, vector);
	edu[EDU_RAISE / 4] = 1;
	uint32_t st = edu[EDU_STATUS / 4];	/* the write was done: the message was sent */
	edu[EDU_ACK / 4] = 1;
	return st;
}

int main(const void *root)
{
	review_init(root);
	pci_cfg_ports(&cfg, &ports, CAIRN_SLOT_IOPORT);
	unsigned vector = cairn_arg_flag(R, "noeoi") ? 0xf0 : cairn_arg_flag(R, "ac") ? 0x11 :
			  cairn_arg_flag(R, "gp") ? 0x0d : 0x13;
	int cpu = cairn_arg_flag(R, "cpu");
	if (cpu) {	/* the window is the kernel's: no page of it maps */
		long w = map_window();
		CHECK("rvm.3", "msi_window_refused", w == CAIRN_EACCES, "PGTBL_MAP of 0x%x: %ld", (unsigned)APIC1_MSI, w);
		return 0;
	}
	long r = R->cores < 2 ? CAIRN_ENOTSUP : find_edu();
	uint32_t st = 0;

	/* A thread of ours on core 1 ran (our root is what core 1 has loaded) and waits. */
	if (!r)
		r = cairn_core_thread(&A, 1, ran, &helper);
	if (!r && !await(&helper_ran, 1))
		r = -1000;	/* the thread on core 1 never ran */
	if (!r && cairn_arg_flag(R, "spin")) {
		/* 0xf0 while our thread spins on core 1: then a removal from our root. */
		__atomic_store_n(&spin, 1, __ATOMIC_RELEASE);
		r = cairn_asnd_send(helper.wake, 0);
		if (!r && !await(&helper_ran, 2))
			r = -1001;
		st = r ? 0 : send_message(cpu, vector);
		pause_ms(100);
		uint64_t f = r ? 0 : cairn_frame(&A, U);
		long m = f ? cairn_pgtbl_map(PT, SCRATCH, MEM, f, CAIRN_MAP_WRITE) : CAIRN_ENOMEM;
		cairn_printf("review_msi_vector: unmapping while core 1 spins (a deaf core 1 hangs the kernel here)\n");
		long u = m ? m : cairn_pgtbl_unmap(PT, SCRATCH);
		__atomic_store_n(&spin, 0, __ATOMIC_RELEASE);
		CHECK("rvm.2", "unmap_returns", !r && st == 1 && m == 0 && u == 0, "setup %ld status %#x map %ld unmap %ld",
		      r, st, m, u);
		return 0;
	}
	if (!r) {
		pause_ms(100);	/* core 1 idles in the kernel */
		st = send_message(cpu, vector);
		pause_ms(100);
		r = cairn_asnd_send(helper.wake, 0);
	}
	int alive = !r && await(&helper_ran, 2);
	long k = cairn_kcheck();
	CHECK("rvm.1", "hostile_msi_vector_harmless", !r && st == 1 && alive && k == 0,
	      "vector %#x to core 1: setup %ld, status %#x, the thread on core 1 woken %d, kcheck %ld",
	      vector, r, st, alive, k);

	/* A removal from our root asks core 1 (TLB_VECTOR) and waits for its answer. */
	uint64_t f = cairn_frame(&A, U);
	long m = f ? cairn_pgtbl_map(PT, SCRATCH, MEM, f, CAIRN_MAP_WRITE) : CAIRN_ENOMEM;
	cairn_printf("review_msi_vector: unmapping (a deaf core 1 hangs the kernel here)\n");
	long u = m ? m : cairn_pgtbl_unmap(PT, SCRATCH);
	CHECK("rvm.2", "unmap_returns", m == 0 && u == 0, "map %ld unmap %ld", m, u);
	return 0;
}
