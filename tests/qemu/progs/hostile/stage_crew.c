/*
 * stage_crew.c: the stage's own threads (stage.h). A worker waits for a job, makes
 * job.ncalls random calls on its own tables, its own address space and the gates it
 * holds, each checked against its own small model, cleans up after itself, reports,
 * and waits again; every wait checks that the thread's registers (and, when main set
 * one, its TLS base) survived it. V runs one command of main's at a time.
 *
 * A worker's world: a MEMORY capability over WBLK_FRAMES frames of its own (S_MEM),
 * W_SLOTS scratch slots, W_MAPS pages of its own address space at WORK_VA. What it does
 * there is exact on any number of cores: nothing else touches it. Gate calls are exact
 * when nothing else runs (W.live == 0); with other cores, a restart or a rescind may
 * happen at any time, and those results widen to what that allows.
 */
#include "stage.h"

/* ---- the worker's model of its own world ---- */

enum { WO_NONE, WO_LEAF, WO_PT1, WO_THREAD };

struct wslot {
	uint8_t type, flags;
	int8_t f;		/* the frame of the object named (owning types), or -1 */
};

struct wstate {
	unsigned k;
	uint64_t rng, pa0;
	uint8_t ftype[WBLK_FRAMES], fobj[WBLK_FRAMES];
	uint16_t fcaps[WBLK_FRAMES], fmaps[WBLK_FRAMES];
	int8_t fhook[WBLK_FRAMES];		/* a leaf hooked at this root position, or -1 */
	struct wslot slot[W_SLOTS];
	int8_t map[W_MAPS];			/* the frame mapped at WORK_VA + i pages, or -1 */
	uint8_t rights[W_MAPS];
	uint64_t pending;			/* sends to itself since its last wait */
	uint64_t *calls;
};

static struct wstate wst[NWORK];

static uint64_t wrnd(struct wstate *w)
{
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return w->rng * 0x2545f4914f6cdd1dULL;
}

static uint64_t wbelow(struct wstate *w, uint64_t n)
{
	return n ? wrnd(w) % n : 0;
}

static void wreset(struct wstate *w, unsigned k)
{
	memset(w, 0, sizeof(*w));
	w->k = k;
	w->pa0 = WBLK_PA + k * WBLK_FRAMES * PAGE;
	for (unsigned j = 0; j < WBLK_FRAMES; j++)
		w->fhook[j] = -1;
	for (unsigned i = 0; i < W_SLOTS; i++)
		w->slot[i].f = -1;
	for (unsigned i = 0; i < W_MAPS; i++)
		w->map[i] = -1;
	w->calls = &crew[k].calls;
}

/* One call of the worker's, checked against want (ANY: not checked). */
static long wcall(struct wstate *w, const char *what, long want, unsigned cap, uint32_t op, uint64_t a0,
		  uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4)
{
	long r = cairn_call(cap, op, a0, a1, a2, a3, a4, 0);

	(*w->calls)++;
	crew[w->k].progress++;
	if (want != ANY && r != want)
		stage_fail(w->k, what, r, want);
	return r;
}

/* ---- arguments with at most one defect, and what the kernel must say about it ---- */

/* A frame argument: one of the block's (index in *j), or one outside it, or unaligned. */
static uint64_t wframe(struct wstate *w, int *j, long *err)
{
	unsigned d = (unsigned)wbelow(w, 40);

	*j = (int)wbelow(w, WBLK_FRAMES);
	*err = 0;
	if (d == 0) {
		*err = CAIRN_ERANGE;
		return wbelow(w, 2) ? w->pa0 - PAGE : w->pa0 + WBLK_FRAMES * PAGE;
	}
	if (d == 1) {
		*err = CAIRN_EINVAL;
		return w->pa0 + (uint64_t)*j * PAGE + 8;
	}
	return w->pa0 + (uint64_t)*j * PAGE;
}

