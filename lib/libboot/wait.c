/*
 * wait.c: the booter serves interfaces/wait.toml, a server's wait on its client's
 * thread (docs/systems.md, "Waiting in a server"), on the caller's thread as timer.c
 * does. A gate call runs the server's code on the client's thread, and the kernel lets
 * a thread wait only on its own endpoint, to which the server holds no capability; the
 * booter holds one to each component's first thread (bcomp.rcv), and its gate entry
 * is told which thread calls (tid). So block, called through server s's gate on thread
 * t, waits on t's endpoint until a wake of s's names t.
 *
 * A wake is a token per thread and server, bit s of t's `woken`: set by s's wake and
 * taken by s's block, so a wake before the block is not lost and two count as one.
 * The block publishes waits_in = s + 1, then looks at the token; the wake sets the
 * token, then claims the wait (a compare-and-swap of waits_in from s + 1 to CLAIMED)
 * and only then sends t an activation: all sequentially consistent, so one of them
 * sees the other and no wake is lost, and a component cannot make a thread run that
 * does not wait for it (a low priority cannot make a high one spin). The block counts
 * every activation its waits take; when it leaves, one claimed sent or will send one
 * of them, the rest were the thread's own (its timer, its ports, a resume) and are
 * given back as one (a spurious wake at worst, never a lost one).
 *
 * A restart of server s (restart.c) lets its waiters go: it raises s's generation,
 * then wakes every thread waiting in s; a block that publishes its wait, then finds
 * s's generation moved since it began, returns (so one that came in before the
 * restart and published after the scan does not stay). A thread the restart of its
 * own component pulls out of a block (THREAD_RESTART) leaves its gate stack taken in
 * the booter's pool: the block notes which (wait_stack) and the restart gives it back.
 *
 * Who writes what: block writes its own thread's waits_in and wait_stack; a wake sets
 * a bit of woken and claims waits_in; the booter's thread, restarting component i,
 * clears i's (its thread stopped) and wakes the waiters in i. Nothing grows: a bit per
 * (thread, server), 32 of each.
 */
#include "libboot.h"
#include <cairn/gate.h>
#include <iface/wait.h>

_Static_assert(CAIRN_SD_COMPS <= 32, "woken: a bit per component");

#define CLAIMED 0xffffffffu	/* waits_in: a wake took the wait, and sends its activation */

/* The component whose first thread is tid (only those the booter made wait here), or 0. */
static struct bcomp *made(struct booter *b, cairn_word tid)
{
	for (unsigned i = 0; i < b->sd->ncomps; i++)
		if (b->c[i].tid == tid && b->c[i].wait_asnd)
			return &b->c[i];
	return 0;
}

/* Whether t's thread schedules threads of its own (events on its endpoint: a wait returns at once). */
static int schedules(struct booter *b, const struct bcomp *t)
{
	return t->sd->subsystem >= 0 || t == b->timer_comp;	/* a nested booter; the RTOS */
}

/*
 * block by server s on thread t (s's gate, t's thread: see above): 0; CAIRN_ESTALE if
 * s restarted meanwhile; CAIRN_ENOTSUP if t schedules threads of its own, or its wait
 * returned with no activation (events for it to take).
 */
static long block(struct booter *b, unsigned s, struct bcomp *t)
{
	uint32_t bit = 1u << s, gen = __atomic_load_n(&b->c[s].generation, __ATOMIC_SEQ_CST);
	uint64_t taken = 0;	/* activations its waits took */
	long r = 0;
	char here;

	if (schedules(b, t))
		return CAIRN_ENOTSUP;
	__atomic_store_n(&t->wait_stack, 1 + (uint32_t)(((uintptr_t)&here - (uintptr_t)cairn_stacks) /
							CAIRN_GATE_STACK_SIZE), __ATOMIC_RELEASE);
	__atomic_store_n(&t->waits_in, s + 1, __ATOMIC_SEQ_CST);
	while (!r && !(__atomic_fetch_and(&t->woken, ~bit, __ATOMIC_SEQ_CST) & bit)) {
		if (__atomic_load_n(&b->c[s].generation, __ATOMIC_SEQ_CST) != gen) {
			r = CAIRN_ESTALE;
			break;
		}
		long n = cairn_rcv_wait(t->rcv);
		r = n > 0 ? 0 : CAIRN_ENOTSUP;
		taken += n > 0 ? (uint64_t)n : 0;
	}
	taken -= __atomic_exchange_n(&t->waits_in, 0, __ATOMIC_SEQ_CST) == CLAIMED && taken;
	__atomic_exchange_n(&t->wait_stack, 0, __ATOMIC_ACQ_REL);	/* its gate gives it back now */
	if (taken)
		cairn_asnd_send(t->wait_asnd, 0);	/* given back: its next wait returns */
	return r;
}

