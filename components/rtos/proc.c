/*
 * proc.c: processes and threads. A process is a component this component builds
 * from an ELF image: its own capability table (holding only gates into here), page
 * table, image, Root page, and this component as its keeper (a fault ends the
 * process). A thread is a kernel thread homed in it, with a stack and a TLS page in
 * its own area (cairn/rtos_abi.h) and S as its scheduler.
 *
 * Every kernel object, page-table node and mapped frame is recorded, so that ending
 * a thread or a process gives every frame and slot back (reap(), run by S).
 */
#include "rtos.h"
#include <common/elf.h>

#define CT  CAIRN_SLOT_CAPTBL
#define IMAGE_LO   0x400000UL
#define IMAGE_HI   0x10000000UL

struct rthread threads[MAX_THREADS];
struct rproc procs[MAX_PROCS];
static int window_ready;

extern const uint64_t rtos_gate_entry[RTOS_NCALLS];
extern char rtos_keeper_entry[];
extern uint64_t cairn_stack_map;

/* ---- kernel objects, recorded ---- */

/* A free slot of this component's table (0 if none): a new leaf when needed. */
static unsigned slot(void)
{
	cairn_reserve_slots(&mem);
	return cairn_slot(&mem);
}

/* A kernel object of op's kind in a fresh slot here; 0 and *err on failure. */
static unsigned object(unsigned op, unsigned level, uint64_t *frame, long *err)
{
	unsigned s = slot();
	uint64_t f = s ? cairn_frame(&mem, CAIRN_FRAME_KERNEL) : 0;

	if (!f) {
		if (s)
			cairn_slot_put(&mem, s);
		*err = CAIRN_ENOMEM;
		return 0;
	}
	*err = cairn_call(CT, op, s, CAIRN_SLOT_MEMORY, f, level, 0, 0);
	if (*err) {
		cairn_frame_put(&mem, f);
		cairn_slot_put(&mem, s);
		return 0;
	}
	*frame = f;
	return s;
}

/* Destroys the object in slot s (made by object()) and gives slot and frame back. */
static void unobject(unsigned s, uint64_t frame)
{
	long r = cairn_captbl_deact(CT, s);

	if (r)
		cairn_printf("rtos: deactivating slot %u: error %ld\n", s, r);
	if (!r && frame && cairn_frame_put(&mem, frame))
		cairn_printf("rtos: frame %lx not freed\n", frame);
	cairn_slot_put(&mem, s);
}

/* ---- address spaces ---- */

static struct node *node_find(struct rproc *p, uint64_t va, unsigned level)
{
	unsigned shift = 12 + 9 * level;

	for (unsigned i = 0; i < p->nnodes; i++)
		if (p->node[i].level == level && p->node[i].va >> shift == va >> shift)
			return &p->node[i];
	return 0;
}

/* The level 3..1 nodes covering va in p's page table, made if missing. */
static long space_path(struct rproc *p, uint64_t va)
{
	for (unsigned level = 3; level >= 1; level--) {
		if (node_find(p, va, level))
			continue;
		if (p->nnodes == PROC_NODES)
			return CAIRN_ENOMEM;
		struct node *n = &p->node[p->nnodes];
		long err;
		n->slot = object(CAIRN_OP_CAPTBL_ACT_PGTBL, level, &n->frame, &err);
		if (!n->slot)
			return err;
		n->va = va;
		n->level = level;
		err = cairn_pgtbl_cons(p->pt, va, n->slot);
		if (err) {
			unobject(n->slot, n->frame);
			return err;
		}
		p->nnodes++;
	}
	return 0;
}

/* Maps frame at va in p, recorded with tag (a shared region's index + 1, or 0). */
static long space_map(struct rproc *p, uint64_t va, uint64_t frame, unsigned rights, unsigned tag)
{
	if (p->npages == PROC_PAGES || (p->max_pages && p->npages >= p->max_pages))
		return CAIRN_ENOMEM;
	long r = space_path(p, va);
	if (!r)
		r = cairn_pgtbl_map(p->pt, va, CAIRN_SLOT_MEMORY, frame, rights);
	if (!r)
		p->page[p->npages++] = (struct page){ va, frame | tag };
	return r;
}

