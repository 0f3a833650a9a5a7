/*
 * common/fmt.h: printf-style formatting into a caller-supplied sink (lib/libcommon/fmt.c).
 * Pure code: the kernel console, libcairn's cairn_printf and the host unit tests use
 * the same implementation.
 *
 * Conversions: %d %i %u %x %X %o %c %s %p %%. Flags '-' (left-justify) and '0' (pad
 * with zeros). Width as a number or '*'. Precision ('.N' or '.*') for %s only: at most
 * N characters are printed. Length modifiers hh, h, l, ll, z. %s of NULL prints
 * "(null)". %p prints "0x" and the address in lowercase hex without leading zeros
 * ("0x0" for NULL). An unknown conversion is printed as-is, '%' included.
 */
#ifndef COMMON_FMT_H
#define COMMON_FMT_H

#include <stdarg.h>
#include <stddef.h>

typedef void (*fmt_sink)(void *ctx, char c);

/* Formats into sink; returns the number of characters produced. */
int fmt_format(fmt_sink sink, void *ctx, const char *fmt, va_list ap);

/*
 * As C's vsnprintf: writes at most size-1 characters and a terminating NUL (nothing
 * when size is 0) and returns the length the whole result would have had.
 */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
