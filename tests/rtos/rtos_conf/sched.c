/*
 * sched.c: conformance of the scheduling itself: thread_yield alternates strictly
 * between equals, round robin with time slices lets spinning equals share the core,
 * and a timer's expiry preempts a less urgent spinning thread at once (the bound and
 * its reason are those of timers.c).
 */
#include "rc.h"

#define MAX_LATE_US 50
#define YIELDS      10
#define RR_US       20000		/* ten 2 ms slices */
#define SPIN_US     3000

static sem_t done;

/* ---- rc.sch.1: yield alternates strictly between two equal threads ---- */

static volatile char ylog[2 * YIELDS + 1];
static volatile unsigned ylen;

static void yield_loop(char me)
{
	for (int i = 0; i < YIELDS; i++) {
		ylog[ylen++] = me;
		thread_yield();
	}
	semaphore_give(done);
}

static void yield_a(void)
{
	yield_loop('a');
}

static void yield_b(void)
{
	yield_loop('b');
}

static void test_yield(void)
{
	done = semaphore_create(0, 0);
	ylen = 0;
	rc_sleep(10);			/* half a slice or more ahead: no preemption in it */
	thread_t a = thread_create(yield_a, 0, 0, 0), b = thread_create(yield_b, 0, 0, 0);
	semaphore_take(done);
	semaphore_take(done);
	rc_join(a);
	rc_join(b);
	int ok = ylen == 2 * YIELDS;
	for (unsigned i = 0; i < ylen && i < 2 * YIELDS; i++)
		ok &= ylog[i] == (i % 2 ? 'b' : 'a');
	ylog[ylen < 2 * YIELDS ? ylen : 2 * YIELDS] = 0;
	rc_check("rc.sch.1", "yield_alternates", ok, "order %s", (const char *)ylog);
	semaphore_destroy(done);
}

/* ---- rc.sch.2: spinning equals share the core by time slices ---- */

static volatile uint64_t rr_end;
static volatile uint64_t rr_count[2];
static volatile unsigned rr_turns[2];
static volatile int rr_last;

static void rr_spin(int me)
{
	while (cairn_cycles() < rr_end) {
		if (rr_last != me) {
			rr_last = me;
			rr_turns[me]++;
		}
		rr_count[me]++;
	}
	semaphore_give(done);
}

static void rr_a(void)
{
	rr_spin(0);
}

static void rr_b(void)
{
	rr_spin(1);
}

static void test_round_robin(void)
{
	done = semaphore_create(0, 0);
	rr_last = -1;
	rr_end = cairn_cycles() + rc_ticks(RR_US);
	thread_t a = thread_create(rr_a, 0, 0, 0), b = thread_create(rr_b, 0, 0, 0);
	semaphore_take(done);
	semaphore_take(done);
	rc_join(a);
	rc_join(b);
	uint64_t total = rr_count[0] + rr_count[1];
	rc_check("rc.sch.2", "round_robin_equals", rr_turns[0] >= 3 && rr_turns[1] >= 3 && rr_count[0] * 4 > total &&
		 rr_count[1] * 4 > total, "in %d us: turns %u and %u, loops %lu and %lu", RR_US, rr_turns[0],
		 rr_turns[1], rr_count[0], rr_count[1]);
	semaphore_destroy(done);
}

/*
 * ---- rc.sch.6: they still share it when a more urgent thread keeps interrupting
 * one of them (every 100 us, far inside a slice): a preempted thread resumes the
 * rest of its slice instead of starting a new one ----
 */

static void interrupter(void)
{
	timer_t t = timer_create();
	struct time period;

	time_create(&period, 0, 100);
	timer_periodic(t, &period, &period);
	while (cairn_cycles() < rr_end)
		timer_wait(t);
	timer_free(t);
}