/* A destination slot: a scratch one (index in *i), or one each error names. */
static uint64_t wdest(struct wstate *w, int *i, long *err)
{
	unsigned d = (unsigned)wbelow(w, 50);

	*i = (int)wbelow(w, W_SLOTS);
	*err = 0;
	switch (d) {
	case 0:  *err = CAIRN_ERANGE; return CAIRN_CAPTBL_MAX + wbelow(w, 1000);
	case 1:  *err = CAIRN_EINVAL; return 0;
	case 2:  *err = CAIRN_ENOENT; return 9 * LEAF_SLOTS + wbelow(w, LEAF_SLOTS);	/* no leaf there */
	default: *err = w->slot[*i].type ? CAIRN_EBUSY : 0; return S_SCR + (unsigned)*i;
	}
}

static unsigned frefs(const struct wstate *w, unsigned j)
{
	if (w->ftype[j] == CAIRN_FRAME_USER)
		return w->fmaps[j];
	return w->ftype[j] == CAIRN_FRAME_KERNEL ? w->fcaps[j] + (w->fhook[j] >= 0) : 0;
}

/* ---- the worker's operations on its own world (exact) ---- */

static void w_retype(struct wstate *w)
{
	int j;
	long want;
	uint64_t pa = wframe(w, &j, &want), to = wbelow(w, 30) ? wbelow(w, 3) : 4 + wbelow(w, 300);
	uint8_t from = w->ftype[j];

	if (!want && from == CAIRN_FRAME_KERNEL && w->fobj[j])
		want = CAIRN_EBUSY;
	else if (!want && (to > CAIRN_FRAME_RESERVED || !(from == CAIRN_FRAME_UNTYPED ?
		 to == CAIRN_FRAME_KERNEL || to == CAIRN_FRAME_USER : to == CAIRN_FRAME_UNTYPED)))
		want = CAIRN_EINVAL;
	else if (!want && frefs(w, (unsigned)j))
		want = CAIRN_EBUSY;
	if (wcall(w, "a retype of its own frame", want, S_MEM, CAIRN_OP_MEM_RETYPE, pa, to, 0, 0, 0) == 0) {
		w->ftype[j] = (uint8_t)to;
		w->fobj[j] = WO_NONE;
	}
}

/* The frame checks every activation makes last. */
static long frame_err(const struct wstate *w, int j, long err)
{
	if (err)
		return err;
	if (w->ftype[j] != CAIRN_FRAME_KERNEL)
		return CAIRN_EACCES;
	return w->fobj[j] || frefs(w, (unsigned)j) ? CAIRN_EBUSY : 0;
}

static void w_activate(struct wstate *w)
{
	int i, j;
	long derr, ferr;
	uint64_t dst = wdest(w, &i, &derr), pa = wframe(w, &j, &ferr);
	unsigned kind = 1 + (unsigned)wbelow(w, 3), bad = wbelow(w, 25) == 0;
	uint32_t op;
	uint64_t a3, a4 = 0;
	long want = derr;

	if (kind == WO_LEAF) {
		op = CAIRN_OP_CAPTBL_ACT_CAPTBL, a3 = bad ? 2 : 1;
		want = want ? want : bad ? CAIRN_EINVAL : frame_err(w, j, ferr);
	} else if (kind == WO_PT1) {
		op = CAIRN_OP_CAPTBL_ACT_PGTBL, a3 = bad ? 5 : 1;
		want = want ? want : bad ? CAIRN_EINVAL : frame_err(w, j, ferr);
	} else {
		op = CAIRN_OP_CAPTBL_ACT_THREAD, a3 = bad ? S_MEM : S_COMP;
		want = want ? want : bad ? CAIRN_EBADF : frame_err(w, j, ferr);
	}
	long r = wcall(w, "an activation in its own table", kind == WO_THREAD && !want ? ANY : want, S_CT, op,
		       dst, S_MEM, pa, a3, a4);
	if (kind == WO_THREAD && !want && r <= 0)
		stage_fail(w->k, "a thread activation's id", r, 1);
	if (r < 0 || want)
		return;
	w->slot[i] = (struct wslot){ kind == WO_THREAD ? CAIRN_CAP_THREAD : kind == WO_LEAF ? CAIRN_CAP_CAPTBL :
				     CAIRN_CAP_PGTBL, (uint8_t)(kind == WO_THREAD ? 0 : 1), (int8_t)j };
	w->fobj[j] = (uint8_t)kind;
	w->fcaps[j] = 1;
}

