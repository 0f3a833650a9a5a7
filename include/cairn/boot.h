/*
 * cairn/boot.h: booting a system from its description (lib/libboot). The booter calls
 * it for the whole system; a component that boots a nested subsystem calls it for the
 * child system embedded in its image.
 */
#ifndef CAIRN_BOOT_H
#define CAIRN_BOOT_H

#include "root.h"
#include "sysdesc.h"

/*
 * Builds every component, gate, port and segment sd names, with the capabilities and
 * memory the caller's Root describes (slots CAPTBL, PGTBL, MEMORY and the images in
 * its module list); runs segment inits, then each component's initialisation in init
 * order; then schedules the system's threads until all have stopped. Returns 0, or the
 * first error (after printing what failed).
 */
long cairn_boot(const struct cairn_sd_system *sd, const struct cairn_root *rt);

#endif
