/*
 * rtos_proc: processes. Creating one from the boot image by path, its exit status
 * (EAGAIN while it runs, once only), bad paths, isolation (a process storing into
 * another's memory faults and ends alone), and 1,000 create/exit cycles after which
 * the rtos component's free memory, free slots, threads and processes are back to
 * their starting counts. And processes from an image in memory (process_create):
 * success, each bad argument, and no leak over 100 cycles. And limits (resources):
 * a process cannot map more pages or have more threads alive than it was given.
 * And budgets (resources[RTOS_RES_CPU_BUDGET]): a greedy process gets its budget per
 * period and no more, the others meet their deadlines beside it; every wrong budget
 * is refused. On a system of several cores (test rtos_proc_cores) only the budgets
 * are checked, with the greedy process on core 1.
 */
#include <cairn/cairn.h>
#include <cairn/rtos.h>
#include <cairn/rtos_abi.h>
#include "../rtos_wait.h"

#define CYCLES 1000

static timer_t nap;

/* Waits for pid to end, napping 50 us at a time (so less urgent processes run). */
static int wait_exit(proc_t pid)
{
	return rtos_wait_exit(process_get_exit_status, pid, nap, 50);
}

static void lifecycle(void)
{
	sched_param_t later = { SCHEDP_PRIO, 200 };	/* it runs only when this one waits */
	proc_t pid = process_create_fs("/bin/rtos_child", &later, 1, 0, 0, 0);
	int running = process_get_exit_status(pid);
	int s = wait_exit(pid);
	int again = process_get_exit_status(pid);
	int self = process_get_exit_status(0);
	cairn_check("rp.1", "create_status_once", pid && running == EAGAIN && s == 42 && again == EBADF &&
		    self == EBADF, "pid %lu running %d status %d again %d zero %d", pid, running, s, again, self);

	proc_t a = process_create_fs(0, 0, 0, 0, 0, 0);
	proc_t b = process_create_fs("/bin/no_such_program", 0, 0, 0, 0, 0);
	proc_t c = process_create_fs("rtos_child", 0, 0, 0, 0, 0);
	sched_param_t bad = { SCHEDP_DEADLINE, 10 };
	proc_t d = process_create_fs("/bin/rtos_child", &bad, 1, 0, 0, 0);
	proc_t e = process_create_fs("/bin/rtos_child", 0, 0, 0, 0, 1);
	cairn_check("rp.2", "create_errors", !a && !b && !c && !d && !e, "%lu %lu %lu %lu %lu", a, b, c, d, e);
}

static void isolation(void)
{
	volatile unsigned long *mine = mem_get_pages(0, 4096, 0);

	if (!mine || (unsigned long)mine != RTOS_HEAP_BASE) {
		cairn_check("rp.3", "isolation", 0, "my first page is at %p", (void *)mine);
		return;
	}
	*mine = 0x600d;
	proc_t pid = process_create_fs("/bin/rtos_intruder", 0, 0, 0, 0, 0);
	int s = wait_exit(pid);
	cairn_check("rp.3", "isolation", pid && s == EFAULT && *mine == 0x600d,
		    "intruder status %d, my word %#lx", s, *mine);
	mem_free_pages((void *)mine, 4096);
}

static void no_leaks(void)
{
	long u0 = rtos_stats(RTOS_STAT_UNTYPED), s0 = rtos_stats(RTOS_STAT_SLOTS);
	long t0 = rtos_stats(RTOS_STAT_THREADS), p0 = rtos_stats(RTOS_STAT_PROCS);
	int bad = 0;

	for (int i = 0; i < CYCLES && !bad; i++) {
		proc_t pid = process_create_fs("/bin/rtos_child", 0, 0, 0, 0, 0);
		bad = !pid || wait_exit(pid) != 42;
	}
	long u1 = rtos_stats(RTOS_STAT_UNTYPED), s1 = rtos_stats(RTOS_STAT_SLOTS);
	long t1 = rtos_stats(RTOS_STAT_THREADS), p1 = rtos_stats(RTOS_STAT_PROCS);
	cairn_check("rp.4", "thousand_cycles_no_leak", !bad && u0 > 0 && u1 == u0 && s1 == s0 && t1 == t0 && p1 == p0,
		    "bad %d untyped %ld->%ld slots %ld->%ld threads %ld->%ld procs %ld->%ld",
		    bad, u0, u1, s0, s1, t0, t1, p0, p1);
}

