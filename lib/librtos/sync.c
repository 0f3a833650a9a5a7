/*
 * sync.c: semaphores and mutexes (cairn/rtos.h). The state lives in the process: a
 * counter changed with one atomic instruction, so an uncontended take and give never
 * leave it. The rtos component holds one block point per object: a taker that
 * drives the counter below zero blocks there once, and a giver that finds it below
 * zero wakes once; a wake-up that arrives before its waiter blocks is kept (block
 * points store wake-ups), so none is lost. Waiters wake by priority, FIFO among
 * equals. A mutex is a lock word holding its owner and recursion depth (see
 * mutex_create); it has no priority inheritance.
 *
 * Event sets (event.c) watch an object by leaving their block point here: a give
 * that finds one of them waiting (evwait, counted like channel waiters: both sides
 * use full barriers; for a mutex, WAITING in its word) wakes it, and so does
 * destroying the object.
 */
#include "call.h"

#define MAX_SYNC 256
#define MAX_WATCH 2		/* event sets watching one object */
#define KIND_SEM   RTOS_K_SEM
#define KIND_MUTEX RTOS_K_MUTEX

struct sync {			/* 64 bytes: a table index is a shift */
	long count;		/* semaphore: > 0 free units, < 0 minus the waiters; mutex: lock word */
	uint64_t h;		/* its handle while it lives; 0 */
	volatile uint32_t evwait;	/* event sets waiting on it (event.c) */
	uint64_t bp;		/* its block point in the rtos component */
	uint64_t watch[MAX_WATCH];	/* their block points; 0 free */
	uint16_t gen;
	uint8_t kind;		/* 0: free slot */
	uint8_t recursive;
	uint8_t claimed;	/* being created or destroyed */
	uint8_t misses;		/* semaphore: takes to block at once, a hand-off having found nothing */
} __attribute__((aligned(64)));

_Static_assert(sizeof(struct sync) == 64, "a sync object is 64 bytes");

static struct sync objs[MAX_SYNC];

/*
 * Handles: a mutex's index field is its slot + MAX_SYNC, a semaphore's its slot, so
 * the range check rejects the other kind; a live object keeps its own handle (kind
 * and generation), so one compare does the rest.
 */
static inline unsigned base(unsigned kind)
{
	return kind == KIND_MUTEX ? MAX_SYNC : 0;
}

/* The live object of that kind h names; 0 if none. */
static inline struct sync *lookup(size_t h, unsigned kind)
{
	size_t i = (h & 0xffff) - 1 - base(kind);

	return i < MAX_SYNC && objs[i].h == h ? &objs[i] : 0;
}

static size_t create(unsigned kind, long count, int recursive)
{
	for (unsigned i = 0; i < MAX_SYNC; i++) {
		struct sync *o = &objs[i];
		uint8_t zero = 0;
		if (o->kind || !__atomic_compare_exchange_n(&o->claimed, &zero, 1, 0, __ATOMIC_ACQUIRE,
							    __ATOMIC_RELAXED))
			continue;
		long bp = rtos_call1(RTOS_BP_CREATE, kind == KIND_MUTEX);	/* a mutex's: at most one stored wake-up */
		if (bp < 0) {
			__atomic_store_n(&o->claimed, 0, __ATOMIC_RELEASE);
			return 0;
		}
		o->count = count;
		o->bp = (uint64_t)bp;
		o->recursive = (uint8_t)recursive;
		o->evwait = 0;
		o->misses = 0;
		for (unsigned w = 0; w < MAX_WATCH; w++)
			o->watch[w] = 0;
		o->gen = (uint16_t)(o->gen + 1) ? (uint16_t)(o->gen + 1) : 1;
		o->kind = (uint8_t)kind;
		__atomic_store_n(&o->h, RTOS_HANDLE(kind, o->gen, i + base(kind)), __ATOMIC_RELEASE);
		return o->h;
	}
	return 0;
}

/* The event sets watching o look again. */
static __attribute__((noinline)) void notify(struct sync *o)
{
	for (unsigned w = 0; w < MAX_WATCH; w++) {
		uint64_t bp = o->watch[w];
		if (bp)
			rtos_call1(RTOS_WAKE, bp);
	}
}