/* A fresh zeroed page at va in p. */
static long space_zero(struct rproc *p, uint64_t va, unsigned rights, uint64_t *frame)
{
	uint64_t f = cairn_frame(&mem, CAIRN_FRAME_USER);

	if (!f)
		return CAIRN_ENOMEM;
	long r = space_map(p, va, f, rights, 0);
	if (r)
		cairn_frame_put(&mem, f);
	else if (frame)
		*frame = f;
	return r;
}

/*
 * Unmaps every recorded page of p in [lo, hi) and gives its own frames back (a
 * shared region's frames go back when the region has no mapping left).
 */
void space_unmap(struct rproc *p, uint64_t lo, uint64_t hi)
{
	for (unsigned i = 0; i < p->npages;) {
		struct page *pg = &p->page[i];
		if (pg->va < lo || pg->va >= hi) {
			i++;
			continue;
		}
		unsigned tag = (unsigned)(pg->frame & (PAGE - 1));
		long r = cairn_pgtbl_unmap(p->pt, pg->va);
		if (!r && tag)
			shm_unmapped(tag - 1);
		else if (!r)
			r = cairn_frame_put(&mem, pg->frame);
		if (r)
			cairn_printf("rtos: unmapping %lx from '%s': error %ld\n", pg->va, p->name, r);
		*pg = p->page[--p->npages];
	}
}

/* Maps frame into this component's own window at va (its path made once). */
long window_map(uint64_t va, uint64_t frame)
{
	if (!window_ready) {
		long r = cairn_pgtbl_path(&mem, CAIRN_SLOT_PGTBL, WIN_VA);
		if (r)
			return r;
		window_ready = 1;
	}
	return cairn_pgtbl_map(CAIRN_SLOT_PGTBL, va, CAIRN_SLOT_MEMORY, frame, CAIRN_MAP_WRITE);
}

/* The window frames are filled through (ctx unused). */
static long fill_map(void *ctx, uint64_t frame)
{
	(void)ctx;
	return window_map(FILL_WIN, frame);
}

static const struct cairn_window fill_win = { .va = FILL_WIN, .map = fill_map };

/* Copies len bytes of src (zeroes if 0) into frame at off. */
static long fill(uint64_t frame, uint64_t off, const void *src, uint64_t len)
{
	return cairn_window_fill(&fill_win, frame, off, src, len);
}

/* cairn_load_elf's page (ctx: the process): a fresh zeroed page at va, recorded. */
static long load_page(void *ctx, uint64_t va, unsigned rights, uint64_t *frame)
{
	return space_zero(ctx, va, rights, frame);
}

/* Loads a checked image into p: a private copy of each loadable page (cairn_load_elf). */
static long load(struct rproc *p, const char *file, const struct elf_image *img)
{
	const struct cairn_loader l = { .window = &fill_win, .page = load_page, .ctx = p };

	return cairn_load_elf(&l, file, img);
}

