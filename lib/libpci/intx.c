/*
 * intx.c: where a function's INTx pin arrives (cairn/pci.h, pci_intx_route). ACPI says
 * it in the _PRT objects of its namespace, which are AML: Cairn interprets no AML, so
 * this reads the chipset instead, as PC systems did before ACPI (Linux's pirq routers):
 *
 *  - Intel ICH9 (QEMU's q35: an LPC bridge 8086:2918 at 00:1f.0) sends PIRQ A..H to the
 *    I/O APIC's pins 16..23. A device at slot d of bus 0 drives PIRQ (d + pin - 1) mod 4
 *    + 4 (E..H), the routing QEMU's ACPI tables describe for every slot below 25; level,
 *    active high, as those tables say. The chipset's own slots 25..31 route through
 *    registers of its configuration block, which this does not read: ENOTSUP.
 *  - Otherwise (QEMU's pc: PIIX3) the firmware routed each PIRQ to an ISA line and wrote
 *    it into the function's interrupt line register (0x3c): that line, level, active
 *    high, as QEMU's MADT source overrides say for the PCI lines (5, 9, 10, 11).
 *
 * A function behind a bridge would arrive at the bridge's pin, swizzled by its slot, at
 * each bridge up to bus 0: not followed here (ENOTSUP).
 */
#include <cairn/abi.h>
#include <cairn/pci.h>

#define ICH9_LPC     PCI_BDF(0, 0x1f, 0)
#define ICH9_LPC_ID  0x29188086u	/* device << 16 | vendor */
#define ICH9_GSI     16		/* PIRQ A's I/O APIC pin */
#define ICH9_SLOTS   25		/* slots routed by QEMU's fixed table */
#define ICH9_PIRQ_E  4

long pci_intx_route(const struct pci_cfg *cfg, const struct pci_func *f, unsigned *mode)
{
	unsigned dev = PCI_DEV(f->bdf);

	if (f->irq_pin < 1 || f->irq_pin > 4)
		return CAIRN_ENOENT;
	*mode = CAIRN_IRQ_LEVEL;
	if (PCI_BUS(f->bdf) != 0)
		return CAIRN_ENOTSUP;
	if (pci_read32(cfg, ICH9_LPC, 0) == ICH9_LPC_ID)
		return dev < ICH9_SLOTS ? (long)(ICH9_GSI + ICH9_PIRQ_E + (dev + f->irq_pin - 1) % 4) : CAIRN_ENOTSUP;
	if (f->irq_line < 1 || f->irq_line >= CAIRN_IRQ_ISA_END || f->irq_line == 2)
		return CAIRN_ENOENT;	/* the firmware routed it nowhere (0xff) */
	return f->irq_line;
}
