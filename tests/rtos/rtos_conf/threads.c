/*
 * threads.c: conformance of thread_create (priorities, scheduling parameters, flags),
 * thread_set_params, thread_exit, thread_get_exit_status, thread_kill and thread_self.
 * Whether a thread has run tells its priority: one more urgent than the caller runs
 * inside thread_create, an equal one at the caller's thread_yield, a less urgent one
 * only when the caller blocks.
 */
#include "rc.h"

#define EXIT_STATUS 1234
#define DEEP_BYTES  (768 * 1024)	/* more than the default stack, less than 1 MiB */

static volatile int ran;
static volatile long got;		/* what a thread recorded */
static volatile thread_t self_seen;
static sem_t block_sem;

static void mark(void)
{
	ran = 1;
}

static void exit_status(void)
{
	ran = 1;
	thread_exit(EXIT_STATUS);
	got = -1;			/* never reached */
}

static void record_self(void)
{
	self_seen = thread_self();
}

static void block_forever(void)
{
	ran = 1;
	semaphore_take(block_sem);
	ran = 2;			/* never reached: it is killed */
}

/* Uses most of a 1 MiB stack: a page fault ends the process if the stack is smaller. */
static void deep(void)
{
	volatile char buf[DEEP_BYTES];

	for (unsigned i = 0; i < DEEP_BYTES; i += 4096)
		buf[i] = (char)i;
	got = buf[DEEP_BYTES - 4096] == (char)(DEEP_BYTES - 4096);
}

/* At priority 0: it can be made no more urgent. */
static void try_more_urgent(void)
{
	sched_param_t p = { SCHEDP_RPRIO, 1 };

	got = thread_set_params(&p, 1);
}

/* At priority 255: it can be made no less urgent. */
static void try_less_urgent(void)
{
	sched_param_t p = { SCHEDP_RLPRIO, 1 };

	got = thread_set_params(&p, 1);
}

/* A thread of fn made with one parameter (kind, val); 0 on error. */
static thread_t create1(void (*fn)(void), sched_param_type_t kind, unsigned val)
{
	sched_param_t p = { kind, (uint16_t)val };

	return thread_create(fn, &p, 1, 0);
}

static int set1(sched_param_type_t kind, unsigned val)
{
	sched_param_t p = { kind, (uint16_t)val };

	return thread_set_params(&p, 1);
}

/* Where a thread first ran, which tells its priority against the caller's. */
enum run_point { NOT_CREATED, AT_CREATE, AT_YIELD, AT_BLOCK, NEVER };

static const char *const point_name[] = { "not created", "inside thread_create", "at the caller's yield",
					  "when the caller blocked", "never" };

/* Where a thread of mark made with params p[0..n) first ran; it has ended after. */
static enum run_point run_point(const sched_param_t *p, size_t n)
{
	ran = 0;
	thread_t t = thread_create(mark, p, n, 0);
	if (!t)
		return NOT_CREATED;
	enum run_point at = ran ? AT_CREATE : NEVER;
	thread_yield();
	if (at == NEVER && ran)
		at = AT_YIELD;
	rc_join(t);
	return at == NEVER && ran ? AT_BLOCK : at;
}

static enum run_point run_point1(sched_param_type_t kind, unsigned val)
{
	sched_param_t p = { kind, (uint16_t)val };

	return run_point(&p, 1);
}

/* A check that a thread made with (kind, val) first ran at want. */
static void check_point(const char *id, const char *name, sched_param_type_t kind, unsigned val,
			enum run_point want)
{
	enum run_point at = run_point1(kind, val);

	rc_check(id, name, at == want, "ran %s (want %s)", point_name[at], point_name[want]);
}

/* rc.thr.1-3: no parameters: a handle, the caller's priority, status 0 on return. */
static void test_create_default(void)
{
	thread_t t = thread_create(mark, 0, 0, 0);
	int status = rc_join(t);
	enum run_point at = run_point(0, 0);
	rc_check("rc.thr.1", "create_returns_handle", t != 0, "handle %lu", t);
	rc_check("rc.thr.2", "create_inherits_priority", at == AT_YIELD, "ran %s (want %s)", point_name[at],
		 point_name[AT_YIELD]);
	rc_eq("rc.thr.3", "return_from_entry_status_0", status, 0);
}

