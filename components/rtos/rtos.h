/*
 * rtos.h: the rtos component's internals. The component is the RTOS's scheduler and
 * process manager (docs/rtos.md). Its files are layers, each calling only the ones
 * below it (tests/tools/test_layers.py checks that no file calls back up):
 *
 *   main.c     the scheduler threads S: start-up, timer interrupts, idling, reaping
 *   gates.c    the table of the gate entries, made from RTOS_CALLS; the keeper
 *   gates_*.c  the calls (cairn/rtos_abi.h) by family, and their entries (gates.h)
 *   run.c      the "rtos" interface: programs started at other components' request
 *   handle.h   who calls, what a handle names (looked up under the lock): inline
 *   life.c     processes' lives: created with a main thread, ended, reaped
 *   share.c    shared memory regions and channels (rings in regions, their ends)
 *   thread.c   threads: made, ended, freed; found by kernel thread id
 *   proc.c     a process made and unmade: image, Root page, tables, gates, keeper
 *   budget.c   processes' budgets: their tcaps, refilled each period; starved threads
 *   space.c    kernel objects recorded; processes' address spaces and heap pages
 *   timer.c    timers: armed per core, fired by its S
 *   sock.c     sockets: the client of one socket link to `net`, its sockets owned by processes
 *   ports.c    the rtos component's described ports, lent to processes one at a time
 *   watch.c    what event sets watch, and their notification
 *   bp.c       block points: wait queues with stored wake-ups (bp.h: inline parts)
 *   policy.c   a thread's scheduling word: admission (EDF bandwidth), taking it
 *   sched.c    the scheduler lock, run queues with EDF budgets, switching
 *   lease.c    the view processes read: leases to switch between their own threads
 *   state.c    the state: Root page, memory, the file system, every table
 *
 * One scheduler thread per core the system has (S_k; S_0 is the first thread), each
 * bound to its core's timer, with its core's run queues (struct rcore). Scheduling
 * decisions are made by whichever thread holds the one scheduler lock (a process
 * thread inside a gate, or an S) and it switches to the chosen thread of its own core
 * itself; a thread it makes ready on another core, if more urgent than what runs
 * there, is told to that core's S by an asynchronous send (a kick), after the lock
 * is released. The lock is only ever held by a running thread; when the timer or a
 * kick preempts a thread that holds it, or one that has decided on a switch but not
 * yet made it, the S of its core sends it back to finish (see sched.c).
 */
#ifndef RTOS_INTERNAL_H
#define RTOS_INTERNAL_H

#include <cairn/build.h>
#include <cairn/cairn.h>
#include <cairn/gate.h>
#include <cairn/romfs.h>
#include <cairn/rtos_abi.h>
#include <cairn/port.h>
#include <cairn/sock.h>
#include <cairn/sysdesc.h>
#include "cpu.h"

#define MAX_CORES    CAIRN_SD_RTOS_CORES	/* cores the rtos schedules, at most */
#define MAX_PROCS    16
#define MAX_THREADS  40		/* each may hold a gate stack while it waits in here */
#define MAX_BPS      256
#define MAX_TIMERS   64
#define NPRIO        256
#define PROC_PAGES   1024	/* pages mapped into one process, at most */
#define PROC_NODES   32		/* page-table nodes of one process, at most */
#define MAX_SHM      96		/* shared regions, channel rings included */
#define SHM_PAGES    64		/* 256 KiB per region at most */
#define MAX_CHANS    64
#define MAX_ENDS     128
#define MAX_WATCH    256
#define PAGE         4096UL
#define NO_PROC      0xff		/* owner of objects that belong to no process */
#define NET_RX_UDP_SOCK 12		/* link buffers lent to net to receive into, per UDP socket */
#define NET_RX_TCP_SOCK 4		/* ... per TCP connection (8 KiB of its window) */
#define NET_TX_SOCK  4			/* link buffers at net to send from, per socket (rx + tx <= SOCK_BUFS) */
#define PROC_DEFAULT_PRIO 128		/* the main thread of /etc/init and of a program run.c starts */
#define NET_PENDS    (2 * MAX_THREADS)	/* commands waiting for net's answer (threads ended while waiting included) */