extern const char child_image[], child_image_end[];

static void from_memory(void)
{
	size_t len = (size_t)(child_image_end - child_image);
	long u0 = rtos_stats(RTOS_STAT_UNTYPED), c0 = rtos_stats(RTOS_STAT_CHANS);
	long pg0 = rtos_stats(RTOS_STAT_PAGES);
	int bad = 0;

	for (int i = 0; i < 100 && !bad; i++) {
		proc_t pid = process_create(child_image, len, "child", 0, 0, 0, 0, 0);
		bad = !pid || wait_exit(pid) != 42;
	}
	long u1 = rtos_stats(RTOS_STAT_UNTYPED), c1 = rtos_stats(RTOS_STAT_CHANS);
	long pg1 = rtos_stats(RTOS_STAT_PAGES);
	cairn_check("rp.5", "process_create_from_memory", !bad && u1 == u0 && c1 == c0 && pg1 == pg0,
		    "bad %d untyped %ld->%ld regions %ld->%ld pages %ld->%ld", bad, u0, u1, c0, c1, pg0, pg1);

	static const char junk[64] = "not an ELF image";
	sched_param_t badp = { SCHEDP_PRIO, 300 };
	proc_t e[8] = {
		process_create(0, len, "child", 0, 0, 0, 0, 0),
		process_create(child_image, 0, "child", 0, 0, 0, 0, 0),
		process_create(child_image, len, 0, 0, 0, 0, 0, 0),
		process_create(child_image, len, "", 0, 0, 0, 0, 0),
		process_create(junk, sizeof(junk), "junk", 0, 0, 0, 0, 0),
		process_create((void *)0x500000000000UL, len, "child", 0, 0, 0, 0, 0),
		process_create(child_image, len, "child", &badp, 1, 0, 0, 0),
		process_create(child_image, len, "child", 0, 0, 0, 0, 1),
	};
	int zero = 1;
	for (int i = 0; i < 8; i++)
		zero &= e[i] == 0;
	cairn_check("rp.6", "process_create_errors", zero && rtos_stats(RTOS_STAT_UNTYPED) == u1,
		    "%lu %lu %lu %lu %lu %lu %lu %lu", e[0], e[1], e[2], e[3], e[4], e[5], e[6], e[7]);
}

/* rp.7: resources[RTOS_RES_PAGES] and [RTOS_RES_THREADS] bound a process. */
static void limits(void)
{
	size_t res[] = { 40, 3 };
	long u0 = rtos_stats(RTOS_STAT_UNTYPED);
	int limited = wait_exit(process_create_fs("/bin/rtos_limited", 0, 0, res, 2, 0));
	size_t pages_only[] = { 60 };
	int paged = wait_exit(process_create_fs("/bin/rtos_limited", 0, 0, pages_only, 1, 0));
	size_t none[] = { 0, 0 };
	int free_run = wait_exit(process_create_fs("/bin/rtos_limited", 0, 0, none, 2, 0));
	size_t three[] = { 1, 2, 3 };
	proc_t too_many = process_create_fs("/bin/rtos_limited", 0, 0, three, 3, 0);
	proc_t null_res = process_create_fs("/bin/rtos_limited", 0, 0, 0, 1, 0);
	size_t tiny[] = { 2 };		/* less than its image */
	proc_t cannot = process_create_fs("/bin/rtos_limited", 0, 0, tiny, 1, 0);
	cairn_check("rp.7", "process_limits", limited == (40 << 8 | 3) && paged >> 8 == 60 &&
		    (free_run & 0xff) == 16 && free_run >> 8 > 60 && !too_many && !null_res && !cannot &&
		    rtos_stats(RTOS_STAT_UNTYPED) == u0,
		    "pages 40 threads 3: %d pages %d threads; pages 60: %d pages %d threads; none: %d pages %d threads; "
		    "3 entries %lu, NULL %lu, 2 pages %lu; untyped %ld -> %ld",
		    limited >> 8, limited & 0xff, paged >> 8, paged & 0xff, free_run >> 8, free_run & 0xff, too_many,
		    null_res, cannot, u0, rtos_stats(RTOS_STAT_UNTYPED));
}

