/*
 * random.c: where the hostile traffic comes from: the xorshift64* generator, the
 * arguments it draws, the exclusions that make a drawn call safe (or drop it; the
 * header of hostile.h says which and why), and the random and well-formed calls.
 */
#include "hostile.h"

/* ---- the random generator: xorshift64* ---- */

static uint64_t rng = HOSTILE_SEED;

void rnd_seed(uint64_t seed)
{
	rng = seed ? seed : HOSTILE_SEED;	/* xorshift never leaves 0 */
}

uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

int chance(unsigned percent)
{
	return below(100) < percent;
}

/* ---- choosing arguments ---- */

/* A random non-empty slot of our table with this type (flags too, if flags >= 0), or 0. */
static unsigned pick_cap(unsigned type, int flags)
{
	unsigned p0 = (unsigned)below(n_r0_pos), s0 = (unsigned)below(LEAF_SLOTS);

	for (unsigned i = 0; i < n_r0_pos; i++) {
		unsigned pos = r0_pos[(p0 + i) % n_r0_pos];
		const struct mcap *l = leaf_slot[root_leaf[O_R0][pos]];
		for (unsigned j = 0; j < LEAF_SLOTS; j++) {
			unsigned s = (s0 + j) % LEAF_SLOTS;
			if (l[s].type == type && (flags < 0 || l[s].flags == flags))
				return pos * LEAF_SLOTS + s;
		}
	}
	return 0;
}

static unsigned pick_any_cap(void)
{
	for (int tries = 0; tries < 16; tries++) {
		unsigned idx = r0_pos[below(n_r0_pos)] * LEAF_SLOTS + (unsigned)below(LEAF_SLOTS);
		if (mcap(idx))
			return idx;
	}
	return (unsigned)below(301);
}

/* A slot of root (an object) that is empty (want_free) or not, or a random index. */
static uint64_t pick_slot_in(unsigned root, int want_free)
{
	unsigned p0 = (unsigned)below(ROOT_SLOTS), s0 = (unsigned)below(LEAF_SLOTS);

	if (root == O_R0 && root_leaf[O_R0][1] && chance(70))
		p0 = 1;		/* prefer the leaf at position 1: slots 128..255 */
	for (unsigned i = 0; i < ROOT_SLOTS; i++) {
		unsigned pos = (p0 + i) % ROOT_SLOTS, leaf = root_leaf[root][pos];
		if (!leaf)
			continue;
		for (unsigned j = 0; j < LEAF_SLOTS; j++) {
			unsigned s = (s0 + j) % LEAF_SLOTS;
			uint64_t idx = pos * LEAF_SLOTS + s;
			if (idx >= FREE && (leaf_slot[leaf][s].type == 0) == want_free)
				return idx;
		}
	}
	return below(301);
}

static uint64_t near_frame(void);

/* A random tracked frame (not an episode's) in r satisfying the test: 1 and *pa, or 0. */
static int tracked_frame(int type, int empty, const struct mrange *r, uint64_t *pa)
{
	unsigned n = nobj - O_FIRST, o0 = (unsigned)below(n);

	for (unsigned i = 0; i < n; i++) {
		struct obj *o = &ob[O_FIRST + (o0 + i) % n];
		if ((type < 0 || o->type == type) && (!empty || o->kind == K_NONE) && !o->reserved &&
		    o->pa >= r->base && o->pa < r->end) {
			*pa = o->pa;
			return 1;
		}
	}
	return 0;
}

/* A random tracked frame (not an episode's) satisfying the test, or a frame nearby. */
uint64_t pick_frame(int type, int empty)
{
	uint64_t pa;

	return tracked_frame(type, empty, &(struct mrange){ 0, ~0UL }, &pa) ? pa : near_frame();
}

/* As pick_frame, but mostly inside the range of mem, a derived memory capability. */
static uint64_t pick_frame_for(uint64_t mem, int type, int empty)
{
	struct mcap *m = mem == MEM ? NULL : mcap_of(mem, CAIRN_CAP_MEMORY);
	uint64_t pa;

	if (m && chance(70) && tracked_frame(type, empty, &mrange[m->obj], &pa))
		return pa;
	return pick_frame(type, empty);
}

static uint64_t near_frame(void)
{
	uint64_t f;

	switch (below(4)) {
	case 0:  f = below(4) * PAGE + (chance(50) ? 0x9e000 : 0); break;	/* low memory */
	case 1:  f = 0x100000 + below(64) * PAGE; break;			/* the kernel image and after */
	case 2:  f = R->mem_end - PAGE * 4 + below(6) * PAGE; break;		/* the top of memory */
	default: f = POOL_START - (1 + below(4)) * PAGE; break;
	}
	return chance(10) ? f + 8 : f;
}

static uint64_t scratch_va(void)
{
	uint64_t va;

	switch (below(4)) {
	case 0:  va = SCRATCH_LO + below(64) * PAGE; break;
	case 1:  va = SCRATCH_LO + (1UL << 30) + below(16) * PAGE; break;
	case 2:  va = SCRATCH_LO + below(4) * (2UL << 20) + below(4) * PAGE; break;
	default: va = SCRATCH_LO + (below(SCRATCH_HI - SCRATCH_LO) & ~(PAGE - 1)); break;
	}
	return chance(5) ? va + below(PAGE) : va;
}