static void test_round_robin_interrupted(void)
{
	done = semaphore_create(0, 0);
	rr_last = -1;
	rr_count[0] = rr_count[1] = 0;
	rr_turns[0] = rr_turns[1] = 0;
	rr_end = cairn_cycles() + rc_ticks(RR_US);
	thread_t i = rc_spawn(interrupter, -1);
	thread_t a = thread_create(rr_a, 0, 0, 0), b = thread_create(rr_b, 0, 0, 0);
	semaphore_take(done);
	semaphore_take(done);
	rc_join(a);
	rc_join(b);
	rc_join(i);
	uint64_t total = rr_count[0] + rr_count[1];
	rc_check("rc.sch.6", "round_robin_while_interrupted", rr_turns[0] >= 3 && rr_turns[1] >= 3 &&
		 rr_count[0] * 4 > total && rr_count[1] * 4 > total, "in %d us: turns %u and %u, loops %lu and %lu",
		 RR_US, rr_turns[0], rr_turns[1], rr_count[0], rr_count[1]);
	semaphore_destroy(done);
}

/* ---- rc.sch.3-5: a timer's expiry preempts a less urgent spinning thread ---- */

static timer_t tm;
static volatile uint64_t deadline, woke_at;
static volatile long spins, spins_seen;

/* Waits for tm (started by someone) and records when it woke and main's progress. */
static void timer_waiter(void)
{
	timer_wait(tm);
	woke_at = cairn_cycles();
	spins_seen = spins;
}

/* Starts tm for us itself, then waits. */
static void timer_starter(void)
{
	struct time rel;

	time_create(&rel, 0, 500);
	deadline = cairn_cycles() + rc_ticks(500);	/* the real one is a little later */
	timer_start(tm, &rel);
	timer_waiter();
}

/* Main spins for SPIN_US, counting; true if the waiter woke while it did. */
static int spin_until_woken(void)
{
	uint64_t end = cairn_cycles() + rc_ticks(SPIN_US);

	while (cairn_cycles() < end)
		spins++;
	return woke_at && spins_seen > 0 && spins_seen < spins;
}

/* How long after deadline the waiter woke, in ns (negative: early; INT64_MAX: not yet). */
static int64_t late_ns(void)
{
	if (!woke_at)
		return INT64_MAX;
	return woke_at >= deadline ? (int64_t)rc_ns(woke_at - deadline) : -(int64_t)rc_ns(deadline - woke_at);
}

/* Joins t and checks that it woke within MAX_LATE_US of deadline, during main's spin. */
static void timer_case(const char *id, const char *name, int during, thread_t t)
{
	rc_join(t);
	int64_t late = late_ns();
	rc_check(id, name, during && late >= 0 && late <= MAX_LATE_US * 1000,
		 "woke %ld ns after the deadline (bound %d us), while main spun: %d", late, MAX_LATE_US, during);
}

/* A fresh tm, and nothing recorded. */
static void reset(void)
{
	tm = timer_create();
	spins = spins_seen = 0;
	woke_at = 0;
}

/* rc.sch.3: a timer the waiter started itself. */
static void test_timer_own(void)
{
	reset();
	thread_t t = rc_spawn(timer_starter, -1);	/* blocks in timer_wait */
	timer_case("rc.sch.3", "timer_preempts_spinning_thread", spin_until_woken(), t);
	timer_free(tm);
}

/* A waiter blocked on tm, armed far ahead; main then starts tm for us. */
static thread_t waiter_then_start(uint32_t us)
{
	struct time rel;

	reset();
	time_create(&rel, 0, 10000);
	timer_start(tm, &rel);
	thread_t t = rc_spawn(timer_waiter, -1);
	time_create(&rel, 0, us);
	deadline = cairn_cycles() + rc_ticks(us);
	timer_start(tm, &rel);
	return t;
}

/* rc.sch.4-5: main re-arms the timer a waiter blocks on, sooner, or already due. */
static void test_timer_rearmed(void)
{
	thread_t t = waiter_then_start(500);
	timer_case("rc.sch.4", "timer_rearmed_sooner_preempts", spin_until_woken(), t);
	timer_free(tm);

	t = waiter_then_start(0);
	int at_once = woke_at != 0;
	spin_until_woken();
	rc_join(t);
	rc_check("rc.sch.5", "timer_expired_at_start_preempts", at_once,
		 "the waiter ran inside timer_start %d, %ld ns after it", at_once, late_ns());
	timer_free(tm);
}

void rc_sched(void)
{
	test_yield();
	test_round_robin();
	test_round_robin_interrupted();
	test_timer_own();
	test_timer_rearmed();
}
