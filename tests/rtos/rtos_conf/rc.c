/*
 * rc.c: the RTOS conformance program: a test of each call of the RTOS API that works
 * today (docs/rtos.md), its success case and each error it returns, and of the
 * scheduling it promises. One process; TEST ids rc.<area>.<n> (tests/qemu/tests.toml
 * lists them). Its last test is that the process outlives its main thread and ends
 * with its last thread, which stops the RTOS.
 */
#include "rc.h"

#define ROOT ((const struct cairn_root *)CAIRN_ROOT_VA)
#define JOIN_POLL_US 100
#define JOIN_POLLS   10000		/* a second */
#define MAIN_STATUS  5

int rc_eq(const char *id, const char *name, long got, long want)
{
	return rc_check(id, name, got == want, "got %ld, want %ld", got, want);
}

uint64_t rc_ticks(uint64_t us)
{
	return us / 1000000 * ROOT->tsc_hz + us % 1000000 * ROOT->tsc_hz / 1000000;
}

uint64_t rc_ns(uint64_t ticks)
{
	return ticks * 1000 / (ROOT->tsc_hz / 1000000);
}

void rc_spin(uint64_t us)
{
	uint64_t end = cairn_cycles() + rc_ticks(us);

	while (cairn_cycles() < end)
		;
}

int rc_sleep(uint32_t us)
{
	timer_t t = timer_create();
	struct time rel;

	time_create(&rel, us / 1000000, us % 1000000);
	int r = timer_start(t, &rel);
	if (!r)
		r = timer_wait(t);
	timer_free(t);
	return r;
}

thread_t rc_spawn(void (*fn)(void), int rel)
{
	sched_param_t p = { rel < 0 ? SCHEDP_RPRIO : SCHEDP_RLPRIO, (uint16_t)(rel < 0 ? -rel : rel) };

	return thread_create(fn, rel ? &p : 0, rel ? 1 : 0, 0);
}

thread_t rc_spawn_at(void (*fn)(void), unsigned prio)
{
	sched_param_t p = { SCHEDP_PRIO, (uint16_t)prio };

	return thread_create(fn, &p, 1, 0);
}

int rc_join(thread_t t)
{
	for (unsigned i = 0; i < JOIN_POLLS; i++) {
		int r = thread_get_exit_status(t);
		if (r != EAGAIN)
			return r;
		rc_sleep(JOIN_POLL_US);
	}
	thread_kill(t);
	thread_get_exit_status(t);
	return RC_HUNG;
}

/* ---- the process ends with its last thread ---- */

static thread_t main_thread;

/* Runs after main's thread_exit: main has ended, the process has not. */
static void last(void)
{
	rc_eq("rc.thr.33", "process_outlives_main_thread", thread_get_exit_status(main_thread), MAIN_STATUS);
}

int main(void)
{
	main_thread = thread_self();
	rc_threads();
	rc_sync();
	rc_timers();
	rc_sched();
	rc_edf();
	if (!thread_create(last, 0, 0, THREAD_NO_JOIN))
		rc_check("rc.thr.33", "process_outlives_main_thread", 0, "cannot create the last thread");
	thread_exit(MAIN_STATUS);	/* last runs, ends, and with it the process */
}
