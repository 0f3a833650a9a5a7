/*
 * frame.c: the frame table and retyping (rules in frame.h). The retype decision is a
 * pure function of the frame's state, so host tests drive it over a simulated memory.
 */
#include "frame.h"
#include "memlayout.h"
#include <common/string.h>

struct frame_table frames;

void frame_table_init(struct frame_table *ft, struct frame *mem, uint64_t nframes)
{
	ft->f = mem;
	ft->nframes = nframes;
	for (uint64_t i = 0; i < nframes; i++)
		mem[i] = (struct frame){ .type = CAIRN_FRAME_RESERVED };
	memset(ft->count, 0, sizeof(ft->count));
	ft->count[CAIRN_FRAME_RESERVED] = nframes;
}

void frame_table_set(struct frame_table *ft, uint64_t base, uint64_t end, uint8_t type)
{
	for (uint64_t pa = base; pa < end; pa += PAGE_SIZE) {
		struct frame *f = frame_get(ft, pa);
		if (!f)
			return;
		ft->count[f->type]--;
		f->type = type;
		ft->count[type]++;
	}
}

/* UNTYPED to KERNEL or USER and back; RESERVED never changes. */
static bool allowed(uint8_t from, uint8_t to)
{
	if (from == CAIRN_FRAME_UNTYPED)
		return to == CAIRN_FRAME_KERNEL || to == CAIRN_FRAME_USER;
	return (from == CAIRN_FRAME_KERNEL || from == CAIRN_FRAME_USER) && to == CAIRN_FRAME_UNTYPED;
}

int frame_retype(struct frame_table *ft, uint64_t pa, uint8_t to)
{
	if (pa & (PAGE_SIZE - 1) || to > CAIRN_FRAME_RESERVED)
		return CAIRN_EINVAL;
	struct frame *f = frame_get(ft, pa);
	if (!f)
		return CAIRN_ERANGE;
	if (!allowed(f->type, to))
		return CAIRN_EINVAL;
	if (f->refs)
		return CAIRN_EBUSY;
	if (to != CAIRN_FRAME_UNTYPED)
		memset(p2v(pa), 0, PAGE_SIZE);
	frame_table_set(ft, pa, pa + PAGE_SIZE, to);
	f->obj = OBJ_NONE;
	f->used = 0;
	return 0;
}
