/*
 * stage_build.c: building and destroying the stage's world (stage.h): its frames and
 * hidden slots, address spaces and components, threads, gates, keepers and
 * indirections. Every call main makes here has an exact expected result (mcall); the
 * few that another core can make busy for a while (a thread that still runs there)
 * are retried (mcall_busy) within a bound.
 */
#include "stage.h"

struct crew crew[NCREW];
struct world W;
struct space sp[NSPACES];
struct sthread st[NCREW];
unsigned g_hidden[NSPACES], g_conf, ind_a, ind_p, trap_mem;
uint64_t stage_main_calls;
volatile uint64_t stage_fails;
int stage_on;
unsigned stage_cores;

extern char _end[];

/* ---- failures ---- */

/*
 * Failures are counted; each kind (its message) is kept once, with its count and its
 * first occurrence, so that one recurring failure does not hide the others. Any
 * thread records (the counters are atomic; a kind's first record is claimed with a
 * compare-and-swap).
 */
#define FAIL_KINDS 12
static struct fail_kind {
	const char *what;
	unsigned k;
	long got, want;
	uint64_t at, count;
} fail_log[FAIL_KINDS];

uint64_t thread_fails, main_fails, finding_fails[FINDINGS];

void stage_fail(unsigned k, const char *what, long got, long want)
{
	stage_failf(k, 0, what, got, want);
}

void stage_failf(unsigned k, unsigned finding, const char *what, long got, long want)
{
	__atomic_fetch_add(&stage_fails, 1, __ATOMIC_RELAXED);
	if (finding && finding < FINDINGS)
		__atomic_fetch_add(&finding_fails[finding], 1, __ATOMIC_RELAXED);
	else
		__atomic_fetch_add(k < NCREW ? &thread_fails : &main_fails, 1, __ATOMIC_RELAXED);
	for (unsigned i = 0; i < FAIL_KINDS; i++) {
		struct fail_kind *f = &fail_log[i];
		const char *none = NULL;
		if (f->what != what && !__atomic_compare_exchange_n(&f->what, &none, what, 0, __ATOMIC_ACQ_REL,
								     __ATOMIC_ACQUIRE))
			continue;
		if (f->what != what)
			continue;	/* another kind took this entry meanwhile */
		if (__atomic_fetch_add(&f->count, 1, __ATOMIC_RELAXED) == 0) {
			f->k = k, f->got = got, f->want = want, f->at = ncalls;
			cairn_printf("\nhostile: stage FAIL (%s %u, near call #%lu): %s: got %ld, want %ld\n",
				     k < NCREW ? "thread" : "main", k, ncalls, what, got, want);
		}
		return;
	}
}

void stage_print_fails(void)
{
	for (unsigned i = 0; i < FAIL_KINDS && fail_log[i].what; i++)
		cairn_printf("hostile: stage failure: %lu x %s (first: %s %u near call #%lu: got %ld, want %ld)\n",
			     fail_log[i].count, fail_log[i].what, fail_log[i].k < NCREW ? "thread" : "main",
			     fail_log[i].k, fail_log[i].at, fail_log[i].got, fail_log[i].want);
}

/* ---- main's calls ---- */

static const char *mcall_what = "a call of main's building the stage";

long mcall(long want, unsigned cap, uint32_t op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
	   uint64_t a5)
{
	long r = cairn_call(cap, op, a0, a1, a2, a3, a4, a5);

	stage_main_calls++;
	if (want != ANY && r != want) {
		if (main_fails < 4)
			cairn_printf("\nhostile: stage call: cap %u op 0x%x a %lx %lx %lx %lx -> %ld, want %ld\n", cap, op,
				     a0, a1, a2, a3, r, want);
		stage_fail(NCREW, mcall_what, r, want);
	}
	return r;
}

long mcall_any(unsigned cap, uint32_t op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
	       uint64_t a5)
{
	return mcall(ANY, cap, op, a0, a1, a2, a3, a4, a5);
}

/*
 * An operation on a thread that may still be running on another core (EBUSY until it
 * blocks): retried for up to ~10 s of TSC, then a failure. 0 or the last error.
 */