/* A source slot: a scratch one (maybe empty), or out of range. */
static uint64_t wsrc(struct wstate *w, int *i, long *err)
{
	*i = (int)wbelow(w, W_SLOTS);
	if (wbelow(w, 40) == 0) {
		*err = CAIRN_ERANGE;
		return CAIRN_CAPTBL_MAX + wbelow(w, 100);
	}
	*err = w->slot[*i].type ? 0 : CAIRN_ENOENT;
	return S_SCR + (unsigned)*i;
}

static void w_copy(struct wstate *w)
{
	int i, s;
	long derr, serr;
	uint64_t src = wsrc(w, &s, &serr), dst = wdest(w, &i, &derr);
	long want = serr ? serr : derr;

	if (wcall(w, "a copy in its own table", want, S_CT, CAIRN_OP_CAPTBL_COPY, dst, S_CT, src, 0, 0) == 0 &&
	    !want) {
		w->slot[i] = w->slot[s];
		w->fcaps[w->slot[s].f]++;
	}
}

static void w_remove(struct wstate *w, int deact)
{
	int i;
	long err;
	uint64_t idx = wbelow(w, 30) ? wsrc(w, &i, &err) : 0;
	struct wslot *m = idx ? &w->slot[i] : NULL;
	long want = !idx ? CAIRN_EINVAL : err;

	if (!want && !deact && w->fcaps[m->f] == 1)
		want = CAIRN_EBUSY;	/* the last owning capability */
	if (!want && deact && frefs(w, (unsigned)m->f) != 1)
		want = CAIRN_EBUSY;	/* copies, or hooked */
	if (wcall(w, deact ? "a deactivation in its own table" : "a remove in its own table", want, S_CT,
		  deact ? CAIRN_OP_CAPTBL_DEACT : CAIRN_OP_CAPTBL_REMOVE, idx, 0, 0, 0, 0) || want)
		return;
	if (--w->fcaps[m->f] == 0)
		w->fobj[m->f] = WO_NONE;
	*m = (struct wslot){ 0, 0, -1 };
}

/* Hooks a leaf of its own at root position 2 or 3 (or unhooks one). */
static void w_cons(struct wstate *w)
{
	uint64_t pos = wbelow(w, 30) ? 2 + wbelow(w, 2) : 512 + wbelow(w, 100);
	int i;
	long err;

	if (wbelow(w, 2)) {
		long want = pos >= ROOT_SLOTS ? CAIRN_ERANGE : CAIRN_ENOENT;
		int j = -1;
		for (unsigned f = 0; f < WBLK_FRAMES; f++)
			if (w->fobj[f] == WO_LEAF && w->fhook[f] == (int)pos)
				j = (int)f, want = 0;
		if (wcall(w, "a decons in its own table", want, S_CT, CAIRN_OP_CAPTBL_DECONS, pos, 0, 0, 0, 0) == 0 &&
		    j >= 0)
			w->fhook[j] = -1;
		return;
	}
	uint64_t leaf = wsrc(w, &i, &err);
	long want = err;
	struct wslot *m = &w->slot[i];
	if (!want && m->type != CAIRN_CAP_CAPTBL)
		want = CAIRN_EBADF;
	else if (!want && pos >= ROOT_SLOTS)
		want = CAIRN_ERANGE;
	for (unsigned f = 0; !want && f < WBLK_FRAMES; f++)
		if (w->fobj[f] == WO_LEAF && (w->fhook[f] == (int)pos || (int)f == m->f) && w->fhook[f] >= 0)
			want = CAIRN_EBUSY;	/* the position, or the leaf, is taken */
	if (wcall(w, "a cons in its own table", want, S_CT, CAIRN_OP_CAPTBL_CONS, pos, leaf, 0, 0, 0) == 0 &&
	    !want)
		w->fhook[m->f] = (int8_t)pos;
}