static uint64_t user_va(void)
{
	switch (below(8)) {
	case 0:  return USER_TOP_VA - below(4) * PAGE;
	case 1:  return USER_TOP_VA + below(2) * PAGE;
	case 2:  return 0x800000000000UL;
	case 3:  return below(4) * PAGE;
	case 4:  return CAIRN_IMAGE_BASE + below(16) * PAGE;
	case 5:  return (rnd() & 0x7fffffff000UL);
	case 6:  return (rnd() & 0x7ffffffff000UL);
	default: return scratch_va();
	}
}

static uint64_t edge_value(void)
{
	static const uint64_t v[] = { 0, 1, 2, 3, 4, 7, 8, 15, 16, 255, 256, 511, 512, 4095, 4096, 65535,
				      65536, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000UL,
				      0x7fffffffffffffffUL, 0x8000000000000000UL, ~0UL, ~0UL - 1 };
	return v[below(sizeof(v) / sizeof(v[0]))];
}

static uint64_t rand_arg(void)
{
	switch (below(13)) {
	case 0:  return below(8);
	case 1:  return below(301);
	case 2:  return 128 + below(128);
	case 3:
	case 4:  return pick_frame(-1, 0);
	case 5:  return near_frame();
	case 6:  return rnd();
	case 7:  return KERNEL_VA + below(64) * 8;
	case 8:  return scratch_va();
	case 9:  return user_va();
	case 10: return pick_any_cap();
	case 11: return chance(50) ? (uint64_t)_start : (uint64_t)echo_entry;
	default: return edge_value();
	}
}

static unsigned rand_cap(void)
{
	switch (below(8)) {
	case 0:  return (unsigned)rnd();
	case 1:
	case 2:  return (unsigned)below(301);
	case 3:  return 1 + (unsigned)below(FREE - 1);	/* the fixed slots, and the empty slot 8 */
	default: return pick_any_cap();
	}
}

/* ---- the exclusions (see hostile.h): make a drawn call safe, or drop it ---- */

long own_code_lookup;	/* PGTBL_LOOKUP of our code page in our own root */

static int is_own_pgtbl(unsigned cap)
{
	struct mcap *m = mcap(cap);

	if (m && m->type == CAIRN_CAP_PGTBL && m->obj == O_P0)
		return 1;
	/* belt and braces: whatever maps our code page as we do is treated as ours */
	return cairn_pgtbl_lookup(cap, (cairn_word)_start) == own_code_lookup;
}

static int is_own_rcv(unsigned cap)
{
	struct mcap *m = mcap(cap);

	if (m && m->type == CAIRN_CAP_RCV && m->obj == O_T0)
		return 1;
	/* an event read succeeds only on our own endpoint (side effect: one event less) */
	return cairn_rcv_event(cap).r0 >= 0;
}

/* True if every page of [p, p + len) is mapped in our scratch range (the model knows). */
static int scratch_mapped(uint64_t p, uint64_t len)
{
	for (uint64_t va = p & ~(PAGE - 1); va < p + len; va += PAGE)
		if (find_map(O_P0, va) < 0)
			return 0;
	return 1;
}

static void tame_write(struct call *c)
{
	static const char dots[] = "........";
	uint64_t p = c->a[0];

	if (c->a[1] > 64 && c->a[1] <= CAIRN_DEBUG_WRITE_MAX)
		c->a[1] &= 7;
	if (p >= SCRATCH_LO && p < SCRATCH_HI) {
		c->a[1] &= 15;		/* kept only if a page is unmapped: it must fail */
		if (!scratch_mapped(p, c->a[1]))
			return;
	}
	if ((p >= PAGE && p < SCRATCH_HI) || (p >= USER_TOP_VA - (1UL << 30) && p < USER_TOP_VA)) {
		c->a[0] = (uint64_t)dots;	/* our image, modules, stack: dots, not our data */
		c->a[1] &= 7;
	}
}

/*
 * Slots 1..FREE-1 (fixed, and the empty IOPORT slot) and the episodes' are never removed or
 * written: a destination there moves up until it is out of both (a single move from
 * 1..FREE-1 could land in the episodes' slots).
 */
static void protect_slot(struct call *c)
{
	while ((c->a[0] >= 1 && c->a[0] < FREE) || (c->a[0] >= EP_SLOT && c->a[0] < LEAF_SLOTS))
		c->a[0] += 8 + below(300);
}

/* A call that names the stage's leaves, or hooks or unhooks a leaf at their positions. */
static int names_stage(const struct call *c)
{
	int hidden = HIDDEN(c->cap);

	for (unsigned i = 0; i < 6; i++)
		hidden |= HIDDEN(c->a[i]);
	if ((c->op == CAIRN_OP_CAPTBL_CONS || c->op == CAIRN_OP_CAPTBL_DECONS) && c->a[0] >= STAGE_POS &&
	    c->a[0] <= TRAP_POS)
		hidden = 1;
	return hidden;
}

