/*
 * bench_tm: the Thread-Metric suite's seven RTOS tests (cooperative and preemptive
 * scheduling, interrupt processing with and without preemption, messages,
 * semaphores, memory) in guest instructions per iteration instead of iterations in
 * 30 seconds. docs/performance.md says how each maps onto Cairn. Every test checks
 * that what it timed happened (counters balanced, turns in order, messages intact),
 * and a test that fails a check reports nothing, so a broken path cannot look fast.
 *
 * Priorities: main (128) is the most urgent thread and waits in join() while a
 * test's threads run; within a test the interrupt thread is the most urgent (140),
 * then the threads it serves.
 */
#include <cairn/bench.h>
#include <cairn/rtos.h>

#define BATCH	   64		/* operations per sample, single-thread tests */
#define SBATCH	   16		/* rounds per sample, scheduling tests */
#define NTHREADS   5		/* threads of the two scheduling tests */
#define PRIO_IRQ   140		/* the thread a timer interrupt wakes */
#define PRIO_HIGH  150
#define PRIO_LOW   160
#define IRQ_PERIOD 20		/* us between interrupts: far more than one costs */
#define IRQ_FIRST  1000		/* us to the first: the test's threads are set up */
#define IRQ_GAP	   500		/* a longer gap between two counter reads is an interrupt */
#define IRQ_LIMIT  200000000UL	/* instructions to wait for the interrupts at most */
#define ROUNDS	   ((unsigned long)(BENCH_WARMUP + BENCH_SAMPLES) * SBATCH)

static uint64_t samples[BENCH_SAMPLES];
static uint64_t overhead;
static volatile int failed;	/* the test running now failed a check */
static int any_failed;

/* Marks the test running now failed; says why the first time. */
static void fail(const char *what)
{
	if (!failed)
		cairn_printf("bench_tm: %s\n", what);
	failed = 1;
	any_failed = 1;
}

/* Reports the samples per operation (ops per sample), unless the test failed a check. */
static void report(const char *name, const char *per, unsigned ops)
{
	if (!failed)
		bench_report_ops(name, per, samples, BENCH_SAMPLES, ops);
	failed = 0;
}

static thread_t spawn(void (*entry)(void), unsigned prio)
{
	sched_param_t p = { SCHEDP_PRIO, (uint16_t)prio };
	thread_t t = thread_create(entry, &p, 1, 0);

	if (!t)
		fail("thread_create failed");
	return t;
}

/* Waits for t to end (an event set reports EVT_THREAD_TERM); t must have returned 0. */
static void join(thread_t t)
{
	struct event_info ev = { 0, 0 };

	if (!t)
		return;
	event_t e = event_create(1);
	if (!e || event_add(e, t, 0) || event_wait(e, &ev, 1) != 1 || ev.event_type != EVT_THREAD_TERM)
		fail("cannot wait for a thread");
	else if (thread_get_exit_status(t) != 0)
		fail("a thread did not end well");
	event_delete(e);
}

/* ---- 1. cooperative scheduling: five equal threads yield round robin ---- */

static volatile unsigned long coop_count[NTHREADS];
static volatile unsigned coop_turn;

/* Thread i's loop: its turn, its count, yield. Thread 0 times SBATCH rounds a sample. */
static void coop_run(unsigned i)
{
	for (int k = -BENCH_WARMUP; k < BENCH_SAMPLES; k++) {
		uint64_t t0 = bench_rdtsc();
		for (int b = 0; b < SBATCH; b++) {
			if (coop_turn != i)
				fail("cooperative: a thread ran out of turn");
			coop_turn = i + 1 == NTHREADS ? 0 : i + 1;
			coop_count[i]++;
			thread_yield();
		}
		uint64_t t1 = bench_rdtsc();
		if (i == 0 && k >= 0)
			samples[k] = t1 - t0 - overhead;
	}
}