/* rc.thr.4-9: exit statuses, and what thread_get_exit_status says of each handle. */
static void test_exit_status(void)
{
	thread_t t = thread_create(exit_status, 0, 0, 0);
	rc_eq("rc.thr.4", "exit_status", rc_join(t), EXIT_STATUS);
	rc_eq("rc.thr.5", "status_again_ebadf", thread_get_exit_status(t), EBADF);

	ran = 0;
	t = rc_spawn(mark, 1);
	int r = thread_get_exit_status(t);
	int status = rc_join(t);
	rc_check("rc.thr.6", "status_running_eagain", t && r == EAGAIN && status == 0 && ran,
		 "while ready %d (want %d), then %d after it ran %d", r, EAGAIN, status, ran);

	int r0 = thread_get_exit_status(0), r1 = thread_get_exit_status(0xff),
	    r2 = thread_get_exit_status(~0UL), r3 = thread_get_exit_status((0x7777UL << 8) | 1);
	rc_check("rc.thr.7", "status_bad_handle_ebadf", r0 == EBADF && r1 == EBADF && r2 == EBADF && r3 == EBADF,
		 "0: %d, 0xff: %d, ~0: %d, stale: %d (want %d)", r0, r1, r2, r3, EBADF);
	rc_eq("rc.thr.8", "status_self_einval", thread_get_exit_status(thread_self()), EINVAL);

	ran = 0;
	t = thread_create(mark, 0, 0, THREAD_NO_JOIN);
	r0 = thread_get_exit_status(t);
	thread_yield();
	r1 = thread_get_exit_status(t);
	rc_check("rc.thr.9", "status_nojoin_ebadf", t && ran && r0 == EBADF && r1 == EBADF,
		 "handle %lu ran %d: while ready %d, ended %d (want %d)", t, ran, r0, r1, EBADF);
}

/* rc.thr.10-14: thread_kill of a ready, a blocked, an ended and a bad thread. */
static void test_kill(void)
{
	ran = 0;
	thread_t t = rc_spawn(mark, 1);
	int r = thread_kill(t);
	rc_sleep(200);				/* time enough for it to have run */
	int status = rc_join(t);
	rc_check("rc.thr.10", "kill_ready", r == 0 && !ran && status == EIO,
		 "kill %d, ran %d, status %d (want 0, 0, %d)", r, ran, status, EIO);

	block_sem = semaphore_create(0, 0);
	ran = 0;
	t = rc_spawn(block_forever, -1);
	int was = ran;
	r = thread_kill(t);
	status = rc_join(t);
	rc_check("rc.thr.11", "kill_blocked", was == 1 && r == 0 && status == EIO && ran == 1,
		 "blocked %d, kill %d, status %d, ran on %d (want 1, 0, %d, 1)", was, r, status, ran, EIO);
	semaphore_destroy(block_sem);

	t = rc_spawn(exit_status, -1);		/* ends inside thread_create */
	r = thread_kill(t);
	status = rc_join(t);
	rc_check("rc.thr.12", "kill_ended_ebadf", r == EBADF && status == EXIT_STATUS,
		 "kill %d (want %d), status %d (want %d)", r, EBADF, status, EXIT_STATUS);

	int r0 = thread_kill(0), r1 = thread_kill(0xff), r2 = thread_kill(t);
	rc_check("rc.thr.13", "kill_bad_handle_ebadf", r0 == EBADF && r1 == EBADF && r2 == EBADF,
		 "0: %d, 0xff: %d, joined: %d (want %d)", r0, r1, r2, EBADF);
	rc_eq("rc.thr.14", "kill_self_einval", thread_kill(thread_self()), EINVAL);
}

/* rc.thr.15-18: entry and flags. */
static void test_create_flags(void)
{
	rc_eq("rc.thr.15", "create_null_entry_fails", (long)thread_create(0, 0, 0, 0), 0);
	thread_t a = thread_create(mark, 0, 0, 8), b = thread_create(mark, 0, 0, 0x100),
		 c = thread_create(mark, 0, 0, THREAD_NO_JOIN | 0x80);
	rc_check("rc.thr.16", "create_bad_flags_fail", !a && !b && !c, "handles %lu %lu %lu (want 0)", a, b, c);
	rc_join(a);				/* (rc_join(0) returns at once) */
	rc_join(b);
	rc_join(c);

	ran = 0;
	thread_t t = thread_create(mark, 0, 0, THREAD_STACK_4K);
	int status = rc_join(t);
	rc_check("rc.thr.17", "create_stack_4k", t && status == 0 && ran, "handle %lu status %d ran %d", t,
		 status, ran);

	got = 0;
	t = thread_create(deep, 0, 0, THREAD_STACK_1M);
	status = rc_join(t);
	rc_check("rc.thr.18", "create_stack_1m", t && status == 0 && got == 1,
		 "handle %lu status %d, %d KiB of stack used %ld", t, status, DEEP_BYTES / 1024, got);
}