/*
 * THREAD_DISPATCH and THREAD_TCAP: our own thread stays on the root tcap (never spent:
 * it is never preempted for want of time, and no EXHAUSTED is ever sent), so another
 * tcap named for it becomes the root's, unless the lookup fails or (a dispatch) the
 * model knows its chain is empty (ETIME: nothing changes); the deadline of a dispatch of ourselves is dropped (no
 * timer is ever armed). Another thread is dispatched only if it cannot run: a1 fails its
 * lookup, the thread is on another core (EXDEV), or the tcap it would run on has a chain
 * the model knows is empty (then it is blocked, stopped or out of time: EAGAIN, EINVAL,
 * ETIME); else the call is dropped. Through a local capability (THREAD_LOCAL) the same,
 * but a bind, a deadline, a tcap, or a thread that is not in our component is refused
 * (EACCES, EBUSY): always sent.
 */
static int safe_tcap(struct call *c)
{
	struct mcap *m = mcap(c->cap), *x = NULL;
	unsigned a = c->op == CAIRN_OP_THREAD_TCAP ? 0 : 1;

	if (c->cap == CAIRN_CAP_NULL || !m || m->type != CAIRN_CAP_THREAD)
		return 1;	/* ENOSYS, ERANGE, ENOENT, EBADF */
	if (m->flags && (a == 0 || c->a[0] || c->a[1] || (m->obj != O_T0 && ob[m->obj].home != O_C0)))
		return 1;	/* a local capability: EACCES, or EBUSY (not in our component) */
	int keep = a == 1 && !c->a[1];	/* a dispatch on the tcap the thread ran on last */
	int bad = !keep && (!(x = mcap(c->a[a])) || x->type != CAIRN_CAP_TCAP);
	unsigned on = x && !bad ? x->obj : ob[m->obj].on;
	if (m->obj == O_T0) {	/* a bind even to an empty tcap would stop us: always the root */
		if (a == 1)
			c->a[0] = 0;
		if (!bad && on != root_tc && (a == 0 || chain_time(on) != 0))
			c->a[a] = CAIRN_SLOT_TCAP;
		return 1;
	}
	if (a == 0)
		return 1;	/* binding a thread that never runs */
	return bad || ob[m->obj].core != 0 || chain_time(on) == 0;
}

int safe(struct call *c)
{
	struct mcap *m;

	if (names_stage(c))
		return 0;
	switch (c->op) {
	case CAIRN_OP_DEBUG_STOP:
		return c->cap != CAIRN_CAP_NULL;
	case CAIRN_OP_DEBUG_WRITE:
		if (c->cap == CAIRN_CAP_NULL)
			tame_write(c);
		return 1;
	case CAIRN_OP_THREAD_DISPATCH:
	case CAIRN_OP_THREAD_TCAP:
		return safe_tcap(c);
	case CAIRN_OP_RCV_WAIT:
		return !is_own_rcv(c->cap);
	case CAIRN_OP_ASND_SEND:
		if (!(c->a[0] & ~(uint64_t)CAIRN_SEND_YIELD))
			c->a[0] = 0;
		/* a send to a thread of another core, with no scheduler there, would start it */
		return !((m = mcap_of(c->cap, CAIRN_CAP_ASND)) && ob[m->obj].core != 0);
	case CAIRN_OP_IRQ_BIND:
		if (c->a[0] == 0)
			c->a[0] = 1 + below(CAIRN_IRQ_LINES + 8);
		return 1;
	case CAIRN_OP_IRQ_NARROW:	/* the model has room for so many masks */
		protect_slot(c);
		return nmasks < MAX_MASKS || find_mask(c->a[1]) >= 0;
	case CAIRN_OP_CAPTBL_COPY:
	case CAIRN_OP_CAPTBL_REMOVE:
	case CAIRN_OP_CAPTBL_DEACT:
	case CAIRN_OP_CAPTBL_ACT_CAPTBL:
	case CAIRN_OP_CAPTBL_ACT_PGTBL:
	case CAIRN_OP_CAPTBL_ACT_COMP:
	case CAIRN_OP_CAPTBL_ACT_THREAD:
	case CAIRN_OP_CAPTBL_ACT_ASND:
	case CAIRN_OP_CAPTBL_ACT_TCAP:
		protect_slot(c);
		return 1;
	case CAIRN_OP_THREAD_LOCAL:	/* its destination is slot a1 (of the table a0) */
		while ((c->a[1] >= 1 && c->a[1] < FREE) || (c->a[1] >= EP_SLOT && c->a[1] < LEAF_SLOTS))
			c->a[1] += 8 + below(300);
		return 1;
	case CAIRN_OP_CAPTBL_ACT_RCV:
		protect_slot(c);
		if (c->a[1] == ME || ((m = mcap_of(c->a[1], CAIRN_CAP_THREAD)) && m->obj == O_T0))
			c->a[2] = 0;
		return 1;
	case CAIRN_OP_CAPTBL_ACT_SINV:
		protect_slot(c);
		m = mcap_of(c->a[1], CAIRN_CAP_COMP);
		c->a[2] = m && ob[m->obj].pt == O_P0 ? (uint64_t)echo_entry : KERNEL_VA;
		return 1;
	case CAIRN_OP_MEM_RETYPE:	/* the model has room for so many frames */
		return obj_at(c->a[0]) || nobj < MAX_OBJ;
	case CAIRN_OP_MEM_DERIVE:	/* and for so many ranges */
	case CAIRN_OP_DEVMEM_DERIVE:
	case CAIRN_OP_IOMMU_NARROW:
		protect_slot(c);
		return nranges < MAX_RANGES || find_range(c->a[1], c->a[2]) >= 0;
	case CAIRN_OP_PGTBL_MAP:
		if (nmaps == MAX_MAPS)
			return 0;	/* the model has room for so many mappings */
		/* fall through */
	case CAIRN_OP_PGTBL_CONS:
	case CAIRN_OP_PGTBL_DECONS:
	case CAIRN_OP_PGTBL_UNMAP:
		if ((c->a[0] < SCRATCH_LO || c->a[0] >= SCRATCH_HI) && c->cap != CAIRN_CAP_NULL &&
		    is_own_pgtbl(c->cap))
			c->a[0] = scratch_va();
		return 1;
	default:
		return 1;
	}
}

