/*
 * gates_chan.c: the calls on channels and shared memory regions (gates.h). Each
 * decodes its arguments, checks them, and only then changes anything; a handle is
 * looked up and used under one hold of the lock (handle.h), a name read once from
 * the msg.
 */
#define RTOS_IF_chan(m, ...) m(__VA_ARGS__)	/* this file serves the channel and shared-memory calls */
#include "gates.h"

/* ---- channels ---- */

static long gate_chan_create(struct rthread *t, const struct rtos_args *a)
{
	uint64_t size = a->a, len = a->b, flags = a->c;
	char name[RTOS_NAME_MAX];
	long err, n = msg_name(t, name);

	if (n < 0 || !size || size > RTOS_CHAN_MSG_MAX || !len || len > RTOS_CHAN_SLOTS_MAX ||
	    (flags != RTOS_CHAN_SPSC && flags != RTOS_CHAN_MPMC) ||
	    sizeof(struct rtos_chan_hdr) + (8 + ((size + 7) & ~7UL)) * len > SHM_PAGES * PAGE)
		return CAIRN_EINVAL;
	sched_lock(t->core);
	struct chan *c = 0;
	if (n && chan_named(name))
		err = CAIRN_EINVAL;		/* the name is taken */
	else
		c = chan_create(t->proc, name, (uint32_t)size, (uint32_t)len, flags == RTOS_CHAN_MPMC, &err);
	sched_unlock();
	return c ? (long)RTOS_HANDLE(RTOS_K_CHAN, c->gen, c - chans) : err;
}

/* A new end of a channel: the caller's own by handle, or any by name and geometry. */
static ret2 gate_chan_end(struct rthread *t, const struct rtos_args *a)
{
	uint64_t h = a->a, dir = a->b, size = a->c, len = a->d;
	char name[RTOS_NAME_MAX];
	long err = CAIRN_EINVAL;

	if (dir != RTOS_END_SEND && dir != RTOS_END_RECV)
		return (struct cairn_ret2){ CAIRN_EINVAL, 0 };
	if (!h && msg_name(t, name) <= 0)
		return (struct cairn_ret2){ CAIRN_EINVAL, 0 };
	sched_lock(t->core);
	struct chan *c = h ? chan_of(t, h) : chan_named(name);
	if (!c)
		err = h ? CAIRN_EBADF : CAIRN_EINVAL;
	else if (!h && (c->type_size != size || c->slots != len))
		c = 0;
	struct chend *e = c ? chan_open(t->proc, c, (unsigned)dir, &err) : 0;
	if (e) {
		struct rtos_chan_geom *g = (struct rtos_chan_geom *)thread_tls(t)->msg;
		*g = (struct rtos_chan_geom){ c->type_size, c->slots, c->stride,
					      c->mpmc ? RTOS_CHAN_MPMC : RTOS_CHAN_SPSC, c->bytes };
	}
	sched_unlock();
	return e ? (struct cairn_ret2){ (long)end_handle(e), e->va } : (struct cairn_ret2){ err, 0 };
}

static long gate_chan_close(struct rthread *t, const struct rtos_args *a)
{
	struct chend *e = LOCKED(t, end_of(t, a->a));

	if (!e)
		return CAIRN_EBADF;
	chan_close(e);
	sched_preempt(t);	/* a better waiter it released runs now */
	return 0;
}

static long gate_chan_destroy(struct rthread *t, const struct rtos_args *a)
{
	struct chan *ch = LOCKED(t, chan_of(t, a->a));

	if (!ch)
		return CAIRN_EBADF;
	chan_destroy(ch);
	sched_preempt(t);
	return 0;
}

/* Locked: the live channel of the end h names, and its side (0 send, 1 receive). */
static struct chan *chan_side(struct rthread *t, uint64_t h, unsigned *side)
{
	struct chend *e = end_of(t, h);
	struct chan *c = e ? end_chan(e) : 0;

	*side = e && e->dir == RTOS_END_RECV;
	return c;
}

static long gate_chan_block(struct rthread *t, const struct rtos_args *a)
{
	unsigned side;

	struct chan *ch = LOCKED(t, chan_side(t, a->a, &side));

	if (!ch)
		return CAIRN_EBADF;
	return a->b == RTOS_BLOCK_LEASE ? bp_block_lease(t, ch->bp[side]) : bp_block(t, ch->bp[side]);
}

/* Wakes the other side of h's channel: a waiting thread, the event sets watching. */
static long gate_chan_wake(struct rthread *t, const struct rtos_args *a)
{
	uint64_t what = a->b;
	unsigned side;

	struct chan *ch = LOCKED(t, chan_side(t, a->a, &side));

	if (!ch)
		return CAIRN_EBADF;
	if (!(what & RTOS_WAKE_WATCHERS))
		return bp_wake(t, ch->bp[side ^ 1]);
	chan_notify(ch, side ^ 1);
	if (what & RTOS_WAKE_THREADS)
		bp_post(ch->bp[side ^ 1]);
	sched_preempt(t);
	return 0;
}

static long gate_chan_status(struct rthread *t, const struct rtos_args *a)
{
	unsigned side;

	sched_lock(t->core);
	struct chan *ch = chan_side(t, a->a, &side);
	long r = ch ? (long)(ch->open[0] | ch->open[1] << 16) : CAIRN_EBADF;
	sched_unlock();
	return r;
}

/* ---- shared memory ---- */

/* A region of the caller's pages at `at`, or of fresh ones; named by the msg or not. */
static long gate_shm_create(struct rthread *t, const struct rtos_args *a)
{
	uint64_t at = a->a, len = a->b;
	char name[RTOS_NAME_MAX];
	long err, n = msg_name(t, name);

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
static struct shm *region(struct rthread *t, uint64_t h)
{
	char name[RTOS_NAME_MAX];

	if (h)
		return shm_of(t, h);
	return msg_name(t, name) > 0 ? shm_named(name) : 0;
}

static long gate_shm_map(struct rthread *t, const struct rtos_args *a)
{
	uint64_t va = 0;
	long r = CAIRN_EINVAL;

	sched_lock(t->core);
	struct shm *s = region(t, a->a);
	if (s)
		r = shm_map(t->proc, s, &va);
	sched_unlock();
	return r ? r : (long)va;
}

static long gate_shm_destroy(struct rthread *t, const struct rtos_args *a)
{
	sched_lock(t->core);
	struct shm *s = region(t, a->a);
	long r = s && s->owner == t->proc - procs ? 0 : CAIRN_EINVAL;
	if (!r)
		shm_destroy(s);
	sched_unlock();
	return r;
}

RTOS_SERVE_FAMILY
