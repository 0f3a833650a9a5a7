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
 * thread's registers; tools/system.py makes sure nothing else changes it (no exports:
 * no other thread runs in it; no manager). Stopping it for a capture: its tcap's
 * budget is taken away (TCAP_DELEGATE 0), so that the kernel runs none of it on any
 * core, and the booter's scheduler passes it over (bcomp.held); a thread the kernel
 * still runs elsewhere (it sees the change at its next charge) or one inside another
 * component is CAIRN_EAGAIN, and the time is given back at once. The component is
 * held from the build until restore or start.
 *
 * Nothing in the caller's buffer is trusted: restore checks every record against the
 * components (kind, component, page, thread, registers a return to user mode could not
 * take) before it writes anything, so a buffer that does not fit changes nothing.
 */
#include "libboot.h"
#include <common/elf.h>
#include <cairn/gate.h>
#include <cairn/persist.h>
#include <iface/persist.h>

#define PAGE 4096UL
#define SRC_VA CAIRN_BOOT_PERSIST_VA		/* the two pages a copy goes through */
#define DST_VA (CAIRN_BOOT_PERSIST_VA + PAGE)
#define USER_TOP 0x7ffffffff000UL		/* the kernel's (cairn/layout.h): rip and rsp below */

static uint32_t busy;				/* a call is inside (one at a time) */
static uint32_t started;			/* 1: restore or start has run; 2: a restore failed midway */
static uint8_t table[PERSIST_TABLE_PAGES * PAGE] __attribute__((aligned(16)));
static uint64_t regs[PERSIST_REGS];		/* capture: a thread's registers on their way out */

/* ---- the persistent components and their pages ---- */

#define SPANS 6	/* the image's writable segments (user.ld makes one), the stack, the heap */

struct span {
	uint64_t lo, hi;
};

/*
 * c's persistent memory: its image's writable segments, its stack and its heap (what a
 * restart gives back, restart.c), page-aligned spans into s[SPANS]; how many.
 */
static unsigned spans(struct booter *b, const struct bcomp *c, struct span *s)
{
	struct elf_image img;
	const char *file;
	unsigned n = 0;

	if (!boot_image(b, c->sd->image, &img, &file))
		for (unsigned i = 0; i < img.nseg && n < SPANS - 2; i++)
			if (img.seg[i].flags & ELF_SEG_W)
				s[n++] = (struct span){ img.seg[i].vaddr & ~(PAGE - 1),
							(img.seg[i].vaddr + img.seg[i].memsz + PAGE - 1) & ~(PAGE - 1) };
	s[n++] = (struct span){ STACK_TOP_VA - c->sd->stack, STACK_TOP_VA };
	s[n++] = (struct span){ HEAP_VA, HEAP_VA + c->sd->heap };
	return n;
}

/* Whether va is one of c's persistent pages. */
static int is_page(struct booter *b, const struct bcomp *c, uint64_t va)
{
	struct span s[SPANS];
	unsigned n = spans(b, c, s);

	for (unsigned k = 0; k < n; k++)
		if (va >= s[k].lo && va < s[k].hi && !(va & (PAGE - 1)))
			return 1;
	return 0;
}

/* Copies frame src onto frame dst (both the booter's to map). */
static long copy_frame(struct booter *b, uint64_t src, uint64_t dst)
{
	long r = cairn_pgtbl_map(CAIRN_SLOT_PGTBL, SRC_VA, b->a.mem, src, 0);

	if (r)
		return r;
	r = cairn_pgtbl_map(CAIRN_SLOT_PGTBL, DST_VA, b->a.mem, dst, CAIRN_MAP_WRITE);
	if (!r) {
		memcpy((void *)DST_VA, (const void *)SRC_VA, PAGE);
		cairn_pgtbl_unmap(CAIRN_SLOT_PGTBL, DST_VA);
	}
	cairn_pgtbl_unmap(CAIRN_SLOT_PGTBL, SRC_VA);
	return r;
}

/* Copies len bytes between the booter's buf and frame f at off (to_frame: into f). */
static long copy_bytes(struct booter *b, uint64_t f, void *buf, uint64_t len, int to_frame)
{
	long r = cairn_pgtbl_map(CAIRN_SLOT_PGTBL, DST_VA, b->a.mem, f, to_frame ? CAIRN_MAP_WRITE : 0);

	if (r)
		return r;
	if (to_frame)
		memcpy((void *)DST_VA, buf, len);
	else
		memcpy(buf, (const void *)DST_VA, len);
	return cairn_pgtbl_unmap(CAIRN_SLOT_PGTBL, DST_VA);
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
		uint64_t sizes[3] = { i, sd->stack, sd->heap };
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
 * still run it: no capture). Letting run wakes the scheduler of each one's core.
 */
