/*
 * manager.c: the booter serves the capability and memory manager
 * (interfaces/manager.toml; docs/capmgr.md) to the components that import it, over
 * the delegation tree of capmgr.c. Every component of the system is a holder (its
 * number is its index), so capabilities and pages can go to any of them; only the
 * importers can ask.
 *
 * A call enters the booter on the client's thread through one gate entry; the badge
 * says who calls and which function (client index + 1, function << 16). The work is
 * done by the booter's own thread, the only one that touches the booter's tables,
 * allocator and window: the gate posts the call in a request record of the calling
 * thread and yields to the booter until it is done. The booter serves posted calls
 * each time a dispatch ends (boot_run), before anything else, so calls are
 * serialised with each other and with restarts, and a component's initialisation can
 * use the manager.
 *
 * A persistent component (persist.c) may have pages: they are in its checkpoints, and
 * a resume gives them back at the same addresses (boot_manager_alloc_at). The copies
 * among persistent components (delegations and shares) are kept too: they are listed
 * after each persistent component's call (boot_manager_kept) and made again at a
 * resume (boot_manager_copy_again). Nothing else gives a persistent component a copy
 * (CAIRN_ENOTSUP): what it would hold from a component that is not persistent would
 * not come back, and a page shared with one could be written by it while a checkpoint
 * is taken. It may delegate to one (the copy goes when that one starts afresh, as at
 * its restart), but never its own objects (its slots below CAIRN_SD_FIRST_SLOT: its
 * thread, endpoint, scheduler's send), which another could change it through.
 * Its calls but `status` are served only on its own thread (a gate of it delegated
 * elsewhere is refused, CAIRN_EACCES), so its copies and pages change only while it is
 * inside the manager: never during a pause. Before a page of its goes or is first
 * shared, the capture in flight takes it, if it has not yet (booter.settle, which
 * persist.c sets).
 */
#include "libboot.h"
#include <cairn/capmgr.h>
#include <cairn/gate.h>
#include <iface/manager.h>

enum { REQ_FREE, REQ_CLAIMED, REQ_POSTED, REQ_DONE };	/* a request record's states */

#define REQUESTS 64	/* at least the booter's gate stacks: one per caller inside */

struct request {
	uint32_t state;
	uint32_t owner;		/* the calling thread: one call at a time each */
	unsigned client, fn;
	cairn_word a, b, c;
	struct cairn_ret2 ret;
};

static struct booter *server;
static struct capmgr mgr;
static uint32_t persistent;			/* the persistent components: a bit each */
static struct capmgr_copy kept[CAPMGR_NODES];	/* the copies among them (boot_manager_kept) */
static unsigned nkept;
static struct request req[REQUESTS];
uint32_t boot_manager_posted;	/* requests posted and not yet served (libboot.h) */

/* ---- the client's side: on its thread, in the booter ---- */

static void yield_to_booter(void)
{
	cairn_asnd_send(server->wake, CAIRN_SEND_YIELD);
}

/*
 * A record for thread tid. A record tid still owns is from a call it never finished
 * (its thread was restarted out of the booter): a thread makes one call at a time, so
 * that one is taken again. Records are per thread, so callers never wait for each
 * other (a high-priority caller cannot spin on a record a preempted one holds).
 */
static struct request *claim(uint32_t tid)
{
	for (;;) {
		for (unsigned k = 0; k < REQUESTS; k++)
			if (__atomic_load_n(&req[k].owner, __ATOMIC_ACQUIRE) == tid) {
				if (__atomic_exchange_n(&req[k].state, REQ_CLAIMED, __ATOMIC_ACQ_REL) == REQ_POSTED)
					__atomic_sub_fetch(&boot_manager_posted, 1, __ATOMIC_RELEASE);	/* never served */
				return &req[k];
			}
		for (unsigned k = 0; k < REQUESTS; k++) {
			uint32_t free = 0;
			if (__atomic_compare_exchange_n(&req[k].owner, &free, tid, 0, __ATOMIC_ACQ_REL,
							__ATOMIC_RELAXED)) {
				__atomic_store_n(&req[k].state, REQ_CLAIMED, __ATOMIC_RELEASE);
				return &req[k];
			}
		}
		yield_to_booter();	/* more callers inside than gate stacks: cannot happen */
	}
}

