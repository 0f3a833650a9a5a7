/*
 * thread.c: the threads of processes. A thread is a kernel thread homed in its
 * process, with a stack and a TLS page in its own area (cairn/rtos_abi.h) and the S
 * of its core as its scheduler. Its record (threads[], state.c) is found by its
 * handle (gates) or by the kernel's thread id (thread_by_tid); ending it leaves the
 * record to the S of its core, which gives everything back (thread_free, from reap).
 *
 * Above the scheduler's layer, the address spaces and the making of processes
 * (proc.c: window_map); below the processes' lives (life.c).
 */
#include "rtos.h"

#define CT  CAIRN_SLOT_CAPTBL

/*
 * tid -> thread: open addressing over 64 entries (MAX_THREADS < 64), each a thread, 0
 * never used, &tmap_gone a thread that was freed. Changed locked (by thread_new and
 * reap), read without the lock: by enter() (gates.c) for the calling thread and by an
 * S for the thread an event names. Entries never move (a freed one leaves &tmap_gone,
 * which a new one may take), so a lookup that races a change still finds every
 * thread that was there before and after it; and a thread found is the one with that
 * tid (kernel thread ids are not reused), whose record stays while it runs (only the
 * S of its core frees it, and not while it is current).
 */
static struct rthread *tmap[64];
static struct rthread tmap_gone;	/* tid 0, which no thread has; T_FREE */
_Static_assert(MAX_THREADS < 64, "a never-used tmap entry is always left");

struct rthread *thread_by_tid(uint32_t tid)
{
	for (unsigned h = tid & 63, n = 0; n < 64; h = (h + 1) & 63, n++) {
		struct rthread *t = __atomic_load_n(&tmap[h], __ATOMIC_ACQUIRE);
		if (!t)
			break;
		if (t->tid == tid && t->state != T_FREE && t->state != T_ZOMBIE)
			return t;
	}
	return 0;
}

/* Locked: t (set up) is found by its tid from now on. */
static void tmap_put(struct rthread *t)
{
	unsigned h = t->tid & 63;

	while (tmap[h] && tmap[h] != &tmap_gone)
		h = (h + 1) & 63;
	__atomic_store_n(&tmap[h], t, __ATOMIC_RELEASE);
}

/* Locked: t is found no more. */
static void tmap_del(struct rthread *t)
{
	unsigned h = t->tid & 63;

	while (tmap[h] != t)
		h = (h + 1) & 63;
	__atomic_store_n(&tmap[h], &tmap_gone, __ATOMIC_RELEASE);
}

static struct rthread *thread_slot(void)
{
	for (unsigned i = 0; i < MAX_THREADS; i++)
		if (threads[i].state == T_FREE)
			return &threads[i];
	return 0;
}

/* What thread ti of p starts with, in its TLS page (struct rtos_tls; it may change it after). */
static void thread_tls_start(struct rproc *p, unsigned ti, uint64_t entry, uint64_t sched_word, uint64_t tls,
			     uint64_t stack, unsigned core)
{
	struct rtos_tls *w = (struct rtos_tls *)TLS_WIN(ti);

	w->self = (struct rtos_tls *)tls;
	w->entry = entry;
	w->handle = RTOS_HANDLE(RTOS_K_THREAD, threads[ti].gen, ti);
	w->proc = (uint64_t)(p - procs) + 1;
	w->sched = sched_word;
	w->ceiling = p->ceiling;
	w->stack_lo = tls - stack;
	w->core = core;
}

/*
 * A new thread of p on core, ready to run entry (0: main) with the scheduling word
 * sched_word (no core in it) and a stack of stack bytes; S of that core is its
 * scheduler. Locked. 0 and *err on failure, having undone what it did.
 */
