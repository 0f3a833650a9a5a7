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

/* The thread a handle names in t's process; 0 if none. */
static struct rthread *thread_of(struct rthread *t, cairn_word h)
{
	unsigned i = (unsigned)(h & 0xff);

	if (i == 0 || i > MAX_THREADS || (h >> 8) != threads[i - 1].gen)
		return 0;
	struct rthread *x = &threads[i - 1];
	return x->state != T_FREE && x->proc == t->proc ? x : 0;
}

static struct bp bps[MAX_BPS];
static struct rtimer timers[MAX_TIMERS];

static struct bp *bp_of(struct rthread *t, cairn_word id)
{
	unsigned i = (unsigned)(id & 0xffff);

	if (i == 0 || i > MAX_BPS || (id >> 16) != bps[i - 1].gen)
		return 0;
	struct bp *bp = &bps[i - 1];
	return bp->used && bp->proc == t->proc - procs ? bp : 0;
}

static struct rtimer *timer_of(struct rthread *t, cairn_word id)
{
	unsigned i = (unsigned)(id & 0xffff);

	if (i == 0 || i > MAX_TIMERS || (id >> 16) != timers[i - 1].gen)
		return 0;
	struct rtimer *x = &timers[i - 1];
	return x->used && x->proc == t->proc - procs ? x : 0;
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

/* Locked: t ends; so does its process if it was the last thread. Does not return. */
static __attribute__((noreturn)) void end_self(struct rthread *t, long status)
{
	thread_end(t, status);
	if (!proc_alive(t->proc))
		proc_end(t->proc, status);
	sched_switch(0);	/* to S, which reaps it at once */
	for (;;)	/* never switched to again */
		cairn_printf("rtos: a dead thread ran\n");
}

/* ---- the calls ---- */

static ret2 yield(cairn_word a, cairn_word b, cairn_word c, cairn_word d, cairn_word badge, cairn_word tid)
{
	struct rthread *t = enter(badge, tid);

	(void)a, (void)b, (void)c, (void)d;
	return t ? leave(t, sched_yield(t)) : r1(CAIRN_EBADF);
}

static ret2 thread_create(cairn_word entry, cairn_word prio, cairn_word stack, cairn_word nojoin,
			  cairn_word badge, cairn_word tid)
{
	struct rthread *t = enter(badge, tid);
	long err;

	if (!t)
		return r1(CAIRN_EBADF);
	if (entry < IMAGE_LO || entry >= IMAGE_HI)
		return leave(t, CAIRN_EFAULT);
	if (prio >= NPRIO || stack < PAGE || stack > RTOS_AREA_SIZE / 2 || stack % PAGE)
		return leave(t, CAIRN_EINVAL);
	sched_lock();
	struct rthread *n = thread_new(t->proc, entry, (unsigned)prio, stack, &err);
	if (!n) {
		sched_unlock();
		return leave(t, err);
	}
	n->nojoin = nojoin != 0;
	cairn_word h = ((cairn_word)n->gen << 8) | (unsigned)(n - threads + 1);
	if (n->prio < t->prio) {
		rq_add(t, 1);
		sched_reschedule(t);
	} else {
		sched_unlock();
	}
	return leave(t, (long)h);
}

static ret2 thread_exit(cairn_word status, cairn_word b, cairn_word c, cairn_word d, cairn_word badge,
			cairn_word tid)
{
	struct rthread *t = enter(badge, tid);

	(void)b, (void)c, (void)d;
	if (!t)
		return r1(CAIRN_EBADF);
	sched_lock();
	end_self(t, (long)status);
}

static ret2 thread_kill(cairn_word h, cairn_word b, cairn_word c, cairn_word d, cairn_word badge, cairn_word tid)
{
	struct rthread *t = enter(badge, tid);

	(void)b, (void)c, (void)d;
	if (!t)
		return r1(CAIRN_EBADF);
	struct rthread *x = thread_of(t, h);
	if (!x || x->state == T_DEAD || x->state == T_ZOMBIE)
		return leave(t, CAIRN_EBADF);
	if (x == t)
		return leave(t, CAIRN_EINVAL);
	sched_lock();
	thread_end(x, KILLED_STATUS);
	sched_unlock();
	return leave(t, 0);
}

static ret2 thread_status(cairn_word h, cairn_word b, cairn_word c, cairn_word d, cairn_word badge,
			  cairn_word tid)
{
	struct rthread *t = enter(badge, tid);

	(void)b, (void)c, (void)d;
	if (!t)
		return r1(CAIRN_EBADF);
	struct rthread *x = thread_of(t, h);
	if (!x || x->nojoin)
		return leave(t, CAIRN_EBADF);
	if (x == t)
		return leave(t, CAIRN_EINVAL);
	if (x->state != T_DEAD && x->state != T_ZOMBIE)
		return leave(t, CAIRN_EAGAIN);
	long s = x->status;
	sched_lock();
	if (x->state == T_ZOMBIE)
		x->state = T_FREE;
	else
		x->nojoin = 1;		/* S frees it when it reaps it */
	sched_unlock();
	return leave(t, s);
}

static ret2 thread_prio(cairn_word prio, cairn_word b, cairn_word c, cairn_word d, cairn_word badge,
			cairn_word tid)
{
	struct rthread *t = enter(badge, tid);

	(void)b, (void)c, (void)d;
	if (!t)
		return r1(CAIRN_EBADF);
	if (prio >= NPRIO)
		return leave(t, CAIRN_EINVAL);
	sched_lock();
	t->prio = (uint8_t)prio;
	rq_add(t, 1);		/* ahead of its new equals; behind anything better */
	sched_reschedule(t);
	return leave(t, 0);
}

static ret2 block(cairn_word id, cairn_word b, cairn_word c, cairn_word d, cairn_word badge, cairn_word tid)
{
	struct rthread *t = enter(badge, tid);

	(void)b, (void)c, (void)d;
	if (!t)
		return r1(CAIRN_EBADF);
	struct bp *bp = bp_of(t, id);
	return leave(t, bp ? bp_block(t, bp) : CAIRN_EBADF);
}

static ret2 wake(cairn_word id, cairn_word b, cairn_word c, cairn_word d, cairn_word badge, cairn_word tid)
{
	struct rthread *t = enter(badge, tid);

	(void)b, (void)c, (void)d;
	if (!t)
		return r1(CAIRN_EBADF);
	struct bp *bp = bp_of(t, id);
	return leave(t, bp ? bp_wake(t, bp) : CAIRN_EBADF);
}

static ret2 bp_create(cairn_word a, cairn_word b, cairn_word c, cairn_word d, cairn_word badge, cairn_word tid)
{
	struct rthread *t = enter(badge, tid);

	(void)a, (void)b, (void)c, (void)d;
	if (!t)
		return r1(CAIRN_EBADF);
	sched_lock();
	struct bp *bp = bp_new(t->proc);
	sched_unlock();
	return leave(t, bp ? (long)bp_id(bp) : CAIRN_ENOMEM);
}

static ret2 bp_destroy(cairn_word id, cairn_word b, cairn_word c, cairn_word d, cairn_word badge,
		       cairn_word tid)
{
	struct rthread *t = enter(badge, tid);

	(void)b, (void)c, (void)d;
	if (!t)
		return r1(CAIRN_EBADF);
	struct bp *bp = bp_of(t, id);
	if (!bp)
		return leave(t, CAIRN_EBADF);
	sched_lock();
	int better = bp->head && bp->head->prio < t->prio;
	bp_free(bp, CAIRN_EBADF);
	if (better) {
		rq_add(t, 1);
		sched_reschedule(t);
	} else {
		sched_unlock();
	}
	return leave(t, 0);
}

static ret2 process_exit(cairn_word status, cairn_word b, cairn_word c, cairn_word d, cairn_word badge,
			 cairn_word tid)
{
	struct rthread *t = enter(badge, tid);

	(void)b, (void)c, (void)d;
	if (!t)
		return r1(CAIRN_EBADF);
	sched_lock();
	proc_end(t->proc, (long)status);
	sched_switch(0);
	for (;;)
		cairn_printf("rtos: a dead thread ran\n");
}

static ret2 timer_create(cairn_word a, cairn_word b, cairn_word c, cairn_word d, cairn_word badge,
			 cairn_word tid)
{
	struct rthread *t = enter(badge, tid);

	(void)a, (void)b, (void)c, (void)d;
	if (!t)
		return r1(CAIRN_EBADF);
	sched_lock();
	struct rtimer *x = 0;
	for (unsigned i = 0; i < MAX_TIMERS && !x; i++)
		if (!timers[i].used)
			x = &timers[i];
	struct bp *bp = x ? bp_new(t->proc) : 0;
	long r = CAIRN_ENOMEM;
	if (bp) {
		uint16_t gen = (uint16_t)(x->gen + 1);
		*x = (struct rtimer){ .gen = gen ? gen : 1, .used = 1, .proc = (uint8_t)(t->proc - procs), .bp = bp };
		r = (long)(((cairn_word)x->gen << 16) | (unsigned)(x - timers + 1));
	}
	sched_unlock();
	return leave(t, r);
}

static ret2 timer_set(cairn_word id, cairn_word expiry, cairn_word period, cairn_word d, cairn_word badge,
		      cairn_word tid)
{
	struct rthread *t = enter(badge, tid);

	(void)d;
	if (!t)
		return r1(CAIRN_EBADF);
	struct rtimer *x = timer_of(t, id);
	if (!x)
		return leave(t, CAIRN_EBADF);
	sched_lock();
	x->expiry = expiry;
	x->period = period;
	x->fired = 0;
	timer_arm(x);
	if (expiry <= cairn_cycles())
		timers_expire(cairn_cycles());
	rq_add(t, 1);		/* a better waiter it woke runs now; else the caller */
	sched_reschedule(t);	/* goes on, the hardware timer set for the new deadline */
	return leave(t, 0);
}

static ret2 timer_cancel(cairn_word id, cairn_word b, cairn_word c, cairn_word d, cairn_word badge,
			 cairn_word tid)
{
	struct rthread *t = enter(badge, tid);

	(void)b, (void)c, (void)d;
	if (!t)
		return r1(CAIRN_EBADF);
	struct rtimer *x = timer_of(t, id);
	if (!x)
		return leave(t, CAIRN_EBADF);
	sched_lock();
	timer_disarm(x);
	sched_unlock();
	return leave(t, 0);
}

static ret2 timer_free(cairn_word id, cairn_word b, cairn_word c, cairn_word d, cairn_word badge,
		       cairn_word tid)
{
	struct rthread *t = enter(badge, tid);

	(void)b, (void)c, (void)d;
	if (!t)
		return r1(CAIRN_EBADF);
	struct rtimer *x = timer_of(t, id);
	if (!x)
		return leave(t, CAIRN_EBADF);
	sched_lock();
	timer_disarm(x);
	bp_free(x->bp, CAIRN_EBADF);
	x->used = 0;
	rq_add(t, 1);
	sched_reschedule(t);
	return leave(t, 0);
}

static ret2 timer_wait_(cairn_word id, cairn_word b, cairn_word c, cairn_word d, cairn_word badge,
			cairn_word tid)
{
	struct rthread *t = enter(badge, tid);

	(void)b, (void)c, (void)d;
	if (!t)
		return r1(CAIRN_EBADF);
	struct rtimer *x = timer_of(t, id);
	return leave(t, x ? timer_wait(t, x) : CAIRN_EBADF);
}

static ret2 self(cairn_word a, cairn_word b, cairn_word c, cairn_word d, cairn_word badge, cairn_word tid)
{
	struct rthread *t = enter(badge, tid);

	(void)a, (void)b, (void)c, (void)d;
	if (!t)
		return r1(CAIRN_EBADF);
	t->in_rtos = 0;
	return (ret2){ (long)(((cairn_word)t->gen << 8) | (unsigned)(t - threads + 1)), badge };
}

static ret2 mem_get(cairn_word at, cairn_word len, cairn_word align, cairn_word d, cairn_word badge,
		   cairn_word tid)
{
	struct rthread *t = enter(badge, tid);
	uint64_t va = 0;

	(void)d;
	if (!t)
		return r1(CAIRN_EBADF);
	sched_lock();
	long r = proc_mem_get(t->proc, at, len, align, &va);
	sched_unlock();
	return leave(t, r ? r : (long)va);
}

static ret2 mem_free(cairn_word at, cairn_word len, cairn_word c, cairn_word d, cairn_word badge,
		     cairn_word tid)
{
	struct rthread *t = enter(badge, tid);

	(void)c, (void)d;
	if (!t)
		return r1(CAIRN_EBADF);
	sched_lock();
	long r = proc_mem_free(t->proc, at, len);
	sched_unlock();
	return leave(t, r);
}

static ret2 stats(cairn_word what, cairn_word b, cairn_word c, cairn_word d, cairn_word badge, cairn_word tid)
{
	struct rthread *t = enter(badge, tid);

	(void)b, (void)c, (void)d;
	if (!t)
		return r1(CAIRN_EBADF);
	sched_lock();
	long r = rtos_stat(t->proc, (unsigned)what);
	sched_unlock();
	return leave(t, r);
}

/* Creates a process from the program a path names ("/bin/<program>", in the msg). */
static ret2 proc_create_(cairn_word prio, cairn_word b, cairn_word c, cairn_word d, cairn_word badge,
			 cairn_word tid)
{
	struct rthread *t = enter(badge, tid);
	char path[CAIRN_NAME_MAX + 8];
	long err;

	(void)b, (void)c, (void)d;
	if (!t)
		return r1(CAIRN_EBADF);
	if (prio >= NPRIO)
		return leave(t, CAIRN_EINVAL);
	const char *msg = thread_msg(t);
	unsigned n = 0;
	for (; n < sizeof(path) - 1 && msg[n]; n++)
		path[n] = msg[n];
	path[n] = 0;
	if (msg[n] || n < 6 || path[0] != '/' || path[1] != 'b' || path[2] != 'i' || path[3] != 'n' || path[4] != '/')
		return leave(t, CAIRN_EINVAL);
	const struct cairn_module *m = 0;
	for (unsigned i = 0; i < root->nmodules; i++)
		if (!strcmp(root->module[i].name, path + 5))
			m = &root->module[i];
	if (!m)
		return leave(t, CAIRN_EINVAL);
	sched_lock();
	struct rproc *p = proc_create(m->name, (const void *)m->va, m->size, (unsigned)prio, &err);
	long r = p ? (long)(((cairn_word)p->gen << 8) | (unsigned)(p - procs + 1)) : err;
	if (p && prio < t->prio) {
		rq_add(t, 1);
		sched_reschedule(t);
	} else {
		sched_unlock();
	}
	return leave(t, r);
}

static ret2 proc_status(cairn_word id, cairn_word b, cairn_word c, cairn_word d, cairn_word badge,
			cairn_word tid)
{
	struct rthread *t = enter(badge, tid);
	unsigned i = (unsigned)(id & 0xff);

	(void)b, (void)c, (void)d;
	if (!t)
		return r1(CAIRN_EBADF);
	if (i == 0 || i > MAX_PROCS || (id >> 8) != procs[i - 1].gen || procs[i - 1].reported)
		return leave(t, CAIRN_EBADF);
	struct rproc *p = &procs[i - 1];
	if (p == t->proc)
		return leave(t, CAIRN_EINVAL);
	if (p->used)
		return leave(t, CAIRN_EAGAIN);
	p->reported = 1;
	return leave(t, p->status);
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
	sched_switch(0);
	for (;;)
		cairn_printf("rtos: a dead thread ran\n");
}

CAIRN_GATE(g_yield, yield)
CAIRN_GATE(g_thread_create, thread_create)
CAIRN_GATE(g_thread_exit, thread_exit)
CAIRN_GATE(g_thread_kill, thread_kill)
CAIRN_GATE(g_thread_status, thread_status)
CAIRN_GATE(g_thread_prio, thread_prio)
CAIRN_GATE(g_block, block)
CAIRN_GATE(g_wake, wake)
CAIRN_GATE(g_bp_create, bp_create)
CAIRN_GATE(g_bp_destroy, bp_destroy)
CAIRN_GATE(g_process_exit, process_exit)
CAIRN_GATE(g_timer_create, timer_create)
CAIRN_GATE(g_timer_set, timer_set)
CAIRN_GATE(g_timer_cancel, timer_cancel)
CAIRN_GATE(g_timer_free, timer_free)
CAIRN_GATE(g_timer_wait, timer_wait_)
CAIRN_GATE(g_self, self)
CAIRN_GATE(g_mem_get, mem_get)
CAIRN_GATE(g_mem_free, mem_free)
CAIRN_GATE(g_stats, stats)
CAIRN_GATE(g_proc_create, proc_create_)
CAIRN_GATE(g_proc_status, proc_status)
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
