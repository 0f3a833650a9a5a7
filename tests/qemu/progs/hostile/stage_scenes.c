/*
 * stage_scenes.c: main's side of the stage (stage.h): each tick of the random phase
 * hands the workers their jobs (one core: each runs its job to the end at once; two
 * cores: they run on core 1 while main goes on) and plays one scene, in turn:
 *
 *   calls            V calls A, A confined, B nested to a random depth, F (its keeper
 *                    resumes it) and F nesting keepers
 *   restart_inside   V parked inside P; P restarts; V's call returns ESTALE, V renews
 *                    (EAGAIN while P is down) and calls again; the forwarder too
 *   restart_middle   V -> B -> .. -> B -> P, parked; B restarts; P's return into B
 *                    unwinds to V with ESTALE
 *   rescind_inside   V parked in P through indP's forwarder; rescinded: V comes back
 *                    with P's result, then ENOENT; a busy indirection; re-armed
 *   keeper_stop      F's keeper stops V; main restarts it (THREAD_RESTART)
 *   restart_a        A restarts (or comes up again) while the workers call it
 *   rescind_a        indA rescinded (or re-armed) while the workers use it
 *   thread_restart   a worker's thread restarted, then started by its next job
 *   reuse_frame      the thread an idle core last ran (idle inside its DEBUG_STOP, or
 *                    its wait) destroyed, its frame made a leaf full of MEMORY
 *                    capabilities; the core woken; the capabilities must be intact
 *                    (issue 19 finding 1)
 *   tls_core         TLS and core changes to the idle core's thread; its registers and
 *                    TLS base after its wait (finding 3)
 *   back_to_back     two sends back to back, to two threads of one idle core: both
 *                    run (finding 4)
 *   destroy_space    a worker's whole component and address space destroyed while its
 *                    core idles in it; the old root's frame filled with junk; the core
 *                    woken (finding 2: today a triple fault, so it comes last); all rebuilt
 */
#include "stage.h"

#define JOB_CALLS 256
#define WAIT_S    20		/* seconds a worker may take to finish a job (two cores) */

enum { SC_CALLS, SC_RESTART_INSIDE, SC_RESTART_MIDDLE, SC_RESCIND_INSIDE, SC_KEEPER_STOP, SC_RESTART_A,
       SC_RESCIND_A, SC_THREAD_RESTART, SC_REUSE_FRAME, SC_TLS_CORE, SC_BACK_TO_BACK, SC_DESTROY_SPACE,
       NSCENES };
static const char *scene_name[NSCENES] = { "calls", "restart_inside", "restart_middle", "rescind_inside",
					   "keeper_stop", "restart_a", "rescind_a", "thread_restart",
					   "reuse_frame", "tls_core", "back_to_back", "destroy_space" };
static unsigned scene_runs[NSCENES];
static uint64_t ticks, nudges, stage_kchecks, stage_kcheck_bad;
static long final_kcheck = -1, final_untyped = -1;
static uint64_t srng;
uint64_t stage_scene_mask = ~0UL;
static uint64_t tls_cell[NWORK][2];	/* a worker's TLS base: one, then the other (scene_tls_core) */

static uint64_t srnd(void)
{
	srng ^= srng >> 12;
	srng ^= srng << 25;
	srng ^= srng >> 27;
	return srng * 0x2545f4914f6cdd1dULL;
}

static uint64_t sbelow(uint64_t n)
{
	return n ? srnd() % n : 0;
}

/* ---- kernel contracts that other changes decide (issue 19) ---- */

/*
 * COMP_RESTART's result: the next generation. A helper adds CAIRN_EOVERFLOW for a
 * restart past the generation limit (finding 10); the stage restarts a few hundred
 * times, far below any limit, so the next generation it stays.
 */
static long restart_next_gen(unsigned s)
{
	return (long)W.cgen[s] + 1;
}

/*
 * Finding 4: two sends back to back, each to a different runnable thread of one idle
 * core, must both get their thread to run (today one pending kick per core loses the
 * first). The scene expects both to run without another send.
 */
