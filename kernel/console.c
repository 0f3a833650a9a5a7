/*
 * console.c: kprintf and panic over the architecture's console.
 */
#include "console.h"
#include "arch.h"
#include <common/fmt.h>

static void console_sink(void *ctx, char c)
{
	(void)ctx;
	arch_console_putc(c);
}

int kprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = fmt_format(console_sink, NULL, fmt, ap);
	va_end(ap);
	return n;
}

void kputs_n(const char *s, size_t n)
{
	while (n--)
		arch_console_putc(*s++);
}

noreturn void panic(const char *fmt, ...)
{
	va_list ap;

	kprintf("KERNEL PANIC: ");
	va_start(ap, fmt);
	fmt_format(console_sink, NULL, fmt, ap);
	va_end(ap);
	kprintf("\nsystem halted\n");
	arch_qemu_exit(EXIT_PANIC);
	arch_halt();
}
