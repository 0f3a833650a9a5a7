/*
 * check.h: librtos's checks of the pointers its callers pass (docs/rtos.md: EFAULT).
 * Internal to lib/librtos. Every call checks each pointer argument with these at its
 * entry, before it changes anything; a bad pointer is an error returned, never a
 * fault that ends the process.
 *
 * A range of bytes is good if it lies in the user half above page 0 (which is never
 * mapped), does not wrap, and the caller may touch each of its pages: each page is
 * probed once through rtos_probe (probe.S), whose fault the rtos component's keeper
 * turns into EFAULT. Addresses in the kernel half or outside the canonical range are
 * refused before any probe. What another thread of the same process unmaps between
 * the check and the use can still fault: that ends only the process that did it.
 *
 * time.c uses only rtos_check_pages, so that it can be tested on the host with a
 * stand-in for it.
 */
#ifndef LIBRTOS_CHECK_H
#define LIBRTOS_CHECK_H

#include <stddef.h>
#include <stdint.h>

#define RTOS_CHECK_PAGE 4096UL
#define RTOS_USER_LO    RTOS_CHECK_PAGE		/* page 0 is never mapped */
#define RTOS_USER_TOP   0x800000000000UL	/* the end of x86_64's canonical user half */

/* Whether [a, a + len) lies in the user half above page 0 without wrapping (no probe). */
static inline int rtos_user_range(uint64_t a, size_t len)
{
	return a >= RTOS_USER_LO && a < RTOS_USER_TOP && len <= RTOS_USER_TOP - a;
}

/*
 * Whether a fault of rtos_probe comes back as EFAULT: set when a thread of an RTOS
 * process starts (thread.c), whose keeper, the rtos component, does that. Elsewhere
 * (a booter-built component that links librtos for io_print or the time functions)
 * the checks test the range only, and a bad address inside it faults as any access.
 */
extern int rtos_probing;

/*
 * probe.S: touches the byte at p (write: with an atomic OR of 0, which changes
 * nothing) and returns 0, or CAIRN_EFAULT if that faults. p must be in the user half.
 */
long rtos_probe(const void *p, int write);

/*
 * 0 if the caller may read (write: and write) the len bytes at p; else EFAULT. len 0
 * needs only p in range. (cairn/rtos.h's error codes, as every call returns them.)
 * call.h's rtos_check is the same, quicker for the common cases.
 */
int rtos_check_pages(const void *p, size_t len, int write);

/* rtos_check_pages for n objects of size bytes (n 0: 0); EFAULT if n * size wraps. */
int rtos_check_array(const void *p, size_t n, size_t size, int write);

/*
 * Copies the string at s, with its NUL, into dst (cap bytes), reading at most cap
 * bytes of it and probing each page it enters before reading there: its length; EFAULT
 * if s is NULL or runs into memory the caller may not read first; EINVAL if its first
 * cap bytes hold no NUL (dst then holds them, unterminated).
 */
long rtos_str_copy(char *dst, const char *s, size_t cap);

/* The length of the string at s, probing each page it enters; EFAULT as rtos_str_copy. */
long rtos_str_len(const char *s);

#endif
