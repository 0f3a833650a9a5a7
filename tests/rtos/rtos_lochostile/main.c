/*
 * rtos_lochostile: a hostile process's local switches (cairn/rtos_abi.h, *Local
 * switches*; docs/rtos.md) take nothing from the others. rtos_lhfoe's threads do
 * random things with their local THREAD capabilities and their TLS pages for 150 ms
 * at level LEVEL (tests/rtos/rtos_lhfoe), while rtos_lhpeer computes at the same level
 * on each core and a thread of this process per core, more urgent, does periodic work.
 *
 *   rl.1  every period of the urgent threads met: woken within LATE_US of its
 *         release, done before the next, none skipped
 *   rl.2  the peer at the hostile process's level got its round-robin turns (no wait
 *         longer than rtos_lhpeer's bound, its share of the time) on every core
 *   rl.3  the hostile process ended by itself, with every thread it made
 *   rl.4  all of it was reaped: the rtos component's counts are as before (but for
 *         one more leaf of its capability table, if the run set a new peak)
 *
 * Run on one core (rtos_lochostile) and two (rtos_lochostile_cores), under -icount.
 */
#include <cairn/cairn.h>
#include <cairn/rtos.h>
#include <cairn/rtos_abi.h>
#include "../rtos_wait.h"

#define ROOT      ((const struct cairn_root *)CAIRN_ROOT_VA)
#define LEVEL     100		/* the hostile process's and the peer's */
#define URGENT    10
#define PERIOD_US 1000
#define WORK_US   100
#define LATE_US   200
#define PERIODS   140		/* within the hostile process's 150 ms (its end costs S about 1 ms) */

static uint64_t us_ticks(uint64_t us)
{
	return us * (ROOT->tsc_hz / 1000000);
}

struct periodic {
	volatile unsigned done, skipped, late, overran;
	volatile uint64_t worst;	/* ticks after a release it woke, at most */
};
static struct periodic per[2];

static void periodic(struct periodic *m)
{
	struct time off, per_t;
	timer_t t = timer_create();

	time_create(&off, 0, PERIOD_US);
	time_create(&per_t, 0, PERIOD_US);
	uint64_t first = cairn_cycles() + us_ticks(PERIOD_US);
	timer_periodic(t, &off, &per_t);
	for (unsigned k = 0; k < PERIODS; k++) {
		int n = timer_wait(t);
		uint64_t now = cairn_cycles(), rel = first + k * us_ticks(PERIOD_US);
		if (n != 1)
			m->skipped++;
		if (now > rel && now - rel > m->worst)
			m->worst = now - rel;
		if (now > rel + us_ticks(LATE_US))
			m->late++;
		while (cairn_cycles() < now + us_ticks(WORK_US))
			;
		if (cairn_cycles() > rel + us_ticks(PERIOD_US))
			m->overran++;
		m->done++;
	}
	timer_free(t);
}

static void periodic0(void) { periodic(&per[0]); }
static void periodic1(void) { periodic(&per[1]); }

static timer_t nap;
static sem_t hold;

static void held(void)
{
	semaphore_take(hold);
}

static int wait_proc(proc_t p)
{
	return rtos_wait_exit(process_get_exit_status, p, nap, 1000);
}

static int wait_thread(thread_t t)
{
	return rtos_wait_exit(thread_get_exit_status, t, nap, 1000);
}

/* Every thread record in use once, and four processes at once (rtos_child), so the
 * counts below see no table grow. */
static void warm_up(void)
{
	sched_param_t low = { SCHEDP_PRIO, 200 };
	thread_t t[64];
	unsigned n = 0;

	hold = semaphore_create(0, 0);
	while (n < 64 && (t[n] = thread_create(held, &low, 1, 0)) != 0)
		n++;
	for (unsigned i = 0; i < n; i++)
		semaphore_give(hold);
	for (unsigned i = 0; i < n; i++)
		wait_thread(t[i]);
	semaphore_destroy(hold);
	proc_t c[4];
	for (unsigned i = 0; i < 4; i++)
		c[i] = process_create_fs("/bin/rtos_child", 0, 0, 0, 0, 0);
	for (unsigned i = 0; i < 4; i++)
		if (c[i])
			wait_proc(c[i]);
}

