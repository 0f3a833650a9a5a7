/*
 * evt.c: conformance of event sets (docs/rtos.md, event_*): creation and its limits,
 * adding and removing sources with every error, bad sets, event_check that never
 * blocks, one event_wait reporting every ready source in the order they were added,
 * readiness as a level, waking a blocked event_wait by each kind of source, and the
 * kinds of event: timers (consumed when reported), channel ends closing, semaphores
 * and mutexes destroyed, threads and processes ending. A waiter more urgent than main
 * runs inside the call that wakes it, so main's step as it saw it shows when it woke.
 */
#include "rch.h"

#define ITEM     ((int)sizeof(struct rch_item))
#define NEV      16
#define PROBE_US 20000		/* a call that must not block ends within this */
#define THREAD_STATUS 7

static const char *type_name(size_t t)
{
	static const char *names[] = { "NONE", "ERROR", "CHAN_READ", "CHAN_WRITE", "CHAN_CLOSE", "TIMER",
				       "PROC_TERM", "THREAD_TERM", "SEM_TAKE", "SEM_GIVE", "SEM_DEST", "MUTEX_LOCK",
				       "MUTEX_UNLOCK", "MUTEX_DEST" };
	return t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

/*
 * A case: the call returned n events ev[] and should have returned want_n, the pairs
 * (src[i], type[i]).
 */
static int events_are(struct rch_cases *c, const char *when, int n, const struct event_info *ev, int want_n,
		      const size_t *src, const size_t *type)
{
	if (n != want_n)
		return rch_want(c, 0, "%s: %d events (want %d)%s%s", when, n, want_n, n > 0 ? ", first " : "",
				n > 0 ? type_name(ev[0].event_type) : "");
	for (int i = 0; i < n; i++)
		if (ev[i].event_src_id != src[i] || ev[i].event_type != type[i])
			return rch_want(c, 0, "%s: event %d is (%lu, %s), want (%lu, %s)", when, i, ev[i].event_src_id,
					type_name(ev[i].event_type), src[i], type_name(type[i]));
	return rch_want(c, 1, "%s", when);
}

/* A case: event_check on e finds exactly (src, type), or nothing if type is EVT_NONE. */
static int check_is(struct rch_cases *c, const char *when, event_t e, size_t src, size_t type)
{
	struct event_info ev[NEV];
	int n = event_check(e, ev, NEV);

	return events_are(c, when, n, ev, type == EVT_NONE ? 0 : 1, &src, &type);
}

/* ---- a waiter blocked in event_wait, more urgent than main ---- */

static volatile event_t w_set;
static struct event_info w_ev[NEV];
static volatile int w_n, w_step, w_seen;
static volatile uint64_t w_woke;

static void waiter(void)
{
	w_seen = -1;
	w_n = event_wait(w_set, w_ev, NEV);
	w_woke = cairn_cycles();
	w_seen = w_step;
}

static thread_t start_waiter(event_t e)
{
	w_set = e;
	w_n = -100;
	w_step = 0;
	w_seen = -2;
	return rch_spawn(waiter, -1);			/* runs now and blocks */
}

/*
 * A case: the waiter had blocked (blocked), and after the step-1 action ended with
 * exactly the event (src, type).
 */
static void waiter_woke(struct rch_cases *c, int blocked, thread_t t, size_t src, size_t type)
{
	int status = rch_join(t);

	rch_want(c, t && blocked, "the waiter did not block (seen %d)", w_seen);
	rch_want(c, status == 0 && w_seen >= 1, "the waiter woke at step %d (want 1 or later), status %d", w_seen,
		 status);
	events_are(c, "its event_wait", w_n, w_ev, 1, &src, &type);
}

/* ---- a thread less urgent than main that runs fn ---- */

static volatile long l_result;
static volatile size_t l_set;

static void checker(void)
{
	struct event_info ev[NEV];

	l_result = event_check(l_set, ev, NEV);
}

static void bad_waiter(void)
{
	struct event_info ev[NEV];

	l_result = event_wait(l_set, ev, NEV);
}

/* What fn returned for set e in a less urgent thread; RCH_HUNG if it blocked. */
static long probe(void (*fn)(void), size_t e)
{
	l_set = e;
	l_result = 1;
	return rch_join_within(rch_spawn(fn, 1), PROBE_US) == RCH_HUNG ? RCH_HUNG : l_result;
}

static sem_t gate;

static void gated_exit(void)
{
	semaphore_take(gate);
	thread_exit(THREAD_STATUS);
}

static void just_exit(void)
{
	thread_exit(THREAD_STATUS);
}

/* ---- sets and sources ---- */

/* rch.evt.1: 1 to 64 sources. */
static void test_create(void)
{
	struct rch_cases c = { 0 };
	event_t z = event_create(0), o = event_create(65), big = event_create(~0u);
	event_t one = event_create(1), max = event_create(64);

	rch_want(&c, !z && !o && !big, "0, 65, 2^32-1 sources: %lu %lu %lu (want 0)", z, o, big);
	rch_want(&c, one && max && one != max, "1 and 64 sources: %lu %lu", one, max);
	rch_want_eq(&c, "delete", event_delete(one), 0);
	rch_want_eq(&c, "delete", event_delete(max), 0);
	rch_done("rch.evt.1", "create_limits", &c);
}

/* rch.evt.2: only a live thread, process, timer, channel end, semaphore or mutex. */
static void test_add_invalid(void)
{
	struct rch_cases c = { 0 };
	event_t e = event_create(16), e2 = event_create(4);
	timer_t tm = timer_create();
	sem_t s = semaphore_create(0, 0);
	mutex_t m = mutex_create(0);
	chan_t ch = channel_create(8, 4, 0, CHAN_SPSC);
	chan_s_t se = channel_get_send(ch);
	thread_t th = rch_spawn(just_exit, -1);
	size_t shm = mem_shared_create_anon(0, 4096, 0);

	timer_free(tm);
	semaphore_destroy(s);
	mutex_destroy(m);
	channel_close(se);
	rch_join(th);
	struct { const char *what; size_t src; } bad[] = {
		{ "0", 0 }, { "0xdead", 0xdead }, { "a stale generation", RCH_BAD_GEN },
		{ "a freed timer", tm }, { "a destroyed semaphore", s }, { "a destroyed mutex", m },
		{ "a closed end", se }, { "a joined thread", th }, { "the set itself", e }, { "another set", e2 },
		{ "a channel (not an end)", ch }, { "a shared region", shm },
		{ "no such process", RTOS_HANDLE(RTOS_K_PROC, 0x7777, 5) },
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = event_add(e, bad[i].src, 0);
		rch_want(&c, r == EINVAL, "%s (%lu): %d (want %d)", bad[i].what, bad[i].src, r, EINVAL);
	}
	check_is(&c, "the set is still empty", e, 0, EVT_NONE);
	channel_destroy(ch);
	mem_shared_destroy_anon(shm);
	event_delete(e2);
	event_delete(e);
	rch_done("rch.evt.2", "add_invalid_source_einval", &c);
}

/* rch.evt.3: a source once per set; flags 0. */
static void test_add_dup_flags(void)
{
	struct rch_cases c = { 0 };
	event_t e = event_create(4), e2 = event_create(4);
	sem_t s = semaphore_create(1, 0);

	rch_want_eq(&c, "flags 1", event_add(e, s, 1), EINVAL);
	rch_want_eq(&c, "flags 0x100", event_add(e, s, 0x100), EINVAL);
	check_is(&c, "nothing added", e, 0, EVT_NONE);
	rch_want_eq(&c, "add", event_add(e, s, 0), 0);
	rch_want_eq(&c, "add again", event_add(e, s, 0), EINVAL);
	rch_want_eq(&c, "to another set", event_add(e2, s, 0), 0);
	check_is(&c, "reported once", e, s, EVT_SEM_TAKE);
	event_delete(e);
	event_delete(e2);
	semaphore_destroy(s);
	rch_done("rch.evt.3", "add_duplicate_or_flags_einval", &c);
}

/* rch.evt.4: a set holds n sources. */
static void test_full(void)
{
	struct rch_cases c = { 0 };
	event_t e = event_create(2);
	sem_t s[3] = { semaphore_create(0, 0), semaphore_create(0, 0), semaphore_create(0, 0) };

	rch_want_eq(&c, "first", event_add(e, s[0], 0), 0);
	rch_want_eq(&c, "second", event_add(e, s[1], 0), 0);
	rch_want_eq(&c, "third", event_add(e, s[2], 0), ENOMEM);
	rch_want_eq(&c, "remove one", event_remove(e, s[0], 0), 0);
	rch_want_eq(&c, "then the third", event_add(e, s[2], 0), 0);
	event_delete(e);
	for (int i = 0; i < 3; i++)
		semaphore_destroy(s[i]);
	rch_done("rch.evt.4", "add_full_enomem", &c);
}

/* rch.evt.5: every call on something that is not a live set. */
static void bad_set_cases(struct rch_cases *c, const char *what, size_t e, size_t src)
{
	struct event_info ev[NEV];

	rch_want(c, event_add(e, src, 0) == EBADF, "%s: add", what);
	rch_want(c, event_remove(e, src, 0) == EBADF, "%s: remove", what);
	rch_want(c, event_check(e, ev, NEV) == EBADF, "%s: check", what);
	long w = probe(bad_waiter, e);
	rch_want(c, w == EBADF, "%s: wait %ld", what, w);
	rch_want(c, event_delete(e) == EBADF, "%s: delete", what);
}

static void test_bad_set(void)
{
	struct rch_cases c = { 0 };
	sem_t s = semaphore_create(1, 0);
	event_t e = event_create(4);

	bad_set_cases(&c, "0", 0, s);
	bad_set_cases(&c, "0xffff", 0xffff, s);
	bad_set_cases(&c, "a stale generation", RTOS_HANDLE(RTOS_K_EVENT, 0x7777, 0), s);
	bad_set_cases(&c, "a semaphore", s, s);
	event_add(e, s, 0);
	rch_want_eq(&c, "delete", event_delete(e), 0);
	bad_set_cases(&c, "a deleted set", e, s);
	semaphore_destroy(s);
	rch_done("rch.evt.5", "bad_set_ebadf", &c);
}

/* rch.evt.6: a removed source is no longer reported. */
static void test_remove(void)
{
	struct rch_cases c = { 0 };
	event_t e = event_create(4);
	sem_t s1 = semaphore_create(1, 0), s2 = semaphore_create(1, 0);

	event_add(e, s1, 0);
	check_is(&c, "before", e, s1, EVT_SEM_TAKE);
	rch_want_eq(&c, "remove", event_remove(e, s1, 0), 0);
	check_is(&c, "after", e, 0, EVT_NONE);
	rch_want_eq(&c, "remove again", event_remove(e, s1, 0), EINVAL);
	rch_want_eq(&c, "remove one never added", event_remove(e, s2, 0), EINVAL);
	rch_want_eq(&c, "remove 0", event_remove(e, 0, 0), EINVAL);
	rch_want_eq(&c, "add it back", event_add(e, s1, 0), 0);
	check_is(&c, "back", e, s1, EVT_SEM_TAKE);
	event_delete(e);
	semaphore_destroy(s1);
	semaphore_destroy(s2);
	rch_done("rch.evt.6", "remove", &c);
}

/* rch.evt.7: event_check with nothing ready returns 0 at once. */
static void test_check_not_ready(void)
{
	struct rch_cases c = { 0 };
	event_t e = event_create(16);
	sem_t s = semaphore_create(0, 0);
	mutex_t m = mutex_create(0);
	timer_t idle = timer_create(), later = timer_create();
	chan_t ch = channel_create(ITEM, 1, 0, CHAN_MPMC), full = channel_create(ITEM, 1, 0, CHAN_MPMC);
	chan_s_t s_empty = channel_get_send(ch), s_full = channel_get_send(full);
	chan_r_t r_empty = channel_get_recv(ch), r_full = channel_get_recv(full);
	struct rch_item it = { 0 };
	struct time far;

	gate = semaphore_create(0, 0);
	thread_t th = rch_spawn(gated_exit, -1);	/* blocks at once */
	mutex_lock(m);
	time_create(&far, 1, 0);
	timer_start(later, &far);
	channel_send(s_full, &it, ITEM, 0);
	size_t src[] = { s, m, idle, later, r_empty, s_full, th };
	static const char *what[] = { "a semaphore without units", "a locked mutex", "an idle timer",
				      "a timer a second away", "an empty receive end", "a full send end",
				      "a blocked thread" };
	for (unsigned i = 0; i < sizeof(src) / sizeof(src[0]); i++)
		rch_want(&c, event_add(e, src[i], 0) == 0, "add %s", what[i]);
	check_is(&c, "main's check", e, 0, EVT_NONE);
	long r = probe(checker, e);
	rch_want(&c, r == 0, "another thread's check: %ld (want 0)", r);
	event_delete(e);
	semaphore_give(gate);
	rch_join(th);
	mutex_unlock(m);
	mutex_destroy(m);
	semaphore_destroy(s);
	semaphore_destroy(gate);
	timer_free(idle);
	timer_free(later);
	channel_close(s_empty);
	channel_close(r_empty);
	channel_close(s_full);
	channel_close(r_full);
	channel_destroy(ch);
	channel_destroy(full);
	rch_done("rch.evt.7", "check_nothing_ready_0_no_block", &c);
}

/* rch.evt.8: room for at least one event. */
static void test_num_zero(void)
{
	struct rch_cases c = { 0 };
	struct event_info ev[NEV];
	event_t e = event_create(4);
	sem_t s = semaphore_create(1, 0);

	event_add(e, s, 0);
	rch_want_eq(&c, "wait, num 0", event_wait(e, ev, 0), EINVAL);
	rch_want_eq(&c, "check, num 0", event_check(e, ev, 0), EINVAL);
	event_delete(e);
	semaphore_destroy(s);
	rch_done("rch.evt.8", "num_zero_einval", &c);
}

/* ---- many sources at once ---- */

/*
 * rch.evt.9-11: eight ready sources among eleven, reported by one event_wait in the
 * order they were added; num limits how many; readiness stays until acted on.
 */
static void test_eight(void)
{
	struct rch_cases c = { 0 };
	struct event_info ev[NEV];
	chan_t ch[4];
	chan_s_t cs[4];
	chan_r_t cr[4];
	struct rch_item it = { 0 };

	for (int i = 0; i < 4; i++) {
		ch[i] = channel_create(ITEM, 4, 0, i % 2 ? CHAN_SPSC : CHAN_MPMC);
		cs[i] = channel_get_send(ch[i]);
		cr[i] = channel_get_recv(ch[i]);
		if (i < 3)
			channel_send(cs[i], &it, ITEM, 0);
	}
	sem_t s1 = semaphore_create(2, 0), s2 = semaphore_create(1, 0), s3 = semaphore_create(0, 0);
	mutex_t mx = mutex_create(0), mx2 = mutex_create(0);
	timer_t tm = timer_create();
	struct time rel;
	time_create(&rel, 0, 100);
	timer_start(tm, &rel);
	thread_t th = rch_spawn(just_exit, -1);		/* ends now */
	mutex_lock(mx2);
	rch_sleep(500);					/* the timer fires */

	event_t e = event_create(NEV);
	size_t order[] = { cr[0], s1, cr[3], tm, cr[1], s3, th, s2, mx2, cr[2], mx };
	int added = 0;
	for (unsigned i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		added += event_add(e, order[i], 0) == 0;
	rch_want_eq(&c, "sources added", added, 11);
	size_t src[8] = { cr[0], s1, tm, cr[1], th, s2, cr[2], mx };
	size_t type[8] = { EVT_CHAN_READ, EVT_SEM_TAKE, EVT_TIMER, EVT_CHAN_READ, EVT_THREAD_TERM, EVT_SEM_TAKE,
			   EVT_CHAN_READ, EVT_MUTEX_LOCK };
	int n = event_wait(e, ev, NEV);
	events_are(&c, "one event_wait", n, ev, 8, src, type);
	rch_done("rch.evt.9", "eight_ready_one_wait", &c);

	/* the timer's expiry was reported, so it is gone; the rest stay */
	size_t src3[3] = { cr[0], s1, cr[1] }, type3[3] = { EVT_CHAN_READ, EVT_SEM_TAKE, EVT_CHAN_READ };
	ev[3].event_src_id = 0x5a5a;
	n = event_wait(e, ev, 3);
	events_are(&c, "event_wait, num 3", n, ev, 3, src3, type3);
	rch_want(&c, ev[3].event_src_id == 0x5a5a, "event_wait wrote past num");
	n = event_check(e, ev, 2);
	events_are(&c, "event_check, num 2", n, ev, 2, src3, type3);
	rch_done("rch.evt.10", "at_most_num_in_add_order", &c);

	size_t src7[7] = { cr[0], s1, cr[1], th, s2, cr[2], mx };
	size_t type7[7] = { EVT_CHAN_READ, EVT_SEM_TAKE, EVT_CHAN_READ, EVT_THREAD_TERM, EVT_SEM_TAKE, EVT_CHAN_READ,
			    EVT_MUTEX_LOCK };
	n = event_check(e, ev, NEV);
	events_are(&c, "reported again", n, ev, 7, src7, type7);
	channel_recv(cr[0], &it, ITEM, 0);
	semaphore_try_take(s2);
	semaphore_try_take(s1);			/* s1 still has a unit */
	mutex_lock(mx);
	size_t src4[4] = { s1, cr[1], th, cr[2] };
	size_t type4[4] = { EVT_SEM_TAKE, EVT_CHAN_READ, EVT_THREAD_TERM, EVT_CHAN_READ };
	n = event_check(e, ev, NEV);
	events_are(&c, "after a receive, takes and a lock", n, ev, 4, src4, type4);
	rch_done("rch.evt.11", "level_until_acted_on", &c);

	event_delete(e);
	rch_join(th);
	mutex_unlock(mx);
	mutex_unlock(mx2);
	mutex_destroy(mx);
	mutex_destroy(mx2);
	semaphore_destroy(s1);
	semaphore_destroy(s2);
	semaphore_destroy(s3);
	timer_free(tm);
	for (int i = 0; i < 4; i++) {
		channel_close(cs[i]);
		channel_close(cr[i]);
		channel_destroy(ch[i]);
	}
}

/* ---- waking a blocked event_wait ---- */

/* rch.evt.12: by a send to a watched receive end. */
static void test_wake_send(void)
{
	struct rch_cases c = { 0 };
	chan_t ch = channel_create(ITEM, 4, 0, CHAN_SPSC);
	chan_s_t s = channel_get_send(ch);
	chan_r_t r = channel_get_recv(ch);
	event_t e = event_create(4);
	struct rch_item it = { 0 };

	event_add(e, r, 0);
	thread_t t = start_waiter(e);
	int blocked = w_seen == -1;
	w_step = 1;
	rch_want_eq(&c, "send", channel_send(s, &it, ITEM, 0), ITEM);
	w_step = 2;
	waiter_woke(&c, blocked, t, r, EVT_CHAN_READ);
	event_delete(e);
	channel_close(s);
	channel_close(r);
	channel_destroy(ch);
	rch_done("rch.evt.12", "wait_woken_by_chan_send", &c);
}

/* rch.evt.13: by a timer firing. */
static void test_wake_timer(void)
{
	struct rch_cases c = { 0 };
	timer_t tm = timer_create();
	event_t e = event_create(4);
	struct time rel;

	event_add(e, tm, 0);
	thread_t t = start_waiter(e);
	int blocked = w_seen == -1;
	time_create(&rel, 0, 500);
	uint64_t t0 = cairn_cycles();
	rch_want_eq(&c, "timer_start", timer_start(tm, &rel), 0);
	w_step = 1;
	waiter_woke(&c, blocked, t, tm, EVT_TIMER);
	uint64_t us = w_woke > t0 ? rch_us(w_woke - t0) : 0;
	rch_want(&c, us >= 490, "woke %lu us after the start (want 500)", us);
	event_delete(e);
	timer_free(tm);
	rch_done("rch.evt.13", "wait_woken_by_timer", &c);
}

/* rch.evt.14-15: by a thread ending; once its status is taken it names nothing. */
static void test_wake_thread(void)
{
	struct rch_cases c = { 0 };
	event_t e = event_create(4);

	gate = semaphore_create(0, 0);
	thread_t th = rch_spawn(gated_exit, 1);		/* less urgent: runs when main sleeps */
	rch_sleep(200);
	event_add(e, th, 0);
	check_is(&c, "while it runs", e, 0, EVT_NONE);
	thread_t t = start_waiter(e);
	int blocked = w_seen == -1;
	w_step = 1;
	semaphore_give(gate);
	waiter_woke(&c, blocked, t, th, EVT_THREAD_TERM);
	check_is(&c, "until its status is taken", e, th, EVT_THREAD_TERM);
	rch_done("rch.evt.14", "wait_woken_by_thread_end", &c);

	rch_want_eq(&c, "its status", thread_get_exit_status(th), THREAD_STATUS);
	check_is(&c, "then", e, th, EVT_ERROR);
	rch_want_eq(&c, "remove it", event_remove(e, th, 0), 0);
	check_is(&c, "removed", e, 0, EVT_NONE);
	rch_done("rch.evt.15", "status_taken_evt_error", &c);
	event_delete(e);
	semaphore_destroy(gate);
}

/* rch.evt.16: by a semaphore give; reporting takes no unit. */
static void test_wake_sem(void)
{
	struct rch_cases c = { 0 };
	sem_t s = semaphore_create(0, 0);
	event_t e = event_create(4);

	event_add(e, s, 0);
	thread_t t = start_waiter(e);
	int blocked = w_seen == -1;
	w_step = 1;
	rch_want_eq(&c, "give", semaphore_give(s), 0);
	w_step = 2;
	waiter_woke(&c, blocked, t, s, EVT_SEM_TAKE);
	rch_want_eq(&c, "the unit is still there", semaphore_try_take(s), 0);
	check_is(&c, "taken", e, 0, EVT_NONE);
	event_delete(e);
	semaphore_destroy(s);
	rch_done("rch.evt.16", "wait_woken_by_sem_give", &c);
}

/* ---- kinds of event ---- */

/* rch.evt.17: reporting a timer consumes its expiries. */
static void test_timer_consumed(void)
{
	struct rch_cases c = { 0 };
	timer_t tm = timer_create();
	event_t e = event_create(4);
	struct time rel, per;

	event_add(e, tm, 0);
	time_create(&rel, 0, 200);
	timer_start(tm, &rel);
	check_is(&c, "before it fires", e, 0, EVT_NONE);
	rch_sleep(600);
	check_is(&c, "fired", e, tm, EVT_TIMER);
	check_is(&c, "checked again", e, 0, EVT_NONE);
	check_is(&c, "and again", e, 0, EVT_NONE);
	timer_start(tm, &rel);
	rch_sleep(600);
	check_is(&c, "started and fired again", e, tm, EVT_TIMER);
	check_is(&c, "checked again", e, 0, EVT_NONE);
	time_create(&rel, 0, 300);
	time_create(&per, 0, 1000);
	timer_periodic(tm, &rel, &per);		/* at 300, 1300, 2300 ... us */
	rch_sleep(800);
	check_is(&c, "periodic, once", e, tm, EVT_TIMER);
	check_is(&c, "periodic, checked again", e, 0, EVT_NONE);
	rch_sleep(1000);
	check_is(&c, "periodic, next period", e, tm, EVT_TIMER);
	timer_cancel(tm);
	event_delete(e);
	timer_free(tm);
	rch_done("rch.evt.17", "timer_expiries_consumed", &c);
}

/* rch.evt.18: a receive end is closed once every send end is and it is empty. */
static void test_close_recv_end(void)
{
	struct rch_cases c = { 0 };
	chan_t ch = channel_create(ITEM, 4, 0, CHAN_MPMC);
	chan_s_t s = channel_get_send(ch), s2 = channel_get_send(ch);
	chan_r_t r = channel_get_recv(ch);
	event_t e = event_create(4);
	struct rch_item it = { 0 };

	event_add(e, r, 0);
	check_is(&c, "empty, senders open", e, 0, EVT_NONE);
	channel_send(s, &it, ITEM, 0);
	check_is(&c, "a message", e, r, EVT_CHAN_READ);
	channel_close(s);
	check_is(&c, "one send end closed", e, r, EVT_CHAN_READ);
	channel_close(s2);
	check_is(&c, "the last closed, a message left", e, r, EVT_CHAN_READ);
	channel_recv(r, &it, ITEM, 0);
	check_is(&c, "empty", e, r, EVT_CHAN_CLOSE);
	rch_want_eq(&c, "end of stream", channel_recv(r, &it, ITEM, 0), 0);
	check_is(&c, "still", e, r, EVT_CHAN_CLOSE);
	event_delete(e);
	channel_close(r);
	channel_destroy(ch);
	rch_done("rch.evt.18", "chan_close_after_last_sender", &c);
}

/* rch.evt.19: a send end has room or is closed; both ends of a destroyed channel are closed. */
static void test_send_end(void)
{
	struct rch_cases c = { 0 };
	chan_t ch = channel_create(ITEM, 1, 0, CHAN_SPSC);
	chan_s_t s = channel_get_send(ch);
	chan_r_t r = channel_get_recv(ch);
	event_t e = event_create(4);
	struct rch_item it = { 0 };

	event_add(e, s, 0);
	check_is(&c, "room", e, s, EVT_CHAN_WRITE);
	channel_send(s, &it, ITEM, 0);
	check_is(&c, "full", e, 0, EVT_NONE);
	channel_recv(r, &it, ITEM, 0);
	check_is(&c, "room again", e, s, EVT_CHAN_WRITE);
	channel_send(s, &it, ITEM, 0);
	channel_close(r);
	check_is(&c, "full, receive ends closed", e, s, EVT_CHAN_CLOSE);
	event_delete(e);
	channel_close(s);
	channel_destroy(ch);

	ch = channel_create(ITEM, 4, 0, CHAN_MPMC);
	s = channel_get_send(ch);
	r = channel_get_recv(ch);
	e = event_create(4);
	event_add(e, r, 0);
	event_add(e, s, 0);
	channel_send(s, &it, ITEM, 0);
	channel_send(s, &it, ITEM, 0);
	channel_send(s, &it, ITEM, 0);
	channel_send(s, &it, ITEM, 0);
	check_is(&c, "full", e, r, EVT_CHAN_READ);
	channel_destroy(ch);
	size_t src[2] = { r, s }, type[2] = { EVT_CHAN_CLOSE, EVT_CHAN_CLOSE };
	struct event_info ev[NEV];
	int n = event_check(e, ev, NEV);
	events_are(&c, "destroyed", n, ev, 2, src, type);
	event_delete(e);
	channel_close(s);
	channel_close(r);
	rch_done("rch.evt.19", "chan_write_and_close_of_send_end", &c);
}

/* rch.evt.20: a watched semaphore destroyed wakes the waiter. */
static void test_sem_dest(void)
{
	struct rch_cases c = { 0 };
	sem_t s = semaphore_create(0, 0);
	event_t e = event_create(4);

	event_add(e, s, 0);
	thread_t t = start_waiter(e);
	int blocked = w_seen == -1;
	w_step = 1;
	rch_want_eq(&c, "destroy", semaphore_destroy(s), 0);
	w_step = 2;
	waiter_woke(&c, blocked, t, s, EVT_SEM_DEST);
	check_is(&c, "then", e, s, EVT_SEM_DEST);
	event_delete(e);
	rch_done("rch.evt.20", "sem_dest", &c);
}

/* rch.evt.21-22: a watched mutex unlocked, then destroyed. */
static void test_mutex(void)
{
	struct rch_cases c = { 0 };
	mutex_t m = mutex_create(0);
	event_t e = event_create(4);

	mutex_lock(m);
	event_add(e, m, 0);
	thread_t t = start_waiter(e);
	int blocked = w_seen == -1;
	w_step = 1;
	rch_want_eq(&c, "unlock", mutex_unlock(m), 0);
	w_step = 2;
	waiter_woke(&c, blocked, t, m, EVT_MUTEX_LOCK);
	rch_done("rch.evt.21", "wait_woken_by_mutex_unlock", &c);

	mutex_lock(m);
	t = start_waiter(e);
	blocked = w_seen == -1;
	w_step = 1;
	rch_want_eq(&c, "destroy", mutex_destroy(m), 0);
	w_step = 2;
	waiter_woke(&c, blocked, t, m, EVT_MUTEX_DEST);
	event_delete(e);
	rch_done("rch.evt.22", "mutex_dest", &c);
}

/* rch.evt.23: a child process ending; once its status is taken it names nothing. */
static void test_proc_term(void)
{
	struct rch_cases c = { 0 };
	sched_param_t later = { SCHEDP_PRIO, 200 };	/* it runs only when main waits */
	proc_t pid = process_create_fs("/bin/rtos_chanpeer", &later, 1, 0, 0, 0);
	event_t e = event_create(4);

	rch_want(&c, pid, "process_create_fs failed");
	rch_want_eq(&c, "add", event_add(e, pid, 0), 0);
	check_is(&c, "before it runs", e, 0, EVT_NONE);
	thread_t t = start_waiter(e);
	int blocked = w_seen == -1;
	w_step = 1;
	waiter_woke(&c, blocked, t, pid, EVT_PROC_TERM);
	check_is(&c, "until its status is taken", e, pid, EVT_PROC_TERM);
	rch_want_eq(&c, "its status", process_get_exit_status(pid), RCH_PEER_ALONE);
	check_is(&c, "then", e, pid, EVT_ERROR);
	event_delete(e);
	rch_done("rch.evt.23", "proc_term", &c);
}

/* rch.evt.24: sets leave no watch behind. */
static void test_no_leak(void)
{
	long w0 = rtos_stats(RTOS_STAT_WATCHES), u0 = rtos_stats(RTOS_STAT_UNTYPED);
	chan_t ch = channel_create(ITEM, 4, 0, CHAN_MPMC);
	chan_s_t s = channel_get_send(ch);
	chan_r_t r = channel_get_recv(ch);
	timer_t tm = timer_create();
	sem_t sem = semaphore_create(0, 0);
	int ok = 1;

	for (int i = 0; i < 50; i++) {
		event_t e = event_create(8);
		ok &= e && event_add(e, s, 0) == 0 && event_add(e, r, 0) == 0 && event_add(e, tm, 0) == 0 &&
		      event_add(e, sem, 0) == 0;
		if (i % 2)
			ok &= event_remove(e, r, 0) == 0;
		ok &= event_delete(e) == 0;
	}
	long w1 = rtos_stats(RTOS_STAT_WATCHES);
	timer_free(tm);
	semaphore_destroy(sem);
	channel_close(s);
	channel_close(r);
	channel_destroy(ch);
	long u1 = rtos_stats(RTOS_STAT_UNTYPED);
	rch_check("rch.evt.24", "no_watch_leak", ok && w1 == w0 && u1 == u0,
		  "50 sets: calls %s, watches %ld->%ld, untyped %ld->%ld", ok ? "ok" : "failed", w0, w1, u0, u1);
}

void rch_evt(void)
{
	test_create();
	test_add_invalid();
	test_add_dup_flags();
	test_full();
	test_bad_set();
	test_remove();
	test_check_not_ready();
	test_num_zero();
	test_eight();
	test_wake_send();
	test_wake_timer();
	test_wake_thread();
	test_wake_sem();
	test_timer_consumed();
	test_close_recv_end();
	test_send_end();
	test_sem_dest();
	test_mutex();
	test_proc_term();
	test_no_leak();
}

/* ---- rch.evt.25: bad addresses (in a process of its own: see rch.h) ---- */

int rch_evt_faults(void)
{
	void *bad[] = { 0, RCH_KERNEL_PTR, RCH_UNMAPPED_PTR, RCH_HIGH_PTR };
	static const char *what[] = { "NULL", "kernel half", "unmapped", "unmapped above the stacks" };
	struct rch_cases c = { 0 };
	event_t e = event_create(4);
	sem_t s = semaphore_create(1, 0);

	event_add(e, s, 0);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cairn_printf("rch.evt.25: %s pointer\n", what[i]);
		int w = event_wait(e, bad[i], 4), k = event_check(e, bad[i], 4);
		rch_want(&c, w == EFAULT && k == EFAULT, "%s: wait %d, check %d (want %d)", what[i], w, k, EFAULT);
	}
	rch_want_eq(&c, "the unit is still there", semaphore_try_take(s), 0);
	event_delete(e);
	semaphore_destroy(s);
	return rch_done("rch.evt.25", "bad_address_efault", &c);
}
