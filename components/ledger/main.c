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
 * With `bench=N` (bench/systems/persist.toml) it also times each wave write, under
 * -icount in guest instructions: a write that takes a copy-on-write fault (a first
 * write after a checkpoint's pause: the kernel, the booter's keeper and back) is one
 * sample of persist_first_write, reported after N of them.
 */
#include <cairn/bench.h>
#include <cairn/cairn.h>

#define JOURNAL 1024
#define WAVE 16		/* pages */

static volatile uint64_t a, b, seq;
static volatile uint64_t journal[JOURNAL];
static volatile uint64_t wave[WAVE][512] __attribute__((aligned(4096)));
static uint64_t torn;	/* wave pages found wrong */
static uint64_t samples[256], nsamples, want_samples;	/* bench=N: first writes timed */

#define FIRST_WRITE_MIN 1000	/* instructions: a wave write that took longer took a fault */

/* args: a decimal number under key, or *v as it is. */
static void arg(const struct cairn_root *rt, const char *key, uint64_t *v)
{
	char s[16];
	long n = cairn_arg(rt, key, s, sizeof(s));
	uint64_t x = 0;

	for (long i = 0; i < n; i++)
		x = s[i] >= '0' && s[i] <= '9' ? x * 10 + (uint64_t)(s[i] - '0') : 0;
	if (n > 0 && x)
		*v = x;
}

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

int main(const struct cairn_root *rt)
{
	uint64_t print = 1000000, stop = 0, fault = 0;

	arg(rt, "print", &print);
	arg(rt, "stop", &stop);
	arg(rt, "bench", &want_samples);
	arg(rt, "fault", &fault);
	if (want_samples > sizeof(samples) / sizeof(samples[0]))
		want_samples = sizeof(samples) / sizeof(samples[0]);
	cairn_printf("ledger: starting fresh\n");
	while (!stop || seq < stop) {
		a++;
		journal[seq % JOURNAL] = seq;
		wave_step(seq);
		b++;
		seq++;
		if (seq == fault)
			((void (*)(void))(uintptr_t)&wave[seq % WAVE][1])();
		if (seq % print == 0)
			cairn_printf("ledger: sequence %lu, a %lu, b %lu: %s\n", seq, a, b,
				     a == seq && b == seq && journal_whole() && !torn ? "whole" : "TORN");
	}
	return 0;
}