/* This component's window region: TLS pages of threads, channel headers, a fill page. */
#define WIN_VA       CAIRN_RTOS_WINDOW_VA	/* cairn/layout.h */
#define TLS_WIN(i)   (WIN_VA + (uint64_t)(i) * PAGE)
#define CHAN_WIN(i)  (WIN_VA + (64 + (uint64_t)(i)) * PAGE)
#define IMAGE_WIN    (WIN_VA + 128 * PAGE)	/* SHM_PAGES pages: an image to load */
#define REPORT_WIN(i) (WIN_VA + (384 + (uint64_t)(i)) * PAGE)	/* a thread's crash report reads its stack */
#define VIEW_WIN     (WIN_VA + 510 * PAGE)	/* the view (lease.c) */
#define FILL_WIN     (WIN_VA + 511 * PAGE)
_Static_assert(128 + SHM_PAGES <= 384 && 384 + MAX_THREADS <= 510, "the windows do not overlap");
_Static_assert(MAX_THREADS <= RTOS_LOCAL_SLOTS && MAX_CORES == RTOS_VIEW_CORES, "the view and the local slots fit");


enum tstate {
	T_FREE = 0, T_READY, T_RUNNING, T_BLOCKED,
	T_THROTTLED,			/* EDF, its budget spent: waits for its next period */
	T_STARVED,			/* its process's tcap is spent: waits for the refill (budget.c) */
	T_DEAD, T_ZOMBIE,
};

struct bp;
struct rcore;

struct rthread {
	struct rthread *next, *prev;	/* in the run queue or a wait queue */
	struct rproc *proc;
	uint32_t tid;			/* the kernel's thread id */
	uint16_t gen;			/* handle generation */
	uint8_t prio;			/* 0 highest */
	uint8_t state;			/* enum tstate */
	uint8_t nojoin, in_rtos, stopped;
	uint8_t parked;			/* waiting in bp_block_lease, which does nothing after: bp_return may end the call */
	uint8_t lent;			/* on the rtos's tcap to finish a decision (main.c): dispatched on its own */
	uint8_t core;			/* the core it runs on, for its life */
	struct rcore *rc;		/* that core's scheduling: &sched.core[core] */
	int8_t pool;			/* gate stack held while in_rtos, -1 none */
	unsigned slot, rcv;		/* its THREAD and RCV capabilities here */
	unsigned area;			/* its stack and TLS area in the process */
	uint64_t kframe;		/* the thread object's frame */
	uint64_t slice_left;		/* preempted: what is left of its slice */
	uint64_t slice;			/* its whole slice: its weight's (policy.c) */
	/*
	 * Earliest deadline first (edf set): within one period [release, release +
	 * window) it runs at most budget, ahead of the fixed-priority threads of its
	 * level and of the EDF threads with a later deadline. TSC ticks.
	 */
	uint8_t edf;
	uint64_t budget, window, reldl;	/* its parameters */
	uint64_t release, deadline;	/* the current period and its absolute deadline */
	uint64_t budget_left;		/* in this period */
	uint64_t run_start;		/* running since, 0 if not running (or fixed) */
	uint64_t sched_word;		/* as asked for (RTOS_SCHED) */
	long woken;			/* what a blocked call returns */
	long status;			/* exit status */
	struct bp *waiting;		/* while blocked */
};

/*
 * t, inside a gate, will not run here again (it ended, or returned on its behalf:
 * bp.c): the gate stack it held goes back to the pool.
 */
static inline void gate_stack_free(struct rthread *t)
{
	if (t->in_rtos && t->pool >= 0)
		__atomic_and_fetch(&cairn_stack_map, ~(1UL << t->pool), __ATOMIC_RELEASE);
	t->in_rtos = 0;
	t->pool = -1;
}

