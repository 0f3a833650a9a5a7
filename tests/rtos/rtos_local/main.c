/*
 * rtos_local: switches a process makes between its own threads without the rtos
 * component (cairn/rtos_abi.h, *Local switches*; lib/librtos/local.c), and what a
 * process that uses its local THREAD capabilities by hand can and cannot do.
 *
 *   lc.1  yields between two threads of one level alternate strictly, 2,000 times
 *   lc.2  among three, in round-robin order
 *   lc.3  a thread of another process at the same level on the core gets its turns
 *         while two threads of this one yield to each other (no lease then)
 *   lc.4  a thread blocked inside the rtos (semaphore_take) cannot be switched to
 *         (EBUSY) and still wakes as it should
 *   lc.5  switching by hand to a ready thread: it runs; the rtos follows (the thread's
 *         next call, its exit and the join all work); with a deadline or a tcap:
 *         EACCES; an empty or out-of-range slot: the lookup's error
 *   lc.6  two threads of one level hand two semaphores to each other 2,000 times (the
 *         hand-off without the rtos, lib/librtos/sync.c take_slow): strictly in turn,
 *         no unit lost or made; a third semaphore given from a less urgent thread still
 *         wakes a taker that found the lease (it blocks at the rtos after its look)
 *   lc.7  the same with messages on two channels, 2,000 round trips: every message in
 *         order; then a receiver whose sender closes its end sees the end of the stream
 *   lc.8  the hand-offs of lc.6 stay with the lease: the second 1,000 round trips take
 *         fewer than 3 system calls each (KCOUNT; through the rtos each takes 8 or more).
 *         Both threads wait in the rtos at the start (nothing is given yet), and the
 *         main thread's naps break the lease again and again: each time a waiter woken
 *         by its partner must come back to its own code (bp.c, bp_return), and a
 *         hand-off whose lease ended before it switched is no miss (sync.c, take_slow)
 *   lc.9  lc.7's round trips, 40,000, each end spinning a different short while before
 *         each send and the main thread napping 13 us: the interrupts land everywhere
 *         on the pair's paths, among them between a thread's decision to switch and its
 *         dispatch. S must let such a thread finish its switch (main.c); had it taken
 *         it for one its process switched to, the switch made later would run a thread
 *         that waits, which then waits twice (the rtos stops it: bp.h, wq_add)
 *   lc.10 the round trips of lc.9 come back to the lease after each interrupt: the
 *         second 20,000 take fewer than 6 system calls each (about 4 with main's naps;
 *         9 when a hand-off whose lease ended before it switched counted as a miss
 *         and made the end block at the rtos for its next 64 waits: chan.c, stuck)
 *   lc.11 lc.6's hand-off jittered as lc.9's, 40,000 round trips: strictly in turn
 *   lc.12 and, as lc.10, fewer than 6 system calls a round trip in the second half
 *         (about 3.5; 8 with the miss counted: sync.c, take_slow)
 *
 * The main thread runs more urgent than the tests' threads and waits for them napping,
 * so its timer preempts the yielders about every 50 us: the order must survive that
 * (the rtos rebuilds its queue from the lease's rotation). The yielders run with the
 * longest slice (weight 100: 20 ms), so no slice ends between a record and its yield.
 */
#include <cairn/cairn.h>
#include <cairn/rtos.h>
#include <cairn/rtos_abi.h>
#include "../rtos_wait.h"

#define LEVEL 100	/* the level the tests' threads share (main runs more urgent) */
#define ROUNDS 2000

static unsigned idx(thread_t t)
{
	return (unsigned)((t & 0xffff) - 1);
}

static timer_t nap;

/* Waits for t to end, napping 50 us at a time (the tests' threads are less urgent): its status. */
static int wait_for(thread_t t)
{
	return rtos_wait_exit(thread_get_exit_status, t, nap, 50);
}

/* ---- lc.1, lc.2: the order of yields ---- */

static volatile unsigned trace[3 * ROUNDS + 8], pos;
static volatile unsigned go;

static void yielder(unsigned me, unsigned rounds)
{
	while (!go)
		thread_yield();
	for (unsigned i = 0; i < rounds; i++) {
		trace[pos++] = me;
		thread_yield();
	}
}

