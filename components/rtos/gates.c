/*
 * gates.c: the calls a process makes (cairn/rtos_abi.h). Each gate decodes and checks
 * its arguments (the badge names the process, the kernel's thread id the thread;
 * nothing else is trusted), then invokes sched.c or proc.c. A thread of another
 * process, or a handle that names nothing alive, gets CAIRN_EBADF.
 */
#include "rtos.h"
#include <cairn/gate.h>

#define IMAGE_LO 0x400000UL
#define IMAGE_HI 0x10000000UL
#define KILLED_STATUS CAIRN_EIO		/* the exit status of a killed thread */

extern char cairn_stacks[][8192];

typedef struct cairn_ret2 ret2;

static inline ret2 r1(long r)
{
	return (ret2){ r, 0 };
}

/*
 * The calling thread, marked as inside this component on the gate stack it runs on
 * (so that a thread ended while in here gives that stack back); 0 if the caller is
 * not a thread of the badge's process.
 */
static struct rthread *enter(cairn_word badge, cairn_word tid)
{
	struct rthread *t = thread_by_tid((uint32_t)tid);
	char here;

	if (!t || badge == 0 || badge > MAX_PROCS || t->proc != &procs[badge - 1])
		return 0;
	t->pool = (int8_t)((&here - &cairn_stacks[0][0]) / 8192);
	t->in_rtos = 1;
	return t;
}

static inline ret2 leave(struct rthread *t, long r)
{
	t->in_rtos = 0;
	return r1(r);
}

/*
 * RTOS_GATE(entry, fn): the gate entry `entry` for the call fn(t, a, b, c, d), t being
 * the calling thread (CAIRN_EBADF if the caller is not one); fn's result is the
 * call's (one word).
 */
