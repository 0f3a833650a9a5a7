/*
 * model.c: the model of what this program holds in the kernel (its tables, page-table
 * nodes, mappings, components, threads, bound interrupt lines and the ranges of its
 * memory capabilities), updated from every call that succeeds, and the side-effect-free
 * probes that compare it with the kernel.
 */
#include "hostile.h"

struct obj ob[MAX_OBJ];
unsigned nobj;
struct mcap leaf_slot[MAX_OBJ][LEAF_SLOTS];	/* leaves' contents */
uint16_t root_leaf[MAX_OBJ][ROOT_SLOTS];	/* roots' contents */
uint16_t r0_pos[ROOT_SLOTS];			/* hooked positions of our table */
unsigned n_r0_pos;

struct mapping maps[MAX_MAPS];
unsigned nmaps;
uint16_t line_thread[CAIRN_IRQ_LINES];		/* each bound line references its thread */
uint8_t line_mode[CAIRN_IRQ_LINES];
struct mrange mrange[MAX_RANGES];		/* named by memory capabilities' obj */
unsigned nranges;
uint64_t irq_mask[MAX_MASKS];			/* named by IRQ capabilities' obj */
unsigned nmasks;

uint64_t reach(unsigned level)
{
	return 1UL << (12 + 9 * level);
}

int owning(unsigned type)
{
	return type == CAIRN_CAP_CAPTBL || type == CAIRN_CAP_PGTBL || type == CAIRN_CAP_COMP ||
	       type == CAIRN_CAP_THREAD;
}

/* A local THREAD capability (THREAD_LOCAL) references its thread without owning it. */
int owns(const struct mcap *m)
{
	return owning(m->type) && !(m->type == CAIRN_CAP_THREAD && m->flags);
}

/* True if a capability of this type names an object of ob[] (memory: a range; irq: lines). */
int names_object(unsigned type)
{
	return owning(type) || type == CAIRN_CAP_RCV || type == CAIRN_CAP_ASND || type == CAIRN_CAP_SINV ||
	       type == CAIRN_CAP_TCAP;
}

unsigned owning_type(unsigned kind)
{
	switch (kind) {
	case K_ROOT: case K_LEAF: return CAIRN_CAP_CAPTBL;
	case K_PT:                return CAIRN_CAP_PGTBL;
	case K_COMP:              return CAIRN_CAP_COMP;
	case K_THREAD:            return CAIRN_CAP_THREAD;
	default:                  return CAIRN_CAP_NONE;
	}
}

/* The slot idx of root, or NULL if out of range or its leaf is absent. */
struct mcap *mslot(unsigned root, uint64_t idx)
{
	if (!root || ob[root].kind != K_ROOT || idx >= CAIRN_CAPTBL_MAX)
		return NULL;
	unsigned leaf = root_leaf[root][idx / LEAF_SLOTS];
	return leaf ? &leaf_slot[leaf][idx % LEAF_SLOTS] : NULL;
}

/* A non-empty slot of our own table, or NULL. */
struct mcap *mcap(uint64_t idx)
{
	struct mcap *m = mslot(O_R0, idx);
	return m && m->type ? m : NULL;
}

struct mcap *mcap_of(uint64_t idx, unsigned type)
{
	struct mcap *m = mcap(idx);
	return m && m->type == type ? m : NULL;
}

int bound(unsigned thread)
{
	for (unsigned n = 0; thread && n < CAIRN_IRQ_LINES; n++)
		if (line_thread[n] == thread)
			return 1;
	return 0;
}

/*
 * A thread's tcap holds a reference to its parent's thread, and a thread running on
 * another's tcap one to that thread: either keeps the thread from being deactivated.
 */
int tcap_held(unsigned thread)
{
	for (unsigned o = O_T0; thread && o < nobj; o++)
		if (o != thread && ob[o].kind == K_THREAD && (ob[o].tparent == thread || ob[o].on == thread))
			return 1;
	return 0;
}

/*
 * The time left to a thread running on thread's tcap is the least budget along its
 * chain to the root: 0 if the model knows one of them is 0 (no time is ever charged to
 * an empty tcap), 1 if every one is CAIRN_TCAP_INF (never charged), else 2: unknown.
 */