static long hold_all(struct booter *b, int hold, uint64_t *left)
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

/* ---- capture ---- */

/* Adds record (kind, comp, key) at the table's next page; its page's frame in *f. */
static long add(const struct buf *u, unsigned kind, unsigned comp, uint64_t key, uint64_t *f)
{
	struct persist_header *h = (struct persist_header *)table;
	uint32_t n = h->records, page = PERSIST_TABLE_PAGES + n;

	if (n == PERSIST_RECORDS_MAX || page >= u->pages)
		return CAIRN_ENOBUFS;
	if (!(*f = buf_frame(u, page)))
		return CAIRN_EFAULT;
	h->rec[n] = (struct persist_rec){ .kind = (uint16_t)kind, .comp = (uint16_t)comp, .page = page, .key = key };
	h->records = n + 1;
	return 0;
}

/* Takes component i's thread and pages into u. */
static long capture_comp(struct booter *b, const struct buf *u, unsigned i)
{
	struct bcomp *c = &b->c[i];
	struct span s[SPANS];
	unsigned n = spans(b, c, s);
	uint64_t f;
	long r = add(u, PERSIST_THREAD, i, 0, &f);

	for (unsigned k = 0; !r && k < PERSIST_REGS; k++) {
		struct cairn_ret2 v = cairn_thread_reg(c->thread, k, CAIRN_REG_LIVE, 0);
		regs[k] = v.r1;
		r = v.r0;
	}
	if (!r)
		r = copy_bytes(b, f, regs, sizeof(regs), 1);
	for (unsigned k = 0; !r && k < n; k++)
		for (uint64_t va = s[k].lo; !r && va < s[k].hi; va += PAGE) {
			uint64_t src = boot_frame(c->pt, va, 0);
			r = src ? add(u, PERSIST_PAGE, i, va, &f) : CAIRN_ENOENT;
			if (!r)
				r = copy_frame(b, src, f);
		}
	return r;
}

static struct cairn_ret2 capture(struct booter *b, const struct buf *u)
{
	static uint64_t left[CAIRN_SD_COMPS];
	struct persist_header *h = (struct persist_header *)table;

	if (__atomic_load_n(&started, __ATOMIC_ACQUIRE) != 1)
		return (struct cairn_ret2){ CAIRN_EBUSY, 0 };	/* not started (or stopped for good) */
	memset(table, 0, sizeof(table));
	h->magic = PERSIST_MAGIC;
	uint64_t t0 = cairn_cycles();
	long r = hold_all(b, 1, left);
	if (!r)
		r = all_still(b);
	for (unsigned i = 0; !r && i < b->sd->ncomps; i++)
		if (b->c[i].sd->persistent)
			r = capture_comp(b, u, i);
	hold_all(b, 0, left);
	uint64_t paused = cairn_cycles() - t0;
	if (!r)
		r = table_io(b, u, 1);
	return (struct cairn_ret2){ r ? r : (long)h->records, r ? 0 : (long)paused };
}

/* ---- restore ---- */

/* Whether record x of h fits: its kind, component, page and key, once only. */
static int fits(struct booter *b, const struct buf *u, const struct persist_header *h, uint32_t x)
{
	const struct persist_rec *e = &h->rec[x];

	if (e->comp >= b->sd->ncomps || !b->c[e->comp].sd->persistent || e->page < PERSIST_TABLE_PAGES ||
	    e->page >= u->pages || !buf_frame(u, e->page))
		return 0;
	if (e->kind == PERSIST_PAGE ? !is_page(b, &b->c[e->comp], e->key) : e->kind != PERSIST_THREAD || e->key)
		return 0;
	for (uint32_t y = 0; y < x; y++)
		if (h->rec[y].kind == e->kind && h->rec[y].comp == e->comp && h->rec[y].key == e->key)
			return 0;
	return 1;
}

/* The records every persistent component needs: a thread and each page. */
static uint64_t needed(struct booter *b)
{
	uint64_t n = 0;
	struct span s[SPANS];

	for (unsigned i = 0; i < b->sd->ncomps; i++)
		if (b->c[i].sd->persistent) {
			unsigned k = spans(b, &b->c[i], s);
			n++;
			while (k--)
				n += (s[k].hi - s[k].lo) / PAGE;
		}
	return n;
}