long mcall_busy(unsigned cap, uint32_t op, uint64_t a0, uint64_t a1)
{
	uint64_t end = cairn_cycles() + 10 * R->tsc_hz;
	long r;

	while ((r = cairn_call(cap, op, a0, a1, 0, 0, 0, 0)) == CAIRN_EBUSY && stage_cores > 1 &&
	       cairn_cycles() < end)
		stage_main_calls++;
	stage_main_calls++;
	if (r)
		stage_fail(NCREW, "an operation on a stage thread (busy for 10 s?)", r, 0);
	return r;
}

/* ---- hidden slots and frames ---- */

static uint8_t slot_used[STAGE_LEAVES * LEAF_SLOTS];
static uint8_t frame_used[STAGE_FRAMES];

/* A free hidden slot; slot 0 of each hidden leaf holds the leaf's own capability. */
unsigned hslot(void)
{
	for (unsigned i = 0; i < STAGE_LEAVES * LEAF_SLOTS; i++)
		if (i % LEAF_SLOTS && !slot_used[i]) {
			slot_used[i] = 1;
			return HIDDEN_LO + i;
		}
	stage_fail(NCREW, "out of hidden slots", 0, 1);
	return HIDDEN_LO + 1;
}

void hslot_put(unsigned s)
{
	if (s > HIDDEN_LO && s < HIDDEN_LO + STAGE_LEAVES * LEAF_SLOTS)
		slot_used[s - HIDDEN_LO] = 0;
}

/* A frame of the pool, retyped (exactly: nothing else touches the pool). */
uint64_t sframe(unsigned type)
{
	for (unsigned i = 0; i < STAGE_FRAMES; i++)
		if (!frame_used[i]) {
			frame_used[i] = 1;
			mcall(0, MEM, CAIRN_OP_MEM_RETYPE, STAGE_PA + i * PAGE, type, 0, 0, 0, 0);
			return STAGE_PA + i * PAGE;
		}
	stage_fail(NCREW, "out of stage frames", 0, 1);
	return 0;
}

/* Takes back a pool frame that sframe_put returned (untyped): for a scene to reuse it. */
void sframe_claim(uint64_t pa)
{
	if (pa >= STAGE_PA && pa < STAGE_PA + STAGE_FRAMES * PAGE && !frame_used[(pa - STAGE_PA) / PAGE])
		frame_used[(pa - STAGE_PA) / PAGE] = 1;
	else
		stage_fail(NCREW, "a frame to claim is not a free one of the pool", (long)pa, 0);
}

void sframe_put(uint64_t pa)
{
	mcall(0, MEM, CAIRN_OP_MEM_RETYPE, pa, CAIRN_FRAME_UNTYPED, 0, 0, 0, 0);
	if (pa >= STAGE_PA && pa < STAGE_PA + STAGE_FRAMES * PAGE)
		frame_used[(pa - STAGE_PA) / PAGE] = 0;
}

/* A new object in a fresh kernel frame, its capability in a new hidden slot. */
static unsigned hobject(uint32_t op, uint64_t *frame, uint64_t a3, uint64_t a4, uint64_t a5)
{
	unsigned s = hslot();

	*frame = sframe(CAIRN_FRAME_KERNEL);
	mcall(op == CAIRN_OP_CAPTBL_ACT_THREAD ? ANY : 0, CT, op, s, MEM, *frame, a3, a4, a5);
	return s;
}

static void hdestroy(unsigned s, uint64_t frame)
{
	mcall(0, CT, CAIRN_OP_CAPTBL_DEACT, s, 0, 0, 0, 0, 0);
	sframe_put(frame);
	hslot_put(s);
}

/* ---- main's window onto stage pages (its own space, out of the random traffic's reach) ---- */

static unsigned win_node[3];
static uint64_t win_frame[3];

void window_map(unsigned i, uint64_t pa)
{
	mcall(0, PT, CAIRN_OP_PGTBL_MAP, STAGE_WIN + i * PAGE, MEM, pa, CAIRN_MAP_WRITE, 0, 0);
}

void window_unmap(unsigned i)
{
	mcall(0, PT, CAIRN_OP_PGTBL_UNMAP, STAGE_WIN + i * PAGE, 0, 0, 0, 0, 0);
}

