/*
 * msi.c: a function's MSI and MSI-X capabilities (cairn/pci.h). Pure: it reaches
 * configuration space only through struct pci_cfg. What a device reports here is
 * hostile: a BAR indicator above 5 is refused, the table size is the field's (at most
 * 2048), and a caller places the table and PBA inside their BAR itself (pci_bars'
 * sizes) before touching them.
 */
#include <cairn/pci.h>

#define MSI_CTRL_ENABLE  0x0001
#define MSI_CTRL_MME     0x0070		/* multiple message enable: 0, one vector */
#define MSI_CTRL_64      0x0080		/* 64-bit address: data at +0x0c, else +0x08 */
#define MSI_CTRL_MASKING 0x0100		/* per-vector masking: mask bits after the data */
#define MSIX_BIR         0x7		/* the BAR indicator in the offset registers */

void pci_msi_enable(const struct pci_cfg *cfg, unsigned bdf, unsigned cap, uint64_t addr, uint32_t data)
{
	unsigned ctrl = pci_read16(cfg, bdf, cap + 2);

	pci_write16(cfg, bdf, cap + 2, ctrl & ~(MSI_CTRL_ENABLE | MSI_CTRL_MME));
	pci_write32(cfg, bdf, cap + 4, (uint32_t)addr);
	unsigned mask = ctrl & MSI_CTRL_64 ? cap + 0x10 : cap + 0x0c;	/* if it has the bits */
	if (ctrl & MSI_CTRL_64) {
		pci_write32(cfg, bdf, cap + 8, (uint32_t)(addr >> 32));
		pci_write16(cfg, bdf, cap + 12, data);
	} else {
		pci_write16(cfg, bdf, cap + 8, data);
	}
	if (ctrl & MSI_CTRL_MASKING)	/* vector 0 unmasked */
		pci_write32(cfg, bdf, mask, pci_read32(cfg, bdf, mask) & ~1u);
	pci_write16(cfg, bdf, cap + 2, (ctrl & ~MSI_CTRL_MME) | MSI_CTRL_ENABLE);
}

int pci_msix_read(const struct pci_cfg *cfg, unsigned bdf, unsigned cap, struct pci_msix *m)
{
	unsigned ctrl = pci_read16(cfg, bdf, cap + 2);
	uint32_t table = pci_read32(cfg, bdf, cap + 4), pba = pci_read32(cfg, bdf, cap + 8);

	if ((table & MSIX_BIR) >= PCI_BARS || (pba & MSIX_BIR) >= PCI_BARS)
		return CAIRN_EINVAL;
	*m = (struct pci_msix){ .size = (ctrl & PCI_MSIX_SIZE) + 1,
				.table_bar = (uint8_t)(table & MSIX_BIR), .table_off = table & ~MSIX_BIR,
				.pba_bar = (uint8_t)(pba & MSIX_BIR), .pba_off = pba & ~MSIX_BIR };
	return 0;
}

void pci_msix_control(const struct pci_cfg *cfg, unsigned bdf, unsigned cap, unsigned set, unsigned clear)
{
	unsigned ctrl = pci_read16(cfg, bdf, cap + 2);

	pci_write16(cfg, bdf, cap + 2, (ctrl & ~clear) | set);
}
