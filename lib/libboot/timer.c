/*
 * timer.c: the booter serves interfaces/timer.toml, a timed wake-up, to the components
 * that import it (docs/systems.md, "The timer"). Each importer has one pending deadline
 * (bcomp.wake_at, 0: none), sent to its first thread through the booter's send to
 * it (bcomp.asnd). The call enters the booter on the client's
 * thread through one gate entry (the badge says who calls and which function), stores
 * the deadline and returns; it does not wait for the booter's thread as a manager call
 * does. The scheduler of the component's core (sched.c) keeps that core's timer armed
 * for the earliest of its time slice's end and its components' deadlines
 * (bcore.next_wake), and when a deadline comes sends the wake (boot_timer_expire).
 *
 * Who writes what: the gate writes a component's wake_at and lowers its core's
 * next_wake (on the caller's core: a delegated gate may run on another); only the
 * core's scheduler raises next_wake (recomputing it) and arms the timer (bcore.armed);
 * a restart clears wake_at. A stale low next_wake only costs a timer interrupt that
 * finds nothing due. Nothing here grows: one deadline per component, replaced.
 */
#include "libboot.h"
#include <cairn/gate.h>
#include <iface/timer.h>


/* Lowers core k's earliest pending deadline to t, if t is earlier (any core may). */
void boot_timer_lower(struct bcore *k, uint64_t t)
{
	uint64_t n = __atomic_load_n(&k->next_wake, __ATOMIC_ACQUIRE);

	while (t < n && !__atomic_compare_exchange_n(&k->next_wake, &n, t, 0, __ATOMIC_SEQ_CST,
						     __ATOMIC_ACQUIRE))
		;
}

/*
 * wake_at(deadline) of client c, on the calling thread tid. A deadline earlier than
 * what c's core's timer is armed for makes that core's scheduler re-arm it: the
 * component's own thread yields to it (the scheduler resumes it at once, in the same
 * slice), a delegated caller's thread (maybe on another core) sends to it. Before the
 * scheduler of that core runs with a timer (the system's initialisation) nothing is
 * armed: it takes next_wake into account when it starts.
 */
static long wake_at(struct bcomp *c, struct bcore *k, uint64_t deadline, cairn_word tid)
{
	__atomic_store_n(&c->wake_at, 0, __ATOMIC_SEQ_CST);	/* 0 cancels; a past deadline too */
	if (!deadline)
		return 0;
	if (deadline <= cairn_cycles())
		return cairn_asnd_send(c->asnd, 0);	/* past: it wakes at once */
	__atomic_store_n(&c->wake_at, deadline, __ATOMIC_SEQ_CST);
	boot_timer_lower(k, deadline);
	if (__atomic_load_n(&k->slice, __ATOMIC_ACQUIRE) &&
	    (tid != c->tid || deadline < __atomic_load_n(&k->armed, __ATOMIC_ACQUIRE)))
		cairn_asnd_send(k->wake, CAIRN_SEND_YIELD);
	return 0;
}

static struct cairn_ret2 gate(cairn_word a, cairn_word b_, cairn_word c_, cairn_word d, cairn_word badge,
			      cairn_word tid)
{
	struct booter *b = boot_server;
	unsigned fn;
	long client = boot_iface_client(badge, &fn);

	(void)b_, (void)c_, (void)d;
	if (client < 0)
		return (struct cairn_ret2){ CAIRN_EINVAL, 0 };	/* not a badge we made */
	if (fn != TIMER_WAKE_AT)
		return (struct cairn_ret2){ CAIRN_ENOSYS, 0 };
	if (!b->timer)
		return (struct cairn_ret2){ CAIRN_ENOTSUP, 0 };	/* a nested booter: no timer */
	struct bcomp *c = &b->c[client];
	return (struct cairn_ret2){ wake_at(c, &b->core[c->sd->core], a, tid), 0 };
}
CAIRN_GATE(boot_timer_entry, gate)

long boot_timer_gate(struct booter *b, unsigned client, unsigned slot, unsigned fn)
{
	return boot_iface_gate(b, client, slot, (cairn_word)boot_timer_entry, fn);
}

int boot_timer_expire(struct booter *b, struct bcore *k)
{
	uint64_t now = cairn_cycles();
	int sent = 0;

	__atomic_store_n(&k->next_wake, BOOT_NEVER, __ATOMIC_SEQ_CST);
	for (unsigned i = 0; i < b->sd->ncomps; i++) {
		struct bcomp *c = &b->c[i];
		if (&b->core[c->sd->core] != k)
			continue;
		uint64_t t = __atomic_load_n(&c->wake_at, __ATOMIC_SEQ_CST);
		if (t && t <= now && __atomic_compare_exchange_n(&c->wake_at, &t, 0, 0, __ATOMIC_SEQ_CST,
								 __ATOMIC_SEQ_CST)) {
			cairn_asnd_send(c->asnd, 0);
			sent = 1;
		} else if (t) {
			boot_timer_lower(k, t);	/* pending, or replaced meanwhile: due on a later pass */
		}
	}
	return sent;
}

void boot_timer_reset(struct bcomp *c)
{
	__atomic_store_n(&c->wake_at, 0, __ATOMIC_SEQ_CST);
}
