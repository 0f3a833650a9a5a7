/*
 * boot.h: the components the kernel itself starts, one per boot module, run one after
 * the other. Each gets a capability table and a page table built from kernel-typed
 * frames exactly as capability operations would build them, its image and a stack
 * mapped from user-typed frames, a read-only Root page (cairn/root.h) and the fixed
 * capability slots CAIRN_SLOT_*. The first also gets all memory (a MEMORY capability
 * over every frame), the interrupt lines, and the other modules mapped read-only.
 *
 * This is the foundation's stand-in for the booter, which will build every component
 * of a system from its description using those first capabilities alone.
 *
 * A module's command line is "<path> [key=value ...]". In tests, "expect=fault:<vector>"
 * or "expect=exit:<status>" with "id=<test id>" makes the kernel print a TEST line when
 * the first thread stops.
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
/* A zeroed frame retyped to type (CAIRN_FRAME_KERNEL or _USER), or 0 if none is left. */
uint64_t boot_frame(uint8_t type);
/* Starts the first program. */
noreturn void boot_start(void);

#endif