static void window_build(void)
{
	for (unsigned level = 2, n = 0; level >= 1; level--, n++) {
		win_node[n] = hobject(CAIRN_OP_CAPTBL_ACT_PGTBL, &win_frame[n], level, 0, 0);
		mcall(0, PT, CAIRN_OP_PGTBL_CONS, STAGE_WIN, win_node[n], 0, 0, 0, 0);
	}
}

static void window_destroy(void)
{
	for (unsigned level = 1; level <= 2; level++) {
		mcall(0, PT, CAIRN_OP_PGTBL_DECONS, STAGE_WIN, level, 0, 0, 0, 0);
		hdestroy(win_node[2 - level], win_frame[2 - level]);
	}
}

/* ---- address spaces and components ---- */

static uint64_t image_entry[512];	/* PGTBL_LOOKUP of each page of our image: frame | rights */
static unsigned image_pages;
static long root_entry;

static int image_scan(void)
{
	uint64_t end = ((uint64_t)_end + PAGE - 1) & ~(PAGE - 1);

	image_pages = (unsigned)((end - CAIRN_IMAGE_BASE) / PAGE);
	if (image_pages > 512 || end > 0x600000)
		return 0;	/* one level-1 table must cover the image */
	for (unsigned i = 0; i < image_pages; i++) {
		long e = mcall_any(PT, CAIRN_OP_PGTBL_LOOKUP, CAIRN_IMAGE_BASE + i * PAGE, 0, 0, 0, 0, 0);
		if (e < 0)
			return 0;
		image_entry[i] = (uint64_t)e;
	}
	root_entry = mcall_any(PT, CAIRN_OP_PGTBL_LOOKUP, CAIRN_ROOT_VA, 0, 0, 0, 0, 0);
	return root_entry >= 0;
}

static void node_add(struct space *s, unsigned level, uint64_t va)
{
	unsigned n = s->nnodes++;

	s->node[n] = hobject(CAIRN_OP_CAPTBL_ACT_PGTBL, &s->fnode[n], level, 0, 0);
	s->nlevel[n] = (uint8_t)level;
	s->nva[n] = va;
	mcall(0, s->pt, CAIRN_OP_PGTBL_CONS, va, s->node[n], 0, 0, 0, 0);
}

static void pmap(struct space *s, uint64_t va, uint64_t entry)
{
	mcall(0, s->pt, CAIRN_OP_PGTBL_MAP, va, MEM, entry & ~(PAGE - 1), entry & (CAIRN_MAP_WRITE | CAIRN_MAP_EXEC),
	      0, 0);
}

void own_put(unsigned s, unsigned slot, unsigned from)
{
	mcall(0, sp[s].ct, CAIRN_OP_CAPTBL_COPY, slot, CT, from, 0, 0, 0);
	sp[s].own |= 1u << slot;
}

void own_clear(unsigned s, unsigned slot)
{
	if (!(sp[s].own & (1u << slot)))
		return;
	mcall(0, sp[s].ct, CAIRN_OP_CAPTBL_REMOVE, slot, 0, 0, 0, 0, 0);
	sp[s].own &= ~(1u << slot);
}

/*
 * A component with a capability table (root and leaf 0) and an address space of its
 * own: our Root page, our image (the same frames: code and data are shared), and an
 * identity page of its own. Its table holds itself at S_CT, S_PT, S_COMP, S_LEAF.
 */
int space_build(unsigned i)
{
	struct space *s = &sp[i];
	uint64_t idf;

	*s = (struct space){ 0 };
	s->ct = hobject(CAIRN_OP_CAPTBL_ACT_CAPTBL, &s->fct, 0, 0, 0);
	s->leaf = hobject(CAIRN_OP_CAPTBL_ACT_CAPTBL, &s->fleaf, 1, 0, 0);
	mcall(0, s->ct, CAIRN_OP_CAPTBL_CONS, 0, s->leaf, 0, 0, 0, 0);
	s->pt = hobject(CAIRN_OP_CAPTBL_ACT_PGTBL, &s->fpt, 4, 0, 0);
	node_add(s, 3, 0);
	node_add(s, 2, 0);
	node_add(s, 1, 0);
	node_add(s, 1, CAIRN_IMAGE_BASE);
	pmap(s, CAIRN_ROOT_VA, (uint64_t)root_entry);
	for (unsigned p = 0; p < image_pages; p++)
		pmap(s, CAIRN_IMAGE_BASE + p * PAGE, image_entry[p]);
	W.id_page[i] = idf = sframe(CAIRN_FRAME_USER);
	window_map(0, idf);
	*(volatile uint64_t *)STAGE_WIN = SPACE_ID(i);
	window_unmap(0);
	pmap(s, STAGE_ID_VA, idf);
	s->comp = hobject(CAIRN_OP_CAPTBL_ACT_COMP, &s->fcomp, s->ct, s->pt, (uint64_t)stage_thread_entry);
	own_put(i, S_CT, s->ct);
	own_put(i, S_PT, s->pt);
	own_put(i, S_COMP, s->comp);
	own_put(i, S_LEAF, s->leaf);
	W.cgen[i] = 0;
	W.cdown[i] = 0;
	s->built = 1;
	return stage_fails == 0;
}

