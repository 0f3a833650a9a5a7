/*
 * capmgr.c: the delegation tree (cairn/capmgr.h). Each copy the manager makes, of a
 * capability or of a page mapping, is a node: where it is (holder, slot or address),
 * the node it was copied from, the copies made from it. A node for an original (a
 * capability the holder had anyway, a page the manager allocated) is made the first
 * time it is delegated. Revoking walks the subtree below a node, children before
 * parents, and undoes each copy with one kernel operation (CAPTBL_REMOVE or
 * PGTBL_UNMAP): work proportional to the copies removed.
 */
#include <cairn/capmgr.h>
#include <cairn/cairn.h>

#define NONE (-1)

void capmgr_init(struct capmgr *m, struct cairn_alloc *alloc)
{
	*m = (struct capmgr){ .alloc = alloc };
	for (unsigned i = 0; i < CAPMGR_NODES; i++)
		m->node[i].parent = m->node[i].child = m->node[i].sibling = NONE;
}

long capmgr_holder(struct capmgr *m, unsigned ct, unsigned pt, unsigned budget_pages)
{
	if (m->nholders == CAPMGR_HOLDERS)
		return CAIRN_ENOMEM;
	if (budget_pages > CAPMGR_PAGES)
		return CAIRN_EINVAL;
	m->holder[m->nholders] = (struct capmgr_holder){ .ct = ct, .pt = pt, .budget = budget_pages };
	return m->nholders++;
}

static struct capmgr_holder *holder(struct capmgr *m, unsigned h)
{
	return h < m->nholders && m->holder[h].ct ? &m->holder[h] : 0;
}

/* ---- bitmaps of a holder's delegated slots and pages ---- */

static long bit_take(uint64_t *map, unsigned n)
{
	for (unsigned w = 0; w < n / 64; w++)
		if (~map[w]) {
			unsigned b = (unsigned)__builtin_ctzl(~map[w]);
			map[w] |= 1UL << b;
			return w * 64 + b;
		}
	return -1;
}

static void bit_put(uint64_t *map, unsigned i)
{
	map[i / 64] &= ~(1UL << (i % 64));
}

/* Takes bit want of map (n bits), or the first free one if want is ANY: the bit, or -1 (taken, or none). */
#define ANY (-1L)

static long bit_pick(uint64_t *map, unsigned n, long want)
{
	if (want == ANY)
		return bit_take(map, n);
	if (want < 0 || want >= (long)n || map[want / 64] >> (want % 64) & 1)
		return -1;
	map[want / 64] |= 1UL << (want % 64);
	return want;
}

/* Page i of h's delegated range, and back. */
static uint64_t page_va(unsigned i)
{
	return CAPMGR_VA + (uint64_t)i * 4096;
}

static unsigned page_index(uint64_t va)
{
	return (unsigned)((va - CAPMGR_VA) / 4096);
}

/* Whether va is a page of the delegated range (before page_index: it keeps 32 bits). */
static int in_range(uint64_t va)
{
	return va >= CAPMGR_VA && !(va & 4095) && (va - CAPMGR_VA) / 4096 < CAPMGR_PAGES;
}

/* Maps frame writable at va (its page taken in page_used) in h: 0 or an error. */
static long map_at(struct capmgr *m, struct capmgr_holder *h, uint64_t va, uint64_t frame)
{
	long r = cairn_pgtbl_path(m->alloc, h->pt, va);
	return r ? r : cairn_pgtbl_map(h->pt, va, m->alloc->mem, frame, CAIRN_MAP_WRITE);
}

/* Unmaps va in h and frees its page of the range. */
static void unmap_at(struct capmgr_holder *h, uint64_t va)
{
	cairn_pgtbl_unmap(h->pt, va);
	bit_put(h->page_used, page_index(va));
}

/* ---- nodes ---- */

