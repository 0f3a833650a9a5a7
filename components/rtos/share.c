/*
 * share.c: memory shared between processes, and the channels built on it.
 *
 * A shared region is a set of frames this component owns. Each process mapping of a
 * page of it is recorded in that process like its own pages, tagged with the
 * region (struct page), so that unmapping it - by mem_free_pages, by closing a
 * channel end, or by the process ending - counts the mapping off instead of freeing
 * the frame. A destroyed region loses its name at once and its frames when its last
 * mapping goes.
 *
 * A channel is a region holding a ring (struct rtos_chan_hdr, then the cells) that
 * every process with an end of it maps, plus two block points (senders waiting for
 * room, receivers waiting for data). Messages never pass through here: librtos
 * moves them through the ring and calls in only to block, to wake the other side
 * when the header says someone waits, and to open and close ends. This component
 * maps each channel's header page too, to publish its state (destroyed, no senders,
 * no receivers).
 *
 * Above the address spaces (space.c), block points and watches. Every function here
 * is called with the scheduler lock held.
 */
#include "bp.h"

/* ---- regions ---- */

static void name_copy(char *dst, const char *src)
{
	unsigned i = 0;

	for (; src && src[i] && i + 1 < RTOS_NAME_MAX; i++)
		dst[i] = src[i];
	dst[i] = 0;
}

static struct shm *shm_slot(unsigned owner, const char *name, unsigned npages)
{
	for (unsigned i = 0; i < MAX_SHM; i++)
		if (!shms[i].used) {
			struct shm *s = &shms[i];
			uint16_t gen = (uint16_t)(s->gen + 1);
			memset(s, 0, sizeof(*s));
			s->gen = gen ? gen : 1;
			s->used = 1;
			s->owner = (uint8_t)owner;
			s->npages = npages;
			name_copy(s->name, name);
			return s;
		}
	return 0;
}

/* A region of npages fresh zeroed frames (name "" or 0: anonymous); 0 and *err. */
struct shm *shm_new(unsigned owner, const char *name, unsigned npages, long *err)
{
	struct shm *s = shm_slot(owner, name, 0);

	*err = CAIRN_ENOMEM;
	if (!s)
		return 0;
	for (; s->npages < npages; s->npages++) {
		s->frame[s->npages] = cairn_frame(&mem, CAIRN_FRAME_USER);
		if (!s->frame[s->npages]) {
			shm_release(s);
			return 0;
		}
	}
	*err = 0;
	return s;
}

/* p's own pages at [at, at + npages) become a region (they stay mapped in p). */
struct shm *shm_adopt(struct rproc *p, const char *name, uint64_t at, unsigned npages, long *err)
{
	struct shm *s = shm_slot((unsigned)(p - procs), name, npages);

	*err = CAIRN_ENOMEM;
	if (!s)
		return 0;
	*err = proc_adopt_pages(p, at, npages, (unsigned)(s - shms) + 1, s->frame);
	if (*err) {
		s->used = 0;
		return 0;
	}
	s->maps = npages;
	return s;
}

/* The live region of that name; 0 if none. */
struct shm *shm_named(const char *name)
{
	for (unsigned i = 0; i < MAX_SHM; i++)
		if (shms[i].used && !shms[i].destroyed && shms[i].name[0] && !strcmp(shms[i].name, name))
			return &shms[i];
	return 0;
}

/* Maps all of s into p where p's heap has room; *va. */
long shm_map(struct rproc *p, struct shm *s, uint64_t *va)
{
	long r = proc_map_frames(p, s->frame, s->npages, (unsigned)(s - shms) + 1, va);

	if (!r)
		s->maps += s->npages;
	return r;
}

/* s goes: its name now, its frames with its last mapping. */
void shm_destroy(struct shm *s)
{
	s->destroyed = 1;
	s->name[0] = 0;
	if (!s->maps)
		shm_release(s);
}

/* ---- channels ---- */

static struct rtos_chan_hdr *hdr(struct chan *c)
{
	return (struct rtos_chan_hdr *)CHAN_WIN(c - chans);
}

struct chan *chan_named(const char *name)
{
	for (unsigned i = 0; i < MAX_CHANS; i++)
		if (chans[i].used && chans[i].name[0] && !strcmp(chans[i].name, name))
			return &chans[i];
	return 0;
}

/*
 * A channel of p for len messages of size bytes (checked by the caller); its ring
 * zeroed, which is every cell free (lib/librtos/chan.c). 0 and *err on failure.
 */
struct chan *chan_create(struct rproc *p, const char *name, uint32_t size, uint32_t len, unsigned mpmc, long *err)
{
	struct chan *c = 0;
	uint32_t stride = 8 + ((size + 7) & ~7U);
	uint64_t bytes = (sizeof(struct rtos_chan_hdr) + (uint64_t)stride * len + PAGE - 1) & ~(PAGE - 1);

