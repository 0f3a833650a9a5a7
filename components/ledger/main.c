/*
 * ledger: the persistent example of systems/ledger.toml (docs/persistence.md). It keeps
 * two counters that always move together, a sequence, a journal of the last 1,024
 * sequence numbers and a wave: WAVE pages, step s writing s + 1 into page s % WAVE. It
 * changes them without pause on its one thread, the way a service applies its
 * requests: a, then the journal, then the wave, then b, then the sequence. It knows
 * nothing of checkpoints: the booter stops it at any instruction, and a resume gives it
 * back its memory and registers at that instruction, so the step it was in finishes as
 * if nothing happened.
 *
 * What a torn state would break is checked. At every step, the wave page it writes
 * must hold what it wrote there WAVE steps before: a page taken after the checkpoint's
 * instant (a copy-on-write that came too late) holds a later step's value, and is found
 * within WAVE steps of the resume. Every `print` steps (args; 1,000,000 if not given)
 * it says where it is: a == b == seq, the journal holding the last 1,024 sequence
 * numbers, and no wave page found wrong. With `stop=N` it stops at sequence N; with
 * `fault=N` it jumps into its wave at sequence N (an instruction fetch from a data page:
 * a fault its keeper must not mend, tests/qemu/tests.toml persist_fault).
 *
 * It is also a service (cairn/ledger.h): if its description gives it the ports
 * ledger_req and ledger_ans, every SERVE_EVERY steps it takes the requests there and
 * answers them, keeping LEDGER_KEYS counters and their total, `added`, which must
 * always be their sum (checked with the rest). Its ports are not persistent: a resume
 * meets rings made afresh at this boot, the first step on each says CAIRN_ESTALE
 * (lib/libcairn/port.c), the answer it held for a client of the old boot is dropped,
 * and it serves this boot's clients. It says so (at most SAY_MAX times between two of
 * its lines, so that a client scribbling its ring cannot flood the console).
 *
 * With `bench=N` (bench/systems/persist.toml) it also times each wave write, under
 * -icount in guest instructions: a write that takes a copy-on-write fault (a first
 * write after a checkpoint's pause: the kernel, the booter's keeper and back) is one
 * sample of persist_first_write, reported after N of them.
 */
#include <cairn/bench.h>
#include <cairn/cairn.h>
#include <cairn/gate.h>
#include <cairn/ledger.h>
#include <cairn/port.h>

CAIRN_GATE_STACKS(1);	/* no gates, one thread: one stack (every page is in the checkpoints) */

#define JOURNAL 1024
#define WAVE 16		/* pages */

static volatile uint64_t a, b, seq;
static volatile uint64_t journal[JOURNAL];
static volatile uint64_t wave[WAVE][512] __attribute__((aligned(4096)));
static uint64_t torn;	/* wave pages found wrong */
static uint64_t samples[256], nsamples, want_samples;	/* bench=N: first writes timed */

#define SERVE_EVERY 256		/* steps between two looks at the request port */

static struct cairn_port req, ans;		/* the service's ports, if described */
static int serving;
static volatile int64_t kv[LEDGER_KEYS], added;	/* the counters; the sum of every add */
static struct ledger_ans held;			/* an answer the full ring has not taken yet */
static int holding;
static uint64_t served, stale, said;		/* requests answered; ESTALE seen; said since the last line */

#define SAY_MAX 8	/* ESTALE lines between two status lines, at most (a client scribbling its ring) */

#define FIRST_WRITE_MIN 1000	/* instructions: a wave write that took longer took a fault */

/* Whether the journal holds the last JOURNAL sequence numbers before seq. */
static int journal_whole(void)
{
	for (uint64_t k = seq > JOURNAL ? seq - JOURNAL : 0; k < seq; k++)
		if (journal[k % JOURNAL] != k)
			return 0;
	return 1;
}

/* Step s's wave write: page s % WAVE held s - WAVE + 1 (0 if never written); it gets s + 1. */
static void wave_step(uint64_t s)
{
	volatile uint64_t *w = &wave[s % WAVE][0];
	uint64_t want = s >= WAVE ? s - WAVE + 1 : 0, has = *w;

	if (has != want && !torn++)
		cairn_printf("ledger: TORN: at sequence %lu wave page %lu holds %lu, not %lu\n", s, s % WAVE, has, want);
	if (nsamples >= want_samples) {
		*w = s + 1;
		return;
	}
	uint64_t t0 = bench_rdtsc();
	*w = s + 1;
	uint64_t t = bench_rdtsc() - t0;
	if (t >= FIRST_WRITE_MIN && (samples[nsamples++] = t, nsamples == want_samples))
		bench_report("persist_first_write", bench_summarize(samples, (unsigned)nsamples), "page");
}