/* Everything space_build made, once no thread, gate or keeper refers to the component. */
void space_destroy(unsigned i)
{
	struct space *s = &sp[i];

	if (!s->built)
		return;
	for (unsigned slot = 1; slot < 32; slot++)
		own_clear(i, slot);
	hdestroy(s->comp, s->fcomp);
	mcall(0, s->ct, CAIRN_OP_CAPTBL_DECONS, 0, 0, 0, 0, 0, 0);
	hdestroy(s->leaf, s->fleaf);
	hdestroy(s->ct, s->fct);
	mcall(0, s->pt, CAIRN_OP_PGTBL_UNMAP, CAIRN_ROOT_VA, 0, 0, 0, 0, 0);
	mcall(0, s->pt, CAIRN_OP_PGTBL_UNMAP, STAGE_ID_VA, 0, 0, 0, 0, 0);
	for (unsigned p = 0; p < image_pages; p++)
		mcall(0, s->pt, CAIRN_OP_PGTBL_UNMAP, CAIRN_IMAGE_BASE + p * PAGE, 0, 0, 0, 0, 0);
	sframe_put(W.id_page[i]);
	for (unsigned n = s->nnodes; n-- > 0;) {
		mcall(0, s->pt, CAIRN_OP_PGTBL_DECONS, s->nva[n], s->nlevel[n], 0, 0, 0, 0);
		hdestroy(s->node[n], s->fnode[n]);
	}
	hdestroy(s->pt, s->fpt);
	s->built = 0;
}

/* ---- gates ---- */

static uint32_t conf_gen;	/* the generation g_conf carries */

/* A hidden gate (carrying *gen) brought up to target's generation if target is up. */
static unsigned renewed(unsigned g, uint32_t *gen, unsigned target)
{
	if (*gen != W.cgen[target] && !W.cdown[target]) {
		mcall((long)W.cgen[target], g, CAIRN_OP_SINV_RENEW, 0, 0, 0, 0, 0, 0);
		*gen = W.cgen[target];
	}
	return g;
}

/* Main's hidden gate into a server, brought up to date if it can be. */
static unsigned gate_fresh(unsigned target)
{
	uint32_t gen = W.hgen[target];
	unsigned g = renewed(g_hidden[target], &gen, target);

	W.hgen[target] = gen;
	return g;
}

/* A copy of main's confined gate to A at (s, S_GAC). */
static void conf_put(unsigned s)
{
	own_put(s, S_GAC, renewed(g_conf, &conf_gen, SP_A));
	W.ggen[s][S_GAC] = conf_gen;
}

/* A copy of main's gate into target at (s, slot), with the generation it carries. */
static void gate_put(unsigned s, unsigned slot, unsigned target)
{
	own_put(s, slot, gate_fresh(target));
	W.ggen[s][slot] = W.hgen[target];
}

static unsigned gate_make(unsigned target, uint64_t entry, unsigned role, unsigned flags)
{
	unsigned g = hslot();

	mcall(0, CT, CAIRN_OP_CAPTBL_ACT_SINV, g, sp[target].comp, entry, BADGE(role), flags, 0);
	return g;
}

static unsigned g_keeper[2];