static int sends_all_start(void)
{
	return 1;
}

static void kcheck(const char *after)
{
	long k = mcall_any(CAIRN_CAP_NULL, CAIRN_OP_KCHECK, 0, 0, 0, 0, 0, 0);

	stage_kchecks++;
	if (k) {
		stage_kcheck_bad++;
		stage_fail(NCREW, after, k, 0);
	}
}

/* ---- the workers' jobs ---- */

static int sync_run(unsigned k)
{
	return stage_cores == 1 || st[k].core == 0;
}

static int idle(unsigned k)
{
	return __atomic_load_n(&crew[k].done, __ATOMIC_ACQUIRE) == crew[k].job;
}

/* A new job for worker k: on core 0 it runs to its end before this returns. */
static void give_job(unsigned k)
{
	struct crew *c = &crew[k];

	c->seed = (hostile_seed ^ (k + 1) * 0x9e3779b97f4a7c15ULL) * (c->job + 1) + c->job;
	c->ncalls = JOB_CALLS;
	__atomic_store_n(&c->job, c->job + 1, __ATOMIC_RELEASE);
	mcall(0, st[k].snd, CAIRN_OP_ASND_SEND, sync_run(k) ? CAIRN_SEND_YIELD : 0, 0, 0, 0, 0, 0);
	if (sync_run(k) && !idle(k)) {
		stage_fail(NCREW, "a worker run on core 0 did not finish its job", (long)c->done, (long)c->job);
		c->done = c->job;	/* go on without it: restart it */
		mcall(0, st[k].thr, CAIRN_OP_THREAD_RESTART, k, 0, 0, 0, 0, 0);
	}
}

/*
 * Waits until worker k is idle. A worker of core 1 without a scheduler that another
 * thread preempted there (a kick for a peer) waits for a send to run again: one
 * without progress for a while is sent to (a nudge).
 */
static int wait_idle(unsigned k)
{
	uint64_t end = cairn_cycles() + WAIT_S * R->tsc_hz, last = crew[k].progress;
	uint64_t next = cairn_cycles() + R->tsc_hz / 50;

	while (!idle(k)) {
		if (cairn_cycles() > end) {
			stage_fail(NCREW, "a worker did not finish its job in time", (long)crew[k].started,
				   (long)crew[k].job);
			return 0;
		}
		if (cairn_cycles() > next) {
			if (crew[k].progress == last) {
				mcall(0, st[k].snd, CAIRN_OP_ASND_SEND, 0, 0, 0, 0, 0, 0);
				nudges++;
			}
			last = crew[k].progress;
			next = cairn_cycles() + R->tsc_hz / 50;
		}
		__asm__ volatile("pause");
	}
	return 1;
}

static int quiesce(void)
{
	int ok = 1;

	for (unsigned k = 0; k < NWORK; k++)
		if (st[k].alive)
			ok &= wait_idle(k);
	return ok;
}

/* One tick's jobs: every idle worker gets one; a stalled one a nudge. */
static uint64_t last_progress[NWORK];

static void feed(void)
{
	for (unsigned k = 0; k < NWORK; k++) {
		if (!st[k].alive)
			continue;
		if (idle(k))
			give_job(k);
		else if (crew[k].progress == last_progress[k]) {
			mcall(0, st[k].snd, CAIRN_OP_ASND_SEND, 0, 0, 0, 0, 0, 0);
			nudges++;
		}
		last_progress[k] = crew[k].progress;
	}
}

/*
 * Worker k alone runs a job, to its end: then (two cores) core 1 idles in its wait, or
 * in its DEBUG_STOP if stop (set only now: a worker reads it at the end of any job).
 */
static int solo(unsigned k, int stop)
{
	if (!quiesce())
		return 0;
	crew[k].stop = stop;
	give_job(k);
	int ok = wait_idle(k);
	crew[k].stop = 0;
	return ok;
}

