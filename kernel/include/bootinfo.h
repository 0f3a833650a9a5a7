/*
 * bootinfo.h: what the boot loader tells the kernel, read from either a multiboot1 or
 * a multiboot2 information structure into one neutral form. Pure code: physical
 * addresses are turned into pointers through the caller's p2v, so host tests can hand
 * in a fake structure.
 */
#ifndef KERNEL_BOOTINFO_H
#define KERNEL_BOOTINFO_H

#include "types.h"
#include <cairn/root.h>

#define MB1_BOOT_MAGIC 0x2BADB002u
#define MB2_BOOT_MAGIC 0x36d76289u

#define BOOT_MAX_MMAP    64
#define BOOT_MAX_MODULES CAIRN_ROOT_MODULES	/* the first program and the modules its red tape
						   lists; the loader's others are counted, left
						   off, and the banner says so */
#define BOOT_MEM_USABLE  1	/* memory map type of RAM free for use (both protocols) */

struct boot_mmap {
	uint64_t base, len;
	uint32_t type;
};

struct boot_module {
	uint64_t start;		/* physical, first byte */
	uint64_t end;		/* physical, one past the last byte */
	const char *cmdline;	/* never NULL: "" when the loader gave none */
};

struct bootinfo {
	int protocol;			/* 1 or 2 */
	const char *cmdline;		/* never NULL */
	const char *loader;		/* boot loader name, never NULL */
	unsigned nmmap;
	unsigned nmmap_dropped;		/* entries past BOOT_MAX_MMAP, left off (devmem.h) */
	struct boot_mmap mmap[BOOT_MAX_MMAP];
	unsigned nmod;
	struct boot_module mod[BOOT_MAX_MODULES];
	unsigned nmod_dropped;		/* modules past BOOT_MAX_MODULES, left off */
	uint64_t info_start, info_end;	/* physical extent of the information structure */
	const void *rsdp;		/* multiboot2's copy of the ACPI RSDP, or NULL (acpi.h) */
	uint32_t rsdp_len;		/* its bytes */
};

typedef const void *(*boot_p2v)(uint64_t phys, uint64_t len);

/*
 * Parses the structure at physical address info for the given loader magic. p2v must
 * return a pointer to len readable bytes at phys, or NULL if they cannot be read.
 * Entries past the table limits are dropped; a module table or string p2v refuses is
 * skipped (no modules, "" for the string). Returns 0, or -1 for an unknown magic, an
 * information structure or memory map p2v refuses, or a structure without a memory
 * map.
 */
int bootinfo_parse(struct bootinfo *bi, uint32_t magic, uint64_t info, boot_p2v p2v);

/* Sum of the lengths of the usable memory map entries. */
uint64_t bootinfo_usable_bytes(const struct bootinfo *bi);

#endif