int chain_time(unsigned thread)
{
	int inf = 1;

	for (unsigned o = thread, n = 0; o && n <= CAIRN_TCAP_DEPTH; o = ob[o].tparent, n++) {
		if (!ob[o].tbud)
			return 0;
		inf &= ob[o].tbud == CAIRN_TCAP_INF;
	}
	return inf ? 1 : 2;
}

unsigned obj_at(uint64_t pa)
{
	for (unsigned i = O_FIRST; i < nobj; i++)
		if (ob[i].pa == pa)
			return i;
	return 0;
}

static unsigned track(uint64_t pa, unsigned orig)
{
	if (nobj == MAX_OBJ)
		return 0;
	ob[nobj] = (struct obj){ .pa = pa, .orig = (uint8_t)orig, .type = (uint8_t)orig };
	return nobj++;
}

static void clear_storage(unsigned o)
{
	memset(leaf_slot[o], 0, sizeof(leaf_slot[o]));
	memset(root_leaf[o], 0, sizeof(root_leaf[o]));
}

static void r0_hook(unsigned pos, int on)
{
	for (unsigned i = 0; i < n_r0_pos; i++)
		if (r0_pos[i] == pos) {
			if (!on)
				r0_pos[i] = r0_pos[--n_r0_pos];
			return;
		}
	if (on)
		r0_pos[n_r0_pos++] = (uint16_t)pos;
}

int find_map(unsigned root, uint64_t va)
{
	for (unsigned i = 0; i < nmaps; i++)
		if (maps[i].root == root && maps[i].va == va)
			return (int)i;
	return -1;
}

int find_range(uint64_t base, uint64_t end)
{
	for (unsigned i = 0; i < nranges; i++)
		if (mrange[i].base == base && mrange[i].end == end)
			return (int)i;
	return -1;
}

int find_mask(uint64_t lines)
{
	for (unsigned i = 0; i < nmasks; i++)
		if (irq_mask[i] == lines)
			return (int)i;
	return -1;
}

/* The hooked page-table node of this level whose reach covers va under root, or 0. */
static unsigned find_node(unsigned root, uint64_t va, unsigned level)
{
	for (unsigned i = O_FIRST; i < nobj; i++)
		if (ob[i].kind == K_PT && ob[i].hooked && ob[i].parent == root && ob[i].level == level &&
		    ob[i].va == (va & ~(reach(level) - 1)))
			return i;
	return 0;
}

/* True if some capability of the object's own type names it (the kernel's "caps"). */
static int has_owning_cap(unsigned o)
{
	unsigned type = owning_type(ob[o].kind);

	for (unsigned l = O_R0; l < nobj; l++)
		if (ob[l].kind == K_LEAF)
			for (unsigned s = 0; s < LEAF_SLOTS; s++)
				if (leaf_slot[l][s].type == type && leaf_slot[l][s].obj == o && owns(&leaf_slot[l][s]))
					return 1;
	return 0;
}

/* A slot of our table holding a root capability to root, or 0. */
unsigned root_cap_slot(unsigned root)
{
	if (root == O_R0)
		return CT;
	for (unsigned i = 0; i < n_r0_pos; i++) {
		unsigned p = r0_pos[i];
		for (unsigned s = 0; s < LEAF_SLOTS; s++) {
			struct mcap *m = &leaf_slot[root_leaf[O_R0][p]][s];
			if (m->type == CAIRN_CAP_CAPTBL && !m->flags && m->obj == root)
				return p * LEAF_SLOTS + s;
		}
	}
	return 0;
}

unsigned root_tc = O_T0;

/*
 * CAIRN_SLOT_TCAP: the root tcap (never spent, priority 0), our thread's if the kernel
 * started us. A test runner gives its own: then our thread runs on it (its creator's),
 * has no tcap, and gets one here, the root's child (budget 0; its capability in slot
 * OWN_TCAP, one of the episodes', which random calls never remove), since a thread's
 * tcap is made once and the probe cannot tell without making it (EBUSY: ours is the
 * root). Our thread never runs on any but the root.
 */
