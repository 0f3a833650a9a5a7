/*
 * obj.h: the kernel objects that live in KERNEL frames, one object per frame:
 * components and threads (table nodes are in cap.h and pgtbl.h).
 *
 * A thread's receive endpoint lives in the thread (one each); asynchronous sends,
 * receive-endpoint capabilities and invocation gates are capabilities that reference a
 * thread or a component and need no memory of their own.
 */
#ifndef KERNEL_OBJ_H
#define KERNEL_OBJ_H

#include "cap.h"
#include "regs.h"
#include "types.h"

struct comp {
	struct captbl_root *captbl;
	uint64_t *pgtbl;		/* root node, direct-map address */
	uint64_t pgtbl_phys;
	uint64_t entry;			/* where new threads start */
	uint32_t *refs;			/* its frame's reference count (frame.h), for the fast path */
	struct cap keeper;		/* a SINV copy, or empty: where faults go */
	uint32_t id;
	/*
	 * Its generation: COMP_RESTART moves it on. A thread that entered the component
	 * at an older one, and a gate minted (or renewed) at an older one, get
	 * CAIRN_ESTALE instead of running in it (sinv.c). While down (between RESTART
	 * and READY) no gate can be renewed. It never wraps: at COMP_GEN_MAX,
	 * COMP_RESTART is refused (comp.c), so an old generation never matches again.
	 */
	uint32_t gen;
	uint8_t down;
};

#define COMP_GEN_MAX UINT32_MAX		/* the last generation (gates and thread.gen[] are as wide) */
_Static_assert(sizeof(((struct comp *)0)->gen) == sizeof(((struct cap *)0)->gen), "a gate holds a generation");

enum thread_state {
	THREAD_RUNNABLE,	/* may be dispatched */
	THREAD_BLOCKED,		/* waiting on its receive endpoint */
	THREAD_STOPPED,		/* faulted without a keeper, or stopped itself */
};

/* One nested invocation: where the thread came from (the SPEEDOS system stack). */
struct inv_frame {
	struct comp *comp;
	uint64_t ip, sp;	/* where the caller resumes (regs_ip, regs_sp) */
	uint64_t flags;		/* INV_CONFINED, INV_FAULT */
};

#define INV_CONFINED CAIRN_SINV_CONFINED	/* clear the registers on return */
#define INV_FAULT    0x100			/* a keeper invocation: RETURN resumes or stops */

/*
 * The registers and FPU/SSE state of a fault, kept for its keeper: FAULT_REG reads and
 * writes them, RETURN with CAIRN_FAULT_RESUME (or unwinding a restarted keeper) puts
 * them back. One per keeper invocation a thread is in, so keepers may nest (a keeper
 * calls a gate whose component faults into another keeper): the n-th keeper invocation
 * of the invocation stack, counted from the bottom, owns fault[n] (sinv.c). A record
 * is REGS_SIZE + FPU_SIZE (688) bytes, so a thread's frame has room for
 * CAIRN_KEEPER_DEPTH of them, not one per invocation; a fault past them stops the
 * thread (docs/syscalls.md, "Faults").
 */
struct fault_rec {
	struct regs regs;
	uint8_t fpu[FPU_SIZE] __attribute__((aligned(16)));
};

#define THREAD_EVENTS 64

struct sched_event {
	uint32_t tid;
	uint32_t kind;		/* CAIRN_EVENT_* */
};

/*
 * A time capability (tcap.c): a thread may own one, made by CAPTBL_ACT_TCAP as the
 * child of another (the root is the first thread's). Its budget limits the time spent
 * on it and on every tcap below it; its priority ranks it among its siblings.
 */
struct tcap {
	uint64_t budget;	/* cycles left; CAIRN_TCAP_INF: never spent */
	struct thread *parent;	/* whose tcap it is the child of (referenced); NULL: the root */
	uint32_t prio;		/* 0 the most urgent; never above the parent's (TCAP_DELEGATE) */
	uint8_t depth;		/* 0: the root */
	uint8_t made;		/* the thread owns a tcap */
};