/* ---- threads ---- */

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
	if (r) {
		space_unmap(p, RTOS_THREAD_AREA(area), RTOS_THREAD_AREA(area) + RTOS_AREA_SIZE);
		*err = r;
		return 0;
	}
	uint16_t gen = (uint16_t)(t->gen + 1);
	memset(t, 0, sizeof(*t));
	t->gen = gen ? gen : 1;
	struct rtos_tls *w = (struct rtos_tls *)TLS_WIN(ti);
	w->self = (struct rtos_tls *)tls;
	w->entry = entry;
	w->handle = RTOS_HANDLE(RTOS_K_THREAD, t->gen, ti);
	w->proc = (uint64_t)(p - procs) + 1;
	w->sched = sched_word;
	w->ceiling = p->ceiling;
	w->stack_lo = tls - stack;
	t->slot = slot();
	t->rcv = slot();
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
	if (r) {
		if (t->tid)
			cairn_captbl_deact(CT, t->slot);
		if (kframe)
			cairn_frame_put(&mem, kframe);
		cairn_slot_put(&mem, t->slot);
		cairn_slot_put(&mem, t->rcv);
		cairn_pgtbl_unmap(CAIRN_SLOT_PGTBL, TLS_WIN(ti));
		space_unmap(p, RTOS_THREAD_AREA(area), RTOS_THREAD_AREA(area) + RTOS_AREA_SIZE);
		t->state = T_FREE;
		*err = r;
		return 0;
	}
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
static void thread_free(struct rthread *t)
{
	struct rproc *p = t->proc;
	unsigned ti = (unsigned)(t - threads);

	tmap_del(t);
	long r = cairn_captbl_remove(CT, t->rcv);
	if (r)
		cairn_printf("rtos: removing a receive endpoint: error %ld\n", r);
	cairn_slot_put(&mem, t->rcv);
	unobject(t->slot, t->kframe);
	if (t->in_rtos && t->pool >= 0)
		__atomic_and_fetch(&cairn_stack_map, ~(1UL << t->pool), __ATOMIC_RELEASE);
	cairn_pgtbl_unmap(CAIRN_SLOT_PGTBL, TLS_WIN(ti));
	space_unmap(p, RTOS_THREAD_AREA(t->area), RTOS_THREAD_AREA(t->area) + RTOS_AREA_SIZE);
	p->areas &= ~(1UL << t->area);
	p->nthreads--;
	t->state = (t->nojoin || p->dying) ? T_FREE : T_ZOMBIE;
}

/* ---- processes ---- */

static void proc_free(struct rproc *p)
{
	for (unsigned n = 0; n < RTOS_NCALLS; n++)
		cairn_captbl_remove(p->ct, RTOS_GATE_BASE + n);
	if (p->comp)
		unobject(p->comp, p->comp_frame);
	space_unmap(p, 0, ~0UL);
	for (unsigned level = 1; level <= 3; level++)
		for (unsigned i = 0; i < p->nnodes; i++) {
			struct node *n = &p->node[i];
			if (n->level != level)
				continue;
			long r = cairn_pgtbl_decons(p->pt, n->va, level);
			if (r)
				cairn_printf("rtos: unhooking a level-%u table of '%s': error %ld\n", level, p->name, r);
			unobject(n->slot, n->frame);
		}
	p->nnodes = 0;
	if (p->pt)
		unobject(p->pt, p->pt_frame);
	if (p->leaf) {
		cairn_captbl_decons(p->ct, 0);
		unobject(p->leaf, p->leaf_frame);
	}
	if (p->ct)
		unobject(p->ct, p->ct_frame);
	if (p->keeper) {
		cairn_captbl_deact(CT, p->keeper);
		cairn_slot_put(&mem, p->keeper);
	}
	p->used = 0;
	p->dying = 0;
	watch_notify(RTOS_HANDLE(RTOS_K_PROC, p->gen, p - procs));
}

/*
 * The S of core, locked: frees the dead threads of core and the processes that have
 * none left (only after something ended: a timer interrupt costs no scan). No thread
 * of core runs meanwhile (its S does), so none of them is in the kernel.
 */
void reap(unsigned core)
{
	if (!(sched.deaths >> core & 1))
		return;
	sched.deaths &= ~(1u << core);
	for (unsigned i = 0; i < MAX_THREADS; i++) {
		if (threads[i].state != T_DEAD || threads[i].core != core)
			continue;
		if (&threads[i] == sched.core[core].current)
			sched.deaths |= 1u << core;	/* still on its way out: next time */
		else
			thread_free(&threads[i]);
	}
	for (unsigned i = 0; i < MAX_PROCS; i++)
		if (procs[i].used && procs[i].dying && !procs[i].nthreads)
			proc_free(&procs[i]);
}

/* Threads of p still alive (not ended). */
unsigned proc_alive(struct rproc *p)
{
	unsigned n = 0;

	for (unsigned i = 0; i < MAX_THREADS; i++)
		n += threads[i].proc == p && thread_alive(&threads[i]);
	return n;
}