static void w_map(struct wstate *w)
{
	unsigned i = (unsigned)wbelow(w, W_MAPS);
	uint64_t va = WORK_VA + i * PAGE, rights = wbelow(w, 30) ? wbelow(w, 4) : 4 + wbelow(w, 8);
	int j;
	long want;
	uint64_t pa = wframe(w, &j, &want);

	if (rights > 3)
		want = CAIRN_EINVAL;
	else if (!want && w->ftype[j] != CAIRN_FRAME_USER)
		want = CAIRN_EACCES;
	else if (!want && w->map[i] >= 0)
		want = CAIRN_EBUSY;
	if (wcall(w, "a mapping in its own space", want, S_PT, CAIRN_OP_PGTBL_MAP, va, S_MEM, pa, rights, 0) ||
	    want)
		return;
	w->map[i] = (int8_t)j;
	w->rights[i] = (uint8_t)rights;
	w->fmaps[j]++;
}

static void w_unmap(struct wstate *w, unsigned i)
{
	long want = w->map[i] >= 0 ? 0 : CAIRN_ENOENT;

	if (wcall(w, "an unmap in its own space", want, S_PT, CAIRN_OP_PGTBL_UNMAP, WORK_VA + i * PAGE, 0, 0, 0, 0)
	    || want)
		return;
	w->fmaps[w->map[i]]--;
	w->map[i] = -1;
}

/* A lookup of one of its pages; a mapped writable page is written and read back too. */
static void w_lookup(struct wstate *w)
{
	unsigned i = (unsigned)wbelow(w, W_MAPS);
	uint64_t va = WORK_VA + i * PAGE;
	long want = CAIRN_ENOENT;

	if (w->map[i] >= 0)
		want = (long)((w->pa0 + (uint64_t)w->map[i] * PAGE) | (w->rights[i] & CAIRN_MAP_WRITE) |
			      (w->rights[i] & CAIRN_MAP_EXEC) | exec_always);
	wcall(w, "a lookup in its own space", want, S_PT, CAIRN_OP_PGTBL_LOOKUP, va + wbelow(w, PAGE), 0, 0, 0, 0);
	if (w->map[i] >= 0 && (w->rights[i] & CAIRN_MAP_WRITE)) {
		uint64_t v = wrnd(w);
		*(volatile uint64_t *)(va + 8 * wbelow(w, 512)) = v;
		volatile uint64_t *p = (volatile uint64_t *)(va + 64);
		*p = v;
		if (*p != v)
			stage_fail(w->k, "a page of its own space did not keep what was written", 0, 1);
	}
}

/* Calls whose answer needs no model: the null capability, wrong types, bad indices. */
static void w_misc(struct wstate *w)
{
	unsigned i = (unsigned)wbelow(w, W_SLOTS);

	switch (wbelow(w, 9)) {
	case 0: wcall(w, "a null call", 0, 0, CAIRN_OP_NULL, 0, 0, 0, 0, 0); break;
	case 1: wcall(w, "CORE", crew[w->k].core, 0, CAIRN_OP_CORE, 0, 0, 0, 0, 0); break;
	case 2: wcall(w, "an unknown null operation", CAIRN_ENOSYS, 0, 0x0009 + (uint32_t)wbelow(w, 200), 0, 0, 0, 0,
		      0); break;
	case 3: wcall(w, "an operation of another type", CAIRN_EBADF, S_MEM, CAIRN_OP_RCV_WAIT, 0, 0, 0, 0, 0);
		break;
	case 4: wcall(w, "an index past the table", CAIRN_ERANGE, CAIRN_CAPTBL_MAX + (unsigned)wbelow(w, 9999),
		      CAIRN_OP_NULL, 0, 0, 0, 0, 0); break;
	case 5: wcall(w, "a write from the kernel's half", CAIRN_EFAULT, 0, CAIRN_OP_DEBUG_WRITE, KERNEL_VA, 8, 0, 0,
		      0); break;
	case 6: wcall(w, "THREAD_CORE on itself", CAIRN_EBUSY, S_THR, CAIRN_OP_THREAD_CORE, crew[w->k].core, 0, 0,
		      0, 0); break;
	case 7: wcall(w, "a keeper that is not a gate", CAIRN_EBADF, S_COMP, CAIRN_OP_COMP_KEEPER, S_MEM, 0, 0, 0,
		      0); break;
	default:
		if (!w->slot[i].type)
			wcall(w, "an empty slot", CAIRN_ENOENT, S_SCR + i, (uint32_t)wbelow(w, 0xc00), 0, 0, 0, 0, 0);
		break;
	}
}

