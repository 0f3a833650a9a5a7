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
 * taken by s's block, so a wake before the block is not lost and two count as one. A
 * wake sends t an activation only when it sets the token while t waits in s's block
 * (t's `waits_in` is s + 1), so a component cannot make a thread run that does not
 * wait for it: a low priority cannot make a high one spin. The block publishes
 * waits_in, then looks at the token; the wake sets the token, then looks at waits_in
 * (both sequentially consistent): one of them sees the other, and no wake is lost. An
 * activation the thread's own code was sent meanwhile (its timer, its ports, a
 * resume), which the wait takes, is given back as one when it returns (a spurious wake
 * at worst, never a lost one).
 *
 * Who writes what: block writes its own thread's waits_in; any caller's wake sets a
 * bit of woken, block takes it; a restart (restart.c, on the booter's thread) clears
 * a restarted thread's and lets go the threads that wait in a restarted server
 * (boot_wait_reset). Nothing grows: a bit per (thread, server), 32 of each.
 */
#include "libboot.h"
#include <cairn/gate.h>
#include <iface/wait.h>

_Static_assert(CAIRN_SD_COMPS <= 32, "woken: a bit per component");

/* The component whose first thread is tid (only those the booter made wait here), or 0. */
static struct bcomp *made(struct booter *b, cairn_word tid)
{
	for (unsigned i = 0; i < b->sd->ncomps; i++)
		if (b->c[i].tid == tid && b->c[i].wait_asnd)
			return &b->c[i];
	return 0;
}

/*
 * block by server s on thread t (s's gate, t's thread: see above): 0, or CAIRN_ENOTSUP
 * if its wait returned with no activation: t has events to take (it schedules threads
 * of its own: a nested booter, the RTOS), and cannot wait here.
 */
static long block(unsigned s, struct bcomp *t)
{
	uint32_t bit = 1u << s;
	uint64_t foreign = 0;	/* activations of t's own taken here */
	long r = 0;

	__atomic_store_n(&t->waits_in, s + 1, __ATOMIC_SEQ_CST);
	while (!r && !(__atomic_fetch_and(&t->woken, ~bit, __ATOMIC_SEQ_CST) & bit)) {
		long n = cairn_rcv_wait(t->rcv);
		r = n > 0 ? 0 : CAIRN_ENOTSUP;
		/* with the token now, one of the n was its wake (sent once waits_in was seen) */
		foreign += n > 0 ? (uint64_t)n - !!(__atomic_load_n(&t->woken, __ATOMIC_SEQ_CST) & bit) : 0;
	}
	__atomic_store_n(&t->waits_in, 0, __ATOMIC_SEQ_CST);
	if (foreign)
		cairn_asnd_send(t->wait_asnd, 0);	/* given back: its next wait returns */
	return r;
}

/* wake by server s of the thread t (any thread the booter made). */
static long wake(unsigned s, struct bcomp *t)
{
	uint32_t bit = 1u << s;

	if (!(__atomic_fetch_or(&t->woken, bit, __ATOMIC_SEQ_CST) & bit) &&
	    __atomic_load_n(&t->waits_in, __ATOMIC_SEQ_CST) == s + 1)
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
	long r = fn == WAIT_SELF ? (long)t->tid : fn == WAIT_BLOCK ? block((unsigned)server, t)
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

void boot_wait_reset(struct booter *b, unsigned i)
{
	uint32_t bit = 1u << i;

	__atomic_store_n(&b->c[i].waits_in, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&b->c[i].woken, 0, __ATOMIC_SEQ_CST);
	for (unsigned k = 0; k < b->sd->ncomps; k++) {
		struct bcomp *t = &b->c[k];
		if (k == i || !t->wait_asnd)
			continue;
		if (__atomic_load_n(&t->waits_in, __ATOMIC_SEQ_CST) == i + 1)
			wake(i, t);	/* it returns into the restarted server: unwound */
		else
			__atomic_fetch_and(&t->woken, ~bit, __ATOMIC_SEQ_CST);
	}
}
