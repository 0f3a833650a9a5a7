/*
 * space.c: the kernel objects this component makes, recorded, and the address
 * spaces of processes: their page-table nodes, every page mapped into them, and the
 * placement of their heap pages (mem_get_pages). A page of a shared region is
 * recorded tagged with the region, so that unmapping it counts the region's mappings
 * down instead of freeing the frame; the region's frames go with its last mapping
 * once it is destroyed (share.c).
 *
 * Above the scheduler's layer, which it does not use; below the processes, threads
 * and sharing built on it. Locked, as every change of a process.
 */
#include "rtos.h"

#define CT  CAIRN_SLOT_CAPTBL

/* ---- kernel objects, recorded ---- */

/* A free slot of this component's table (0 if none): a new leaf when needed. */
unsigned kobj_slot(void)
{
	cairn_reserve_slots(&mem);
	return cairn_slot(&mem);
}

/* A kernel object of op's kind in a fresh slot here; 0 and *err on failure. */
unsigned kobj_make(unsigned op, unsigned level, uint64_t *frame, long *err)
{
	unsigned s = kobj_slot();
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

/* Destroys the object in slot s (made by kobj_make()) and gives slot and frame back. */
void kobj_unmake(unsigned s, uint64_t frame)
{
	long r = cairn_captbl_deact(CT, s);

	if (r)
		cairn_printf("rtos: deactivating slot %u: error %ld\n", s, r);
	if (!r && frame && cairn_frame_put(&mem, frame))
		cairn_printf("rtos: frame %lx not freed\n", frame);
	cairn_slot_put(&mem, s);
}

/* ---- shared pages ---- */

/* s's frames go back: it is free. */
void shm_release(struct shm *s)
{
	for (unsigned i = 0; i < s->npages; i++)
		if (cairn_frame_put(&mem, s->frame[i]))
			cairn_printf("rtos: a shared frame %lx not freed\n", s->frame[i]);
	s->used = 0;
}

/* A page of region index was unmapped. */
static void shm_unmapped(unsigned index)
{
	struct shm *s = &shms[index];

	if (--s->maps == 0 && s->destroyed)
		shm_release(s);
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
		n->slot = kobj_make(CAIRN_OP_CAPTBL_ACT_PGTBL, level, &n->frame, &err);
		if (!n->slot)
			return err;
		n->va = va;
		n->level = level;
		err = cairn_pgtbl_cons(p->pt, va, n->slot);
		if (err) {
			kobj_unmake(n->slot, n->frame);
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

/* The view (lease.c), read-only at CAIRN_RTOS_VIEW_VA in p. */
long space_view(struct rproc *p)
{
	return space_map(p, CAIRN_RTOS_VIEW_VA, view_frame, 0, VIEW_TAG);
}

/* A fresh zeroed page at va in p. */
long space_zero(struct rproc *p, uint64_t va, unsigned rights, uint64_t *frame)
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
		if (!r && tag == VIEW_TAG)
			;	/* the view stays this component's */
		else if (!r && tag)
			shm_unmapped(tag - 1);
		else if (!r)
			r = cairn_frame_put(&mem, pg->frame);
		if (r)
			cairn_printf("rtos: unmapping %lx from '%s': error %ld\n", pg->va, p->name, r);
		*pg = p->page[--p->npages];
	}
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