/* Not ended: running, ready, blocked or throttled. */
static inline int thread_alive(const struct rthread *t)
{
	return t->state == T_READY || t->state == T_RUNNING || t->state == T_BLOCKED || t->state == T_THROTTLED ||
	       t->state == T_STARVED;
}

enum bp_mode {
	BP_COUNTING,			/* every wake-up stored; ended waiters leave ghosts */
	BP_PLAIN,			/* every wake-up stored; no ghosts */
	BP_BINARY,			/* at most one wake-up stored; no ghosts */
};

struct bp {				/* a block point: a wait queue with stored wake-ups */
	uint16_t gen;
	uint8_t used;
	uint8_t proc;			/* owner process index */
	uint8_t mode;			/* enum bp_mode */
	uint32_t tokens;		/* wake-ups that found no waiter */
	uint32_t ghosts;		/* waiters that ended while blocked */
	struct rthread *head;		/* waiters, by priority, FIFO among equals */
};

struct rtimer {
	uint16_t gen;
	uint8_t used, armed;
	uint8_t proc;
	uint8_t core;			/* armed: whose list it is on (the arming thread's core) */
	uint64_t expiry, period;	/* TSC */
	uint64_t fired;			/* expiries not yet waited for */
	struct rtimer *next;		/* the armed list, by expiry */
	struct bp *bp;			/* its waiters */
};

struct page {
	uint64_t va;
	uint64_t frame;			/* low 12 bits: a shared region's index + 1, VIEW_TAG, or 0 */
};
#define VIEW_TAG (MAX_SHM + 1)		/* the view's page (lease.c): this component's own */

struct node {				/* a page-table node made for a process */
	uint64_t va;
	unsigned slot, level;
	uint64_t frame;
};

struct rtcap {				/* a process's time capability (budget.c) */
	unsigned users;			/* processes running on it; 0: free */
	unsigned slot, holder;		/* the TCAP capability here; the thread object it lives in */
	uint64_t frame;			/* the holder's */
	uint64_t budget, period;	/* TSC ticks */
	uint64_t refill_at;		/* its next period boundary */
	unsigned prio;			/* the kernel's: the rtos's own + the process's ceiling */
};

struct rproc {
	uint16_t gen;
	uint8_t used, dying, reported;
	uint8_t ceiling;		/* the most urgent priority its threads may have */
	uint64_t parent;		/* its creator's handle (RTOS_K_PROC), 0: none */
	struct rtcap *tc;		/* the tcap its threads run on (budget.c); 0: the rtos's */
	char name[CAIRN_NAME_MAX];
	unsigned ct, leaf, pt, comp, keeper;	/* slots here */
	uint64_t ct_frame, leaf_frame, pt_frame, comp_frame;
	uint64_t root_frame;
	uint64_t entry;
	uint64_t text_lo, text_hi;	/* its image's code (a crash report: gates_proc.c) */
	unsigned nthreads;		/* alive */
	unsigned max_pages, max_threads;	/* its limits (resources; 0: none) */
	uint64_t areas;			/* bitmap of thread areas in use */
	long status;
	unsigned npages, nnodes;
	struct page page[PROC_PAGES];
	struct node node[PROC_NODES];
};

struct rcore {				/* one core's scheduling; its S decides when nobody else does */
	struct rthread *current;	/* the thread running or being switched to; 0: S */
	uint64_t map[NPRIO / 64];	/* priorities with ready threads */
	struct rthread *rq[NPRIO];	/* ready threads: circular lists, head = next */
	uint64_t slice_end;		/* round robin among equals */
	uint64_t armed;			/* the deadline the timer is set for, 0: none */
	struct rtimer *timers;		/* armed here, soonest first */
	struct rthread *throttled;	/* EDF threads out of budget, soonest release first */
	unsigned self, rcv, wake;	/* S's thread, its receive endpoint, a send to it (slots) */
	unsigned lease_end;		/* its lease's level + 1 (lease.c); 0: none */
	const struct rproc *lease_proc;	/* ... and whose it is */
	uint8_t lease_holder;		/* the last lease's holder: its round robin is the holder, then */
	uint8_t leased_once;		/* the view's threads (both kept after it ends: sched_adopt) */
	uint64_t slice_start;		/* when the slice that ends at slice_end began */
	struct rthread *deciding;	/* the thread that decided the switch being made (sched_switch) */
	volatile uint8_t ready;		/* S has its timer and runs */
};