/* An alive worker other than k on the same core, or NWORK. */
static unsigned other(unsigned k)
{
	for (unsigned i = 1; i < NWORK; i++) {
		unsigned j = (k + i) % NWORK;
		if (st[j].alive && st[j].core == st[k].core)
			return j;
	}
	return NWORK;
}

/* ---- V: one command, run until V comes back to main ---- */

static struct cairn_ret2 v_cmd(unsigned op, unsigned slot, uint64_t b, uint64_t c, uint64_t d, int *acked)
{
	struct crew *v = &crew[V_IDX];

	v->cmd_op = op;
	v->cmd_slot = slot;
	v->cmd_a[0] = V_IDX;
	v->cmd_a[1] = b;
	v->cmd_a[2] = c;
	v->cmd_a[3] = d;
	v->cmd_seq++;
	mcall(0, st[V_IDX].thr, CAIRN_OP_THREAD_DISPATCH, 0, 0, 0, 0, 0, 0);
	*acked = v->ack_seq == v->cmd_seq;
	return v->res;
}

/* V goes on with what it was doing (parked): dispatched again. */
static struct cairn_ret2 v_resume(int *acked)
{
	mcall(0, st[V_IDX].thr, CAIRN_OP_THREAD_DISPATCH, 0, 0, 0, 0, 0, 0);
	*acked = crew[V_IDX].ack_seq == crew[V_IDX].cmd_seq;
	return crew[V_IDX].res;
}

static void v_check(const char *what, int acked, struct cairn_ret2 r, long want, uint64_t want1)
{
	if (!acked)
		stage_fail(NCREW, what, -1000, want);
	else if (r.r0 != want || r.r1 != want1)
		stage_fail(NCREW, what, r.r0 != want ? r.r0 : (long)r.r1, r.r0 != want ? want : (long)want1);
}

/* V renews its copy at slot (into target; fwd >= 0: its forwarder of that indirection). */
static void v_renew(unsigned slot, unsigned target, int fwd)
{
	int acked;
	long want = fwd >= 0 && !W.fwd_live[fwd] ? CAIRN_ENOENT : predict_renew(target);
	struct cairn_ret2 r = v_cmd(1, slot, 0, 0, 0, &acked);

	v_check("V's renewal of a gate", acked, r, want, 0);
	if (acked && r.r0 >= 0) {
		if (fwd >= 0)
			W.fwd_gen[fwd] = (uint32_t)r.r0;
		else
			W.ggen[SP_V][slot] = (uint32_t)r.r0;
	}
}

/* V calls A (or P without parking) through slot; a stale copy is renewed. */
static void v_call(unsigned slot, unsigned target, int fwd)
{
	uint64_t x = srnd() >> 8, r1;
	long want = predict_a(SP_V, slot, target, x, &r1, fwd);
	int acked;
	struct cairn_ret2 r = v_cmd(0, slot, x, 0, 0, &acked);

	v_check(target == SP_P ? "V's call to P" : "V's call to A", acked, r, want, r1);
	if (acked && r.r0 == CAIRN_ESTALE)
		v_renew(slot, target, fwd);
}

/*
 * V calls B (n levels, mode: B's bottom, stage_serve.c). With other cores, B's own
 * copies may be renewed by a worker meanwhile: ESTALE, or the result, either.
 */
static struct cairn_ret2 v_call_b(unsigned n, uint64_t x, unsigned mode, long *want_out, int *acked)
{
	uint64_t r1, ok1;
	long want = predict_b(SP_V, n, x, mode != 0, &r1, 0), ok = predict_b(SP_V, n, x, mode != 0, &ok1, 1);
	struct cairn_ret2 r = v_cmd(0, S_GB, n, x, mode, acked);

	*want_out = want;
	if (!*acked)
		return r;	/* parked */
	int other = W.live && ((r.r0 == ok && r.r1 == ok1) || (r.r0 == CAIRN_ESTALE && (r.r1 == n || !r.r1)));
	if (!other)	/* else a worker renewed (or met stale) B's copies first */
		v_check("V's nested call through B", *acked, r, want, r1);
	if (r.r0 == CAIRN_ESTALE && r.r1 == n)
		v_renew(S_GB, SP_B, -1);
	return r;
}

