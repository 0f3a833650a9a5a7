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
 * (one line; the line itself is cairn_crash_report's, lib/libcairn/crash.c, which
 * the RTOS uses for its processes too). A component the booter restarts "faulted,
 * restarting" instead.
 * The stack is read through the read page of the booter thread's core (space.c,
 * boot_read): the booter's thread of each core reports its own components' stops.
 */
#include "libboot.h"
#include <common/fmt.h>

#define HEAD_BYTES 128		/* "booter: 'name' of system 'name' what" */

/* A read of the crashed component's memory (cairn_crash_report's read). */
struct reader {
	struct booter *b;
	unsigned core, pt;
};

static long read_stack(void *ctx, uint64_t va, void *dst, uint64_t len)
{
	struct reader *r = ctx;

	return boot_read(r->b, r->core, r->pt, va, dst, len);
}

void boot_report_fault(struct booter *b, struct bcomp *c, const char *what, uint64_t tid,
		       uint64_t vector, uint64_t error, uint64_t rip, uint64_t sp, unsigned core)
{
	char head[HEAD_BYTES];
	struct reader r = { b, core, c->pt };
	struct cairn_crash crash = { head, c->sd->image, tid, vector, error, rip, sp, 0, 0, read_stack, &r };

	fmt_snprintf(head, sizeof(head), "booter: '%s' of system '%s' %s", c->sd->name, b->sd->name, what);
	if (boot_text(b, c->sd->image, &crash.lo, &crash.hi))
		crash.read = 0;		/* no image to tell code by: no stack words */
	cairn_crash_report(&crash);
}

/*
 * If c's thread, stopped, was stopped by a CPU exception (THREAD_REG's vector below
 * 32: docs/syscalls.md) and c has no keeper, reports it (a component the booter
 * restarts is reported by restart.c). A persistent component's keeper (persist.c)
 * stops it at a fault that is not a first write, and leaves the fault in c.
 */
void boot_report_stop(struct booter *b, struct bcomp *c, unsigned core)
{
	struct cairn_ret2 v = cairn_thread_reg(c->thread, CAIRN_REG_VECTOR, 0, 0);

	if (c->sd->persistent && __atomic_load_n(&c->fault_tid, __ATOMIC_ACQUIRE)) {
		boot_report_fault(b, c, "stopped by a fault", c->fault_tid, c->fault_vector, c->fault_error,
				  c->fault_rip, c->fault_sp, core);
		return;
	}
	if (c->sd->restart || v.r0 || v.r1 >= 32)
		return;
	uint64_t error = cairn_thread_reg(c->thread, CAIRN_REG_ERROR, 0, 0).r1;
	uint64_t rip = cairn_thread_reg(c->thread, CAIRN_REG_RIP, 0, 0).r1;
	uint64_t sp = cairn_thread_reg(c->thread, CAIRN_REG_RSP, 0, 0).r1;
	boot_report_fault(b, c, "stopped by a fault", c->tid, v.r1, error, rip, sp, core);
}