/* The 3 ms periodic timer beside the greedy process, on its core: how late, how many lost. */
static uint64_t tick_late, tick_lost;
static sem_t tick_done, tick_stay;

static void ticker(void)
{
	uint64_t hz = ((const struct cairn_root *)CAIRN_ROOT_VA)->tsc_hz, step = cairn_us_ticks(hz, 3000);
	timer_t tick = timer_create();
	struct time every;

	time_create(&every, 0, 3000);
	uint64_t due = cairn_cycles() + step;
	timer_periodic(tick, &every, &every);
	for (int i = 0; i < 30; i++, due += step) {
		int n = timer_wait(tick);
		uint64_t now = cairn_cycles();
		tick_lost += n != 1;
		tick_late = now > due && now - due > tick_late ? now - due : tick_late;
	}
	timer_free(tick);
	semaphore_give(tick_done);
	semaphore_take(tick_stay);	/* until the process ends: what it holds is counted once */
}

/*
 * rp.8: a process that spins for ever with 2 ms per 10 ms, more urgent than this one,
 * runs bursts of its budget (rtos_greedy checks them) and may not give a child a budget
 * of its own; beside it, on its core, a thread's 3 ms periodic timer is never more
 * than the budget late and loses no expiry. The tcap goes with the process (no
 * memory kept). Wrong budgets are refused: a budget alone, a period alone, a budget
 * over its period, a period over 10 s, six entries; a budget through process_create
 * and process_create_fs works for a process that ends.
 */
static void budgets(void)
{
	const struct cairn_root *rt = (const struct cairn_root *)CAIRN_ROOT_VA;
	unsigned n = rt->cores > 1 ? 2 : 1;	/* on core 1 if there is one */
	sched_param_t urgent[2] = { { SCHEDP_PRIO, 10 }, { SCHEDP_CORE_ID, 1 } };
	sched_param_t beside[2] = { { SCHEDP_PRIO, RTOS_PRIO_DEFAULT }, { SCHEDP_CORE_ID, 1 } };
	size_t res[] = { 0, 0, 0, 2000, 10000 };

	tick_done = semaphore_create(0, 0);
	tick_stay = semaphore_create(0, 0);
	thread_t t = thread_create(ticker, beside, n, THREAD_NO_JOIN);
	proc_t mem = process_create(child_image, (size_t)(child_image_end - child_image), "child", 0, 0, res, 5, 0);
	int child = wait_exit(mem);	/* (and the slots and tables a budget needs are there now) */
	long u0 = rtos_stats(RTOS_STAT_UNTYPED);
	proc_t greedy = process_create_fs("/bin/rtos_greedy", urgent, n, res, 5, 0);
	if (t)
		semaphore_take(tick_done);
	int s = wait_exit(greedy);
	static const size_t wrong[4][5] = {
		{ 0, 0, 0, 2000, 0 }, { 0, 0, 0, 0, 10000 }, { 0, 0, 0, 2001, 2000 }, { 0, 0, 0, 1000, 10000001 },
	};
	static const size_t six[6] = { 0, 0, 0, 1, 1, 0 };
	unsigned refused = 0;
	for (int i = 0; i < 4; i++)
		refused += !process_create_fs("/bin/rtos_child", 0, 0, wrong[i], 5, 0);
	refused += !process_create_fs("/bin/rtos_child", 0, 0, six, 6, 0);
	int again = wait_exit(process_create_fs("/bin/rtos_child", 0, 0, res, 5, 0));
	cairn_check("rp.8", "process_budget", s == 116 && t && tick_late < cairn_us_ticks(rt->tsc_hz, 2200) &&
		    !tick_lost && refused == 5 && child == 42 && again == 42 && rtos_stats(RTOS_STAT_UNTYPED) == u0,
		    "greedy %d (116: 16 exact bursts, nested refused), 3 ms timer at most %lu ticks late, %lu lost; "
		    "%u of 5 wrong refused; from memory %d, by path %d; untyped %ld -> %ld", s, tick_late, tick_lost, refused,
		    child, again,
		    u0, rtos_stats(RTOS_STAT_UNTYPED));
}

int main(void)
{
	nap = timer_create();
	if (((const struct cairn_root *)CAIRN_ROOT_VA)->cores > 1) {
		budgets();
		return 0;
	}
	lifecycle();
	isolation();
	no_leaks();
	from_memory();
	limits();
	budgets();
	return 0;
}