struct sched {
	volatile uint32_t lock;		/* 0 free, else the holder's core + 1 */
	uint32_t kicks;			/* cores whose S must look again: sent at unlock */
	uint32_t deaths;		/* cores with a thread that ended: their S reaps */
	unsigned ncores;
	uint8_t stops;			/* a thread stopped in the kernel: S ends it */
	struct rcore core[MAX_CORES];
};

struct shm {				/* a shared memory region */
	uint16_t gen;
	uint8_t used, destroyed;
	uint8_t owner;			/* creating process, or NO_PROC (a channel's ring) */
	char name[RTOS_NAME_MAX];	/* "" anonymous */
	unsigned npages;
	unsigned maps;			/* pages of it mapped anywhere */
	uint64_t frame[SHM_PAGES];
};

struct chan {
	uint16_t gen;
	uint8_t used, mpmc;
	uint8_t owner;			/* creating process */
	char name[RTOS_NAME_MAX];
	uint32_t type_size, slots, stride;
	uint64_t bytes;
	struct shm *ring;
	struct bp *bp[2];		/* [0] senders waiting for room, [1] receivers for data */
	unsigned open[2];		/* open send ends, open receive ends */
};

struct rsock {				/* socket n of the link, as processes hold it (sock.c) */
	uint16_t gen;			/* its handle's generation: moves when it closes */
	uint8_t used;			/* a process owns it */
	uint8_t owner;			/* that process's index */
	uint8_t open;			/* its handle is the owner's (else: being opened, or accepted and not yet taken) */
};

struct rport {				/* the rtos's end of red-tape port i, as processes hold it (ports.c) */
	uint16_t gen;			/* its handle's generation: moves when it closes */
	uint8_t used;			/* a process holds it */
	uint8_t owner;			/* that process's index */
	uint8_t producer;		/* the rtos's end produces (else consumes) */
	uint32_t slot_size;
	uint32_t seen_peer, seen_own;	/* the ring's cursors at the last pass (the peer's; this end's copy) */
	struct cairn_port p;		/* this end: its geometry and cursor, never the ring's */
};

struct chend {				/* one process's end of a channel */
	uint16_t gen;
	uint8_t used, dir;		/* RTOS_END_SEND or _RECV */
	uint8_t proc;
	uint8_t chan;
	uint16_t chan_gen;		/* the channel it was opened on (it may be gone) */
	uint64_t va, bytes;		/* where the ring is mapped in the process */
};

/* state.c: the tables, and what the component was given */
extern struct sched sched;
extern struct rthread threads[MAX_THREADS];
extern struct rproc procs[MAX_PROCS];
extern struct bp bps[MAX_BPS];
extern struct rtimer timers[MAX_TIMERS];
extern struct shm shms[MAX_SHM];
extern struct chan chans[MAX_CHANS];
extern struct chend ends[MAX_ENDS];
extern struct rsock rsocks[SOCK_MAX];
extern struct rport rports[CAIRN_ROOT_PORTS];
extern struct cairn_alloc mem;
extern const struct cairn_root *root;
extern struct rtos_view *view;				/* lease.c's page (state.c maps it) */
extern uint64_t view_frame;
#define ROMFS_MODULE "rtos.romfs"
void state_init(const struct cairn_root *rt);		/* first: root, mem, the file system */
long rtos_file(const char *path, const void **data, uint64_t *len);

/*
 * The gate-stack pool (cairn/gate.h): state.c sizes it for this component (every RTOS
 * thread may be waiting in here at once); a thread inside holds one.
 */
#define GATE_STACK CAIRN_GATE_STACK_SIZE

