/*
 * teardown.c: after the random phase, destroys everything this program can still reach
 * and returns every frame to its start type; then works out from the model which
 * objects cannot be reached any more, and so may (and must) stay.
 */
#include "hostile.h"

/* ---- teardown: destroy everything reachable, then return every frame ---- */

static unsigned destroyed;

/* A slot of leaf 0 (FREE..127) naming o with its owning type, or 0. */
static unsigned keep_slot(unsigned o)
{
	unsigned type = owning_type(ob[o].kind);

	for (unsigned idx = FREE; idx < LEAF_SLOTS; idx++) {
		struct mcap *m = &leaf_slot[O_L0][idx];
		if (m->type == type && m->obj == o && owns(m))
			return idx;
	}
	return 0;
}

static unsigned free_leaf0_slot(void)
{
	for (unsigned idx = FREE; idx < LEAF_SLOTS; idx++)
		if (!leaf_slot[O_L0][idx].type)
			return idx;
	return 0;
}

/*
 * Makes sure leaf 0 holds a capability to o (returns its slot, or 0), copying one from
 * any table we can name, through tables named only in other tables if need be.
 */
static uint8_t fetching[MAX_OBJ];

static unsigned fetch(unsigned o)
{
	static const unsigned fixed[O_FIRST] = { 0, CT, CAIRN_SLOT_LEAF0, PT, COMP0, ME, 0 };
	unsigned type = owning_type(ob[o].kind), k, dst;

	if (o < O_FIRST)
		return fixed[o];
	if ((k = keep_slot(o)) || !type || fetching[o] || !(dst = free_leaf0_slot()))
		return k;
	fetching[o] = 1;
	for (unsigned r = O_R0; r < nobj; r++) {
		unsigned rs = ob[r].kind == K_ROOT && r != o ? (r == O_R0 ? CT : root_cap_slot(r)) : 0;
		if (!rs && ob[r].kind == K_ROOT && r != o)
			rs = fetch(r);
		if (rs && leaf_slot[O_L0][dst].type)
			dst = free_leaf0_slot();	/* the recursion took it */
		for (unsigned p = 0; rs && p < ROOT_SLOTS; p++) {
			unsigned leaf = root_leaf[r][p];
			for (unsigned s = 0; leaf && s < LEAF_SLOTS; s++) {
				struct mcap *m = &leaf_slot[leaf][s];
				if (dst && m->type == type && m->obj == o && owns(m) &&
				    call('t', CT, CAIRN_OP_CAPTBL_COPY, dst, rs, p * LEAF_SLOTS + s, 0, 0, 0) == 0) {
					fetching[o] = 0;
					return dst;
				}
			}
		}
	}
	fetching[o] = 0;
	return 0;
}

static int live(unsigned o)
{
	return ob[o].kind != K_NONE;
}

/*
 * Unbinds every line, through our own IRQ capability (never removed): a bound line
 * references its thread, which could not be deactivated. The model predicts each
 * answer, so the lines it believes unbound are checked too (ENOENT; line 2 ENOTSUP).
 */
static void unbind_lines(void)
{
	for (unsigned n = 0; n < CAIRN_IRQ_LINES; n++)
		call('t', IRQ, CAIRN_OP_IRQ_UNBIND, n, 0, 0, 0, 0, 0);
}

static void clear_keepers(void)
{
	for (unsigned o = O_C0; o < nobj; o++) {
		unsigned s;
		if (ob[o].kind == K_COMP && ob[o].keeper && (s = o == O_C0 ? COMP0 : fetch(o)))
			call('t', s, CAIRN_OP_COMP_KEEPER, 0, 0, 0, 0, 0, 0);
	}
}

/*
 * Binds every thread that runs on another's tcap to the root's (CAIRN_SLOT_TCAP, our
 * thread's, never deactivated): running on a tcap references its thread, and two
 * threads on each other's tcaps (or a parent on its child's) could never be deactivated.
 * What is left, a tcap's reference to its parent, is a tree: children go first, and
 * deactivate_kept's rounds find that order.
 */
static void rebind_threads(void)
{
	for (unsigned o = O_FIRST; o < nobj; o++) {
		unsigned s;
		if (ob[o].kind == K_THREAD && ob[o].on != root_tc && (s = fetch(o)))
			call('t', s, CAIRN_OP_THREAD_TCAP, CAIRN_SLOT_TCAP, 0, 0, 0, 0, 0);
	}
}