static void y0(void) { yielder(0, ROUNDS); }
static void y1(void) { yielder(1, ROUNDS); }
static void y2(void) { yielder(2, ROUNDS); }

/* How many entries of trace[0..n) break the round robin of k threads. */
static unsigned out_of_order(unsigned n, unsigned k)
{
	unsigned bad = 0;

	for (unsigned i = k; i < n; i++)
		bad += trace[i] != trace[i - k] || trace[i] == trace[i - 1];
	return bad;
}

static void order(unsigned k, const char *id, const char *name)
{
	static void (*const fn[3])(void) = { y0, y1, y2 };
	sched_param_t p[2] = { { SCHEDP_PRIO, LEVEL }, { SCHEDP_WEIGHT, RTOS_WEIGHT_MAX } };
	thread_t t[3];

	pos = 0;
	go = 0;
	for (unsigned i = 0; i < k; i++)
		t[i] = thread_create(fn[i], p, 2, 0);
	go = 1;
	for (unsigned i = 0; i < k; i++)
		wait_for(t[i]);
	unsigned n = pos, bad = out_of_order(n, k);
	cairn_check(id, name, n == k * ROUNDS && bad == 0, "%u of %u entries, %u out of order", n, k * ROUNDS,
		    bad);
}

/* ---- lc.3: another process at the same level ---- */

static volatile unsigned both;

static void pinger(void)
{
	while (both < 2 * 50000)
		both++, thread_yield();
}

static void fairness(void)
{
	sched_param_t p = { SCHEDP_PRIO, LEVEL };
	both = 0;
	proc_t peer = process_create_fs("/bin/rtos_peer", &p, 1, 0, 0, 0);
	thread_t a = thread_create(pinger, &p, 1, 0), b = thread_create(pinger, &p, 1, 0);
	wait_for(a);
	wait_for(b);
	int s = process_get_exit_status(peer);	/* it yields 1,000 times, then ends */
	cairn_check("lc.3", "another_process_gets_its_turns", peer && s == 0 && both >= 2 * 50000,
		    "the peer at the same level %s when this process's %u yields had (status %d)",
		    s == 0 ? "had ended" : "had not ended", both, s);
	sched_param_t top = { SCHEDP_PRIO, LEVEL - 50 };
	while (peer && process_get_exit_status(peer) == EAGAIN)
		thread_set_params(&p, 1), thread_yield();	/* (at the peer's level: it runs) */
	thread_set_params(&top, 1);
}

/* ---- lc.4, lc.5: local capabilities by hand ---- */

static sem_t sem;
static volatile int woke = -1, ran;

static void blocker(void)
{
	woke = semaphore_take(sem);
}

static void runner(void)
{
	ran = 1;
	semaphore_give(sem);	/* a call into the rtos, which follows what ran */
}

static void by_hand(void)
{
	sched_param_t p = { SCHEDP_PRIO, LEVEL };
	sem = semaphore_create(0, 0);
	thread_t b = thread_create(blocker, &p, 1, 0);
	sched_param_t low = { SCHEDP_PRIO, LEVEL + 50 };
	thread_set_params(&low, 1);	/* blocker runs and blocks inside the rtos */
	sched_param_t up = { SCHEDP_PRIO, LEVEL - 50 };
	thread_set_params(&up, 1);
	long inside = cairn_thread_dispatch(RTOS_LOCAL_SLOT(idx(b)), 0, 0);
	int before = woke;
	semaphore_give(sem);
	wait_for(b);
	cairn_check("lc.4", "blocked_inside_not_switched_to", inside == CAIRN_EBUSY && before == -1 && woke == 0,
		    "a switch to it: %ld (want %d); it had %s; woken: %d", inside, CAIRN_EBUSY,
		    before == -1 ? "not returned" : "returned", woke);

	sched_param_t later = { SCHEDP_PRIO, LEVEL + 20 };	/* it would not run before this waits */
	ran = 0;
	thread_t r = thread_create(runner, &later, 1, 0);
	long sw = cairn_thread_dispatch(RTOS_LOCAL_SLOT(idx(r)), 0, 0);
	int ran_first = ran;
	int took = semaphore_take(sem);
	int status = wait_for(r);
	long dl = cairn_thread_dispatch(RTOS_LOCAL_SLOT(idx(thread_self())), 1, 0);
	long tc = cairn_thread_dispatch(RTOS_LOCAL_SLOT(idx(thread_self())), 0, 1);
	long empty = cairn_thread_dispatch(RTOS_LOCAL_SLOT(RTOS_LOCAL_SLOTS - 1), 0, 0);
	long far = cairn_thread_dispatch(100000, 0, 0);
	cairn_check("lc.5", "switch_by_hand", sw == 0 && ran_first && took == 0 && status == 0 &&
		    dl == CAIRN_EACCES && tc == CAIRN_EACCES && empty == CAIRN_ENOENT && far == CAIRN_ERANGE,
		    "switch %ld, it ran %d, take %d, its status %d; deadline %ld, tcap %ld (want %d); empty %ld "
		    "(want %d), far %ld (want %d)", sw, ran_first, took, status, dl, tc, CAIRN_EACCES, empty,
		    CAIRN_ENOENT, far, CAIRN_ERANGE);
	semaphore_destroy(sem);
}