static uint64_t saved[CAIRN_SD_COMPS][PERSIST_REGS];	/* restore: each thread's registers, checked */
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
	if (h->magic != PERSIST_MAGIC || h->records > PERSIST_RECORDS_MAX || h->records != needed(b))
		return CAIRN_EINVAL;
	for (uint32_t x = 0; x < h->records; x++) {
		const struct persist_rec *e = &h->rec[x];
		if (!fits(b, u, h, x))
			return CAIRN_EINVAL;
		source[x] = buf_frame(u, e->page);
		if (e->kind == PERSIST_PAGE) {
			target[x] = boot_frame(b->c[e->comp].pt, e->key, 0);
			if (!target[x])
				return CAIRN_EINVAL;
		} else if (copy_bytes(b, source[x], saved[e->comp], sizeof(saved[0]), 0) || !regs_fit(saved[e->comp])) {
			return CAIRN_EINVAL;
		}
	}
	return 0;
}

/*
 * Restores the caller's checkpoint: CAIRN_EINVAL if it does not fit (nothing written: the
 * components may start fresh); any other error came while writing, and the components
 * stay held for good (half-restored: start refuses them).
 */
static long restore(struct booter *b, const struct buf *u)
{
	const struct persist_header *h = (const struct persist_header *)table;
	long r = table_io(b, u, 0);

	if (!r)
		r = check(b, u, h);
	if (r)
		return r == CAIRN_EFAULT ? r : CAIRN_EINVAL;
	for (uint32_t x = 0; !r && x < h->records; x++) {	/* all fit: written whole */
		const struct persist_rec *e = &h->rec[x];
		r = e->kind == PERSIST_PAGE ? copy_frame(b, source[x], target[x]) : set_thread(b, e->comp, saved[e->comp]);
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
	hold_all(b, 0, held_left);
	return 0;
}

/* Before any initialisation: the persistent are held (their tcaps made empty: budget.c), whole budgets kept. */
void boot_persist_hold(struct booter *b)
{
	for (unsigned i = 0; i < b->sd->ncomps; i++)
		if (b->c[i].sd->persistent) {
			__atomic_store_n(&b->c[i].held, 1, __ATOMIC_RELEASE);
			held_left[i] = b->c[i].cpu_budget;
		}
}

static struct cairn_ret2 call(struct booter *b, unsigned client, unsigned fn, cairn_word a0, cairn_word a1)
{
	struct buf u = { .pt = b->c[client].pt, .va = a0, .pages = a1 };

	if (fn == PERSIST_HASH)
		return digest(b);
	if (fn == PERSIST_START)
		return (struct cairn_ret2){ start(b), 0 };
	if (fn != PERSIST_CAPTURE && fn != PERSIST_RESTORE)
		return (struct cairn_ret2){ CAIRN_ENOSYS, 0 };
	if ((a0 & (PAGE - 1)) || a1 < PERSIST_TABLE_PAGES || a1 > (1UL << 20))
		return (struct cairn_ret2){ CAIRN_EFAULT, 0 };
	if (fn == PERSIST_CAPTURE)
		return capture(b, &u);
	if (__atomic_load_n(&started, __ATOMIC_ACQUIRE))
		return (struct cairn_ret2){ CAIRN_EBUSY, 0 };
	long r = restore(b, &u);
	return (struct cairn_ret2){ r ? r : start(b), 0 };
}

static struct cairn_ret2 gate(cairn_word a, cairn_word b_, cairn_word c_, cairn_word d, cairn_word badge,
			      cairn_word tid)
{
	unsigned fn;
	long client = boot_iface_client(badge, &fn);

	(void)c_, (void)d, (void)tid;
	if (client < 0)
		return (struct cairn_ret2){ CAIRN_EINVAL, 0 };	/* not a badge we made */
	if (__atomic_exchange_n(&busy, 1, __ATOMIC_ACQUIRE))
		return (struct cairn_ret2){ CAIRN_EBUSY, 0 };	/* (one checkpointer, one call at a time) */
	struct cairn_ret2 r = call(boot_server, (unsigned)client, fn, a, b_);
	__atomic_store_n(&busy, 0, __ATOMIC_RELEASE);
	return r;
}
CAIRN_GATE(boot_persist_entry, gate)

long boot_persist_gate(struct booter *b, unsigned client, unsigned slot, unsigned fn)
{
	return boot_iface_gate(b, client, slot, (cairn_word)boot_persist_entry, fn);
}