/* Locked: every thread of p ends; p goes when S has reaped them. */
void proc_end(struct rproc *p, long status)
{
	if (p->dying)
		return;
	p->dying = 1;
	sched.deaths |= 1u << sched_holder();	/* (if no thread of it is left to end) */
	p->status = status;
	proc_objects_free(p);
	for (unsigned i = 0; i < MAX_THREADS; i++)
		if (threads[i].proc == p && threads[i].state != T_FREE && threads[i].state != T_DEAD &&
		    threads[i].state != T_ZOMBIE)
			thread_end(&threads[i], status);
	for (unsigned i = 0; i < MAX_THREADS; i++)
		if (threads[i].proc == p && threads[i].state == T_ZOMBIE)
			threads[i].state = T_FREE;
}

static long write_root(struct rproc *p)
{
	static struct cairn_root rt;
	uint64_t f;
	long r = space_zero(p, CAIRN_ROOT_VA, 0, &f);

	if (r)
		return r;
	memset(&rt, 0, sizeof(rt));
	rt.magic = CAIRN_ROOT_MAGIC;
	rt.comp_id = (uint64_t)(p - procs) + 1;
	memcpy(rt.name, p->name, sizeof(rt.name));
	rt.cores = root->cores;
	rt.tsc_hz = root->tsc_hz;
	rt.timer_hz = root->timer_hz;
	rt.boot_tsc = root->boot_tsc;
	rt.build_tsc = cairn_cycles();
	rt.generation = 1;
	memcpy(rt.import[0].name, "rtos", 5);
	rt.import[0].slot = RTOS_GATE_BASE;
	rt.import[0].nfns = RTOS_NCALLS;
	rt.nimports = 1;
	rt.free_slot = RTOS_GATE_BASE + RTOS_NCALLS;
	return fill(f, 0, &rt, sizeof(rt));
}

/* Tables, gates, keeper, image and Root page of p; its first thread is made after. */
static long proc_build(struct rproc *p, const void *elf, uint64_t len)
{
	struct elf_image img;
	long r;

	if (elf_check(elf, len, IMAGE_LO, IMAGE_HI, &img) != ELF_OK)
		return CAIRN_EINVAL;
	p->ct = object(CAIRN_OP_CAPTBL_ACT_CAPTBL, 0, &p->ct_frame, &r);
	if (p->ct)
		p->leaf = object(CAIRN_OP_CAPTBL_ACT_CAPTBL, 1, &p->leaf_frame, &r);
	if (p->leaf)
		r = cairn_captbl_cons(p->ct, 0, p->leaf);
	if (!r)
		p->pt = object(CAIRN_OP_CAPTBL_ACT_PGTBL, 4, &p->pt_frame, &r);
	if (p->pt)
		r = load(p, elf, &img);
	if (!r)
		r = write_root(p);
	if (!r) {
		p->comp = slot();
		p->comp_frame = cairn_frame(&mem, CAIRN_FRAME_KERNEL);
		r = p->comp && p->comp_frame ? cairn_captbl_act_comp(CT, p->comp, CAIRN_SLOT_MEMORY, p->comp_frame,
								      p->ct, p->pt, img.entry) : CAIRN_ENOMEM;
		if (r) {
			if (p->comp_frame)
				cairn_frame_put(&mem, p->comp_frame);
			cairn_slot_put(&mem, p->comp);
			p->comp = 0;
		}
	}
	uint64_t badge = (uint64_t)(p - procs) + 1;
	for (unsigned n = 0; !r && n < RTOS_NCALLS; n++)
		r = cairn_captbl_act_sinv(p->ct, RTOS_GATE_BASE + n, CAIRN_SLOT_COMP, rtos_gate_entry[n], badge, 0);
	if (!r) {
		p->keeper = slot();
		r = p->keeper ? cairn_captbl_act_sinv(CT, p->keeper, CAIRN_SLOT_COMP, (uint64_t)rtos_keeper_entry,
						     badge, 0) : CAIRN_ENOMEM;
	}
	if (!r)
		r = cairn_comp_keeper(p->comp, p->keeper);
	return r;
}

