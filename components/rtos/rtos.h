/*
 * rtos.h: the rtos component's internals. The component is the RTOS's scheduler and
 * process manager (docs/rtos.md):
 *
 *   main.c   the scheduler thread S: start-up, timer interrupts, idling, reaping
 *   sched.c  the run queue, the scheduler lock, switching, block points, timers
 *   proc.c   processes and threads: address spaces, images, teardown
 *   gates.c  the calls processes make (cairn/rtos_abi.h): decode, check, invoke
 *
 * One core. Scheduling decisions are made by whichever thread holds the scheduler
 * lock (a process thread inside a gate, or S) and it switches to the chosen thread
 * itself. The lock is only ever held by the running thread; when the timer preempts a
 * thread that holds it, or one that has decided on a switch but not yet made it, S
 * sends it back to finish (see sched.c).
 */
#ifndef RTOS_INTERNAL_H
#define RTOS_INTERNAL_H

#include <cairn/build.h>
#include <cairn/cairn.h>
#include <cairn/rtos_abi.h>

#define MAX_PROCS    16
#define MAX_THREADS  40		/* each may hold a gate stack while it waits in here */
#define MAX_BPS      256
#define MAX_TIMERS   64
#define NPRIO        256
#define PROC_PAGES   1024	/* pages mapped into one process, at most */
#define PROC_NODES   32		/* page-table nodes of one process, at most */
#define PAGE         4096UL

enum tstate { T_FREE = 0, T_READY, T_RUNNING, T_BLOCKED, T_DEAD, T_ZOMBIE };

struct bp;

struct rthread {
	struct rthread *next, *prev;	/* in the run queue or a wait queue */
	struct rproc *proc;
	uint32_t tid;			/* the kernel's thread id */
	uint16_t gen;			/* handle generation */
	uint8_t prio;			/* 0 highest */
	uint8_t state;			/* enum tstate */
	uint8_t nojoin, in_rtos, stopped;
	int8_t pool;			/* gate stack held while in_rtos, -1 none */
	unsigned slot, rcv;		/* its THREAD and RCV capabilities here */
	unsigned area;			/* its stack and TLS area in the process */
	uint64_t kframe;		/* the thread object's frame */
	long woken;			/* what a blocked call returns */
	long status;			/* exit status */
	struct bp *waiting;		/* while blocked */
};

struct bp {				/* a block point: a wait queue with stored wake-ups */
	uint16_t gen;
	uint8_t used;
	uint8_t proc;			/* owner process index */
	uint32_t tokens;		/* wake-ups that found no waiter */
	uint32_t ghosts;		/* waiters that ended while blocked */
	struct rthread *head;		/* waiters, by priority, FIFO among equals */
};

struct rtimer {
	uint16_t gen;
	uint8_t used, armed;
	uint8_t proc;
	uint64_t expiry, period;	/* TSC */
	uint64_t fired;			/* expiries not yet waited for */
	struct rtimer *next;		/* the armed list, by expiry */
	struct bp *bp;			/* its waiters */
};

struct page {
	uint64_t va, frame;
};

struct node {				/* a page-table node made for a process */
	uint64_t va;
	unsigned slot, level;
	uint64_t frame;
};

struct rproc {
	uint16_t gen;
	uint8_t used, dying, reported;
	char name[CAIRN_NAME_MAX];
	unsigned ct, leaf, pt, comp, keeper;	/* slots here */
	uint64_t ct_frame, leaf_frame, pt_frame, comp_frame;
	uint64_t root_frame;
	uint64_t entry;
	unsigned nthreads;		/* alive */
	uint64_t areas;			/* bitmap of thread areas in use */
	long status;
	unsigned npages, nnodes;
	uint64_t heap_next;		/* where mem_get_pages looks next */
	struct page page[PROC_PAGES];
	struct node node[PROC_NODES];
};

struct sched {
	volatile int locked;		/* a scheduling decision is being made */
	struct rthread *current;	/* the thread running or being switched to; 0: S */
	uint64_t map[NPRIO / 64];	/* priorities with ready threads */
	struct rthread *rq[NPRIO];	/* ready threads: circular lists, head = next */
	uint64_t slice, slice_end;	/* round robin among equals */
	uint64_t armed;			/* the deadline the timer is set for, 0: none */
	struct rtimer *timers;		/* armed, soonest first */
};

extern struct sched sched;
extern struct rthread threads[MAX_THREADS];
extern struct rproc procs[MAX_PROCS];
extern struct cairn_alloc mem;
extern const struct cairn_root *root;

/* sched.c: all but sched_lock take and leave the lock as they say */
void sched_lock(void);
void sched_unlock(void);
void rq_add(struct rthread *t, int front);		/* locked */
void rq_remove(struct rthread *t);			/* locked */
struct rthread *rq_take(void);				/* locked; 0 if none */
void sched_switch(struct rthread *next);		/* locked; returns unlocked */
void sched_reschedule(struct rthread *self);		/* locked; returns unlocked */
void sched_preempt(struct rthread *self);		/* locked; returns unlocked */
long sched_yield(struct rthread *self);
long bp_block(struct rthread *self, struct bp *bp);
long bp_wake(struct rthread *self, struct bp *bp);
void bp_wake_all(struct bp *bp, long result);		/* locked */
void bp_unwait(struct rthread *t);			/* locked */
void timer_arm(struct rtimer *t);			/* locked */
void timer_disarm(struct rtimer *t);			/* locked */
void timers_expire(uint64_t now);			/* locked */
long timer_wait(struct rthread *self, struct rtimer *t);
uint64_t sched_deadline(void);				/* locked */
void sched_make_ready(struct rthread *t);		/* locked */

/* proc.c */
struct rthread *thread_by_tid(uint32_t tid);
struct rthread *thread_new(struct rproc *p, uint64_t entry, unsigned prio, uint64_t stack, long *err);
void thread_end(struct rthread *t, long status);	/* locked: it runs no more */
void reap(void);					/* locked, S only */
struct rproc *proc_create(const char *name, const void *elf, uint64_t len, unsigned prio, long *err);
void proc_end(struct rproc *p, long status);		/* locked */
unsigned proc_alive(struct rproc *p);
long proc_mem_get(struct rproc *p, uint64_t at, uint64_t len, uint64_t align, uint64_t *va);
long proc_mem_free(struct rproc *p, uint64_t at, uint64_t len);
long rtos_stat(struct rproc *p, unsigned what);
const char *thread_msg(struct rthread *t);

/* gates.c */
void proc_objects_free(struct rproc *p);		/* locked */

/* main.c */
extern unsigned s_rcv;

#endif
