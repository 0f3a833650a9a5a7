/*
 * persist.c: the booter serves interfaces/persist.toml to the system's checkpointer
 * (docs/persistence.md): the state of the components described `persistent = true`,
 * taken at an instant (capture) and given back before they first run (restore), in a
 * buffer of the caller's laid out as cairn/persist.h says. The booter holds what that
 * needs: each persistent component's page table (its pages are found by their virtual
 * addresses, and only the frames behind them are touched, through two pages of the
 * booter's own space), its thread (THREAD_REG with CAIRN_REG_LIVE) and its tcap.
 *
 * A persistent component's state is its writable memory (the image's writable
 * segments, its stack and heap: what a restart gives back, restart.c) and its one
 * thread's registers, and what the manager gave it (manager.c); tools/system.py and
 * the manager make sure nothing else changes it (no exports: no other thread runs in
 * it; its manager calls only on its own thread). Stopping it for a capture: its tcap's
 * budget is taken away (TCAP_DELEGATE 0), so that the kernel runs none of it on any
 * core, and the booter's scheduler passes it over (bcomp.held); a thread the kernel
 * still runs elsewhere (it sees the change at its next charge) or one inside another
 * component is CAIRN_EAGAIN, and the time is given back at once. The component is
 * held from the build until restore or start.
 *
 * Copy-on-write: the pause takes the registers and makes every persistent page
 * read-only (those written since the last one: the others are read-only still), and
 * nothing more; the components then run on. A page reaches the caller's buffer in one
 * of two ways, whichever comes first: `collect` copies it on the caller's thread, or
 * the component's first write to it faults into keeper() below, on the component's own
 * thread, which copies it before the write happens. Only the keeper maps a page
 * writable again, at its first write (collect touches no mapping). Both may work on
 * one page at once (on one core or two, either preempted anywhere): a page's state
 * (struct cow) says which copy stands, and only a copy made while the page was still
 * read-only is ever published.
 *
 * The copies the manager made among persistent components (capabilities delegated,
 * pages shared: manager.c) are records too, taken in the pause and made again at a
 * restore before anything is written. A page shared between them is copied in the
 * pause itself, not on its first write: another holder's revoke could unmap it while
 * one's keeper maps it writable again.
 *
 * Nothing in the caller's buffer is trusted: restore checks every record against the
 * components (kind, component, page, thread, registers a return to user mode could not
 * take) before it writes anything, so a buffer that does not fit changes nothing.
 */
#include "libboot.h"
#include <common/elf.h>
#include <cairn/capmgr.h>
#include <cairn/gate.h>
#include <cairn/persist.h>
#include <iface/persist.h>

#define PAGE 4096UL
#define WINDOW(k) (CAIRN_BOOT_PERSIST_VA + 2 * PAGE * (k))	/* two pages a copy goes through: */
#define GATE_WINDOW WINDOW(0)				/* the gate's (one call at a time), */
#define KEEPER_WINDOW(i) WINDOW(1 + (i))		/* component i's keeper's, */
#define BOOTER_WINDOW WINDOW(1 + CAIRN_SD_COMPS)	/* the booter's thread's (settle) */
_Static_assert(BOOTER_WINDOW + 2 * PAGE <= CAIRN_BOOT_PERSIST_VA + CAIRN_BOOT_PERSIST_SIZE, "a window each");
#define USER_TOP 0x7ffffffff000UL		/* the kernel's (cairn/layout.h): rip and rsp below */

static uint32_t busy;				/* a call is inside (one at a time) */
static uint32_t started;			/* 1: restore or start has run; 2: a restore failed midway */
static uint8_t table[PERSIST_TABLE_PAGES * PAGE] __attribute__((aligned(16)));
static uint64_t regs[PERSIST_REGS];		/* capture: a thread's registers on their way out */
static uint8_t scratch[PAGE] __attribute__((aligned(16)));	/* collect: a page on its way out */

/* ---- the persistent components and their pages ---- */

#define SPANS 6	/* the image's writable segments (user.ld makes one), the stack, the heap */

struct span {
	uint64_t lo, hi;
};

/*
 * c's persistent memory: its image's writable segments, its stack and its heap (what a
 * restart gives back, restart.c), page-aligned spans into s[SPANS], none sharing a
 * page (segments in a row that share one are one span: ELF lists them by address);
 * how many.
 */
static unsigned spans(struct booter *b, const struct bcomp *c, struct span *s)
{
	struct elf_image img;
	const char *file;
	unsigned n = 0;

	if (!boot_image(b, c->sd->image, &img, &file))
		for (unsigned i = 0; i < img.nseg && n < SPANS - 2; i++) {
			uint64_t lo = img.seg[i].vaddr & ~(PAGE - 1);
			uint64_t hi = (img.seg[i].vaddr + img.seg[i].memsz + PAGE - 1) & ~(PAGE - 1);
			if (!(img.seg[i].flags & ELF_SEG_W))
				continue;
			if (n && lo < s[n - 1].hi)
				s[n - 1].hi = hi > s[n - 1].hi ? hi : s[n - 1].hi;
			else
				s[n++] = (struct span){ lo, hi };
		}
	s[n++] = (struct span){ STACK_TOP_VA - c->sd->stack, STACK_TOP_VA };
	s[n++] = (struct span){ HEAP_VA, HEAP_VA + c->sd->heap };
	return n;
}

