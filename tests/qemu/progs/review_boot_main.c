/*
 * review_boot_main: the boot program's first thread runs only on its own core (review
 * of ae7b652, finding F).
 *
 * THREAD_CORE may move any thread that does not run, the boot program's first thread
 * too. The boot core's fallback (kernel/boot.c, reached through after() on core 0
 * whenever a core-0 thread blocks or stops with no scheduler there) returned that
 * thread if it was runnable, without looking at its core: core 0 ran a thread of core
 * 1, which core 1 could run at the same time (a send kicks it there).
 *
 *   rv.f1  main dispatches M (core 0, no scheduler), M moves main to core 1 and stops:
 *          main is not run on core 0 (KCHECK: no core runs a thread not its own)
 *   rv.f2  main then sends to itself: it runs once, not on two cores at once
 */
#include "review_common.h"

static struct remote m;
static volatile long m_moved = 1, copies;

static void m_main(cairn_word tid)
{
	(void)tid;
	m_moved = cairn_thread_core(ME, 1);
}

int main(const void *root)
{
	review_init(root);
	if (!CHECK("rv.f0", "two_cores", R->cores >= 2, "red tape says %lu cores", (unsigned long)R->cores))
		return 1;
	unsigned me_rcv = slot(), me_snd = slot();
	long r = cairn_captbl_act_rcv(CT, me_rcv, ME, 0);

	if (r == 0)
		r = cairn_captbl_act_asnd(CT, me_snd, me_rcv);
	if (r == 0)
		r = make_thread(&m, COMP, m_main, 0, 0);
	if (r == 0)
		r = cairn_thread_dispatch(m.thr, 0, 0);	/* M runs, moves us, stops */
	long k = cairn_kcheck(), core = cairn_core();
	CHECK("rv.f1", "boot_thread_runs_on_its_core", r == 0 && (m_moved != 0 || k == 0),
	      "setup %ld, THREAD_CORE on main %ld, main's core now %ld, kcheck %ld", r, m_moved, core, k);
	if (r == 0 && m_moved == 0)
		r = cairn_asnd_send(me_snd, 0);	/* core 0 runs us; this kicks us on core 1 too */
	__atomic_add_fetch(&copies, 1, __ATOMIC_ACQ_REL);
	pause_ms(200);
	CHECK("rv.f2", "boot_thread_runs_once", r == 0 && copies == 1, "setup %ld, copies %ld", r, copies);
	return 0;
}
