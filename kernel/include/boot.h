/*
 * boot.h: the components the kernel itself starts, one per boot module, run one after
 * the other. Each gets a capability table and a page table built from kernel-typed
 * frames exactly as capability operations would build them, its image and a stack
 * mapped from user-typed frames, a read-only Root page (cairn/root.h) and the fixed
 * capability slots CAIRN_SLOT_*. The first also gets all memory (a MEMORY capability
 * over every frame), the interrupt lines, and the other modules mapped read-only.
 *
 * A system described in systems/ boots as the booter (the first module) and images:
 * modules whose command line says "image" are only mapped into the first program, never
 * started. The booter then builds every component from them with those first
 * capabilities alone (lib/libboot). Test programs are started one after the other.
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
extern uint64_t boot_tsc;	/* the time stamp counter when kmain started */

/* Starts the first program. */
noreturn void boot_start(void);

#endif