static long node_find(struct capmgr *m, unsigned kind, unsigned h, uint64_t where)
{
	for (unsigned i = 0; i < CAPMGR_NODES; i++)
		if (m->node[i].kind == kind && m->node[i].holder == h && m->node[i].where == where)
			return i;
	return NONE;
}

static long node_new(struct capmgr *m, unsigned kind, unsigned h, uint64_t where, uint64_t frame, long parent)
{
	for (unsigned i = 0; i < CAPMGR_NODES; i++) {
		struct capmgr_node *n = &m->node[i];
		if (n->kind)
			continue;
		*n = (struct capmgr_node){ .kind = (uint8_t)kind, .holder = (uint16_t)h, .where = where,
					   .frame = frame, .parent = (int32_t)parent, .child = NONE,
					   .sibling = NONE };
		if (parent != NONE) {
			n->sibling = m->node[parent].child;
			m->node[parent].child = (int32_t)i;
		}
		m->nodes++;
		return i;
	}
	return NONE;
}

/* The node for an original or a copy, made for an original if there is none. */
static long node_get(struct capmgr *m, unsigned kind, unsigned h, uint64_t where, uint64_t frame)
{
	long i = node_find(m, kind, h, where);
	return i != NONE ? i : node_new(m, kind, h, where, frame, NONE);
}

/* An original's record that no copy hangs from any more (an allocated page's stays). */
static int idle_record(const struct capmgr_node *n)
{
	return n->kind && n->parent == NONE && n->child == NONE && !n->allocated;
}

/*
 * Unlinks node i from its parent's children and frees it (its own children are gone);
 * a parent left an idle record goes too.
 */
static void node_free(struct capmgr *m, long i)
{
	struct capmgr_node *n = &m->node[i];
	long parent = n->parent;

	if (parent != NONE) {
		int32_t *p = &m->node[parent].child;
		while (*p != i)
			p = &m->node[*p].sibling;
		*p = n->sibling;
	}
	*n = (struct capmgr_node){ .parent = NONE, .child = NONE, .sibling = NONE };
	m->nodes--;
	if (parent != NONE && idle_record(&m->node[parent]))
		node_free(m, parent);
}

/* Undoes the copy at node i in its holder and gives back what held it. */
static void undo(struct capmgr *m, long i)
{
	struct capmgr_node *n = &m->node[i];
	struct capmgr_holder *h = &m->holder[n->holder];

	if (n->kind == CAPMGR_CAP) {
		cairn_captbl_remove(h->ct, (unsigned)n->where);
		bit_put(h->slot_used, (unsigned)(n->where - CAPMGR_SLOT0));
		return;
	}
	if (m->unmapping)
		m->unmapping(m->ctx, n->holder, n->where);
	unmap_at(h, n->where);
	if (n->allocated) {
		cairn_frame_put(m->alloc, n->frame);
		h->pages--;
	}
}

/*
 * Removes every copy below node i (not i, unless an idle record then): how many.
 * Children before parents, without recursion (a chain of shares can be hundreds
 * deep): go down to a leaf, remove it, go back to its parent, repeat.
 */
static long prune(struct capmgr *m, long i)
{
	long n = 0, at = i;

	while (m->node[i].kind) {
		if (m->node[at].child != NONE) {
			at = m->node[at].child;
			continue;
		}
		if (at == i)
			break;
		long parent = m->node[at].parent;
		undo(m, at);
		node_free(m, at);	/* may free i, an idle record: the loop ends */
		n++;
		at = parent;
	}
	return n;
}

/* Node i goes, with its subtree; an original's node is only a record (nothing to undo). */
static void drop(struct capmgr *m, long i)
{
	prune(m, i);
	if (!m->node[i].kind)
		return;		/* an original's record: gone with its last copy */
	if (m->node[i].parent != NONE || m->node[i].allocated)
		undo(m, i);
	node_free(m, i);
}

/* ---- capabilities ---- */