static void gates_build(void)
{
	static const uint8_t servers[] = { SP_A, SP_B, SP_F, SP_F3, SP_P };
	static const uint8_t roles[] = { R_A, R_B, R_F, R_F3, R_P };

	for (unsigned i = 0; i < sizeof(servers); i++) {
		g_hidden[servers[i]] = gate_make(servers[i], (uint64_t)stage_gate_entry, roles[i], 0);
		W.hgen[servers[i]] = 0;
	}
	g_conf = gate_make(SP_A, (uint64_t)stage_gate_entry, R_A, CAIRN_SINV_CONFINED);
	conf_gen = 0;
	g_keeper[0] = gate_make(SP_K1, (uint64_t)stage_keeper_entry, R_K1, 0);
	g_keeper[1] = gate_make(SP_K2, (uint64_t)stage_keeper_entry, R_K2, 0);
	mcall(0, sp[SP_F].comp, CAIRN_OP_COMP_KEEPER, g_keeper[0], 0, 0, 0, 0, 0);
	mcall(0, sp[SP_F3].comp, CAIRN_OP_COMP_KEEPER, g_keeper[1], 0, 0, 0, 0, 0);
	gate_put(SP_B, S_GA, SP_A);
	gate_put(SP_B, S_GB, SP_B);
	gate_put(SP_B, S_GP, SP_P);
	gate_put(SP_K1, S_GF, SP_F3);
	own_put(SP_P, S_MAIN, ME);
	own_put(SP_V, S_MAIN, ME);
	gate_put(SP_V, S_GA, SP_A);
	gate_put(SP_V, S_GB, SP_B);
	gate_put(SP_V, S_GF, SP_F);
	gate_put(SP_V, S_GP, SP_P);
	conf_put(SP_V);
}

/* A worker's table: its memory, its gates (the forwarder comes with ind_arm or fwd_put). */
void worker_table(unsigned k)
{
	unsigned s = SP_W0 + k, m = hslot();

	mcall(0, MEM, CAIRN_OP_MEM_DERIVE, m, WBLK_PA + k * WBLK_FRAMES * PAGE, WBLK_PA + (k + 1) * WBLK_FRAMES * PAGE,
	      0, 0, 0);
	own_put(s, S_MEM, m);
	mcall(0, CT, CAIRN_OP_CAPTBL_REMOVE, m, 0, 0, 0, 0, 0);
	hslot_put(m);
	gate_put(s, S_GA, SP_A);
	gate_put(s, S_GB, SP_B);
	gate_put(s, S_GF, SP_F);
	conf_put(s);
}

/* ---- indirections: indA's forwarders in every worker's table, indP's in V's ---- */

static unsigned *ind_of(int which)
{
	return which ? &ind_p : &ind_a;
}

/* A target (main's gate, fresh if the server is up) and new forwarders in the holders' S_FWD. */
void ind_arm(int which)
{
	unsigned target = which ? SP_P : SP_A, tmp = hslot();

	mcall(0, *ind_of(which), CAIRN_OP_INDIR_SET, CT, gate_fresh(target), 0, 0, 0, 0);
	W.fwd_gen[which] = W.hgen[target];
	for (unsigned s = which ? SP_V : SP_W0; s < (which ? SP_V + 1 : NSPACES); s++) {
		if (!sp[s].built)
			continue;
		own_clear(s, S_FWD);
		mcall(0, *ind_of(which), CAIRN_OP_INDIR_MINT, tmp, 0, 0, 0, 0, 0);
		own_put(s, S_FWD, tmp);
		mcall(0, CT, CAIRN_OP_CAPTBL_REMOVE, tmp, 0, 0, 0, 0, 0);
	}
	hslot_put(tmp);
	W.fwd_live[which] = 1;
}

void fwd_put(unsigned k)
{
	unsigned tmp = hslot();

	if (W.fwd_live[0]) {
		mcall(0, ind_a, CAIRN_OP_INDIR_MINT, tmp, 0, 0, 0, 0, 0);
		own_put(SP_W0 + k, S_FWD, tmp);
		mcall(0, CT, CAIRN_OP_CAPTBL_REMOVE, tmp, 0, 0, 0, 0, 0);
	}
	hslot_put(tmp);
}

void ind_rescind(int which)
{
	W.fwd_live[which] = 0;
	mcall(0, *ind_of(which), CAIRN_OP_INDIR_RESCIND, 0, 0, 0, 0, 0, 0);
}

