/*
 * ktest.h: the kernel's own checks, for QEMU integration tests. They run only when the
 * boot command line says "ktest=<list>", list being comma-separated names:
 *   boot   memory map, frame allocator, direct map ("mem=<MiB>": what QEMU was given)
 *   timer  the calibrated APIC timer rate against the PIT
 *   smp    every core checked in with its own state ("cores=<n>": what QEMU was given)
 *   kfault a CPU exception inside the kernel, which must be reported and halt
 * Each check prints "TEST <id> <name> PASS" or "... FAIL <why>".
 */
#ifndef KERNEL_KTEST_H
#define KERNEL_KTEST_H

#include "bootinfo.h"

void ktest_run(const char *cmdline, const struct bootinfo *bi);
/* Called on every timer interrupt. */
void ktest_timer_tick(void);

#endif
