/*
 * rtos_race: a gate of the rtos component that takes a handle looks it up, checks it
 * and uses the object under one hold of the scheduler lock (components/rtos/gates.c),
 * so that no other process's object can take the handle's place in between.
 *
 * Process A (this program) and B (tests/rtos/rtos_racepeer) play the rounds race.h
 * describes. Under -icount the time stamp counter counts instructions and the timer
 * fires at an exact one, so a round preempts A's gate call at a chosen instruction:
 * d instructions after A read the counter, just before calling. For each gate, a
 * bisection finds the first d at which A's call is no longer preempted before it
 * looked the handle up, and every d around it is tried. A gate that looked the
 * handle up before taking the lock would, for some of these d, act on B's object
 * in the freed slot; B reports it. Each case passes when B's object was never
 * touched and the rounds saw both outcomes (A's call after H freed the object:
 * EBADF; A's call done first: its normal result), so the rounds spanned the call.
 *
 * rr.9: the handles of A's thread, block point, timer and ended child name nothing B
 * may touch (EBADF; a process: EBADF and EINVAL for an event set), and A's objects
 * stay as they were. rr.11: a timer's own block point is no block point of the
 * process (a guessed handle of it is EBADF), so the timer's waiters stay its own.
 */
#include <cairn/cairn.h>
#include <cairn/gate.h>
#include <cairn/rtos.h>
#include "race.h"

#define MSG    ((int)sizeof(struct rr_msg))
#define FAR    (1UL << 50)	/* a deadline no round reaches */
#define LATE   20000		/* instructions by which A's call has long returned */
#define BEFORE 64		/* rounds tried before the bisection's point ... */
#define AFTER  192		/* ... and from it on */

enum outcome { O_BEFORE, O_AFTER, O_HARM, O_BROKEN, O_N };

static chan_s_t cmd;
static chan_r_t ans;
static uint64_t tm_a;		/* the timer that preempts A */
static enum rr_case kase;
static uint64_t obj;		/* A's object of the round */
static volatile int h_went;	/* H has freed it and sent RR_GO */

static long call(enum rtos_call n, uint64_t a, uint64_t b, uint64_t c)
{
	return cairn_sinv_inline(RTOS_GATE_BASE + n, a, b, c, 0).r0;
}

static int send_b(uint64_t op, uint64_t k, const int64_t *a, unsigned n)
{
	struct rr_msg m = { op, k, { 0 } };

	for (unsigned i = 0; i < n; i++)
		m.a[i] = a[i];
	return channel_send(cmd, &m, MSG, CHAN_BLOCK) == MSG;
}

/* B's answer to op into m; 0 if it did not come. */
static int answer(uint64_t op, struct rr_msg *m)
{
	memset(m, 0, sizeof(*m));
	return channel_recv(ans, m, MSG, CHAN_BLOCK) == MSG && m->op == op;
}

/* H: woken by the preemption, frees A's object of the round and has B take its slot. */
static void h_main(void)
{
	call(RTOS_TIMER_WAIT, tm_a, 0, 0);
	switch (kase) {
	case RR_STATUS:
		call(RTOS_THREAD_STATUS, obj, 0, 0);
		break;
	case RR_BP:
		call(RTOS_BP_DESTROY, obj, 0, 0);
		break;
	case RR_TSET:
	case RR_TCANCEL:
	case RR_TFREE:
	case RR_TWAIT:
		call(RTOS_TIMER_FREE, obj, 0, 0);
		break;
	default:		/* RR_KILL: H's own slot, as it ends; RR_PSTATUS: free already */
		break;
	}
	h_went = 1;
	send_b(RR_GO, kase, 0, 0);
}

static void z_main(void)
{
	thread_exit(RR_Z_EXIT);
}

/* A's object of the round (a thread and a process end at once) and H waiting; 0 if not made. */
static int setup(void)
{
	sched_param_t urgent = { SCHEDP_PRIO, RR_PRIO_H };

	obj = 0;
	h_went = 0;
	switch (kase) {
	case RR_STATUS:
		obj = thread_create(z_main, &urgent, 1, 0);
		break;
	case RR_BP:
		obj = (uint64_t)call(RTOS_BP_CREATE, 0, 0, 0);
		break;
	case RR_TSET:
	case RR_TCANCEL:
	case RR_TFREE:
	case RR_TWAIT:
		obj = (uint64_t)call(RTOS_TIMER_CREATE, 0, 0, 0);
		break;
	case RR_PSTATUS:
		obj = process_create_fs("/bin/rtos_child", &urgent, 1, 0, 0, 0);
		break;
	default:
		break;
	}
	call(RTOS_TIMER_SET, tm_a, FAR, 0);	/* so that H can wait for it */
	thread_t h = thread_create(h_main, &urgent, 1, THREAD_NO_JOIN);
	if (kase == RR_KILL)
		obj = h;
	return h && (long)obj > 0;
}

