/*
 * review_preempt: a thread taken off its core by a kick is not forgotten when it has a
 * scheduler (review of ae7b652, findings C and D). core_preempted puts a preempted
 * thread on the ready list only if it has no scheduler at all; otherwise it reports
 * TIMEOUT to the scheduler and nothing more. When the preempting thread then waits,
 * after() finds nothing to run on core 1 and the core idles:
 *
 *   rv.c1  the scheduler is on another core (core 0): it cannot dispatch the thread
 *          (CAIRN_EXDEV), so nothing ever runs it again. ready_runs() even accepts a
 *          preempted thread whose scheduler is elsewhere, but none is ever listed.
 *   rv.c2  the scheduler S is on the same core, runnable (it dispatched the thread):
 *          it is told TIMEOUT but never run, though nothing else runs on the core.
 */
#include "review_common.h"

static volatile long quit1, quit2;

/* ---- rv.c1: a scheduler on another core ---- */

static struct remote w, a;
static volatile long w_count, a_runs;

static void w_main(cairn_word tid)
{
	(void)tid;
	while (!__atomic_load_n(&quit1, __ATOMIC_ACQUIRE))
		__atomic_add_fetch(&w_count, 1, __ATOMIC_RELEASE);
}

static void a_main(cairn_word tid)
{
	(void)tid;
	for (;;) {
		__atomic_add_fetch(&a_runs, 1, __ATOMIC_RELEASE);
		cairn_rcv_wait(a.rcv);
	}
}

static void test_remote_scheduler(void)
{
	unsigned me_rcv = slot();
	long r = cairn_captbl_act_rcv(CT, me_rcv, ME, 0);

	if (r == 0)
		r = make_thread(&w, COMP, w_main, 1, me_rcv) | make_thread(&a, COMP, a_main, 1, 0);
	if (r == 0)
		r = cairn_asnd_send(w.snd, 0);	/* W's scheduler is elsewhere: W is kicked */
	if (r == 0 && !await(&w_count, 1))
		r = -100;
	if (r == 0)
		r = cairn_asnd_send(a.snd, 0);	/* A preempts W, runs, waits */
	if (r == 0 && !await(&a_runs, 2))
		r = -101;
	long before = w_count;
	int resumed = r == 0 && await(&w_count, before + 1);
	long d = cairn_thread_dispatch(w.thr, 0, 0);	/* what its scheduler could do: nothing */
	CHECK("rv.c1", "preempted_thread_with_remote_scheduler_resumes", r == 0 && resumed,
	      "setup %ld, W resumed %d (count %ld), A ran %ld, dispatch from its scheduler %ld",
	      r, resumed, w_count, a_runs, d);
	__atomic_store_n(&quit1, 1, __ATOMIC_RELEASE);
}

/* ---- rv.c2: a scheduler on the same core ---- */

static struct remote s, p, t;
static volatile long s_runs, p_count, t_runs;

static void s_main(cairn_word tid)
{
	(void)tid;
	for (;;) {
		__atomic_add_fetch(&s_runs, 1, __ATOMIC_RELEASE);
		if (__atomic_load_n(&quit2, __ATOMIC_ACQUIRE))
			return;
		while (cairn_rcv_event(s.rcv).r1 != CAIRN_EVENT_NONE)
			;
		cairn_thread_dispatch(p.thr, 0, 0);
	}
}

static void p_main(cairn_word tid)
{
	(void)tid;
	while (!__atomic_load_n(&quit2, __ATOMIC_ACQUIRE))
		__atomic_add_fetch(&p_count, 1, __ATOMIC_RELEASE);
}

static void t_main(cairn_word tid)
{
	(void)tid;
	for (;;) {
		__atomic_add_fetch(&t_runs, 1, __ATOMIC_RELEASE);
		cairn_rcv_wait(t.rcv);
	}
}

static void test_local_scheduler(void)
{
	long r = make_thread(&s, COMP, s_main, 1, 0);

	if (r == 0)
		r = make_thread(&p, COMP, p_main, 1, s.rcv) | make_thread(&t, COMP, t_main, 1, 0);
	if (r == 0)
		r = cairn_asnd_send(s.snd, 0);	/* S starts on core 1 and dispatches P */
	if (r == 0 && !await(&p_count, 1))
		r = -100;
	long before = s_runs;	/* 1: S dispatched P, which spins */
	if (r == 0)
		r = cairn_asnd_send(t.snd, 0);	/* T preempts P (S hears TIMEOUT), runs, waits */
	if (r == 0 && !await(&t_runs, 2))
		r = -101;
	int s_ran = r == 0 && await(&s_runs, before + 1);
	CHECK("rv.c2", "scheduler_of_preempted_thread_runs", r == 0 && s_ran,
	      "setup %ld, S ran again %d (S %ld, P %ld, T %ld)", r, s_ran, s_runs, p_count, t_runs);
	__atomic_store_n(&quit2, 1, __ATOMIC_RELEASE);
}

int main(const void *root)
{
	review_init(root);
	if (!CHECK("rv.c0", "two_cores", R->cores >= 2, "red tape says %lu cores", (unsigned long)R->cores))
		return 1;
	test_remote_scheduler();
	test_local_scheduler();
	return 0;
}
