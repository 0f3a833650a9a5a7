/*
 * rc.h: the RTOS conformance program (tests/rtos/rtos_conf) shares these: TEST lines,
 * time in time stamp counter ticks, and starting and joining the threads the tests
 * run. Every area (threads.c, sync.c, timers.c, sched.c, edf.c) starts and ends with the
 * main thread at RTOS_PRIO_DEFAULT, alone: each test joins or kills what it started.
 */
#ifndef RC_H
#define RC_H

#include <cairn/cairn.h>
#include <cairn/rtos.h>

#define RC_HUNG (-1000)		/* rc_join's result for a thread that did not end */

/* "TEST id name PASS|FAIL detail" (the detail on a PASS too: it carries measurements). */
#define rc_check cairn_report
/* A check that got equals want. */
int rc_eq(const char *id, const char *name, long got, long want);

/* Time stamp counter ticks in us microseconds, as librtos converts a struct time. */
uint64_t rc_ticks(uint64_t us);
/* Ticks as nanoseconds. */
uint64_t rc_ns(uint64_t ticks);
/* Busy for us microseconds (the caller stays runnable: it can be preempted). */
void rc_spin(uint64_t us);
/* Blocks for us microseconds on a timer of its own; timer_wait's result. */
int rc_sleep(uint32_t us);

/*
 * A thread running fn, rel levels less urgent than the caller (rel < 0: -rel levels
 * more urgent; 0: the caller's priority). 0 if it could not be created.
 */
thread_t rc_spawn(void (*fn)(void), int rel);
/* A thread running fn at priority prio. */
thread_t rc_spawn_at(void (*fn)(void), unsigned prio);
/*
 * t's exit status once it has ended (sleeping meanwhile, so that any priority runs);
 * RC_HUNG if it has not ended within a second, having killed it so that the program
 * still ends.
 */
int rc_join(thread_t t);

void rc_threads(void);
void rc_sync(void);
void rc_timers(void);
void rc_sched(void);
void rc_edf(void);

#endif