/* ---- random calls ---- */

static const uint32_t op_codes[] = {
#define X_OP(name, code, type, args, result) code,
	CAIRN_OPS(X_OP)
#undef X_OP
};
#define NOPS (sizeof(op_codes) / sizeof(op_codes[0]))

/*
 * Ports the kernel refuses to everyone, COM1 (the kernel's console, a driver's when a
 * description grants it), and ports that would reset or end the machine.
 */
static const uint16_t ports[] = { 0x20, 0x21, 0x40, 0x43, 0x61, 0x64, 0x70, 0x71, 0x92, 0xa0,
				  0x3f8, 0x3fd, 0x3ff, 0xcf8, 0xcf9, 0xcfc, 0xf4, 0xf7, 0xfffe };

void random_call(struct call *c)
{
	switch (below(16)) {
	case 0:  c->op = (uint32_t)rnd(); break;		/* high operation bits */
	case 1:
	case 2:  c->op = (uint32_t)below(0x10000); break;
	default: c->op = op_codes[below(NOPS)]; break;
	}
	if (c->op == CAIRN_OP_CAPTBL_ACT_INDIR || c->op == CAIRN_OP_COMP_RESTART || c->op == CAIRN_OP_THREAD_RESTART)
		c->op = CAIRN_OP_CAPTBL_ACT_ASND;	/* not modelled: indirections, restarts (objects.c tests them) */
	c->cap = rand_cap();
	for (unsigned i = 0; i < 6; i++)
		c->a[i] = rand_arg();
	if (CAIRN_OP_TYPE(c->op) == CAIRN_CAP_IOPORT && !(c->op >> 16) && chance(50)) {
		/* port access through the IOPORT slot, which is empty here: ENOENT */
		c->cap = CAIRN_SLOT_IOPORT;
		c->a[0] = chance(80) ? ports[below(sizeof(ports) / sizeof(ports[0]))] : c->a[0];
		c->a[1] = chance(80) ? 1UL << below(3) : c->a[1];
		c->a[2] = chance(50) ? 0xfe : c->a[2];	/* a reset, written to 0x64 or 0xcf9 */
	}
}

/* ---- well-formed calls: valid-looking operations on what the model holds ---- */

static unsigned pick_root_cap(void)
{
	unsigned r = chance(75) ? 0 : pick_cap(CAIRN_CAP_CAPTBL, 0);
	return r ? r : CT;
}

static unsigned root_of(unsigned cap)
{
	struct mcap *m = mcap(cap);
	return m && m->type == CAIRN_CAP_CAPTBL && !m->flags ? m->obj : O_R0;
}

/* A memory capability for an argument: mostly CAIRN_SLOT_MEMORY, else any we hold. */
static unsigned pick_mem(void)
{
	return chance(80) ? MEM : pick_cap(CAIRN_CAP_MEMORY, -1);
}

/* Device pages, RAM and the kernel's APIC pages: what a DEVMEM capability maps or refuses. */
static const uint64_t dev_pages[] = { 0xfed00000, 0xa0000, 0xb8000, 0xfee00000, 0xfec00000, 0x100000, 0 };

static uint64_t pick_dev_page(void)
{
	return chance(90) ? dev_pages[below(sizeof(dev_pages) / sizeof(dev_pages[0]))] : rand_arg();
}

/* A device-memory capability: mostly CAIRN_SLOT_DEVMEM, else any we hold. */
static unsigned pick_dev(void)
{
	unsigned d = chance(60) ? 0 : pick_cap(CAIRN_CAP_DEVMEM, -1);
	return d ? d : DEV;
}

static uint64_t pick_entry(void)
{
	switch (below(4)) {
	case 0:  return (uint64_t)echo_entry;
	case 1:  return rand_arg();
	default: return (uint64_t)_start;
	}
}

