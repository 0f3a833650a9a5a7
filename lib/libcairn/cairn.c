/*
 * cairn.c: libcairn's console output and checks (see cairn/cairn.h). The formatter is
 * libcommon's (common/fmt.h), the one the kernel's console uses.
 */
#include <cairn/cairn.h>
#include <common/fmt.h>

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

/* The TEST line of a check; the detail printed on a failure, or always. */
static int test_line(const char *id, const char *name, int ok, int always, const char *fmt, va_list ap)
{
	char buf[256] = "";

	if (!ok || always)
		fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	cairn_printf("TEST %s %s %s%s%s\n", id, name, ok ? "PASS" : "FAIL", buf[0] ? " " : "", buf);
	return ok;
}

int cairn_check(const char *id, const char *name, int ok, const char *why, ...)
{
	va_list ap;

	va_start(ap, why);
	ok = test_line(id, name, ok, 0, why, ap);
	va_end(ap);
	return ok;
}

int cairn_report(const char *id, const char *name, int ok, const char *detail, ...)
{
	va_list ap;

	va_start(ap, detail);
	ok = test_line(id, name, ok, 1, detail, ap);
	va_end(ap);
	return ok;
}
