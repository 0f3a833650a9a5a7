/*
 * wait.c: the booter serves interfaces/wait.toml, a server's wait on its client's
 * thread (docs/systems.md, "Waiting in a server"), on the caller's thread as timer.c
 * does. A gate call runs the server's code on the client's thread, and the kernel lets
 * a thread wait only on its own endpoint, to which the server holds no capability; the
 * booter holds one to each component's first thread (bcomp.rcv), and its gate entry
 * is told which thread calls (tid). So block, called through server s's gate on thread
 * t, waits on t's endpoint until a wake of s's names t.
 *
 * A wake is a token per thread and server: bit s of t's `wait` word, set by s's wake
 * and taken by s's block, so a wake before the block is not lost and two count as
 * one. The word also holds the wait's state (0; s + 1 while t waits in s's block;
 * CLAIMED; SENT) and the block's number, and every change to it is one
 * compare-and-swap. A pass of block either takes its token, leaving the wait (and
 * learning whether a wake claimed it), or publishes it; a wake sets the token and, if
 * t waits in s's block, claims the wait in the same step, and only then sends t an
 * activation, then marks it SENT if the same block still holds its claim. So a wake
 * cannot claim a later block than the one its token is for (its token and claim are
 * one step: a stale waker once claimed the next block, and the real wake then found
 * the wait claimed and sent nothing), no wake is lost, and a component cannot make a
 * thread run that does not wait for it (a low priority cannot make a high one spin).
 * The block counts every activation its waits take; leaving with its wait SENT, one of
 * them (or one still pending) was the wake's, and the rest were the thread's own (its
 * timer, its ports, a resume), given back as one; CLAIMED but not yet sent, all are
 * given back and the wake's comes later (a spurious wake at worst, never a lost one).
 * The block number has 24 bits: a waker preempted between its send and its mark for
 * 2^24 of t's blocks could mark another's claim SENT, which only delays one of t's own
 * activations until that other wake's send.
 *
 * A restart of server s (restart.c) lets its waiters go: it raises s's generation,
 * then wakes every thread waiting in s; a block that publishes its wait, then finds
 * s's generation moved since it began, returns (so one that came in before the
 * restart and published after the scan does not stay). A thread the restart of its
 * own component pulls out of a block (THREAD_RESTART) leaves its gate stack taken in
 * the booter's pool: the block notes which, and in which generation of its component
 * (wait_stack), and the restart gives it back, with its waits, if its thread has not
 * begun another block meanwhile.
 *
 * Who writes what: the word, block and wake by compare-and-swap, a restart of t's
 * component once its thread is restarted; wait_stack, block and that restart.
 * Nothing grows: a bit per (thread, server), 32 of each.
 */
#include "libboot.h"
#include <cairn/gate.h>
#include <iface/wait.h>

_Static_assert(CAIRN_SD_COMPS <= 32, "wait: a token bit per component");

#define TOKENS	 0xffffffffull
#define STATE(w) ((uint32_t)((w) >> 32) & 0xffu)
#define SEQ(w)	 ((w) >> 40)
#define WITH(w, st) (((w) & ~(0xffull << 32)) | ((uint64_t)(st) << 32))
#define CLAIMED	 0xfeu	/* state: a wake took the wait (with its token, one step), and sends */
#define SENT	 0xffu	/* state: ... and has sent (its activation is taken or pending) */

/* Whether t's thread schedules threads of its own (events on its endpoint: a wait returns at once). */
static int schedules(struct booter *b, const struct bcomp *t)
{
	return t->sd->subsystem >= 0 || t == b->timer_comp;	/* a nested booter; the RTOS */
}

/* t's wait taken back (its token left as it is): the state it had, a wake's claim if one came. */
static uint32_t unpublish(struct bcomp *t)
{
	return STATE(__atomic_fetch_and(&t->wait, ~(0xffull << 32), __ATOMIC_SEQ_CST));
}

/*
 * block by server s on thread t (s's gate, t's thread: see above): 0; CAIRN_ESTALE if
 * s restarted meanwhile; CAIRN_ENOTSUP if t schedules threads of its own, or its wait
 * returned with no activation (events for it to take).
 */