static void wf_activate(struct call *c)
{
	c->cap = pick_root_cap();
	c->a[0] = pick_slot_in(root_of(c->cap), 1);
	c->a[1] = chance(95) ? pick_mem() : rand_arg();
	c->a[2] = chance(90) ? pick_frame_for(c->a[1], CAIRN_FRAME_KERNEL, 1) : rand_arg();
	switch (below(10)) {
	case 0:
		c->op = CAIRN_OP_CAPTBL_ACT_CAPTBL;
		c->a[3] = chance(95) ? below(2) : rand_arg();
		break;
	case 1:
	case 2:
		c->op = CAIRN_OP_CAPTBL_ACT_PGTBL;
		c->a[3] = chance(95) ? (chance(10) ? IO_ROOT : 1 + below(4)) : rand_arg();
		break;
	case 3:
		c->op = CAIRN_OP_CAPTBL_ACT_COMP;
		c->a[3] = chance(30) ? CT : pick_cap(CAIRN_CAP_CAPTBL, 0);
		c->a[4] = chance(50) ? PT : pick_cap(CAIRN_CAP_PGTBL, chance(80) ? 4 : IO_ROOT);
		c->a[5] = pick_entry();
		break;
	case 4:
	case 5:
		c->op = CAIRN_OP_CAPTBL_ACT_THREAD;
		c->a[3] = pick_cap(CAIRN_CAP_COMP, -1);
		c->a[4] = chance(70) ? (uint64_t)stray : rand_arg();
		break;
	case 6:
		c->op = CAIRN_OP_CAPTBL_ACT_RCV;
		c->a[1] = pick_cap(CAIRN_CAP_THREAD, -1);
		c->a[2] = chance(50) ? 0 : pick_cap(CAIRN_CAP_RCV, -1);
		break;
	case 7:
		c->op = CAIRN_OP_CAPTBL_ACT_ASND;
		c->a[1] = pick_cap(CAIRN_CAP_RCV, -1);
		break;
	default:
		c->op = CAIRN_OP_CAPTBL_ACT_SINV;
		c->a[1] = pick_cap(CAIRN_CAP_COMP, -1);
		c->a[3] = rnd();
		c->a[4] = chance(80) ? below(2) : rand_arg();
		break;
	}
}

/* True if root (an object) has a leaf hooked: slots that can hold capabilities. */
static int has_leaf(unsigned root)
{
	for (unsigned p = 0; p < ROOT_SLOTS; p++)
		if (root_leaf[root][p])
			return 1;
	return 0;
}

static void wf_copy_remove(struct call *c)
{
	c->cap = pick_root_cap();
	unsigned root = root_of(c->cap), x = pick_cap(CAIRN_CAP_CAPTBL, 0);

	if (x && root_of(x) != O_R0 && has_leaf(root_of(x)) && chance(10)) {
		/* a table holding its own capability: once ours go, nothing can reach it */
		c->cap = x;
		c->op = CAIRN_OP_CAPTBL_COPY;
		c->a[0] = pick_slot_in(root_of(x), 1);
		c->a[1] = CT;
		c->a[2] = x;
		return;
	}
	switch (below(4)) {
	case 0:
	case 1:
		c->op = CAIRN_OP_CAPTBL_COPY;
		c->a[0] = pick_slot_in(root, 1);
		c->a[1] = pick_root_cap();
		c->a[2] = pick_slot_in(root_of((unsigned)c->a[1]), 0);
		break;
	case 2:
		c->op = CAIRN_OP_CAPTBL_REMOVE;
		c->a[0] = pick_slot_in(root, 0);
		break;
	default:
		c->op = CAIRN_OP_CAPTBL_DEACT;
		c->a[0] = pick_slot_in(root, 0);
		break;
	}
}

static void wf_cons(struct call *c)
{
	c->cap = pick_root_cap();
	if (!root_leaf[O_R0][1]) {		/* keep a leaf at position 1 most of the time */
		c->cap = CT;
		c->op = CAIRN_OP_CAPTBL_CONS;
		c->a[0] = 1;
		c->a[1] = pick_cap(CAIRN_CAP_CAPTBL, 1);
		return;
	}
	if (chance(50)) {
		c->op = CAIRN_OP_CAPTBL_CONS;
		c->a[0] = chance(80) ? below(8) : below(600);
		c->a[1] = chance(90) ? pick_cap(CAIRN_CAP_CAPTBL, 1) : rand_arg();
	} else {
		c->op = CAIRN_OP_CAPTBL_DECONS;
		c->a[0] = chance(80) ? below(8) : below(600);
	}
}

/* A va under root where a node of this level could be hooked (its parent exists). */
static uint64_t va_for_level(unsigned root, unsigned level)
{
	unsigned o0 = (unsigned)below(nobj);

	if (level < 3 && chance(80))
		for (unsigned i = 0; i < nobj; i++) {
			struct obj *o = &ob[(o0 + i) % nobj];
			if (o->kind == K_PT && o->hooked && o->parent == root && o->level == level + 1)
				return o->va + below(reach(level + 1) / PAGE) * PAGE;
		}
	return user_va();
}

static void wf_pgtbl(struct call *c)
{
	unsigned own = chance(40);
	c->cap = own ? PT : pick_cap(CAIRN_CAP_PGTBL, chance(70) ? 4 : IO_ROOT);
	if (!c->cap)
		c->cap = PT;
	unsigned root = mcap(c->cap) ? mcap(c->cap)->obj : O_P0;
	int m;

	switch (nmaps > 512 && chance(30) ? 4 : below(6)) {
	case 0:
	case 1: {
		unsigned child = pick_cap(CAIRN_CAP_PGTBL, chance(95) ? (int)(1 + below(3)) : IO_ROOT);
		unsigned level = child && mcap(child) ? mcap(child)->flags : 1;
		c->op = CAIRN_OP_PGTBL_CONS;
		c->a[0] = va_for_level(root, level);
		c->a[1] = child ? child : rand_arg();
		break;
	}
	case 2:
	case 3:
		c->op = CAIRN_OP_PGTBL_MAP;
		c->a[0] = chance(90) ? va_for_level(root, 0) : user_va();
		c->a[1] = chance(95) ? pick_mem() : rand_arg();
		c->a[2] = chance(90) ? pick_frame_for(c->a[1], CAIRN_FRAME_USER, 0) : rand_arg();
		c->a[3] = chance(95) ? below(4) : rand_arg();
		if (chance(20)) {	/* a device page, or what a DEVMEM capability refuses */
			c->a[1] = pick_dev();
			c->a[2] = pick_dev_page();
		}
		break;
	case 4:
		c->op = CAIRN_OP_PGTBL_UNMAP;
		m = nmaps && chance(70) ? (int)below(nmaps) : -1;
		c->a[0] = m >= 0 && maps[m].root == root ? maps[m].va : va_for_level(root, 0);
		break;
	default:
		c->op = chance(50) ? CAIRN_OP_PGTBL_LOOKUP : CAIRN_OP_PGTBL_DECONS;
		c->a[1] = 1 + below(3);
		c->a[0] = va_for_level(root, (unsigned)c->a[1]);
		if (chance(10))
			c->a[1] = rand_arg();
		break;
	}
}

