/*
 * cairn.c: libcairn's console output and C library basics (see cairn/cairn.h). The
 * formatter is the kernel's own fmt.c, which is pure and linked in here too.
 */
#include <cairn/cairn.h>
#include "fmt.h"

static int vprint(const char *fmt, va_list ap)
{
	char buf[512];
	int n = fmt_vsnprintf(buf, sizeof(buf), fmt, ap);

	cairn_debug_write(buf, n < (int)sizeof(buf) ? (unsigned long)n : sizeof(buf) - 1);
	return n;
}

int cairn_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vprint(fmt, ap);
	va_end(ap);
	return n;
}

void cairn_puts(const char *s)
{
	cairn_printf("%s\n", s);
}

void cairn_exit(long status)
{
	cairn_debug_stop(status);
}

int cairn_check(const char *id, const char *name, int ok, const char *why, ...)
{
	char buf[256];
	va_list ap;

	if (ok) {
		cairn_printf("TEST %s %s PASS\n", id, name);
		return 1;
	}
	va_start(ap, why);
	fmt_vsnprintf(buf, sizeof(buf), why, ap);
	va_end(ap);
	cairn_printf("TEST %s %s FAIL %s\n", id, name, buf);
	return 0;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;

	if (((uintptr_t)dst | (uintptr_t)src | n) % 8 == 0) {
		size_t q = n / 8;
		__asm__ volatile("rep movsq" : "+D"(d), "+S"(src), "+c"(q) :: "memory");
	} else {
		__asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) :: "memory");
	}
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	void *d = dst;

	if (((uintptr_t)dst | n) % 8 == 0) {
		size_t q = n / 8;
		uint64_t v = 0x0101010101010101ULL * (unsigned char)c;
		__asm__ volatile("rep stosq" : "+D"(d), "+c"(q) : "a"(v) : "memory");
	} else {
		__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	}
	return dst;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}
