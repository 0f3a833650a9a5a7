/*
 * sync.c: conformance of semaphores and mutexes: creation limits, counting, blocking,
 * the order waiters wake in (most urgent first, FIFO among equals), preemption by a
 * woken thread more urgent than the waker, destruction, and bad handles. A waiter
 * more urgent than main runs inside the call that wakes it, so what it records
 * shows the order of events.
 */
#include "rc.h"

#define NWAITERS 6
#define BAD_GEN  ((0x7777UL << 16) | 1)	/* a generation no object has */

static sem_t sem;
static mutex_t mtx;
static volatile int step;		/* main's progress, for what a woken thread saw */
static volatile int seen;		/* step as a woken thread saw it; -1 blocked */
static volatile long result;		/* what its blocking call returned */

static volatile int waiter_id;		/* read by a waiter at once: it runs inside thread_create */
static volatile long got[2];		/* what waiter i's blocking call returned */

static void recording_taker(void)
{
	int me = waiter_id;

	got[me] = semaphore_take(sem);
}

static void taker(void)
{
	seen = -1;
	result = semaphore_take(sem);
	seen = step;
}

static void locker(void)
{
	seen = -1;
	result = mutex_lock(mtx);
	seen = step;
	if (!result)
		mutex_unlock(mtx);
}

/* ---- semaphores ---- */

/* rc.sem.1-3: creation and its limits. */
static void test_sem_create(void)
{
	sem_t a = semaphore_create(0, 0), b = semaphore_create(INT32_MAX, 0);
	rc_check("rc.sem.1", "create", a && b && a != b, "handles %lu %lu", a, b);
	semaphore_destroy(a);
	semaphore_destroy(b);
	a = semaphore_create(0, 1);
	b = semaphore_create(1, 0x100);
	rc_check("rc.sem.2", "create_flags_fail", !a && !b, "handles %lu %lu (want 0)", a, b);
	a = semaphore_create((size_t)INT32_MAX + 1, 0);
	b = semaphore_create(~(size_t)0, 0);
	rc_check("rc.sem.3", "create_over_int32_max_fails", !a && !b, "handles %lu %lu (want 0)", a, b);
}

/* rc.sem.4-6: counting without blocking. */
static void test_sem_count(void)
{
	sem_t s = semaphore_create(2, 0);
	int r0 = semaphore_take(s), r1 = semaphore_take(s), r2 = semaphore_try_take(s);
	rc_check("rc.sem.4", "take_counts_down", r0 == 0 && r1 == 0 && r2 == EAGAIN,
		 "take %d, take %d, try_take %d (want 0, 0, %d)", r0, r1, r2, EAGAIN);
	semaphore_destroy(s);

	s = semaphore_create(1, 0);
	r0 = semaphore_try_take(s);
	r1 = semaphore_try_take(s);
	rc_check("rc.sem.5", "try_take", r0 == 0 && r1 == EAGAIN, "%d then %d (want 0, %d)", r0, r1, EAGAIN);
	int g = semaphore_give(s) | semaphore_give(s) | semaphore_give(s);
	int n = 0;
	while (n < 5 && semaphore_try_take(s) == 0)
		n++;
	rc_check("rc.sem.6", "give_counts_up", g == 0 && n == 3, "gives %d, then %d units (want 3)", g, n);
	semaphore_destroy(s);
}

/*
 * rc.sem.7-8: a taker blocks until a give, which lets it run at once if it is more
 * urgent than the giver, and not if it is less.
 */
static void test_sem_block(void)
{
	sem = semaphore_create(0, 0);
	step = 0;
	seen = -2;
	thread_t t = rc_spawn(taker, -1);
	int blocked = seen == -1;
	step = 1;
	semaphore_give(sem);
	step = 2;
	int status = rc_join(t);
	rc_check("rc.sem.7", "take_blocks_give_preempts", t && blocked && seen == 1 && result == 0 && status == 0,
		 "blocked %d, woke at step %d (want 1) with %ld", blocked, seen, result);

	step = 0;
	seen = -2;
	t = rc_spawn(taker, 1);
	rc_sleep(200);				/* it runs and blocks */
	blocked = seen == -1;
	step = 1;
	int r = semaphore_give(sem);
	int at_give = seen;
	step = 2;
	status = rc_join(t);
	rc_check("rc.sem.8", "give_to_less_urgent_does_not_preempt", blocked && r == 0 && at_give == -1 &&
		 seen == 2 && status == 0, "blocked %d, give %d, after the give it saw %d (want -1), later %d",
		 blocked, r, at_give, seen);
	semaphore_destroy(sem);
}

