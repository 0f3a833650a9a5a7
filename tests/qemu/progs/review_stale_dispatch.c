/*
 * review_stale_dispatch: a thread that hands its core to a thread which turns out
 * stale (its home component restarted) is not lost (review of ae7b652, finding E).
 *
 * THREAD_DISPATCH (fast path: fastpath.c; general path: dispatch) and ASND_SEND with
 * CAIRN_SEND_YIELD make the target next and call switch_prepare on it. The target is
 * stale: switch_stale stops it and returns after(target), the thread to run when the
 * *target* can no longer run: its scheduler, or NULL (core 1). The caller, runnable
 * and on no list, is then never run again: the core idles.
 *
 *   rv.e1  D on core 1 (no scheduler) dispatches X (core 1, no scheduler, home H
 *          restarted): D goes on after its dispatch
 *   rv.e2  the same with an asynchronous send with CAIRN_SEND_YIELD (the general path)
 */
#include "review_common.h"

static struct remote x[2], d[2];
static volatile long d_before[2], d_after[2], d_ret[2];

static void d_main(unsigned i)
{
	__atomic_store_n(&d_before[i], 1, __ATOMIC_RELEASE);
	long r = i == 0 ? cairn_thread_dispatch(x[0].thr, 0, 0) : cairn_asnd_send(x[1].snd, CAIRN_SEND_YIELD);
	d_ret[i] = r;
	__atomic_store_n(&d_after[i], 1, __ATOMIC_RELEASE);
}

static void d0_main(cairn_word tid) { (void)tid; d_main(0); }
static void d1_main(cairn_word tid) { (void)tid; d_main(1); }

static volatile long x_ran;

static void x_main(cairn_word tid)
{
	(void)tid;
	__atomic_add_fetch(&x_ran, 1, __ATOMIC_RELEASE);
}

int main(const void *root)
{
	review_init(root);
	if (!CHECK("rv.e0", "two_cores", R->cores >= 2, "red tape says %lu cores", (unsigned long)R->cores))
		return 1;
	for (unsigned i = 0; i < 2; i++) {
		unsigned h = slot();
		/* H: X's home, a component of its own over our tables; restarted before X runs. */
		long r = cairn_captbl_act_comp(CT, h, MEM, cairn_frame(&A, K), CT, PT, (uint64_t)_start);
		if (r == 0)
			r = make_thread(&x[i], h, x_main, 1, 0);
		if (r == 0 && cairn_comp_restart(h) < 0)
			r = -100;
		if (r == 0)
			r = make_thread(&d[i], COMP, i ? d1_main : d0_main, 1, 0);
		if (r == 0)
			r = cairn_asnd_send(d[i].snd, 0);
		if (r == 0 && !await(&d_before[i], 1))
			r = -101;
		int after = r == 0 && await(&d_after[i], 1);
		if (i == 0)
			CHECK("rv.e1", "dispatch_to_stale_thread_keeps_caller", r == 0 && after,
			      "setup %ld, D went on %d (dispatch returned %ld), X ran %ld", r, after, d_ret[0], x_ran);
		else
			CHECK("rv.e2", "yield_to_stale_thread_keeps_caller", r == 0 && after,
			      "setup %ld, D went on %d (send returned %ld), X ran %ld", r, after, d_ret[1], x_ran);
	}
	return 0;
}