/* The answer to request q (its effect applied). */
static struct ledger_ans apply(const struct ledger_req *q)
{
	struct ledger_ans r = { .id = q->id, .seq = seq };
	int64_t v = q->value, *k = (int64_t *)&kv[q->key < LEDGER_KEYS ? q->key : 0];

	if ((q->op != LEDGER_GET && q->op != LEDGER_ADD) || q->key >= LEDGER_KEYS) {
		r.status = CAIRN_EINVAL;
		return r;
	}
	if (q->op == LEDGER_ADD) {
		int64_t sum, total;
		if (__builtin_add_overflow(*k, v, &sum) || __builtin_add_overflow(added, v, &total)) {
			r.status = CAIRN_EOVERFLOW;
		} else {
			kv[q->key] = sum;	/* the counter, then the total: a pause between is whole on resume */
			added = total;
		}
	}
	r.value = kv[q->key];
	return r;
}

/* A step on a port said r: whether to go on (CAIRN_ESTALE: said, then served afresh). */
static int port_ok(long r, unsigned which)
{
	if (r == CAIRN_ESTALE && (stale++, said++ < SAY_MAX))
		cairn_printf("ledger: port %s was made anew at this boot (ESTALE): its clients are served afresh\n",
			     which ? "ledger_ans" : "ledger_req");
	return r == 0;
}

/* Puts the held answer: 1 once it is in the ring (or dropped: the ring was made anew). */
static int put_held(void)
{
	long r = cairn_port_try_send(&ans, &held);	/* (a client waiting for it is woken) */

	if (r == CAIRN_EAGAIN)
		return 0;
	port_ok(r, 1);	/* CAIRN_ESTALE: the rings were made anew since it was made; EIO: the client broke the ring */
	holding = 0;
	return 1;
}

/*
 * If a ring was made anew under this end (a resume), or its client wrote the ring's
 * copy of this end's cursor (cairn/port.h): the answer held is for a request of the old
 * ones, and is dropped; each such end is stepped once (CAIRN_ESTALE, nothing moved) to
 * take the new ring, so that no answer of this boot meets a ring of the old one.
 */
static void renew(void)
{
	struct ledger_req q;
	int req_new = __atomic_load_n(&req.ring->tail, __ATOMIC_RELAXED) != req.tail;
	int ans_new = __atomic_load_n(&ans.ring->head, __ATOMIC_RELAXED) != ans.head;

	if (!req_new && !ans_new)
		return;
	holding = 0;
	if (req_new)
		port_ok(cairn_ring_get(&req, &q), 0);
	if (ans_new)
		port_ok(cairn_ring_put(&ans, &held), 1);
}

/* Takes the requests waiting and answers them, never waiting itself. */
static void serve(void)
{
	struct ledger_req q;

	renew();
	while ((!holding || put_held()) && port_ok(cairn_port_try_recv(&req, &q), 0)) {
		held = apply(&q);
		holding = 1;
		served++;
	}
}

/* The counters' sum is the total of every add. */
static int kv_whole(void)
{
	int64_t sum = 0;

	for (unsigned k = 0; k < LEDGER_KEYS; k++)
		sum += kv[k];
	return sum == added;
}

int main(const struct cairn_root *rt)
{
	uint64_t print = 1000000, stop = 0, fault = 0;

	cairn_arg_u64(rt, "print", &print);	/* (absent or not a number: as it is) */
	cairn_arg_u64(rt, "stop", &stop);
	cairn_arg_u64(rt, "bench", &want_samples);
	cairn_arg_u64(rt, "fault", &fault);
	print = print ? print : 1;
	if (want_samples > sizeof(samples) / sizeof(samples[0]))
		want_samples = sizeof(samples) / sizeof(samples[0]);
	serving = cairn_port_open(&req, "ledger_req") == 0 && cairn_port_open(&ans, "ledger_ans") == 0;
	cairn_printf("ledger: starting fresh%s\n", serving ? ", serving ledger_req" : "");
	while (!stop || seq < stop) {
		a++;
		journal[seq % JOURNAL] = seq;
		wave_step(seq);
		b++;
		seq++;
		if (serving && seq % SERVE_EVERY == 0)
			serve();
		if (seq == fault)
			((void (*)(void))(uintptr_t)&wave[seq % WAVE][1])();
		if (seq % print == 0 && !(said = 0))
			cairn_printf("ledger: sequence %lu, a %lu, b %lu, %lu served: %s\n", seq, a, b, served,
				     a == seq && b == seq && journal_whole() && kv_whole() && !torn ? "whole" : "TORN");
	}
	return 0;
}
