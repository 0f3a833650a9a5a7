/*
 * boot.h: the one component the kernel itself starts, the first program, from boot
 * module 0. It gets a capability table and a page table built from kernel-typed frames
 * exactly as capability operations would build them, its image and a stack mapped
 * from user-typed frames, a read-only Root page (cairn/root.h) and the fixed
 * capability slots CAIRN_SLOT_*: all memory (a MEMORY capability over every frame),
 * the interrupt lines, the I/O ports if its arguments say "ioport", and the other
 * modules mapped read-only, each listed in its Root with its name and arguments.
 *
 * The first program builds everything else with those capabilities alone: the booter
 * (lib/libboot) a system described in systems/, the test runner
 * (tests/qemu/progs/runner.c) the test programs of the other modules, one after the
 * other. When its first thread stops, the system ends. A module's command line is
 * "<path> [key=value ...]".
 */
#ifndef KERNEL_BOOT_H
#define KERNEL_BOOT_H

#include "bootinfo.h"
#include "pmem.h"

/* Records the modules and copies their command lines (the loader's memory is reused). */
void boot_register(const struct bootinfo *bi);
/* Marks the modules' memory as in use. */
void boot_reserve(struct pmem *pm);
/* Builds the frame table from the free memory left in pm; boot frames come from it. */
void boot_frames_init(struct pmem *pm, uint64_t top);
extern uint64_t boot_tsc;	/* the time stamp counter when kmain started */

/* Starts the first program. */
noreturn void boot_start(void);

#endif