static void model_root_tcap(void)
{
	long r = cairn_call(CT, CAIRN_OP_CAPTBL_ACT_TCAP, OWN_TCAP, ME, CAIRN_SLOT_TCAP, 0, 0, 0);

	root_tc = r == CAIRN_EBUSY ? O_T0 : O_RT;
	leaf_slot[O_L0][CAIRN_SLOT_TCAP] = (struct mcap){ CAIRN_CAP_TCAP, 0, (uint16_t)root_tc };
	ob[root_tc].kind = K_THREAD;
	ob[root_tc].tmade = 1;
	ob[root_tc].tbud = CAIRN_TCAP_INF;
	ob[O_T0].on = ob[root_tc].on = (uint16_t)root_tc;
	if (r == 0) {
		ob[O_T0].tmade = 1;
		ob[O_T0].tparent = O_RT;
		ob[O_T0].tdepth = 1;
		leaf_slot[O_L0][OWN_TCAP] = (struct mcap){ CAIRN_CAP_TCAP, 0, O_T0 };
	} else if (r != CAIRN_EBUSY)
		cairn_printf("hostile: our thread's tcap under CAIRN_SLOT_TCAP: %ld\n", r);
}

void model_init(void)
{
	static const struct mcap fixed[FREE] = {
		[CT] = { CAIRN_CAP_CAPTBL, 0, O_R0 }, [PT] = { CAIRN_CAP_PGTBL, 4, O_P0 },
		[COMP0] = { CAIRN_CAP_COMP, 0, O_C0 }, [ME] = { CAIRN_CAP_THREAD, 0, O_T0 },
		[MEM] = { CAIRN_CAP_MEMORY, 0, 0 }, [IRQ] = { CAIRN_CAP_IRQ, 0, 0 },
		[CAIRN_SLOT_LEAF0] = { CAIRN_CAP_CAPTBL, 1, O_L0 },
		[CAIRN_SLOT_DEVMEM] = { CAIRN_CAP_DEVMEM, 0, 1 },
		[MMU] = { CAIRN_CAP_IOMMU, 0, 2 },
	};

	nobj = O_FIRST;
	ob[O_R0] = (struct obj){ .kind = K_ROOT };
	ob[O_L0] = (struct obj){ .kind = K_LEAF, .level = 1, .hooked = 1, .parent = O_R0 };
	ob[O_P0] = (struct obj){ .kind = K_PT, .level = 4 };
	ob[O_C0] = (struct obj){ .kind = K_COMP, .ct = O_R0, .pt = O_P0 };
	ob[O_T0] = (struct obj){ .kind = K_THREAD, .home = O_C0 };
	for (unsigned i = O_R0; i < O_FIRST; i++)
		ob[i].orig = ob[i].type = CAIRN_FRAME_KERNEL;
	root_leaf[O_R0][0] = O_L0;
	r0_hook(0, 1);
	memcpy(leaf_slot[O_L0], fixed, sizeof(fixed));
	model_root_tcap();
	mrange[0] = (struct mrange){ R->mem_base, R->mem_end };
	mrange[1] = (struct mrange){ 0, devmem_limit() };
	mrange[2] = (struct mrange){ 0, CAIRN_IOMMU_RIDS };
	nranges = 3;
	irq_mask[0] = CAIRN_IRQ_ALL;
	nmasks = 1;
}

/* ---- updating the model after a call that succeeded ---- */

/* The frame stays KERNEL, with no object. */
static void destroy(unsigned o)
{
	ob[o].kind = K_NONE;
	ob[o].level = ob[o].hooked = ob[o].has_rcv = 0;
	ob[o].keeper = ob[o].sched = 0;
	ob[o].tmade = ob[o].tdepth = 0;
	ob[o].tparent = ob[o].on = 0;
	ob[o].tprio = 0;
	ob[o].tbud = 0;
	clear_storage(o);
}

/* The frame a2 becomes an object: it must be one of ours, KERNEL and empty. */
static unsigned new_object(const struct call *c, unsigned kind, unsigned level)
{
	unsigned o = obj_at(c->a[2]);

	if (!o || ob[o].type != CAIRN_FRAME_KERNEL || ob[o].kind != K_NONE) {
		diverge(c, "an activation succeeded on a frame that is not an empty kernel frame of ours");
		return 0;
	}
	clear_storage(o);
	ob[o].kind = (uint8_t)kind;
	ob[o].level = (uint8_t)level;
	ob[o].hooked = ob[o].has_rcv = 0;
	ob[o].keeper = ob[o].sched = 0;
	ob[o].core = 0;		/* a new thread is on its creator's core */
	ob[o].tmade = ob[o].tdepth = 0;
	ob[o].tparent = 0;
	ob[o].on = kind == K_THREAD ? (uint16_t)root_tc : 0;	/* its creator's tcap: ours, the root */
	ob[o].tprio = 0;
	ob[o].tbud = 0;
	return o;
}