/* Posts call fn (a, b, c) of client on thread tid, and waits until the booter's thread has served it. */
static struct cairn_ret2 post(unsigned client, unsigned fn, cairn_word a, cairn_word b, cairn_word c, uint32_t tid)
{
	struct request *q = claim(tid);
	q->client = client;
	q->fn = fn;
	q->a = a;
	q->b = b;
	q->c = c;
	__atomic_store_n(&q->state, REQ_POSTED, __ATOMIC_RELEASE);
	__atomic_add_fetch(&boot_manager_posted, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&q->state, __ATOMIC_ACQUIRE) != REQ_DONE)
		yield_to_booter();
	struct cairn_ret2 r = q->ret;
	__atomic_store_n(&q->state, REQ_FREE, __ATOMIC_RELAXED);
	__atomic_store_n(&q->owner, 0, __ATOMIC_RELEASE);
	return r;
}

static struct cairn_ret2 gate(cairn_word a, cairn_word b, cairn_word c, cairn_word d, cairn_word badge,
			      cairn_word tid)
{
	unsigned client = (unsigned)(badge & 0xffff) - 1;

	unsigned fn = (unsigned)(badge >> 16);

	(void)c, (void)d;
	if (!server || client >= server->sd->ncomps || !tid || tid > UINT32_MAX)
		return (struct cairn_ret2){ CAIRN_EINVAL, 0 };	/* not a badge we made */
	if (server->c[client].sd->persistent && tid != server->c[client].tid && fn != MANAGER_STATUS)
		return (struct cairn_ret2){ CAIRN_EACCES, 0 };	/* (its gate, delegated: not on its thread) */
	return post(client, fn, a, b, 0, (uint32_t)tid);
}
CAIRN_GATE(boot_manager_entry, gate)

/* persist.c's calls, past the interface's functions (no badge names them) */
enum { ALLOC_AT = MANAGER_FUNCTIONS, DELEGATE_AT, SHARE_AT, CLEAR };

static long post_own(unsigned holder, unsigned fn, cairn_word a, cairn_word b, cairn_word c, uint64_t tid)
{
	if (!server || holder >= server->sd->ncomps || !tid || tid > UINT32_MAX)
		return CAIRN_EINVAL;
	return post(holder, fn, a, b, c, (uint32_t)tid).r0;
}

long boot_manager_alloc_at(unsigned holder, uint64_t va, uint64_t tid)
{
	return post_own(holder, ALLOC_AT, va, 0, 0, tid);
}

long boot_manager_copy_again(const struct capmgr_copy *c, uint64_t tid)
{
	long r = post_own(c->from, c->kind == CAPMGR_CAP ? DELEGATE_AT : SHARE_AT, c->from_where, c->holder,
			  c->where, tid);
	return r < 0 ? r : 0;
}

long boot_manager_clear(unsigned holder, uint64_t tid)
{
	return post_own(holder, CLEAR, 0, 0, 0, tid);
}

const struct capmgr_copy *boot_manager_kept(unsigned *n)
{
	*n = nkept;
	return kept;
}

uint64_t boot_manager_pages(unsigned holder, unsigned word)
{
	return holder < CAPMGR_HOLDERS && word < CAPMGR_PAGES / 64 ? mgr.holder[holder].page_used[word] : 0;
}

/* ---- the booter's side: decode, then invoke capmgr ---- */

/* Whether component i is persistent (persist.c keeps it). */
static int kept_one(long i)
{
	return i >= 0 && (persistent >> i & 1);
}

/*
 * Whether holder h may give `to` a copy of its slot or page `what` (page: a share): a
 * persistent component gets copies only from persistent ones, shares only with them,
 * and gives none of its own objects (below CAIRN_SD_FIRST_SLOT: not even to another
 * persistent one, which could pass the copy on), so no copy of them exists anywhere.
 */
static int may_give(unsigned h, long to, int page, cairn_word what)
{
	if (kept_one(h) && !page && what < CAIRN_SD_FIRST_SLOT)
		return 0;
	return kept_one(to) ? kept_one(h) : !(page && kept_one(h));
}

/* Tells persist.c that persistent h's page va is shared or (gone) unmapped: its capture first. */
static void settle(unsigned h, uint64_t va, int gone)
{
	if (kept_one(h) && server->settle)
		server->settle(server, h, va, gone);
}

static void unmapping(void *ctx, unsigned h, uint64_t va)
{
	(void)ctx;
	settle(h, va, 1);
}

/*
 * Decodes one call of holder h (a client's index, or persist.c's for a holder) and
 * invokes capmgr; r1 is the second result. `to` names a component by its number
 * (1-based, as badges and red tape do); persist.c's calls name it by its index.
 */