/* Unhooks and destroys h's delegated leaf, if it has one. */
static void leaf_drop(struct capmgr *m, struct capmgr_holder *h)
{
	if (!h->leaf)
		return;
	cairn_captbl_decons(h->ct, CAPMGR_POS);
	cairn_captbl_deact(m->alloc->ct, h->leaf);
	cairn_slot_put(m->alloc, h->leaf);
	cairn_frame_put(m->alloc, h->leaf_frame);
	h->leaf = 0;
	h->leaf_frame = 0;
}

/* Hooks h's delegated leaf the first time: 0 or an error. */
static long holder_leaf(struct capmgr *m, struct capmgr_holder *h)
{
	if (h->leaf)
		return 0;
	uint64_t f = cairn_frame(m->alloc, CAIRN_FRAME_KERNEL);
	unsigned s = cairn_slot(m->alloc);
	long r = f && s ? cairn_captbl_act_captbl(m->alloc->ct, s, m->alloc->mem, f, 1) : CAIRN_ENOMEM;
	if (!r)
		r = cairn_captbl_cons(h->ct, CAPMGR_POS, s);
	if (!r) {
		h->leaf = s;
		h->leaf_frame = f;
		return 0;
	}
	if (s) {
		cairn_captbl_deact(m->alloc->ct, s);
		cairn_slot_put(m->alloc, s);
	}
	if (f)
		cairn_frame_put(m->alloc, f);
	return r;
}

/* Copies from's slot into to's delegated slot `want` (ANY: the first free): the slot, or an error. */
static long delegate(struct capmgr *m, unsigned from, uint64_t slot, unsigned to, long want)
{
	struct capmgr_holder *src = holder(m, from), *dst = holder(m, to);

	if (!src || !dst || from == to)
		return CAIRN_EINVAL;
	if (slot > UINT32_MAX)
		return CAIRN_ERANGE;	/* (no slot of a table: not recorded under a key the kernel cuts) */
	int fresh = !dst->leaf;
	long r = holder_leaf(m, dst);
	if (r)
		return r;
	long parent = node_get(m, CAPMGR_CAP, from, slot, 0);
	long bit = bit_pick(dst->slot_used, CAPMGR_SLOTS, want);
	uint64_t at = CAPMGR_SLOT0 + (uint64_t)bit;
	r = parent == NONE ? CAIRN_ENOMEM : bit < 0 ? (want == ANY ? CAIRN_ENOMEM : CAIRN_EBUSY)
		: cairn_captbl_copy(dst->ct, (unsigned)at, src->ct, (unsigned)slot);
	long child = r ? NONE : node_new(m, CAPMGR_CAP, to, at, 0, parent);
	if (!r && child == NONE) {
		cairn_captbl_remove(dst->ct, (unsigned)at);
		r = CAIRN_ENOMEM;
	}
	if (r) {
		if (bit >= 0)
			bit_put(dst->slot_used, (unsigned)bit);
		if (parent != NONE && idle_record(&m->node[parent]))
			node_free(m, parent);	/* a record made for this call only */
		if (fresh)
			leaf_drop(m, dst);	/* ... and a leaf (nothing in it: an error changes nothing) */
		return r;
	}
	return (long)at;
}

long capmgr_delegate(struct capmgr *m, unsigned from, uint64_t slot, unsigned to)
{
	return delegate(m, from, slot, to, ANY);
}

long capmgr_delegate_at(struct capmgr *m, unsigned from, uint64_t slot, unsigned to, uint64_t at)
{
	if (at < CAPMGR_SLOT0 || at >= CAPMGR_SLOT0 + CAPMGR_SLOTS)
		return CAIRN_EINVAL;
	return delegate(m, from, slot, to, (long)(at - CAPMGR_SLOT0));
}

long capmgr_revoke(struct capmgr *m, unsigned h, uint64_t slot)
{
	long i = holder(m, h) ? node_find(m, CAPMGR_CAP, h, slot) : NONE;

	if (i == NONE)
		return CAIRN_ENOENT;
	return prune(m, i);	/* an original's record goes with its last copy */
}

