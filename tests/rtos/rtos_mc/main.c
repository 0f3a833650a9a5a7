/*
 * rtos_mc: the RTOS on two cores (tests/qemu/systems/rtos_cores.toml, cores = 2).
 * Threads placed with SCHEDP_CORE_ID run where they were placed, and threads made
 * without it run on their creator's core; the placement's errors; semaphore and
 * channel ping-pong between threads of different cores; a wake from another core
 * preempts a less urgent thread there; a thread running on another core is killed;
 * timers armed on one core wake a waiter on the other. TEST ids rmc.<n>.
 */
#include <cairn/cairn.h>
#include <cairn/gate.h>
#include <cairn/rtos.h>
#include <cairn/rtos_abi.h>

#define ROOT   ((const struct cairn_root *)CAIRN_ROOT_VA)
#define ROUNDS 1000
#define SPIN_LIMIT_US 2000000	/* a spinner gives up after this: the test still ends */

static uint64_t ticks(uint64_t us)
{
	return us * (ROOT->tsc_hz / 1000000);
}

/* The exit status of t once it has ended (yielding meanwhile). */
static int join(thread_t t)
{
	int r;

	while ((r = thread_get_exit_status(t)) == EAGAIN)
		thread_yield();
	return r;
}

static thread_t spawn_on(void (*fn)(void), unsigned core, unsigned prio)
{
	sched_param_t p[2] = { { SCHEDP_CORE_ID, (uint16_t)core }, { SCHEDP_PRIO, (uint16_t)prio } };

	return thread_create(fn, p, 2, 0);
}

/* ---- placement ---- */

static volatile long seen_core, child_core;

static void child(void)
{
	child_core = cairn_core();
}

static void where(void)
{
	seen_core = cairn_core();
	thread_t c = thread_create(child, 0, 0, 0);	/* no core named: this one's */
	join(c);
}

static void placement(void)
{
	seen_core = child_core = -1;
	thread_t t = spawn_on(where, 1, RTOS_PRIO_DEFAULT);
	int st = join(t);
	cairn_report("rmc.2", "placed_threads_run_there", t && st == 0 && seen_core == 1 && child_core == 1,
		     "thread %lu status %d ran on core %ld, its child on %ld", t, st, seen_core, child_core);

	seen_core = -1;
	t = thread_create(child, 0, 0, 0);
	st = join(t);
	cairn_report("rmc.3", "unplaced_threads_run_on_their_creators_core", t && st == 0 && child_core == 0,
		     "thread %lu status %d ran on core %ld", t, st, child_core);

	sched_param_t far = { SCHEDP_CORE_ID, 2 }, other = { SCHEDP_CORE_ID, 1 }, same = { SCHEDP_CORE_ID, 0 };
	thread_t bad = thread_create(child, &far, 1, 0);
	int move = thread_set_params(&other, 1);
	int stay = thread_set_params(&same, 1);
	/* the rtos checks the word itself, whatever the library let through */
	uint64_t w = RTOS_SCHED(RTOS_PRIO_DEFAULT, 0, 0, 0);
	long raw_far = cairn_sinv_inline(RTOS_GATE_BASE + RTOS_THREAD_CREATE, (cairn_word)child,
					 RTOS_SCHED_ON(w, 2), RTOS_STACK_DEFAULT, 0).r0;
	long raw_move = cairn_sinv_inline(RTOS_GATE_BASE + RTOS_THREAD_SCHED, RTOS_SCHED_ON(w, 1), 0, 0, 0).r0;
	cairn_report("rmc.4", "placement_errors", bad == 0 && move == ENOTSUP && stay == 0 && cairn_core() == 0 &&
		     raw_far == EINVAL && raw_move == ENOTSUP,
		     "core 2: %lu, moving to core 1: %d, naming core 0: %d, on core %ld; raw: core 2 %ld, "
		     "moving %ld", bad, move, stay, cairn_core(), raw_far, raw_move);
}

/* ---- semaphore ping-pong ---- */

static sem_t ping, pong;
static volatile long sem_rounds, sem_wrong_core;

static void sem_peer(void)
{
	for (long i = 0; i < ROUNDS; i++) {
		if (semaphore_take(ping))
			return;
		sem_wrong_core += cairn_core() != 1;
		sem_rounds++;
		semaphore_give(pong);
	}
}

