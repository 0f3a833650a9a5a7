/*
 * cap.c: walking a function's capability list (cairn/pci.h). Pure: it reaches
 * configuration space only through struct pci_cfg.
 *
 * The list is device-written: each pointer has its low two bits dropped, must lie in
 * [0x40, 0x100), and may name each dword at most once (a bitmap of the 48 dwords), so a
 * walk ends after 48 entries at most whatever the device answers.
 */
#include <cairn/pci.h>

#define CAP_TYPE_CARDBUS 0x02		/* its list pointer is elsewhere: not walked */

/* Takes pointer p as the walk's next entry: 0 ends it; below 0x40 or seen cuts it. */
static void follow(struct pci_cap_iter *it, unsigned p)
{
	p &= 0xfc;
	it->next = 0;
	if (p == 0)
		return;
	if (p < PCI_CAP_FIRST) {
		it->bad = 1;
		return;
	}
	uint64_t bit = (uint64_t)1 << ((p - PCI_CAP_FIRST) / 4);	/* p ≤ 0xfc: bit < 48 */
	if (it->seen & bit) {
		it->bad = 1;
		return;
	}
	it->seen |= bit;
	it->next = p;
}

void pci_cap_begin(const struct pci_cfg *cfg, unsigned bdf, struct pci_cap_iter *it)
{
	*it = (struct pci_cap_iter){ .cfg = cfg, .bdf = bdf };
	if (pci_read16(cfg, bdf, PCI_VENDOR_ID) == PCI_VENDOR_NONE)
		return;
	if (!(pci_read16(cfg, bdf, PCI_STATUS) & PCI_STATUS_CAPS))
		return;
	if ((pci_read8(cfg, bdf, PCI_HEADER_TYPE) & 0x7f) == CAP_TYPE_CARDBUS)
		return;
	follow(it, pci_read8(cfg, bdf, PCI_CAP_PTR));
}

int pci_cap_next(struct pci_cap_iter *it, struct pci_cap *cap)
{
	if (!it->next)
		return 0;
	unsigned entry = pci_read16(it->cfg, it->bdf, it->next);	/* id, then next */
	cap->offset = it->next;
	cap->id = entry & 0xff;
	follow(it, entry >> 8);
	return 1;
}

unsigned pci_cap_find(const struct pci_cfg *cfg, unsigned bdf, unsigned id)
{
	struct pci_cap_iter it;
	struct pci_cap cap;

	pci_cap_begin(cfg, bdf, &it);
	while (pci_cap_next(&it, &cap))
		if (cap.id == id)
			return cap.offset;
	return 0;
}