/*
 * A range to derive from the memory capability c->cap: all of its own, blocks of the
 * pool (inside it or not), one tracked frame, a few pages at its base (empty, inverted
 * or unaligned ones among them), or anything. Few distinct ranges: the model keeps each.
 */
static void derive_range(struct call *c)
{
	struct mcap *m = mcap_of(c->cap, CAIRN_CAP_MEMORY);
	const struct mrange *r = &mrange[m ? m->obj : 0];
	uint64_t block = 32 * PAGE, i = below(4);

	switch (below(10)) {
	case 0: case 1: case 2:
		c->a[1] = r->base;
		c->a[2] = r->end;
		break;
	case 3: case 4: case 5:
		c->a[1] = POOL_START + i * block;
		c->a[2] = POOL_START + (i + 1 + below(4 - i)) * block;
		break;
	case 6: case 7:
		c->a[1] = pick_frame(-1, 0);
		c->a[2] = c->a[1] + PAGE;
		break;
	case 8:
		c->a[1] = r->base + below(3) * PAGE + (chance(20) ? 8 : 0);
		c->a[2] = r->base + below(3) * PAGE;
		break;
	default:
		c->a[1] = rand_arg();
		c->a[2] = rand_arg();
		break;
	}
}

/* DEVMEM_DERIVE: all of its range, one page of dev_pages, a few pages, or anything. */
static void wf_devmem(struct call *c)
{
	struct mcap *m = mcap_of(c->cap = pick_dev(), CAIRN_CAP_DEVMEM);
	const struct mrange *r = &mrange[m ? m->obj : 1];

	c->op = CAIRN_OP_DEVMEM_DERIVE;
	c->a[0] = chance(90) ? pick_slot_in(O_R0, 1) : rand_arg();
	switch (below(4)) {
	case 0:
		c->a[1] = r->base;
		c->a[2] = r->end;
		break;
	case 1:
	case 2:
		c->a[1] = pick_dev_page() & ~(PAGE - 1);
		c->a[2] = c->a[1] + PAGE * (chance(90) ? 1 : below(3)) + (chance(10) ? 8 : 0);
		break;
	default:
		c->a[1] = rand_arg();
		c->a[2] = rand_arg();
		break;
	}
}

static void wf_memory(struct call *c)
{
	if (chance(15))
		return wf_devmem(c);
	c->cap = pick_mem();
	if (chance(3)) {
		c->op = CAIRN_OP_MEM_COUNT;		/* walks all memory: kept rare */
		c->a[0] = chance(90) ? below(4) : rand_arg();
		return;
	}
	if (chance(20)) {
		c->op = CAIRN_OP_MEM_DERIVE;
		c->a[0] = chance(90) ? pick_slot_in(O_R0, 1) : rand_arg();
		derive_range(c);
		return;
	}
	c->op = CAIRN_OP_MEM_RETYPE;
	c->a[0] = chance(90) ? pick_frame_for(c->cap, -1, 0) : near_frame();
	c->a[1] = chance(95) ? below(3) : rand_arg();
}

static unsigned pick_tcap(void);

