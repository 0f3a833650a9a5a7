/*
 * review_kick_order: a kick runs the thread it was sent for (docs/multicore.md: "The
 * kicked core runs the thread at once") even when the core's ready list already holds
 * a thread that was only preempted (review of ae7b652, finding B).
 *
 * core_kicked takes the head of the ready list, whatever it is there for: a thread
 * preempted earlier (READY_PREEMPTED) that sits ahead of the kicked one is resumed
 * instead, and the kicked thread waits until the core is next free.
 *
 *   rv.b  threads P, A, B of core 1, none with a scheduler, each spinning: a send starts
 *         P; a send starts A, which preempts P (P goes on the list); a send starts B:
 *         B runs (it did not: P was resumed and B waited behind it)
 */
#include "review_common.h"

static struct remote th[3];
static volatile long count[3], quit;

static void spin(unsigned i)
{
	while (!__atomic_load_n(&quit, __ATOMIC_ACQUIRE))
		__atomic_add_fetch(&count[i], 1, __ATOMIC_RELEASE);
}

static void p_main(cairn_word tid) { (void)tid; spin(0); }
static void a_main(cairn_word tid) { (void)tid; spin(1); }
static void b_main(cairn_word tid) { (void)tid; spin(2); }

int main(const void *root)
{
	review_init(root);
	if (!CHECK("rv.b0", "two_cores", R->cores >= 2, "red tape says %lu cores", (unsigned long)R->cores))
		return 1;
	long r = make_thread(&th[0], COMP, p_main, 1, 0) | make_thread(&th[1], COMP, a_main, 1, 0) |
		 make_thread(&th[2], COMP, b_main, 1, 0);
	int step = 0;

	for (; r == 0 && step < 3; step++) {
		r = cairn_asnd_send(th[step].snd, 0);
		if (r == 0 && !await(&count[step], 1))
			break;
	}
	long p_before = count[0];
	pause_ms(100);
	long p_after = count[0];
	CHECK("rv.b", "kick_runs_the_kicked_thread", r == 0 && step == 3,
	      "setup %ld, %d of 3 threads ran when started (P %ld, A %ld, B %ld; P ran on meanwhile: %s)",
	      r, step, count[0], count[1], count[2], p_after > p_before ? "yes" : "no");
	__atomic_store_n(&quit, 1, __ATOMIC_RELEASE);
	return 0;
}
