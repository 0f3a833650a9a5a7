/*
 * crash.c: the crash report's line (cairn/cairn.h, cairn_crash_report), one form for
 * the booter's components (lib/libboot/report.c) and the RTOS's processes
 * (components/rtos/gates_proc.c), so tools/crash.py reads both the same way. User code
 * has no frame pointers: the stack is scanned for words that point into the code, and
 * crash.py keeps those a call precedes.
 */
#include <cairn/cairn.h>
#include <common/fmt.h>

#define SCAN_BYTES   2048	/* of the stack above the stack pointer, at most */
#define SCAN_WORDS   32		/* read at a time */
#define FRAMES_SHOWN 12		/* code addresses listed, at most */
#define LINE_BYTES   384	/* the line: its fields, FRAMES_SHOWN addresses */

/* Appends the words of [sp, sp + SCAN_BYTES) that lie in [lo, hi) to line at *n. */
static void scan(const struct cairn_crash *c, char *line, int *n)
{
	uint64_t w[SCAN_WORDS];
	unsigned shown = 0;

	for (uint64_t va = c->sp & ~(uint64_t)7, len; va < c->sp + SCAN_BYTES && shown < FRAMES_SHOWN; va += len) {
		uint64_t page_end = (va | 4095) + 1;
		len = va + sizeof(w) > page_end ? page_end - va : sizeof(w);	/* one page a read */
		if (c->read(c->ctx, va, w, len))
			return;			/* the top of the stack, or no stack there */
		for (unsigned i = 0; i < len / 8 && shown < FRAMES_SHOWN; i++)
			if (w[i] >= c->lo && w[i] < c->hi && *n < LINE_BYTES - 20) {
				*n += fmt_snprintf(line + *n, LINE_BYTES - (unsigned)*n, " 0x%lx",
						   (unsigned long)w[i]);
				shown++;
			}
	}
}

void cairn_crash_report(const struct cairn_crash *c)
{
	char line[LINE_BYTES];
	int n = fmt_snprintf(line, sizeof(line), "%s: thread %lu, vector %lu, error 0x%lx, image %s, rip 0x%lx, "
			     "sp 0x%lx, stack", c->head, (unsigned long)c->tid, (unsigned long)c->vector,
			     (unsigned long)c->error, c->image, (unsigned long)c->rip, (unsigned long)c->sp);

	if (n > 0 && n < LINE_BYTES - 20 && c->read && c->lo < c->hi)
		scan(c, line, &n);
	cairn_printf("%s\n", line);
}