static void wf_threads(struct call *c)
{
	switch (below(9)) {
	case 0:
		c->op = CAIRN_OP_COMP_KEEPER;
		c->cap = pick_cap(CAIRN_CAP_COMP, -1);
		c->a[0] = chance(40) ? 0 : pick_cap(CAIRN_CAP_SINV, -1);
		break;
	case 1:
	case 2:
		c->op = CAIRN_OP_SINV_CALL;
		c->cap = pick_cap(CAIRN_CAP_SINV, -1);
		for (unsigned i = 0; i < 6; i++)
			c->a[i] = rand_arg();
		break;
	case 3:
		c->op = CAIRN_OP_ASND_SEND;
		c->cap = pick_cap(CAIRN_CAP_ASND, -1);
		c->a[0] = chance(80) ? 0 : rand_arg();
		break;
	case 4:
		c->op = chance(50) ? CAIRN_OP_RCV_EVENT : CAIRN_OP_RCV_WAIT;
		c->cap = pick_cap(CAIRN_CAP_RCV, -1);
		break;
	case 7:
		c->op = CAIRN_OP_THREAD_LOCAL;	/* from an ordinary capability, or a local one: EACCES */
		c->cap = chance(95) ? pick_cap(CAIRN_CAP_THREAD, chance(85) ? 0 : CAIRN_THREAD_LOCAL) : rand_cap();
		c->a[0] = chance(90) ? pick_root_cap() : chance(50) ? CAIRN_SLOT_LEAF0 : rand_cap();
		c->a[1] = chance(90) ? pick_slot_in(root_of((unsigned)c->a[0]), chance(85)) : rand_arg();
		break;
	case 8:
		c->op = chance(80) ? CAIRN_OP_THREAD_DISPATCH : CAIRN_OP_THREAD_DISPATCH + (uint32_t)below(8);
		c->cap = pick_cap(CAIRN_CAP_THREAD, CAIRN_THREAD_LOCAL);
		c->a[0] = chance(70) ? 0 : rand_arg();
		c->a[1] = chance(70) ? 0 : chance(50) ? pick_tcap() : pick_cap(CAIRN_CAP_THREAD, -1);
		c->a[2] = rand_arg();
		break;
	case 5:
		if (chance(40)) {	/* ours: EBUSY; a local capability: EACCES; any other: EINVAL */
			c->op = CAIRN_OP_THREAD_RETURN;
			c->cap = chance(20) ? ME : pick_cap(CAIRN_CAP_THREAD, chance(80) ? 0 : CAIRN_THREAD_LOCAL);
			c->a[0] = rand_arg();
			c->a[1] = rand_arg();
			break;
		}
		/* a stopped thread's registers, or (LIVE) a never-run one's; ours is EBUSY */
		c->op = CAIRN_OP_THREAD_REG;
		c->cap = pick_cap(CAIRN_CAP_THREAD, -1);
		c->a[0] = chance(60) ? below(CAIRN_REG_COUNT + 2) : chance(95) ? below(CAIRN_REG_END + 2) : rand_arg();
		c->a[1] = chance(90) ? below(4) : chance(50) ? 1UL << below(64) : rand_arg();	/* WRITE, LIVE, or others */
		c->a[2] = chance(50) ? user_va() : rand_arg();
		break;
	default:
		c->op = CAIRN_OP_THREAD_TLS;
		c->cap = pick_cap(CAIRN_CAP_THREAD, -1);
		c->a[0] = user_va();
		break;
	}
}

/* ---- time capabilities ---- */

/* A tcap slot of our table: mostly one this program made, else the root's (CAIRN_SLOT_TCAP). */
static unsigned pick_tcap(void)
{
	unsigned t = chance(25) ? 0 : pick_cap(CAIRN_CAP_TCAP, -1);
	return t ? t : CAIRN_SLOT_TCAP;
}

/*
 * A tcap slot of our table (the root's if none) satisfying want: 'd' the deepest (to
 * reach CAIRN_TCAP_DEPTH), 'e' one whose chain the model knows is empty, 'c' a child of
 * the tcap of thread o; or a thread slot, 'f' of a thread with no tcap yet.
 */
static unsigned pick_tcap_where(char want, unsigned o)
{
	unsigned best = 0, bd = 0, n = 0;

	for (unsigned i = 0; i < n_r0_pos; i++) {
		unsigned pos = r0_pos[i];
		const struct mcap *l = leaf_slot[root_leaf[O_R0][pos]];
		for (unsigned s = 0; s < LEAF_SLOTS; s++) {
			unsigned idx = pos * LEAF_SLOTS + s, x = l[s].obj;
			if (HIDDEN(idx) || l[s].type != (want == 'f' ? CAIRN_CAP_THREAD : CAIRN_CAP_TCAP))
				continue;
			int ok = want == 'd' ? ob[x].tdepth >= bd : want == 'e' ? chain_time(x) == 0 :
				 want == 'c' ? ob[x].tparent == o : !ob[x].tmade;
			if (ok && (want == 'd' ? ob[x].tdepth > bd || below(++n) == 0 : below(++n) == 0)) {
				best = idx;
				bd = ob[x].tdepth;
			}
		}
	}
	return best ? best : want == 'f' ? pick_cap(CAIRN_CAP_THREAD, -1) : pick_tcap();
}

/* A budget to give: 0, small, huge, CAIRN_TCAP_INF, the giver's own, one more than it. */
static uint64_t pick_budget(unsigned giver)
{
	static const uint64_t v[] = { 0, 0, 1, 4096, 1UL << 20, 1UL << 40, INT64_MAX, CAIRN_TCAP_INF - 1,
				      CAIRN_TCAP_INF, CAIRN_TCAP_INF };
	uint64_t b = ob[giver].tbud;

	switch (below(8)) {
	case 0:  return b;
	case 1:  return b + 1;	/* more than it has (0 from CAIRN_TCAP_INF) */
	case 2:  return rnd();
	default: return v[below(sizeof(v) / sizeof(v[0]))];
	}
}

/* A priority: the giver's or less urgent, more urgent, the largest, past 32 bits. */
static uint64_t pick_prio(unsigned giver)
{
	uint64_t p = ob[giver].tprio;

	switch (below(8)) {
	case 0:  return p - 1;	/* more urgent (or past 32 bits below 0) */
	case 1:  return UINT32_MAX;
	case 2:  return 1UL << 32;
	case 3:  return rand_arg();
	default: return p + below(3);
	}
}