static void unmap_all(void)
{
	for (unsigned i = nmaps; i-- > 0;) {
		unsigned rs = fetch(maps[i].root);
		if (rs)
			call('t', rs, CAIRN_OP_PGTBL_UNMAP, maps[i].va, 0, 0, 0, 0, 0);
	}
}

static void decons_nodes(void)
{
	for (unsigned level = 1; level <= 3; level++)
		for (unsigned o = O_FIRST; o < nobj; o++) {
			unsigned rs;
			if (ob[o].kind != K_PT || !ob[o].hooked || ob[o].level != level)
				continue;
			fetch(o);	/* so that it can be deactivated once unhooked */
			if ((rs = fetch(ob[o].parent)))
				call('t', rs, CAIRN_OP_PGTBL_DECONS, ob[o].va, level, 0, 0, 0, 0);
		}
}

/* Hooks leaves that hold capabilities but hang nowhere into our table, to empty them. */
static int hook_loose_leaves(void)
{
	int progress = 0;

	for (unsigned o = O_FIRST; o < nobj; o++) {
		if (ob[o].kind != K_LEAF || ob[o].hooked)
			continue;
		int used = 0;
		for (unsigned s = 0; s < LEAF_SLOTS; s++)
			used |= leaf_slot[o][s].type;
		unsigned k = used ? fetch(o) : 0;
		for (unsigned p = 2; k && p < ROOT_SLOTS; p++)
			if (!root_leaf[O_R0][p]) {
				progress |= call('t', CT, CAIRN_OP_CAPTBL_CONS, p, k, 0, 0, 0, 0) == 0;
				break;
			}
	}
	return progress;
}

/* Removes every capability outside leaf 0 whose object leaf 0 holds too (or that owns nothing). */
static int empty_tables(void)
{
	int progress = 0;

	for (unsigned r = O_R0; r < nobj; r++) {
		unsigned rs = ob[r].kind == K_ROOT ? fetch(r) : 0;
		for (unsigned p = 0; rs && p < ROOT_SLOTS; p++) {
			unsigned leaf = root_leaf[r][p];
			if (!leaf || leaf == O_L0)
				continue;
			for (unsigned s = 0; s < LEAF_SLOTS; s++) {
				struct mcap *m = &leaf_slot[leaf][s];
				if (!m->type)
					continue;
				if (owns(m) && !fetch(m->obj))
					continue;	/* the last capability we could find: keep it */
				progress |= call('t', rs, CAIRN_OP_CAPTBL_REMOVE, p * LEAF_SLOTS + s, 0, 0, 0, 0, 0) == 0;
			}
		}
	}
	return progress;
}

static int unhook_leaves(int all)
{
	int progress = 0;

	for (unsigned o = O_FIRST; o < nobj; o++) {
		if (ob[o].kind != K_LEAF || !ob[o].hooked)
			continue;
		unsigned rs = fetch(ob[o].parent);
		if (rs && (all || fetch(o)))
			progress |= call('t', rs, CAIRN_OP_CAPTBL_DECONS, ob[o].pos, 0, 0, 0, 0, 0) == 0;
	}
	return progress;
}

/* Deactivates (or removes) what leaf 0 holds; objects still referenced wait a round. */
static int deactivate_kept(void)
{
	int progress = 0;

	for (unsigned idx = FREE; idx < LEAF_SLOTS; idx++) {
		struct mcap *m = &leaf_slot[O_L0][idx];
		if (!m->type)
			continue;
		int dup = owns(m) && keep_slot(m->obj) != idx;
		uint32_t op = owns(m) && !dup ? CAIRN_OP_CAPTBL_DEACT : CAIRN_OP_CAPTBL_REMOVE;
		if (call('t', CT, op, idx, 0, 0, 0, 0, 0) == 0) {
			progress = 1;
			destroyed += op == CAIRN_OP_CAPTBL_DEACT;
		}
	}
	return progress;
}

