/*
 * tm_waker: the timed wake-up the booter serves (interfaces/timer.toml,
 * lib/libboot/timer.c), from booter-built components (tests/qemu/systems/timer.toml,
 * timer_cores.toml, sub/tm_cell.toml). What it does depends on its name:
 *
 *   tm_sleeper  tmr.0 a deadline asked for in the initialisation, before the
 *               scheduler runs, still comes; tmr.1 20 wakes at now + N (1 us .. 3 ms),
 *               each one activation, none early, none later than LATE; tmr.2 a
 *               pending deadline replaced by an earlier and by a later one: one wake,
 *               at the new one, the old never; tmr.3 a cancelled deadline (0) sends
 *               nothing; tmr.4 past deadlines (1, now - 1, now) wake at once, once
 *               each; tmr.5 far ones (~0, ~0 - 1, now + 2^62) never fire and do not
 *               wrap, and cairn_deadline_in saturates; then it stops with now + 2^62
 *               pending: the system still ends normally. On several cores only
 *               tmr.0 and tmr.1 (the others assume no stall of an emulated core)
 *   tm_peer     tmr.6 its own deadlines (1.5 ms apart) while the sleeper waits for
 *               others: each wakes its own component; tmr.7 50,000 calls in a loop
 *               (earlier than what the timer is armed for: each makes the scheduler
 *               re-arm) while the sleeper (higher priority) measures its wakes; then
 *               a wake still comes, once, not early, within 10 ms (the sleeper spins)
 *   tm_crash    (restart = true) tmr.8 generation 1 asks for now + 5 ms and crashes;
 *               generation 2 spins 10 ms, then a guard: the old deadline never came
 *   tm_never    blocks with only ~0 pending (timer_never.toml): the booter stops the
 *               system, since nothing can wake it
 *   tm_nested   (in a nested subsystem) tmr.9 every call is CAIRN_ENOTSUP: a nested
 *               booter has no timer (nothing is stored: nothing can come)
 *   tm_rtos     (beside the RTOS, timer_rtos.toml) tmr.11 the same: the RTOS takes
 *               the timer (irq = [0]), the booter has none
 *
 * "No later than LATE": under -icount (one core) 100 us of instructions; on several
 * cores (no icount: a loaded host may stall an emulated core) 250 ms
 * of wall time.
 */
#include <iface/timer.h>
#include <cairn/root.h>

#define NEVER (~(uint64_t)0)

static volatile uint64_t nothing;	/* 0: an address that faults */

static uint64_t us;	/* time stamp counter ticks per microsecond */
static uint64_t late;	/* the latest a wake may come after its deadline */
static long guard_n;	/* the last guard's activations, and how late it came */
static uint64_t guard_late;

/* Waits for the next activation(s): how many; *at when it returned. */
static long wait_wake(uint64_t *at)
{
	long n = cairn_rcv_wait(CAIRN_SLOT_RCV);

	*at = cairn_cycles();
	return n;
}

static void spin_until(uint64_t t)
{
	while (cairn_cycles() < t)
		;
}

/*
 * One wake at deadline d (asked for now): whether it came as one activation at d or
 * after, no later than late; *lateness how long after.
 */
static int wake_once(uint64_t d, uint64_t *lateness)
{
	uint64_t t;
	long r = timer_wake_at(d), n = wait_wake(&t);

	*lateness = t - d;
	return r == 0 && n == 1 && t >= d && t - d <= late;
}

/* A guard: nothing else pending now, and a wake ticks from now is the only one (and at its time). */
static int only_guard(uint64_t ticks)
{
	uint64_t d = cairn_deadline_in(ticks), t;
	long r = timer_wake_at(d);

	guard_n = wait_wake(&t);
	guard_late = t - d;
	return r == 0 && guard_n == 1 && t >= d && t - d <= late;
}

static void init_sync(const char *id)
{
	uint64_t d = cairn_deadline_in(100 * us), t;
	long r = timer_wake_at(d), n = wait_wake(&t);	/* the end of the initialisation */

	cairn_check(id, "deadline_from_initialisation_comes", r == 0 && n == 1 && t >= d,
		    "wake_at %ld, %ld activation(s), %ld ticks after the deadline", r, n, (long)(t - d));
}

static void wakes_on_time(void)
{
	static const uint64_t after[] = { 1, 10, 100, 250, 500, 1000, 2000, 3000 };
	uint64_t worst = 0, lateness = 0;
	int ok = 1;

	for (unsigned i = 0; i < 20; i++) {
		ok &= wake_once(cairn_deadline_in(after[i % 8] * us), &lateness);
		worst = lateness > worst ? lateness : worst;
	}
	cairn_report("tmr.1", "wakes_at_deadline_not_before_not_late", ok,
		     "20 wakes, each once, the latest %lu ticks after its deadline (at most %lu)",
		     (unsigned long)worst, (unsigned long)late);
}