	*err = CAIRN_ENOMEM;
	for (unsigned i = 0; i < MAX_CHANS && !c; i++)
		if (!chans[i].used)
			c = &chans[i];
	if (!c)
		return 0;
	struct shm *ring = shm_new(NO_PROC, 0, (unsigned)(bytes / PAGE), err);
	struct bp *sbp = ring ? bp_new(NO_PROC, BP_PLAIN) : 0;
	struct bp *rbp = sbp ? bp_new(NO_PROC, BP_PLAIN) : 0;
	*err = rbp ? window_map(CHAN_WIN(c - chans), ring->frame[0]) : CAIRN_ENOMEM;
	if (*err) {
		if (sbp)
			bp_free(sbp, 0);
		if (ring)
			shm_destroy(ring);
		return 0;
	}
	uint16_t gen = (uint16_t)(c->gen + 1);
	*c = (struct chan){ .gen = gen ? gen : 1, .used = 1, .mpmc = (uint8_t)mpmc, .owner = (uint8_t)(p - procs),
			    .type_size = size, .slots = len, .stride = stride, .bytes = bytes, .ring = ring,
			    .bp = { sbp, rbp } };
	ring->maps++;			/* this component's window on the header */
	name_copy(c->name, name);
	hdr(c)->state = 0;
	*err = 0;
	return c;
}

static unsigned side(unsigned dir)
{
	return dir == RTOS_END_RECV;
}

/* A new end of c for p (dir RTOS_END_SEND or _RECV), its ring mapped; 0 and *err. */
struct chend *chan_open(struct rproc *p, struct chan *c, unsigned dir, long *err)
{
	struct chend *e = 0;

	for (unsigned i = 0; i < MAX_ENDS && !e; i++)
		if (!ends[i].used)
			e = &ends[i];
	if (!e) {
		*err = CAIRN_ENOMEM;
		return 0;
	}
	uint64_t va;
	*err = shm_map(p, c->ring, &va);
	if (*err)
		return 0;
	uint16_t gen = (uint16_t)(e->gen + 1);
	*e = (struct chend){ .gen = gen ? gen : 1, .used = 1, .dir = (uint8_t)dir, .proc = (uint8_t)(p - procs),
			     .chan = (uint8_t)(c - chans), .chan_gen = c->gen, .va = va, .bytes = c->bytes };
	c->open[side(dir)]++;
	__atomic_and_fetch(&hdr(c)->state, ~(dir == RTOS_END_SEND ? RTOS_CHAN_NO_SENDERS : RTOS_CHAN_NO_RECEIVERS),
			   __ATOMIC_SEQ_CST);
	return e;
}

uint64_t end_handle(struct chend *e)
{
	return RTOS_HANDLE(e->dir == RTOS_END_SEND ? RTOS_K_SEND : RTOS_K_RECV, e->gen, e - ends);
}

/* The event sets watching side (0 send, 1 receive) of c look again. */
void chan_notify(struct chan *c, unsigned side)
{
	unsigned ci = (unsigned)(c - chans), dir = side ? RTOS_END_RECV : RTOS_END_SEND;

	for (unsigned i = 0; i < MAX_ENDS; i++)
		if (ends[i].used && ends[i].chan == ci && ends[i].dir == dir && ends[i].chan_gen == c->gen)
			watch_notify(end_handle(&ends[i]));
}

struct chan *end_chan(struct chend *e)
{
	struct chan *c = &chans[e->chan];

	return c->used && c->gen == e->chan_gen ? c : 0;
}

/* The other side learns that e's side has no open end left: its waiters look again. */
static void side_closed(struct chan *c, unsigned dir)
{
	unsigned other = side(dir) ^ 1;

	__atomic_or_fetch(&hdr(c)->state, dir == RTOS_END_SEND ? RTOS_CHAN_NO_SENDERS : RTOS_CHAN_NO_RECEIVERS,
			  __ATOMIC_SEQ_CST);
	bp_wake_all(c->bp[other], 0);
	chan_notify(c, other);
}

/* e closes: unmapped from its process; the last end of a side tells the other. */
void chan_close(struct chend *e)
{
	struct chan *c = end_chan(e);

	space_unmap(&procs[e->proc], e->va, e->va + e->bytes);
	watch_forget(end_handle(e));
	e->used = 0;
	if (c && --c->open[side(e->dir)] == 0)
		side_closed(c, e->dir);
}

/* c goes: every waiter returns EBADF, every end fails from now on but close. */
void chan_destroy(struct chan *c)
{
	unsigned ci = (unsigned)(c - chans);

	__atomic_or_fetch(&hdr(c)->state, RTOS_CHAN_DESTROYED, __ATOMIC_SEQ_CST);
	bp_free(c->bp[0], CAIRN_EBADF);
	bp_free(c->bp[1], CAIRN_EBADF);
	chan_notify(c, 0);
	chan_notify(c, 1);
	cairn_pgtbl_unmap(CAIRN_SLOT_PGTBL, CHAN_WIN(ci));
	c->ring->maps--;
	shm_destroy(c->ring);
	c->used = 0;
}

/* p ends: its ends close, its channels and regions go. */
void share_proc_end(struct rproc *p)
{
	unsigned pi = (unsigned)(p - procs);

	for (unsigned i = 0; i < MAX_ENDS; i++)
		if (ends[i].used && ends[i].proc == pi)
			chan_close(&ends[i]);
	for (unsigned i = 0; i < MAX_CHANS; i++)
		if (chans[i].used && chans[i].owner == pi)
			chan_destroy(&chans[i]);
	for (unsigned i = 0; i < MAX_SHM; i++)
		if (shms[i].used && !shms[i].destroyed && shms[i].owner == pi)
			shm_destroy(&shms[i]);
}