static void sem_pingpong(void)
{
	ping = semaphore_create(0, 0);
	pong = semaphore_create(0, 0);
	thread_t t = spawn_on(sem_peer, 1, RTOS_PRIO_DEFAULT);
	long done = 0, wrong = 0;
	uint64_t t0 = cairn_cycles();
	for (; done < ROUNDS; done++) {
		if (semaphore_give(ping) || semaphore_take(pong))
			break;
		wrong += cairn_core() != 0 || sem_rounds != done + 1;
	}
	uint64_t t1 = cairn_cycles();
	int st = join(t);
	int left = semaphore_try_take(ping) == EAGAIN && semaphore_try_take(pong) == EAGAIN;
	cairn_report("rmc.5", "semaphore_pingpong_across_cores",
		     t && done == ROUNDS && sem_rounds == ROUNDS && !wrong && !sem_wrong_core && st == 0 && left,
		     "%ld round trips (peer %ld), %ld+%ld off core or out of step, peer status %d, %lu ticks each",
		     done, sem_rounds, wrong, sem_wrong_core, st, (t1 - t0) / ROUNDS);
	semaphore_destroy(ping);
	semaphore_destroy(pong);
}

/* ---- channel ping-pong ---- */

static chan_t there, back;
static volatile long chan_wrong;

static void chan_peer(void)
{
	chan_r_t in = channel_get_recv(there);
	chan_s_t out = channel_get_send(back);

	for (long i = 0; i < ROUNDS; i++) {
		uint64_t v;
		if (channel_recv(in, &v, sizeof(v), CHAN_BLOCK) != sizeof(v))
			return;
		chan_wrong += v != (uint64_t)i || cairn_core() != 1;
		v = v * 2 + 1;
		if (channel_send(out, &v, sizeof(v), CHAN_BLOCK) != sizeof(v))
			return;
	}
	channel_close(in);
	channel_close(out);
}

static void chan_pingpong(void)
{
	there = channel_create(sizeof(uint64_t), 4, 0, CHAN_SPSC);
	back = channel_create(sizeof(uint64_t), 4, 0, CHAN_SPSC);
	chan_s_t out = channel_get_send(there);
	chan_r_t in = channel_get_recv(back);
	thread_t t = spawn_on(chan_peer, 1, RTOS_PRIO_DEFAULT);
	long done = 0, wrong = 0;
	uint64_t t0 = cairn_cycles();
	for (; done < ROUNDS; done++) {
		uint64_t v = (uint64_t)done, r = 0;
		if (channel_send(out, &v, sizeof(v), CHAN_BLOCK) != sizeof(v) ||
		    channel_recv(in, &r, sizeof(r), CHAN_BLOCK) != sizeof(r))
			break;
		wrong += r != v * 2 + 1 || cairn_core() != 0;
	}
	uint64_t t1 = cairn_cycles();
	int st = join(t);
	cairn_report("rmc.6", "channel_pingpong_across_cores",
		     there && back && t && done == ROUNDS && !wrong && !chan_wrong && st == 0,
		     "%ld round trips, %ld+%ld wrong, peer status %d, %lu ticks each", done, wrong, chan_wrong, st,
		     (t1 - t0) / ROUNDS);
	channel_close(out);
	channel_close(in);
	channel_destroy(there);
	channel_destroy(back);
}

/* ---- a wake from core 0 preempts a less urgent thread on core 1 ---- */

static sem_t urgent_sem;
static volatile int urgent_ran, spinner_running, spinner_saw;

static void urgent(void)
{
	semaphore_take(urgent_sem);
	urgent_ran = spinner_running ? 1 : 2;	/* 1: it ran while the spinner was still spinning */
}

static void spinner(void)
{
	uint64_t end = cairn_cycles() + ticks(SPIN_LIMIT_US);

	spinner_running = 1;
	while (!urgent_ran && cairn_cycles() < end)
		;
	spinner_saw = urgent_ran;
	spinner_running = 0;
}