/* ---- the scenes ---- */

static void scene_calls(void)
{
	long want;
	int acked;
	uint64_t x = srnd() >> 8;

	v_call(S_GA, SP_A, -1);
	v_call(S_GAC, SP_A, -1);
	v_call_b((unsigned)sbelow(18), x, 0, &want, &acked);
	struct cairn_ret2 r = v_cmd(0, S_GF, F_RESUME, x, 0, &acked);
	v_check("V's fault that its keeper resumes", acked, r, (long)((x ^ F_MAGIC) + 1), TAG(V_IDX));
	r = v_cmd(0, S_GF, F_NEST, x, 0, &acked);
	v_check("V's fault whose keeper nests", acked, r, (long)((x ^ F_MAGIC) + 2), NEST_TAG | V_IDX);
}

/* The server restarts (exact generation) and is down until ready(). */
static void restart(unsigned s)
{
	long g = mcall(restart_next_gen(s), sp[s].comp, CAIRN_OP_COMP_RESTART, 0, 0, 0, 0, 0, 0);

	if (g >= 0)
		W.cgen[s] = (uint32_t)g;
	W.cdown[s] = 1;
}

static void ready(unsigned s)
{
	mcall((long)W.cgen[s], sp[s].comp, CAIRN_OP_COMP_READY, 0, 0, 0, 0, 0, 0);
	W.cdown[s] = 0;
}

/* V parked inside P (called through slot); returns 1 if it is. */
static int v_park(unsigned slot, int fwd)
{
	int acked;

	if ((fwd >= 0 ? W.fwd_gen[fwd] : W.ggen[SP_V][slot]) != W.cgen[SP_P])
		v_renew(slot, SP_P, fwd);
	v_cmd(0, slot, srnd() >> 8, 1, 0, &acked);
	if (acked || !crew[V_IDX].parked) {
		stage_fail(NCREW, "V did not park inside P", acked, 0);
		return 0;
	}
	return 1;
}

static void scene_restart_inside(void)
{
	int acked;

	if (!v_park(S_GP, -1))
		return;
	restart(SP_P);
	struct cairn_ret2 r = v_resume(&acked);
	crew[V_IDX].parked = 0;
	v_check("V's call into P, restarted while V was inside", acked, r, CAIRN_ESTALE, 0);
	v_renew(S_GP, SP_P, -1);	/* down: EAGAIN */
	ready(SP_P);
	v_renew(S_GP, SP_P, -1);
	v_call(S_GP, SP_P, -1);
	v_call(S_FWD, SP_P, 1);		/* its target is stale too: ESTALE, renewed */
	v_call(S_FWD, SP_P, 1);
}

static void scene_restart_middle(void)
{
	long want;
	int acked, parked = 0;
	unsigned n = 1 + (unsigned)sbelow(3);

	if (W.ggen[SP_V][S_GB] != W.cgen[SP_B])
		v_renew(S_GB, SP_B, -1);
	for (int tries = 0; tries < 4 && !parked; tries++) {
		v_call_b(n, srnd() >> 8, 1, &want, &acked);
		parked = !acked && crew[V_IDX].parked;
	}
	if (!parked)
		return stage_fail(NCREW, "V did not park under B", acked, 0);
	restart(SP_B);
	struct cairn_ret2 r = v_resume(&acked);
	crew[V_IDX].parked = 0;
	v_check("a return into B, restarted while V was below it", acked, r, CAIRN_ESTALE, 0);
	ready(SP_B);
	for (int tries = 0; tries < 4; tries++) {
		r = v_call_b(n, srnd() >> 8, 2, &want, &acked);	/* down to P, which is up */
		if (r.r0 >= 0)
			return;
	}
	stage_fail(NCREW, "B did not come back after its restart", r.r0, want);
}

