/*
 * sched_events: a scheduler's event queue when it is full (docs/syscalls.md,
 * "Scheduling events"; issue 19). No event is lost without the scheduler hearing of
 * it: past the 64 queued, events are counted and RCV_EVENT reports
 * CAIRN_EVENT_OVERFLOW with the count once the queue is empty. First boot module,
 * kernel booted with "ktest".
 *
 *   ev.1  a thread blocks and is woken 71 events' worth without its scheduler
 *         reading: it then takes 64 events, in order, RCV_WAIT does not block while
 *         the loss is unreported, then OVERFLOW with 7, then NONE
 *   ev.2  after the report the count starts again: a WAKE is queued and taken as
 *         usual, with no second OVERFLOW
 */
#include <cairn/build.h>
#include <cairn/cairn.h>
#include <cairn/root.h>

#define MEM  CAIRN_SLOT_MEMORY
#define CT   CAIRN_SLOT_CAPTBL
#define ME   CAIRN_SLOT_THREAD
#define COMP CAIRN_SLOT_COMP

#define QUEUE    64		/* the kernel's queue (THREAD_EVENTS) */
#define EVENTS   (QUEUE + 7)	/* BLOCK, then 35 pairs of WAKE and BLOCK */

static const struct cairn_root *R;
static struct cairn_alloc A = { .mem = MEM, .ct = CT, .cursor = 32UL << 20, .end = 0,
				.next_slot = CAIRN_SLOT_FREE, .last_slot = 128 };

static unsigned my_rcv;
static struct child {
	unsigned thr, rcv, snd;
	long tid;
} kid;

static unsigned slot(void)
{
	return cairn_reserve_slots(&A) ? 0 : cairn_slot(&A);
}

/* The child waits on its own endpoint for ever: each wait that blocks is a BLOCK event. */
static void child(cairn_word tid)
{
	(void)tid;
	for (;;)
		cairn_rcv_wait(kid.rcv);
}

static long make_child(struct child *k)
{
	k->thr = slot();
	k->rcv = slot();
	k->snd = slot();
	k->tid = cairn_captbl_act_thread(CT, k->thr, MEM, cairn_frame(&A, CAIRN_FRAME_KERNEL), COMP,
					 (cairn_word)child);
	if (k->tid < 0)
		return k->tid;
	long r = cairn_captbl_act_rcv(CT, k->rcv, k->thr, my_rcv);
	return r ? r : cairn_captbl_act_asnd(CT, k->snd, k->rcv);
}

/* Makes the child produce one more event for this scheduler: WAKE, then BLOCK. */
static long event_pair(struct child *k)
{
	long r = cairn_asnd_send(k->snd, 0);	/* WAKE */

	return r ? r : cairn_thread_dispatch(k->thr, 0, 0);	/* it waits again: BLOCK */
}

static void test_overflow(void)
{
	struct child *k = &kid;
	long r = make_child(k), made = 0;

	/* It runs until it blocks; then this scheduler runs again, reading nothing. */
	if (r == 0)
		r = cairn_thread_dispatch(k->thr, 0, 0);
	for (made = 1; r == 0 && made < EVENTS; made += 2)
		r = event_pair(k);
	unsigned in_order = 0;
	for (unsigned i = 0; r == 0 && i < QUEUE; i++) {
		struct cairn_ret2 e = cairn_rcv_event(my_rcv);
		cairn_word want = i % 2 ? CAIRN_EVENT_WAKE : CAIRN_EVENT_BLOCK;
		in_order += e.r0 == k->tid && e.r1 == want;
	}
	long waited = cairn_rcv_wait(my_rcv);	/* returns at once: the loss is not reported yet */
	struct cairn_ret2 lost = cairn_rcv_event(my_rcv);
	struct cairn_ret2 none = cairn_rcv_event(my_rcv);
	cairn_check("ev.1", "full_queue_reports_overflow", r == 0 && made == EVENTS &&
		    in_order == QUEUE && waited == 0 && lost.r1 == CAIRN_EVENT_OVERFLOW &&
		    lost.r0 == (cairn_word)(EVENTS - QUEUE) && none.r1 == CAIRN_EVENT_NONE && none.r0 == 0,
		    "setup %ld, %ld events made, %u of %u taken in order, wait %ld, then %ld/%ld, "
		    "then %ld/%ld", r, made, in_order, QUEUE, waited, lost.r0, lost.r1, none.r0, none.r1);

	long s = cairn_asnd_send(k->snd, 0);
	struct cairn_ret2 wake = cairn_rcv_event(my_rcv);
	struct cairn_ret2 after = cairn_rcv_event(my_rcv);
	cairn_check("ev.2", "count_starts_again", s == 0 && wake.r0 == k->tid &&
		    wake.r1 == CAIRN_EVENT_WAKE && after.r1 == CAIRN_EVENT_NONE,
		    "send %ld, then %ld/%ld, then %ld/%ld", s, wake.r0, wake.r1, after.r0, after.r1);
}

int main(const void *root)
{
	R = root;
	A.end = R->mem_end;
	my_rcv = slot();
	if (cairn_captbl_act_rcv(CT, my_rcv, ME, 0))
		return 1;
	test_overflow();
	return 0;
}