/* rc.sem.9: waiters wake most urgent first, FIFO among equals. */
static volatile int woke[NWAITERS], nwoke;

static void ordered_waiter(void)
{
	int me = waiter_id;

	if (semaphore_take(sem) == 0)
		woke[nwoke++] = me;
}

static void test_sem_order(void)
{
	/* waiter i blocks i-th, at prio[i]: they wake 100, 110, 115 (the first), 115, 120, 125 */
	static const unsigned prio[NWAITERS] = { 120, 110, 115, 125, 100, 115 };
	static const int want[NWAITERS] = { 4, 1, 2, 5, 0, 3 };
	thread_t t[NWAITERS];
	int ok = 1, one_each = 1;

	sem = semaphore_create(0, 0);
	nwoke = 0;
	for (int i = 0; i < NWAITERS; i++) {
		waiter_id = i;
		t[i] = rc_spawn_at(ordered_waiter, prio[i]);
	}
	for (int i = 0; i < NWAITERS; i++) {
		semaphore_give(sem);
		one_each &= nwoke == i + 1;	/* each give wakes one, which runs at once */
	}
	for (int i = 0; i < NWAITERS; i++) {
		rc_join(t[i]);
		ok &= nwoke == NWAITERS && woke[i] == want[i];
	}
	rc_check("rc.sem.9", "wake_most_urgent_first_fifo_among_equals", ok && one_each,
		 "woke %d %d %d %d %d %d (want 4 1 2 5 0 3), one per give %d", woke[0], woke[1], woke[2],
		 woke[3], woke[4], woke[5], one_each);
	semaphore_destroy(sem);
}

/* rc.sem.10-13: destruction and bad handles. */
static void test_sem_destroy(void)
{
	sem_t s = semaphore_create(1, 0);
	int d = semaphore_destroy(s);
	int r0 = semaphore_take(s), r1 = semaphore_try_take(s), r2 = semaphore_give(s), r3 = semaphore_destroy(s);
	rc_check("rc.sem.10", "destroy", d == 0 && r0 == EBADF && r1 == EBADF && r2 == EBADF && r3 == EBADF,
		 "destroy %d, then take %d try_take %d give %d destroy %d (want %d)", d, r0, r1, r2, r3, EBADF);

	sem = semaphore_create(0, 0);
	thread_t t[2];
	for (int i = 0; i < 2; i++) {
		got[i] = 1;
		waiter_id = i;
		t[i] = rc_spawn(recording_taker, -1 - i);
	}
	d = semaphore_destroy(sem);
	rc_join(t[0]);
	rc_join(t[1]);
	rc_check("rc.sem.11", "destroy_wakes_takers_ebadf", d == 0 && got[0] == EBADF && got[1] == EBADF,
		 "destroy %d; takers got %ld and %ld (want %d)", d, got[0], got[1], EBADF);

	mutex_t m = mutex_create(0);
	sem_t bad[] = { 0, 0xffff, BAD_GEN, m };
	int ok = 1;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok &= semaphore_take(bad[i]) == EBADF && semaphore_try_take(bad[i]) == EBADF &&
		      semaphore_give(bad[i]) == EBADF && semaphore_destroy(bad[i]) == EBADF;
	rc_check("rc.sem.12", "bad_handles_ebadf", ok, "0, 0xffff, a stale generation, a mutex: %s %d",
		 ok ? "all" : "not all", EBADF);
	mutex_destroy(m);

	s = semaphore_create(0, 0);
	semaphore_destroy(s);
	sem_t s2 = semaphore_create(1, 0);
	r0 = semaphore_try_take(s);
	r1 = semaphore_try_take(s2);
	rc_check("rc.sem.13", "stale_handle_ebadf", r0 == EBADF && r1 == 0, "old %lu: %d, new %lu: %d", s, r0, s2, r1);
	semaphore_destroy(s2);
}