/* What a thread of fn made with (kind, val) recorded in got; -100 if not created. */
static long got_from(void (*fn)(void), sched_param_type_t kind, unsigned val)
{
	got = -100;
	rc_join(create1(fn, kind, val));
	return got;
}

/* rc.thr.19-22: the main thread's priority, and SCHEDP_PRIO with its limits. */
static void test_prio(void)
{
	/* with rc.thr.20-21: more urgent than 129, less than 127 */
	check_point("rc.thr.19", "main_thread_prio_128", SCHEDP_PRIO, RTOS_PRIO_DEFAULT, AT_YIELD);
	check_point("rc.thr.20", "prio_more_urgent_runs_at_once", SCHEDP_PRIO, RTOS_PRIO_DEFAULT - 1, AT_CREATE);
	check_point("rc.thr.21", "prio_less_urgent_waits", SCHEDP_PRIO, RTOS_PRIO_DEFAULT + 1, AT_BLOCK);
	enum run_point over = run_point1(SCHEDP_PRIO, 256), lowest = run_point1(SCHEDP_PRIO, RTOS_PRIO_LOWEST),
		       highest = run_point1(SCHEDP_PRIO, RTOS_PRIO_HIGHEST);
	rc_check("rc.thr.22", "prio_range", over == NOT_CREATED && lowest == AT_BLOCK && highest == AT_CREATE,
		 "256: %s, 255: %s, 0: %s", point_name[over], point_name[lowest], point_name[highest]);
}

/* rc.thr.23-24: SCHEDP_RPRIO and SCHEDP_RLPRIO, relative to the caller's 128. */
static void test_rel_prio(void)
{
	enum run_point one = run_point1(SCHEDP_RPRIO, 1);
	enum run_point over = run_point1(SCHEDP_RPRIO, RTOS_PRIO_DEFAULT + 1);
	long limit = got_from(try_more_urgent, SCHEDP_RPRIO, RTOS_PRIO_DEFAULT);
	rc_check("rc.thr.23", "rprio", one == AT_CREATE && over == NOT_CREATED && limit == EINVAL,
		 "1: %s; 129: %s; 128: at 0 a further RPRIO 1 gave %ld (want %d)", point_name[one],
		 point_name[over], limit, EINVAL);

	one = run_point1(SCHEDP_RLPRIO, 1);
	over = run_point1(SCHEDP_RLPRIO, RTOS_PRIO_LOWEST - RTOS_PRIO_DEFAULT + 1);
	limit = got_from(try_less_urgent, SCHEDP_RLPRIO, RTOS_PRIO_LOWEST - RTOS_PRIO_DEFAULT);
	rc_check("rc.thr.24", "rlprio", one == AT_BLOCK && over == NOT_CREATED && limit == EINVAL,
		 "1: %s; 128: %s; 127: at 255 a further RLPRIO 1 gave %ld (want %d)", point_name[one],
		 point_name[over], limit, EINVAL);
}

static const sched_param_type_t invalid[] = { SCHEDP_MAX, (sched_param_type_t)99 };
/* EACCES for programs (tests/rtos/rtos_ceilsuite, rcl.5) */
static const sched_param_type_t internal[] = { SCHEDP_IDLE, SCHEDP_INIT, SCHEDP_IPI_HANDLER, SCHEDP_TIMER };
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The first kind in kinds[0..n) for which thread_create succeeds; -1 if none. */
static int first_created(const sched_param_type_t *kinds, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		thread_t t = create1(mark, kinds[i], 1);
		if (t) {
			rc_join(t);
			return (int)kinds[i];
		}
	}
	return -1;
}

/* The first kind in kinds[0..n) for which thread_set_params does not return want. */
static int first_set_not(const sched_param_type_t *kinds, unsigned n, int want, int *r)
{
	for (unsigned i = 0; i < n; i++) {
		*r = set1(kinds[i], 1);
		if (*r != want)
			return (int)kinds[i];
	}
	return -1;
}