static void scene_rescind_inside(void)
{
	int acked;

	if (!W.fwd_live[1])
		ind_arm(1);
	mcall(CAIRN_EBUSY, CT, CAIRN_OP_CAPTBL_DEACT, ind_p, 0, 0, 0, 0, 0);	/* it has a target */
	if (!v_park(S_FWD, 1))
		return;
	ind_rescind(1);
	mcall(CAIRN_EBUSY, CT, CAIRN_OP_CAPTBL_DEACT, ind_p, 0, 0, 0, 0, 0);	/* V's forwarder names it */
	uint64_t x = crew[V_IDX].cmd_a[1];
	struct cairn_ret2 r = v_resume(&acked);
	v_check("V's call through a forwarder rescinded while V was inside", acked, r, (long)(x + 3),
		SPACE_ID(SP_P));
	v_call(S_FWD, SP_P, 1);		/* ENOENT */
	v_renew(S_FWD, SP_P, 1);	/* ENOENT */
	ind_arm(1);
	v_call(S_FWD, SP_P, 1);
}

static void scene_keeper_stop(void)
{
	int acked;
	struct crew *v = &crew[V_IDX];

	v_cmd(0, S_GF, F_STOP, srnd() >> 8, 0, &acked);
	if (acked)
		stage_fail(NCREW, "F's keeper did not stop V", v->res.r0, 0);
	mcall(CAIRN_EINVAL, st[V_IDX].thr, CAIRN_OP_THREAD_DISPATCH, 0, 0, 0, 0, 0, 0);	/* stopped */
	v->ack_seq = v->cmd_seq;
	mcall(0, st[V_IDX].thr, CAIRN_OP_THREAD_RESTART, V_IDX, 0, 0, 0, 0, 0);
	v_call(S_GA, SP_A, -1);
}

static void scene_restart_a(void)
{
	if (W.cdown[SP_A])
		ready(SP_A);
	else
		restart(SP_A);
}

static void scene_rescind_a(void)
{
	if (W.fwd_live[0])
		ind_rescind(0);
	else
		ind_arm(0);
}

static void scene_thread_restart(void)
{
	unsigned k = (unsigned)sbelow(NWORK);

	if (!st[k].alive || !quiesce())
		return;
	crew[k].tls_tag = 0;	/* a restarted thread's TLS base is 0 */
	mcall_busy(st[k].thr, CAIRN_OP_THREAD_RESTART, k, 0);
	give_job(k);
	wait_idle(k);
}

/* Wakes the core k ran on with another worker's job there, and waits for it. */
static void wake_core_of(unsigned k)
{
	unsigned j = other(k);

	if (j < NWORK) {
		give_job(j);
		wait_idle(j);
	}
}

/*
 * The thread its core ran last, idle inside its last call (a wait, or DEBUG_STOP),
 * destroyed; a leaf in its frame, all 128 slots MEMORY capabilities over the trap's
 * range; after the core is woken each must still be exactly that.
 */