static void coop0(void) { coop_run(0); }
static void coop1(void) { coop_run(1); }
static void coop2(void) { coop_run(2); }
static void coop3(void) { coop_run(3); }
static void coop4(void) { coop_run(4); }

static void cooperative(void)
{
	static void (*const entry[NTHREADS])(void) = { coop0, coop1, coop2, coop3, coop4 };
	thread_t t[NTHREADS];

	for (unsigned i = 0; i < NTHREADS; i++)		/* equal: they run in this order */
		t[i] = spawn(entry[i], PRIO_HIGH);
	for (unsigned i = 0; i < NTHREADS; i++)
		join(t[i]);
	for (unsigned i = 0; i < NTHREADS; i++)
		if (coop_count[i] != ROUNDS)
			fail("cooperative: the counters do not balance");
	report("tm_cooperative", "yield", NTHREADS * SBATCH);
}

/* ---- 2. preemptive scheduling: a chain of resumes up five priorities ---- */

/*
 * Thread i has priority PRIO_HIGH + i (0 the most urgent) and, but for the least
 * urgent, a semaphore it suspends on. The least urgent resumes thread 3, which
 * preempts it and resumes thread 2, ... up to thread 0; each then counts and
 * suspends, so control falls back down the chain: per round, 4 resumes that
 * preempt and 4 suspends, 8 switches, and the counts come in the order 0, 1, .., 4.
 */
static sem_t pre_sem[NTHREADS - 1];
static volatile unsigned long pre_count[NTHREADS];
static volatile unsigned pre_next;
static volatile int pre_stop;

static void pre_step(unsigned i)
{
	if (pre_next != i)
		fail("preemptive: a thread ran out of order");
	pre_next = i + 1 == NTHREADS ? 0 : i + 1;
	pre_count[i]++;
}

static void pre_run(unsigned i)
{
	for (;;) {
		semaphore_take(pre_sem[i]);		/* suspended until resumed */
		if (i > 0)
			semaphore_give(pre_sem[i - 1]);	/* resumes a more urgent one: it runs */
		if (pre_stop)
			return;
		pre_step(i);
	}
}

static void pre0(void) { pre_run(0); }
static void pre1(void) { pre_run(1); }
static void pre2(void) { pre_run(2); }
static void pre3(void) { pre_run(3); }

/* The least urgent thread: starts every round and times them. */
static void pre_low(void)
{
	for (int k = -BENCH_WARMUP; k < BENCH_SAMPLES; k++) {
		uint64_t t0 = bench_rdtsc();
		for (int b = 0; b < SBATCH; b++) {
			semaphore_give(pre_sem[NTHREADS - 2]);
			pre_step(NTHREADS - 1);
		}
		uint64_t t1 = bench_rdtsc();
		if (k >= 0)
			samples[k] = t1 - t0 - overhead;
	}
	pre_stop = 1;
	semaphore_give(pre_sem[NTHREADS - 2]);		/* the chain runs once more, to its end */
}

static void preemptive(void)
{
	static void (*const entry[NTHREADS])(void) = { pre0, pre1, pre2, pre3, pre_low };
	thread_t t[NTHREADS];

	for (unsigned i = 0; i < NTHREADS - 1; i++)
		pre_sem[i] = semaphore_create(0, 0);
	for (unsigned i = 0; i < NTHREADS; i++)
		t[i] = spawn(entry[i], PRIO_HIGH + i);
	for (unsigned i = 0; i < NTHREADS; i++)
		join(t[i]);
	for (unsigned i = 0; i < NTHREADS; i++)
		if (pre_count[i] != ROUNDS)
			fail("preemptive: the counters do not balance");
	for (unsigned i = 0; i < NTHREADS - 1; i++)
		if (semaphore_try_take(pre_sem[i]) != EAGAIN || semaphore_destroy(pre_sem[i]))
			fail("preemptive: a resume was left over");
	report("tm_preemptive", "switch", 8 * SBATCH);
}