static void replace(void)
{
	uint64_t d1 = cairn_deadline_in(5000 * us + late), d2 = cairn_deadline_in(1000 * us), t, t2;
	long r1 = timer_wake_at(d1), r2 = timer_wake_at(d2), n = wait_wake(&t);
	long rg = timer_wake_at(d1 + 1000 * us), n2 = wait_wake(&t2);	/* d1 must not come before */
	int earlier = r1 == 0 && r2 == 0 && n == 1 && t >= d2 && t < d1 && rg == 0 && n2 == 1 && t2 >= d1 + 1000 * us;

	uint64_t e1 = cairn_deadline_in(1000 * us), e2 = cairn_deadline_in(3000 * us), t3;
	long s1 = timer_wake_at(e1), s2 = timer_wake_at(e2), n3 = wait_wake(&t3);
	int later = s1 == 0 && s2 == 0 && n3 == 1 && t3 >= e2;
	int guard = only_guard(500 * us);	/* e1 never comes either */

	cairn_check("tmr.2", "replacement_wakes_at_the_new_deadline_only", earlier && later && guard,
		    "earlier: %ld %ld, %ld at d2%ld (d1 at d2%ld), guard %ld, %ld at d1%ld; "
		    "later: %ld %ld, %ld at e2%ld; guard %ld at %ld", r1, r2, n, (long)(t - d2), (long)(d1 - d2), rg,
		    n2, (long)(t2 - d1), s1, s2, n3, (long)(t3 - e2), guard_n, (long)guard_late);
}

static void cancel(void)
{
	uint64_t d = cairn_deadline_in(1000 * us);
	long r1 = timer_wake_at(d), r0 = timer_wake_at(0);

	spin_until(d + 1000 * us);	/* the timer interrupts this: a wake would be pending */
	long r00 = timer_wake_at(0);	/* nothing pending: nothing changes */
	int guard = only_guard(500 * us);
	cairn_check("tmr.3", "cancelled_deadline_sends_nothing", r1 == 0 && r0 == 0 && r00 == 0 && guard,
		    "wake_at %ld, cancel %ld, %ld; guard %ld at %ld", r1, r0, r00, guard_n, (long)guard_late);
}

static void past(void)
{
	uint64_t t0 = cairn_cycles(), t1, t2, t3;
	long r1 = timer_wake_at(1), n1 = wait_wake(&t1);
	long r2 = timer_wake_at(cairn_cycles() - 1), n2 = wait_wake(&t2);
	long r3 = timer_wake_at(cairn_cycles()), n3 = wait_wake(&t3);
	int soon = t1 - t0 <= late && t2 - t1 <= late && t3 - t2 <= late, guard = only_guard(500 * us);

	cairn_check("tmr.4", "past_deadline_wakes_at_once_once",
		    r1 == 0 && r2 == 0 && r3 == 0 && n1 == 1 && n2 == 1 && n3 == 1 && soon && guard,
		    "wake_at 1/now-1/now: %ld %ld %ld, activations %ld %ld %ld, after %lu %lu %lu ticks; "
		    "guard %ld at %ld", r1, r2, r3, n1, n2, n3, (unsigned long)(t1 - t0), (unsigned long)(t2 - t1),
		    (unsigned long)(t3 - t2), guard_n, (long)guard_late);
}

static void far(void)
{
	uint64_t now = cairn_cycles();
	int sat = cairn_deadline_in(NEVER) == NEVER && cairn_deadline_in(NEVER - now + 5) == NEVER &&
		  cairn_deadline_in(0) >= now && cairn_deadline_in(1000) - cairn_cycles() <= 1000;
	long r1 = timer_wake_at(NEVER);

	spin_until(cairn_cycles() + 2000 * us);
	long r2 = timer_wake_at(NEVER - 1);
	spin_until(cairn_cycles() + 2000 * us);
	long r3 = timer_wake_at(cairn_deadline_in(1UL << 62));
	spin_until(cairn_cycles() + 2000 * us);
	int guard = only_guard(500 * us);
	cairn_check("tmr.5", "far_deadlines_never_fire_nor_wrap", sat && r1 == 0 && r2 == 0 && r3 == 0 && guard,
		    "saturating %d, wake_at ~0 / ~0-1 / now+2^62: %ld %ld %ld; guard %ld at %ld", sat, r1, r2,
		    r3, guard_n, (long)guard_late);
}