/* A send to itself, and a wait that must return at once with at least that count. */
static void w_send_wait(struct wstate *w)
{
	wcall(w, "a send to itself", 0, S_SELF, CAIRN_OP_ASND_SEND, 0, 0, 0, 0, 0);
	w->pending++;
	if (wbelow(w, 2))
		return;
	uint64_t diff;
	long r = stage_wait(S_RCV, wrnd(w), &diff);
	(*w->calls)++;
	crew[w->k].waits++;
	if (r < (long)w->pending)
		stage_fail(w->k, "a wait with sends pending", r, (long)w->pending);
	if (diff)
		stage_fail(w->k, "registers changed across a wait that returned at once", (long)diff, 0);
	w->pending = 0;
}

static void w_peer(struct wstate *w)
{
	long want = W.peer_ok[w->k] ? 0 : CAIRN_ENOENT;
	long r = wcall(w, "a send to the next worker", W.live ? ANY : want, S_PEER, CAIRN_OP_ASND_SEND, 0, 0, 0, 0,
		       0);

	if (W.live && r != 0 && r != CAIRN_ENOENT)
		stage_fail(w->k, "a send to the next worker (removed meanwhile or not)", r, 0);
}

/* ---- the worker's gate calls ---- */

/*
 * Checks a gate call against the prediction (want, want1). With other cores, what
 * others share may change during the call: a restart or a rescind (so ESTALE, rdx the
 * argument or 0 when unwound, and through a forwarder ENOENT), or another thread's
 * renewal of a shared copy (so the fresh result, ok and ok1).
 */
static void gate_check(struct wstate *w, const char *what, struct cairn_ret2 r, long want, uint64_t want1,
		       long ok, uint64_t ok1, uint64_t b, int fwd)
{
	crew[w->k].calls++;
	crew[w->k].progress++;
	if (r.r0 == want && r.r1 == want1)
		return;
	if (W.live && ((r.r0 == ok && r.r1 == ok1) || (r.r0 == CAIRN_ESTALE && (r.r1 == b || r.r1 == 0)) ||
		       (fwd && r.r0 == CAIRN_ENOENT && r.r1 == b)))
		return;
	stage_fail(w->k, what, r.r0, want);
}

/* Renews the worker's copy in slot (into target), or its forwarder's target. */
static void w_renew(struct wstate *w, unsigned slot, unsigned target, int fwd)
{
	long want = fwd >= 0 && !W.fwd_live[fwd] ? CAIRN_ENOENT : predict_renew(target);
	long r = wcall(w, "a renewal", W.live ? ANY : want, slot, CAIRN_OP_SINV_RENEW, 0, 0, 0, 0, 0);

	if (W.live && r < 0 && r != CAIRN_EAGAIN && r != CAIRN_ENOENT)
		stage_fail(w->k, "a renewal (with other cores)", r, want);
	if (r >= 0 && fwd >= 0)
		W.fwd_gen[fwd] = (uint32_t)r;
	else if (r >= 0)
		W.ggen[SP_W0 + w->k][slot] = (uint32_t)r;
}