/* A's gate call of the round. */
static long gate_call(void)
{
	switch (kase) {
	case RR_KILL:
		return call(RTOS_THREAD_KILL, obj, 0, 0);
	case RR_STATUS:
		return call(RTOS_THREAD_STATUS, obj, 0, 0);
	case RR_BP:
		return call(RTOS_BP_DESTROY, obj, 0, 0);
	case RR_TSET:
		return call(RTOS_TIMER_SET, obj, 1, 0);	/* due at once */
	case RR_TCANCEL:
		return call(RTOS_TIMER_CANCEL, obj, 0, 0);
	case RR_TFREE:
		return call(RTOS_TIMER_FREE, obj, 0, 0);
	case RR_TWAIT:
		return call(RTOS_TIMER_WAIT, obj, 0, 0);
	case RR_PSTATUS:
		return call(RTOS_PROC_STATUS, obj, 0, 0);
	default:
		return -1000;
	}
}

/* What the call returns when it runs before H frees the object. */
static long done_result(void)
{
	switch (kase) {
	case RR_STATUS:
		return RR_Z_EXIT;
	case RR_TWAIT:
		return EAGAIN;	/* never started */
	case RR_PSTATUS:
		return RR_CHILD_EXIT;
	default:
		return 0;
	}
}

/*
 * One round with the preemption d instructions after the counter is read. B's object
 * must have taken the slot of A's (else the round shows nothing: O_BROKEN).
 */
static enum outcome play(uint64_t d, int64_t *seen)
{
	struct rr_msg m;

	*seen = 0;
	if (!setup())
		return O_BROKEN;
	uint64_t e = cairn_cycles() + d;
	call(RTOS_TIMER_SET, tm_a, e, 0);
	long r = gate_call();
	call(RTOS_TIMER_WAIT, tm_a, 0, 0);	/* the preemption has come and H has run */
	if (!h_went)	/* A's call ended H first: B makes its object all the same */
		send_b(RR_GO, kase, 0, 0);
	if (!send_b(RR_CHECK, kase, 0, 0) || !answer(RR_CHECK, &m))
		return O_BROKEN;
	*seen = r;
	if ((m.a[2] & 0xffff) != (obj & 0xffff)) {
		*seen = m.a[2];
		return O_BROKEN;
	}
	if (!m.a[0]) {
		*seen = m.a[1];
		return O_HARM;
	}
	return r == CAIRN_EBADF ? O_BEFORE : r == done_result() ? O_AFTER : O_BROKEN;
}

static const char *const case_id[RR_NCASES] = { "rr.1", "rr.2", "rr.3", "rr.4", "rr.5", "rr.6", "rr.7", "rr.8" };
static const char *const case_name[RR_NCASES] = {
	"thread_kill_after_reuse", "thread_status_after_reuse", "bp_destroy_after_reuse",
	"timer_set_after_reuse", "timer_cancel_after_reuse", "timer_free_after_reuse",
	"timer_wait_after_reuse", "proc_status_after_reuse",
};

/*
 * The rounds of case k: a bisection for the first d at which A's call is not
 * preempted before its lookup, then every d around it. The first round that harms B
 * ends the case (the rtos component's state is then not to be trusted). A first
 * round, not counted, lets what librtos makes on first use (its allocator's lock)
 * take its slot, so that it does not take the freed one.
 */
static void run_case(enum rr_case k)
{
	unsigned n[O_N] = { 0 };
	int64_t seen = 0, odd = 0;
	uint64_t lo = 0, hi = LATE, at = 0;
	enum outcome o = O_BEFORE;

	kase = k;
	play(LATE, &seen);
	enum outcome first = play(lo, &seen), last = play(hi, &seen);
	n[first]++;
	n[last]++;
	while (first == O_BEFORE && last == O_AFTER && hi - lo > 1 && o != O_HARM) {
		uint64_t mid = (lo + hi) / 2;
		n[o = play(mid, &seen)]++;
		if (o == O_BEFORE)
			lo = mid;
		else
			hi = mid;
		at = mid;
	}
	for (uint64_t d = hi > BEFORE ? hi - BEFORE : 0; d < hi + AFTER && o != O_HARM; d++) {
		n[o = play(d, &seen)]++;
		at = d;
		if (o == O_BROKEN && !odd)
			odd = seen;
	}
	if (o == O_HARM)
		cairn_report(case_id[k], case_name[k], 0, "B's object harmed at d=%lu (B saw %ld)", at, seen);
	else
		cairn_report(case_id[k], case_name[k], !n[O_BROKEN] && n[O_BEFORE] && n[O_AFTER],
			     "rounds: A's call preempted first %u, done first %u, odd %u (first gave %ld); "
			     "the call was first unpreempted at d=%lu", n[O_BEFORE], n[O_AFTER], n[O_BROKEN], odd, hi);
}

/* ---- rr.9 ---- */

static sem_t wsem;

static void w_main(void)
{
	semaphore_take(wsem);
}