static void apply_activate(const struct call *c, struct mcap *dst)
{
	struct mcap n = { 0, 0, 0 }, *x;
	unsigned o;

	switch (c->op) {
	case CAIRN_OP_CAPTBL_ACT_CAPTBL:
		if ((o = new_object(c, c->a[3] ? K_LEAF : K_ROOT, (unsigned)c->a[3])))
			n = (struct mcap){ CAIRN_CAP_CAPTBL, (uint8_t)c->a[3], (uint16_t)o };
		break;
	case CAIRN_OP_CAPTBL_ACT_PGTBL:
		if ((o = new_object(c, K_PT, c->a[3] == IO_ROOT ? 4 : (unsigned)c->a[3])))
			n = (struct mcap){ CAIRN_CAP_PGTBL, (uint8_t)c->a[3], (uint16_t)o };
		break;
	case CAIRN_OP_CAPTBL_ACT_COMP:
		if ((o = new_object(c, K_COMP, 0))) {
			ob[o].ct = mcap_of(c->a[3], CAIRN_CAP_CAPTBL) ? mcap(c->a[3])->obj : 0;
			ob[o].pt = mcap_of(c->a[4], CAIRN_CAP_PGTBL) ? mcap(c->a[4])->obj : 0;
			n = (struct mcap){ CAIRN_CAP_COMP, 0, (uint16_t)o };
		}
		break;
	case CAIRN_OP_CAPTBL_ACT_THREAD:
		if ((o = new_object(c, K_THREAD, 0))) {
			ob[o].home = (x = mcap_of(c->a[3], CAIRN_CAP_COMP)) ? x->obj : 0;
			n = (struct mcap){ CAIRN_CAP_THREAD, 0, (uint16_t)o };
		}
		break;
	case CAIRN_OP_CAPTBL_ACT_RCV:
		if (!(x = mcap_of(c->a[1], CAIRN_CAP_THREAD)))
			break;
		n = (struct mcap){ CAIRN_CAP_RCV, 0, x->obj };
		ob[x->obj].has_rcv = 1;
		if (c->a[2] && mcap_of(c->a[2], CAIRN_CAP_RCV))
			ob[x->obj].sched = mcap(c->a[2])->obj;
		break;
	case CAIRN_OP_CAPTBL_ACT_ASND:
		if ((x = mcap_of(c->a[1], CAIRN_CAP_RCV)))
			n = (struct mcap){ CAIRN_CAP_ASND, 0, x->obj };
		break;
	case CAIRN_OP_CAPTBL_ACT_SINV:
		if ((x = mcap_of(c->a[1], CAIRN_CAP_COMP)))
			n = (struct mcap){ CAIRN_CAP_SINV, (uint8_t)c->a[4], x->obj };
		break;
	case CAIRN_OP_CAPTBL_ACT_TCAP: {
		struct mcap *p = mcap_of(c->a[2], CAIRN_CAP_TCAP);
		if (!(x = mcap_of(c->a[1], CAIRN_CAP_THREAD)) || !p || ob[x->obj].tmade ||
		    ob[p->obj].tdepth >= CAIRN_TCAP_DEPTH)
			break;
		struct obj *t = &ob[x->obj];
		t->tmade = 1;	/* budget 0, the parent's priority of the moment */
		t->tparent = p->obj;
		t->tdepth = (uint8_t)(ob[p->obj].tdepth + 1);
		t->tprio = ob[p->obj].tprio;
		t->tbud = 0;
		if (t->tdepth > tcap_deepest)
			tcap_deepest = t->tdepth;
		n = (struct mcap){ CAIRN_CAP_TCAP, 0, x->obj };
		break;
	}
	default:
		diverge(c, "an unknown table operation succeeded");
		return;
	}
	if (!n.type && !stop_random)
		diverge(c, "an activation succeeded with arguments the model says are wrong");
	*dst = n;
}