static long invoke(unsigned h, unsigned fn, cairn_word a, cairn_word to, cairn_word c, cairn_word *r1)
{
	long t = to >= 1 && to <= server->sd->ncomps ? (long)to - 1 : CAIRN_EINVAL;

	switch (fn) {
	case MANAGER_DELEGATE:
		return t < 0 ? t : !may_give(h, t, 0, a) ? CAIRN_ENOTSUP : capmgr_delegate(&mgr, h, a, (unsigned)t);
	case MANAGER_REVOKE:
		return capmgr_revoke(&mgr, h, a);
	case MANAGER_ALLOC:
		return a > CAPMGR_PAGES ? CAIRN_ENOMEM : capmgr_mem_alloc(&mgr, h, (unsigned)a);
	case MANAGER_FREE:
		return capmgr_mem_free(&mgr, h, a);	/* (settled: unmapping) */
	case MANAGER_SHARE:
		if (t < 0 || !may_give(h, t, 1, a))
			return t < 0 ? t : CAIRN_ENOTSUP;
		settle(h, a, 0);
		return capmgr_mem_share(&mgr, h, a, (unsigned)t);
	case MANAGER_UNSHARE:
		return capmgr_mem_revoke(&mgr, h, a);
	case MANAGER_STATUS:
		*r1 = mgr.holder[h].budget;
		return mgr.holder[h].pages;
	case ALLOC_AT:
		return capmgr_mem_alloc_at(&mgr, h, a);
	case DELEGATE_AT:
		return to < server->sd->ncomps ? capmgr_delegate_at(&mgr, h, a, (unsigned)to, c) : CAIRN_EINVAL;
	case SHARE_AT:
		return to < server->sd->ncomps ? capmgr_mem_share_at(&mgr, h, a, (unsigned)to, c) : CAIRN_EINVAL;
	case CLEAR:
		capmgr_reset(&mgr, h);
		return 0;
	default:
		return CAIRN_ENOSYS;
	}
}

/* Lists the copies among the persistent components again (boot_manager_kept). */
static void list_kept(void)
{
	unsigned n = capmgr_copies(&mgr, persistent, kept, CAPMGR_NODES);

	nkept = n < CAPMGR_NODES ? n : CAPMGR_NODES;
}

int boot_manager_serve(struct booter *b, uint64_t tid)
{
	int theirs = 0;

	for (unsigned k = 0; k < REQUESTS; k++) {
		struct request *q = &req[k];
		uint32_t was = REQ_POSTED;
		if (!__atomic_compare_exchange_n(&q->state, &was, REQ_CLAIMED, 0, __ATOMIC_ACQ_REL,
						 __ATOMIC_RELAXED))
			continue;
		__atomic_sub_fetch(&boot_manager_posted, 1, __ATOMIC_RELEASE);
		cairn_word r1 = 0;
		long r0 = boot_reserve_slots(b);
		if (!r0)
			r0 = invoke(q->client, q->fn, q->a, q->b, q->c, &r1);
		if (kept_one(q->client) && q->fn != MANAGER_STATUS && q->fn != MANAGER_ALLOC && q->fn != ALLOC_AT)
			list_kept();	/* (only these calls change them) */
		q->ret = (struct cairn_ret2){ r0, r1 };
		theirs |= q->owner == tid;
		__atomic_store_n(&q->state, REQ_DONE, __ATOMIC_RELEASE);
	}
	return theirs;
}

long boot_manage(struct booter *b)
{
	server = b;
	capmgr_init(&mgr, &b->a);
	mgr.unmapping = unmapping;
	for (unsigned i = 0; i < b->sd->ncomps; i++) {
		persistent |= (uint32_t)!!b->c[i].sd->persistent << i;
		long r = capmgr_holder(&mgr, b->c[i].ct, b->c[i].pt, b->c[i].sd->budget);
		if (r != (long)i)
			return r < 0 ? r : CAIRN_EINVAL;
	}
	return 0;
}

long boot_manager_gate(struct booter *b, unsigned client, unsigned slot, unsigned fn)
{
	return cairn_captbl_act_sinv(b->c[client].ct, slot, CAIRN_SLOT_COMP, (cairn_word)boot_manager_entry,
				     (cairn_word)fn << 16 | (client + 1), 0);
}

void boot_manager_reset(unsigned i)
{
	capmgr_reset(&mgr, i);	/* nothing before boot_manage: no holders yet */
}
