/*
 * rch.h: the channel, shared-memory and event conformance program (tests/rtos/rtos_chan)
 * shares these: TEST lines (as tests/rtos/rtos_conf's rc.h), a tally of the cases of
 * one check, time, and starting and joining the threads the tests run. Every area
 * starts and ends with the main thread at RTOS_PRIO_DEFAULT, alone: each test joins or
 * kills what it started, and closes or destroys what it made.
 */
#ifndef RCH_H
#define RCH_H

#include <cairn/cairn.h>
#include <cairn/rtos.h>
#include <cairn/rtos_abi.h>
#include "rch_proto.h"

#define RCH_HUNG (-1000)		/* rch_join's result for a thread that did not end */
#define RCH_KERNEL_PTR   ((void *)0xffff800000000000UL)
#define RCH_UNMAPPED_PTR ((void *)0x500000000000UL)
#define RCH_HIGH_PTR     ((void *)0x7ff000000000UL)	/* unmapped, above every thread's area */
#define RCH_BAD_GEN ((0x7777UL << 16) | 1)	/* a generation no object has */

/* Prints "TEST id name PASS|FAIL detail". Returns ok. */
#define rch_check cairn_report
/* A check that got equals want. */
int rch_eq(const char *id, const char *name, long got, long want);

/*
 * The cases of one check: rch_want records each, and the text of the failed ones;
 * rch_done prints the check (PASS if every case held) and resets the tally.
 */
struct rch_cases {
	unsigned n, bad;
	char why[200];
};
int rch_want(struct rch_cases *c, int ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A case that got equals want. */
int rch_want_eq(struct rch_cases *c, const char *what, long got, long want);
int rch_done(const char *id, const char *name, struct rch_cases *c);

/* Time stamp counter ticks in us microseconds. */
uint64_t rch_ticks(uint64_t us);
/* Ticks as microseconds. */
uint64_t rch_us(uint64_t ticks);
/* Blocks for us microseconds on a timer of its own; timer_wait's result. */
int rch_sleep(uint32_t us);

/* A thread running fn, rel levels less urgent than the caller (rel < 0: more urgent). */
thread_t rch_spawn(void (*fn)(void), int rel);
/*
 * t's exit status once it has ended (sleeping meanwhile, so that any priority runs);
 * RCH_HUNG if it has not ended within us microseconds, having killed it.
 */
int rch_join_within(thread_t t, uint64_t us);
/* rch_join_within a second. */
int rch_join(thread_t t);

/* The areas, in the order main runs them. */
void rch_chan(void);
void rch_shm(void);
void rch_evt(void);
void rch_cross(void);
/*
 * The EFAULT checks, each in a process of its own (rch.c): a library that touches a
 * bad pointer itself ends its process. 1 if the check passed.
 */
int rch_chan_faults(void);
int rch_evt_faults(void);

#endif