/* ---- 3, 4. interrupts: a periodic timer wakes the interrupt thread ---- */

/*
 * The interrupt thread (PRIO_IRQ) stands for the handler: woken from timer_wait by
 * each expiry of a periodic timer, it counts and gives irq_sem. In test 3 the thread
 * it interrupted takes the semaphore; in test 4 a thread more urgent than the
 * interrupted one (PRIO_HIGH) waits on it and so preempts the interrupted thread.
 * The interrupted thread (PRIO_LOW) reads the counter in a loop; a gap between two
 * reads is what the interrupt took from it, the processing included.
 */
static timer_t irq_timer;
static sem_t irq_sem;
static volatile unsigned long irq_handled, irq_processed;
static volatile int irq_stop;

static void irq_handler(void)
{
	for (;;) {
		int n = timer_wait(irq_timer);
		if (irq_stop)
			break;
		if (n != 1)
			fail("interrupt: an expiry was missed or failed");
		irq_handled++;
		semaphore_give(irq_sem);
	}
	semaphore_give(irq_sem);	/* test 4's processing thread is still waiting */
}

/* Test 4's processing thread: takes what the handler gives, counts. */
static void irq_high(void)
{
	for (;;) {
		semaphore_take(irq_sem);
		if (irq_stop)
			return;
		if (irq_handled != ++irq_processed)
			fail("interrupt: processing out of step with the handler");
	}
}

/* The instructions of one pass of the loop in irq_spin, without an interrupt. */
static uint64_t spin_cost(void)
{
	uint64_t best = ~0ULL, last = bench_rdtsc();

	for (int i = 0; i < 64; i++) {
		uint64_t now = bench_rdtsc();
		if (now - last < best)
			best = now - last;
		last = now;
	}
	return best;
}

/*
 * What the interrupted thread does after a gap: 1 if it was the timer's interrupt,
 * processed once (test 4: by irq_high in the gap; seen: the count before it).
 */
static int irq_process(int preempt, unsigned long seen)
{
	if (preempt) {
		if (irq_processed == seen)
			return 0;	/* some other interrupt */
		if (irq_processed != seen + 1)
			fail("interrupt: more than one interrupt in a gap");
		return 1;
	}
	if (semaphore_try_take(irq_sem))
		return 0;
	if (irq_handled != ++irq_processed)
		fail("interrupt: processing out of step with the handler");
	return 1;
}

/* Samples the interrupts that hit this loop: gap, processing, minus one pass. */
static void irq_spin(int preempt)
{
	uint64_t pass = spin_cost(), start = bench_rdtsc(), last = start;
	unsigned long seen = 0;
	int k = -BENCH_WARMUP;

	while (k < BENCH_SAMPLES) {
		uint64_t now = bench_rdtsc();
		if (now - start > IRQ_LIMIT) {
			fail("interrupt: too few interrupts came");
			break;
		}
		if (now - last > IRQ_GAP && irq_process(preempt, seen)) {
			seen = irq_processed;
			now = bench_rdtsc();
			if (k >= 0)
				samples[k] = now - last - pass;
			k++;
		}
		last = now;
	}
	irq_stop = 1;
}

static void irq_low3(void) { irq_spin(0); }
static void irq_low4(void) { irq_spin(1); }

static void interrupt(int preempt)
{
	struct time first, period;
	thread_t high = 0;

	irq_handled = irq_processed = 0;
	irq_stop = 0;
	irq_sem = semaphore_create(0, 0);
	irq_timer = timer_create();
	time_create(&first, 0, IRQ_FIRST);
	time_create(&period, 0, IRQ_PERIOD);
	if (!irq_sem || !irq_timer || timer_periodic(irq_timer, &first, &period))
		fail("interrupt: no semaphore or timer");
	thread_t h = spawn(irq_handler, PRIO_IRQ);
	if (preempt)
		high = spawn(irq_high, PRIO_HIGH);
	thread_t low = spawn(preempt ? irq_low4 : irq_low3, PRIO_LOW);
	join(low);
	join(h);			/* at the next expiry, seeing irq_stop */
	join(high);
	if (irq_processed != irq_handled || irq_processed < BENCH_WARMUP + BENCH_SAMPLES)
		fail("interrupt: handled and processed do not balance");
	timer_free(irq_timer);
	semaphore_destroy(irq_sem);
	report(preempt ? "tm_interrupt_preemption" : "tm_interrupt", "interrupt", 1);
}