static void apply_captbl(const struct call *c, unsigned root)
{
	struct mcap *dst = mslot(root, c->a[0]), *x, *src = NULL;
	unsigned l;

	switch (c->op) {
	case CAIRN_OP_CAPTBL_COPY:
		if ((x = mcap_of(c->a[1], CAIRN_CAP_CAPTBL)))
			src = mslot(x->obj, c->a[2]);
		if (!dst || !src || !src->type || dst->type)
			return diverge(c, "a copy succeeded that the model says must fail");
		*dst = *src;
		return;
	case CAIRN_OP_CAPTBL_REMOVE:
	case CAIRN_OP_CAPTBL_DEACT:
		if (!dst || !dst->type)
			return diverge(c, "a remove succeeded on a slot the model says is empty");
		if (c->op == CAIRN_OP_CAPTBL_DEACT && dst->type == CAIRN_CAP_THREAD && owns(dst) && bound(dst->obj))
			diverge(c, "a thread an interrupt line references was deactivated");
		if (c->op == CAIRN_OP_CAPTBL_DEACT && dst->type == CAIRN_CAP_THREAD && owns(dst) && tcap_held(dst->obj))
			diverge(c, "a thread a tcap references (its child's, or one running on it) was deactivated");
		if (c->op == CAIRN_OP_CAPTBL_DEACT && owns(dst))
			destroy(dst->obj);	/* a local capability's DEACT only empties its slot */
		*dst = (struct mcap){ 0, 0, 0 };
		return;
	case CAIRN_OP_CAPTBL_CONS:
		if (!(x = mcap_of(c->a[1], CAIRN_CAP_CAPTBL)) || root_leaf[root][c->a[0]])
			return diverge(c, "a cons succeeded that the model says must fail");
		root_leaf[root][c->a[0]] = x->obj;
		ob[x->obj].hooked = 1;
		ob[x->obj].parent = (uint16_t)root;
		ob[x->obj].pos = (uint16_t)c->a[0];
		if (root == O_R0)
			r0_hook((unsigned)c->a[0], 1);
		return;
	case CAIRN_OP_CAPTBL_DECONS:
		if (!(l = root_leaf[root][c->a[0]]))
			return diverge(c, "a decons succeeded on an empty position");
		root_leaf[root][c->a[0]] = 0;
		ob[l].hooked = 0;
		if (root == O_R0)
			r0_hook((unsigned)c->a[0], 0);
		if (!has_owning_cap(l))
			destroy(l);	/* nothing names it any more: the kernel destroys it */
		return;
	default:
		if (!dst || dst->type)
			return diverge(c, "an activation succeeded into a slot the model says is not free");
		apply_activate(c, dst);
	}
}

static void apply_pgtbl(const struct call *c, unsigned root)
{
	struct mcap *x;
	unsigned n;
	int m;

	switch (c->op) {
	case CAIRN_OP_PGTBL_CONS:
		if (!(x = mcap_of(c->a[1], CAIRN_CAP_PGTBL)))
			return diverge(c, "a page-table cons succeeded with a child the model does not know");
		ob[x->obj].hooked = 1;
		ob[x->obj].parent = (uint16_t)root;
		ob[x->obj].va = c->a[0] & ~(reach(ob[x->obj].level) - 1);
		return;
	case CAIRN_OP_PGTBL_DECONS:
		if (!(n = find_node(root, c->a[0], (unsigned)c->a[1])))
			return diverge(c, "a page-table decons succeeded on a node the model does not know");
		ob[n].hooked = 0;
		if (!has_owning_cap(n))
			destroy(n);
		return;
	case CAIRN_OP_PGTBL_MAP:
		if (nmaps == MAX_MAPS)
			return diverge(c, "too many mappings to model");
		maps[nmaps++] = (struct mapping){ (uint16_t)root, (uint8_t)(c->a[3] |
			(mcap_of(c->a[1], CAIRN_CAP_DEVMEM) ? CAIRN_MAP_DEVICE : 0)), c->a[0], c->a[2] };
		return;
	case CAIRN_OP_PGTBL_UNMAP:
		if ((m = find_map(root, c->a[0])) < 0)
			return diverge(c, "an unmap succeeded where the model has no mapping");
		maps[m] = maps[--nmaps];
		return;
	default:
		return;
	}
}