/* ---- memory ---- */

/* Maps frame at h's delegated page `want` (ANY: the first free): the address, or an error. */
static long map_page(struct capmgr *m, struct capmgr_holder *h, uint64_t frame, long want)
{
	long bit = bit_pick(h->page_used, CAPMGR_PAGES, want);
	if (bit < 0)
		return want == ANY ? CAIRN_ENOMEM : CAIRN_EBUSY;
	long r = map_at(m, h, page_va((unsigned)bit), frame);
	if (r) {
		bit_put(h->page_used, (unsigned)bit);
		return r;
	}
	return (long)page_va((unsigned)bit);
}

/* The first of n free pages in a row of h's delegated range, taken; -1 if none. */
static long run_take(struct capmgr_holder *h, unsigned n)
{
	for (unsigned start = 0, len = 0, i = 0; i < CAPMGR_PAGES; i++) {
		if (h->page_used[i / 64] & (1UL << (i % 64))) {
			start = i + 1;
			len = 0;
		} else if (++len == n) {
			for (unsigned j = start; j <= i; j++)
				h->page_used[j / 64] |= 1UL << (j % 64);
			return start;
		}
	}
	return -1;
}

/*
 * A fresh zeroed frame mapped writable at va (its page taken in h's page_used) and its
 * node, an allocated page of holder hi: 0, or an error with nothing made (the page not
 * given back: the caller's).
 */
static long give_page(struct capmgr *m, unsigned hi, struct capmgr_holder *h, uint64_t va)
{
	uint64_t f = cairn_frame(m->alloc, CAIRN_FRAME_USER);
	long r = f ? map_at(m, h, va, f) : CAIRN_ENOMEM;
	long n = r ? NONE : node_new(m, CAPMGR_PAGE, hi, va, f, NONE);

	if (!r && n == NONE) {
		cairn_pgtbl_unmap(h->pt, va);
		r = CAIRN_ENOMEM;
	}
	if (r) {
		if (f)
			cairn_frame_put(m->alloc, f);
		return r;
	}
	m->node[n].allocated = 1;
	h->pages++;
	return 0;
}

long capmgr_mem_alloc(struct capmgr *m, unsigned hi, unsigned npages)
{
	struct capmgr_holder *h = holder(m, hi);

	if (!h || !npages)
		return CAIRN_EINVAL;
	if (h->pages + npages > h->budget)
		return CAIRN_ENOMEM;
	long first = run_take(h, npages);
	if (first < 0)
		return CAIRN_ENOMEM;
	for (unsigned k = 0; k < npages; k++) {
		long r = give_page(m, hi, h, page_va((unsigned)first + k));
		if (r) {
			for (unsigned j = k; j < npages; j++)
				bit_put(h->page_used, (unsigned)first + j);
			for (unsigned j = 0; j < k; j++)	/* the pages of this call so far */
				capmgr_mem_free(m, hi, page_va((unsigned)first + j));
			return r;
		}
	}
	return (long)page_va((unsigned)first);
}

long capmgr_mem_alloc_at(struct capmgr *m, unsigned hi, uint64_t va)
{
	struct capmgr_holder *h = holder(m, hi);
	unsigned i = page_index(va);

	if (!h || !in_range(va))
		return CAIRN_EINVAL;
	if (bit_pick(h->page_used, CAPMGR_PAGES, i) < 0)
		return CAIRN_EBUSY;
	long r = h->pages + 1 > h->budget ? CAIRN_ENOMEM : give_page(m, hi, h, va);
	if (r)
		bit_put(h->page_used, i);
	return r;
}

long capmgr_mem_free(struct capmgr *m, unsigned h, uint64_t va)
{
	long i = holder(m, h) ? node_find(m, CAPMGR_PAGE, h, va) : NONE;

	if (i == NONE || !m->node[i].allocated)
		return CAIRN_ENOENT;
	drop(m, i);
	return 0;
}

