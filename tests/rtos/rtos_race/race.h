/*
 * race.h: what the gate-race test (tests/rtos/rtos_race, process A) and its peer
 * (tests/rtos/rtos_racepeer, process B, which includes this file) agree on.
 *
 * Each round of a case: A holds an object (a thread, block point, timer or child
 * process) and calls a gate on it, with the timer set to preempt A at a chosen
 * instruction. The preemption wakes A's helper H, which frees the object and sends
 * B RR_GO; B makes an object of the same kind, which takes the freed slot. When A
 * has run again it sends RR_CHECK, and B answers whether its object is intact: a
 * gate that checked A's handle before the preemption and used it after would have
 * acted on B's object.
 */
#ifndef RR_RACE_H
#define RR_RACE_H

#include <stdint.h>

#define RR_CMD_NAME "rr.cmd"	/* A -> B (A's main thread and its helper H) */
#define RR_ANS_NAME "rr.ans"	/* B -> A */
#define RR_LEN      4		/* queue length of both */

#define RR_PRIO_H     10	/* A's helper: first to run after the preemption */
#define RR_PRIO_B     11	/* B's main thread */
#define RR_PRIO_Y     12	/* B's thread made in a freed slot */
#define RR_CHILD_EXIT 42	/* tests/rtos/rtos_child's status */
#define RR_Z_EXIT     5		/* the status of A's ended thread (RR_STATUS) */

enum rr_case {
	RR_KILL,	/* A: THREAD_KILL(H); H exits; B: a thread */
	RR_STATUS,	/* A: THREAD_STATUS(Z), Z ended; H takes Z's status; B: a thread */
	RR_BP,		/* A: BP_DESTROY(P); H destroys P; B: a block point */
	RR_TSET,	/* A: TIMER_SET(T); H frees T; B: a timer, not started */
	RR_TCANCEL,	/* A: TIMER_CANCEL(T); H frees T; B: a timer, started */
	RR_TFREE,	/* A: TIMER_FREE(T); H frees T; B: a timer */
	RR_TWAIT,	/* A: TIMER_WAIT(T); H frees T; B: a timer that has fired */
	RR_PSTATUS,	/* A: PROC_STATUS(P), P ended; B: a process (rtos_child) */
	RR_NCASES
};

enum rr_op {
	RR_HELLO = 1,	/* B -> A: it has both ends */
	RR_GO,		/* make the case's object (it lands in the slot just freed) */
	RR_CHECK,	/* answer a[0] = 1 if that object is intact, a[1] = what showed it,
			 * a[2] = its handle (its slot must be the one A's had); then free it */
	RR_FOREIGN,	/* try A's thread a[0], block point a[1], timer a[2], ended child
			 * a[3]; answer a[i] = each call's result (enum rr_foreign) */
	RR_QUIT,	/* end with status 0 */
};

/* The calls RR_FOREIGN makes on A's handles, in answer order. */
enum rr_foreign {
	RF_KILL, RF_STATUS, RF_BP_DESTROY, RF_WAKE, RF_TSET, RF_TCANCEL, RF_TFREE, RF_TWAIT,
	RF_PSTATUS, RF_WATCH_PROC, RF_N
};

struct rr_msg {
	uint64_t op;
	uint64_t kase;
	int64_t a[RF_N];
};

#endif