/*
 * The persistent pages, listed once when the components are built (their frames never
 * change: a persistent component is never restarted), in the order of every capture's
 * records: for each persistent component, its thread, then its pages span by span.
 * A page's state says how far the capture in flight has taken it:
 *
 *   WRITABLE ──(a pause)──► PROTECTED ──(collect claims it)──► COPYING
 *       ▲                       │                                 │
 *       │                       └──(its first write: keeper)──► COPIED ◄─┘
 *       └──(its first write: keeper)──── COPIED (read-only still) ◄┘
 *
 * COPIED by collect only if no first write came while it copied: the keeper's copy,
 * made while the page was read-only, is then the one that stands. A COPIED page stays
 * read-only until its first write, and the next pause need not touch it.
 *
 * The pages the manager gave a persistent component (manager.c) are listed again at
 * each pause, after the others (`dyn`); one it frees while a capture is in flight is
 * copied first, and GONE (settle). One shared with another persistent component is
 * copied in the pause (take_now) and its mappings are left as they are: neither
 * holder's first write is caught.
 */
enum { COW_WRITABLE, COW_PROTECTED, COW_COPYING, COW_COPIED, COW_GONE };

struct cow {
	uint64_t va, frame;	/* a persistent page, and the frame behind it */
	uint32_t rec;		/* its record in a capture's table: its bytes at page PERSIST_TABLE_PAGES + rec */
	uint32_t state;		/* COW_*, changed atomically (collect and the keeper) */
	uint16_t comp;		/* its component */
	uint16_t rights;	/* its mapping's rights (writable) */
};

static struct cow cow[PERSIST_RECORDS_MAX];
static struct capmgr_copy links[CAPMGR_NODES];	/* the copies among them at the last pause, */
static uint32_t nlinks;				/* ... records after the manager's pages */
_Static_assert((int)PERSIST_LINK_CAP == (int)CAPMGR_CAP && (int)PERSIST_LINK_PAGE == (int)CAPMGR_PAGE, "one numbering");
static uint32_t npages, nrecs;			/* pages listed; a capture's records (pages and threads) */
static uint32_t dyn;				/* the manager's pages after them, cow[npages, npages + dyn) */
static uint32_t thread_rec[CAIRN_SD_COMPS];	/* each persistent component's thread's record */
static long listed = CAIRN_ENOENT;		/* 0 once listed, else why not (capture answers it) */
static struct {
	struct span s[SPANS];
	uint32_t first[SPANS];			/* span k's first page in cow[] */
	unsigned n;
} where[CAIRN_SD_COMPS];

/* Whether va is in the range of pages the manager gives (cairn/capmgr.h). */
static int manager_page(uint64_t va)
{
	return va >= CAPMGR_VA && va < CAPMGR_VA + CAPMGR_PAGES * PAGE;
}

/* The listed page of component i at va (rounded down), or 0 (none, or one freed since its pause). */
static struct cow *cow_find(unsigned i, uint64_t va)
{
	for (unsigned k = 0; i < CAIRN_SD_COMPS && k < where[i].n; k++) {
		const struct span *s = &where[i].s[k];
		if (va >= s->lo && va < s->hi)
			return &cow[where[i].first[k] + (va - s->lo) / PAGE];
	}
	va &= ~(PAGE - 1);
	for (uint32_t j = npages, n = __atomic_load_n(&dyn, __ATOMIC_ACQUIRE); manager_page(va) && j < npages + n; j++)
		if (cow[j].comp == i && cow[j].va == va && __atomic_load_n(&cow[j].state, __ATOMIC_ACQUIRE) != COW_GONE)
			return &cow[j];
	return 0;
}

/* Lists component i's thread and pages: 0, CAIRN_ENOBUFS (too many), CAIRN_ENOENT (one unmapped). */
static long list_comp(struct booter *b, unsigned i)
{
	struct bcomp *c = &b->c[i];

	if (nrecs == PERSIST_RECORDS_MAX)
		return CAIRN_ENOBUFS;
	thread_rec[i] = nrecs++;
	where[i].n = spans(b, c, where[i].s);
	for (unsigned k = 0; k < where[i].n; k++) {
		where[i].first[k] = npages;
		for (uint64_t va = where[i].s[k].lo; va < where[i].s[k].hi; va += PAGE) {
			long e = cairn_pgtbl_lookup(c->pt, va);
			if (e < 0 || !(e & CAIRN_MAP_WRITE))
				return CAIRN_ENOENT;
			if (nrecs == PERSIST_RECORDS_MAX)
				return CAIRN_ENOBUFS;
			cow[npages++] = (struct cow){ .va = va, .frame = (uint64_t)e & ~(PAGE - 1), .rec = nrecs++,
						      .comp = (uint16_t)i,
						      .rights = (uint16_t)(e & (CAIRN_MAP_WRITE | CAIRN_MAP_EXEC)) };
		}
	}
	return 0;
}

/* ---- copying through the booter's windows ---- */

/* Copies frame src onto frame dst (both the booter's to map), through window w. */
static long copy_frame(struct booter *b, uint64_t w, uint64_t src, uint64_t dst)
{
	long r = cairn_pgtbl_map(CAIRN_SLOT_PGTBL, w, b->a.mem, src, 0);

	if (r)
		return r;
	r = cairn_pgtbl_map(CAIRN_SLOT_PGTBL, w + PAGE, b->a.mem, dst, CAIRN_MAP_WRITE);
	if (!r) {
		memcpy((void *)(w + PAGE), (const void *)w, PAGE);
		cairn_pgtbl_unmap(CAIRN_SLOT_PGTBL, w + PAGE);
	}
	cairn_pgtbl_unmap(CAIRN_SLOT_PGTBL, w);
	return r;
}

/* Copies len bytes between the booter's buf and frame f (to_frame: into f), through the gate's window. */
static long copy_bytes(struct booter *b, uint64_t f, void *buf, uint64_t len, int to_frame)
{
	long r = cairn_pgtbl_map(CAIRN_SLOT_PGTBL, GATE_WINDOW, b->a.mem, f, to_frame ? CAIRN_MAP_WRITE : 0);

	if (r)
		return r;
	if (to_frame)
		memcpy((void *)GATE_WINDOW, buf, len);
	else
		memcpy(buf, (const void *)GATE_WINDOW, len);
	return cairn_pgtbl_unmap(CAIRN_SLOT_PGTBL, GATE_WINDOW);
}

