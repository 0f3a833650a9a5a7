/*
 * review_dma_msi (issue 21 review): a device confined by the IOMMU still raises any
 * vector. Its I/O domain holds one read-only page; its DMA engine writes 4 bytes to
 * device address 0xfee01000, which VT-d without interrupt remapping takes for an MSI
 * and passes on untranslated (docs/devices.md, "No interrupt remapping", calls the
 * result spurious interrupts). The data is 0x13, #XM's vector, and core 1 idles in the
 * kernel: trap_kernel takes it for a CPU exception in the kernel and panics. So any
 * driver of dma = "iommu" whose device it tells where to write (every virtio driver
 * writes its descriptors' addresses) crashes the kernel. The first boot module,
 * "ioport" on its line, q35 with intel-iommu (aw-bits=48), an edu at 00:06.0 that
 * reaches 32-bit addresses (dma_mask), two cores.
 *
 *   rvm.3  the DMA into the edu's buffer (through the domain) works; after the write to
 *          0xfee01000 our thread on core 1 still wakes, and KCHECK passes
 */
#include "review_common.h"
#include <cairn/pci.h>

#define DEV     CAIRN_SLOT_DEVMEM
#define MMU     CAIRN_SLOT_IOMMU
#define PAGE    4096UL
#define BAR_VA  0x200000000UL
#define BUF_VA  0x200200000UL
#define IOVA    0xc000000UL
#define MSI_WIN 0xfee01000UL		/* core 1's local APIC in the MSI window */
#define EDU_DMA_SRC 0x80
#define EDU_DMA_DST 0x88
#define EDU_DMA_CNT 0x90
#define EDU_DMA_CMD 0x98
#define EDU_BUF     0x40000UL

static struct pci_cfg cfg;
static struct pci_ports ports;
static volatile uint64_t *edu;
static unsigned bdf;
static struct cairn_core_thread helper;
static volatile long helper_ran;

static int dma(uint64_t addr, int to_ram)
{
	edu[EDU_DMA_SRC / 8] = to_ram ? EDU_BUF : addr;
	edu[EDU_DMA_DST / 8] = to_ram ? addr : EDU_BUF;
	edu[EDU_DMA_CNT / 8] = 4;
	edu[EDU_DMA_CMD / 8] = 1 | (to_ram ? 2 : 0);
	for (uint64_t end = cairn_cycles() + 5 * R->tsc_hz; cairn_cycles() < end;)
		if (!(edu[EDU_DMA_CMD / 8] & 1))
			return 0;
	return -1;
}

static long find_edu(void)
{
	static struct pci_func funcs[64];
	struct pci_bar bar[PCI_BARS];
	unsigned n = pci_enumerate(&cfg, funcs, 64);

	for (unsigned i = 0; i < n && i < 64; i++)
		if (funcs[i].vendor == 0x1234 && funcs[i].device == 0x11e8)
			bdf = funcs[i].bdf;
	if (!bdf || pci_bars(&cfg, bdf, bar) < 1 || bar[0].kind != PCI_BAR_MEM32)
		return CAIRN_ENOENT;
	long r = cairn_pgtbl_path(&A, PT, BAR_VA);
	if (!r)
		r = cairn_pgtbl_map(PT, BAR_VA, DEV, bar[0].base, CAIRN_MAP_WRITE);
	pci_write16(&cfg, bdf, PCI_COMMAND, pci_read16(&cfg, bdf, PCI_COMMAND) | PCI_COMMAND_MEMORY |
		    PCI_COMMAND_MASTER);
	edu = (volatile uint64_t *)BAR_VA;
	return r;
}

/* One page holding the vector, mapped read-only in a new I/O root the edu is attached to. */
static long confine(void)
{
	uint64_t f = cairn_frame(&A, U);
	unsigned io = slot();
	long r = cairn_pgtbl_path(&A, PT, BUF_VA);

	if (!r)
		r = cairn_pgtbl_map(PT, BUF_VA, MEM, f, CAIRN_MAP_WRITE);
	if (!r)
		*(volatile uint32_t *)BUF_VA = 0x13;
	if (!r)
		r = cairn_captbl_act_pgtbl(CT, io, MEM, cairn_frame(&A, K), 4 | CAIRN_PGTBL_IO);
	if (!r)
		r = cairn_pgtbl_path(&A, io, IOVA);
	if (!r)
		r = cairn_pgtbl_map(io, IOVA, MEM, f, 0);
	if (!r)
		r = cairn_iommu_attach(MMU, bdf, io);
	return r;
}

static void ran(cairn_word tid)
{
	(void)tid;
	for (;;) {
		cairn_rcv_wait(helper.rcv);
		__atomic_add_fetch(&helper_ran, 1, __ATOMIC_RELEASE);
	}
}

int main(const void *root)
{
	review_init(root);
	pci_cfg_ports(&cfg, &ports, CAIRN_SLOT_IOPORT);
	long r = R->cores < 2 ? CAIRN_ENOTSUP : find_edu();
	int in = -1, out = -1;

	if (!r)
		r = confine();
	if (!r)
		r = cairn_core_thread(&A, 1, ran, &helper);
	if (!r && !await(&helper_ran, 1))
		r = -1000;	/* the thread on core 1 never ran */
	if (!r)
		in = dma(IOVA, 0);		/* the vector into the edu's buffer */
	pause_ms(100);				/* core 1 idles in the kernel */
	if (!r && !in)
		out = dma(MSI_WIN, 1);		/* and out, to the MSI window */
	pause_ms(100);
	if (!r)
		r = cairn_asnd_send(helper.wake, 0);
	int alive = !r && await(&helper_ran, 2);
	long k = cairn_kcheck();
	CHECK("rvm.3", "confined_device_msi_harmless", !r && in == 0 && out == 0 && alive && k == 0,
	      "setup %ld, dma in %d out %d, the thread on core 1 woken %d, kcheck %ld", r, in, out, alive, k);
	return 0;
}
