/*
 * acpi.h: the little of ACPI the kernel reads at boot: the processors and I/O APICs
 * of the MADT (ACPI 6.5, sections 5.2.5 RSDP, 5.2.7 RSDT, 5.2.8 XSDT, 5.2.12 MADT) and
 * the first DMA remapping unit of the DMAR (Intel VT-d specification, 8), and segment
 * 0's memory-mapped PCI configuration space of the MCFG (PCI Firmware specification
 * 3.x, 4.1.2).
 * Pure code: physical addresses become pointers through the caller's p2v (as in
 * bootinfo.h), so host tests hand in fake tables. Every table's length and checksum is
 * checked before anything in it is used.
 */
#ifndef ARCH_ACPI_H
#define ARCH_ACPI_H

#include "bootinfo.h"
#include "types.h"
#include <cairn/root.h>		/* struct cairn_ecam, handed on as read */

#define ACPI_MAX_CPUS 64

struct acpi_info {
	unsigned revision;		/* the RSDP's (the XSDT is read from 2 on, given one) */
	uint64_t lapic_base;		/* local APICs' physical address (MADT, or its override) */
	unsigned ncpus;			/* enabled processors, in MADT order (the boot core first
					   on PCs; not promised) */
	uint32_t apic_id[ACPI_MAX_CPUS];
	unsigned cpus_dropped;		/* enabled ones past ACPI_MAX_CPUS or with IDs xAPIC
					   mode cannot address (>= 255) */
	uint64_t ioapic_base;		/* the first I/O APIC, 0 if none */
	uint32_t ioapic_gsi_base;
	uint64_t dmar_base;		/* the DMAR's first DRHD's registers, if it is PCI
					   segment 0's; else 0 */
	struct cairn_ecam ecam;		/* the MCFG's first allocation for segment 0 with
					   start <= end bus; base 0 if none */
};

extern struct acpi_info acpi;		/* what kmain read (main.c), for the first program */

enum {
	ACPI_OK = 0,
	ACPI_NO_RSDP = -1,		/* none found, or its checksum is wrong */
	ACPI_BAD_TABLE = -2,		/* RSDT/XSDT unreadable or its checksum wrong */
	ACPI_NO_MADT = -3,		/* no valid MADT listed */
};

/*
 * Reads the MADT, and the DMAR and the MCFG if they are listed. rsdp: the RSDP the
 * boot loader copied (multiboot2 ACPI tags) and its length (a revision 2 RSDP in fewer
 * than 36 bytes is read as revision 0), or NULL to search for it in the first KiB of
 * the EBDA and in 0xe0000..0xfffff (ACPI 6.5, 5.2.5.1). Returns ACPI_OK and fills ai,
 * or one of the errors above (ai then says nothing but ecam: read with or without a
 * MADT, zero without an RSDT/XSDT).
 */
int acpi_parse(struct acpi_info *ai, const void *rsdp, uint64_t rsdp_len, boot_p2v p2v);

#endif