static void scene_reuse_frame(void)
{
	unsigned k = (unsigned)sbelow(NWORK), leaf = hslot(), tmp = hslot(), base = TRAP_POS * LEAF_SLOTS;

	if (!st[k].alive || !solo(k, scene_runs[SC_REUSE_FRAME] & 1))	/* DEBUG_STOP first, then a wait */
		goto out;
	uint64_t frame = thread_destroy_keep(k);
	mcall(0, CT, CAIRN_OP_CAPTBL_ACT_CAPTBL, leaf, MEM, frame, 1, 0, 0);
	mcall(0, CT, CAIRN_OP_CAPTBL_CONS, TRAP_POS, leaf, 0, 0, 0, 0);
	for (unsigned i = 0; i < LEAF_SLOTS; i++)
		mcall(0, MEM, CAIRN_OP_MEM_DERIVE, base + i, TRAP_PA, TRAP_PA + TRAP_FRAMES * PAGE, 0, 0, 0);
	wake_core_of(k);
	for (unsigned i = 0; i < LEAF_SLOTS; i++) {
		long d = mcall_any(base + i, CAIRN_OP_MEM_DERIVE, tmp, TRAP_PA - PAGE, TRAP_PA, 0, 0, 0);
		if (d != CAIRN_ERANGE) {
			stage_failf(NCREW, 1, "a MEMORY capability in a reused thread frame changed after its idle "
				    "core woke (issue 19 finding 1)", (long)i, 0);
			if (d == 0)
				mcall(0, CT, CAIRN_OP_CAPTBL_REMOVE, tmp, 0, 0, 0, 0, 0);
		}
		long n = mcall_any(base + i, CAIRN_OP_MEM_COUNT, CAIRN_FRAME_UNTYPED, 0, 0, 0, 0, 0);
		if (n != TRAP_FRAMES)
			stage_failf(NCREW, 1, "the frames a MEMORY capability in a reused thread frame covers "
				    "(issue 19 finding 1)", n, TRAP_FRAMES);
	}
	kcheck("KCHECK after the reused thread frame");
	for (unsigned i = 0; i < LEAF_SLOTS; i++)
		mcall(0, CT, CAIRN_OP_CAPTBL_REMOVE, base + i, 0, 0, 0, 0, 0);
	mcall(0, CT, CAIRN_OP_CAPTBL_DECONS, TRAP_POS, 0, 0, 0, 0, 0);
	mcall(0, CT, CAIRN_OP_CAPTBL_DEACT, leaf, 0, 0, 0, 0, 0);
	sframe_put(frame);
	thread_build(k);
	give_job(k);
out:
	hslot_put(leaf);
	hslot_put(tmp);
}

/* A pool frame (claimed, untyped) made a user page full of junk, or unmapped again. */
static void frame_junk(uint64_t pa, int on)
{
	if (on) {
		mcall(0, MEM, CAIRN_OP_MEM_RETYPE, pa, CAIRN_FRAME_USER, 0, 0, 0, 0);
		window_map(1, pa);
		memset((void *)(STAGE_WIN + PAGE), 0xff, PAGE);
	} else {
		window_unmap(1);
	}
}

static void scene_destroy_space(void)
{
	unsigned k = (unsigned)sbelow(NWORK), s = SP_W0 + k, next = (k + 1) % NWORK;

	if (!st[k].alive || !solo(k, 0))
		return;
	thread_destroy(k);
	uint64_t root = sp[s].fpt;
	space_destroy(s);
	sframe_claim(root);
	frame_junk(root, 1);
	wake_core_of(k);
	frame_junk(root, 0);
	sframe_put(root);
	space_build(s);
	worker_table(k);
	fwd_put(k);
	if (st[next].alive && next != k) {
		own_put(s, S_PEER, st[next].snd);
		W.peer_ok[k] = 1;
	}
	thread_build(k);
	give_job(k);
	kcheck("KCHECK after an address space was destroyed and rebuilt");
}

/* Worker k (idle) placed on core `to`; its next job checks it runs there. */
static void place(unsigned k, unsigned to)
{
	mcall_busy(st[k].thr, CAIRN_OP_THREAD_CORE, to, 0);
	st[k].core = crew[k].core = to;
}

/*
 * A new TLS base for the thread core 1 idles in (inside its wait), then THREAD_CORE:
 * to core 1 again, or (every other time) to core 0 for one job and back. Its next wait
 * returns with every register and the new base (its job checks). A worker does not
 * stay on core 0: a send from core 1 to it would preempt V there in a scene.
 */