#define RTOS_GATE(entry, fn)                                                          \
	static ret2 fn##_gate(cairn_word a, cairn_word b, cairn_word c, cairn_word d,  \
			      cairn_word badge, cairn_word tid)                        \
	{                                                                             \
		struct rthread *t = enter(badge, tid);                                \
		if (!t)                                                               \
			return r1(CAIRN_EBADF);                                       \
		return leave(t, fn(t, a, b, c, d));                                   \
	}                                                                             \
	CAIRN_GATE(entry, fn##_gate)

/* A handle (generation << bits) | (index + 1) into n objects: the index, or -1. */
static long handle_index(cairn_word h, unsigned bits, unsigned n, const uint16_t *gen, size_t stride)
{
	cairn_word i = (h & ((1UL << bits) - 1)) - 1;

	if (i >= n || (h >> bits) != *(const uint16_t *)((const char *)gen + i * stride))
		return -1;
	return (long)i;
}

/* The thread a handle names in t's process; 0 if none. */
static struct rthread *thread_of(struct rthread *t, cairn_word h)
{
	long i = handle_index(h, 8, MAX_THREADS, &threads[0].gen, sizeof(threads[0]));
	struct rthread *x = i < 0 ? 0 : &threads[i];

	return x && x->state != T_FREE && x->proc == t->proc ? x : 0;
}

static struct bp bps[MAX_BPS];
static struct rtimer timers[MAX_TIMERS];

static struct bp *bp_of(struct rthread *t, cairn_word id)
{
	long i = handle_index(id, 16, MAX_BPS, &bps[0].gen, sizeof(bps[0]));
	struct bp *bp = i < 0 ? 0 : &bps[i];

	return bp && bp->used && bp->proc == t->proc - procs ? bp : 0;
}

static struct rtimer *timer_of(struct rthread *t, cairn_word id)
{
	long i = handle_index(id, 16, MAX_TIMERS, &timers[0].gen, sizeof(timers[0]));
	struct rtimer *x = i < 0 ? 0 : &timers[i];

	return x && x->used && x->proc == t->proc - procs ? x : 0;
}

/* Locked: a fresh block point of process p; 0 if none is left. */
static struct bp *bp_new(struct rproc *p)
{
	for (unsigned i = 0; i < MAX_BPS; i++)
		if (!bps[i].used) {
			struct bp *bp = &bps[i];
			uint16_t gen = (uint16_t)(bp->gen + 1);
			*bp = (struct bp){ .gen = gen ? gen : 1, .used = 1, .proc = (uint8_t)(p - procs) };
			return bp;
		}
	return 0;
}

static cairn_word bp_id(struct bp *bp)
{
	return ((cairn_word)bp->gen << 16) | (unsigned)(bp - bps + 1);
}

/* Locked: frees a block point; its waiters return result. */
static void bp_free(struct bp *bp, long result)
{
	bp_wake_all(bp, result);
	bp->used = 0;
}

/* Locked: everything a dead process held here (block points, timers). */
void proc_objects_free(struct rproc *p)
{
	unsigned pi = (unsigned)(p - procs);

	for (unsigned i = 0; i < MAX_TIMERS; i++)
		if (timers[i].used && timers[i].proc == pi) {
			timer_disarm(&timers[i]);
			timers[i].used = 0;
		}
	for (unsigned i = 0; i < MAX_BPS; i++)
		if (bps[i].used && bps[i].proc == pi)
			bp_free(&bps[i], CAIRN_EBADF);
}

/* Locked, the caller ended: switches to S, which reaps it at once; never returns. */
static __attribute__((noreturn)) void gone(void)
{
	sched_switch(0);
	for (;;)	/* never switched to again */
		cairn_printf("rtos: a dead thread ran\n");
}

/* Locked: t ends; so does its process if it was the last thread. Does not return. */
static __attribute__((noreturn)) void end_self(struct rthread *t, long status)
{
	thread_end(t, status);
	if (!proc_alive(t->proc))
		proc_end(t->proc, status);
	gone();
}

/* ---- the calls ---- */

static long yield(struct rthread *t, cairn_word a, cairn_word b, cairn_word c, cairn_word d)
{
	(void)a, (void)b, (void)c, (void)d;
	return sched_yield(t);
}

static long thread_create(struct rthread *t, cairn_word entry, cairn_word prio, cairn_word stack,
			  cairn_word nojoin)
{
	long err;

	if (entry < IMAGE_LO || entry >= IMAGE_HI)
		return CAIRN_EFAULT;
	if (prio >= NPRIO || stack < PAGE || stack > RTOS_AREA_SIZE / 2 || stack % PAGE)
		return CAIRN_EINVAL;
	sched_lock();
	struct rthread *n = thread_new(t->proc, entry, (unsigned)prio, stack, &err);
	if (!n) {
		sched_unlock();
		return err;
	}
	n->nojoin = nojoin != 0;
	sched_preempt(t);
	return (long)(((cairn_word)n->gen << 8) | (unsigned)(n - threads + 1));
}

static long thread_exit(struct rthread *t, cairn_word status, cairn_word b, cairn_word c, cairn_word d)
{
	(void)b, (void)c, (void)d;
	sched_lock();
	end_self(t, (long)status);
}

static long thread_kill(struct rthread *t, cairn_word h, cairn_word b, cairn_word c, cairn_word d)
{
	struct rthread *x = thread_of(t, h);

	(void)b, (void)c, (void)d;
	if (!x || x->state == T_DEAD || x->state == T_ZOMBIE)
		return CAIRN_EBADF;
	if (x == t)
		return CAIRN_EINVAL;
	sched_lock();
	thread_end(x, KILLED_STATUS);
	sched_unlock();
	return 0;
}

static long thread_status(struct rthread *t, cairn_word h, cairn_word b, cairn_word c, cairn_word d)
{
	struct rthread *x = thread_of(t, h);

	(void)b, (void)c, (void)d;
	if (!x || x->nojoin)
		return CAIRN_EBADF;
	if (x == t)
		return CAIRN_EINVAL;
	if (x->state != T_DEAD && x->state != T_ZOMBIE)
		return CAIRN_EAGAIN;
	sched_lock();
	if (x->state == T_ZOMBIE)
		x->state = T_FREE;
	else
		x->nojoin = 1;		/* S frees it when it reaps it */
	sched_unlock();
	return x->status;
}

static long thread_prio(struct rthread *t, cairn_word prio, cairn_word b, cairn_word c, cairn_word d)
{
	(void)b, (void)c, (void)d;
	if (prio >= NPRIO)
		return CAIRN_EINVAL;
	sched_lock();
	t->prio = (uint8_t)prio;
	sched_preempt(t);	/* ahead of its new equals; behind anything better */
	return 0;
}

static long block(struct rthread *t, cairn_word id, cairn_word b, cairn_word c, cairn_word d)
{
	struct bp *bp = bp_of(t, id);

	(void)b, (void)c, (void)d;
	return bp ? bp_block(t, bp) : CAIRN_EBADF;
}

static long wake(struct rthread *t, cairn_word id, cairn_word b, cairn_word c, cairn_word d)
{
	struct bp *bp = bp_of(t, id);

	(void)b, (void)c, (void)d;
	return bp ? bp_wake(t, bp) : CAIRN_EBADF;
}

static long bp_create(struct rthread *t, cairn_word a, cairn_word b, cairn_word c, cairn_word d)
{
	(void)a, (void)b, (void)c, (void)d;
	sched_lock();
	struct bp *bp = bp_new(t->proc);
	sched_unlock();
	return bp ? (long)bp_id(bp) : CAIRN_ENOMEM;
}

static long bp_destroy(struct rthread *t, cairn_word id, cairn_word b, cairn_word c, cairn_word d)
{
	struct bp *bp = bp_of(t, id);

	(void)b, (void)c, (void)d;
	if (!bp)
		return CAIRN_EBADF;
	sched_lock();
	bp_free(bp, CAIRN_EBADF);
	sched_preempt(t);	/* a better waiter it released runs now */
	return 0;
}

static long process_exit(struct rthread *t, cairn_word status, cairn_word b, cairn_word c, cairn_word d)
{
	(void)b, (void)c, (void)d;
	sched_lock();
	proc_end(t->proc, (long)status);
	gone();
}

static long timer_create(struct rthread *t, cairn_word a, cairn_word b, cairn_word c, cairn_word d)
{
	struct rtimer *x = 0;
	long r = CAIRN_ENOMEM;

	(void)a, (void)b, (void)c, (void)d;
	sched_lock();
	for (unsigned i = 0; i < MAX_TIMERS && !x; i++)
		if (!timers[i].used)
			x = &timers[i];
	struct bp *bp = x ? bp_new(t->proc) : 0;
	if (bp) {
		uint16_t gen = (uint16_t)(x->gen + 1);
		*x = (struct rtimer){ .gen = gen ? gen : 1, .used = 1, .proc = (uint8_t)(t->proc - procs), .bp = bp };
		r = (long)(((cairn_word)x->gen << 16) | (unsigned)(x - timers + 1));
	}
	sched_unlock();
	return r;
}

static long timer_set(struct rthread *t, cairn_word id, cairn_word expiry, cairn_word period, cairn_word d)
{
	struct rtimer *x = timer_of(t, id);

	(void)d;
	if (!x)
		return CAIRN_EBADF;
	sched_lock();
	x->expiry = expiry;
	x->period = period;
	x->fired = 0;
	timer_arm(x);
	timers_expire(cairn_cycles());
	sched_preempt(t);	/* a better waiter it woke runs now; the timer is set anew */
	return 0;
}

static long timer_cancel(struct rthread *t, cairn_word id, cairn_word b, cairn_word c, cairn_word d)
{
	struct rtimer *x = timer_of(t, id);

	(void)b, (void)c, (void)d;
	if (!x)
		return CAIRN_EBADF;
	sched_lock();
	timer_disarm(x);
	sched_unlock();
	return 0;
}

static long timer_free(struct rthread *t, cairn_word id, cairn_word b, cairn_word c, cairn_word d)
{
	struct rtimer *x = timer_of(t, id);

	(void)b, (void)c, (void)d;
	if (!x)
		return CAIRN_EBADF;
	sched_lock();
	timer_disarm(x);
	bp_free(x->bp, CAIRN_EBADF);
	x->used = 0;
	sched_preempt(t);
	return 0;
}

static long timer_wait_(struct rthread *t, cairn_word id, cairn_word b, cairn_word c, cairn_word d)
{
	struct rtimer *x = timer_of(t, id);

	(void)b, (void)c, (void)d;
	return x ? timer_wait(t, x) : CAIRN_EBADF;
}

static long self(struct rthread *t, cairn_word a, cairn_word b, cairn_word c, cairn_word d)
{
	(void)a, (void)b, (void)c, (void)d;
	return (long)(((cairn_word)t->gen << 8) | (unsigned)(t - threads + 1));
}

static long mem_get(struct rthread *t, cairn_word at, cairn_word len, cairn_word align, cairn_word d)
{
	uint64_t va = 0;

	(void)d;
	sched_lock();
	long r = proc_mem_get(t->proc, at, len, align, &va);
	sched_unlock();
	return r ? r : (long)va;
}

static long mem_free(struct rthread *t, cairn_word at, cairn_word len, cairn_word c, cairn_word d)
{
	(void)c, (void)d;
	sched_lock();
	long r = proc_mem_free(t->proc, at, len);
	sched_unlock();
	return r;
}

static long stats(struct rthread *t, cairn_word what, cairn_word b, cairn_word c, cairn_word d)
{
	(void)b, (void)c, (void)d;
	sched_lock();
	long r = rtos_stat(t->proc, (unsigned)what);
	sched_unlock();
	return r;
}

/* Creates a process from the program a path names ("/bin/<program>", in the msg). */
static long proc_create_(struct rthread *t, cairn_word prio, cairn_word b, cairn_word c, cairn_word d)
{
	char path[CAIRN_NAME_MAX + 8];
	const char *msg = thread_msg(t);
	unsigned n = 0;
	long err;

	(void)b, (void)c, (void)d;
	if (prio >= NPRIO)
		return CAIRN_EINVAL;
	for (; n < sizeof(path) - 1 && msg[n]; n++)
		path[n] = msg[n];
	path[n] = 0;
	if (msg[n] || n < 6 || memcmp(path, "/bin/", 5))
		return CAIRN_EINVAL;
	const struct cairn_module *m = 0;
	for (unsigned i = 0; i < root->nmodules; i++)
		if (!strcmp(root->module[i].name, path + 5))
			m = &root->module[i];
	if (!m)
		return CAIRN_EINVAL;
	sched_lock();
	struct rproc *p = proc_create(m->name, (const void *)m->va, m->size, (unsigned)prio, &err);
	if (!p) {
		sched_unlock();
		return err;
	}
	sched_preempt(t);
	return (long)(((cairn_word)p->gen << 8) | (unsigned)(p - procs + 1));
}

static long proc_status(struct rthread *t, cairn_word id, cairn_word b, cairn_word c, cairn_word d)
{
	long i = handle_index(id, 8, MAX_PROCS, &procs[0].gen, sizeof(procs[0]));

	(void)b, (void)c, (void)d;
	if (i < 0 || procs[i].reported)
		return CAIRN_EBADF;
	if (&procs[i] == t->proc)
		return CAIRN_EINVAL;
	if (procs[i].used)
		return CAIRN_EAGAIN;
	procs[i].reported = 1;
	return procs[i].status;
}

/*
 * The keeper of every process: a fault ends the faulting thread's process (only
 * it: nothing else is touched) and is reported on the console.
 */
static ret2 keeper(cairn_word vector, cairn_word error, cairn_word addr, cairn_word rip, cairn_word badge,
		   cairn_word tid)
{
	struct rthread *t = enter(badge, tid);

	if (!t)
		return r1(CAIRN_FAULT_STOP);
	cairn_printf("rtos: process '%s' faulted (vector %lu, error %#lx, address %#lx, rip %#lx): "
		     "it ends\n", t->proc->name, vector, error, addr, rip);
	sched_lock();
	proc_end(t->proc, CAIRN_EFAULT);
	gone();
}

RTOS_GATE(g_yield, yield)
RTOS_GATE(g_thread_create, thread_create)
RTOS_GATE(g_thread_exit, thread_exit)
RTOS_GATE(g_thread_kill, thread_kill)
RTOS_GATE(g_thread_status, thread_status)
RTOS_GATE(g_thread_prio, thread_prio)
RTOS_GATE(g_block, block)
RTOS_GATE(g_wake, wake)
RTOS_GATE(g_bp_create, bp_create)
RTOS_GATE(g_bp_destroy, bp_destroy)
RTOS_GATE(g_process_exit, process_exit)
RTOS_GATE(g_timer_create, timer_create)
RTOS_GATE(g_timer_set, timer_set)
RTOS_GATE(g_timer_cancel, timer_cancel)
RTOS_GATE(g_timer_free, timer_free)
RTOS_GATE(g_timer_wait, timer_wait_)
RTOS_GATE(g_self, self)
RTOS_GATE(g_mem_get, mem_get)
RTOS_GATE(g_mem_free, mem_free)
RTOS_GATE(g_stats, stats)
RTOS_GATE(g_proc_create, proc_create_)
RTOS_GATE(g_proc_status, proc_status)
CAIRN_GATE(rtos_keeper_entry, keeper)

/* Gate entries in call order (cairn/rtos_abi.h). */
const uint64_t rtos_gate_entry[RTOS_NCALLS] = {
	[RTOS_YIELD] = (uint64_t)g_yield,
	[RTOS_THREAD_CREATE] = (uint64_t)g_thread_create,
	[RTOS_THREAD_EXIT] = (uint64_t)g_thread_exit,
	[RTOS_THREAD_KILL] = (uint64_t)g_thread_kill,
	[RTOS_THREAD_STATUS] = (uint64_t)g_thread_status,
	[RTOS_THREAD_PRIO] = (uint64_t)g_thread_prio,
	[RTOS_BLOCK] = (uint64_t)g_block,
	[RTOS_WAKE] = (uint64_t)g_wake,
	[RTOS_BP_CREATE] = (uint64_t)g_bp_create,
	[RTOS_BP_DESTROY] = (uint64_t)g_bp_destroy,
	[RTOS_PROCESS_EXIT] = (uint64_t)g_process_exit,
	[RTOS_TIMER_CREATE] = (uint64_t)g_timer_create,
	[RTOS_TIMER_SET] = (uint64_t)g_timer_set,
	[RTOS_TIMER_CANCEL] = (uint64_t)g_timer_cancel,
	[RTOS_TIMER_FREE] = (uint64_t)g_timer_free,
	[RTOS_TIMER_WAIT] = (uint64_t)g_timer_wait,
	[RTOS_SELF] = (uint64_t)g_self,
	[RTOS_MEM_GET] = (uint64_t)g_mem_get,
	[RTOS_MEM_FREE] = (uint64_t)g_mem_free,
	[RTOS_STATS] = (uint64_t)g_stats,
	[RTOS_PROC_CREATE] = (uint64_t)g_proc_create,
	[RTOS_PROC_STATUS] = (uint64_t)g_proc_status,
};
