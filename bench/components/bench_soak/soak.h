/*
 * soak.h: the soaker of the device benchmarks (docs/performance.md, "Linux beside
 * Cairn"), shared by bench_soak and the clients that measure with it through a data
 * region named "soak". The soaker is the system's lowest-priority component: it runs
 * only when every other thread waits, as an idle loop would, spinning on the counter.
 * A step of at most SOAK_GAP instructions between two of its reads was its own time
 * (added to `total`); a longer one was someone else's (counted in `gaps`). A client
 * takes both before and after a measured operation: the operation's own instructions
 * are the delta less what `total` grew, and `gaps` says how often the soaker was
 * interrupted meanwhile. `last` is its latest read of the counter: a client woken by
 * an interrupt that stopped the soaker measures from there (the frame benchmark).
 */
#ifndef BENCH_SOAK_H
#define BENCH_SOAK_H

#include <stdint.h>

#define SOAK_GAP 400

struct soak {
	volatile uint64_t total;	/* instructions the soaker ran, in steps of at most SOAK_GAP */
	volatile uint64_t gaps;		/* steps longer than that: others ran */
	volatile uint64_t last;		/* the counter at the soaker's latest read */
	volatile uint64_t stop;		/* set by the client: the soaker returns */
};

#endif