static void scene_tls_core(void)
{
	unsigned k = (unsigned)sbelow(NWORK);

	if (!st[k].alive || !solo(k, 0))
		return;
	/*
	 * Idle is not blocked: a worker with a send pending (a nudge) runs its wait's
	 * checks at once, here on core 1, while main sets the new base. So the cell its
	 * base names now is never written: the new value goes into the other cell, and
	 * the tag is 0 (no check) until the base is the new cell's.
	 */
	static unsigned flip[NWORK];
	uint64_t *cell = &tls_cell[k][flip[k]++ & 1];
	__atomic_store_n(&crew[k].tls_tag, 0, __ATOMIC_RELEASE);
	*cell = 0x715000000UL + srnd() % 0x1000000;
	mcall_busy(st[k].thr, CAIRN_OP_THREAD_TLS, (uint64_t)cell, 0);
	__atomic_store_n(&crew[k].tls_tag, *cell, __ATOMIC_RELEASE);
	if (stage_cores > 1)
		place(k, scene_runs[SC_TLS_CORE] & 1 ? 1 : 0);
	give_job(k);
	wait_idle(k);
	if (st[k].core != 1 && stage_cores > 1) {
		place(k, 1);
		give_job(k);
		wait_idle(k);
	}
}

static void scene_back_to_back(void)
{
	unsigned a = (unsigned)sbelow(NWORK), b = other(a);

	if (!st[a].alive || b == NWORK || !quiesce())
		return;
	if (sync_run(a)) {	/* core 0: each runs at its send */
		give_job(a);
		give_job(b);
		return;
	}
	give_job(a);
	give_job(b);
	uint64_t end = cairn_cycles() + 5 * R->tsc_hz;
	int both;
	while (!(both = crew[a].started == crew[a].job && crew[b].started == crew[b].job) &&
	       cairn_cycles() < end)
		__asm__ volatile("pause");
	if (both != sends_all_start())
		stage_failf(NCREW, 4, "of two sends back to back to one idle core, one thread never ran "
			    "(issue 19 finding 4)", crew[a].started == crew[a].job, crew[b].started == crew[b].job);
	wait_idle(a);
	wait_idle(b);
}

static void (*const scenes[NSCENES])(void) = {
	scene_calls, scene_restart_inside, scene_restart_middle, scene_rescind_inside, scene_keeper_stop,
	scene_restart_a, scene_rescind_a, scene_thread_restart, scene_reuse_frame, scene_tls_core,
	scene_back_to_back, scene_destroy_space,
};

/* ---- main's entry points ---- */

void stage_setup(void)
{
	stage_cores = R->cores > 1 ? 2 : 1;
	W.live = stage_cores > 1;
	srng = hostile_seed ^ 0x57a6e5eed0000001ULL;
	stage_on = stage_build();
	if (!stage_on)
		cairn_printf("hostile: the stage could not be built (%lu failures)\n", stage_fails);
}

void stage_tick(void)
{
	if (!stage_on || main_fails > 16)
		return;		/* main's own calls went wrong: the world may not be what it thinks */
	unsigned s = (unsigned)(ticks++ % NSCENES);
	feed();
	if (!(stage_scene_mask >> s & 1))
		return;
#ifdef STAGE_DEBUG
	static uint64_t t_prev;
	uint64_t t_now = cairn_cycles();
	cairn_printf("\nstage: tick %lu scene %s (%lu ms since the last, nudges %lu)\n", ticks, scene_name[s],
		     t_prev ? (t_now - t_prev) / (R->tsc_hz / 1000) : 0, nudges);
	t_prev = t_now;
#endif
	scene_runs[s]++;
	scenes[s]();
}

void stage_finish(void)
{
	if (!stage_on)
		return;
	quiesce();
	if (W.cdown[SP_A])
		ready(SP_A);
	stage_teardown();
	mcall(0, MEM, CAIRN_OP_MEM_DERIVE, BOOT_SLOT, STAGE_PA, STAGE_MEM_END, 0, 0, 0);
	final_untyped = mcall_any(BOOT_SLOT, CAIRN_OP_MEM_COUNT, CAIRN_FRAME_UNTYPED, 0, 0, 0, 0, 0);
	mcall(0, CT, CAIRN_OP_CAPTBL_REMOVE, BOOT_SLOT, 0, 0, 0, 0, 0);
	final_kcheck = mcall_any(CAIRN_CAP_NULL, CAIRN_OP_KCHECK, 0, 0, 0, 0, 0, 0);
}

