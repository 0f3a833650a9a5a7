/*
 * ioapic.c: the I/O APIC that takes the ISA interrupts (the MADT's first, or the
 * standard address), through the direct map. Line n is pin n (1..15 the ISA
 * interrupts: QEMU and most PCs; 16.. the PCI INTx pins), sent to the bound thread's
 * core as vector IRQ_VECTOR_BASE + n, edge-triggered and active high unless the binder
 * says otherwise (IRQ_BIND's mode: the kernel reads neither the MADT's source overrides
 * nor ACPI's PCI routing). A level-triggered pin is masked when it fires (before the
 * EOI, so a device still asserting it cannot storm) and unmasked by IRQ_ACK once the
 * driver has quietened its device. Every pin stays masked until a line is bound. An MSI line (CAIRN_IRQ_MSI..) needs no pin: its vector is
 * IRQ_VECTOR_BASE + line too, and binding it hands out the message a device sends to
 * raise it (the driver's, or its booter's, to program into the device). The apic ID is
 * an xAPIC's, 8 bits: the message's destination field holds it whole.
 */
#include "arch.h"

#define IOAPIC_BASE   0xfec00000ULL
#define IOAPIC_VER    0x01
#define IOAPIC_REDIR  0x10
#define REDIR_LOW     (1u << 13)	/* polarity: active low */
#define REDIR_LEVEL   (1u << 15)	/* trigger: level */
#define REDIR_MASKED  (1u << 16)

static volatile uint32_t *ioapic;
static unsigned pins;
static uint32_t level;	/* pin lines routed level-triggered (bit n: line n): an edge line's interrupt reads no register */

static uint32_t ioapic_read(unsigned reg)
{
	ioapic[0] = reg;
	return ioapic[4];
}

static void ioapic_write(unsigned reg, uint32_t v)
{
	ioapic[0] = reg;
	ioapic[4] = v;
}

void arch_ioapic_init(uint64_t base)
{
	if (!base || base >= BOOT_DIRECT_MAP)
		base = IOAPIC_BASE;	/* none named, or beyond what the direct map covers */
	ioapic = p2v(base);
	pins = ((ioapic_read(IOAPIC_VER) >> 16) & 0xff) + 1;
	for (unsigned i = 0; i < pins; i++) {
		ioapic_write(IOAPIC_REDIR + 2 * i, REDIR_MASKED);
		ioapic_write(IOAPIC_REDIR + 2 * i + 1, 0);
	}
}

uint64_t arch_irq_route(unsigned line, bool on, unsigned core, unsigned mode)
{
	uint32_t apic_id = on ? cpus[core].apic_id : 0;
	uint32_t how = (mode & CAIRN_IRQ_LEVEL ? REDIR_LEVEL : 0) | (mode & CAIRN_IRQ_ACTIVE_LOW ? REDIR_LOW : 0);

	if (line >= CAIRN_IRQ_MSI)	/* fixed delivery, edge, physical destination */
		return (uint64_t)(IRQ_VECTOR_BASE + line) << 32 | MSI_ADDRESS | apic_id << 12;
	if (line >= pins)
		return 0;
	level = on && (mode & CAIRN_IRQ_LEVEL) ? level | 1u << line : level & ~(1u << line);
	ioapic_write(IOAPIC_REDIR + 2 * line + 1, apic_id << 24);	/* physical destination */
	ioapic_write(IOAPIC_REDIR + 2 * line, (IRQ_VECTOR_BASE + line) | how | (on ? 0 : REDIR_MASKED));
	return 0;
}

bool arch_irq_reserved(unsigned line)
{
	return line == 2 || (line < CAIRN_IRQ_MSI && line >= pins);
}

long arch_irq_mask(unsigned line, bool mask)
{
	if (line >= CAIRN_IRQ_MSI || !(level >> line & 1))
		return CAIRN_EINVAL;
	uint32_t v = ioapic_read(IOAPIC_REDIR + 2 * line);
	ioapic_write(IOAPIC_REDIR + 2 * line, mask ? v | REDIR_MASKED : v & ~REDIR_MASKED);
	return 0;
}

bool arch_device_page_kernel(uint64_t pa)
{
	return pa == apic_page() || (pa & ~0xfffffULL) == MSI_ADDRESS || (ioapic && pa == v2p((const void *)ioapic)) ||
	       arch_iommu_regs(pa);
}