static void return_frames(void)
{
	for (unsigned o = O_FIRST; o < nobj; o++) {
		if (ob[o].type == ob[o].orig || (ob[o].type == CAIRN_FRAME_KERNEL && live(o)))
			continue;
		if (ob[o].type != CAIRN_FRAME_UNTYPED)
			call('t', MEM, CAIRN_OP_MEM_RETYPE, ob[o].pa, CAIRN_FRAME_UNTYPED, 0, 0, 0, 0);
		if (ob[o].type == CAIRN_FRAME_UNTYPED && ob[o].orig != CAIRN_FRAME_UNTYPED)
			call('t', MEM, CAIRN_OP_MEM_RETYPE, ob[o].pa, ob[o].orig, 0, 0, 0, 0);
	}
}

void teardown(void)
{
	unbind_lines();
	clear_keepers();
	rebind_threads();
	unmap_all();
	decons_nodes();
	/*
	 * Rounds until nothing changes; then (at most 10 times) one more pass with
	 * everything unhooked. Counted apart from the rounds: a chain of tcaps goes one
	 * level a round (a child before its parent's thread), and leaf 0 may have been too
	 * full for the first pass to fetch what it unmaps.
	 */
	for (int round = 0, progress = 1, passes = 0; round < 96 && progress; round++) {
		progress = hook_loose_leaves();
		progress |= empty_tables();
		progress |= unhook_leaves(round > 8);
		progress |= deactivate_kept();
		if (!progress && passes++ < 10) {	/* one more pass with everything unhooked */
			clear_keepers();
			rebind_threads();
			unmap_all();
			decons_nodes();
			progress = 1;
		}
	}
	return_frames();
}

/* ---- what could not be returned, and why ---- */

/*
 * What this program can still reach: its own root; the leaves hooked under a reachable
 * root ("visible": their slots can be operated on); every object an owning capability
 * in a visible leaf names. An object outside that set can be neither deactivated nor
 * retyped, and whatever it refers to stays referenced: those are "stuck". Exactly the
 * stuck objects (and user frames mapped only under stuck roots) may be kept.
 */
static uint8_t visible[MAX_OBJ], reachable[MAX_OBJ], stuck[MAX_OBJ];

static void mark_reachable(void)
{
	memset(visible, 0, sizeof(visible));
	memset(reachable, 0, sizeof(reachable));
	reachable[O_R0] = 1;
	for (int changed = 1; changed;) {
		changed = 0;
		for (unsigned r = O_R0; r < nobj; r++)
			for (unsigned p = 0; reachable[r] && ob[r].kind == K_ROOT && p < ROOT_SLOTS; p++) {
				unsigned l = root_leaf[r][p];
				if (l && !visible[l])
					changed = visible[l] = 1;
			}
		for (unsigned l = O_R0; l < nobj; l++)
			for (unsigned s = 0; visible[l] && s < LEAF_SLOTS; s++) {
				struct mcap *m = &leaf_slot[l][s];
				if (owns(m) && !reachable[m->obj])
					changed = reachable[m->obj] = 1;
			}
	}
}

static int pin(unsigned o)
{
	if (o < O_FIRST || stuck[o] || !live(o))
		return 0;
	return stuck[o] = 1;
}

static int pin_refs(unsigned o)
{
	struct obj *x = &ob[o];
	int changed = 0;

	switch (x->kind) {
	case K_ROOT:		/* its leaves cannot be unhooked */
		for (unsigned p = 0; p < ROOT_SLOTS; p++)
			changed |= pin(root_leaf[o][p]);
		break;
	case K_LEAF:		/* out of sight, its capabilities cannot be removed */
		for (unsigned s = 0; !visible[o] && s < LEAF_SLOTS; s++)
			if (names_object(leaf_slot[o][s].type))
				changed |= pin(leaf_slot[o][s].obj);
		break;
	case K_PT:		/* a root's nodes cannot be unhooked */
		for (unsigned n = O_FIRST; x->level == 4 && n < nobj; n++)
			changed |= ob[n].kind == K_PT && ob[n].hooked && ob[n].parent == o ? pin(n) : 0;
		break;
	case K_COMP:
		changed |= pin(x->ct);
		changed |= pin(x->pt);
		changed |= pin(x->keeper);
		break;
	case K_THREAD:		/* and its tcap's parent, and the tcap it runs on */
		changed |= pin(x->home);
		changed |= pin(x->sched);
		changed |= pin(x->tparent);
		changed |= pin(x->on);
		break;
	}
	return changed;
}