/* ---- the description's digest ---- */

static uint64_t fnv(uint64_t h, const void *p, uint64_t n)
{
	const uint8_t *s = p;

	while (n--)
		h = (h ^ *s++) * 0x100000001b3ULL;
	return h;
}

static uint64_t fnv_str(uint64_t h, const char *s)
{
	return fnv(h, s, strlen(s) + 1);
}

/* h with what shapes component i's capabilities and address space: its imports, ports, regions. */
static uint64_t digest_links(struct booter *b, uint64_t h, unsigned i)
{
	const struct cairn_sd_system *sd = b->sd;

	for (unsigned j = 0; j < sd->comp[i].nimports; j++)
		h = fnv_str(h, sd->comp[i].import[j].iface);
	for (unsigned j = 0; j < sd->nports; j++) {
		const struct cairn_sd_port *p = &sd->port[j];
		uint64_t w[4] = { p->from, p->to, p->slot_size, (uint64_t)p->slots << 8 | p->mode };
		if (p->from == i || p->to == i)
			h = fnv(fnv_str(h, p->name), w, sizeof(w));
	}
	for (unsigned j = 0; j < sd->nregions; j++)
		for (unsigned k = 0; k < sd->region[j].nshare; k++)
			if (sd->region[j].share[k] == i)
				h = fnv(fnv_str(h, sd->region[j].name), &sd->region[j].size, sizeof(uint64_t));
	return h;
}

static struct cairn_ret2 digest(struct booter *b)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	long count = 0;

	for (unsigned i = 0; i < b->sd->ncomps; i++) {
		const struct cairn_sd_comp *sd = b->c[i].sd;
		const struct cairn_module *m = sd->persistent ? boot_module(b, sd->image) : 0;
		if (!sd->persistent)
			continue;
		uint64_t sizes[4] = { i, sd->stack, sd->heap, sd->budget };
		h = digest_links(b, fnv_str(fnv(h, sizes, sizeof(sizes)), sd->name), i);
		if (m)
			h = fnv(h, (const void *)m->va, m->size);
		count++;
	}
	return (struct cairn_ret2){ (long)(h & INT64_MAX), count };	/* (never negative: not an error) */
}

/* ---- stopping and starting ---- */

/*
 * Stops (hold) or lets run the persistent components; held, their tcaps' budgets in
 * left[]. Holding: 0, or CAIRN_ENOTSUP if a tcap could not be emptied (the kernel could
 * still run it: no capture); the scheduler of each one's core but `here` (the caller's)
 * is woken, which preempts it there at once (the kernel kicks that core) and passes it
 * over. Letting run wakes the scheduler of each one's core.
 */
static long hold_all(struct booter *b, int hold, uint64_t *left, unsigned here)
{
	long r = 0;

	for (unsigned i = 0; i < b->sd->ncomps; i++) {
		struct bcomp *c = &b->c[i];
		if (!c->sd->persistent)
			continue;
		if (hold) {
			__atomic_store_n(&c->held, 1, __ATOMIC_RELEASE);
			if (boot_tcap_pause(b, c, &left[i]))
				r = CAIRN_ENOTSUP;
			if (c->sd->core != here)
				cairn_asnd_send(c->sd->core ? b->core[c->sd->core].wake : b->wake, 0);
		} else {
			boot_tcap_resume(b, c, left[i]);
			__atomic_store_n(&c->held, 0, __ATOMIC_RELEASE);
			cairn_asnd_send(c->sd->core ? b->core[c->sd->core].wake : b->wake, 0);	/* it looks again */
		}
	}
	return r;
}

/*
 * Whether every persistent component's thread runs nowhere and is in its own code (0),
 * or not yet (CAIRN_EAGAIN); CAIRN_ESTALE if one has stopped (a fault, or its end): its
 * registers are not a state to go on from, and the checkpoints before stay the newest.
 */
static long all_still(struct booter *b)
{
	for (unsigned i = 0; i < b->sd->ncomps; i++) {
		unsigned t = b->c[i].thread;
		if (!b->c[i].sd->persistent)
			continue;
		if (cairn_thread_reg(t, CAIRN_REG_RIP, 0, 0).r0 == 0)
			return CAIRN_ESTALE;	/* (without LIVE it reads only a stopped thread) */
		if (cairn_thread_reg(t, CAIRN_REG_RIP, CAIRN_REG_LIVE, 0).r0 != 0)
			return CAIRN_EAGAIN;
	}
	return 0;
}

/* ---- the caller's buffer ---- */

struct buf {
	unsigned pt;		/* the caller's page table */
	uint64_t va, pages;
};

/* Frame of page k of buf (writable in the caller's space), or 0. */
static uint64_t buf_frame(const struct buf *u, uint64_t k)
{
	return k < u->pages ? boot_frame(u->pt, u->va + k * PAGE, 1) : 0;
}

/* Copies the table pages between buf and the booter's table (out: into buf). */
static long table_io(struct booter *b, const struct buf *u, int out)
{
	for (unsigned k = 0; k < PERSIST_TABLE_PAGES; k++) {
		uint64_t f = buf_frame(u, k);
		long r = f ? copy_bytes(b, f, table + k * PAGE, PAGE, out) : CAIRN_EFAULT;
		if (r)
			return r;
	}
	return 0;
}

/* ---- capture: the pause ---- */

static uint32_t flight, collected;	/* the capture in flight: its pages, cow[0, flight); collect's next */
static struct buf out;			/* ... its buffer */
static uint32_t lost;			/* ... a page of it did not reach the buffer */