static void apply_retype(const struct call *c)
{
	unsigned o = obj_at(c->a[0]);

	if (!o)		/* a frame outside the pool: from now on it is ours to return */
		o = track(c->a[0], c->a[1] == CAIRN_FRAME_UNTYPED ? CAIRN_FRAME_USER : CAIRN_FRAME_UNTYPED);
	if (!o)
		return diverge(c, "too many frames to model");
	if (ob[o].type == CAIRN_FRAME_KERNEL && ob[o].kind != K_NONE)
		return diverge(c, "a frame holding an object was retyped");
	ob[o].type = (uint8_t)c->a[1];
}

/*
 * The DEVMEM capability the kernel gives the first program covers [0, this): the
 * physical address limit, as the kernel reads it (CPUID 0x80000008; 36 bits without it).
 */
uint64_t devmem_limit(void)
{
	unsigned a, b, c, d, bits = 36;

	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000000u), "c"(0));
	if (a >= 0x80000008u) {
		__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000008u), "c"(0));
		bits = a & 0xff;
	}
	return 1ULL << (bits < 52 ? bits : 52);
}

/*
 * A new memory (MEM_DERIVE), device-memory (DEVMEM_DERIVE) or IOMMU (IOMMU_NARROW)
 * capability over [a1, a2) in slot a0 of our table (safe() left room for its range).
 */
static void apply_derive(const struct call *c, uint8_t type)
{
	struct mcap *dst = mslot(O_R0, c->a[0]);
	int r = find_range(c->a[1], c->a[2]);

	if (r < 0 && nranges < MAX_RANGES) {
		r = (int)nranges++;
		mrange[r] = (struct mrange){ c->a[1], c->a[2] };
	}
	if (!dst || dst->type || r < 0)
		return diverge(c, "a derive succeeded that the model says must fail");
	*dst = (struct mcap){ type, 0, (uint16_t)r };
}

/*
 * A line bound (to the thread of the send a1) or unbound; or a narrowed copy of irq
 * (its lines in obj) in slot a0 of our table.
 */
static void apply_irq(const struct call *c, const struct mcap *irq)
{
	struct mcap *x = mcap_of(c->a[1], CAIRN_CAP_ASND);
	int bind = c->op == CAIRN_OP_IRQ_BIND;

	if (c->op == CAIRN_OP_IRQ_NARROW) {
		struct mcap *dst = mslot(O_R0, c->a[0]);
		int k = find_mask(c->a[1]);
		if (k < 0 && nmasks < MAX_MASKS)
			irq_mask[k = (int)nmasks++] = c->a[1];
		if (!dst || dst->type || !c->a[1] || (c->a[1] & ~irq_mask[irq->obj]) || k < 0)
			return diverge(c, "a narrowing succeeded that the model says must fail");
		*dst = (struct mcap){ CAIRN_CAP_IRQ, 0, (uint16_t)k };
		return;
	}
	if (c->a[0] >= CAIRN_IRQ_LINES || irq_line_reserved(c->a[0]) || !(irq_mask[irq->obj] >> c->a[0] & 1))
		return diverge(c, "an interrupt line operation succeeded that the model says must fail");
	if (c->op == CAIRN_OP_IRQ_ACK) {
		if (!line_thread[c->a[0]] || !(line_mode[c->a[0]] & CAIRN_IRQ_LEVEL))
			diverge(c, "an acknowledgement succeeded that the model says must fail");
		return;
	}
	if ((!bind && c->op != CAIRN_OP_IRQ_UNBIND) || (bind ? line_thread[c->a[0]] || !x : !line_thread[c->a[0]]))
		return diverge(c, "an interrupt line operation succeeded that the model says must fail");
	line_thread[c->a[0]] = bind ? x->obj : 0;
	line_mode[c->a[0]] = bind ? (uint8_t)c->a[2] : 0;
}

