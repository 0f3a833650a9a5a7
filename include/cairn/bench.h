/*
 * cairn/bench.h: measuring in guest instructions. Under QEMU with -icount shift=0 the
 * time stamp counter advances by exactly one per guest instruction, so an rdtsc delta
 * is an exact, repeatable instruction count (on hardware it is cycles). A benchmark
 * takes many samples, each of a batch of operations, and reports the median and the
 * minimum per operation, with the cost of reading the counter taken out.
 */
#ifndef CAIRN_BENCH_H
#define CAIRN_BENCH_H

#include <stdint.h>
#include "cairn.h"

static inline uint64_t bench_rdtsc(void)
{
	return cairn_cycles();
}

#define BENCH_SAMPLES 201	/* odd: the median is one sample */
#define BENCH_WARMUP  20

struct bench_result {
	uint64_t median;
	uint64_t min;
};

/* Sorts the samples and reads off median and minimum. */
struct bench_result bench_summarize(uint64_t *samples, unsigned n);
/* Prints "BENCH <name> median=<n> min=<n> unit=instructions per=<per>". */
void bench_report(const char *name, struct bench_result r, const char *per);
/* The same in another unit (wall-clock runs: "cycles", "permille"). */
void bench_report_unit(const char *name, struct bench_result r, const char *unit, const char *per);
/*
 * Summarises n samples of ops operations each (sorting them) and prints the figures
 * per operation with bench_report.
 */
void bench_report_ops(const char *name, const char *per, uint64_t *samples, unsigned n, unsigned ops);
/* The counter's own cost: the delta of two back-to-back reads. */
uint64_t bench_overhead(void);

/*
 * A raw round trip: bench_raw_entry is a gate entry that returns BENCH_RAW_RESULT at
 * once (no stack), bench_raw_call calls a gate to it with nothing but the syscall
 * instruction and the callee-saved registers a gate leaves to the server.
 */
#define BENCH_RAW_RESULT 7
extern char bench_raw_entry[];

static inline long bench_raw_call(unsigned gate)
{
	long rax;
	__asm__ volatile("push %%rbx\n push %%rbp\n push %%r12\n push %%r13\n push %%r14\n push %%r15\n"
			 "syscall\n"
			 "pop %%r15\n pop %%r14\n pop %%r13\n pop %%r12\n pop %%rbp\n pop %%rbx\n"
			 : "=a"(rax)
			 : "a"(CAIRN_CALL(gate, CAIRN_OP_SINV_CALL))
			 : "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory");
	return rax;
}

#endif
