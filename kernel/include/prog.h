/*
 * prog.h: the first user programs, loaded from boot modules and run one after the
 * other, each in its own address space with one thread. This is the foundation's
 * stand-in for components: the kernel object model replaces it with a booter that
 * builds components from capabilities.
 *
 * A module's command line is "<path> [key=value ...]". In tests, "expect=fault:<vector>"
 * or "expect=exit:<status>" with "id=<test id>" makes the kernel print a TEST line when
 * the program stops.
 */
#ifndef KERNEL_PROG_H
#define KERNEL_PROG_H

#include "bootinfo.h"
#include "pmem.h"
#include "types.h"

/* Records the modules; copies their command lines (the loader's memory is reused). */
void prog_register(const struct bootinfo *bi);
/* Marks the modules' memory as in use. */
void prog_reserve(struct pmem *pm);
/* Runs the programs in order; when all have stopped, ends the system. */
noreturn void prog_run_all(void);
/* The current program's address space. */
uint64_t prog_space(void);
/* Stops the current program (it called DEBUG_STOP or faulted) and runs the next. */
noreturn void prog_stop_exit(uint64_t status);
noreturn void prog_stop_fault(uint64_t vector);
const char *prog_name(void);

#endif