/* Locked: the core of the thread holding the lock. */
static inline unsigned sched_holder(void)
{
	return sched.lock - 1;
}

/* Locked: core's S looks at its queues again soon (at once if another core's). */
static inline void sched_poke(unsigned core)
{
	if (core != sched_holder())
		sched.kicks |= 1u << core;
}

/*
 * Whether a should run before b: a more urgent level, or the same level with a an
 * EDF thread and b a fixed one or an EDF thread with a later deadline.
 */
static inline int sched_before(const struct rthread *a, const struct rthread *b)
{
	if (a->prio != b->prio)
		return a->prio < b->prio;
	return a->edf && (!b->edf || a->deadline < b->deadline);
}


/* sched.c: all but sched_lock take and leave the lock as they say */
void sched_lock(unsigned core);				/* for a thread of core */
void sched_unlock(void);				/* then kicks the cores told */
void rq_add(struct rthread *t, int front);		/* locked; its core's queue */
void rq_remove(struct rthread *t);			/* locked */
struct rthread *rq_take(struct rcore *k);		/* locked; 0 if none */
void sched_make_ready(struct rthread *t);		/* locked */
void sched_switch(struct rcore *k, struct rthread *next);	/* locked; returns unlocked */
void sched_switch_s(struct rcore *k, struct rthread *next);	/* the same, by k's S (schedule) */
void sched_reschedule(struct rthread *self);		/* locked; returns unlocked */
void sched_preempt(struct rthread *self);		/* locked; returns unlocked */
__attribute__((noreturn)) void sched_gone(struct rthread *t);	/* locked, t ended */

/*
 * Locked, the caller about to be queued or to wait: if it was ended meanwhile
 * (thread_kill from another core while it ran here), it goes now instead, so that it
 * is never queued or blocked again (and reaped).
 */
static inline void sched_if_ended(struct rthread *self)
{
	if (unlikely(self->state == T_DEAD))
		sched_gone(self);
}
long sched_yield(struct rthread *self, int lease);
uint64_t sched_deadline(struct rcore *k);		/* locked */
long sched_place(const struct rthread *caller, uint64_t *word, unsigned *core);
void edf_release_due(unsigned core, uint64_t now);	/* locked */
void edf_period(struct rthread *t, uint64_t release);	/* locked: a period begins at release */
void edf_unthrottle(struct rthread *t);			/* locked */

/* Locked: core's next timer expiry or period release, 0 if none. */
static inline uint64_t sched_next_event(unsigned core)
{
	const struct rcore *k = &sched.core[core];
	uint64_t d = k->timers ? k->timers->expiry : 0;
	if (k->throttled && (!d || k->throttled->release < d))
		d = k->throttled->release;
	return d;
}

/* Locked: core's throttled threads whose period has begun are ready again. */
static inline void edf_release(unsigned core, uint64_t now)
{
	if (unlikely(sched.core[core].throttled != 0))
		edf_release_due(core, now);
}

void sched_adopt(struct rcore *k, struct rthread *t);	/* locked */

/* lease.c: all locked */
__attribute__((cold)) void lease_void(struct rcore *k);
int lease_grant(struct rcore *k, const struct rthread *t);

/* Locked: a thread of level prio joins or leaves k's queues: a lease there, as urgent or less, ends. */
static inline void lease_touch(struct rcore *k, unsigned prio)
{
	if (unlikely(prio < k->lease_end))
		lease_void(k);
}

/* policy.c: all locked */
long sched_check(struct rthread *t, uint64_t word, unsigned core, unsigned ceiling);
void sched_apply(struct rthread *t, uint64_t word);

/* bp.c: all locked (bp.h: bp_wait, bp_wake_all) */
struct bp *bp_new(unsigned proc, unsigned mode);	/* 0 if none left */
void bp_free(struct bp *bp, long result);		/* waiters return result */
long bp_block(struct rthread *self, struct bp *bp);	/* returns unlocked */
long bp_block_lease(struct rthread *self, struct bp *bp);	/* returns unlocked */
long bp_wake(struct rthread *self, struct bp *bp);	/* returns unlocked */
struct rthread *bp_post(struct bp *bp);
void bp_unwait(struct rthread *t);

