/*
 * msi_virtio: the driver of tests/qemu/systems/msi_virtio.toml: QEMU's virtio-rng-pci at
 * 00:05.0, which has MSI-X (keep the two, and tests/qemu/tests.toml's qemu_args, in
 * step). From its I/O page's copy of configuration space it finds the MSI-X table and
 * pending-bit array, and checks what the booter did:
 *
 *   msix.1  the entry lists MSI-X with the first min(table size, CAIRN_DEVICE_MSI)
 *           entries bound, each to its own MSI line (32..63)
 *   msix.2  no capability it holds covers the table's page or the array's (each of
 *           its DEVMEM capabilities refuses a derive there), while each does cover its
 *           own first page; a BAR all of whose pages are kept lists no capability
 *   msix.3  the other BAR (BAR4, virtio's structures) is mapped and answers
 *
 * Last, it reads the table through where the booter would have mapped it: that must
 * fault, not present (tests.toml expects the kernel's FAULT line at the address it
 * prints, offset TOUCH in the page, error 0x4: a user read of a page not mapped).
 */
#include <cairn/cairn.h>
#include <cairn/pci.h>
#include <cairn/root.h>

#define PAGE  4096UL
#define TOUCH 0xab8		/* where in the table's page it reads: tests.toml matches it */
#define VIRTIO_NUM_QUEUES 0x12	/* in the common configuration, BAR4 offset 0 under QEMU */

/* A pci_cfg that reads the I/O page's copy of configuration space (writes do nothing). */
static uint32_t copy_read(void *ctx, unsigned bdf, unsigned off, unsigned width)
{
	const uint8_t *c = ctx;
	uint32_t v = 0;

	(void)bdf;
	if (!pci_cfg_valid(0, off, width))
		return width == 4 ? 0xffffffffu : (1u << (8 * width)) - 1;
	for (unsigned i = 0; i < width; i++)
		v |= (uint32_t)c[off + i] << (8 * i);
	return v;
}

static void copy_write(void *ctx, unsigned bdf, unsigned off, unsigned width, uint32_t v)
{
	(void)ctx, (void)bdf, (void)off, (void)width, (void)v;
}

static unsigned next_slot;	/* free slots of our own, from the red tape's free_slot */

/*
 * 1 if every one of d's DEVMEM capabilities refuses page p as outside it (ERANGE); *covered counts those that do
 * cover a page of their own BAR (the first piece: its first page), as a control.
 */
static int page_kept(const struct cairn_device *d, uint64_t p, unsigned *covered)
{
	int kept = 1;

	for (unsigned j = 0; j < CAIRN_DEVICE_BARS; j++) {
		const struct cairn_device_bar *b = &d->bar[j];
		uint64_t first = b->base & ~(PAGE - 1);
		for (unsigned k = 0; b->kind == CAIRN_BAR_MEM && k < b->nslots; k++) {
			kept &= cairn_devmem_derive(b->slot + k, next_slot++, p, p + PAGE) == CAIRN_ERANGE;
			*covered += k == 0 && cairn_devmem_derive(b->slot, next_slot++, first, first + PAGE) == 0;
		}
	}
	return kept;
}

int main(const struct cairn_root *rt)
{
	const struct cairn_device *d = cairn_device(0);
	struct pci_cfg cfg = { copy_read, copy_write, 0 };
	struct pci_msix m = { 0 };

	if (!d) {
		cairn_check("msix.1", "msix_entries_bound", 0, "no device");
		return 1;
	}
	cfg.ctx = (void *)d->config;
	unsigned cap = pci_cap_find(&cfg, 0, PCI_CAP_MSIX);
	long rd = cap ? pci_msix_read(&cfg, 0, cap, &m) : CAIRN_ENOENT;
	unsigned want = m.size < CAIRN_DEVICE_MSI ? m.size : CAIRN_DEVICE_MSI, distinct = 1;
	for (unsigned k = 0; k < d->nmsi && k < CAIRN_DEVICE_MSI; k++)
		for (unsigned j = 0; j < k; j++)
			distinct &= d->msi_line[j] != d->msi_line[k];
	int lines_ok = d->nmsi >= 1 && d->msi_line[0] >= CAIRN_IRQ_MSI && d->msi_line[d->nmsi - 1] < CAIRN_IRQ_LINES;
	cairn_check("msix.1", "msix_entries_bound", rd == 0 && d->msi_kind == CAIRN_MSI_KIND_MSIX &&
		    want >= 1 && d->nmsi == want && distinct && lines_ok,
		    "MSI-X at 0x%x (%ld): %u entries, table BAR%u+0x%x, PBA BAR%u+0x%x; kind %u, %u bound: lines %u %u",
		    cap, rd, m.size, m.table_bar, m.table_off, m.pba_bar, m.pba_off, d->msi_kind, d->nmsi,
		    d->msi_line[0], d->msi_line[1]);

	uint64_t table = d->bar[m.table_bar].base + m.table_off, pba = d->bar[m.pba_bar].base + m.pba_off;
	unsigned covered = 0;
	next_slot = rt->free_slot;
	int kept = page_kept(d, table & ~(PAGE - 1), &covered) & page_kept(d, pba & ~(PAGE - 1), &covered);
	const struct cairn_device_bar *tb = &d->bar[m.table_bar];
	int whole = tb->size <= PAGE;	/* QEMU's virtio: BAR1 is the table and the array alone */
	cairn_check("msix.2", "table_and_pba_pages_kept", rd == 0 && kept && covered >= 2 &&
		    d->bar[4].nslots == 1 && (!whole || (tb->nslots == 0 && tb->slot == 0)),
		    "table 0x%lx, PBA 0x%lx: kept %d; %u capabilities cover their own first page; "
		    "BAR%u %u capabilities from slot %u; BAR4 %u", table, pba, kept, covered, m.table_bar,
		    tb->nslots, tb->slot, d->bar[4].nslots);

	volatile uint8_t *common = cairn_device_bar(d, 4);
	unsigned queues = common ? *(volatile uint16_t *)(common + VIRTIO_NUM_QUEUES) : 0;
	cairn_check("msix.3", "other_bar_mapped", queues == 1, "BAR4 at %p: num_queues %u", (void *)common, queues);

	volatile uint32_t *at = (volatile uint32_t *)(CAIRN_DEVICE_VA + (table & ~(PAGE - 1)) + TOUCH);
	cairn_printf("msi_virtio: reading the MSI-X table's page at %p\n", (void *)at);
	return (int)*at;	/* faults: the thread stops here */
}