/*
 * Locked. A process running elf (len bytes) with its main thread as sched_word says
 * on core, within limits (RTOS_LIMITS, its ceiling stated: sched_check has passed the
 * main thread's priority against it); 0 and *err.
 */
struct rproc *proc_create(const char *name, const void *elf, uint64_t len, uint64_t sched_word, unsigned core,
			  uint64_t limits, long *err)
{
	struct rproc *p = 0;

	for (unsigned i = 0; i < MAX_PROCS && !p; i++)
		if (!procs[i].used)
			p = &procs[i];
	if (!p) {
		*err = CAIRN_ENOMEM;
		return 0;
	}
	uint16_t gen = (uint16_t)(p->gen + 1);
	memset(p, 0, sizeof(*p));
	p->gen = gen ? gen : 1;
	p->used = 1;
	p->reported = 0;
	p->max_pages = RTOS_LIMIT_PAGES(limits);
	p->max_threads = RTOS_LIMIT_THREADS(limits);
	p->ceiling = RTOS_LIMIT_CEILING(limits);
	unsigned i = 0;
	for (; name[i] && i + 1 < sizeof(p->name); i++)
		p->name[i] = name[i];
	*err = proc_build(p, elf, len);
	if (!*err && thread_new(p, 0, sched_word, RTOS_STACK_DEFAULT, core, err))
		return p;
	p->dying = 1;
	proc_free(p);
	return 0;
}

/* Locked: a process running the program at path in the file system; 0 and *err. */
struct rproc *proc_start(const char *path, uint64_t sched_word, unsigned core, uint64_t limits, long *err)
{
	const void *elf;
	uint64_t len;
	const char *name = path;