static void w_gate(struct wstate *w)
{
	unsigned me = SP_W0 + w->k, k = w->k;
	uint64_t x = wrnd(w) >> 8, r1;
	long want;
	struct cairn_ret2 r;

	switch (wbelow(w, 6)) {
	case 0:
	case 1: {
		unsigned slot = wbelow(w, 2) ? S_GA : S_GAC;
		want = predict_a(me, slot, SP_A, x, &r1, -1);
		r = stage_sinv(slot, k, x, 0, 0);
		gate_check(w, slot == S_GA ? "a call to A" : "a confined call to A", r, want, r1, (long)(x + 1),
			   SPACE_ID(SP_A), x, 0);
		if (r.r0 == CAIRN_ESTALE)
			w_renew(w, slot, SP_A, -1);
		return;
	}
	case 2: {
		unsigned n = (unsigned)wbelow(w, 18);
		uint64_t ok1;
		want = predict_b(me, n, x, 0, &r1, 0);
		long ok = predict_b(me, n, x, 0, &ok1, 1);
		r = stage_sinv(S_GB, k, n, x, 0);
		gate_check(w, "a nested call through B", r, want, r1, ok, ok1, n, 0);
		if (r.r0 == CAIRN_ESTALE && r.r1 == n)
			w_renew(w, S_GB, SP_B, -1);
		return;
	}
	case 3:
		want = predict_a(me, S_FWD, SP_A, x, &r1, 0);
		r = stage_sinv(S_FWD, k, x, 0, 0);
		gate_check(w, "a call to A through a forwarder", r, want, r1, (long)(x + 1), SPACE_ID(SP_A), x, 1);
		if (r.r0 == CAIRN_ESTALE)
			w_renew(w, S_FWD, SP_A, 0);
		return;
	default: {
		int nest = wbelow(w, 3) == 0;
		r = stage_sinv(S_GF, k, nest ? F_NEST : F_RESUME, x, 0);
		long ok = (long)((x ^ F_MAGIC) + 1 + nest);
		uint64_t ok1 = nest ? NEST_TAG | k : TAG(k);
		gate_check(w, nest ? "a fault whose keeper nests" : "a fault its keeper resumes", r, ok, ok1, ok, ok1,
			   0, 0);
		return;
	}
	}
}

/* ---- a job ---- */

/* Leaves its world as it found it: nothing mapped, hooked or held; every frame untyped. */
static void w_clean(struct wstate *w)
{
	for (unsigned i = 0; i < W_MAPS; i++)
		if (w->map[i] >= 0)
			w_unmap(w, i);
	for (unsigned j = 0; j < WBLK_FRAMES; j++)
		if (w->fhook[j] >= 0 && wcall(w, "a decons when cleaning up", 0, S_CT, CAIRN_OP_CAPTBL_DECONS,
					      (uint64_t)w->fhook[j], 0, 0, 0, 0) == 0)
			w->fhook[j] = -1;
	for (int pass = 0; pass < 2; pass++)
		for (unsigned i = 0; i < W_SLOTS; i++) {
			struct wslot *m = &w->slot[i];
			if (!m->type || (pass == 0 && w->fcaps[m->f] == 1))
				continue;
			wcall(w, "a remove or deactivation when cleaning up", 0, S_CT,
			      pass ? CAIRN_OP_CAPTBL_DEACT : CAIRN_OP_CAPTBL_REMOVE, S_SCR + i, 0, 0, 0, 0);
			if (--w->fcaps[m->f] == 0)
				w->fobj[m->f] = WO_NONE;
			*m = (struct wslot){ 0, 0, -1 };
		}
	for (unsigned j = 0; j < WBLK_FRAMES; j++)
		if (w->ftype[j] != CAIRN_FRAME_UNTYPED)
			wcall(w, "a retype when cleaning up", 0, S_MEM, CAIRN_OP_MEM_RETYPE, w->pa0 + j * PAGE,
			      CAIRN_FRAME_UNTYPED, 0, 0, 0);
	memset(w->ftype, 0, sizeof(w->ftype));
}