/* watch.c: all locked */
long watch_add(uint64_t key, struct bp *bp);
long watch_remove(uint64_t key, struct bp *bp);
void watch_notify(uint64_t key);
void watch_drop(struct bp *bp);
void watch_forget(uint64_t key);
void watch_bp_free(struct bp *bp, long result);		/* bp_free for a bp that may watch */
unsigned watch_count(void);
int watch_any(uint64_t key);				/* whether any set watches key */

/* timer.c: all locked */
struct rtimer *timer_new(unsigned proc);		/* 0 if none left */
void timer_drop(struct rtimer *t);
void timer_arm(struct rtimer *t);			/* on the holder's core */
void timer_disarm(struct rtimer *t);
void timers_expire(unsigned core, uint64_t now);
long timer_wait(struct rthread *self, struct rtimer *t);	/* returns unlocked */

/* space.c: all locked */
unsigned kobj_slot(void);
unsigned kobj_make(unsigned op, unsigned level, uint64_t *frame, long *err);
void kobj_unmake(unsigned slot, uint64_t frame);
void shm_release(struct shm *s);
long space_zero(struct rproc *p, uint64_t va, unsigned rights, uint64_t *frame);
long space_view(struct rproc *p);
void space_unmap(struct rproc *p, uint64_t lo, uint64_t hi);
long proc_mem_get(struct rproc *p, uint64_t at, uint64_t len, uint64_t align, uint64_t *va);
long proc_mem_free(struct rproc *p, uint64_t at, uint64_t len);
long proc_map_frames(struct rproc *p, const uint64_t *frame, unsigned n, unsigned tag, uint64_t *va);
long proc_adopt_pages(struct rproc *p, uint64_t at, unsigned n, unsigned tag, uint64_t *frame);

/* budget.c: all locked */
void budget_init(void);					/* once, before the first process */
long budget_check(const struct rproc *creator, uint64_t cpu);	/* EINVAL, EACCES, ENOTSUP */
long budget_make(struct rproc *p, const struct rproc *creator, uint64_t cpu);
void budget_drop(struct rproc *p);
void budget_refill(uint64_t now);

extern uint64_t budget_next;				/* the next refill, 0: none */

/* Locked, an S: the budgets whose period boundary has come are refilled (budget.c). */
static inline void budget_due(uint64_t now)
{
	if (unlikely(budget_next != 0) && budget_next <= now)
		budget_refill(now);
}

/* proc.c: all locked but proc_gates */
void proc_gates(const uint64_t *entry, uint64_t keeper);	/* once, before the first process */
long window_map(uint64_t va, uint64_t frame);
long proc_view_init(void);				/* once, before the first process */
struct proc_args {			/* what a new process is made with, checked */
	uint64_t sched_word;		/* its main thread's (RTOS_SCHED, no core) */
	unsigned core;			/* its main thread's */
	uint64_t limits;		/* RTOS_LIMITS, its ceiling stated */
	uint64_t cpu;			/* its budget (RTOS_CPU), 0: none of its own */
	const struct rproc *creator;	/* 0: the rtos (the first process, a run) */
};
struct rproc *proc_new(const char *name, const void *elf, uint64_t len, const struct proc_args *a, long *err);
void proc_free(struct rproc *p);

/* thread.c */
struct rthread *thread_by_tid(uint32_t tid);	/* without the lock: see thread.c */
struct rthread *thread_new(struct rproc *p, uint64_t entry, uint64_t sched_word, uint64_t stack, unsigned core,
			   long *err);		/* locked */
void thread_end(struct rthread *t, long status);	/* locked: it runs no more */
void thread_free(struct rthread *t);			/* locked, its core's S only */
unsigned proc_alive(struct rproc *p);
const char *thread_msg(struct rthread *t);
struct rtos_tls *thread_tls(struct rthread *t);

