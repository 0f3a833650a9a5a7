/*
 * bench_rtos: the RTOS API's paths in guest instructions (issue 5's figures):
 * uncontended semaphore and mutex pairs, 128-byte malloc+free, yield between two
 * threads, a semaphore ping-pong between two threads, and a 16-byte channel send +
 * receive (SPSC and MPMC) and channel ping-pong between two threads. Each sample is a batch;
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
	if (!failed)
		bench_report_ops(name, per, samples, BENCH_SAMPLES, per_sample);
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

/* One thread sends a 16-byte message and receives it back: the data path alone. */
static void chan_pair(chan_flags_t kind, const char *name)
{
	chan_t c = channel_create(16, 16, 0, kind);
	chan_s_t s = channel_get_send(c);
	chan_r_t r = channel_get_recv(c);
	uint64_t out[2] = { 0, 0 }, in[2], next = 0;

	for (int k = -BENCH_WARMUP; k < BENCH_SAMPLES; k++) {
		uint64_t t0 = bench_rdtsc();
		for (int i = 0; i < BATCH; i++) {
			out[0]++;
			channel_send(s, out, 16, 0);
			channel_recv(r, in, 16, 0);
		}
		uint64_t t1 = bench_rdtsc();
		next += BATCH;
		if (in[0] != next)
			fail("a channel message went astray");
		if (k >= 0)
			samples[k] = t1 - t0 - overhead;
	}
	if (channel_recv(r, in, 16, 0) != EAGAIN)
		fail("the channel was not left empty");
	channel_close(s);
	channel_close(r);
	channel_destroy(c);
	report(name, "send_recv", BATCH);
}

static chan_s_t back_s;
static chan_r_t there_r;

static void echo(void)
{
	uint64_t m[2];

	while (channel_recv(there_r, m, 16, CHAN_BLOCK) == 16) {
		m[1] = m[0] + 1;
		channel_send(back_s, m, 16, CHAN_BLOCK);
	}
}

/* A message there and back between two threads, each blocking on its channel. */
static void chan_pingpong(void)
{
	chan_t there = channel_create(16, 4, 0, CHAN_SPSC), back = channel_create(16, 4, 0, CHAN_SPSC);
	chan_s_t s = channel_get_send(there);
	chan_r_t r = channel_get_recv(back);
	uint64_t m[2] = { 0, 0 };

	there_r = channel_get_recv(there);
	back_s = channel_get_send(back);
	thread_t t = thread_create(echo, 0, 0, 0);
	for (int k = -BENCH_WARMUP; k < BENCH_SAMPLES; k++) {
		uint64_t t0 = bench_rdtsc();
		for (int i = 0; i < BATCH; i++) {
			uint64_t want = ++m[0] + 1;
			channel_send(s, m, 16, CHAN_BLOCK);
			channel_recv(r, m, 16, CHAN_BLOCK);
			if (m[1] != want)
				fail("the channel ping-pong lost a round");
		}
		uint64_t t1 = bench_rdtsc();
		if (k >= 0)
			samples[k] = t1 - t0 - overhead;
	}
	channel_close(s);		/* the echo thread sees the end of the stream */
	thread_get_exit_status(t);
	channel_destroy(there);
	channel_destroy(back);
	report("rtos_chan_pingpong", "round_trip", BATCH);
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
	chan_pair(CHAN_SPSC, "rtos_chan_spsc");
	chan_pair(CHAN_MPMC, "rtos_chan_mpmc");
	chan_pingpong();
	return failed;
}
