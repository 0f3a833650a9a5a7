/*
 * rtos_greedy: a process that would spin for ever, run on a budget (tests/rtos/rtos_proc,
 * rp.8: 2 ms of every 10 ms). It reads the clock in a loop: a jump of more than GAP_US
 * between two readings is a time it did not run, which ends a burst. It times
 * BURSTS + 1 bursts (the first, which began before its clock did, is left out) and
 * prints the shortest and longest burst and distance between burst starts, in clock
 * ticks. Then it checks that it may not give a process a budget of its own (a child
 * of a process with a budget shares it: EACCES), and exits with the number of
 * bursts within BUDGET_US +- 0.5 % and starts PERIOD_US +- 0.5 % apart, + 100 if
 * that process was refused.
 */
#include <cairn/cairn.h>
#include <cairn/rtos.h>

#define BURSTS    16
#define GAP_US    200
#define BUDGET_US 2000
#define PERIOD_US 10000

static uint64_t ticks(uint64_t us)
{
	return cairn_us_ticks(((const struct cairn_root *)CAIRN_ROOT_VA)->tsc_hz, us);
}

static int within(uint64_t v, uint64_t want)
{
	return v + want / 200 >= want && v <= want + want / 200;
}

int main(void)
{
	uint64_t len[BURSTS + 1], start[BURSTS + 1];
	uint64_t gap = ticks(GAP_US), last = cairn_cycles(), begin = last;
	unsigned n = 0;

	while (n <= BURSTS) {
		uint64_t now = cairn_cycles();
		if (now - last > gap) {
			start[n] = begin;
			len[n++] = last - begin;
			begin = now;
		}
		last = now;
	}
	uint64_t lo = ~0UL, hi = 0, plo = ~0UL, phi = 0;
	int good = 0;
	for (unsigned i = 1; i <= BURSTS; i++) {
		uint64_t p = i > 1 ? start[i] - start[i - 1] : ticks(PERIOD_US);
		lo = len[i] < lo ? len[i] : lo;
		hi = len[i] > hi ? len[i] : hi;
		plo = i > 1 && p < plo ? p : plo;
		phi = i > 1 && p > phi ? p : phi;
		good += within(len[i], ticks(BUDGET_US)) && within(p, ticks(PERIOD_US));
	}
	cairn_printf("rtos_greedy: %u bursts of %lu..%lu ticks (budget %lu), starts %lu..%lu apart (period %lu)\n",
		     BURSTS, lo, hi, ticks(BUDGET_US), plo, phi, ticks(PERIOD_US));
	size_t res[] = { 0, 0, 0, 100, 1000 };
	proc_t nested = process_create_fs("/bin/rtos_limited", 0, 0, res, 5, 0);
	return good + (nested ? 0 : 100);
}