/*
 * A thread on a cycle of the references nothing but its deactivation drops: its tcap's
 * to its parent's thread, its scheduler's (its endpoint's parent) to that thread. Each
 * kind alone is a tree (a parent is made first), but together they may close a loop
 * (A's tcap under B's, B's endpoint under A's): then no thread of it can ever be
 * deactivated, though capabilities we hold name them, and they are kept.
 */
static int in_cycle(unsigned o)
{
	static uint8_t seen[MAX_OBJ];
	static uint16_t stack[2 * MAX_OBJ + 2];
	unsigned n = 0;

	memset(seen, 0, sizeof(seen));
	stack[n++] = ob[o].tparent;
	stack[n++] = ob[o].sched;
	while (n) {
		unsigned x = stack[--n];
		if (x == o)
			return 1;
		if (!x || seen[x] || ob[x].kind != K_THREAD)
			continue;
		seen[x] = 1;
		stack[n++] = ob[x].tparent;
		stack[n++] = ob[x].sched;
	}
	return 0;
}

static void mark_stuck(void)
{
	memset(stuck, 0, sizeof(stuck));
	for (unsigned o = O_FIRST; o < nobj; o++)
		stuck[o] = live(o) && (!reachable[o] || (ob[o].kind == K_THREAD && in_cycle(o)));
	for (int changed = 1; changed;) {
		changed = 0;
		for (unsigned o = O_FIRST; o < nobj; o++)
			if (stuck[o])
				changed |= pin_refs(o);
	}
}

static int mapped_under_stuck(uint64_t pa)
{
	for (unsigned i = 0; i < nmaps; i++)
		if (maps[i].pa == pa && stuck[maps[i].root])
			return 1;
	return 0;
}

unsigned kept, kept_unreachable, kept_cycles, surprises;
static unsigned kept_kind[6];

void explain_kept(void)
{
	static const char *names[6] = { "no object", "root", "leaf", "pgtbl", "comp", "thread" };

	mark_reachable();
	mark_stuck();
	for (unsigned o = O_FIRST; o < nobj; o++) {
		struct obj *x = &ob[o];
		int is_kept = x->type != x->orig;
		int want = live(o) ? stuck[o] : x->type == CAIRN_FRAME_USER && x->orig != CAIRN_FRAME_USER &&
						   mapped_under_stuck(x->pa);
		kept += is_kept;
		kept_kind[x->kind] += is_kept;
		kept_unreachable += is_kept && live(o) && !reachable[o];
		if (is_kept != want && surprises++ < 8) {
			cairn_printf("hostile: frame 0x%lx (%s, type %u, was %u) %s", x->pa, names[x->kind], x->type,
				     x->orig, is_kept ? "was kept though it is reachable" : "came back though it is stuck");
			if (x->kind == K_THREAD)	/* what the model says holds it */
				cairn_printf(" (object %u: tcap %u, its parent %u, runs on %u, held by a tcap %d, "
					     "bound %d, scheduler %u)", o, x->tmade, x->tparent, x->on, tcap_held(o),
					     bound(o), x->sched);
			cairn_printf("\n");
		}
		kept_cycles += is_kept && live(o) && reachable[o] && x->kind == K_THREAD && in_cycle(o);
		if (is_kept && live(o) && reachable[o] && x->kind == K_THREAD && in_cycle(o) && kept_cycles <= 4)
			cairn_printf("hostile: kept: a thread (frame 0x%lx) on a cycle of tcap-parent and scheduler "
				     "references: it can never be deactivated\n", x->pa);
		if (is_kept && live(o) && !reachable[o] && kept_unreachable <= 4)
			cairn_printf("hostile: kept: a %s (frame 0x%lx) that no capability we can reach names%s\n",
				     names[x->kind], x->pa, x->pa == island ? " (the island setup planted)" : "");
	}
	cairn_printf("hostile: teardown: %u objects destroyed, %u of %u frames kept", destroyed, kept, nobj - O_FIRST);
	for (unsigned k = 0; k < 6; k++)
		if (kept_kind[k])
			cairn_printf(", %s %u", names[k], kept_kind[k]);
	cairn_printf(" (%u unreachable, %u threads on reference cycles, the rest held by them)\n", kept_unreachable,
		     kept_cycles);
}
