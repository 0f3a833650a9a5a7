/*
 * bench_rtos: the RTOS API's paths in guest instructions (issue 5's figures):
 * uncontended semaphore and mutex pairs, 128-byte malloc+free, yield between two
 * threads, and a semaphore ping-pong between two threads. Each sample is a batch;
 * every result is checked (counts, strict alternation) so a broken path cannot
 * report a fast number.
 */
#include <cairn/bench.h>
#include <cairn/rtos.h>

#define BATCH 64

static uint64_t samples[BENCH_SAMPLES];
static uint64_t overhead;
static sem_t ping, pong, done;
static volatile unsigned turn;
static volatile int failed;

static void fail(const char *what)
{
	cairn_printf("bench_rtos: %s\n", what);
	failed = 1;
}

static void report(const char *name, const char *per, unsigned per_sample)
{
	struct bench_result r = bench_summarize(samples, BENCH_SAMPLES);

	r.median /= per_sample;
	r.min /= per_sample;
	if (!failed)
		bench_report(name, r, per);
}

static void sem_pair(void)
{
	sem_t s = semaphore_create(0, 0);

	for (int k = -BENCH_WARMUP; k < BENCH_SAMPLES; k++) {
		uint64_t t0 = bench_rdtsc();
		for (int i = 0; i < BATCH; i++) {
			semaphore_give(s);
			semaphore_take(s);
		}
		uint64_t t1 = bench_rdtsc();
		if (k >= 0)
			samples[k] = t1 - t0 - overhead;
	}
	if (semaphore_try_take(s) != EAGAIN)
		fail("the semaphore pairs did not balance");
	semaphore_destroy(s);
	report("rtos_sem_pair", "give_take", BATCH);
}

static void mutex_pair(void)
{
	mutex_t m = mutex_create(0);

	for (int k = -BENCH_WARMUP; k < BENCH_SAMPLES; k++) {
		uint64_t t0 = bench_rdtsc();
		for (int i = 0; i < BATCH; i++) {
			mutex_lock(m);
			mutex_unlock(m);
		}
		uint64_t t1 = bench_rdtsc();
		if (k >= 0)
			samples[k] = t1 - t0 - overhead;
	}
	if (mutex_try_lock(m) != 0 || mutex_unlock(m) != 0)
		fail("the mutex was left locked");
	mutex_destroy(m);
	report("rtos_mutex_pair", "lock_unlock", BATCH);
}

static void alloc_free(void)
{
	void *keep = malloc(128);	/* warm the size class */

	for (int k = -BENCH_WARMUP; k < BENCH_SAMPLES; k++) {
		uint64_t t0 = bench_rdtsc();
		for (int i = 0; i < BATCH; i++) {
			void *p = malloc(128);
			__asm__ volatile("" :: "r"(p) : "memory");
			free(p);
		}
		uint64_t t1 = bench_rdtsc();
		if (k >= 0)
			samples[k] = t1 - t0 - overhead;
	}
	if (!keep)
		fail("malloc failed");
	free(keep);
	report("rtos_malloc_free_128", "malloc_free", BATCH);
}

/* Two equal threads yield to each other: turn must alternate every time. */
static void yielder(void)
{
	for (int k = -BENCH_WARMUP; k < BENCH_SAMPLES; k++)
		for (int i = 0; i < BATCH; i++) {
			if (turn != 1)
				fail("yield did not alternate");
			turn = 0;
			thread_yield();
		}
	semaphore_give(done);
}

static void yield_bench(void)
{
	turn = 0;
	thread_t t = thread_create(yielder, 0, 0, 0);
	for (int k = -BENCH_WARMUP; k < BENCH_SAMPLES; k++) {
		uint64_t t0 = bench_rdtsc();
		for (int i = 0; i < BATCH; i++) {
			if (turn != 0)
				fail("yield did not alternate");
			turn = 1;
			thread_yield();
		}
		uint64_t t1 = bench_rdtsc();
		if (k >= 0)
			samples[k] = t1 - t0 - overhead;
	}
	semaphore_take(done);
	thread_get_exit_status(t);
	report("rtos_yield", "yield", 2 * BATCH);
}

static void ponger(void)
{
	for (int k = -BENCH_WARMUP; k < BENCH_SAMPLES; k++)
		for (int i = 0; i < BATCH; i++) {
			semaphore_take(ping);
			turn++;
			semaphore_give(pong);
		}
}

static void pingpong(void)
{
	ping = semaphore_create(0, 0);
	pong = semaphore_create(0, 0);
	turn = 0;
	thread_t t = thread_create(ponger, 0, 0, 0);
	unsigned want = 0;
	for (int k = -BENCH_WARMUP; k < BENCH_SAMPLES; k++) {
		uint64_t t0 = bench_rdtsc();
		for (int i = 0; i < BATCH; i++) {
			semaphore_give(ping);
			semaphore_take(pong);
		}
		uint64_t t1 = bench_rdtsc();
		want += BATCH;
		if (turn != want)
			fail("the ping-pong lost a round");
		if (k >= 0)
			samples[k] = t1 - t0 - overhead;
	}
	thread_get_exit_status(t);
	report("rtos_sem_pingpong", "round_trip", BATCH);
}

int main(void)
{
	overhead = bench_overhead();
	done = semaphore_create(0, 0);
	sem_pair();
	mutex_pair();
	alloc_free();
	yield_bench();
	pingpong();
	return failed;
}