struct thread {
	struct regs regs;		/* first: entry.S saves into it (regs.h) */
	uint8_t fpu[FPU_SIZE] __attribute__((aligned(16)));
	struct fault_rec fault[CAIRN_KEEPER_DEPTH];	/* one per keeper invocation it is in */
	struct comp *comp;		/* the component it executes in now */
	struct comp *home;		/* where it was created */
	struct inv_frame inv[CAIRN_INV_DEPTH];
	unsigned depth;			/* frames in inv[] */
	/* gen[d]: the generation of the component entered at depth d (0: the home's) */
	uint32_t gen[CAIRN_INV_DEPTH + 1];
	uint32_t id;
	uint8_t state;			/* enum thread_state */
	uint8_t has_rcv;
	uint8_t core;			/* the core it runs on (core.h) */
	uint8_t kicked;			/* kicked while it ran: its next dispatch stays (core.c) */
	uint8_t ready;			/* on its core's ready list, and why: READY_* (core.h) */
	struct thread *ready_next;	/* the next thread on that list */
	uint32_t pending;		/* activations not yet consumed by RCV_WAIT */
	struct thread *sched;		/* the scheduler told about block and wake */
	struct thread *on;		/* whose tcap it runs on (referenced unless itself) */
	struct tcap tc;			/* its own tcap, if made */
	struct arch_thread arch;	/* the architecture's user state beside regs (regs.h) */
	unsigned ev_head, ev_count;	/* events queued for this (scheduler) thread */
	uint32_t ev_lost;		/* events that found the queue full (saturates) */
	struct sched_event ev[THREAD_EVENTS];
};

_Static_assert(__builtin_offsetof(struct thread, fpu) == REGS_FPU &&
	       __builtin_offsetof(struct fault_rec, fpu) == REGS_FPU, "fpu follows regs (arch_regs_slot)");
_Static_assert(sizeof(struct thread) <= 4096, "a thread is one frame");
_Static_assert(sizeof(struct comp) <= 4096, "a component is one frame");

static inline struct thread *thread_of(struct regs *r)
{
	return (struct thread *)r;
}

/* thread.c */
void thread_init(struct thread *t, struct comp *c, uint64_t arg);
void thread_event_slow(struct thread *sched, struct thread *t, uint32_t kind);

struct regs *thread_stop(struct thread *t, uint32_t kind);
void thread_release(struct thread *t);
/* Runs what this core's ready list holds, or waits for it (entry.S, core start). */
struct regs *thread_idle(void);
/* RCV_WAIT and ASND_SEND, for the general and the fast path: what runs next. */
struct regs *rcv_wait(struct thread *t);
struct regs *asnd_send(struct thread *self, struct thread *t, uint64_t flags);
/* An interrupt bound to t arrived while cur ran (NULL: the core was idle). */
struct regs *thread_interrupt(struct thread *t, struct regs *cur);

/*
 * What the boot core runs after t can no longer run and has no scheduler to go to
 * (NULL: idle); set by boot.c once the first program exists.
 */
extern struct regs *(*thread_boot_after)(struct thread *t);

/* boot.c: the first program. */
/* Its first thread (boot.c holds a reference), or NULL before it exists. */
struct thread *boot_main(void);
/* A name for reports: the first program's, or "thread <id>". */
const char *boot_name(struct thread *t);

/* tcap.c */
/* The budget left to a thread running on on's tcap: the least along its chain. */
extern unsigned tcap_finite;	/* tcaps with a budget (none: every chain has INF) */

static inline uint64_t tcap_left(const struct thread *on)
{
	uint64_t b = CAIRN_TCAP_INF;

	for (on = tcap_finite ? on : NULL; on; on = on->tc.parent)
		b = on->tc.budget < b ? on->tc.budget : b;
	return b;
}

void tcap_run_on(struct thread *t, struct thread *on);
void tcap_release(struct thread *t);
void tcap_switch(struct thread *on);
void tcap_deadline(uint64_t tsc);
bool tcap_preempts(const struct thread *a, const struct thread *b);
struct regs *tcap_timer(struct regs *cur, bool *deadline);

/* comp.c */
void comp_init(struct comp *c, struct captbl_root *ct, uint64_t *pt, uint64_t entry);
void comp_release(struct comp *c);

/* sinv.c: a thread whose component restarted since it entered it (t->gen is behind). */
static inline bool thread_stale(const struct thread *t)
{
	return unlikely(t->gen[t->depth] != t->comp->gen);
}
/*
 * Pops t's invocations until it is in a component at the generation it entered (each
 * popped gate call returns CAIRN_ESTALE, a popped keeper invocation gives back the
 * fault). False if its home restarted. Loads the roots it pops into: the caller
 * switches address spaces after it.
 */
bool sinv_unwind(struct thread *t);

#endif