/* Fills the table with the records of a capture: where each is in the buffer. */
static void fill_table(struct booter *b)
{
	struct persist_header *h = (struct persist_header *)table;

	memset(table, 0, sizeof(table));
	*h = (struct persist_header){ .magic = PERSIST_MAGIC, .records = nrecs };
	for (unsigned i = 0; i < b->sd->ncomps; i++)
		if (b->c[i].sd->persistent)
			h->rec[thread_rec[i]] = (struct persist_rec){ .kind = PERSIST_THREAD, .comp = (uint16_t)i,
								      .page = PERSIST_TABLE_PAGES + thread_rec[i] };
	for (uint32_t j = 0; j < npages; j++)
		h->rec[cow[j].rec] = (struct persist_rec){ .kind = PERSIST_PAGE, .comp = cow[j].comp,
							   .page = PERSIST_TABLE_PAGES + cow[j].rec, .key = cow[j].va };
}

/* Adds the manager's pages of the capture (dyn) and its copies (links, with their bytes) to the table in u. */
static long table_dyn(struct booter *b, const struct buf *u)
{
	struct persist_header *h = (struct persist_header *)table;
	long r = 0;

	h->records = nrecs + dyn + nlinks;
	for (uint32_t j = npages; j < npages + dyn; j++)
		h->rec[cow[j].rec] = (struct persist_rec){ .kind = PERSIST_PAGE, .comp = cow[j].comp,
							   .page = PERSIST_TABLE_PAGES + cow[j].rec, .key = cow[j].va };
	for (uint32_t k = 0, rec = nrecs + dyn; !r && k < nlinks; k++, rec++) {
		struct persist_link l = { .what = links[k].kind, .from = links[k].from, .from_key = links[k].from_where };
		uint64_t f = buf_frame(u, PERSIST_TABLE_PAGES + rec);
		h->rec[rec] = (struct persist_rec){ .kind = PERSIST_LINK, .comp = links[k].holder,
						    .page = PERSIST_TABLE_PAGES + rec, .key = links[k].where };
		r = f ? copy_bytes(b, f, &l, sizeof(l), 1) : CAIRN_EFAULT;
	}
	return r ? r : table_io(b, u, 1);
}

/* Takes component i's thread's registers into its record in u. */
static long take_thread(struct booter *b, const struct buf *u, unsigned i)
{
	uint64_t f = buf_frame(u, PERSIST_TABLE_PAGES + thread_rec[i]);
	long r = f ? 0 : CAIRN_EFAULT;

	for (unsigned k = 0; !r && k < PERSIST_REGS; k++) {
		struct cairn_ret2 v = cairn_thread_reg(b->c[i].thread, k, CAIRN_REG_LIVE, 0);
		regs[k] = v.r1;
		r = v.r0;
	}
	return r ? r : copy_bytes(b, f, regs, sizeof(regs), 1);
}

/* Maps page w anew with its rights, less writing if !writable (an unmap and a map): 0, or an error. */
static long remap(struct booter *b, const struct cow *w, int writable)
{
	unsigned pt = b->c[w->comp].pt;
	long r = cairn_pgtbl_unmap(pt, w->va);

	return r ? r : cairn_pgtbl_map(pt, w->va, b->a.mem, w->frame, writable ? w->rights : w->rights & ~(unsigned)CAIRN_MAP_WRITE);
}

/* Makes page w read-only, unless it is still (in a pause: its component is held), until its copy is taken. */
static long protect(struct booter *b, struct cow *w)
{
	long r = __atomic_load_n(&w->state, __ATOMIC_ACQUIRE) == COW_COPIED ? 0 : remap(b, w, 0);

	__atomic_store_n(&w->state, COW_PROTECTED, __ATOMIC_RELEASE);
	return r;
}

/*
 * Lists the pages the manager gave each persistent component after the others (in a
 * pause: held, none asks the manager now), each made read-only: 0, or an error
 * (CAIRN_ENOBUFS: more than a table or the buffer holds), those taken so far read-only
 * and COPIED (nothing to copy: writable at their first write), and the others, not
 * listed (the keeper would not find them), writable.
 */
/* The first page from k on that the manager gave component i (or shared to it), or CAPMGR_PAGES. */
static unsigned next_given(unsigned i, unsigned k)
{
	for (; k < CAPMGR_PAGES; k = (k | 63) + 1) {
		uint64_t m = boot_manager_pages(i, k / 64) >> (k % 64);
		if (m)
			return k + (unsigned)__builtin_ctzl(m);
	}
	return CAPMGR_PAGES;
}

/* Manager's page k of component i (next_given's) as a page to keep in *w (record rec): whether it is mapped. */
static int given(struct booter *b, unsigned i, unsigned k, uint32_t rec, struct cow *w)
{
	uint64_t va = CAPMGR_VA + (uint64_t)k * PAGE;
	long e = cairn_pgtbl_lookup(b->c[i].pt, va);

	*w = (struct cow){ .va = va, .frame = (uint64_t)e & ~(PAGE - 1), .rec = rec, .comp = (uint16_t)i,
			   .rights = CAIRN_MAP_WRITE, .state = e >= 0 && !(e & CAIRN_MAP_WRITE) ? COW_COPIED : COW_WRITABLE };
	return e >= 0;
}

/* Whether component i's page va is shared to it (out: by it) among the copies of the pause. */
static int sharing(unsigned i, uint64_t va, int out)
{
	for (uint32_t k = 0; k < nlinks; k++)
		if (links[k].kind == CAPMGR_PAGE && (out ? links[k].from == i && links[k].from_where == va
							 : links[k].holder == i && links[k].where == va))
			return 1;
	return 0;
}

/* Copies page w into its record in u now (it is shared: no first write of it is caught). */
static long take_now(struct booter *b, const struct buf *u, const struct cow *w)
{
	uint64_t f = buf_frame(u, PERSIST_TABLE_PAGES + w->rec);

	return f ? copy_frame(b, GATE_WINDOW, w->frame, f) : CAIRN_EFAULT;
}