/* ---- 5, 6, 7. one thread: messages, semaphores, memory ---- */

/* A 16-byte message to a channel and back; every message must come back intact. */
static void message(void)
{
	chan_t c = channel_create(16, 4, 0, CHAN_SPSC);
	chan_s_t s = channel_get_send(c);
	chan_r_t r = channel_get_recv(c);
	uint64_t out[2] = { 0, ~0ULL }, in[2] = { 0, 0 }, bad = !c || !s || !r;

	for (int k = -BENCH_WARMUP; k < BENCH_SAMPLES; k++) {
		uint64_t t0 = bench_rdtsc();
		for (int i = 0; i < BATCH; i++) {
			out[0]++;
			channel_send(s, out, 16, 0);
			channel_recv(r, in, 16, 0);
			bad |= (in[0] ^ out[0]) | ~in[1];
		}
		uint64_t t1 = bench_rdtsc();
		if (k >= 0)
			samples[k] = t1 - t0 - overhead;
	}
	if (bad || out[0] != (uint64_t)(BENCH_WARMUP + BENCH_SAMPLES) * BATCH)
		fail("message: a message went astray");
	if (channel_recv(r, in, 16, 0) != EAGAIN)
		fail("message: the channel was not left empty");
	channel_close(s);
	channel_close(r);
	channel_destroy(c);
	report("tm_message", "send_recv", BATCH);
}

/* Take and give a semaphore of one; every call must succeed and one unit remain. */
static void synchronization(void)
{
	sem_t s = semaphore_create(1, 0);
	int bad = !s;

	for (int k = -BENCH_WARMUP; k < BENCH_SAMPLES; k++) {
		uint64_t t0 = bench_rdtsc();
		for (int i = 0; i < BATCH; i++) {
			bad |= semaphore_take(s);
			bad |= semaphore_give(s);
		}
		uint64_t t1 = bench_rdtsc();
		if (k >= 0)
			samples[k] = t1 - t0 - overhead;
	}
	if (bad || semaphore_try_take(s) != 0 || semaphore_try_take(s) != EAGAIN)
		fail("synchronization: the take/give pairs did not balance");
	semaphore_destroy(s);
	report("tm_synchronization", "take_give", BATCH);
}

/* malloc(128) and free; every block must be there, 16-byte aligned, and given back. */
static void memory(void)
{
	uintptr_t bad = 0;

	free(malloc(128));		/* its size class has pages now */
	long pages = rtos_stats(RTOS_STAT_PAGES);

	for (int k = -BENCH_WARMUP; k < BENCH_SAMPLES; k++) {
		uint64_t t0 = bench_rdtsc();
		for (int i = 0; i < BATCH; i++) {
			void *p = malloc(128);
			bad |= (p == 0) | ((uintptr_t)p & 15);
			free(p);
		}
		uint64_t t1 = bench_rdtsc();
		if (k >= 0)
			samples[k] = t1 - t0 - overhead;
	}
	if (bad)
		fail("memory: malloc(128) failed");
	if (rtos_stats(RTOS_STAT_PAGES) != pages)
		fail("memory: the blocks were not freed");
	report("tm_memory", "malloc_free", BATCH);
}

int main(void)
{
	overhead = bench_overhead();
	cooperative();
	preemptive();
	interrupt(0);
	interrupt(1);
	message();
	synchronization();
	memory();
	return any_failed;
}
