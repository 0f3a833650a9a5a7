/*
 * cairn.c: libcairn's console output and checks (see cairn/cairn.h). The formatter and
 * memcpy, memset, strlen are the kernel's own fmt.c and string.c, which are pure and
 * linked in here too.
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