void apply(const struct call *c)
{
	struct mcap *x;

	if (c->cap == CAIRN_CAP_NULL)
		return;
	if (!(x = mcap(c->cap)) || CAIRN_OP_TYPE(c->op) != x->type)
		return diverge(c, "a call succeeded on a slot that the model says is empty or of another type");
	switch (x->type) {
	case CAIRN_CAP_CAPTBL:
		return apply_captbl(c, x->obj);
	case CAIRN_CAP_PGTBL:
		return apply_pgtbl(c, x->obj);
	case CAIRN_CAP_MEMORY:
		if (c->op == CAIRN_OP_MEM_RETYPE)
			apply_retype(c);
		if (c->op == CAIRN_OP_MEM_DERIVE)
			apply_derive(c, CAIRN_CAP_MEMORY);
		return;
	case CAIRN_CAP_DEVMEM:
		if (c->op == CAIRN_OP_DEVMEM_DERIVE)
			apply_derive(c, CAIRN_CAP_DEVMEM);
		return;
	case CAIRN_CAP_IOMMU:
		if (c->op != CAIRN_OP_IOMMU_NARROW)
			return diverge(c, "an IOMMU attach or detach succeeded on a machine without one");
		return apply_derive(c, CAIRN_CAP_IOMMU);
	case CAIRN_CAP_COMP:
		if (c->op == CAIRN_OP_COMP_KEEPER)
			ob[x->obj].keeper = c->a[0] && mcap_of(c->a[0], CAIRN_CAP_SINV) ? mcap(c->a[0])->obj : 0;
		return;
	case CAIRN_CAP_IRQ:
		return apply_irq(c, x);
	case CAIRN_CAP_THREAD:
		if (c->op == CAIRN_OP_THREAD_LOCAL) {	/* a local capability in slot a1 of the table a0 */
			struct mcap *t = mcap_of(c->a[0], CAIRN_CAP_CAPTBL);
			struct mcap *dst = t && !t->flags ? mslot(t->obj, c->a[1]) : NULL;
			if (!dst || dst->type || x->flags)
				return diverge(c, "THREAD_LOCAL succeeded where the model says it must fail");
			*dst = (struct mcap){ CAIRN_CAP_THREAD, CAIRN_THREAD_LOCAL, x->obj };
			return;
		}
		if (x->flags) {		/* a local capability: only a plain dispatch, which binds nothing */
			if (c->op != CAIRN_OP_THREAD_DISPATCH || c->a[0] || c->a[1])
				diverge(c, "a local capability allowed more than a plain dispatch");
			return;
		}
		if (c->op == CAIRN_OP_THREAD_CORE)
			ob[x->obj].core = (uint8_t)c->a[0];
		if (c->op == CAIRN_OP_THREAD_TCAP || (c->op == CAIRN_OP_THREAD_DISPATCH && c->a[1])) {
			struct mcap *tc = mcap_of(c->a[c->op == CAIRN_OP_THREAD_TCAP ? 0 : 1], CAIRN_CAP_TCAP);
			if (!tc)
				return diverge(c, "a thread was bound to a tcap the model does not know");
			ob[x->obj].on = tc->obj;
		}
		return;
	case CAIRN_CAP_TCAP:
		if (c->op == CAIRN_OP_TCAP_DELEGATE) {
			struct mcap *ch = mcap_of(c->a[0], CAIRN_CAP_TCAP);
			if (!ch || ob[ch->obj].tparent != x->obj || c->a[2] < ob[x->obj].tprio || c->a[2] > UINT32_MAX)
				return diverge(c, "a delegation succeeded that the model says must fail");
			ob[ch->obj].tbud = c->a[1];
			ob[ch->obj].tprio = (uint32_t)c->a[2];
		}
		return;
	default:
		return;
	}
}

/* ---- checking the model against the kernel (probes change nothing) ---- */

uint64_t nprobes;

static void probe_mismatch(uint64_t idx, long got, long want, const char *what)
{
	struct call c = { .n = ncalls, .src = 'v', .cap = (unsigned)idx, .ret = got };

	cairn_printf("hostile: probe of slot %lu: %s: got %ld, want %ld\n", idx, what, got, want);
	diverge(&c, "the model of the capability table differs from the kernel");
}

/* Our table: each slot's emptiness, type, and whether a table capability names a root. */
static void probe_own(uint64_t idx, const struct mcap *m)
{
	uint32_t op = CAIRN_OP_NULL;
	long want = CAIRN_ENOENT;

	if (m->type == CAIRN_CAP_CAPTBL) {
		op = 0x01ff;	/* a leaf refuses everything; a root knows no such operation */
		want = m->flags ? CAIRN_EINVAL : CAIRN_ENOSYS;
	} else if (m->type == CAIRN_CAP_PGTBL) {
		op = 0x02ff;
		want = m->flags == 4 || m->flags == IO_ROOT ? CAIRN_ENOSYS : CAIRN_EINVAL;
	} else if (m->type) {
		op = ((uint32_t)m->type << 8) | 0xff;
		want = m->type == CAIRN_CAP_THREAD && m->flags ? CAIRN_EACCES : CAIRN_ENOSYS;	/* local: dispatch only */
	}
	nprobes++;
	long got = cairn_call((unsigned)idx, op, 0, 0, 0, 0, 0, 0);
	if (got != want)
		probe_mismatch(idx, got, want, "type");
}

