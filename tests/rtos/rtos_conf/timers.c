/*
 * timers.c: conformance of the clock and of timers: one-shot and periodic expiry,
 * the counts timer_wait returns, cancel and free, argument errors, and timing under
 * -icount (tests/qemu/tests.toml): how late a wait returns after its deadline, and
 * that a periodic timer does not drift.
 *
 * Lateness bound: a woken waiter is late by the timer interrupt, one pass of the
 * rtos component's scheduler thread and one dispatch: a few thousand instructions,
 * i.e. a few microseconds at -icount shift=0 (one instruction per nanosecond).
 * MAX_LATE_US allows ten times that, and is still 40 times shorter than a 2 ms time
 * slice: a timer that fired only at the next slice boundary would fail it.
 */
#include "rc.h"

#define MAX_LATE_US   50
#define PERIOD_US     200
#define NPERIODS      1000
#define BAD_GEN       ((0x7777UL << 16) | 1)	/* a generation no timer has */

static struct time us_time(uint32_t us)
{
	struct time t;

	time_create(&t, us / 1000000, us % 1000000);
	return t;
}

/* rc.tmr.1-3: a one-shot timer fires once, not early; an unstarted one cannot be waited for. */
static void test_one_shot(void)
{
	timer_t a = timer_create(), b = timer_create();
	rc_check("rc.tmr.1", "create", a && b && a != b, "handles %lu %lu", a, b);

	struct time rel = us_time(300);
	uint64_t t0 = cairn_cycles();
	int r = timer_start(a, &rel);
	int n = timer_wait(a);
	uint64_t took = cairn_cycles() - t0;
	int again = timer_wait(a);
	rc_check("rc.tmr.2", "start_fires_once", r == 0 && n == 1 && took >= rc_ticks(300) && again == EAGAIN,
		 "start %d, wait %d after %lu ns (want 1 after 300000 ns or more), wait again %d (want %d)", r, n,
		 rc_ns(took), again, EAGAIN);
	rc_eq("rc.tmr.3", "wait_unstarted_eagain", timer_wait(b), EAGAIN);
	timer_free(a);
	timer_free(b);
}

/* rc.tmr.4-6: timer_start's and timer_periodic's argument errors. */
static void test_args(void)
{
	timer_t t = timer_create();
	struct time bad = { 0, 1000000 }, zero = { 0, 0 }, ok = us_time(100);
	int r0 = timer_start(t, &bad), r1 = timer_periodic(t, &bad, &ok), r2 = timer_periodic(t, &ok, &bad),
	    r3 = timer_periodic(t, &ok, &zero);
	rc_check("rc.tmr.4", "usec_or_zero_period_einval", r0 == EINVAL && r1 == EINVAL && r2 == EINVAL &&
		 r3 == EINVAL, "start usec 1e6 %d, periodic offset %d, period %d, zero period %d (want %d)", r0,
		 r1, r2, r3, EINVAL);
	r0 = timer_start(t, 0);
	r1 = timer_periodic(t, 0, &ok);
	r2 = timer_periodic(t, &ok, 0);
	rc_check("rc.tmr.5", "null_time_efault", r0 == EFAULT && r1 == EFAULT && r2 == EFAULT,
		 "start %d, periodic offset %d, period %d (want %d)", r0, r1, r2, EFAULT);
	timer_free(t);

	timer_t badh[] = { 0, 0xffff, BAD_GEN, t };	/* t: freed */
	int all = 1;
	for (unsigned i = 0; i < sizeof(badh) / sizeof(badh[0]); i++)
		all &= timer_start(badh[i], &ok) == EBADF && timer_periodic(badh[i], &ok, &ok) == EBADF &&
		       timer_cancel(badh[i]) == EBADF && timer_wait(badh[i]) == EBADF && timer_free(badh[i]) == EBADF;
	rc_check("rc.tmr.6", "bad_handles_ebadf", all, "0, 0xffff, a stale generation, a freed timer: %s %d",
		 all ? "all" : "not all", EBADF);
}

