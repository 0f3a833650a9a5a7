/*
 * ledger: the persistent example of systems/ledger.toml (docs/persistence.md). It keeps
 * two counters that always move together, a sequence and a journal of the last 1,024
 * sequence numbers, and changes them without pause on its one thread, the way a
 * service applies its requests: a, then the journal, then b, then the sequence. It
 * knows nothing of checkpoints: the booter stops it at any instruction, and a resume
 * gives it back its memory and registers at that instruction, so the step it was in
 * finishes as if nothing happened. Every `print` steps (args; 1,000,000 if not given)
 * it says where it is and checks what a torn state would break: a == b == seq, and the
 * journal holding the last 1,024 sequence numbers. With `stop=N` it stops at sequence N.
 */
#include <cairn/cairn.h>

#define JOURNAL 1024

static volatile uint64_t a, b, seq;
static volatile uint64_t journal[JOURNAL];

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

int main(const struct cairn_root *rt)
{
	uint64_t print = 1000000, stop = 0;

	arg(rt, "print", &print);
	arg(rt, "stop", &stop);
	cairn_printf("ledger: starting fresh\n");
	while (!stop || seq < stop) {
		a++;
		journal[seq % JOURNAL] = seq;
		b++;
		seq++;
		if (seq % print == 0)
			cairn_printf("ledger: sequence %lu, a %lu, b %lu: %s\n", seq, a, b,
				     a == seq && b == seq && journal_whole() ? "whole" : "TORN");
	}
	return 0;
}
