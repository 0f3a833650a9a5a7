/*
 * console.h: kernel output. kprintf formats with fmt.h's rules and writes to the
 * architecture's console; panic reports a broken kernel invariant and stops the machine.
 */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include "types.h"

int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kputs_n(const char *s, size_t n);
noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Exit statuses the kernel hands to QEMU's isa-debug-exit (QEMU exits with 2*n+1). */
#define EXIT_DONE  0x10		/* every program has stopped */
#define EXIT_PANIC 0x11		/* the kernel stopped on a broken invariant */

#endif
