/*
 * rtos.h: the rtos component's internals. The component is the RTOS's scheduler and
 * process manager (docs/rtos.md):
 *
 *   main.c   the scheduler thread S: start-up, timer interrupts, idling, reaping
 *   sched.c  the run queue, the scheduler lock, switching, block points, timers
 *   proc.c   processes and threads: address spaces, images, teardown
 *   share.c  shared memory regions and channels (rings in regions, their ends)
 *   watch.c  what event sets watch, and polling sources for them
 *   gates.c  the calls processes make (cairn/rtos_abi.h): decode, check, invoke
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
#include <cairn/romfs.h>
#include <cairn/rtos_abi.h>
#include <cairn/sysdesc.h>

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

/* This component's window region: TLS pages of threads, channel headers, a fill page. */
#define WIN_VA       CAIRN_RTOS_WINDOW_VA	/* cairn/layout.h */
#define TLS_WIN(i)   (WIN_VA + (uint64_t)(i) * PAGE)
#define CHAN_WIN(i)  (WIN_VA + (64 + (uint64_t)(i)) * PAGE)
#define IMAGE_WIN    (WIN_VA + 128 * PAGE)	/* SHM_PAGES pages: an image to load */
#define FILL_WIN     (WIN_VA + 511 * PAGE)

enum tstate {
	T_FREE = 0, T_READY, T_RUNNING, T_BLOCKED,
	T_THROTTLED,			/* EDF, its budget spent: waits for its next period */
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
	uint8_t core;			/* the core it runs on, for its life */
	struct rcore *rc;		/* that core's scheduling: &sched.core[core] */
	int8_t pool;			/* gate stack held while in_rtos, -1 none */
	unsigned slot, rcv;		/* its THREAD and RCV capabilities here */
	unsigned area;			/* its stack and TLS area in the process */
	uint64_t kframe;		/* the thread object's frame */
	uint64_t slice_left;		/* preempted: what is left of its slice */
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

/* Not ended: running, ready, blocked or throttled. */
static inline int thread_alive(const struct rthread *t)
{
	return t->state == T_READY || t->state == T_RUNNING || t->state == T_BLOCKED || t->state == T_THROTTLED;
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
	uint64_t frame;			/* low 12 bits: a shared region's index + 1, or 0 */
};

struct node {				/* a page-table node made for a process */
	uint64_t va;
	unsigned slot, level;
	uint64_t frame;
};

struct rproc {
	uint16_t gen;
	uint8_t used, dying, reported;
	uint8_t ceiling;		/* the most urgent priority its threads may have */
	uint64_t parent;		/* its creator's handle (RTOS_K_PROC), 0: none */
	char name[CAIRN_NAME_MAX];
	unsigned ct, leaf, pt, comp, keeper;	/* slots here */
	uint64_t ct_frame, leaf_frame, pt_frame, comp_frame;
	uint64_t root_frame;
	uint64_t entry;
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
	volatile uint8_t ready;		/* S has its timer and runs */
};

struct sched {
	volatile uint32_t lock;		/* 0 free, else the holder's core + 1 */
	uint32_t kicks;			/* cores whose S must look again: sent at unlock */
	uint32_t deaths;		/* cores with a thread that ended: their S reaps */
	unsigned ncores;
	uint64_t slice;			/* round-robin time slice */
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

struct chend {				/* one process's end of a channel */
	uint16_t gen;
	uint8_t used, dir;		/* RTOS_END_SEND or _RECV */
	uint8_t proc;
	uint8_t chan;
	uint16_t chan_gen;		/* the channel it was opened on (it may be gone) */
	uint64_t va, bytes;		/* where the ring is mapped in the process */
};

extern struct sched sched;
extern struct bp bps[MAX_BPS];
extern struct rtimer timers[MAX_TIMERS];
extern struct shm shms[MAX_SHM];
extern struct chan chans[MAX_CHANS];
extern struct chend ends[MAX_ENDS];

/*
 * A handle (cairn/rtos_abi.h) of kind into n objects whose generations are at gen
 * with stride bytes between them: the index, or -1 if it names none of them.
 *
 * Locked, as everything a handle leads to: a handle is looked up, checked (its
 * generation, the object in use, owned by the calling process) and the object used
 * under one hold of sched.lock. Once the lock is released the slot may be freed and
 * taken by another process's object, whatever was checked before (sched.c: only a
 * running thread holds the lock, but any thread can be preempted before it takes it).
 */
static inline long handle_index(uint64_t h, unsigned kind, unsigned n, const uint16_t *gen, size_t stride)
{
	uint64_t i = (h & 0xffff) - 1;

	if (RTOS_HANDLE_KIND(h) != kind || i >= n ||
	    RTOS_HANDLE_GEN(h) != *(const uint16_t *)((const char *)gen + i * stride))
		return -1;
	return (long)i;
}
#define HANDLE_INDEX(h, kind, table) \
	handle_index(h, kind, sizeof(table) / sizeof(table[0]), &table[0].gen, sizeof(table[0]))

extern struct rthread threads[MAX_THREADS];
extern struct rproc procs[MAX_PROCS];
extern struct cairn_alloc mem;
extern const struct cairn_root *root;

/* sched.c: all but sched_lock take and leave the lock as they say */
void sched_lock(unsigned core);				/* for a thread of core */
void sched_unlock(void);				/* then kicks the cores told */
void rq_add(struct rthread *t, int front);		/* locked; its core's queue */
void rq_remove(struct rthread *t);			/* locked */
struct rthread *rq_take(struct rcore *k);		/* locked; 0 if none */
void sched_switch(struct rcore *k, struct rthread *next);	/* locked; returns unlocked */
void sched_reschedule(struct rthread *self);		/* locked; returns unlocked */
void sched_preempt(struct rthread *self);		/* locked; returns unlocked */
void sched_poke(unsigned core);				/* locked: core's S looks again */
long sched_yield(struct rthread *self);
long bp_block(struct rthread *self, struct bp *bp);	/* locked; returns unlocked */
long bp_wake(struct rthread *self, struct bp *bp);	/* locked; returns unlocked */
struct rthread *bp_post(struct bp *bp);			/* locked */
void bp_wake_all(struct bp *bp, long result);		/* locked */
void bp_unwait(struct rthread *t);			/* locked */
void timer_arm(struct rtimer *t);			/* locked: on the holder's core */
void timer_disarm(struct rtimer *t);			/* locked */
void timers_expire(unsigned core, uint64_t now);	/* locked */
long timer_wait(struct rthread *self, struct rtimer *t);	/* locked; returns unlocked */
uint64_t sched_deadline(struct rcore *k);		/* locked */
void edf_release_due(unsigned core, uint64_t now);	/* locked */

/* Locked: the core of the thread holding the lock. */
static inline unsigned sched_holder(void)
{
	return sched.lock - 1;
}

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
	if (__builtin_expect(sched.core[core].throttled != 0, 0))
		edf_release_due(core, now);
}
void edf_unthrottle(struct rthread *t);			/* locked */
long sched_place(const struct rthread *caller, uint64_t *word, unsigned *core);
long sched_check(struct rthread *t, uint64_t word, unsigned core, unsigned ceiling);	/* locked */
void sched_apply(struct rthread *t, uint64_t word);	/* locked */
void sched_make_ready(struct rthread *t);		/* locked */
struct bp *bp_new(unsigned proc, unsigned mode);	/* locked; 0 if none left */
void bp_free(struct bp *bp, long result);		/* locked; waiters return result */

/* proc.c */
struct rthread *thread_by_tid(uint32_t tid);	/* without the lock: see proc.c */
struct rthread *thread_new(struct rproc *p, uint64_t entry, uint64_t sched_word, uint64_t stack, unsigned core,
			   long *err);
void thread_end(struct rthread *t, long status);	/* locked: it runs no more */
void reap(unsigned core);				/* locked, that core's S only */
struct rproc *proc_create(const char *name, const void *elf, uint64_t len, uint64_t sched_word, unsigned core,
			  uint64_t limits, long *err);
struct rproc *proc_start(const char *path, uint64_t sched_word, unsigned core, uint64_t limits,
			 long *err);	/* locked */
void proc_end(struct rproc *p, long status);		/* locked */
unsigned proc_alive(struct rproc *p);
long proc_mem_get(struct rproc *p, uint64_t at, uint64_t len, uint64_t align, uint64_t *va);
long proc_mem_free(struct rproc *p, uint64_t at, uint64_t len);
long rtos_stat(struct rproc *p, unsigned what);
const char *thread_msg(struct rthread *t);
struct rtos_tls *thread_tls(struct rthread *t);
long proc_map_frames(struct rproc *p, const uint64_t *frame, unsigned n, unsigned tag, uint64_t *va);
long proc_adopt_pages(struct rproc *p, uint64_t at, unsigned n, unsigned tag, uint64_t *frame);
void space_unmap(struct rproc *p, uint64_t lo, uint64_t hi);
long window_map(uint64_t va, uint64_t frame);

/* share.c: all locked */
struct shm *shm_new(unsigned owner, const char *name, unsigned npages, long *err);
struct shm *shm_adopt(struct rproc *p, const char *name, uint64_t at, unsigned npages, long *err);
struct shm *shm_named(const char *name);
long shm_map(struct rproc *p, struct shm *s, uint64_t *va);
void shm_destroy(struct shm *s);
void shm_unmapped(unsigned index);
struct chan *chan_create(struct rproc *p, const char *name, uint32_t size, uint32_t len, unsigned mpmc, long *err);
struct chan *chan_named(const char *name);
struct chend *chan_open(struct rproc *p, struct chan *c, unsigned dir, long *err);
void chan_close(struct chend *e);
void chan_destroy(struct chan *c);
struct chan *end_chan(struct chend *e);			/* its channel, 0 if destroyed */
uint64_t end_handle(struct chend *e);
void chan_notify(struct chan *c, unsigned side);
void share_proc_end(struct rproc *p);

/* watch.c: all locked */
long watch_add(uint64_t key, struct bp *bp);
long watch_remove(uint64_t key, struct bp *bp);
void watch_notify(uint64_t key);
void watch_drop(struct bp *bp);
void watch_forget(uint64_t key);
unsigned watch_count(void);

/* gates.c */
void proc_objects_free(struct rproc *p);		/* locked */

/* main.c */
#define ROMFS_MODULE "rtos.romfs"
long rtos_file(const char *path, const void **data, uint64_t *len);

#endif