/* Maps from's page at va into to's delegated page `want` (ANY: the first free): its address, or an error. */
static long share(struct capmgr *m, unsigned from, uint64_t va, unsigned to, long want)
{
	struct capmgr_holder *dst = holder(m, to);
	long parent = holder(m, from) ? node_find(m, CAPMGR_PAGE, from, va) : NONE;

	if (!dst || from == to)
		return CAIRN_EINVAL;
	if (parent == NONE)
		return CAIRN_ENOENT;	/* only pages the manager gave out can be shared */
	uint64_t frame = m->node[parent].frame;
	long at = map_page(m, dst, frame, want);
	if (at < 0)
		return at;
	if (node_new(m, CAPMGR_PAGE, to, (uint64_t)at, frame, parent) == NONE) {
		unmap_at(dst, (uint64_t)at);
		return CAIRN_ENOMEM;
	}
	return at;
}

long capmgr_mem_share(struct capmgr *m, unsigned from, uint64_t va, unsigned to)
{
	return share(m, from, va, to, ANY);
}

long capmgr_mem_share_at(struct capmgr *m, unsigned from, uint64_t va, unsigned to, uint64_t at)
{
	if (!in_range(at))
		return CAIRN_EINVAL;
	return share(m, from, va, to, (long)page_index(at));
}

long capmgr_mem_revoke(struct capmgr *m, unsigned from, uint64_t va)
{
	long i = holder(m, from) ? node_find(m, CAPMGR_PAGE, from, va) : NONE;

	return i == NONE ? CAIRN_ENOENT : prune(m, i);
}

/* ---- the copies among a set of holders ---- */

_Static_assert(CAPMGR_HOLDERS <= 32, "a set of holders is a 32-bit word");

static int member(uint32_t set, unsigned h)
{
	return h < 32 && (set >> h & 1);
}

/* Puts copy i (its parent's holder and place named) at out[n] if n < max. */
static void put_copy(const struct capmgr *m, long i, struct capmgr_copy *out, unsigned n, unsigned max)
{
	const struct capmgr_node *c = &m->node[i], *p = &m->node[c->parent];

	if (n < max)
		out[n] = (struct capmgr_copy){ .kind = c->kind, .holder = c->holder, .from = p->holder,
					       .where = c->where, .from_where = p->where };
}

/*
 * Walks the tree below each original of the set depth first, parents before children,
 * without recursion, going down only through holders of the set.
 */
unsigned capmgr_copies(const struct capmgr *m, uint32_t holders, struct capmgr_copy *out, unsigned max)
{
	unsigned n = 0;

	for (long i = 0; i < CAPMGR_NODES; i++) {
		if (!m->node[i].kind || m->node[i].parent != NONE || !member(holders, m->node[i].holder))
			continue;
		long at = m->node[i].child;
		while (at != NONE) {
			if (member(holders, m->node[at].holder)) {
				put_copy(m, at, out, n++, max);
				if (m->node[at].child != NONE) {
					at = m->node[at].child;
					continue;
				}
			}
			while (at != i && m->node[at].sibling == NONE)
				at = m->node[at].parent;
			at = at == i ? NONE : m->node[at].sibling;
		}
	}
	return n;
}

/* Revokes everything delegated from and to holder hi, frees its pages and its leaf. */
static void clear(struct capmgr *m, unsigned hi, struct capmgr_holder *h)
{
	for (unsigned i = 0; i < CAPMGR_NODES; i++)
		if (m->node[i].kind && m->node[i].holder == hi)
			drop(m, i);
	leaf_drop(m, h);
}

void capmgr_release(struct capmgr *m, unsigned hi)
{
	struct capmgr_holder *h = holder(m, hi);

	if (!h)
		return;
	clear(m, hi, h);
	h->ct = 0;
}

void capmgr_reset(struct capmgr *m, unsigned hi)
{
	struct capmgr_holder *h = holder(m, hi);

	if (h)
		clear(m, hi, h);
}