static void run_job(struct wstate *w)
{
	struct crew *c = &crew[w->k];

	w->rng = c->seed | 1;
	w->pending = 0;		/* the waits before the job took what was pending */
	wcall(w, "CORE at the start of a job", c->core, 0, CAIRN_OP_CORE, 0, 0, 0, 0, 0);
	for (uint64_t n = 0; n < c->ncalls; n++) {
		switch (wbelow(w, 20)) {
		case 0: case 1: case 2: w_retype(w); break;
		case 3: case 4: case 5: w_activate(w); break;
		case 6: w_copy(w); break;
		case 7: w_remove(w, 0); break;
		case 8: w_remove(w, 1); break;
		case 9: w_cons(w); break;
		case 10: case 11: w_map(w); break;
		case 12: w_unmap(w, (unsigned)wbelow(w, W_MAPS)); break;
		case 13: w_lookup(w); break;
		case 14: w_send_wait(w); break;
		case 15: w_peer(w); break;
		case 16: case 17: w_gate(w); break;
		default: w_misc(w); break;
		}
	}
	w_clean(w);
	c->jobs++;
}

static uint64_t read_fs0(void)
{
	uint64_t v;
	__asm__ volatile("mov %%fs:0, %0" : "=r"(v));
	return v;
}

/* Waits for main's next job; every wait checks the registers, and the TLS base if set. */
static uint64_t next_job(struct wstate *w, uint64_t seen)
{
	struct crew *c = &crew[w->k];
	uint64_t diff, job;

	while ((job = __atomic_load_n(&c->job, __ATOMIC_ACQUIRE)) == seen) {
		long r = stage_wait(S_RCV, 0x9e3779b97f4a7c15ULL * (c->waits + 1) + w->k, &diff);
		c->calls++;
		c->waits++;
		if (r < 0)
			stage_fail(w->k, "a worker's wait", r, 0);
		if (diff)
			stage_failf(w->k, 3, "registers changed across a wait, with TLS or core changed meanwhile "
				    "(issue 19 finding 3)", (long)diff, 0);
		uint64_t tag = __atomic_load_n(&c->tls_tag, __ATOMIC_ACQUIRE);
		if (tag && read_fs0() != tag)
			stage_failf(w->k, 3, "the TLS base main set while the worker waited", (long)read_fs0(),
				    (long)tag);
	}
	return job;
}

static void worker_main(unsigned k)
{
	struct wstate *w = &wst[k];
	uint64_t seen = crew[k].done;

	wreset(w, k);
	for (;;) {
		uint64_t job = next_job(w, seen);
		__atomic_store_n(&crew[k].started, job, __ATOMIC_RELEASE);
		run_job(w);
		seen = job;
		int stop = crew[k].stop;
		__atomic_store_n(&crew[k].done, job, __ATOMIC_RELEASE);
		if (stop)
			cairn_debug_stop(0);	/* its core idles inside this call */
	}
}

/* ---- V: one command at a time, then back to main ---- */

static void v_main(void)
{
	struct crew *c = &crew[V_IDX];

	for (;;) {
		uint64_t seq = c->cmd_seq;
		if (seq != c->ack_seq) {
			if (c->cmd_op == 0)
				c->res = stage_sinv(c->cmd_slot, c->cmd_a[0], c->cmd_a[1], c->cmd_a[2], c->cmd_a[3]);
			else
				c->res = (struct cairn_ret2){ cairn_call(c->cmd_slot, CAIRN_OP_SINV_RENEW, 0, 0, 0,
									 0, 0, 0), 0 };
			c->calls++;
			c->ack_seq = seq;
		}
		c->calls++;
		long d = cairn_call(S_MAIN, CAIRN_OP_THREAD_DISPATCH, 0, 0, 0, 0, 0, 0);
		if (d)
			stage_fail(V_IDX, "V's dispatch back to main", d, 0);
	}
}

void stage_thread_main(unsigned k, cairn_word tid)
{
	(void)tid;
	if (k < NWORK)
		worker_main(k);
	v_main();
}