/* ---- threads ---- */

static unsigned space_of(unsigned k)
{
	return k < NWORK ? SP_W0 + k : SP_V;
}

/*
 * Crew member k's thread in its component, started at stage_thread_entry with rsi =
 * k. A worker also gets its endpoint, a send to itself, a place in the previous
 * worker's S_PEER, and (two cores) core 1.
 */
int thread_build(unsigned k)
{
	struct sthread *t = &st[k];
	unsigned s = space_of(k), prev = SP_W0 + (k + NWORK - 1) % NWORK;

	t->thr = hslot();
	t->frame = sframe(CAIRN_FRAME_KERNEL);
	t->tid = mcall_any(CT, CAIRN_OP_CAPTBL_ACT_THREAD, t->thr, MEM, t->frame, sp[s].comp, k, 0);
	if (t->tid <= 0)
		stage_fail(NCREW, "a stage thread's activation", t->tid, 1);
	own_put(s, S_THR, t->thr);
	t->core = 0;
	if (k < NWORK) {
		t->rcv = hslot();
		t->snd = hslot();
		mcall(0, CT, CAIRN_OP_CAPTBL_ACT_RCV, t->rcv, t->thr, 0, 0, 0, 0);
		mcall(0, CT, CAIRN_OP_CAPTBL_ACT_ASND, t->snd, t->rcv, 0, 0, 0, 0);
		own_put(s, S_RCV, t->rcv);
		own_put(s, S_SELF, t->snd);
		if (sp[prev].built && prev != s) {
			own_put(prev, S_PEER, t->snd);
			W.peer_ok[k ? k - 1 : NWORK - 1] = 1;
		}
		if (stage_cores > 1) {
			mcall(0, t->thr, CAIRN_OP_THREAD_CORE, 1, 0, 0, 0, 0, 0);
			t->core = 1;
		}
	}
	crew[k].core = t->core;
	crew[k].tls_tag = 0;
	t->alive = 1;
	return stage_fails == 0;
}

/* Crew member k's thread destroyed (a worker must be idle), its frame left KERNEL-empty. */
static void thread_unmake(unsigned k)
{
	struct sthread *t = &st[k];
	unsigned s = space_of(k), prev = SP_W0 + (k + NWORK - 1) % NWORK;

	if (k < NWORK) {
		W.peer_ok[k ? k - 1 : NWORK - 1] = 0;
		if (sp[prev].built)
			own_clear(prev, S_PEER);
		own_clear(s, S_SELF);
		own_clear(s, S_RCV);
		mcall(0, CT, CAIRN_OP_CAPTBL_REMOVE, t->snd, 0, 0, 0, 0, 0);
		mcall(0, CT, CAIRN_OP_CAPTBL_REMOVE, t->rcv, 0, 0, 0, 0, 0);
		hslot_put(t->snd);
		hslot_put(t->rcv);
	}
	own_clear(s, S_THR);
	mcall_busy(CT, CAIRN_OP_CAPTBL_DEACT, t->thr, 0);
	hslot_put(t->thr);
	crew[k].tls_tag = 0;
	t->alive = 0;
}

void thread_destroy(unsigned k)
{
	thread_unmake(k);
	sframe_put(st[k].frame);
}

/* The frame of a destroyed thread, for a scene to reuse (then sframe_put). */
uint64_t thread_destroy_keep(unsigned k)
{
	thread_unmake(k);
	return st[k].frame;
}

/* ---- the whole stage ---- */

static unsigned hidden_leaf[STAGE_LEAVES];
static uint64_t hidden_frame[STAGE_LEAVES];

/*
 * Main's hidden leaves, hooked at STAGE_POS..: each holds its own capability in its
 * slot 0 (made in BOOT_SLOT, an episode slot, copied, then removed there).
 */
