/*
 * sched.c: the booter's scheduler, until the scheduler component takes over (the RTOS
 * work): fixed priorities, round robin among equals. The booter's thread is every
 * component thread's scheduler: the kernel queues BLOCK, WAKE and STOP events for it
 * and switches to it when the running thread blocks or stops. The root booter also
 * holds the timer (interrupt line 0): it dispatches with a deadline one time slice
 * ahead, and the timer preempts a thread that runs longer (a TIMEOUT event). A nested
 * booter has no timer: its threads run until they block, yield or stop.
 */
#include "libboot.h"

static struct bcomp *by_tid(struct booter *b, uint64_t tid)
{
	for (unsigned i = 0; i < b->sd->ncomps; i++)
		if (b->c[i].tid == tid)
			return &b->c[i];
	return 0;
}

/* Takes every queued event and updates the threads' states. */
static void take_events(struct booter *b)
{
	for (;;) {
		struct cairn_ret2 e = cairn_rcv_event(b->rcv);
		if (e.r0 < 0 || e.r1 == CAIRN_EVENT_NONE)
			return;
		struct bcomp *c = by_tid(b, (uint64_t)e.r0);
		if (!c || c->state == T_STOPPED)
			continue;
		if (e.r1 == CAIRN_EVENT_BLOCK)
			c->state = T_BLOCKED;
		else if (e.r1 == CAIRN_EVENT_STOP)
			c->state = T_STOPPED;
		else
			c->state = T_RUNNABLE;
	}
}

/* Takes the timer if this booter holds the interrupt lines; sets the time slice. */
void boot_take_timer(struct booter *b)
{
	unsigned s = cairn_slot(&b->a);

	if (!s || cairn_captbl_act_asnd(CAIRN_SLOT_CAPTBL, s, b->rcv))
		return;
	if (cairn_irq_bind(CAIRN_SLOT_IRQ, CAIRN_IRQ_TIMER, s) == 0)
		b->slice = b->rt->tsc_hz / BOOT_SLICES_PER_SECOND;
}

/*
 * The deadline to dispatch with: a new slice, unless at least half of the current one
 * is left (then 0 keeps the timer armed as it is, which saves reprogramming it when
 * threads hand the core back and forth quickly).
 */
static uint64_t deadline(struct booter *b)
{
	if (!b->slice)
		return 0;
	uint64_t now = cairn_cycles();
	if (b->deadline > now && b->deadline - now >= b->slice / 2)
		return 0;
	b->deadline = now + b->slice;
	return b->deadline;
}

/*
 * Runs c's thread until the booter's thread runs again for anything but a manager
 * call of c's thread; those are served here and c goes on in the same time slice
 * (while it lasts: then it goes through pick() like any other).
 */
long boot_run(struct booter *b, struct bcomp *c)
{
	long r = cairn_thread_dispatch(c->thread, deadline(b));

	for (;;) {
		if (r == CAIRN_EAGAIN)
			c->state = T_BLOCKED;
		take_events(b);
		if (!__atomic_load_n(&boot_manager_posted, __ATOMIC_ACQUIRE) ||
		    !boot_manager_serve(b, c->tid) || c->state != T_RUNNABLE ||
		    (b->slice && cairn_cycles() >= b->deadline))
			return r;
		r = cairn_thread_dispatch(c->thread, 0);	/* the slice's timer stays armed */
	}
}

/* The highest priority runnable thread, starting after the last one picked. */
static struct bcomp *pick(struct booter *b)
{
	struct bcomp *best = 0;
	unsigned n = b->sd->ncomps;

	for (unsigned k = 1; k <= n; k++) {
		struct bcomp *c = &b->c[(b->rr + k) % n];
		if (c->state == T_RUNNABLE && (!best || c->sd->priority > best->sd->priority))
			best = c;
	}
	if (best)
		b->rr = (unsigned)(best - b->c);
	return best;
}

long boot_schedule(struct booter *b)
{
	unsigned irqs = 0;

	for (unsigned i = 0; i < b->sd->ncomps; i++)
		irqs += b->c[i].sd->nirqs;
	for (;;) {
		boot_restart_crashed(b);
		struct bcomp *c = pick(b);
		if (c) {
			boot_run(b, c);
			continue;
		}
		unsigned blocked = 0;
		for (unsigned i = 0; i < b->sd->ncomps; i++)
			blocked += b->c[i].state == T_BLOCKED;
		if (!blocked)
			return 0;
		if (!irqs) {
			cairn_printf("booter: %u thread(s) blocked and nothing can wake them: "
				     "system '%s' stops\n", blocked, b->sd->name);
			return CAIRN_EAGAIN;
		}
		cairn_rcv_wait(b->rcv);		/* until an interrupt wakes one */
		take_events(b);
	}
}