/* ---- lc.6, lc.8, lc.11: semaphores handed between two threads of one level ---- */

static volatile unsigned rounds_now, jitter_on;

/*
 * Round i's spin before a give or a send when jitter_on is set: 0 to 63 iterations, a
 * different count each round (an xorshift of i), so that the interrupts that preempt
 * the pair land at every point of its path through the rtos in turn (lc.9, lc.11).
 */
static void jitter(unsigned i)
{
	uint32_t x = i * 2654435761u + 1;

	if (!jitter_on)
		return;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	for (volatile unsigned j = 0; j < (x & 63); j++)
		;
}


static sem_t ping, pong, late;
static volatile unsigned turn_no, wrong, late_got;
static long calls;	/* system calls of the core in the second half of the round trips (KCOUNT) */

/* Round trip i of rounds: the count of the second half starts at its first and ends after its last. */
static void count_calls(unsigned i, unsigned rounds)
{
	if (i == rounds / 2)
		calls = cairn_kcount();
	else if (i == rounds - 1)
		calls = cairn_kcount() - calls;
}

/* The second half of rounds round trips took fewer than per system calls each (lc.8, lc.10). */
static void check_calls(const char *id, const char *name, unsigned rounds, long per)
{
	long most = per * (long)(rounds / 2);

	cairn_check(id, name, calls > 0 && calls < most, "%ld system calls in %u round trips (want fewer than %ld)",
		    calls, rounds / 2, most);
}

static void ponger(void)
{
	for (unsigned i = 0; i < rounds_now; i++) {
		semaphore_take(ping);
		wrong += turn_no != 2 * i + 1;
		turn_no++;
		jitter(i);
		semaphore_give(pong);
	}
}

static void pinger_thread(void)
{
	for (unsigned i = 0; i < rounds_now; i++) {
		wrong += turn_no != 2 * i;
		turn_no++;
		jitter(i * 3);
		semaphore_give(ping);
		semaphore_take(pong);
		count_calls(i, rounds_now);
	}
	late_got = semaphore_take(late) == 0;	/* given by a less urgent thread, later */
}

static void late_giver(void)
{
	semaphore_give(late);
}

/*
 * rounds round trips handed over by two semaphores, the main thread napping us
 * microseconds between its looks; then a less urgent thread's give wakes the pinger.
 * Checks id (all in turn, the late give, nothing left over), then ids (fewer than per
 * system calls a round trip in the second half).
 */
static void handoff(const char *id, const char *name, const char *ids, const char *names, unsigned rounds,
		    unsigned jit, uint32_t us, long per)
{
	sched_param_t p[2] = { { SCHEDP_PRIO, LEVEL }, { SCHEDP_WEIGHT, RTOS_WEIGHT_MAX } };
	sched_param_t low = { SCHEDP_PRIO, LEVEL + 10 };
	ping = semaphore_create(0, 0);
	pong = semaphore_create(0, 0);
	late = semaphore_create(0, 0);
	turn_no = wrong = late_got = 0;
	rounds_now = rounds;
	jitter_on = jit;
	thread_t a = thread_create(pinger_thread, p, 2, 0), b = thread_create(ponger, p, 2, 0);
	int sb = rtos_wait_exit(thread_get_exit_status, b, nap, us);	/* then a waits for late */
	thread_t g = thread_create(late_giver, &low, 1, 0);
	int sg = wait_for(g), sa = wait_for(a);
	int left = semaphore_try_take(ping) == EAGAIN && semaphore_try_take(pong) == EAGAIN &&
		   semaphore_try_take(late) == EAGAIN;
	cairn_check(id, name, !sa && !sb && !sg && turn_no == 2 * rounds && !wrong && late_got && left,
		    "%u turns (want %u), %u out of turn; the late give %s; nothing left over: %d", turn_no,
		    2 * rounds, wrong, late_got ? "woke the taker" : "did not wake the taker", left);
	check_calls(ids, names, rounds, per);
	semaphore_destroy(ping);
	semaphore_destroy(pong);
	semaphore_destroy(late);
}