static uint64_t sum(uint64_t (*f)(const struct crew *))
{
	uint64_t n = 0;

	for (unsigned k = 0; k < NCREW; k++)
		n += f(&crew[k]);
	return n;
}

static uint64_t calls_of(const struct crew *c) { return c->calls; }
static uint64_t gates_of(const struct crew *c) { return c->gate_calls; }
static uint64_t keepers_of(const struct crew *c) { return c->keeper_calls; }
static uint64_t jobs_of(const struct crew *c) { return c->jobs; }
static uint64_t nests_of(const struct crew *c) { return c->nests; }

uint64_t stage_calls(void)
{
	return stage_main_calls + sum(calls_of) + sum(gates_of) + sum(keepers_of);
}

void stage_summary(void)
{
	if (!stage_on)
		return;
	cairn_printf("hostile: stage on %u cores: %lu calls (main %lu, its threads %lu, in gates %lu, in keepers %lu), "
		     "%lu jobs, %lu ticks, %lu nudges, %lu kchecks; scenes:", stage_cores, stage_calls(),
		     stage_main_calls, sum(calls_of), sum(gates_of), sum(keepers_of), sum(jobs_of), ticks, nudges,
		     stage_kchecks);
	for (unsigned s = 0; s < NSCENES; s++)
		cairn_printf(" %s %u", scene_name[s], scene_runs[s]);
	cairn_printf("\n");
	stage_print_fails();
}

/* The scene ran, or was left out on purpose (the args module's scenes=). */
static int played(unsigned s)
{
	return scene_runs[s] || !(stage_scene_mask >> s & 1);
}

void stage_checks(void)
{
	uint64_t all = STAGE_FRAMES + (NWORK + 1) * WBLK_FRAMES + TRAP_FRAMES;
	unsigned missing = 0;

	for (unsigned s = 0; s < NSCENES; s++)
		missing += !played(s) && ticks >= NSCENES;
	cairn_check("hostile.6", "stage_threads_calls", stage_on && !thread_fails && sum(jobs_of) > 0 &&
		    sum(gates_of) > 0 && sum(keepers_of) > 0,
		    "stage %s; %lu failures in the stage's threads, gates and keepers (see above); %lu jobs, %lu "
		    "calls in gates, %lu in keepers", stage_on ? "built" : "not built", thread_fails, sum(jobs_of),
		    sum(gates_of), sum(keepers_of));
	cairn_check("hostile.7", "stage_scenes", stage_on && !main_fails && !missing,
		    "%lu failures in main's scenes (see above), %u scenes never ran in %lu ticks", main_fails,
		    missing, ticks);
	cairn_check("hostile.8", "stage_returned", stage_on && final_kcheck == 0 && final_untyped == (long)all &&
		    !stage_kcheck_bad, "kcheck %ld after the stage was torn down (%lu bad during it), %ld of %lu "
		    "stage frames untyped", final_kcheck, stage_kcheck_bad, final_untyped, all);
	cairn_check("hostile.9", "nested_keepers_keep_records", stage_on && sum(nests_of) > 0 && !finding_fails[6],
		    "%lu nested keeper invocations, %lu of them found the outer fault record changed (issue 19 "
		    "finding 6)", sum(nests_of), finding_fails[6]);
	cairn_check("hostile.10", "idle_core_lifetime", stage_on && played(SC_REUSE_FRAME) && played(SC_TLS_CORE) &&
		    played(SC_BACK_TO_BACK) && played(SC_DESTROY_SPACE) && !finding_fails[1] && !finding_fails[3] &&
		    !finding_fails[4],
		    "on %u cores: reused thread frames changed %lu times (finding 1), registers or TLS lost across "
		    "a wait %lu times (finding 3), threads not run after back-to-back sends %lu times (finding 4)",
		    stage_cores, finding_fails[1], finding_fails[3], finding_fails[4]);
}