/* rc.sem.14: a taker killed while blocked takes no unit with it. */
static void test_sem_kill(void)
{
	sem = semaphore_create(0, 0);
	thread_t t = rc_spawn(taker, -1);
	int k = thread_kill(t);
	rc_join(t);
	int g = semaphore_give(sem);
	int r = semaphore_try_take(sem);
	rc_check("rc.sem.14", "killed_taker_takes_no_unit", k == 0 && g == 0 && r == 0,
		 "kill %d, give %d, then try_take %d (want 0)", k, g, r);
	semaphore_destroy(sem);
}

/* ---- mutexes ---- */

static volatile long probe_r;

/* In a more urgent thread: try_lock (and unlock, if it got it). */
static void try_lock_probe(void)
{
	probe_r = mutex_try_lock(mtx);
	if (!probe_r)
		mutex_unlock(mtx);
}

static void unlock_probe(void)
{
	probe_r = mutex_unlock(mtx);
}

/* What fn returned in a thread more urgent than the caller, for mutex m. */
static long probe(void (*fn)(void), mutex_t m)
{
	mtx = m;
	probe_r = 1;
	rc_join(rc_spawn(fn, -1));
	return probe_r;
}

/* rc.mtx.1-2: creation. */
static void test_mtx_create(void)
{
	mutex_t a = mutex_create(0), b = mutex_create(MUTEX_RECURSIVE);
	rc_check("rc.mtx.1", "create", a && b && a != b, "handles %lu %lu", a, b);
	mutex_destroy(a);
	mutex_destroy(b);
	a = mutex_create(2);
	b = mutex_create(MUTEX_RECURSIVE | 0x100);
	rc_check("rc.mtx.2", "create_flags_fail", !a && !b, "handles %lu %lu (want 0)", a, b);
}

/* rc.mtx.3-4: locking, unlocking, and relocking a mutex that is not recursive. */
static void test_mtx_lock(void)
{
	mutex_t m = mutex_create(0);
	int l = mutex_lock(m);
	long held = probe(try_lock_probe, m);
	int u = mutex_unlock(m);
	long freed = probe(try_lock_probe, m);
	rc_check("rc.mtx.3", "lock_unlock", l == 0 && held == EAGAIN && u == 0 && freed == 0,
		 "lock %d, another's try_lock %ld, unlock %d, another's try_lock %ld", l, held, u, freed);

	int t = mutex_try_lock(m);
	int again = mutex_lock(m), try_again = mutex_try_lock(m);
	u = mutex_unlock(m);
	freed = probe(try_lock_probe, m);
	rc_check("rc.mtx.4", "relock_not_recursive_einval", t == 0 && again == EINVAL && try_again == EINVAL &&
		 u == 0 && freed == 0, "try_lock %d, lock %d, try_lock %d (want %d), one unlock %d frees it: %ld", t,
		 again, try_again, EINVAL, u, freed);
	mutex_destroy(m);
}

/* rc.mtx.5-6: another thread can neither take nor give back a held mutex. */
static void test_mtx_other(void)
{
	mutex_t m = mutex_create(0);
	mutex_lock(m);
	rc_eq("rc.mtx.5", "try_lock_held_by_another_eagain", probe(try_lock_probe, m), EAGAIN);
	long other = probe(unlock_probe, m);
	mutex_unlock(m);
	int not_held = mutex_unlock(m);
	rc_check("rc.mtx.6", "unlock_by_non_owner_eacces", other == EACCES && not_held == EACCES,
		 "another thread %ld, of a free mutex %d (want %d)", other, not_held, EACCES);
	mutex_destroy(m);
}

/* rc.mtx.7: the owner relocks a recursive mutex; as many unlocks release it. */
static void test_mtx_recursive(void)
{
	mutex_t m = mutex_create(MUTEX_RECURSIVE);
	int r0 = mutex_lock(m), r1 = mutex_lock(m), r2 = mutex_try_lock(m);
	int u1 = mutex_unlock(m), u2 = mutex_unlock(m);
	long still = probe(try_lock_probe, m);
	int u3 = mutex_unlock(m);
	long freed = probe(try_lock_probe, m);
	int u4 = mutex_unlock(m);
	rc_check("rc.mtx.7", "recursive_released_after_as_many_unlocks",
		 !r0 && !r1 && !r2 && !u1 && !u2 && still == EAGAIN && !u3 && freed == 0 && u4 == EACCES,
		 "locks %d %d %d, unlocks %d %d: another %ld (want %d); unlock %d: another %ld; unlock %d (want %d)",
		 r0, r1, r2, u1, u2, still, EAGAIN, u3, freed, u4, EACCES);
	mutex_destroy(m);
}

