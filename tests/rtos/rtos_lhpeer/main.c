/*
 * rtos_lhpeer: the bystander at the hostile process's level (tests/rtos/rtos_lochostile):
 * it computes without yielding for RUN_US and watches the clock. Round robin must give
 * it its turns however the other process's threads at its level switch among
 * themselves: no gap longer than MAX_GAP_US, and at least MIN_SHARE percent of the
 * time. It returns 0 if so, else 1 (and prints what it saw either way).
 */
#include <cairn/cairn.h>
#include <cairn/gate.h>
#include <cairn/rtos.h>

#define ROOT       ((const struct cairn_root *)CAIRN_ROOT_VA)
#define RUN_US     170000
#define MAX_GAP_US 15000	/* 4 workers' slices of 2 ms, an EDF thread's 10 %, the urgent ones' */
#define MIN_SHARE  8		/* percent: 1 of 6 threads at the level, less what runs above */

int main(void)
{
	uint64_t hz = ROOT->tsc_hz, start = cairn_cycles(), end = start + RUN_US * (hz / 1000000);
	uint64_t last = start, gap = 0, away = 0, turns = 0, small = hz / 100000;	/* 10 us */

	for (uint64_t now; (now = cairn_cycles()) < end; last = now) {
		uint64_t d = now - last;
		if (d > small)
			away += d, turns++;
		if (d > gap)
			gap = d;
	}
	uint64_t gap_us = gap / (hz / 1000000), share = 100 - away * 100 / (end - start);
	int ok = gap_us <= MAX_GAP_US && share >= MIN_SHARE;
	cairn_printf("rtos_lhpeer: core %ld: longest wait %lu us, %lu%% of the time, %lu turns\n",
		     (long)cairn_core(), (unsigned long)gap_us, (unsigned long)share, (unsigned long)turns);
	return !ok;
}