static int destroy(size_t h, unsigned kind)
{
	struct sync *o = lookup(h, kind);

	if (!o)
		return EBADF;
	__atomic_store_n(&o->h, 0, __ATOMIC_SEQ_CST);		/* the handle fails from now on */
	o->kind = 0;
	notify(o);
	for (unsigned w = 0; w < MAX_WATCH; w++)
		o->watch[w] = 0;
	rtos_call1(RTOS_BP_DESTROY, o->bp);			/* waiters return EBADF */
	__atomic_store_n(&o->claimed, 0, __ATOMIC_RELEASE);
	return 0;
}

static int try_take(struct sync *o);

/*
 * A take that found no unit (c: the counter it left, the caller counted as waiting).
 * If the caller's process holds the lease on its level, or the rtos grants it
 * instead of blocking the caller (RTOS_YIELD_LOCAL: lib/librtos/local.c), the caller
 * stops counting as waiting, hands its core to the lease's next thread itself, and
 * looks again when it runs: a unit handed between two threads of one level then
 * never calls the rtos. If a give came first (the counter moved), or the look finds
 * nothing, it waits at the rtos as any taker (a give's wake-up is stored there); a
 * look that found nothing makes the next MISS_SKIP takes block at once, so a
 * semaphore given from elsewhere costs no hand-offs that cannot pay.
 */
#define MISS_SKIP 64

