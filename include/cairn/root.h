/*
 * cairn/root.h: the Root structure, the first page of a component's red tape. Every
 * entry point gets its address in rdi (CAIRN_ROOT_VA: the page right after the
 * unmapped null page); it is mapped read-only, and it is the only way a component
 * learns its environment.
 *
 * Today the kernel writes it for the programs it starts from boot modules; the booter
 * will write it for the components it builds.
 */
#ifndef CAIRN_ROOT_H
#define CAIRN_ROOT_H

#include <stdint.h>

#define CAIRN_ROOT_VA    0x1000UL
#define CAIRN_ROOT_MAGIC 0x3130544f4f524e43ULL	/* "CNROOT01" */
#define CAIRN_ROOT_MAX_MODULES 16

/* Fixed capability slots of a component started from a boot module. */
#define CAIRN_SLOT_CAPTBL  1	/* its capability table (root node) */
#define CAIRN_SLOT_PGTBL   2	/* its page table (root node) */
#define CAIRN_SLOT_COMP    3	/* itself */
#define CAIRN_SLOT_THREAD  4	/* its first thread */
#define CAIRN_SLOT_MEMORY  5	/* the first component only: all memory */
#define CAIRN_SLOT_IRQ     6	/* the first component only: the interrupt lines */
#define CAIRN_SLOT_LEAF0   7	/* the leaf node holding slots 0..127 */
#define CAIRN_SLOT_IOPORT  8	/* the first component, if its module line says "ioport":
				   every I/O port but the kernel's own */
#define CAIRN_SLOT_FREE    9	/* the first slot free for the component's own use */

struct cairn_module {
	char name[32];
	uint64_t va;		/* mapped read-only here in the first component */
	uint64_t size;
};

struct cairn_root {
	uint64_t magic;
	uint64_t comp_id;		/* the component's id, unique while it lives */
	uint64_t cores;
	uint64_t tsc_hz;		/* time stamp counter ticks per second */
	uint64_t timer_hz;		/* local APIC timer ticks per second */
	uint64_t mem_base, mem_end;	/* the range of CAIRN_SLOT_MEMORY, if granted */
	uint64_t heap_va, heap_end;	/* free user address space the component may map */
	uint32_t nmodules;
	uint32_t reserved;
	struct cairn_module module[CAIRN_ROOT_MAX_MODULES];
};

#endif