/* ---- lc.7, lc.9, lc.10: messages handed between two threads of one level ---- */

static chan_t c1, c2;
static volatile unsigned msg_bad;
static volatile int eos = -1;

static void chan_ponger(void)
{
	chan_r_t r = channel_get_recv(c1);
	chan_s_t w = channel_get_send(c2);
	uint64_t m[2];

	for (unsigned i = 0; i < rounds_now; i++) {
		msg_bad += channel_recv(r, m, sizeof(m), CHAN_BLOCK) != sizeof(m) || m[0] != i || m[1] != ~(uint64_t)i;
		m[0] = i + 1;
		jitter(i);
		msg_bad += channel_send(w, m, sizeof(m), CHAN_BLOCK) != sizeof(m);
	}
	eos = channel_recv(r, m, sizeof(m), CHAN_BLOCK);	/* the pinger closes: 0 */
}

static void chan_pinger(void)
{
	chan_s_t w = channel_get_send(c1);
	chan_r_t r = channel_get_recv(c2);
	uint64_t m[2];

	for (unsigned i = 0; i < rounds_now; i++) {
		m[0] = i;
		m[1] = ~(uint64_t)i;
		jitter(i * 3);
		msg_bad += channel_send(w, m, sizeof(m), CHAN_BLOCK) != sizeof(m);
		msg_bad += channel_recv(r, m, sizeof(m), CHAN_BLOCK) != sizeof(m) || m[0] != i + 1;
		count_calls(i, rounds_now);
	}
	channel_close(w);
}

/* rounds round trips on two channels, the main thread napping us microseconds between its looks. */
static void chan_handoff(const char *id, const char *name, unsigned rounds, unsigned jit, uint32_t us)
{
	sched_param_t p[2] = { { SCHEDP_PRIO, LEVEL }, { SCHEDP_WEIGHT, RTOS_WEIGHT_MAX } };
	c1 = channel_create(16, 4, 0, CHAN_SPSC);
	c2 = channel_create(16, 4, 0, CHAN_SPSC);
	msg_bad = 0;
	eos = -1;
	rounds_now = rounds;
	jitter_on = jit;
	thread_t a = thread_create(chan_ponger, p, 2, 0), b = thread_create(chan_pinger, p, 2, 0);
	int sa = rtos_wait_exit(thread_get_exit_status, a, nap, us);
	int sb = rtos_wait_exit(thread_get_exit_status, b, nap, us);
	cairn_check(id, name, c1 && c2 && !sa && !sb && !msg_bad && eos == 0,
		    "%u messages wrong or refused; the threads' status %d, %d; the receive after the close: %d "
		    "(want 0)", msg_bad, sa, sb, eos);
	channel_destroy(c1);
	channel_destroy(c2);
}

int main(void)
{
	sched_param_t top = { SCHEDP_PRIO, LEVEL - 50 };
	thread_set_params(&top, 1);
	nap = timer_create();
	order(2, "lc.1", "two_alternate");
	order(3, "lc.2", "three_round_robin");
	fairness();
	by_hand();
	handoff("lc.6", "semaphore_handoff", "lc.8", "semaphore_handoff_stays_local", ROUNDS, 0, 50, 3);
	handoff("lc.11", "semaphore_handoff_jittered", "lc.12", "jittered_semaphore_handoff_stays_local",
		20 * ROUNDS, 1, 13, 6);
	chan_handoff("lc.7", "channel_handoff", ROUNDS, 0, 50);
	chan_handoff("lc.9", "decider_preempted", 20 * ROUNDS, 1, 13);
	check_calls("lc.10", "channel_handoff_stays_local", 20 * ROUNDS, 6);
	return 0;
}