static long take_dyn(struct booter *b, const struct buf *u)
{
	const struct capmgr_copy *kept = boot_manager_kept(&nlinks);
	uint32_t n = 0, room = PERSIST_RECORDS_MAX < u->pages - PERSIST_TABLE_PAGES ? PERSIST_RECORDS_MAX
										 : (uint32_t)(u->pages - PERSIST_TABLE_PAGES);
	long r = nrecs + nlinks > room ? CAIRN_ENOBUFS : 0;

	memcpy(links, kept, nlinks * sizeof(*kept));
	for (unsigned i = 0; !r && i < b->sd->ncomps; i++)
		for (unsigned k = next_given(i, 0); b->c[i].sd->persistent && !r && k < CAPMGR_PAGES;
		     k = next_given(i, k + 1)) {
			struct cow *w = &cow[npages + n];
			if (!given(b, i, k, nrecs + n, w) || sharing(i, w->va, 0))
				continue;	/* (one shared to it: the record of the page it was shared from) */
			if (nrecs + n + nlinks == room)
				r = CAIRN_ENOBUFS;
			else if (sharing(i, w->va, 1))
				r = take_now(b, u, w), n += !r;	/* (its mapping as it is: no first write to catch) */
			else if (w->state == COW_COPIED || !(r = remap(b, w, 0)))	/* (read-only still: as it is) */
				w->state = COW_PROTECTED, n++;
		}
	for (uint32_t j = 0; r && j < n; j++)
		cow[npages + j].state = COW_COPIED;
	__atomic_store_n(&dyn, n, __ATOMIC_RELEASE);
	for (unsigned i = 0; r && i < b->sd->ncomps; i++)	/* (read-only still from a capture before) */
		for (unsigned k = next_given(i, 0); b->c[i].sd->persistent && k < CAPMGR_PAGES;
		     k = next_given(i, k + 1)) {
			struct cow w;
			if (given(b, i, k, 0, &w) && w.state == COW_COPIED && !cow_find(i, w.va))
				remap(b, &w, 1);
		}
	return r;
}

/*
 * Takes every thread's registers into u and makes every page read-only, the
 * components held (the pause): 0, or an error with every page writable again.
 */
static long pause_take(struct booter *b, const struct buf *u)
{
	uint32_t done = 0;
	long r = all_still(b);

	for (unsigned i = 0; !r && i < b->sd->ncomps; i++)
		if (b->c[i].sd->persistent)
			r = take_thread(b, u, i);
	while (!r && done < npages && !(r = protect(b, &cow[done])))
		done++;
	if (r && done < npages && cow[done].state == COW_PROTECTED)	/* its remap failed: a fault there stops it */
		__atomic_store_n(&cow[done].state, COW_WRITABLE, __ATOMIC_RELEASE);
	while (r && done--)	/* the others read-only: nothing to copy, writable at their first write */
		__atomic_store_n(&cow[done].state, COW_COPIED, __ATOMIC_RELEASE);
	if (!r && (r = take_dyn(b, u)))
		for (uint32_t j = 0; j < npages; j++)
			__atomic_store_n(&cow[j].state, COW_COPIED, __ATOMIC_RELEASE);
	return r;
}

static long collect(struct booter *b, uint64_t upto);

static struct cairn_ret2 capture(struct booter *b, const struct buf *u, unsigned here)
{
	static uint64_t left[CAIRN_SD_COMPS];

	if (__atomic_load_n(&started, __ATOMIC_ACQUIRE) != 1)
		return (struct cairn_ret2){ CAIRN_EBUSY, 0 };	/* not started (or stopped for good) */
	if (listed || PERSIST_TABLE_PAGES + nrecs > u->pages)
		return (struct cairn_ret2){ listed ? listed : CAIRN_ENOBUFS, 0 };
	collect(b, PERSIST_RECORDS_MAX);	/* the capture before, finished (every record of it) */
	fill_table(b);
	long r = table_io(b, u, 1);	/* (before the pause: a buffer that fails starts no capture) */
	if (r)
		return (struct cairn_ret2){ r, 0 };
	uint64_t t0 = cairn_cycles();
	r = hold_all(b, 1, left, here);
	if (!r)
		r = pause_take(b, u);
	if (!r) {
		out = *u;
		__atomic_store_n(&lost, 0, __ATOMIC_RELAXED);
		collected = 0;
		__atomic_store_n(&flight, npages + dyn, __ATOMIC_RELEASE);
	}
	hold_all(b, 0, left, here);
	uint64_t paused = cairn_cycles() - t0;
	if (!r && (dyn || nlinks) && (r = table_dyn(b, u)))
		__atomic_store_n(&lost, 1, __ATOMIC_RELEASE);	/* (no checkpoint: the next capture ends it) */
	return (struct cairn_ret2){ r ? r : (long)(nrecs + dyn + nlinks), r ? 0 : (long)paused };
}

/* ---- capture: the pages, copied after the pause ---- */