static long block(struct booter *b, unsigned s, struct bcomp *t)
{
	uint32_t bit = 1u << s, gen = __atomic_load_n(&b->c[s].generation, __ATOMIC_SEQ_CST), state = 0;
	uint64_t taken = 0, w = __atomic_load_n(&t->wait, __ATOMIC_SEQ_CST), nw;
	uint64_t seq = ((SEQ(w) + 1) & 0xffffff) << 40;
	long r = 0;
	char here;

	if (schedules(b, t))
		return CAIRN_ENOTSUP;
	uint32_t mine = __atomic_load_n(&t->generation, __ATOMIC_SEQ_CST) & 0xffffff;
	__atomic_store_n(&t->wait_stack, mine << 8 | (1 + (uint32_t)(((uintptr_t)&here - (uintptr_t)cairn_stacks) /
								       CAIRN_GATE_STACK_SIZE)), __ATOMIC_SEQ_CST);
	for (;;) {
		/* one step: take the token and leave (learning whether a wake claimed this
		   wait), or publish the wait (a wake sets the token and claims in one step too) */
		do
			nw = (w & TOKENS & ~(uint64_t)bit) | seq | (w & bit ? 0 : (uint64_t)(s + 1) << 32);
		while (!__atomic_compare_exchange_n(&t->wait, &w, nw, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
		if (w & bit) {
			state = STATE(w);
			break;
		}
		long n = __atomic_load_n(&b->c[s].generation, __ATOMIC_SEQ_CST) != gen ? CAIRN_ESTALE
											 : cairn_rcv_wait(t->rcv);
		if (n <= 0) {	/* s restarted; or events for it to take, no activation */
			r = n < 0 ? n : CAIRN_ENOTSUP;
			state = unpublish(t);
			break;
		}
		taken += (uint64_t)n;
		w = __atomic_load_n(&t->wait, __ATOMIC_SEQ_CST);
	}
	/* SENT: the claimed activation is among those taken, or pending (then a spurious
	   wake); CLAIMED: still to come (a spurious wake): the thread's own are given back */
	taken -= state == SENT && taken;
	__atomic_exchange_n(&t->wait_stack, 0, __ATOMIC_ACQ_REL);	/* its gate gives it back now */
	if (taken)
		cairn_asnd_send(t->asnd, 0);	/* given back: its next wait returns */
	return r;
}

/* wake by server s of the thread t (any thread the booter made). */
static long wake(unsigned s, struct bcomp *t)
{
	uint32_t bit = 1u << s;
	uint64_t w = __atomic_load_n(&t->wait, __ATOMIC_SEQ_CST), nw;

	do {
		if (w & bit)
			return 0;	/* a token already: its wake claims or claimed */
		nw = STATE(w) == s + 1 ? WITH(w | bit, CLAIMED) : w | bit;
	} while (!__atomic_compare_exchange_n(&t->wait, &w, nw, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
	if (STATE(w) != s + 1)
		return 0;
	cairn_asnd_send(t->asnd, 0);
	w = nw;		/* this block's claim, if still there, is SENT now */
	while (SEQ(w) == SEQ(nw) && STATE(w) == CLAIMED &&
	       !__atomic_compare_exchange_n(&t->wait, &w, WITH(w, SENT), 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		;
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
	if (fn != WAIT_SELF && fn != WAIT_BLOCK && fn != WAIT_WAKE)
		return (struct cairn_ret2){ CAIRN_ENOSYS, 0 };
	struct bcomp *t = boot_by_tid(b, fn == WAIT_WAKE ? a : tid);	/* (only threads the booter made) */
	if (!t)
		return (struct cairn_ret2){ fn == WAIT_WAKE ? CAIRN_ENOENT : CAIRN_ENOTSUP, 0 };
	long r = fn == WAIT_SELF ? (long)t->tid : fn == WAIT_BLOCK ? block(b, (unsigned)server, t)
								    : wake((unsigned)server, t);
	return (struct cairn_ret2){ r, 0 };
}
CAIRN_GATE(boot_wait_entry, gate)

long boot_wait_gate(struct booter *b, unsigned client, unsigned slot, unsigned fn)
{
	return boot_iface_gate(b, client, slot, (cairn_word)boot_wait_entry, fn);
}

void boot_wait_released(struct booter *b, unsigned i)
{
	struct bcomp *t = &b->c[i];
	uint32_t v = __atomic_load_n(&t->wait_stack, __ATOMIC_SEQ_CST);

	/* A block of its generation before (the restart raised it first) never left: the
	   stack is ours to give back. One of this generation's (its fresh thread, run by
	   another core's scheduler meanwhile) is left alone, and so is the word: a state
	   or token from before costs at most a spurious wake or return. */
	if (v && (v >> 8) != (__atomic_load_n(&t->generation, __ATOMIC_SEQ_CST) & 0xffffff) &&
	    __atomic_compare_exchange_n(&t->wait_stack, &v, 0, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		__atomic_fetch_and(&cairn_stack_map, ~(1ULL << ((v & 0xff) - 1)), __ATOMIC_RELEASE);
}

void boot_wait_restarted(struct booter *b, unsigned i)
{
	for (unsigned k = 0; k < b->sd->ncomps; k++) {
		struct bcomp *t = &b->c[k];
		if (k != i && STATE(__atomic_load_n(&t->wait, __ATOMIC_SEQ_CST)) == i + 1)
			wake(i, t);	/* it returns into the restarted server: unwound */
	}
}