/* share.c: all locked */
struct shm *shm_new(unsigned owner, const char *name, unsigned npages, long *err);
struct shm *shm_adopt(struct rproc *p, const char *name, uint64_t at, unsigned npages, long *err);
struct shm *shm_named(const char *name);
long shm_map(struct rproc *p, struct shm *s, uint64_t *va);
void shm_destroy(struct shm *s);
struct chan *chan_create(struct rproc *p, const char *name, uint32_t size, uint32_t len, unsigned mpmc, long *err);
struct chan *chan_named(const char *name);
struct chend *chan_open(struct rproc *p, struct chan *c, unsigned dir, long *err);
void chan_close(struct chend *e);
void chan_destroy(struct chan *c);
struct chan *end_chan(struct chend *e);			/* its channel, 0 if destroyed */
uint64_t end_handle(struct chend *e);
void chan_notify(struct chan *c, unsigned side);
void share_proc_end(struct rproc *p);

/* sock.c: all locked but sock_init; those that wait for net return unlocked */
void sock_init(void);					/* once, before the first process */
void sock_poll(void);					/* takes net's events, lends buffers */
long sock_arm(void);					/* S_0 before it idles: 0 sleep, else look again */
long sock_open(struct rthread *t, unsigned kind, uint16_t port, unsigned backlog);	/* returns unlocked */
long sock_connect(struct rthread *t, uint32_t addr, uint16_t port);			/* returns unlocked */
struct cairn_ret2 sock_accept(struct rthread *t, struct rsock *l);
long sock_send(struct rthread *t, struct rsock *s, unsigned kind, const volatile char *msg, uint64_t len,
	       uint32_t addr, uint16_t port);
struct cairn_ret2 sock_recv(struct rthread *t, struct rsock *s, unsigned kind, volatile char *msg, uint64_t len);
void sock_close(struct rsock *s);
unsigned sock_event(struct rsock *s);			/* ready events: RTOS_NET_BIT mask */
uint64_t sock_handle(const struct rsock *s);
void sock_proc_end(struct rproc *p);			/* its sockets close */
long sock_stat(struct rproc *p, unsigned what);		/* RTOS_STAT_SOCKS, RTOS_STAT_NET_BUFS */
void sock_report(void);
void sock_bye(void);					/* the RTOS ends: BYE on the link (unlocked, alone) */					/* its counts, on the console */

/* ports.c: all locked */
long port_open(struct rthread *t, const char *name);	/* a handle, or the error */
long port_send(struct rport *r, const volatile char *msg, uint64_t len);
long port_recv(struct rport *r, volatile char *msg);	/* the slot size, or the error */
void port_close(struct rport *r);
unsigned port_event(struct rport *r);			/* EVT_PORT_READ/_WRITE or EVT_NONE */
uint64_t port_handle(const struct rport *r);
void port_poll(void);					/* each S pass: watchers of changed ports look */
long port_arm(void);					/* S_0 before it idles: 0 sleep, else look again */
uint64_t port_due(uint64_t due);			/* ... and when it must look at async ports */
void port_proc_end(struct rproc *p);			/* its ports are free */
long port_stat(struct rproc *p);			/* RTOS_STAT_PORTS */

/* gates.c */
void gates_init(void);		/* before the first process: what its gates lead to */

/* run.c: S_0's side of the "rtos" interface */
void run_serve(void);		/* once it can be woken: runs are served */
void run_end(void);		/* as the RTOS ends: refused */
int run_kept(void);		/* it must not end with its last process */
void run_take(void);		/* locked, S_0: starts what was posted */

/* life.c */
struct rproc *proc_create(const char *name, const void *elf, uint64_t len, const struct proc_args *a,
			  long *err);	/* locked */
struct rproc *proc_start(const char *path, const struct proc_args *a, long *err);	/* locked */
void proc_end(struct rproc *p, long status);		/* locked */
void reap(unsigned core);				/* locked, that core's S only */

#endif