/* rc.tmr.7: a periodic timer counts its expiries until they are waited for. */
static void test_periodic_count(void)
{
	timer_t t = timer_create();
	struct time p = us_time(100);
	int r = timer_periodic(t, &p, &p);
	rc_sleep(1050);				/* expiries at 100, 200, ... 1000 us */
	int n = timer_wait(t);
	int next = timer_wait(t);		/* blocks until 1100 us */
	rc_check("rc.tmr.7", "periodic_counts_expiries", r == 0 && n == 10 && next == 1,
		 "periodic %d, after 1050 us wait %d (want 10), then %d (want 1)", r, n, next);
	timer_free(t);
}

/* rc.tmr.8-9: cancel disarms a one-shot and a periodic timer. */
static void test_cancel(void)
{
	timer_t t = timer_create();
	struct time rel = us_time(300);
	timer_start(t, &rel);
	int c = timer_cancel(t);
	int w0 = timer_wait(t);
	rc_sleep(600);
	int w1 = timer_wait(t);
	rc_check("rc.tmr.8", "cancel_one_shot", c == 0 && w0 == EAGAIN && w1 == EAGAIN,
		 "cancel %d, wait %d, after its deadline %d (want 0, %d, %d)", c, w0, w1, EAGAIN, EAGAIN);

	timer_periodic(t, &rel, &rel);
	int n = timer_wait(t);
	c = timer_cancel(t);
	rc_sleep(1000);
	w1 = timer_wait(t);
	rc_check("rc.tmr.9", "cancel_periodic", n == 1 && c == 0 && w1 == EAGAIN,
		 "wait %d, cancel %d, three periods later wait %d (want 1, 0, %d)", n, c, w1, EAGAIN);
	timer_free(t);
}

/* rc.tmr.10-11: free; a waiter on a freed timer returns EBADF. */
static timer_t shared;
static volatile long waited;

static void long_waiter(void)
{
	waited = timer_wait(shared);
}

static void test_free(void)
{
	timer_t t = timer_create();
	struct time rel = us_time(500);
	int f = timer_free(t);
	int r0 = timer_start(t, &rel), r1 = timer_wait(t), r2 = timer_cancel(t), r3 = timer_free(t);
	rc_check("rc.tmr.10", "free", f == 0 && r0 == EBADF && r1 == EBADF && r2 == EBADF && r3 == EBADF,
		 "free %d, then start %d wait %d cancel %d free %d (want %d)", f, r0, r1, r2, r3, EBADF);

	shared = timer_create();
	rel = us_time(900000);
	timer_start(shared, &rel);
	waited = 1;
	thread_t w = rc_spawn(long_waiter, -1);	/* runs and blocks in timer_wait */
	f = timer_free(shared);
	uint64_t t0 = cairn_cycles();
	int status = rc_join(w);
	uint64_t took = cairn_cycles() - t0;
	rc_check("rc.tmr.11", "free_wakes_waiter_ebadf", f == 0 && waited == EBADF && status == 0 &&
		 took < rc_ticks(100000), "free %d; the waiter got %ld (want %d) within %lu ns", f, waited, EBADF,
		 rc_ns(took));
}

/* rc.tmr.12-13: the clock, and the timer's precision. */
static void test_clock(void)
{
	struct time a, b;

	time_current(&a);
	rc_spin(1000);
	time_current(&b);
	uint64_t ua = a.sec * 1000000 + a.usec, ub = b.sec * 1000000 + b.usec;
	rc_check("rc.tmr.12", "time_current", ub >= ua + 1000 && ub < ua + 1100 && a.usec < 1000000 &&
		 b.usec < 1000000, "%lu.%06u then, 1 ms of counter later, %lu.%06u", a.sec, a.usec, b.sec, b.usec);

	uint64_t hz = ((const struct cairn_root *)CAIRN_ROOT_VA)->timer_hz;
	uint32_t p = timer_precision();
	uint64_t want = hz && hz < 1000000000 ? (1000000000 + hz - 1) / hz : 1;
	rc_check("rc.tmr.13", "timer_precision", p == want && p >= 1 && p <= 10,
		 "%u ns (want %lu: one tick at %lu Hz)", p, want, hz);
}