/* collect's copy of page w: 1 if it took it, 0 if a first write took it (or it had been). */
static int collect_page(struct booter *b, struct cow *w)
{
	uint32_t s = COW_PROTECTED;

	if (!__atomic_compare_exchange_n(&w->state, &s, COW_COPYING, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return 0;
	long r = copy_bytes(b, w->frame, scratch, PAGE, 0);
	s = COW_COPYING;
	int mine = __atomic_compare_exchange_n(&w->state, &s, COW_COPIED, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
	if (mine) {	/* no first write came while it was copied: scratch holds the pause's bytes */
		uint64_t f = buf_frame(&out, PERSIST_TABLE_PAGES + w->rec);
		r = r ? r : f ? copy_bytes(b, f, scratch, PAGE, 1) : CAIRN_EFAULT;
	}
	if (mine && r)
		__atomic_store_n(&lost, 1, __ATOMIC_RELEASE);
	return mine;
}

/*
 * Makes the records [0, upto) of the capture in flight whole in its buffer: how many
 * pages it copied itself (first writes copied the others), or CAIRN_EFAULT if a page of
 * the capture could not be put in the buffer (it is no checkpoint).
 */
static long collect(struct booter *b, uint64_t upto)
{
	uint32_t n = __atomic_load_n(&flight, __ATOMIC_ACQUIRE);
	long copied = 0;

	for (; collected < n && cow[collected].rec < upto; collected++)
		copied += collect_page(b, &cow[collected]);
	return __atomic_load_n(&lost, __ATOMIC_ACQUIRE) ? CAIRN_EFAULT : copied;
}

/* ---- the keeper: a first write ---- */

#define PF_PRESENT 1u	/* the page-fault error code's bits (Intel SDM vol. 3, 4.7) */
#define PF_WRITE 2u
#define PF_RSVD 8u
#define PF_FETCH 16u

/* Stops component c's thread at a fault that is not the keeper's, to be reported (report.c). */
static struct cairn_ret2 fault_stop(struct bcomp *c, cairn_word vector, cairn_word error, cairn_word rip,
				    cairn_word tid)
{
	if (c) {
		c->fault_vector = vector;
		c->fault_error = error;
		c->fault_rip = rip;
		c->fault_sp = cairn_fault_reg(CAIRN_REG_RSP, 0, 0).r1;
		__atomic_store_n(&c->fault_tid, tid, __ATOMIC_RELEASE);	/* (last: report.c's sign) */
		boot_count_fault(c);
		__atomic_store_n(&c->down, 1, __ATOMIC_RELEASE);
	}
	return (struct cairn_ret2){ CAIRN_FAULT_STOP, 0 };
}

/*
 * A fault of persistent component badge - 1, on its own thread: a write to a page a
 * pause made read-only copies the page into the capture's buffer, unless that is done,
 * and maps it writable; the write then runs again. Any other fault stops the thread,
 * as with no keeper.
 */
static struct cairn_ret2 keeper(cairn_word vector, cairn_word error, cairn_word addr, cairn_word rip,
				cairn_word badge, cairn_word tid)
{
	struct booter *b = boot_server;
	unsigned i = (unsigned)badge - 1;
	struct bcomp *c = b && badge >= 1 && badge <= b->sd->ncomps ? &b->c[i] : 0;
	struct cow *w = c ? cow_find(i, addr) : 0;
	uint32_t s = w ? __atomic_load_n(&w->state, __ATOMIC_ACQUIRE) : COW_WRITABLE;

	if (s == COW_WRITABLE || s == COW_GONE || vector != 14 ||
	    (error & (PF_PRESENT | PF_WRITE | PF_RSVD | PF_FETCH)) != (PF_PRESENT | PF_WRITE))
		return fault_stop(c, vector, error, rip, tid);
	if (s != COW_COPIED) {	/* read-only still: its bytes are the pause's */
		uint64_t f = buf_frame(&out, PERSIST_TABLE_PAGES + w->rec);
		if (!f || copy_frame(b, KEEPER_WINDOW(i), w->frame, f))
			__atomic_store_n(&lost, 1, __ATOMIC_RELEASE);
		while (s != COW_COPIED && s != COW_GONE &&
		       !__atomic_compare_exchange_n(&w->state, &s, COW_COPIED, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			;	/* (collect may claim it meanwhile: its copy is then discarded) */
	}
	if (s == COW_GONE)	/* (settled meanwhile: cannot be, only its own thread frees it; never mapped again) */
		return fault_stop(c, vector, error, rip, tid);
	if (remap(b, w, 1))
		return fault_stop(c, vector, error, rip, tid);
	__atomic_store_n(&w->state, COW_WRITABLE, __ATOMIC_RELEASE);
	return (struct cairn_ret2){ CAIRN_FAULT_RESUME, 0 };
}
CAIRN_GATE(boot_persist_keeper, keeper)

/*
 * Persistent component i's manager page va is about to be shared, or unmapped (gone: a
 * free, or a share to it revoked) (booter.settle: on the booter's thread, inside a
 * call of a persistent component's, i's or the one it shared from; i's own waits in
 * the manager's gate or is still, so no first write of it comes meanwhile): a capture
 * in flight that has not taken it takes it now (collect, if copying, then loses it).
 * Gone, it is no longer found (a fault there is not the keeper's).
 */
static void settle(struct booter *b, unsigned i, uint64_t va, int gone)
{
	struct cow *w = manager_page(va) && !(va & (PAGE - 1)) ? cow_find(i, va) : 0;
	uint32_t s = w ? __atomic_load_n(&w->state, __ATOMIC_ACQUIRE) : COW_GONE;

	if (s == COW_PROTECTED || s == COW_COPYING) {	/* read-only still: its bytes are the pause's */
		uint64_t f = buf_frame(&out, PERSIST_TABLE_PAGES + w->rec);
		if (!f || copy_frame(b, BOOTER_WINDOW, w->frame, f))
			__atomic_store_n(&lost, 1, __ATOMIC_RELEASE);
	}
	while (s != COW_GONE && (gone || s == COW_PROTECTED || s == COW_COPYING) &&
	       !__atomic_compare_exchange_n(&w->state, &s, gone ? COW_GONE : COW_COPIED, 0, __ATOMIC_ACQ_REL,
					    __ATOMIC_ACQUIRE))
		;
}

/* ---- restore ---- */

/* Whether record x of h fits: its kind, component, page and key, once only. */
static int fits(struct booter *b, const struct buf *u, const struct persist_header *h, uint32_t x)
{
	const struct persist_rec *e = &h->rec[x];

	if (e->comp >= b->sd->ncomps || !b->c[e->comp].sd->persistent || e->page < PERSIST_TABLE_PAGES ||
	    e->page >= u->pages || !buf_frame(u, e->page))
		return 0;
	if (e->kind == PERSIST_PAGE ? (e->key & (PAGE - 1)) || (!cow_find(e->comp, e->key) && !manager_page(e->key))
				    : e->kind == PERSIST_THREAD ? e->key != 0 : e->kind != PERSIST_LINK)
		return 0;	/* (a link's key: capmgr's to check, making it again) */
	for (uint32_t y = 0; y < x; y++)
		if (h->rec[y].kind == e->kind && h->rec[y].comp == e->comp && h->rec[y].key == e->key)
			return 0;
	return 1;
}

static uint64_t saved[CAIRN_SD_COMPS][PERSIST_REGS];	/* restore: each thread's registers, checked */
static struct capmgr_copy again[CAPMGR_NODES];	/* ... the copies to make again, in the table's order */
static uint32_t nagain;

/* Takes link record e (its bytes in frame f) into again[]: 0, or CAIRN_EINVAL. */
static long take_link(struct booter *b, const struct persist_rec *e, uint64_t f)
{
	struct persist_link l;

	if (nagain == CAPMGR_NODES || copy_bytes(b, f, &l, sizeof(l), 0))
		return CAIRN_EINVAL;
	if ((l.what != PERSIST_LINK_CAP && l.what != PERSIST_LINK_PAGE) || l.reserved || l.from >= b->sd->ncomps ||
	    !b->c[l.from].sd->persistent)
		return CAIRN_EINVAL;	/* (kept only between persistent components) */
	again[nagain++] = (struct capmgr_copy){ .kind = (uint8_t)l.what, .holder = e->comp, .from = l.from,
						.where = e->key, .from_where = l.from_key };
	return 0;
}
static uint64_t target[PERSIST_RECORDS_MAX], source[PERSIST_RECORDS_MAX];	/* ... each page's frames */

/* Whether registers r can be given back: rip and rsp in user space. */
static int regs_fit(const uint64_t *r)
{
	return r[CAIRN_REG_RIP] < USER_TOP && r[CAIRN_REG_RSP] < USER_TOP;
}

/* Gives component comp's thread the registers r: it resumes where they were taken. */
static long set_thread(struct booter *b, unsigned comp, uint64_t *r)
{
	unsigned thread = b->c[comp].thread;
	long e = 0;

	if (r[CAIRN_REG_VECTOR] == 0x100)	/* taken in a system call (RCV_WAIT): it returns 0 */
		r[CAIRN_REG_RAX] = 0;
	for (unsigned k = 0; !e && k < PERSIST_REGS; k++)
		if (k != CAIRN_REG_VECTOR && k != CAIRN_REG_ERROR && k != CAIRN_REG_CS && k != CAIRN_REG_SS)
			e = cairn_thread_reg(thread, k, CAIRN_REG_WRITE | CAIRN_REG_LIVE, r[k]).r0;
	return e;
}

/*
 * Checks every record of the table against the components, taking into the booter what
 * the writes will use (each thread's registers, each page's two frames), so that what
 * the caller changes in its buffer meanwhile changes nothing: 0 or CAIRN_EINVAL.
 */
static long check(struct booter *b, const struct buf *u, const struct persist_header *h)
{
	uint32_t listed_ones = 0, given[CAIRN_SD_COMPS] = { 0 };

	if (listed || h->magic != PERSIST_MAGIC || h->records < nrecs || h->records > PERSIST_RECORDS_MAX)
		return CAIRN_EINVAL;
	nagain = 0;
	for (uint32_t x = 0; x < h->records; x++) {
		const struct persist_rec *e = &h->rec[x];
		if (!fits(b, u, h, x))
			return CAIRN_EINVAL;
		source[x] = buf_frame(u, e->page);
		if (e->kind == PERSIST_LINK && take_link(b, e, source[x]))
			return CAIRN_EINVAL;
		const struct cow *w = e->kind == PERSIST_PAGE ? cow_find(e->comp, e->key) : 0;
		if (e->kind == PERSIST_PAGE && !w && ++given[e->comp] > b->c[e->comp].sd->budget)
			return CAIRN_EINVAL;	/* (more of the manager's pages than its budget) */
		target[x] = w ? w->frame : 0;	/* (a manager's page: made before the writing, restore) */
		listed_ones += w || e->kind == PERSIST_THREAD;
		if (e->kind == PERSIST_THREAD &&
		    (copy_bytes(b, source[x], saved[e->comp], sizeof(saved[0]), 0) || !regs_fit(saved[e->comp])))
			return CAIRN_EINVAL;
	}
	return listed_ones == nrecs ? 0 : CAIRN_EINVAL;	/* every listed page and thread, once */
}

/*
 * Makes the manager's pages of the table (a target of 0) for their components, then its
 * copies, on thread tid: 0, or an error and nothing of them made (the manager's records
 * of the persistent components cleared).
 */
static long make_given(struct booter *b, const struct persist_header *h, uint64_t tid)
{
	long r = 0;

	for (uint32_t x = 0; !r && x < h->records; x++) {
		const struct persist_rec *e = &h->rec[x];
		if (e->kind != PERSIST_PAGE || target[x])
			continue;
		r = boot_manager_alloc_at(e->comp, e->key, tid);
		target[x] = r ? 0 : boot_frame(b->c[e->comp].pt, e->key, 1);
		r = r ? r : target[x] ? 0 : CAIRN_ENOENT;
	}
	for (uint32_t k = 0; !r && k < nagain; k++)
		r = boot_manager_copy_again(&again[k], tid);
	for (unsigned i = 0; r && i < b->sd->ncomps; i++)
		if (b->c[i].sd->persistent)
			boot_manager_clear(i, tid);
	return r;
}

/*
 * Restores the caller's checkpoint: CAIRN_EINVAL if it does not fit (nothing written: the
 * components may start fresh); any other error came while writing, and the components
 * stay held for good (half-restored: start refuses them).
 */
static long restore(struct booter *b, const struct buf *u, uint64_t tid)
{
	const struct persist_header *h = (const struct persist_header *)table;
	long r = table_io(b, u, 0);

	if (!r)
		r = check(b, u, h);
	if (r)
		return r == CAIRN_EFAULT ? r : CAIRN_EINVAL;
	if (make_given(b, h, tid))
		return CAIRN_EINVAL;	/* (nothing of theirs written or made: a fresh start) */
	for (uint32_t x = 0; !r && x < h->records; x++) {	/* all fit: written whole */
		const struct persist_rec *e = &h->rec[x];
		r = e->kind == PERSIST_PAGE ? copy_frame(b, GATE_WINDOW, source[x], target[x])
					    : set_thread(b, e->comp, saved[e->comp]);
		if (!r && e->kind == PERSIST_THREAD)	/* a resume counts as a wake: a wait it was about
							   to begin (a deadline armed, a port looked at, in
							   the boot before) returns, as a spurious wake */
			cairn_asnd_send(b->c[e->comp].asnd, 0);
	}
	if (r) {
		__atomic_store_n(&started, 2, __ATOMIC_RELEASE);	/* never started half-restored */
		cairn_printf("booter: restoring the persistent components failed midway (%ld): they stay stopped\n", r);
	}
	return r;
}

/* ---- the gate ---- */

static uint64_t held_left[CAIRN_SD_COMPS];	/* the budgets boot_persist_hold took */

/* Lets the persistent components run (once). */
static long start(struct booter *b)
{
	if (__atomic_exchange_n(&started, 1, __ATOMIC_ACQ_REL))
		return CAIRN_EBUSY;
	hold_all(b, 0, held_left, 0);
	return 0;
}

/* Makes the booter component i's keeper (a first write after a pause: keeper above). */
static long keep(struct booter *b, unsigned i)
{
	long r = boot_reserve_slots(b);
	unsigned gate = cairn_slot(&b->a);

	if (!r)
		r = cairn_captbl_act_sinv(CAIRN_SLOT_CAPTBL, gate, CAIRN_SLOT_COMP, (cairn_word)boot_persist_keeper,
					  i + 1, 0);
	return r ? r : cairn_comp_keeper(b->c[i].comp, gate);
}

/*
 * Before any initialisation: the persistent are held (their tcaps made empty: budget.c),
 * whole budgets kept, their pages listed and the booter made their keeper. 0, or an
 * error (the boot stops).
 */
long boot_persist_hold(struct booter *b)
{
	long r = 0;

	b->settle = settle;
	listed = 0;
	for (unsigned i = 0; !r && i < b->sd->ncomps; i++)
		if (b->c[i].sd->persistent) {
			__atomic_store_n(&b->c[i].held, 1, __ATOMIC_RELEASE);
			held_left[i] = b->c[i].cpu_budget;
			r = keep(b, i);
			if (!r && !listed && (listed = list_comp(b, i)))
				where[i].n = 0;	/* (its spans not all listed: none is found) */
		}
	if (listed)
		cairn_printf("booter: the persistent components' pages cannot be taken (%ld): at most %u records\n",
			     listed, (unsigned)PERSIST_RECORDS_MAX);
	return r;
}

static struct cairn_ret2 call(struct booter *b, unsigned client, unsigned fn, cairn_word a0, cairn_word a1,
			      uint64_t tid)
{
	struct buf u = { .pt = b->c[client].pt, .va = a0, .pages = a1 };

	if (fn == PERSIST_HASH)
		return digest(b);
	if (fn == PERSIST_START)
		return (struct cairn_ret2){ start(b), 0 };
	if (fn == PERSIST_COLLECT)
		return (struct cairn_ret2){ collect(b, a0), 0 };
	if (fn != PERSIST_CAPTURE && fn != PERSIST_RESTORE)
		return (struct cairn_ret2){ CAIRN_ENOSYS, 0 };
	if ((a0 & (PAGE - 1)) || a1 < PERSIST_TABLE_PAGES || a1 > (1UL << 20))
		return (struct cairn_ret2){ CAIRN_EFAULT, 0 };
	if (fn == PERSIST_CAPTURE)
		return capture(b, &u, b->c[client].sd->core);
	if (__atomic_load_n(&started, __ATOMIC_ACQUIRE))
		return (struct cairn_ret2){ CAIRN_EBUSY, 0 };
	long r = restore(b, &u, tid);
	return (struct cairn_ret2){ r ? r : start(b), 0 };
}

static struct cairn_ret2 gate(cairn_word a, cairn_word b_, cairn_word c_, cairn_word d, cairn_word badge,
			      cairn_word tid)
{
	unsigned fn;
	long client = boot_iface_client(badge, &fn);

	(void)c_, (void)d;
	if (client < 0)
		return (struct cairn_ret2){ CAIRN_EINVAL, 0 };	/* not a badge we made */
	if (__atomic_exchange_n(&busy, 1, __ATOMIC_ACQUIRE))
		return (struct cairn_ret2){ CAIRN_EBUSY, 0 };	/* (one checkpointer, one call at a time) */
	struct cairn_ret2 r = call(boot_server, (unsigned)client, fn, a, b_, tid);
	__atomic_store_n(&busy, 0, __ATOMIC_RELEASE);
	return r;
}
CAIRN_GATE(boot_persist_entry, gate)

long boot_persist_gate(struct booter *b, unsigned client, unsigned slot, unsigned fn)
{
	return boot_iface_gate(b, client, slot, (cairn_word)boot_persist_entry, fn);
}