int main(void)
{
	sched_param_t top = { SCHEDP_PRIO, URGENT - 5 };
	thread_set_params(&top, 1);
	nap = timer_create();
	warm_up();
	long u0 = rtos_stats(RTOS_STAT_UNTYPED), s0 = rtos_stats(RTOS_STAT_SLOTS);
	long t0 = rtos_stats(RTOS_STAT_THREADS), p0 = rtos_stats(RTOS_STAT_PROCS);
	long c0 = rtos_stats(RTOS_STAT_CHANS), w0 = rtos_stats(RTOS_STAT_WATCHES);

	thread_t pt[2];
	unsigned ncores = 0;
	for (unsigned c = 0; c < 2; c++) {
		sched_param_t p[2] = { { SCHEDP_CORE_ID, (uint16_t)c }, { SCHEDP_PRIO, URGENT } };
		pt[c] = thread_create(c ? periodic1 : periodic0, p, 2, 0);
		ncores += pt[c] != 0;
	}
	proc_t peer[2] = { 0, 0 };
	for (unsigned c = 0; c < ncores; c++) {
		sched_param_t p[2] = { { SCHEDP_CORE_ID, (uint16_t)c }, { SCHEDP_PRIO, LEVEL } };
		peer[c] = process_create_fs("/bin/rtos_lhpeer", p, 2, 0, 0, 0);
	}
	sched_param_t lp = { SCHEDP_PRIO, LEVEL };
	proc_t foe = process_create_fs("/bin/rtos_lhfoe", &lp, 1, 0, 0, 0);

	int fs = foe ? wait_proc(foe) : -1, ps[2] = { 0, 0 };
	for (unsigned c = 0; c < ncores; c++)
		ps[c] = peer[c] ? wait_proc(peer[c]) : -1;
	for (unsigned c = 0; c < ncores; c++)
		wait_thread(pt[c]);

	unsigned done = 0, bad = 0;
	uint64_t worst = 0;
	for (unsigned c = 0; c < ncores; c++) {
		done += per[c].done;
		bad += per[c].skipped + per[c].late + per[c].overran;
		worst = per[c].worst > worst ? per[c].worst : worst;
	}
	cairn_check("rl.1", "urgent_periods_met", ncores && done == ncores * PERIODS && bad == 0,
		    "%u cores, %u of %u periods done; skipped %u/%u, late %u/%u, overran %u/%u; woken at worst %lu us "
		    "after its release", ncores, done, ncores * PERIODS, per[0].skipped, per[1].skipped, per[0].late,
		    per[1].late, per[0].overran, per[1].overran, (unsigned long)(worst / us_ticks(1)));
	cairn_check("rl.2", "same_level_peer_turns", peer[0] && ps[0] == 0 && (ncores < 2 || (peer[1] && ps[1] == 0)),
		    "the peers' statuses: %d, %d (rtos_lhpeer's line says why)", ps[0], ps[1]);
	cairn_check("rl.3", "hostile_process_ended", foe && fs == 0, "rtos_lhfoe's status %d", fs);
	long u1 = rtos_stats(RTOS_STAT_UNTYPED), s1 = rtos_stats(RTOS_STAT_SLOTS);
	long t1 = rtos_stats(RTOS_STAT_THREADS), p1 = rtos_stats(RTOS_STAT_PROCS);
	long c1 = rtos_stats(RTOS_STAT_CHANS), w1 = rtos_stats(RTOS_STAT_WATCHES);
	/* At a new peak the rtos's capability table may have grown by a leaf: one frame
	   for a hundred slots or more (lib/libcairn/build.c: cairn_reserve_slots) */
	int same = (u1 == u0 && s1 == s0) || (u1 == u0 - 1 && s1 >= s0 + 100);
	cairn_check("rl.4", "all_reaped", u0 > 0 && same && t1 == t0 && p1 == p0 && c1 == c0 && w1 == w0,
		    "untyped %ld->%ld slots %ld->%ld threads %ld->%ld procs %ld->%ld regions %ld->%ld watches %ld->%ld",
		    u0, u1, s0, s1, t0, t1, p0, p1, c0, c1, w0, w1);
	return 0;
}