static void foreign(void)
{
	sched_param_t urgent = { SCHEDP_PRIO, RR_PRIO_H };
	struct rr_msg m;

	wsem = semaphore_create(0, 0);
	thread_t w = thread_create(w_main, &urgent, 1, 0);
	uint64_t bp = (uint64_t)call(RTOS_BP_CREATE, 0, 0, 0);
	uint64_t tm = (uint64_t)call(RTOS_TIMER_CREATE, 0, 0, 0);
	call(RTOS_TIMER_SET, tm, FAR, 0);
	proc_t child = process_create_fs("/bin/rtos_child", &urgent, 1, 0, 0, 0);	/* it ends at once */
	int64_t h[4] = { (int64_t)w, (int64_t)bp, (int64_t)tm, (int64_t)child };
	int got = send_b(RR_FOREIGN, 0, h, 4) && answer(RR_FOREIGN, &m);
	static const int64_t want[RF_N] = {
		[RF_KILL] = EBADF, [RF_STATUS] = EBADF, [RF_BP_DESTROY] = EBADF, [RF_WAKE] = EBADF,
		[RF_TSET] = EBADF, [RF_TCANCEL] = EBADF, [RF_TFREE] = EBADF, [RF_TWAIT] = EBADF,
		[RF_PSTATUS] = EBADF, [RF_WATCH_PROC] = EINVAL,
	};
	int refused = got, wrong = -1;
	for (unsigned i = 0; i < RF_N && got; i++)
		if (m.a[i] != want[i] && wrong < 0) {
			refused = 0;
			wrong = (int)i;
		}
	long alive = thread_get_exit_status(w), woke = call(RTOS_WAKE, bp, 0, 0);
	long armed = call(RTOS_TIMER_CANCEL, tm, 0, 0), status = process_get_exit_status(child);
	cairn_check("rr.9", "foreign_handles_refused",
		    refused && alive == EAGAIN && woke == 0 && armed == 0 && status == RR_CHILD_EXIT,
		    "answer %d, first call not refused as wanted: %d (gave %ld); A's thread %ld, block point %ld, "
		    "timer %ld, child's status %ld", got, wrong, wrong >= 0 ? m.a[wrong] : 0, alive, woke, armed, status);
	semaphore_give(wsem);
	while (thread_get_exit_status(w) == EAGAIN)
		thread_yield();
	call(RTOS_BP_DESTROY, bp, 0, 0);
	call(RTOS_TIMER_FREE, tm, 0, 0);
	semaphore_destroy(wsem);
}

/* rr.11: the handle a timer's block point would have if it were the process's. */
static void timer_bp(void)
{
	long p = call(RTOS_BP_CREATE, 0, 0, 0);
	long freed = call(RTOS_BP_DESTROY, (uint64_t)p, 0, 0);
	long tm = call(RTOS_TIMER_CREATE, 0, 0, 0);	/* its block point takes p's slot */
	uint64_t guess = RTOS_HANDLE(RTOS_K_BP, RTOS_HANDLE_GEN(p) + 1, (p & 0xffff) - 1);
	long woke = call(RTOS_WAKE, guess, 0, 0), gone = call(RTOS_BP_DESTROY, guess, 0, 0);
	long set = call(RTOS_TIMER_SET, (uint64_t)tm, 1, 0), fired = call(RTOS_TIMER_WAIT, (uint64_t)tm, 0, 0);
	cairn_check("rr.11", "timer_bp_not_a_handle", p > 0 && !freed && tm > 0 && woke == EBADF && gone == EBADF &&
		    !set && fired == 1, "bp %ld destroyed %ld, timer %ld; %#lx: wake %ld, destroy %ld; timer set %ld, "
		    "wait %ld", p, freed, tm, guess, woke, gone, set, fired);
	call(RTOS_TIMER_FREE, (uint64_t)tm, 0, 0);
}

int main(void)
{
	sched_param_t bp = { SCHEDP_PRIO, RR_PRIO_B };
	chan_t cc = channel_create(MSG, RR_LEN, RR_CMD_NAME, CHAN_MPMC);
	chan_t ac = channel_create(MSG, RR_LEN, RR_ANS_NAME, CHAN_SPSC);
	struct rr_msg m;

	cmd = cc ? channel_get_send(cc) : 0;
	ans = ac ? channel_get_recv(ac) : 0;
	tm_a = (uint64_t)call(RTOS_TIMER_CREATE, 0, 0, 0);
	proc_t peer = process_create_fs("/bin/rtos_racepeer", &bp, 1, 0, 0, 0);
	int up = cmd && ans && (long)tm_a > 0 && peer && answer(RR_HELLO, &m);
	if (!cairn_check("rr.0", "peer_up", up, "ends %lu %lu, timer %ld, peer %lu", cmd, ans, (long)tm_a, peer))
		return 1;
	for (unsigned k = 0; k < RR_NCASES; k++)
		run_case((enum rr_case)k);
	foreign();
	timer_bp();
	send_b(RR_QUIT, 0, 0, 0);
	int s;
	while ((s = process_get_exit_status(peer)) == EAGAIN)
		thread_yield();
	cairn_check("rr.10", "peer_ends", s == 0, "status %d", s);
	return 0;
}
