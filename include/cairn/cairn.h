/*
 * cairn/cairn.h: the user library, libcairn: the system call wrappers (cairn/syscall.h)
 * plus console output and the few C library functions a freestanding program needs.
 */
#ifndef CAIRN_CAIRN_H
#define CAIRN_CAIRN_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include "../common/string.h"
#include "root.h"
#include "syscall.h"

/* The time stamp counter (instructions under QEMU's -icount shift=0, cycles on hardware). */
static inline uint64_t cairn_cycles(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
	return ((uint64_t)hi << 32) | lo;
}

/*
 * The time stamp counter value `ticks` from now, saturating at ~0 (a deadline that
 * never comes) instead of wrapping: a deadline for timer_wake_at (interfaces/timer.toml).
 */
static inline uint64_t cairn_deadline_in(uint64_t ticks)
{
	uint64_t now = cairn_cycles();

	return ticks > ~(uint64_t)0 - now ? ~(uint64_t)0 : now + ticks;
}

/* Time stamp counter ticks in us microseconds, at tsc_hz ticks a second (no overflow below 4 GHz). */
static inline uint64_t cairn_us_ticks(uint64_t tsc_hz, uint64_t us)
{
	return tsc_hz / 1000000 * us + tsc_hz % 1000000 * us / 1000000;
}

/*
 * A crash report, the line tools/crash.py symbolises (docs/debugging.md): head (who
 * crashed and how), then ": thread T, vector V, error E, image I, rip R, sp S, stack"
 * and the words of the stack, from sp up for 2 KiB, that lie in the image's code
 * [lo, hi): return addresses, perhaps stale ones. read copies len bytes at va (within
 * one page) of the crashed space into dst, 0 or an error (which ends the scan: the
 * stack's top). Printed on the console (lib/libcairn/crash.c).
 */
struct cairn_crash {
	const char *head, *image;
	uint64_t tid, vector, error, rip, sp, lo, hi;
	long (*read)(void *ctx, uint64_t va, void *dst, uint64_t len);
	void *ctx;
};
void cairn_crash_report(const struct cairn_crash *c);

/* printf to the kernel console, formatted as the kernel's kprintf (at most 512 bytes). */
int cairn_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Writes s and a newline. */
void cairn_puts(const char *s);
/* Stops the calling thread with status; what crt0 calls when main returns. */
__attribute__((__noreturn__)) void cairn_exit(long status);
/* Prints "TEST <id> <name> PASS" if ok, else "TEST <id> <name> FAIL <why>"; returns ok. */
int cairn_check(const char *id, const char *name, int ok, const char *why, ...)
	__attribute__((format(printf, 4, 5)));
/* The same, with the detail on a PASS too (for checks that carry measurements). */
int cairn_report(const char *id, const char *name, int ok, const char *detail, ...)
	__attribute__((format(printf, 4, 5)));

/* memcpy, memset, strlen, ... (libcommon); strcmp is libcairn's. */
int strcmp(const char *a, const char *b);

/*
 * The red tape (cairn/root.h), by name: the first gate slot of an imported interface
 * (CAIRN_CAP_NULL if the component does not import it: calls through it then fail).
 * cairn_port_open (cairn/port.h) and cairn_segment (cairn/segment.h) find the rest.
 */
unsigned cairn_import(const char *iface);

/* Booter-built components: gives the core to the scheduler; the caller stays runnable. */
static inline long cairn_yield(void)
{
	return cairn_asnd_send(CAIRN_SLOT_SCHED, CAIRN_SEND_YIELD);
}

#endif
