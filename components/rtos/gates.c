/*
 * gates.c: the calls a process makes (cairn/rtos_abi.h). Each gate decodes and checks
 * its arguments (the badge names the process, the kernel's thread id the thread;
 * nothing else is trusted), then invokes sched.c or proc.c. A thread of another
 * process, or a handle that names nothing alive, gets CAIRN_EBADF.
 *
 * A handle is looked up, checked (its generation, and that the calling process owns
 * what it names) and used under one hold of sched.lock (rtos.h, HANDLE_INDEX): the
 * *_of lookups below are called locked, and no object they return is touched after
 * the lock is released. A gate preempted between a lookup and its lock would find
 * the slot freed and reused by another process (tests/rtos/rtos_race).
 */
#include "rtos.h"
#include <cairn/gate.h>

#define IMAGE_LO CAIRN_IMAGE_BASE	/* cairn/layout.h */
#define IMAGE_HI CAIRN_IMAGE_TOP
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

/* The same for a call whose fn returns two words. */
#define RTOS_GATE2(entry, fn)                                                         \
	static ret2 fn##_gate(cairn_word a, cairn_word b, cairn_word c, cairn_word d,  \
			      cairn_word badge, cairn_word tid)                        \
	{                                                                             \
		struct rthread *t = enter(badge, tid);                                \
		if (!t)                                                               \
			return r1(CAIRN_EBADF);                                       \
		ret2 r = fn(t, a, b, c, d);                                           \
		t->in_rtos = 0;                                                       \
		return r;                                                             \
	}                                                                             \
	CAIRN_GATE(entry, fn##_gate)

/* Locked: the thread a handle names in t's process; 0 if none. */
static struct rthread *thread_of(struct rthread *t, cairn_word h)
{
	long i = HANDLE_INDEX(h, RTOS_K_THREAD, threads);
	struct rthread *x = i < 0 ? 0 : &threads[i];

	return x && x->state != T_FREE && x->proc == t->proc ? x : 0;
}

/* Locked: the block point of t's process id names; 0 if none. */
static struct bp *bp_of(struct rthread *t, cairn_word id)
{
	long i = HANDLE_INDEX(id, RTOS_K_BP, bps);
	struct bp *bp = i < 0 ? 0 : &bps[i];

	return bp && bp->used && bp->proc == t->proc - procs ? bp : 0;
}

/* Locked: the timer of t's process id names; 0 if none. */
static struct rtimer *timer_of(struct rthread *t, cairn_word id)
{
	long i = HANDLE_INDEX(id, RTOS_K_TIMER, timers);
	struct rtimer *x = i < 0 ? 0 : &timers[i];

	return x && x->used && x->proc == t->proc - procs ? x : 0;
}

/* A process's handle (its creator's: RTOS_K_PROC). */
static uint64_t proc_handle(const struct rproc *p)
{
	return RTOS_HANDLE(RTOS_K_PROC, p->gen, p - procs);
}

/*
 * Locked: the process id names that t's process created, running or ended, while its
 * exit status is still to be taken; 0 if none.
 */
static struct rproc *proc_of(struct rthread *t, cairn_word id)
{
	long i = HANDLE_INDEX(id, RTOS_K_PROC, procs);
	struct rproc *p = i < 0 ? 0 : &procs[i];

	return p && !p->reported && p->parent == proc_handle(t->proc) ? p : 0;
}

/* Locked: t, a timer of a process, goes; its waiters return EBADF. */
static void timer_drop(struct rtimer *t)
{
	timer_disarm(t);
	bp_free(t->bp, CAIRN_EBADF);
	watch_forget(RTOS_HANDLE(RTOS_K_TIMER, t->gen, t - timers));
	t->used = 0;
}

/* Locked: everything a dead process held here (block points, timers). */
void proc_objects_free(struct rproc *p)
{
	unsigned pi = (unsigned)(p - procs);

	for (unsigned i = 0; i < MAX_TIMERS; i++)
		if (timers[i].used && timers[i].proc == pi)
			timer_drop(&timers[i]);
	for (unsigned i = 0; i < MAX_BPS; i++)
		if (bps[i].used && bps[i].proc == pi)
			bp_free(&bps[i], CAIRN_EBADF);
	share_proc_end(p);
}

/* Locked, the caller t ended: switches to its core's S, which reaps it at once; never returns. */
static __attribute__((noreturn)) void gone(struct rthread *t)
{
	sched_switch(t->rc, 0);
	for (;;)	/* never switched to again */
		cairn_printf("rtos: a dead thread ran\n");
}

/* Locked: t ends; so does its process if it was the last thread. Does not return. */
static __attribute__((noreturn)) void end_self(struct rthread *t, long status)
{
	thread_end(t, status);
	if (!proc_alive(t->proc))
		proc_end(t->proc, status);
	gone(t);
}

/* ---- the calls ---- */

static long yield(struct rthread *t, cairn_word a, cairn_word b, cairn_word c, cairn_word d)
{
	(void)a, (void)b, (void)c, (void)d;
	return sched_yield(t);
}

static long thread_create(struct rthread *t, cairn_word entry, cairn_word sw, cairn_word stack,
			  cairn_word nojoin)
{
	long err;

	if (entry < IMAGE_LO || entry >= IMAGE_HI)
		return CAIRN_EFAULT;
	if (stack < PAGE || stack > RTOS_AREA_SIZE / 2 || stack % PAGE)
		return CAIRN_EINVAL;
	unsigned core;
	if ((err = sched_place(t, &sw, &core)))
		return err;
	sched_lock(t->core);
	struct rthread *n = (err = sched_check(0, sw, core, t->proc->ceiling)) ? 0 :
			    thread_new(t->proc, entry, sw, stack, core, &err);
	if (!n) {
		sched_unlock();
		return err;
	}
	n->nojoin = nojoin != 0;
	sched_preempt(t);
	return (long)RTOS_HANDLE(RTOS_K_THREAD, n->gen, n - threads);
}

static long thread_exit(struct rthread *t, cairn_word status, cairn_word b, cairn_word c, cairn_word d)
{
	(void)b, (void)c, (void)d;
	sched_lock(t->core);
	end_self(t, (long)status);
}

static long thread_kill(struct rthread *t, cairn_word h, cairn_word b, cairn_word c, cairn_word d)
{
	(void)b, (void)c, (void)d;
	sched_lock(t->core);
	struct rthread *x = thread_of(t, h);
	long r = !x || !thread_alive(x) ? CAIRN_EBADF : x == t ? CAIRN_EINVAL : 0;
	if (!r)
		thread_end(x, KILLED_STATUS);
	sched_unlock();
	return r;
}

/* Locked: the exit status of t's ended, joinable thread x, taken (x's handle is then free). */
static long thread_join(struct rthread *x)
{
	long status = x->status;

	if (x->state == T_ZOMBIE)
		x->state = T_FREE;
	else
		x->nojoin = 1;		/* S frees it when it reaps it */
	return status;
}

static long thread_status(struct rthread *t, cairn_word h, cairn_word b, cairn_word c, cairn_word d)
{
	(void)b, (void)c, (void)d;
	sched_lock(t->core);
	struct rthread *x = thread_of(t, h);
	long r = !x || x->nojoin ? CAIRN_EBADF : x == t ? CAIRN_EINVAL : thread_alive(x) ? CAIRN_EAGAIN : 0;
	if (!r)
		r = thread_join(x);
	sched_unlock();
	return r;
}

static long thread_sched(struct rthread *t, cairn_word sw, cairn_word b, cairn_word c, cairn_word d)
{
	unsigned core;
	long err = sched_place(t, &sw, &core);

	(void)b, (void)c, (void)d;
	if (err)
		return err;
	if (core != t->core)
		return CAIRN_ENOTSUP;	/* threads do not migrate */
	sched_lock(t->core);
	err = sched_check(t, sw, core, t->proc->ceiling);
	if (err) {
		sched_unlock();
		return err;
	}
	sched_apply(t, sw);
	sched_preempt(t);	/* ahead of its new equals; behind anything better */
	return 0;
}

/* Locked: fn(t, bp) on the block point id names, or EBADF. Returns unlocked. */
static long on_bp(struct rthread *t, cairn_word id, long (*fn)(struct rthread *, struct bp *))
{
	sched_lock(t->core);
	struct bp *bp = bp_of(t, id);
	if (!bp) {
		sched_unlock();
		return CAIRN_EBADF;
	}
	return fn(t, bp);
}

static long block(struct rthread *t, cairn_word id, cairn_word b, cairn_word c, cairn_word d)
{
	(void)b, (void)c, (void)d;
	return on_bp(t, id, bp_block);
}

static long wake(struct rthread *t, cairn_word id, cairn_word b, cairn_word c, cairn_word d)
{
	(void)b, (void)c, (void)d;
	return on_bp(t, id, bp_wake);
}

static long bp_create(struct rthread *t, cairn_word binary, cairn_word b, cairn_word c, cairn_word d)
{
	(void)b, (void)c, (void)d;
	if (binary > 1)
		return CAIRN_EINVAL;
	sched_lock(t->core);
	struct bp *bp = bp_new((unsigned)(t->proc - procs), binary ? BP_BINARY : BP_COUNTING);
	sched_unlock();
	return bp ? (long)RTOS_HANDLE(RTOS_K_BP, bp->gen, bp - bps) : CAIRN_ENOMEM;
}

static long bp_destroy(struct rthread *t, cairn_word id, cairn_word b, cairn_word c, cairn_word d)
{
	(void)b, (void)c, (void)d;
	sched_lock(t->core);
	struct bp *bp = bp_of(t, id);
	if (!bp) {
		sched_unlock();
		return CAIRN_EBADF;
	}
	bp_free(bp, CAIRN_EBADF);
	sched_preempt(t);	/* a better waiter it released runs now */
	return 0;
}

static long process_exit(struct rthread *t, cairn_word status, cairn_word b, cairn_word c, cairn_word d)
{
	(void)b, (void)c, (void)d;
	sched_lock(t->core);
	proc_end(t->proc, (long)status);
	gone(t);
}

static long timer_create(struct rthread *t, cairn_word a, cairn_word b, cairn_word c, cairn_word d)
{
	struct rtimer *x = 0;
	long r = CAIRN_ENOMEM;

	(void)a, (void)b, (void)c, (void)d;
	sched_lock(t->core);
	for (unsigned i = 0; i < MAX_TIMERS && !x; i++)
		if (!timers[i].used)
			x = &timers[i];
	struct bp *bp = x ? bp_new(NO_PROC, BP_PLAIN) : 0;	/* the timer's: no handle names it */
	if (bp) {
		uint16_t gen = (uint16_t)(x->gen + 1);
		*x = (struct rtimer){ .gen = gen ? gen : 1, .used = 1, .proc = (uint8_t)(t->proc - procs), .bp = bp };
		r = (long)RTOS_HANDLE(RTOS_K_TIMER, x->gen, x - timers);
	}
	sched_unlock();
	return r;
}

/* Locked: the timer of t's process id names; else EBADF and unlocked (0). */
static struct rtimer *timer_locked(struct rthread *t, cairn_word id)
{
	struct rtimer *x;

	sched_lock(t->core);
	x = timer_of(t, id);
	if (!x)
		sched_unlock();
	return x;
}

static long timer_set(struct rthread *t, cairn_word id, cairn_word expiry, cairn_word period, cairn_word d)
{
	struct rtimer *x = timer_locked(t, id);

	(void)d;
	if (!x)
		return CAIRN_EBADF;
	x->expiry = expiry;
	x->period = period;
	x->fired = 0;
	timer_arm(x);
	timers_expire(t->core, cairn_cycles());
	sched_preempt(t);	/* a better waiter it woke runs now; the timer is set anew */
	return 0;
}

static long timer_cancel(struct rthread *t, cairn_word id, cairn_word b, cairn_word c, cairn_word d)
{
	struct rtimer *x = timer_locked(t, id);

	(void)b, (void)c, (void)d;
	if (!x)
		return CAIRN_EBADF;
	timer_disarm(x);
	bp_wake_all(x->bp, CAIRN_EAGAIN);	/* it would never fire for them now */
	sched_preempt(t);
	return 0;
}

static long timer_free(struct rthread *t, cairn_word id, cairn_word b, cairn_word c, cairn_word d)
{
	struct rtimer *x = timer_locked(t, id);

	(void)b, (void)c, (void)d;
	if (!x)
		return CAIRN_EBADF;
	timer_drop(x);
	sched_preempt(t);
	return 0;
}

/*
 * Each round looks the timer up again: while the caller waits, the timer may be
 * freed and its slot taken by another process's.
 */
static long timer_wait_(struct rthread *t, cairn_word id, cairn_word b, cairn_word c, cairn_word d)
{
	long r = 0;

	(void)b, (void)c, (void)d;
	while (r == 0) {
		struct rtimer *x = timer_locked(t, id);
		r = x ? timer_wait(t, x) : CAIRN_EBADF;
	}
	return r;
}

static long self(struct rthread *t, cairn_word a, cairn_word b, cairn_word c, cairn_word d)
{
	(void)a, (void)b, (void)c, (void)d;
	return (long)RTOS_HANDLE(RTOS_K_THREAD, t->gen, t - threads);
}

static long mem_get(struct rthread *t, cairn_word at, cairn_word len, cairn_word align, cairn_word d)
{
	uint64_t va = 0;

	(void)d;
	sched_lock(t->core);
	long r = proc_mem_get(t->proc, at, len, align, &va);
	sched_unlock();
	return r ? r : (long)va;
}

static long mem_free(struct rthread *t, cairn_word at, cairn_word len, cairn_word c, cairn_word d)
{
	(void)c, (void)d;
	sched_lock(t->core);
	long r = proc_mem_free(t->proc, at, len);
	sched_unlock();
	return r;
}

static long stats(struct rthread *t, cairn_word what, cairn_word b, cairn_word c, cairn_word d)
{
	(void)b, (void)c, (void)d;
	sched_lock(t->core);
	long r = rtos_stat(t->proc, (unsigned)what);
	sched_unlock();
	return r;
}

/*
 * Locked: whether t's process may create a process with the limits *lim (its
 * ceiling made explicit there: 0 is the creator's) whose main thread has the
 * scheduling word sw on core. EINVAL for a malformed word; EACCES for a ceiling more
 * urgent than the creator's, or a main thread more urgent than the new ceiling.
 */
static long child_check(struct rthread *t, uint64_t *lim, uint64_t sw, unsigned core)
{
	unsigned own = t->proc->ceiling, c = RTOS_LIMIT_CEILING(*lim);

	if (!RTOS_LIMITS_VALID(*lim))
		return CAIRN_EINVAL;
	if (!c)
		c = own;
	if (c < own)
		return CAIRN_EACCES;
	*lim = RTOS_LIMITS(RTOS_LIMIT_PAGES(*lim), RTOS_LIMIT_THREADS(*lim), c);
	return sched_check(0, sw, core, c);
}

/* Locked: p, just made by t's process, is its child; the caller runs on (unlocked). */
static long child_made(struct rthread *t, struct rproc *p)
{
	p->parent = proc_handle(t->proc);
	sched_preempt(t);
	return (long)proc_handle(p);
}

/* Creates a process from the program at a path of the file system (in the msg). */
static long proc_create_(struct rthread *t, cairn_word sw, cairn_word lim, cairn_word c, cairn_word d)
{
	char path[CAIRN_ROMFS_PATH_MAX];
	const volatile char *msg = thread_msg(t);
	unsigned n = 0;
	long err;

	(void)c, (void)d;
	for (; n < sizeof(path) - 1 && (path[n] = msg[n]); n++)
		;
	if (n == sizeof(path) - 1)
		return CAIRN_EINVAL;
	path[n] = 0;
	unsigned core;
	if ((err = sched_place(t, &sw, &core)))
		return err;
	sched_lock(t->core);
	struct rproc *p = (err = child_check(t, &lim, sw, core)) ? 0 : proc_start(path, sw, core, lim, &err);
	if (!p) {
		sched_unlock();
		return err;
	}
	return child_made(t, p);
}

static long proc_status(struct rthread *t, cairn_word id, cairn_word b, cairn_word c, cairn_word d)
{
	long r;

	(void)b, (void)c, (void)d;
	sched_lock(t->core);
	struct rproc *p = proc_of(t, id);
	if (!p)		/* (the caller's own handle: its creator's, never its own) */
		r = id == proc_handle(t->proc) ? CAIRN_EINVAL : CAIRN_EBADF;
	else if (p->used)
		r = CAIRN_EAGAIN;
	else {
		p->reported = 1;
		r = p->status;
	}
	sched_unlock();
	return r;
}

/* ---- shared memory and channels ---- */

/*
 * A name from t's msg into buf (RTOS_NAME_MAX bytes): its length, or -1 if it is
 * too long. Read once: the process may change the msg meanwhile.
 */
static long msg_name(struct rthread *t, char *buf)
{
	const volatile char *msg = thread_msg(t);
	unsigned n = 0;

	for (; n < RTOS_NAME_MAX; n++)
		if (!(buf[n] = msg[n]))
			return n;
	return -1;
}

static struct chan *chan_of(struct rthread *t, cairn_word h)
{
	long i = HANDLE_INDEX(h, RTOS_K_CHAN, chans);

	return i >= 0 && chans[i].used && chans[i].owner == t->proc - procs ? &chans[i] : 0;
}

/* The open end of t's process a handle names (either kind); 0 if none. */
static struct chend *end_of(struct rthread *t, cairn_word h)
{
	unsigned kind = RTOS_HANDLE_KIND(h) == RTOS_K_SEND ? RTOS_K_SEND : RTOS_K_RECV;
	long i = HANDLE_INDEX(h, kind, ends);
	struct chend *e = i < 0 ? 0 : &ends[i];

	return e && e->used && e->proc == t->proc - procs &&
	       e->dir == (kind == RTOS_K_SEND ? RTOS_END_SEND : RTOS_END_RECV) ? e : 0;
}

static struct shm *shm_of(cairn_word h)
{
	long i = HANDLE_INDEX(h, RTOS_K_SHM, shms);

	return i >= 0 && shms[i].used && !shms[i].destroyed ? &shms[i] : 0;
}

static long chan_create_(struct rthread *t, cairn_word size, cairn_word len, cairn_word flags, cairn_word d)
{
	char name[RTOS_NAME_MAX];
	long err, n = msg_name(t, name);

	(void)d;
	if (n < 0 || !size || size > 4096 || !len || len > 65536 || (flags != 1 && flags != 2) ||
	    sizeof(struct rtos_chan_hdr) + (8 + ((size + 7) & ~7UL)) * len > SHM_PAGES * PAGE)
		return CAIRN_EINVAL;
	sched_lock(t->core);
	struct chan *c = 0;
	if (n && chan_named(name))
		err = CAIRN_EINVAL;		/* the name is taken */
	else
		c = chan_create(t->proc, name, (uint32_t)size, (uint32_t)len, flags == 2, &err);
	sched_unlock();
	return c ? (long)RTOS_HANDLE(RTOS_K_CHAN, c->gen, c - chans) : err;
}

/* A new end of a channel: the caller's own by handle, or any by name and geometry. */
static ret2 chan_end_(struct rthread *t, cairn_word h, cairn_word dir, cairn_word size, cairn_word len)
{
	char name[RTOS_NAME_MAX];
	long err = CAIRN_EINVAL;

	if (dir != RTOS_END_SEND && dir != RTOS_END_RECV)
		return r1(CAIRN_EINVAL);
	if (!h && msg_name(t, name) <= 0)
		return r1(CAIRN_EINVAL);
	sched_lock(t->core);
	struct chan *c = h ? chan_of(t, h) : chan_named(name);
	if (!c)
		err = h ? CAIRN_EBADF : CAIRN_EINVAL;
	else if (!h && (c->type_size != size || c->slots != len))
		c = 0;
	struct chend *e = c ? chan_open(t->proc, c, (unsigned)dir, &err) : 0;
	if (e) {
		struct rtos_chan_geom *g = (struct rtos_chan_geom *)thread_tls(t)->msg;
		*g = (struct rtos_chan_geom){ c->type_size, c->slots, c->stride, c->mpmc ? 2 : 1, c->bytes };
	}
	sched_unlock();
	return e ? (ret2){ (long)end_handle(e), e->va } : r1(err);
}

static long chan_close_(struct rthread *t, cairn_word h, cairn_word b, cairn_word c, cairn_word d)
{
	(void)b, (void)c, (void)d;
	sched_lock(t->core);
	struct chend *e = end_of(t, h);
	if (!e) {
		sched_unlock();
		return CAIRN_EBADF;
	}
	chan_close(e);
	sched_preempt(t);	/* a better waiter it released runs now */
	return 0;
}

static long chan_destroy_(struct rthread *t, cairn_word h, cairn_word b, cairn_word c, cairn_word d)
{
	(void)b, (void)c, (void)d;
	sched_lock(t->core);
	struct chan *ch = chan_of(t, h);
	if (!ch) {
		sched_unlock();
		return CAIRN_EBADF;
	}
	chan_destroy(ch);
	sched_preempt(t);
	return 0;
}

/* Locked: the live channel of the end h names, and its side (0 send, 1 receive). */
static struct chan *chan_side(struct rthread *t, cairn_word h, unsigned *side)
{
	struct chend *e = end_of(t, h);
	struct chan *c = e ? end_chan(e) : 0;

	*side = e && e->dir == RTOS_END_RECV;
	return c;
}

static long chan_block(struct rthread *t, cairn_word h, cairn_word b, cairn_word c, cairn_word d)
{
	unsigned side;

	(void)b, (void)c, (void)d;
	sched_lock(t->core);
	struct chan *ch = chan_side(t, h, &side);
	if (!ch) {
		sched_unlock();
		return CAIRN_EBADF;
	}
	return bp_block(t, ch->bp[side]);
}

/* Wakes the other side of h's channel: a waiting thread, the event sets watching. */
static long chan_wake(struct rthread *t, cairn_word h, cairn_word what, cairn_word c, cairn_word d)
{
	unsigned side;

	(void)c, (void)d;
	sched_lock(t->core);
	struct chan *ch = chan_side(t, h, &side);
	if (!ch) {
		sched_unlock();
		return CAIRN_EBADF;
	}
	if (!(what & RTOS_WAKE_WATCHERS))
		return bp_wake(t, ch->bp[side ^ 1]);
	chan_notify(ch, side ^ 1);
	if (what & RTOS_WAKE_THREADS)
		bp_post(ch->bp[side ^ 1]);
	sched_preempt(t);
	return 0;
}

static long chan_status(struct rthread *t, cairn_word h, cairn_word b, cairn_word c, cairn_word d)
{
	unsigned side;

	(void)b, (void)c, (void)d;
	sched_lock(t->core);
	struct chan *ch = chan_side(t, h, &side);
	long r = ch ? (long)(ch->open[0] | ch->open[1] << 16) : CAIRN_EBADF;
	sched_unlock();
	return r;
}

/* A region of the caller's pages at `at`, or of fresh ones; named by the msg or not. */
static long shm_create_(struct rthread *t, cairn_word at, cairn_word len, cairn_word c, cairn_word d)
{
	char name[RTOS_NAME_MAX];
	long err, n = msg_name(t, name);

	(void)c, (void)d;
	if (n < 0 || !len || len % PAGE || len > SHM_PAGES * PAGE)
		return CAIRN_EINVAL;
	sched_lock(t->core);
	struct shm *s = 0;
	if (n && shm_named(name))
		err = CAIRN_EINVAL;
	else if (at)
		s = shm_adopt(t->proc, name, at, (unsigned)(len / PAGE), &err);
	else
		s = shm_new((unsigned)(t->proc - procs), name, (unsigned)(len / PAGE), &err);
	sched_unlock();
	return s ? (long)RTOS_HANDLE(RTOS_K_SHM, s->gen, s - shms) : err;
}

/* The live region h names, or (h = 0) the msg's name; 0 if none. Locked. */
static struct shm *region(struct rthread *t, cairn_word h)
{
	char name[RTOS_NAME_MAX];

	if (h)
		return shm_of(h);
	return msg_name(t, name) > 0 ? shm_named(name) : 0;
}

static long shm_map_(struct rthread *t, cairn_word h, cairn_word b, cairn_word c, cairn_word d)
{
	uint64_t va = 0;
	long r = CAIRN_EINVAL;

	(void)b, (void)c, (void)d;
	sched_lock(t->core);
	struct shm *s = region(t, h);
	if (s)
		r = shm_map(t->proc, s, &va);
	sched_unlock();
	return r ? r : (long)va;
}

static long shm_destroy_(struct rthread *t, cairn_word h, cairn_word b, cairn_word c, cairn_word d)
{
	(void)b, (void)c, (void)d;
	sched_lock(t->core);
	struct shm *s = region(t, h);
	long r = s && s->owner == t->proc - procs ? 0 : CAIRN_EINVAL;
	if (!r)
		shm_destroy(s);
	sched_unlock();
	return r;
}

/* Creates a process from an ELF image the caller put in a region (b bytes of it). */
static long proc_image(struct rthread *t, cairn_word id, cairn_word len, cairn_word sw, cairn_word lim)
{
	char name[RTOS_NAME_MAX];
	unsigned mapped = 0;

	if (msg_name(t, name) <= 0)
		return CAIRN_EINVAL;
	unsigned core;
	long err = sched_place(t, &sw, &core);
	if (err)
		return err;
	sched_lock(t->core);
	struct shm *s = shm_of(id);
	struct rproc *p = 0;
	err = child_check(t, &lim, sw, core);
	if (!err && !(s && s->owner == t->proc - procs && len && len <= s->npages * PAGE))
		err = CAIRN_EINVAL;
	if (!err) {
		for (; !err && mapped < s->npages; mapped++)
			err = window_map(IMAGE_WIN + mapped * PAGE, s->frame[mapped]);
		if (!err)
			p = proc_create(name, (const void *)IMAGE_WIN, len, sw, core, lim, &err);
		while (mapped--)
			cairn_pgtbl_unmap(CAIRN_SLOT_PGTBL, IMAGE_WIN + mapped * PAGE);
	}
	if (!p) {
		sched_unlock();
		return err;
	}
	return child_made(t, p);
}

/* ---- event sets' watches ---- */

/* Locked: the watch key of a source t may watch (its handle); 0 if it names none. */
static uint64_t source_key(struct rthread *t, cairn_word src)
{
	switch (RTOS_HANDLE_KIND(src)) {
	case RTOS_K_THREAD:
		return thread_of(t, src) ? src : 0;
	case RTOS_K_PROC:
		return proc_of(t, src) ? src : 0;
	case RTOS_K_TIMER:
		return timer_of(t, src) ? src : 0;
	case RTOS_K_SEND:
	case RTOS_K_RECV:
		return end_of(t, src) ? src : 0;
	default:
		return 0;
	}
}

static long watch(struct rthread *t, cairn_word src, cairn_word id, cairn_word add, cairn_word d)
{
	long r;

	(void)d;
	if (add > 1)
		return CAIRN_EINVAL;
	sched_lock(t->core);
	struct bp *bp = bp_of(t, id);
	uint64_t key = add ? source_key(t, src) : src;
	if (!bp)
		r = CAIRN_EBADF;
	else if (!key)
		r = CAIRN_EINVAL;
	else
		r = add ? watch_add(key, bp) : watch_remove(key, bp);
	sched_unlock();
	return r;
}

/* Locked: the event a source of this component (thread, process, timer) has ready. */
static uint64_t source_event(struct rthread *t, cairn_word src)
{
	switch (RTOS_HANDLE_KIND(src)) {
	case RTOS_K_THREAD: {
		struct rthread *x = thread_of(t, src);
		if (!x)
			return EVT_ERROR;
		return x->state == T_DEAD || x->state == T_ZOMBIE ? EVT_THREAD_TERM : EVT_NONE;
	}
	case RTOS_K_PROC: {
		struct rproc *p = proc_of(t, src);
		if (!p)
			return EVT_ERROR;
		return p->used ? EVT_NONE : EVT_PROC_TERM;
	}
	case RTOS_K_TIMER: {
		struct rtimer *x = timer_of(t, src);
		if (!x)
			return EVT_ERROR;
		if (!x->fired)
			return EVT_NONE;
		x->fired = 0;		/* reported: consumed, as timer_wait would */
		return EVT_TIMER;
	}
	default:
		return EVT_ERROR;
	}
}

/*
 * The events of n sources listed in the msg, written back over them; how many. At
 * most `limit` are reported (the rest read EVT_NONE, and their timers keep their
 * expiries).
 */
static long poll(struct rthread *t, cairn_word n, cairn_word limit, cairn_word c, cairn_word d)
{
	volatile uint64_t *msg = (volatile uint64_t *)thread_tls(t)->msg;
	long ready = 0;

	(void)c, (void)d;
	if (n > RTOS_MSG_BYTES / 8)
		return CAIRN_EINVAL;
	sched_lock(t->core);
	for (unsigned i = 0; i < n; i++) {
		uint64_t e = (cairn_word)ready < limit ? source_event(t, msg[i]) : EVT_NONE;
		ready += e != EVT_NONE;
		msg[i] = e;
	}
	sched_unlock();
	return ready;
}

/*
 * The keeper of every process: a fault ends the faulting thread's process (only
 * it: nothing else is touched) and is reported on the console - unless it is
 * librtos's pointer probe (struct rtos_tls), which is resumed with EFAULT.
 */
static ret2 keeper(cairn_word vector, cairn_word error, cairn_word addr, cairn_word rip, cairn_word badge,
		   cairn_word tid)
{
	struct rthread *t = enter(badge, tid);

	if (!t)
		return r1(CAIRN_FAULT_STOP);
	volatile struct rtos_tls *w = thread_tls(t);
	uint64_t rd = w->probe_read, wr = w->probe_write, fix = w->probe_fixup;
	if ((vector == 14 || vector == 13) && rip && (rip == rd || rip == wr) && fix &&
	    !cairn_fault_reg(CAIRN_REG_RAX, 1, (cairn_word)CAIRN_EFAULT).r0 &&
	    !cairn_fault_reg(CAIRN_REG_RIP, 1, fix).r0)
		return leave(t, CAIRN_FAULT_RESUME);
	cairn_printf("rtos: process '%s' faulted (vector %lu, error %#lx, address %#lx, rip %#lx): "
		     "it ends\n", t->proc->name, vector, error, addr, rip);
	sched_lock(t->core);
	proc_end(t->proc, CAIRN_EFAULT);
	gone(t);
}

RTOS_GATE(g_yield, yield)
RTOS_GATE(g_thread_create, thread_create)
RTOS_GATE(g_thread_exit, thread_exit)
RTOS_GATE(g_thread_kill, thread_kill)
RTOS_GATE(g_thread_status, thread_status)
RTOS_GATE(g_thread_sched, thread_sched)
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
RTOS_GATE(g_chan_create, chan_create_)
RTOS_GATE2(g_chan_end, chan_end_)
RTOS_GATE(g_chan_close, chan_close_)
RTOS_GATE(g_chan_destroy, chan_destroy_)
RTOS_GATE(g_chan_block, chan_block)
RTOS_GATE(g_chan_wake, chan_wake)
RTOS_GATE(g_chan_status, chan_status)
RTOS_GATE(g_shm_create, shm_create_)
RTOS_GATE(g_shm_map, shm_map_)
RTOS_GATE(g_shm_destroy, shm_destroy_)
RTOS_GATE(g_watch, watch)
RTOS_GATE(g_poll, poll)
RTOS_GATE(g_proc_image, proc_image)
CAIRN_GATE(rtos_keeper_entry, keeper)

/* Gate entries in call order (cairn/rtos_abi.h). */
const uint64_t rtos_gate_entry[RTOS_NCALLS] = {
	[RTOS_YIELD] = (uint64_t)g_yield,
	[RTOS_THREAD_CREATE] = (uint64_t)g_thread_create,
	[RTOS_THREAD_EXIT] = (uint64_t)g_thread_exit,
	[RTOS_THREAD_KILL] = (uint64_t)g_thread_kill,
	[RTOS_THREAD_STATUS] = (uint64_t)g_thread_status,
	[RTOS_THREAD_SCHED] = (uint64_t)g_thread_sched,
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
	[RTOS_CHAN_CREATE] = (uint64_t)g_chan_create,
	[RTOS_CHAN_END] = (uint64_t)g_chan_end,
	[RTOS_CHAN_CLOSE] = (uint64_t)g_chan_close,
	[RTOS_CHAN_DESTROY] = (uint64_t)g_chan_destroy,
	[RTOS_CHAN_BLOCK] = (uint64_t)g_chan_block,
	[RTOS_CHAN_WAKE] = (uint64_t)g_chan_wake,
	[RTOS_CHAN_STATUS] = (uint64_t)g_chan_status,
	[RTOS_SHM_CREATE] = (uint64_t)g_shm_create,
	[RTOS_SHM_MAP] = (uint64_t)g_shm_map,
	[RTOS_SHM_DESTROY] = (uint64_t)g_shm_destroy,
	[RTOS_WATCH] = (uint64_t)g_watch,
	[RTOS_POLL] = (uint64_t)g_poll,
	[RTOS_PROC_IMAGE] = (uint64_t)g_proc_image,
};