/* rc.thr.25-27: the other parameter kinds at creation. */
static void test_create_kinds(void)
{
	thread_t w0 = create1(mark, SCHEDP_WEIGHT, 0), w101 = create1(mark, SCHEDP_WEIGHT, RTOS_WEIGHT_MAX + 1);
	thread_t w5 = create1(mark, SCHEDP_WEIGHT, 5);
	int w5_status = rc_join(w5);
	rc_check("rc.thr.25", "create_weight_bounds", !w0 && !w101 && w5 && w5_status == 0,
		 "WEIGHT 0: handle %lu, %d: %lu (want 0), 5: %lu status %d", w0, RTOS_WEIGHT_MAX + 1, w101, w5,
		 w5_status);
	thread_t t = create1(mark, SCHEDP_CORE_ID, 0);
	int k;
	int status = rc_join(t);
	rc_check("rc.thr.26", "create_core_id_accepted", t && status == 0, "handle %lu status %d", t, status);
	k = first_created(invalid, COUNT(invalid));
	if (k < 0)
		k = first_created(internal, COUNT(internal));
	rc_check("rc.thr.27", "create_internal_kinds_fail", k < 0, "first kind that created a thread: %d (want -1)",
		 k);
}

/* rc.thr.28-31: thread_set_params. */
static void test_set_params(void)
{
	ran = 0;
	thread_t t = rc_spawn(mark, 1);
	int r1 = set1(SCHEDP_PRIO, RTOS_PRIO_DEFAULT + 2);	/* now less urgent than t */
	int ran_at_once = ran;
	int r2 = set1(SCHEDP_PRIO, RTOS_PRIO_DEFAULT);
	rc_join(t);
	rc_check("rc.thr.28", "set_params_prio", r1 == 0 && ran_at_once && r2 == 0,
		 "to 130: %d, the 129 thread ran at once %d; back to 128: %d", r1, ran_at_once, r2);

	int wz = set1(SCHEDP_WEIGHT, 0), wo = set1(SCHEDP_WEIGHT, RTOS_WEIGHT_MAX + 1), w1 = set1(SCHEDP_WEIGHT, 1);
	set1(SCHEDP_PRIO, RTOS_PRIO_DEFAULT);	/* the default weight again */
	rc_check("rc.thr.29", "set_params_weight_bounds", wz == EINVAL && wo == EINVAL && w1 == 0,
		 "WEIGHT 0: %d, %d: %d (want %d), 1: %d", wz, RTOS_WEIGHT_MAX + 1, wo, EINVAL, w1);
	int r, k = first_set_not(invalid, COUNT(invalid), EINVAL, &r);
	int over = set1(SCHEDP_PRIO, 256), rp = set1(SCHEDP_RPRIO, RTOS_PRIO_DEFAULT + 1),
	    rlp = set1(SCHEDP_RLPRIO, RTOS_PRIO_LOWEST - RTOS_PRIO_DEFAULT + 1);
	rc_check("rc.thr.30", "set_params_einval", k < 0 && over == EINVAL && rp == EINVAL && rlp == EINVAL,
		 "first kind not %d: %d (want -1), it gave %d; PRIO 256: %d, RPRIO 129: %d, RLPRIO 128: %d",
		 EINVAL, k, k < 0 ? EINVAL : r, over, rp, rlp);
	rc_eq("rc.thr.31", "set_params_core_id", set1(SCHEDP_CORE_ID, 0), 0);
	set1(SCHEDP_PRIO, RTOS_PRIO_DEFAULT);	/* whatever a wrongly accepted kind did */
}

/* rc.thr.32: thread_self names the thread as its creator's handle does. */
static void test_self(void)
{
	self_seen = 0;
	thread_t t = rc_spawn(record_self, -1);
	rc_join(t);
	thread_t me = thread_self();
	rc_check("rc.thr.32", "thread_self", t && self_seen == t && me && me != t,
		 "created %lu, it says %lu; main %lu", t, self_seen, me);
}

void rc_threads(void)
{
	test_create_default();
	test_exit_status();
	test_kill();
	test_create_flags();
	test_prio();
	test_rel_prio();
	test_create_kinds();
	test_set_params();
	test_self();
}