/* wake by server s of the thread t (any thread the booter made). */
static long wake(unsigned s, struct bcomp *t)
{
	uint32_t bit = 1u << s, waiting = s + 1;

	if (!(__atomic_fetch_or(&t->woken, bit, __ATOMIC_SEQ_CST) & bit) &&
	    __atomic_compare_exchange_n(&t->waits_in, &waiting, CLAIMED, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		cairn_asnd_send(t->wait_asnd, 0);
	return 0;
}

static struct cairn_ret2 gate(cairn_word a, cairn_word b_, cairn_word c_, cairn_word d, cairn_word badge,
			      cairn_word tid)
{
	struct booter *b = boot_server;
	unsigned fn;
	long server = boot_iface_client(badge, &fn);

	(void)b_, (void)c_, (void)d;
	if (server < 0)
		return (struct cairn_ret2){ CAIRN_EINVAL, 0 };	/* not a badge we made */
	struct bcomp *t = made(b, fn == WAIT_WAKE ? a : tid);
	if (fn != WAIT_SELF && fn != WAIT_BLOCK && fn != WAIT_WAKE)
		return (struct cairn_ret2){ CAIRN_ENOSYS, 0 };
	if (!t)
		return (struct cairn_ret2){ fn == WAIT_WAKE ? CAIRN_ENOENT : CAIRN_ENOTSUP, 0 };
	long r = fn == WAIT_SELF ? (long)t->tid : fn == WAIT_BLOCK ? block(b, (unsigned)server, t)
								    : wake((unsigned)server, t);
	return (struct cairn_ret2){ r, 0 };
}
CAIRN_GATE(boot_wait_entry, gate)

/*
 * The gate of wait's function fn for client i. The first makes a send to every
 * component's first thread (bcomp.wait_asnd): any may be a server's client.
 */
long boot_wait_gate(struct booter *b, unsigned client, unsigned slot, unsigned fn)
{
	long r = 0;

	for (unsigned i = 0; !r && i < b->sd->ncomps; i++) {
		struct bcomp *c = &b->c[i];
		if (c->wait_asnd)
			continue;
		r = boot_reserve_slots(b);
		unsigned s = r ? 0 : cairn_slot(&b->a);
		if (!r)
			r = cairn_captbl_act_asnd(CAIRN_SLOT_CAPTBL, s, c->rcv);
		if (!r)
			c->wait_asnd = s;
	}
	return r ? r : boot_iface_gate(b, client, slot, (cairn_word)boot_wait_entry, fn);
}

void boot_wait_released(struct booter *b, unsigned i)
{
	struct bcomp *t = &b->c[i];
	uint32_t stack = __atomic_exchange_n(&t->wait_stack, 0, __ATOMIC_ACQ_REL);

	__atomic_store_n(&t->waits_in, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&t->woken, 0, __ATOMIC_SEQ_CST);
	if (stack)	/* (it never left its block: the restart took it out) */
		__atomic_fetch_and(&cairn_stack_map, ~(1ULL << (stack - 1)), __ATOMIC_RELEASE);
}

void boot_wait_restarted(struct booter *b, unsigned i)
{
	for (unsigned k = 0; k < b->sd->ncomps; k++) {
		struct bcomp *t = &b->c[k];
		if (k != i && t->wait_asnd && __atomic_load_n(&t->waits_in, __ATOMIC_SEQ_CST) == i + 1)
			wake(i, t);	/* it returns into the restarted server: unwound */
	}
}