static __attribute__((noinline)) int take_slow(struct sync *o, long c)
{
	long r;

	if (o->misses) {
		o->misses--;
		r = rtos_call1(RTOS_BLOCK, o->bp);
	} else {
		r = rtos_local_held() ? RTOS_YIELD_LOCAL : rtos_call(RTOS_BLOCK, o->bp, RTOS_BLOCK_LEASE, 0, 0).r0;
	}
	if (r != RTOS_YIELD_LOCAL)
		return (int)r;
	if (__atomic_compare_exchange_n(&o->count, &c, c + 1, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
		int handed = rtos_local_yield() == 0;
		if (handed && try_take(o) == 0)
			return 0;
		if (handed)
			o->misses = MISS_SKIP;	/* (not when the lease went first: that says nothing of the hand-off) */
		if (__atomic_sub_fetch(&o->count, 1, __ATOMIC_ACQUIRE) >= 0)
			return 0;
	}
	return (int)rtos_call1(RTOS_BLOCK, o->bp);
}

/* Takes a unit, blocking while none is free. */
static inline int take(struct sync *o)
{
	long c = __atomic_sub_fetch(&o->count, 1, __ATOMIC_ACQUIRE);

	if (__builtin_expect(c >= 0, 1))
		return 0;
	return take_slow(o, c);
}

static int try_take(struct sync *o)
{
	long c = __atomic_load_n(&o->count, __ATOMIC_RELAXED);

	while (c > 0)
		if (__atomic_compare_exchange_n(&o->count, &c, c - 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return 0;
	return EAGAIN;
}

/*
 * Gives a unit; wakes a waiter if the counter says one waits. A waiter that ended
 * while blocked still counts there: its wake-up comes back as 1, and the unit is
 * given again (to a taker on its way to block, or to the counter).
 */
static __attribute__((noinline)) int give_slow(struct sync *o)
{
	for (;;) {
		int r = (int)rtos_call1(RTOS_WAKE, o->bp);
		if (r != 1 || __atomic_add_fetch(&o->count, 1, __ATOMIC_RELEASE) > 0)
			return r == 1 ? 0 : r;
	}
}

/* A give that found an event set waiting (c: the counter it left). */
static __attribute__((noinline)) int give_watched(struct sync *o, long c)
{
	notify(o);
	return c > 0 ? 0 : give_slow(o);
}

static inline int give(struct sync *o)
{
	long c = __atomic_add_fetch(&o->count, 1, __ATOMIC_SEQ_CST);

	if (__builtin_expect(o->evwait != 0, 0))
		return give_watched(o, c);
	if (__builtin_expect(c > 0, 1))
		return 0;
	return give_slow(o);
}

sem_t semaphore_create(size_t init_value, size_t flags)
{
	if (flags || init_value > (size_t)INT32_MAX)
		return 0;
	return create(KIND_SEM, (long)init_value, 0);
}

int semaphore_take(sem_t sid)
{
	struct sync *o = lookup(sid, KIND_SEM);

	return o ? take(o) : EBADF;
}

int semaphore_try_take(sem_t sid)
{
	struct sync *o = lookup(sid, KIND_SEM);

	return o ? try_take(o) : EBADF;
}

int semaphore_give(sem_t sid)
{
	struct sync *o = lookup(sid, KIND_SEM);

	return o ? give(o) : EBADF;
}

int semaphore_destroy(sem_t sid)
{
	return destroy(sid, KIND_SEM);
}

/*
 * A mutex's counter is its lock word: FREE, or its owner's thread handle (bits 0-47)
 * with the levels a recursive owner locked it past the first (DEPTH) and WAITING, set
 * once a locker found it held and went to wait, or an event set waits for it to be
 * free. The uncontended lock is one compare-and-swap FREE -> owner and the unlock one
 * exchange back to FREE: the owner needs no store of its own, and one compare finds
 * the owner at depth 0. Only an unlocker that finds WAITING goes further: it tells
 * the event sets and wakes one waiter, which takes the word with WAITING set again
 * (others may still wait), so the next unlock wakes the next. A wake-up meant for a
 * waiter that has ended (1 from WAKE) is sent again; one that finds nobody is stored
 * and costs a woken locker one more look.
 */
#define FREE       0L
#define OWNER      ((1L << 48) - 1)
#define DEPTH_ONE  (1L << 48)
#define DEPTH      (((1L << 14) - 1) << 48)	/* RTOS_MUTEX_DEPTH_MAX - 1 levels past the first */
#define WAITING    (1L << 62)
_Static_assert(DEPTH / DEPTH_ONE == RTOS_MUTEX_DEPTH_MAX - 1, "the depth field holds the levels allowed");

mutex_t mutex_create(size_t flags)
{
	if (flags & ~(size_t)MUTEX_RECURSIVE)
		return 0;
	return create(KIND_MUTEX, FREE, (flags & MUTEX_RECURSIVE) != 0);
}

static inline int acquire_try(struct sync *o, long me)
{
	long free = FREE;

	return __atomic_compare_exchange_n(&o->count, &free, me, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED) ? 0 : EAGAIN;
}

/* Sets WAITING in o's word unless it is FREE: 0, or EAGAIN if it is FREE. */
static int mark_waiting(struct sync *o)
{
	long w = __atomic_load_n(&o->count, __ATOMIC_SEQ_CST);

	while (w != FREE && !(w & WAITING))
		if (__atomic_compare_exchange_n(&o->count, &w, w | WAITING, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			return 0;
	return w == FREE ? EAGAIN : 0;
}

static int acquire_wait(struct sync *o, long me)
{
	for (;;) {
		long free = FREE;
		if (__atomic_compare_exchange_n(&o->count, &free, me | WAITING, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return 0;
		if (mark_waiting(o))
			continue;	/* freed meanwhile: take it */
		int r = (int)rtos_call1(RTOS_BLOCK, o->bp);
		if (r)
			return r;	/* destroyed */
	}
}

/*
 * The lock word was not FREE: the owner locks deeper (if recursive, to
 * RTOS_MUTEX_DEPTH_MAX levels: ERANGE past them; else EINVAL: it would wait for
 * itself), anyone else waits (wait) or gets EAGAIN.
 */
static __attribute__((noinline)) int lock_slow(struct sync *o, long me, int wait)
{
	long w = __atomic_load_n(&o->count, __ATOMIC_RELAXED);

	if ((w & OWNER) == me) {
		if (!o->recursive)
			return EINVAL;
		if ((w & DEPTH) == DEPTH)
			return ERANGE;
		__atomic_add_fetch(&o->count, DEPTH_ONE, __ATOMIC_RELAXED);	/* (a waiter may set WAITING) */
		return 0;
	}
	return wait ? acquire_wait(o, me) : acquire_try(o, me);
}

static inline int lock(mutex_t mid, int wait)
{
	struct sync *o = lookup(mid, KIND_MUTEX);
	long me = (long)rtos_self();

	if (!o)
		return EBADF;
	if (__builtin_expect(acquire_try(o, me) == 0, 1))
		return 0;
	return lock_slow(o, me, wait);
}

int mutex_lock(mutex_t mid)
{
	return lock(mid, 1);
}

int mutex_try_lock(mutex_t mid)
{
	return lock(mid, 0);
}

/* The word was not the caller at depth 0: a level less, or EACCES (not the owner). */
static __attribute__((noinline)) int unlock_slow(struct sync *o, long w, long me)
{
	if ((w & OWNER) != me)
		return EACCES;
	__atomic_sub_fetch(&o->count, DEPTH_ONE, __ATOMIC_RELAXED);	/* (a waiter may set WAITING) */
	return 0;
}

/* The unlock found WAITING: event sets are told, a waiter is woken. */
static __attribute__((noinline)) int release_slow(struct sync *o)
{
	if (o->evwait)
		notify(o);
	while (rtos_call1(RTOS_WAKE, o->bp) == 1)
		;	/* a waiter that ended: wake the next */
	return 0;
}

int mutex_unlock(mutex_t mid)
{
	struct sync *o = lookup(mid, KIND_MUTEX);
	long me = (long)rtos_self();

	if (!o)
		return EBADF;
	long w = __atomic_load_n(&o->count, __ATOMIC_RELAXED);
	if (__builtin_expect((w & ~WAITING) != me, 0))
		return unlock_slow(o, w, me);
	if (__builtin_expect(__atomic_exchange_n(&o->count, FREE, __ATOMIC_SEQ_CST) & WAITING, 0))
		return release_slow(o);
	return 0;
}

int mutex_destroy(mutex_t mid)
{
	return destroy(mid, KIND_MUTEX);
}

/* ---- for event sets (event.c) ---- */

static struct sync *any(size_t h)
{
	struct sync *o = lookup(h, KIND_SEM);

	return o ? o : lookup(h, KIND_MUTEX);
}

/* Adds (on) or removes event set block point bp to h's watchers; 0, EINVAL, ENOMEM. */
int sync_watch(size_t h, uint64_t bp, int on)
{
	struct sync *o = any(h);
	uint64_t *free = 0;

	if (!o)
		return EINVAL;
	for (unsigned w = 0; w < MAX_WATCH; w++) {
		if (o->watch[w] == bp) {
			if (on)
				return EINVAL;
			o->watch[w] = 0;
			return 0;
		}
		if (!o->watch[w] && !free)
			free = &o->watch[w];
	}
	if (!on)
		return EINVAL;
	if (!free)
		return ENOMEM;
	*free = bp;
	return 0;
}

/* The event h has ready: a unit free (unlocked), or destroyed. */
unsigned sync_event(size_t h)
{
	unsigned kind = RTOS_HANDLE_KIND(h);
	struct sync *o = lookup(h, kind);

	if (!o)
		return kind == KIND_SEM ? EVT_SEM_DEST : EVT_MUTEX_DEST;
	long c = __atomic_load_n(&o->count, __ATOMIC_SEQ_CST);
	if (kind == KIND_SEM)
		return c > 0 ? EVT_SEM_TAKE : EVT_NONE;
	return c == FREE ? EVT_MUTEX_LOCK : EVT_NONE;
}

/* An event set starts (delta 1) or stops (-1) waiting on h. */
void sync_waiting(size_t h, int delta)
{
	struct sync *o = any(h);

	if (!o)
		return;
	__atomic_add_fetch(&o->evwait, (uint32_t)delta, __ATOMIC_SEQ_CST);
	if (delta > 0 && o->kind == KIND_MUTEX)
		mark_waiting(o);	/* so the unlock goes the slow way, which tells it */
}
