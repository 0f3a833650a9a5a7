/*
 * fr_self: a supervised component that crashes on its own thread, outside any call
 * (tests/qemu/systems/restart.toml runs it twice, as "fr_self" and "fr_doomed").
 * Generation 1 ends its initialisation (a yield), then faults; the booter restarts it.
 * In generation 2, fr_self checks that it started fresh (its data from the image, its
 * bss zero, main run once) and reports; fr_doomed faults at once, in its
 * initialisation, and must stay down.
 */
#include <cairn/cairn.h>
#include <cairn/root.h>

static long runs;
static long data = 42;
static volatile int zero;

static int named(const struct cairn_root *rt, const char *name)
{
	const char *a = rt->name;
	while (*a && *a == *name)
		a++, name++;
	return *a == *name;
}

int main(const struct cairn_root *rt)
{
	runs++;
	if (rt->generation == 1) {
		data = 7;
		cairn_yield();			/* the end of its initialisation */
		*(volatile long *)(uintptr_t)zero = 1;
	}
	if (named(rt, "fr_doomed"))
		*(volatile long *)(uintptr_t)zero = 1;
	cairn_check("restart.self", "own_thread_crash_restarts_fresh", rt->generation == 2 && runs == 1 && data == 42,
		    "generation %u, main ran %ld times, data %ld (want 2, 1, 42)", rt->generation, runs, data);
	return 0;
}