struct rthread *thread_new(struct rproc *p, uint64_t entry, uint64_t sched_word, uint64_t stack, unsigned core,
			   long *err)
{
	struct rthread *t = thread_slot();
	unsigned area = p->areas == ~0UL ? 64 : (unsigned)__builtin_ctzl(~p->areas);

	if (!t || area == 64 || (p->max_threads && proc_alive(p) >= p->max_threads)) {
		*err = CAIRN_ENOMEM;
		return 0;
	}
	unsigned ti = (unsigned)(t - threads);
	uint64_t tls = RTOS_TLS_VA(area), tls_frame = 0, kframe = 0;
	long r = space_zero(p, tls, CAIRN_MAP_WRITE, &tls_frame);
	for (uint64_t va = tls - stack; !r && va < tls; va += PAGE)
		r = space_zero(p, va, CAIRN_MAP_WRITE, 0);
	if (!r)
		r = window_map(TLS_WIN(ti), tls_frame);
	if (r)
		goto unmap;
	uint16_t gen = (uint16_t)(t->gen + 1);
	memset(t, 0, sizeof(*t));
	t->gen = gen ? gen : 1;
	thread_tls_start(p, ti, entry, sched_word, tls, stack, core);
	t->slot = kobj_slot();
	t->rcv = kobj_slot();
	kframe = cairn_frame(&mem, CAIRN_FRAME_KERNEL);
	r = t->slot && t->rcv && kframe ? 0 : CAIRN_ENOMEM;
	if (!r) {
		r = cairn_captbl_act_thread(CT, t->slot, CAIRN_SLOT_MEMORY, kframe, p->comp, tls);
		t->tid = (uint32_t)r;
		r = r < 0 ? r : 0;
	}
	if (!r && core)
		r = cairn_thread_core(t->slot, core);
	if (!r)
		r = cairn_thread_tls(t->slot, tls);
	if (!r)
		r = cairn_captbl_act_rcv(CT, t->rcv, t->slot, sched.core[core].rcv);
	if (!r && p->tc)
		r = cairn_thread_tcap(t->slot, p->tc->slot);	/* its process's budget (budget.c) */
	if (!r)		/* its process may switch to it (lease.c) */
		r = cairn_thread_local(t->slot, p->ct, RTOS_LOCAL_SLOT(ti));
	if (r)
		goto bad;
	t->kframe = kframe;
	t->proc = p;
	t->core = (uint8_t)core;
	t->rc = &sched.core[core];
	sched_apply(t, sched_word);
	t->area = area;
	t->pool = -1;
	p->areas |= 1UL << area;
	p->nthreads++;
	tmap_put(t);
	rq_add(t, 0);
	return t;

bad:	/* undone in the reverse order: the kernel thread, its slots, the TLS window */
	cairn_captbl_remove(p->ct, RTOS_LOCAL_SLOT(ti));	/* (empty: an error, nothing done) */
	if (t->tid)
		cairn_captbl_deact(CT, t->slot);
	if (kframe)
		cairn_frame_put(&mem, kframe);
	if (t->slot)
		cairn_slot_put(&mem, t->slot);
	if (t->rcv)
		cairn_slot_put(&mem, t->rcv);
	cairn_pgtbl_unmap(CAIRN_SLOT_PGTBL, TLS_WIN(ti));
	t->state = T_FREE;
unmap:	/* the area's pages */
	space_unmap(p, RTOS_THREAD_AREA(area), RTOS_THREAD_AREA(area) + RTOS_AREA_SIZE);
	*err = r;
	return 0;
}

/*
 * Locked: t runs no more. Its resources go back when the S of its core reaps it;
 * that S is kicked, which also takes the core from t if it runs there now.
 */
void thread_end(struct rthread *t, long status)
{
	if (t->state == T_READY)
		rq_remove(t);
	else if (t->state == T_BLOCKED)
		bp_unwait(t);
	else if (t->state == T_THROTTLED)
		edf_unthrottle(t);
	t->status = status;
	t->state = T_DEAD;
	sched.deaths |= 1u << t->core;
	sched_poke(t->core);
	watch_notify(RTOS_HANDLE(RTOS_K_THREAD, t->gen, t - threads));
}

/* Gives back what a dead thread held: kernel objects, gate stack, stack and TLS. */
void thread_free(struct rthread *t)
{
	struct rproc *p = t->proc;
	unsigned ti = (unsigned)(t - threads);

	tmap_del(t);
	long r = cairn_captbl_remove(p->ct, RTOS_LOCAL_SLOT(ti));
	if (r)
		cairn_printf("rtos: removing a local capability: error %ld\n", r);
	r = cairn_captbl_remove(CT, t->rcv);
	if (r)
		cairn_printf("rtos: removing a receive endpoint: error %ld\n", r);
	cairn_slot_put(&mem, t->rcv);
	kobj_unmake(t->slot, t->kframe);
	gate_stack_free(t);
	cairn_pgtbl_unmap(CAIRN_SLOT_PGTBL, TLS_WIN(ti));
	space_unmap(p, RTOS_THREAD_AREA(t->area), RTOS_THREAD_AREA(t->area) + RTOS_AREA_SIZE);
	p->areas &= ~(1UL << t->area);
	p->nthreads--;
	t->state = (t->nojoin || p->dying) ? T_FREE : T_ZOMBIE;
}

/* Threads of p still alive (not ended). */
unsigned proc_alive(struct rproc *p)
{
	unsigned n = 0;

	for (unsigned i = 0; i < MAX_THREADS; i++)
		n += threads[i].proc == p && thread_alive(&threads[i]);
	return n;
}

/* The message area of t's TLS page, as this component sees it (the process may change
 * it at any time: read it once, check what was read). */
const char *thread_msg(struct rthread *t)
{
	return thread_tls(t)->msg;
}

/* t's TLS page, as this component sees it (untrusted, like the msg). */
struct rtos_tls *thread_tls(struct rthread *t)
{
	return (struct rtos_tls *)TLS_WIN(t - threads);
}