static void wf_tcap(struct call *c)
{
	struct mcap *m;

	switch (below(10)) {
	case 0: case 1: case 2:
		c->op = CAIRN_OP_CAPTBL_ACT_TCAP;
		c->cap = pick_root_cap();
		c->a[0] = pick_slot_in(root_of(c->cap), 1);
		c->a[1] = chance(85) ? pick_tcap_where('f', 0) : chance(50) ? ME : pick_cap(CAIRN_CAP_THREAD, -1);
		c->a[2] = chance(50) ? pick_tcap_where('d', 0) : chance(95) ? pick_tcap() : rand_arg();
		break;
	case 3: case 4: case 5:
		c->op = CAIRN_OP_TCAP_DELEGATE;
		c->cap = chance(95) ? pick_tcap() : rand_cap();
		m = mcap_of(c->cap, CAIRN_CAP_TCAP);
		c->a[0] = chance(80) && m ? pick_tcap_where('c', m->obj) : chance(90) ? pick_tcap() : rand_arg();
		c->a[1] = pick_budget(m ? m->obj : root_tc);
		c->a[2] = pick_prio(m ? m->obj : root_tc);
		break;
	case 6:
		c->op = CAIRN_OP_TCAP_BUDGET;
		c->cap = chance(95) ? pick_tcap() : rand_cap();
		break;
	case 7: case 8:
		c->op = CAIRN_OP_THREAD_TCAP;
		c->cap = chance(95) ? pick_cap(CAIRN_CAP_THREAD, -1) : rand_cap();
		c->a[0] = chance(30) ? pick_tcap_where('e', 0) : chance(90) ? pick_tcap() : rand_arg();
		break;
	default:
		c->op = CAIRN_OP_THREAD_DISPATCH;
		c->cap = chance(95) ? pick_cap(CAIRN_CAP_THREAD, -1) : rand_cap();
		c->a[0] = chance(50) ? 0 : rand_arg();
		c->a[1] = chance(50) ? pick_tcap_where('e', 0) : chance(50) ? rand_cap() : chance(50) ? pick_tcap() : 0;
		break;
	}
}

/* IOMMU_*: through the first program's capability or a narrowed one; ids near its range. */
static void wf_iommu(struct call *c)
{
	static const uint32_t ops[] = { CAIRN_OP_IOMMU_ATTACH, CAIRN_OP_IOMMU_DETACH, CAIRN_OP_IOMMU_NARROW };

	c->op = ops[below(3)];
	c->cap = chance(70) ? MMU : chance(80) ? pick_cap(CAIRN_CAP_IOMMU, -1) : rand_cap();
	c->a[0] = chance(80) ? below(CAIRN_IOMMU_RIDS + 16) : rand_arg();
	c->a[1] = chance(80) ? pick_cap(CAIRN_CAP_PGTBL, -1) : rand_cap();
	if (c->op == CAIRN_OP_IOMMU_NARROW) {
		c->a[0] = chance(90) ? pick_slot_in(O_R0, 1) : rand_arg();
		c->a[1] = chance(90) ? below(CAIRN_IOMMU_RIDS + 2) : rand_arg();
		c->a[2] = chance(90) ? c->a[1] + below(300) : rand_arg();
	}
}

static void wf_misc(struct call *c)
{
	if (chance(20))
		return wf_iommu(c);
	static const uint32_t null_ops[] = { CAIRN_OP_NULL, CAIRN_OP_DEBUG_WRITE, CAIRN_OP_RETURN,
					     CAIRN_OP_FAULT_REG, CAIRN_OP_IRQ_BIND, CAIRN_OP_IRQ_UNBIND,
					     CAIRN_OP_IRQ_NARROW, CAIRN_OP_IRQ_ACK };
	c->op = null_ops[below(8)];
	c->cap = c->op >= CAIRN_OP_IRQ_BIND ? (chance(90) ? IRQ : rand_cap()) : CAIRN_CAP_NULL;
	if (c->op == CAIRN_OP_IRQ_NARROW && chance(50))
		c->cap = pick_cap(CAIRN_CAP_IRQ, -1);		/* a narrowed one, perhaps */
	c->a[0] = c->cap == IRQ ? below(CAIRN_IRQ_LINES + 8) : rand_arg();
	c->a[1] = c->op == CAIRN_OP_IRQ_BIND ? pick_cap(CAIRN_CAP_ASND, -1) : below(16);
	if (c->op == CAIRN_OP_IRQ_NARROW) {
		c->a[0] = chance(90) ? pick_slot_in(O_R0, 1) : rand_arg();
		c->a[1] = chance(80) ? 1ull << below(CAIRN_IRQ_LINES) : rand_arg();
	}
	c->a[2] = c->op != CAIRN_OP_IRQ_BIND || chance(20) ? rand_arg() : chance(50) ? 0 : below(CAIRN_IRQ_MODES + 2);
}

void well_formed(struct call *c)
{
	if (chance(8))
		return wf_tcap(c);
	switch (below(16)) {
	case 0: case 1: case 2: case 3: wf_activate(c); break;
	case 4: case 5: case 6:         wf_copy_remove(c); break;
	case 7:                         wf_cons(c); break;
	case 8: case 9: case 10:        wf_pgtbl(c); break;
	case 11: case 12:               wf_memory(c); break;
	case 13: case 14:               wf_threads(c); break;
	default:                        wf_misc(c); break;
	}
}
