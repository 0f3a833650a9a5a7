/*
 * handle.h: who calls (gate_enter), and what a handle (cairn/rtos_abi.h) or a name
 * in the msg names, for the gates (gates.h includes it); inline, as they are on
 * every call's path. A handle is looked up, checked (its generation,
 * the object in use, owned by the calling process) and the object used under one
 * hold of sched.lock: once the lock is released the slot may be freed and taken by
 * another process's object, whatever was checked before (sched.c: only a running
 * thread holds the lock, but any thread can be preempted before it takes it;
 * tests/rtos/rtos_race). So every lookup here checks that its caller t holds the
 * lock (held_by): a lookup without it stops the thread in the kernel, and its core's
 * S ends it (main.c end_stopped).
 *
 * Above the objects it finds (threads, processes, block points, timers, sharing);
 * below the gates.
 */
#ifndef RTOS_HANDLE_H
#define RTOS_HANDLE_H

#include "rtos.h"

/*
 * The calling thread, marked as inside this component on the gate stack it runs on
 * (so that a thread ended while in here gives that stack back); 0 if the caller is
 * not a thread of the badge's process. Not locked: thread_by_tid finds the caller,
 * whose record stays while it runs. If its process switched to it by itself (its
 * core's current is another of its threads: lease.c), the state follows first. Its
 * core's current is only changed by threads of that core, so the look needs no lock.
 */
static inline struct rthread *gate_enter(cairn_word badge, cairn_word tid)
{
	struct rthread *t = thread_by_tid((uint32_t)tid);
	char here;

	if (!t || badge == 0 || badge > MAX_PROCS || t->proc != &procs[badge - 1])
		return 0;
	t->pool = (int8_t)((&here - &cairn_stacks[0][0]) / GATE_STACK);
	t->in_rtos = 1;
	if (unlikely(__atomic_load_n(&t->rc->current, __ATOMIC_RELAXED) != t)) {
		sched_lock(t->core);
		sched_adopt(t->rc, t);
		sched_unlock();
	}
	return t;
}

/* t's lookup runs under the lock t took (sched_lock(t->core)); else t stops here. */
static inline void held_by(const struct rthread *t)
{
	if (unlikely(__atomic_load_n(&sched.lock, __ATOMIC_RELAXED) != t->core + 1u))
		__builtin_trap();
}

/*
 * Takes t's core's lock, then looks up (lookup: a *_of(t, ...) call below): the object
 * it found, with the lock held; or 0, the lock released (the gate answers EBADF).
 */
#define LOCKED(t, lookup) __extension__({				\
	sched_lock((t)->core);						\
	__typeof__(lookup) found_ = (lookup);				\
	if (!found_)							\
		sched_unlock();						\
	found_;								\
})

/*
 * A handle of kind into n objects whose generations are at gen with stride bytes
 * between them: the index, or -1 if it names none of them.
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

/* The index of t's process, as objects record their owner. */
static inline unsigned proc_index(const struct rthread *t)
{
	return (unsigned)(t->proc - procs);
}

/* Locked: the thread a handle names in t's process; 0 if none. */
static inline struct rthread *thread_of(struct rthread *t, uint64_t h)
{
	held_by(t);
	long i = HANDLE_INDEX(h, RTOS_K_THREAD, threads);
	struct rthread *x = i < 0 ? 0 : &threads[i];

	return x && x->state != T_FREE && x->proc == t->proc ? x : 0;
}

/* Locked: the block point of t's process id names; 0 if none. */
static inline struct bp *bp_of(struct rthread *t, uint64_t id)
{
	held_by(t);
	long i = HANDLE_INDEX(id, RTOS_K_BP, bps);
	struct bp *bp = i < 0 ? 0 : &bps[i];

	return bp && bp->used && bp->proc == proc_index(t) ? bp : 0;
}

/* Locked: the timer of t's process id names; 0 if none. */
static inline struct rtimer *timer_of(struct rthread *t, uint64_t id)
{
	held_by(t);
	long i = HANDLE_INDEX(id, RTOS_K_TIMER, timers);
	struct rtimer *x = i < 0 ? 0 : &timers[i];

	return x && x->used && x->proc == proc_index(t) ? x : 0;
}

/* A process's handle (its creator's: RTOS_K_PROC). */
static inline uint64_t proc_handle(const struct rproc *p)
{
	return RTOS_HANDLE(RTOS_K_PROC, p->gen, p - procs);
}

/*
 * Locked: the process id names that t's process created, running or ended, while its
 * exit status is still to be taken; 0 if none.
 */
static inline struct rproc *proc_of(struct rthread *t, uint64_t id)
{
	held_by(t);
	long i = HANDLE_INDEX(id, RTOS_K_PROC, procs);
	struct rproc *p = i < 0 ? 0 : &procs[i];

	return p && !p->reported && p->parent == proc_handle(t->proc) ? p : 0;
}

/* Locked: the channel of t's process h names; 0 if none. */
static inline struct chan *chan_of(struct rthread *t, uint64_t h)
{
	held_by(t);
	long i = HANDLE_INDEX(h, RTOS_K_CHAN, chans);

	return i >= 0 && chans[i].used && chans[i].owner == proc_index(t) ? &chans[i] : 0;
}

/* Locked: the open end of t's process a handle names (either kind); 0 if none. */
static inline struct chend *end_of(struct rthread *t, uint64_t h)
{
	held_by(t);
	unsigned kind = RTOS_HANDLE_KIND(h) == RTOS_K_SEND ? RTOS_K_SEND : RTOS_K_RECV;
	long i = HANDLE_INDEX(h, kind, ends);
	struct chend *e = i < 0 ? 0 : &ends[i];

	return e && e->used && e->proc == proc_index(t) &&
	       e->dir == (kind == RTOS_K_SEND ? RTOS_END_SEND : RTOS_END_RECV) ? e : 0;
}

/* Locked: the open socket of t's process h names; 0 if none. */
static inline struct rsock *sock_of(struct rthread *t, uint64_t h)
{
	held_by(t);
	long i = HANDLE_INDEX(h, RTOS_K_SOCK, rsocks);

	return i >= 0 && rsocks[i].open && rsocks[i].owner == proc_index(t) ? &rsocks[i] : 0;
}

/* Locked: the port t's process holds that h names; 0 if none. */
static inline struct rport *port_of(struct rthread *t, uint64_t h)
{
	held_by(t);
	long i = HANDLE_INDEX(h, RTOS_K_PORT, rports);

	return i >= 0 && rports[i].used && rports[i].owner == proc_index(t) ? &rports[i] : 0;
}

/* Locked: the live region h names (any process's: regions are found by whoever has one). */
static inline struct shm *shm_of(struct rthread *t, uint64_t h)
{
	held_by(t);
	long i = HANDLE_INDEX(h, RTOS_K_SHM, shms);

	return i >= 0 && shms[i].used && !shms[i].destroyed ? &shms[i] : 0;
}

/*
 * A name from t's msg into buf (RTOS_NAME_MAX bytes): its length, or -1 if it is
 * too long. Read once: the process may change the msg meanwhile.
 */
static inline long msg_name(struct rthread *t, char *buf)
{
	const volatile char *msg = thread_msg(t);
	unsigned n = 0;

	for (; n < RTOS_NAME_MAX; n++)
		if (!(buf[n] = msg[n]))
			return n;
	return -1;
}

#endif