/* Another root, named by rs: occupancy through an activation that fails after the slot check. */
static void probe_other(unsigned rs, unsigned root)
{
	for (unsigned p = 0; p < ROOT_SLOTS && !stop_random; p++) {
		unsigned leaf = root_leaf[root][p];
		if (!leaf)
			continue;
		for (unsigned s = 0; s < LEAF_SLOTS; s++) {
			uint64_t idx = p * LEAF_SLOTS + s;
			long want = idx == 0 ? CAIRN_EINVAL : leaf_slot[leaf][s].type ? CAIRN_EBUSY : CAIRN_EINVAL;
			nprobes++;
			long got = cairn_call(rs, CAIRN_OP_CAPTBL_ACT_CAPTBL, idx, MEM, 1, 2, 0, 0);
			if (got != want)
				probe_mismatch(idx, got, want, "occupancy in another table");
		}
	}
}

/*
 * Our tcaps: each one's priority and budget (TCAP_BUDGET: INT64_MAX if never spent, else
 * at most what the model says), and for random pairs whether one is the other's child:
 * a TCAP_DELEGATE with a priority past 32 bits is EINVAL if it is not, EACCES if it is,
 * and changes nothing either way.
 */
static void probe_tcaps(void)
{
	unsigned idx[64], n = 0;

	for (unsigned i = 0; i < n_r0_pos; i++) {
		unsigned p = r0_pos[i];
		for (unsigned s = 0; s < LEAF_SLOTS && n < 64; s++)
			if (leaf_slot[root_leaf[O_R0][p]][s].type == CAIRN_CAP_TCAP && !HIDDEN(p * LEAF_SLOTS + s))
				idx[n++] = p * LEAF_SLOTS + s;
	}
	for (unsigned i = 0; i < n && !stop_random; i++) {
		const struct obj *t = &ob[mcap(idx[i])->obj];
		struct cairn_ret2 b = cairn_tcap_budget(idx[i]);
		nprobes++;
		if (b.r0 < 0 || (uint64_t)b.r1 != t->tprio ||
		    (t->tbud == CAIRN_TCAP_INF ? b.r0 != INT64_MAX : (uint64_t)b.r0 > t->tbud))
			probe_mismatch(idx[i], b.r0, (long)t->tbud, "a tcap's budget or priority");
	}
	for (unsigned k = 0; n && k < 32 && !stop_random; k++) {
		unsigned i = (unsigned)below(n), j = (unsigned)below(n);
		long want = ob[mcap(idx[j])->obj].tparent == mcap(idx[i])->obj ? CAIRN_EACCES : CAIRN_EINVAL;
		nprobes++;
		long got = cairn_call(idx[i], CAIRN_OP_TCAP_DELEGATE, idx[j], 0, 1UL << 32, 0, 0, 0);
		if (got != want)
			probe_mismatch(idx[j], got, want, "a tcap's parent");
	}
}

void validate(int full)
{
	for (unsigned i = 0; i < n_r0_pos && !stop_random; i++) {
		unsigned p = r0_pos[i], leaf = root_leaf[O_R0][p];
		for (unsigned s = p ? 0 : 1; s < LEAF_SLOTS; s++)
			probe_own(p * LEAF_SLOTS + s, &leaf_slot[leaf][s]);
	}
	for (int k = 0; k < 4 && !stop_random; k++) {
		uint64_t idx = below(CAIRN_CAPTBL_MAX);
		if (!root_leaf[O_R0][idx / LEAF_SLOTS] && idx && !HIDDEN(idx))
			probe_own(idx, &(struct mcap){ 0, 0, 0 });
	}
	probe_tcaps();
	if (!full)
		return;
	for (unsigned o = O_FIRST; o < nobj && !stop_random; o++) {
		unsigned rs = ob[o].kind == K_ROOT ? root_cap_slot(o) : 0;
		if (rs)
			probe_other(rs, o);
	}
}