	*err = rtos_file(path, &elf, &len);
	if (*err)
		return 0;
	for (const char *c = path; *c; c++)
		if (*c == '/')
			name = c + 1;
	return proc_create(name, elf, len, sched_word, core, limits, err);
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

/* ---- memory ---- */

/* The highest page p has in [lo, hi); 0 if none. */
static uint64_t page_in(struct rproc *p, uint64_t lo, uint64_t hi)
{
	uint64_t top = 0;

	for (unsigned i = 0; i < p->npages; i++)
		if (p->page[i].va >= lo && p->page[i].va < hi && p->page[i].va >= top)
			top = p->page[i].va + 1;
	return top;
}

static int page_mapped(struct rproc *p, uint64_t lo, uint64_t hi)
{
	return page_in(p, lo, hi) != 0;
}

/*
 * Where len bytes (align-ed) go in p: at `at`, or (0) the lowest place in p's heap
 * with room (first fit: freed room is used again, so the page-table nodes p needs
 * stay few). EINVAL for a bad length, alignment or place (outside the heap region,
 * or overlapping pages p has); ENOMEM if the heap has no such room.
 */
static long place(struct rproc *p, uint64_t at, uint64_t len, uint64_t align, uint64_t *va)
{
	if (!len || len % PAGE || len > RTOS_HEAP_END - RTOS_HEAP_BASE || align < PAGE || (align & (align - 1)) ||
	    align > (1UL << 30))
		return CAIRN_EINVAL;
	if (!at) {
		uint64_t top;
		at = RTOS_HEAP_BASE;		/* aligned to any align allowed */
		while ((top = page_in(p, at, at + len)) != 0) {
			at = (top - 1 + PAGE + align - 1) & ~(align - 1);
			if (at > RTOS_HEAP_END - len)
				return CAIRN_ENOMEM;
		}
	}
	if (at % PAGE || at < RTOS_HEAP_BASE || at > RTOS_HEAP_END - len || page_mapped(p, at, at + len))
		return CAIRN_EINVAL;
	*va = at;
	return 0;
}

/*
 * Zeroed pages for p: len bytes at `at` (0: where p's heap has room, aligned to
 * align). EINVAL for a bad length, alignment or place (outside the heap region, or
 * overlapping pages p has); ENOMEM when memory runs out (nothing stays mapped).
 */
long proc_mem_get(struct rproc *p, uint64_t at, uint64_t len, uint64_t align, uint64_t *va)
{
	long r = place(p, at, len, align, &at);

	for (uint64_t a = at; !r && a < at + len; a += PAGE) {
		r = space_zero(p, a, CAIRN_MAP_WRITE, 0);
		if (r)
			space_unmap(p, at, a);
	}
	if (!r)
		*va = at;
	return r;
}

/* Maps n frames of the shared region tag - 1 writable at a place p's heap has; *va. */
long proc_map_frames(struct rproc *p, const uint64_t *frame, unsigned n, unsigned tag, uint64_t *va)
{
	uint64_t at;
	long r = place(p, 0, n * PAGE, PAGE, &at);

	for (unsigned i = 0; !r && i < n; i++) {
		r = space_map(p, at + i * PAGE, frame[i], CAIRN_MAP_WRITE, tag);
		if (r)
			space_unmap(p, at, at + i * PAGE);
	}
	if (!r)
		*va = at;
	return r;
}

/*
 * p's own private heap pages at [at, at + n pages) become the shared region tag - 1:
 * their frames into frame[]. EINVAL (nothing changed) unless every page is p's own.
 */
long proc_adopt_pages(struct rproc *p, uint64_t at, unsigned n, unsigned tag, uint64_t *frame)
{
	unsigned idx[SHM_PAGES];

	if (at % PAGE || n > SHM_PAGES || at < RTOS_HEAP_BASE || at > RTOS_HEAP_END - n * PAGE)
		return CAIRN_EINVAL;
	for (unsigned k = 0; k < n; k++) {
		unsigned i = 0;
		while (i < p->npages && p->page[i].va != at + k * PAGE)
			i++;
		if (i == p->npages || (p->page[i].frame & (PAGE - 1)))
			return CAIRN_EINVAL;
		idx[k] = i;
	}
	for (unsigned k = 0; k < n; k++) {
		frame[k] = p->page[idx[k]].frame;
		p->page[idx[k]].frame |= tag;
	}
	return 0;
}

/* Unmaps p's pages in [at, at + len); EINVAL if misaligned, outside the heap or none. */
long proc_mem_free(struct rproc *p, uint64_t at, uint64_t len)
{
	if (at % PAGE || len % PAGE || !len || at < RTOS_HEAP_BASE || at > RTOS_HEAP_END - len ||
	    !page_mapped(p, at, at + len))
		return CAIRN_EINVAL;
	space_unmap(p, at, at + len);
	return 0;
}

long rtos_stat(struct rproc *p, unsigned what)
{
	switch (what) {
	case RTOS_STAT_UNTYPED:
		return cairn_mem_count(CAIRN_SLOT_MEMORY, CAIRN_FRAME_UNTYPED);
	case RTOS_STAT_SLOTS:
		return (long)(mem.last_slot - mem.next_slot + mem.nfree_slots);
	case RTOS_STAT_THREADS: {
		long n = 0;
		for (unsigned i = 0; i < MAX_THREADS; i++)
			n += threads[i].state != T_FREE;
		return n;
	}
	case RTOS_STAT_PROCS: {
		long n = 0;
		for (unsigned i = 0; i < MAX_PROCS; i++)
			n += procs[i].used;
		return n;
	}
	case RTOS_STAT_PAGES:
		return p->npages;
	case RTOS_STAT_CHANS: {
		long n = 0;
		for (unsigned i = 0; i < MAX_CHANS; i++)
			n += chans[i].used;
		for (unsigned i = 0; i < MAX_ENDS; i++)
			n += ends[i].used;
		for (unsigned i = 0; i < MAX_SHM; i++)
			n += shms[i].used;
		return n;
	}
	case RTOS_STAT_WATCHES:
		return watch_count();
	default:
		return CAIRN_EINVAL;
	}
}