/* On several cores (wall time, no icount) only what a stalled emulated core cannot upset. */
static void sleeper(const struct cairn_root *rt)
{
	init_sync("tmr.0");
	wakes_on_time();
	if (rt->cores > 1)
		return;
	replace();
	cancel();
	past();
	far();
	timer_wake_at(cairn_deadline_in(1UL << 62));	/* pending as it stops */
	cairn_printf("tm_sleeper: done, a deadline 2^62 ticks ahead pending\n");
}

static void peer(void)
{
	uint64_t worst = 0, lateness = 0, t;
	int ok = 1;

	init_sync("tmr.0p");
	for (unsigned i = 0; i < 10; i++) {
		ok &= wake_once(cairn_deadline_in(1500 * us), &lateness);
		worst = lateness > worst ? lateness : worst;
	}
	cairn_report("tmr.6", "second_component_own_deadlines", ok,
		     "10 wakes, each once, the latest %lu ticks after its deadline", (unsigned long)worst);

	long bad = 0;
	uint64_t t0 = cairn_cycles();
	for (unsigned i = 0; i < 50000; i++)
		bad += timer_wake_at(cairn_deadline_in(((i * 7) % 13 + 1) * us)) != 0;
	uint64_t spent = cairn_cycles() - t0;
	long c = timer_wake_at(0);
	uint64_t g = cairn_deadline_in(1000 * us);
	long rg = timer_wake_at(g), n = 0;
	while (cairn_cycles() < g)	/* the loop's wakes, then the guard's */
		n += wait_wake(&t);
	uint64_t d = cairn_deadline_in(2000 * us);
	long r = timer_wake_at(d), m = wait_wake(&t);	/* the sleeper, higher, may spin meanwhile */
	lateness = t - d;
	ok = bad == 0 && c == 0 && rg == 0 && n >= 1 && r == 0 && m == 1 && t >= d && lateness <= late + 10000 * us;
	cairn_report("tmr.7", "calls_in_a_loop_break_nothing", ok,
		     "50000 calls (%ld failed) in %lu ticks, %ld activations drained, then a wake %lu ticks late",
		     bad, (unsigned long)spent, n, (unsigned long)lateness);
}

static void crash(const struct cairn_root *rt)
{
	if (rt->generation == 1) {
		init_sync("tmr.0c");
		timer_wake_at(cairn_deadline_in(5000 * us));
		*(volatile long *)(uintptr_t)nothing = 1;	/* the booter restarts it, the deadline pending */
	}
	spin_until(cairn_cycles() + 10000 * us);	/* past the old deadline: it must not come */
	int guard = only_guard(500 * us);
	cairn_check("tmr.8", "restart_drops_the_pending_deadline", rt->generation == 2 && guard,
		    "generation %u: guard %ld activation(s) %ld ticks after it", rt->generation, guard_n,
		    (long)guard_late);
}

/* A booter without the timer: every call is CAIRN_ENOTSUP (nothing is stored). */
static void no_timer(const char *id, const char *name)
{
	uint64_t d = cairn_deadline_in(100 * us);
	long r1 = timer_wake_at(d), r2 = timer_wake_at(0), r3 = timer_wake_at(1), r4 = timer_wake_at(NEVER);

	spin_until(d + 1000 * us);
	cairn_check(id, name, r1 == CAIRN_ENOTSUP && r2 == CAIRN_ENOTSUP && r3 == CAIRN_ENOTSUP &&
		    r4 == CAIRN_ENOTSUP, "wake_at d/0/1/~0: %ld %ld %ld %ld", r1, r2, r3, r4);
}

/* Blocks with only ~0 pending: the booter must see that nothing can wake it. */
static void never(void)
{
	long r = timer_wake_at(NEVER);
	uint64_t t;

	cairn_printf("tm_never: wake_at ~0: %ld; waiting\n", r);
	wait_wake(&t);
	cairn_printf("tm_never: woken: must never appear\n");
}

int main(const struct cairn_root *rt)
{
	us = rt->tsc_hz / 1000000 ? rt->tsc_hz / 1000000 : 1;
	late = rt->cores > 1 ? 250000 * us : 100 * us;
	if (strcmp(rt->name, "tm_sleeper") == 0)
		sleeper(rt);
	else if (strcmp(rt->name, "tm_peer") == 0)
		peer();
	else if (strcmp(rt->name, "tm_crash") == 0)
		crash(rt);
	else if (strcmp(rt->name, "tm_nested") == 0)
		no_timer("tmr.9", "nested_booter_has_no_timer");
	else if (strcmp(rt->name, "tm_rtos") == 0)
		no_timer("tmr.11", "booter_beside_rtos_has_no_timer");
	else if (strcmp(rt->name, "tm_never") == 0)
		never();
	else
		cairn_printf("tm_waker: no role for '%s'\n", rt->name);
	return 0;
}