/* Nanoseconds a one-shot wait of us returned after its deadline; INT64_MIN on error. */
static int64_t lateness(uint32_t us)
{
	timer_t t = timer_create();
	struct time rel = us_time(us);
	uint64_t t0 = cairn_cycles();		/* before timer_start reads the clock */
	int r = timer_start(t, &rel);
	int n = timer_wait(t);
	uint64_t t1 = cairn_cycles();
	timer_free(t);
	if (r || n != 1)
		return INT64_MIN;
	uint64_t deadline = t0 + rc_ticks(us);
	return t1 >= deadline ? (int64_t)rc_ns(t1 - deadline) : -(int64_t)rc_ns(deadline - t1);
}

/* rc.tmr.14: one-shot waits return after the deadline, by at most MAX_LATE_US. */
static void test_accuracy(void)
{
	static const uint32_t us[] = { 50, 100, 250, 1000, 3000, 7500 };
	int64_t lo = INT64_MAX, hi = INT64_MIN;

	for (unsigned i = 0; i < sizeof(us) / sizeof(us[0]); i++) {
		int64_t l = lateness(us[i]);
		if (l == INT64_MIN) {
			hi = INT64_MAX;
			break;
		}
		lo = l < lo ? l : lo;
		hi = l > hi ? l : hi;
	}
	rc_check("rc.tmr.14", "one_shot_lateness", lo >= 0 && hi <= MAX_LATE_US * 1000,
		 "late %ld..%ld ns over 6 timers of 50 us to 7.5 ms (bound %d us)", lo, hi, MAX_LATE_US);
}

/* rc.tmr.15: NPERIODS periods take NPERIODS x period, within one period: no drift. */
static void test_no_drift(void)
{
	timer_t t = timer_create();
	struct time p = us_time(PERIOD_US);
	uint64_t t0 = cairn_cycles();
	int r = timer_periodic(t, &p, &p);
	long n = 0, waits = 0;

	while (!r && n < NPERIODS && waits < 2 * NPERIODS) {
		int k = timer_wait(t);
		if (k <= 0)
			break;
		n += k;
		waits++;
	}
	uint64_t took = cairn_cycles() - t0, want = (uint64_t)n * rc_ticks(PERIOD_US);
	timer_free(t);
	rc_check("rc.tmr.15", "periodic_no_drift", r == 0 && n == NPERIODS && took >= want &&
		 took - want < rc_ticks(PERIOD_US), "%ld expiries in %ld waits took %lu ns, %ld x %d us = %lu ns",
		 n, waits, rc_ns(took), n, PERIOD_US, rc_ns(want));
}

/* rc.tmr.16: a waiter of a cancelled timer returns EAGAIN (it would never fire). */
static void test_cancel_wakes(void)
{
	shared = timer_create();
	struct time rel = us_time(900000);
	timer_start(shared, &rel);
	waited = 1;
	thread_t w = rc_spawn(long_waiter, -1);	/* runs and blocks in timer_wait */
	int c = timer_cancel(shared);
	uint64_t t0 = cairn_cycles();
	int status = rc_join(w);
	uint64_t took = cairn_cycles() - t0;
	rc_check("rc.tmr.16", "cancel_wakes_waiter_eagain", c == 0 && waited == EAGAIN && status == 0 &&
		 took < rc_ticks(100000), "cancel %d; the waiter got %ld (want %d) within %lu ns", c, waited, EAGAIN,
		 rc_ns(took));
	timer_free(shared);
}

void rc_timers(void)
{
	test_one_shot();
	test_args();
	test_periodic_count();
	test_cancel();
	test_cancel_wakes();
	test_free();
	test_clock();
	test_accuracy();
	test_no_drift();
}