/* rc.mtx.8: a locker blocks; the unlock that frees it lets it run at once. */
static void test_mtx_block(void)
{
	mtx = mutex_create(0);
	mutex_lock(mtx);
	step = 0;
	seen = -2;
	thread_t t = rc_spawn(locker, -1);
	int blocked = seen == -1;
	step = 1;
	int u = mutex_unlock(mtx);
	step = 2;
	rc_join(t);
	rc_check("rc.mtx.8", "lock_blocks_unlock_preempts", blocked && u == 0 && seen == 1 && result == 0,
		 "blocked %d, unlock %d, it woke at step %d (want 1) with %ld", blocked, u, seen, result);
	mutex_destroy(mtx);
}

/* rc.mtx.9-11: destruction and bad handles. */
static void test_mtx_destroy(void)
{
	mutex_t m = mutex_create(0);
	int d = mutex_destroy(m);
	int r0 = mutex_lock(m), r1 = mutex_try_lock(m), r2 = mutex_unlock(m), r3 = mutex_destroy(m);
	rc_check("rc.mtx.9", "destroy", d == 0 && r0 == EBADF && r1 == EBADF && r2 == EBADF && r3 == EBADF,
		 "destroy %d, then lock %d try_lock %d unlock %d destroy %d (want %d)", d, r0, r1, r2, r3, EBADF);

	mtx = mutex_create(0);
	mutex_lock(mtx);
	result = 1;
	thread_t t = rc_spawn(locker, -1);
	d = mutex_destroy(mtx);
	rc_join(t);
	rc_check("rc.mtx.10", "destroy_wakes_lockers_ebadf", d == 0 && result == EBADF,
		 "destroy %d; the locker got %ld (want %d)", d, result, EBADF);

	sem_t s = semaphore_create(1, 0);
	mutex_t bad[] = { 0, 0xffff, BAD_GEN, s };
	int ok = 1;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok &= mutex_lock(bad[i]) == EBADF && mutex_try_lock(bad[i]) == EBADF &&
		      mutex_unlock(bad[i]) == EBADF && mutex_destroy(bad[i]) == EBADF;
	rc_check("rc.mtx.11", "bad_handles_ebadf", ok, "0, 0xffff, a stale generation, a semaphore: %s %d",
		 ok ? "all" : "not all", EBADF);
	semaphore_destroy(s);
}

/*
 * rc.mtx.12: a recursive mutex locks to RTOS_MUTEX_DEPTH_MAX levels; one more is
 * ERANGE (lock and try_lock), nothing changed: as many unlocks as locks release it,
 * and waiting for it while it is held deep, another thread takes it after the last.
 */
static void test_mtx_depth(void)
{
	mutex_t m = mutex_create(MUTEX_RECURSIVE);
	unsigned locked = 0, unlocked = 0;

	while (locked < RTOS_MUTEX_DEPTH_MAX && mutex_lock(m) == 0)
		locked++;
	int over = mutex_lock(m), over_try = mutex_try_lock(m);
	long held = probe(try_lock_probe, m);
	while (unlocked < RTOS_MUTEX_DEPTH_MAX && mutex_unlock(m) == 0)
		unlocked++;
	long freed = probe(try_lock_probe, m);
	int extra = mutex_unlock(m);
	rc_check("rc.mtx.12", "recursion_depth_bounded",
		 locked == RTOS_MUTEX_DEPTH_MAX && over == ERANGE && over_try == ERANGE && held == EAGAIN &&
		 unlocked == RTOS_MUTEX_DEPTH_MAX && freed == 0 && extra == EACCES,
		 "%u levels (want %d), then %d and %d (want %d); another %ld while held; %u unlocks; another %ld "
		 "after; unlock again %d", locked, RTOS_MUTEX_DEPTH_MAX, over, over_try, ERANGE, held, unlocked, freed,
		 extra);
	mutex_destroy(m);
}

void rc_sync(void)
{
	test_sem_create();
	test_sem_count();
	test_sem_block();
	test_sem_order();
	test_sem_destroy();
	test_sem_kill();
	test_mtx_create();
	test_mtx_lock();
	test_mtx_other();
	test_mtx_recursive();
	test_mtx_depth();
	test_mtx_block();
	test_mtx_destroy();
}