static void wake_preempts(void)
{
	urgent_sem = semaphore_create(0, 0);
	thread_t u = spawn_on(urgent, 1, RTOS_PRIO_DEFAULT - 10);
	thread_t s = spawn_on(spinner, 1, RTOS_PRIO_DEFAULT + 10);	/* it runs once u has blocked */
	while (!spinner_running)
		thread_yield();
	int g = semaphore_give(urgent_sem);
	int us = join(u), ss = join(s);
	cairn_report("rmc.7", "wake_from_another_core_preempts", g == 0 && urgent_ran == 1 && spinner_saw == 1 &&
		     us == 0 && ss == 0, "give %d, urgent ran %d (1: while the spinner spun), spinner saw %d",
		     g, urgent_ran, spinner_saw);
	semaphore_destroy(urgent_sem);
}

/* ---- killing a thread that runs on another core ---- */

static volatile uint64_t victim_count;

static void victim(void)
{
	uint64_t end = cairn_cycles() + ticks(SPIN_LIMIT_US);

	while (cairn_cycles() < end)
		victim_count++;
}

static void kill_elsewhere(void)
{
	thread_t v = spawn_on(victim, 1, RTOS_PRIO_DEFAULT);
	while (victim_count < 1000)
		thread_yield();
	uint64_t t0 = cairn_cycles();
	int k = thread_kill(v);
	int st = join(v);
	uint64_t c1 = victim_count, c2;
	for (;;) {		/* until it has not counted for 2 ms: it stopped */
		for (uint64_t end = cairn_cycles() + ticks(2000); cairn_cycles() < end;)
			;
		c2 = victim_count;
		if (c2 == c1 || cairn_cycles() - t0 >= ticks(SPIN_LIMIT_US))
			break;
		c1 = c2;
	}
	int again = thread_kill(v);
	cairn_report("rmc.8", "kill_a_thread_running_on_another_core",
		     k == 0 && st == EIO && c1 == c2 && again == EBADF && cairn_cycles() - t0 < ticks(SPIN_LIMIT_US),
		     "kill %d, status %d, count %lu then %lu, kill again %d", k, st, c1, c2, again);
}

/* ---- timers across cores ---- */

static timer_t shared_timer;
static volatile long waited, waited_core, slept, slept_core;

static void timer_waiter(void)
{
	waited = timer_wait(shared_timer);	/* armed on core 0 */
	waited_core = cairn_core();
	timer_t mine = timer_create();		/* armed here, on core 1 */
	struct time rel;
	time_create(&rel, 0, 1000);
	slept = timer_start(mine, &rel);
	if (!slept)
		slept = timer_wait(mine);
	slept_core = cairn_core();
	timer_free(mine);
}

static void timers_across(void)
{
	shared_timer = timer_create();
	struct time rel;
	time_create(&rel, 0, 20000);
	int s = timer_start(shared_timer, &rel);	/* armed here, on core 0 */
	thread_t w = spawn_on(timer_waiter, 1, RTOS_PRIO_DEFAULT);
	int st = join(w);
	cairn_report("rmc.9", "timers_across_cores", s == 0 && st == 0 && waited == 1 && waited_core == 1 &&
		     slept == 1 && slept_core == 1, "start %d, waiter status %d: woke with %ld on core %ld, "
		     "slept with %ld on core %ld", s, st, waited, waited_core, slept, slept_core);
	timer_free(shared_timer);
}

int main(void)
{
	long threads0 = rtos_stats(RTOS_STAT_THREADS), chans0 = rtos_stats(RTOS_STAT_CHANS);

	cairn_report("rmc.1", "two_cores", ROOT->cores == 2 && cairn_core() == 0, "red tape cores %lu, main on core %ld",
		     (unsigned long)ROOT->cores, cairn_core());
	placement();
	sem_pingpong();
	chan_pingpong();
	wake_preempts();
	kill_elsewhere();
	timers_across();
	long threads1 = rtos_stats(RTOS_STAT_THREADS), chans1 = rtos_stats(RTOS_STAT_CHANS);
	for (uint64_t end = cairn_cycles() + ticks(100000); threads1 != threads0 && cairn_cycles() < end;) {
		thread_yield();		/* the last thread of core 1 may still be on its way out */
		threads1 = rtos_stats(RTOS_STAT_THREADS);
	}
	cairn_report("rmc.10", "nothing_left", threads1 == threads0 && chans1 == chans0,
		     "threads %ld then %ld, channel objects %ld then %ld", threads0, threads1, chans0, chans1);
	return 0;
}