static void hidden_build(void)
{
	for (unsigned i = 0; i < STAGE_LEAVES; i++) {
		hidden_frame[i] = sframe(CAIRN_FRAME_KERNEL);
		mcall(0, CT, CAIRN_OP_CAPTBL_ACT_CAPTBL, BOOT_SLOT, MEM, hidden_frame[i], 1, 0, 0);
		mcall(0, CT, CAIRN_OP_CAPTBL_CONS, STAGE_POS + i, BOOT_SLOT, 0, 0, 0, 0);
		hidden_leaf[i] = (STAGE_POS + i) * LEAF_SLOTS;
		mcall(0, CT, CAIRN_OP_CAPTBL_COPY, hidden_leaf[i], CT, BOOT_SLOT, 0, 0, 0);
		mcall(0, CT, CAIRN_OP_CAPTBL_REMOVE, BOOT_SLOT, 0, 0, 0, 0, 0);
	}
}

static void hidden_destroy(void)
{
	for (unsigned i = STAGE_LEAVES; i-- > 0;) {
		mcall(0, CT, CAIRN_OP_CAPTBL_COPY, BOOT_SLOT, CT, hidden_leaf[i], 0, 0, 0);
		mcall(0, CT, CAIRN_OP_CAPTBL_REMOVE, hidden_leaf[i], 0, 0, 0, 0, 0);
		mcall(0, CT, CAIRN_OP_CAPTBL_DECONS, STAGE_POS + i, 0, 0, 0, 0, 0);
		mcall(0, CT, CAIRN_OP_CAPTBL_DEACT, BOOT_SLOT, 0, 0, 0, 0, 0);
		sframe_put(hidden_frame[i]);
	}
}

static uint64_t ind_frame[2];

int stage_build(void)
{
	if (R->mem_end < STAGE_MEM_END + PAGE || !image_scan())
		return 0;
	hidden_build();
	window_build();
	for (unsigned i = 0; i < NSPACES; i++)
		space_build(i);
	gates_build();
	for (unsigned k = 0; k < NWORK; k++)
		worker_table(k);
	ind_a = hobject(CAIRN_OP_CAPTBL_ACT_INDIR, &ind_frame[0], 0, 0, 0);
	ind_p = hobject(CAIRN_OP_CAPTBL_ACT_INDIR, &ind_frame[1], 0, 0, 0);
	ind_arm(0);
	ind_arm(1);
	for (unsigned k = 0; k < NCREW; k++)
		thread_build(k);
	return stage_fails == 0;
}

/*
 * Everything back: threads, keepers, indirections (rescinded: one with a target is
 * busy), every table emptied, gates, components, spaces, the window, the hidden
 * leaves; every frame untyped again. Workers must be idle.
 */
void stage_teardown(void)
{
	for (unsigned k = 0; k < NCREW; k++)
		if (st[k].alive)
			thread_destroy(k);
	mcall(0, sp[SP_F].comp, CAIRN_OP_COMP_KEEPER, 0, 0, 0, 0, 0, 0);
	mcall(0, sp[SP_F3].comp, CAIRN_OP_COMP_KEEPER, 0, 0, 0, 0, 0, 0);
	for (int which = 0; which < 2; which++) {
		if (W.fwd_live[which])
			mcall(CAIRN_EBUSY, CT, CAIRN_OP_CAPTBL_DEACT, *ind_of(which), 0, 0, 0, 0, 0);
		if (W.fwd_live[which])
			ind_rescind(which);
	}
	for (unsigned i = 0; i < NSPACES; i++)
		for (unsigned slot = 1; slot < 32; slot++)
			if (slot != S_CT && slot != S_PT && slot != S_COMP && slot != S_LEAF)
				own_clear(i, slot);
	hdestroy(ind_a, ind_frame[0]);
	hdestroy(ind_p, ind_frame[1]);
	for (unsigned i = 0; i < NSPACES; i++) {
		if (g_hidden[i]) {
			mcall(0, CT, CAIRN_OP_CAPTBL_DEACT, g_hidden[i], 0, 0, 0, 0, 0);
			hslot_put(g_hidden[i]);
			g_hidden[i] = 0;
		}
	}
	mcall(0, CT, CAIRN_OP_CAPTBL_DEACT, g_conf, 0, 0, 0, 0, 0);
	for (unsigned i = 0; i < 2; i++)
		mcall(0, CT, CAIRN_OP_CAPTBL_DEACT, g_keeper[i], 0, 0, 0, 0, 0);
	for (unsigned i = 0; i < NSPACES; i++)
		space_destroy(i);
	window_destroy();
	hidden_destroy();
}
