/*
 * report.c: a component's crash, told for the host to read (docs/debugging.md). One
 * line names the component, its system, the thread, the CPU exception (vector and
 * error code), the image and the faulting instruction, and lists the words of the
 * stack, from the stack pointer up, that point into the image's code: its callers'
 * return addresses, and perhaps stale ones (a best-effort scan; user code has no frame
 * pointers). The run tool (tools/crash.py) turns the line into `function (file:line)`
 * frames with the image's symbols, on the host: neither the kernel nor the booter
 * carries symbols. For example
 *
 *   booter: 'guest' of system 'sandbox' stopped by a fault: thread 6, vector 14,
 *   error 0x7, image guest, rip 0x400351, sp 0x7ffeffffffd0, stack 0x4002a1 0x4000a2
 *
 * (one line). A component the booter restarts "faulted, restarting" instead.
 * The stack is read through the read page of the booter thread's core (space.c,
 * boot_read): the booter's thread of each core reports its own components' stops.
 */
#include "libboot.h"
#include <common/fmt.h>

#define SCAN_BYTES   2048	/* of the stack above the stack pointer, at most */
#define SCAN_WORDS   32		/* read through the window at a time */
#define FRAMES_SHOWN 12		/* code addresses listed, at most */
#define LINE_BYTES   384	/* the report line: its fields, FRAMES_SHOWN addresses */

/* Appends the words of [sp, sp + SCAN_BYTES) that lie in [lo, hi) to line at *n. */
static void scan(struct booter *b, struct bcomp *c, unsigned core, uint64_t sp, uint64_t lo, uint64_t hi,
		 char *line, int *n)
{
	uint64_t w[SCAN_WORDS];
	unsigned shown = 0;

	for (uint64_t va = sp & ~(uint64_t)7, len; va < sp + SCAN_BYTES && shown < FRAMES_SHOWN; va += len) {
		uint64_t page_end = (va | 4095) + 1;
		len = va + sizeof(w) > page_end ? page_end - va : sizeof(w);	/* one page a read */
		if (boot_read(b, core, c->pt, va, w, len))
			return;			/* the top of the stack, or no stack there */
		for (unsigned i = 0; i < len / 8 && shown < FRAMES_SHOWN; i++)
			if (w[i] >= lo && w[i] < hi && *n < LINE_BYTES - 20) {
				*n += fmt_snprintf(line + *n, LINE_BYTES - (unsigned)*n, " 0x%lx",
						   (unsigned long)w[i]);
				shown++;
			}
	}
}

void boot_report_fault(struct booter *b, struct bcomp *c, const char *what, uint64_t tid,
		       uint64_t vector, uint64_t error, uint64_t rip, uint64_t sp, unsigned core)
{
	char line[LINE_BYTES];
	uint64_t lo, hi;
	int n = fmt_snprintf(line, sizeof(line), "booter: '%s' of system '%s' %s: thread %lu, vector %lu, "
			     "error 0x%lx, image %s, rip 0x%lx, sp 0x%lx, stack", c->sd->name, b->sd->name,
			     what, (unsigned long)tid, (unsigned long)vector, (unsigned long)error,
			     c->sd->image, (unsigned long)rip, (unsigned long)sp);

	if (n > 0 && n < LINE_BYTES - 20 && !boot_text(b, c->sd->image, &lo, &hi))
		scan(b, c, core, sp, lo, hi, line, &n);
	cairn_printf("%s\n", line);
}

/*
 * If c's thread, stopped, was stopped by a CPU exception (THREAD_REG's vector below
 * 32: docs/syscalls.md) and c has no keeper, reports it (a component the booter
 * restarts is reported by restart.c).
 */
void boot_report_stop(struct booter *b, struct bcomp *c, unsigned core)
{
	struct cairn_ret2 v = cairn_thread_reg(c->thread, CAIRN_REG_VECTOR, 0, 0);

	if (c->sd->restart || v.r0 || v.r1 >= 32)
		return;
	uint64_t error = cairn_thread_reg(c->thread, CAIRN_REG_ERROR, 0, 0).r1;
	uint64_t rip = cairn_thread_reg(c->thread, CAIRN_REG_RIP, 0, 0).r1;
	uint64_t sp = cairn_thread_reg(c->thread, CAIRN_REG_RSP, 0, 0).r1;
	boot_report_fault(b, c, "stopped by a fault", c->tid, v.r1, error, rip, sp, core);
}
