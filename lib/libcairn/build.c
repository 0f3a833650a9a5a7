/*
 * build.c: building with capabilities (see cairn/build.h).
 */
#include <cairn/build.h>
#include <cairn/root.h>

uint64_t cairn_frame(struct cairn_alloc *a, unsigned type)
{
	while (a->nfree_frames) {
		uint64_t f = a->free_frame[--a->nfree_frames];
		if (cairn_mem_retype(a->mem, f, type) == 0)
			return f;
	}
	for (; a->cursor < a->end; a->cursor += 4096)
		if (cairn_mem_retype(a->mem, a->cursor, type) == 0) {
			a->cursor += 4096;
			return a->cursor - 4096;
		}
	return 0;
}

unsigned cairn_slot(struct cairn_alloc *a)
{
	if (a->nfree_slots)
		return a->free_slot[--a->nfree_slots];
	return a->next_slot < a->last_slot ? a->next_slot++ : 0;
}

long cairn_reserve_slots(struct cairn_alloc *a)
{
	if (a->last_slot - a->next_slot >= 16)
		return 0;
	unsigned s = a->last_slot - 1;
	uint64_t f = cairn_frame(a, CAIRN_FRAME_KERNEL);
	long r = f ? cairn_captbl_act_captbl(a->ct, s, a->mem, f, 1) : CAIRN_ENOMEM;
	if (!r)
		r = cairn_captbl_cons(a->ct, a->last_slot / CAIRN_CAPTBL_LEAF_SLOTS, s);
	if (r) {
		if (f)
			cairn_frame_put(a, f);
		return r;
	}
	a->next_slot = a->last_slot;
	a->last_slot += CAIRN_CAPTBL_LEAF_SLOTS;
	return 0;
}

long cairn_frame_put(struct cairn_alloc *a, uint64_t frame)
{
	long r = cairn_mem_retype(a->mem, frame, CAIRN_FRAME_UNTYPED);

	if (r)
		return r;
	if (a->nfree_frames < a->free_cap && a->free_frame)
		a->free_frame[a->nfree_frames++] = frame;
	else if (frame < a->cursor)
		a->cursor = frame;	/* no room to keep it: scan from it again */
	return 0;
}

void cairn_slot_put(struct cairn_alloc *a, unsigned slot)
{
	if (a->nfree_slots < a->free_cap && a->free_slot)
		a->free_slot[a->nfree_slots++] = slot;
	else if (slot + 1 == a->next_slot)
		a->next_slot = slot;
}

long cairn_pgtbl_path(struct cairn_alloc *a, unsigned pt, uint64_t va)
{
	for (unsigned level = 3; level >= 1; level--) {
		unsigned s = cairn_slot(a);
		uint64_t f = cairn_frame(a, CAIRN_FRAME_KERNEL);
		long r = cairn_captbl_act_pgtbl(a->ct, s, a->mem, f, level);
		if (r == 0)
			r = cairn_pgtbl_cons(pt, va, s);
		if (r == CAIRN_EBUSY) {		/* this level exists: give slot and frame back */
			cairn_captbl_deact(a->ct, s);
			cairn_frame_put(a, f);
			cairn_slot_put(a, s);
			continue;
		}
		if (r)
			return r;
	}
	return 0;
}

long cairn_core_thread(struct cairn_alloc *a, unsigned core, void (*entry)(cairn_word tid),
		       struct cairn_core_thread *t)
{
	long r = cairn_reserve_slots(a);

	t->thread = cairn_slot(a);
	t->rcv = cairn_slot(a);
	t->wake = cairn_slot(a);
	uint64_t f = cairn_frame(a, CAIRN_FRAME_KERNEL);
	if (!r && !(t->thread && t->rcv && t->wake && f))
		r = CAIRN_ENOMEM;
	if (!r)
		r = cairn_captbl_act_thread(a->ct, t->thread, a->mem, f, CAIRN_SLOT_COMP, (cairn_word)entry);
	if (r > 0)
		r = 0;		/* the new thread's id */
	if (!r)
		r = cairn_thread_core(t->thread, core);
	if (!r)
		r = cairn_captbl_act_rcv(a->ct, t->rcv, t->thread, 0);
	if (!r)
		r = cairn_captbl_act_asnd(a->ct, t->wake, t->rcv);
	if (!r)
		r = cairn_asnd_send(t->wake, 0);
	return r;
}

/* Maps at va in pt the frame own_pt maps there, with the same rights. */
static long map_like(struct cairn_alloc *a, unsigned pt, unsigned own_pt, uint64_t va)
{
	long e = cairn_pgtbl_lookup(own_pt, va);

	if (e < 0)
		return 0;
	long r = cairn_pgtbl_path(a, pt, va);
	return r ? r : cairn_pgtbl_map(pt, va, a->mem, (uint64_t)e & ~0xfffUL, (unsigned)e & 3);
}

long cairn_mirror(struct cairn_alloc *a, struct cairn_mirror *m, unsigned own_pt,
		  uint64_t image, uint64_t image_end, uint64_t entry)
{
	m->ct = cairn_slot(a);
	m->leaf = cairn_slot(a);
	m->pt = cairn_slot(a);
	m->comp = cairn_slot(a);
	long r = cairn_captbl_act_captbl(a->ct, m->ct, a->mem, cairn_frame(a, CAIRN_FRAME_KERNEL), 0);
	if (!r)
		r = cairn_captbl_act_captbl(a->ct, m->leaf, a->mem, cairn_frame(a, CAIRN_FRAME_KERNEL), 1);
	if (!r)
		r = cairn_captbl_cons(m->ct, 0, m->leaf);
	if (!r)
		r = cairn_captbl_act_pgtbl(a->ct, m->pt, a->mem, cairn_frame(a, CAIRN_FRAME_KERNEL), 4);
	if (!r)
		r = map_like(a, m->pt, own_pt, CAIRN_ROOT_VA);
	for (uint64_t va = image & ~0xfffUL; !r && va < image_end; va += 4096)
		r = map_like(a, m->pt, own_pt, va);
	if (!r)
		r = cairn_captbl_act_comp(a->ct, m->comp, a->mem, cairn_frame(a, CAIRN_FRAME_KERNEL),
					  m->ct, m->pt, entry);
	return r;
}
