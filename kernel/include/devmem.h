/*
 * devmem.h: which physical pages are device pages, the pages a DEVMEM capability may
 * map (docs/syscalls.md, "Device memory"). The rule, in one place:
 *
 *   A page is a device page if it lies below the machine's physical address limit,
 *   no byte of it is RAM, and the kernel does not drive it itself. RAM is every range
 *   of the boot loader's memory map of type usable (1), ACPI reclaimable (3) or ACPI
 *   NVS (4): memory that holds data, the firmware's included. The kernel's own pages
 *   (the local APIC's and the I/O APIC's) are the architecture's to name
 *   (arch_device_page_kernel); memory.c applies that part, and one more belt: a page
 *   the frame table describes must be RESERVED there (a device page is never typed).
 *
 * Why not the frame table alone: it marks RESERVED every frame that is not free RAM,
 * the kernel image, low memory and firmware tables included, which are RAM a user must
 * never map. Why not the memory map alone: it says nothing of the kernel's own pages.
 *
 * A memory map the kernel could not keep whole (more than BOOT_MAX_MMAP entries) may
 * have lost RAM ranges: then nothing is a device page (limit 0), never RAM by mistake.
 * Reserved ranges count as device pages even where firmware keeps RAM behind them
 * (the BIOS area, UEFI runtime memory): only the first program holds the whole range.
 *
 * Pure code (host tests: tests/host/test_devmem.c).
 */
#ifndef KERNEL_DEVMEM_H
#define KERNEL_DEVMEM_H

#include "bootinfo.h"
#include "types.h"

struct devmem_map {
	uint64_t limit;			/* one past the highest device page: the physical limit */
	unsigned n;
	struct devmem_ram { uint64_t base, end; } ram[BOOT_MAX_MMAP];	/* page-grown RAM ranges */
};

extern struct devmem_map devmem;	/* the machine's, set once at boot */

/*
 * Fills m from the memory map bi (its RAM ranges, each grown outward to whole pages)
 * and the physical address limit (a power of two, or any page-aligned bound).
 */
void devmem_init(struct devmem_map *m, const struct bootinfo *bi, uint64_t limit);

/* True if the page at pa (page aligned) is below m's limit and no byte of it is RAM. */
bool devmem_not_ram(const struct devmem_map *m, uint64_t pa);

#endif
