/*
 * main.c: the hostile test program's run: setup (a pool of frames, a few objects, an
 * island), the random phase with its episodes and checks, the teardown, and the TEST
 * lines. hostile.h says what is tested, what is never sent, and how to reproduce a run.
 */
#include "stage.h"

const struct cairn_root *R;
static uint64_t nrandom;

/* ---- the run's settings ---- */

uint64_t hostile_seed = HOSTILE_SEED, hostile_calls = HOSTILE_CALLS;
unsigned hostile_cores = 1;
static int stage_wanted = 1;

/* A number: decimal, or hexadecimal after 0x; *p moves past it. */
static uint64_t parse_number(const char **p, const char *end)
{
	unsigned base = 10;
	uint64_t v = 0;

	if (end - *p > 2 && (*p)[0] == '0' && ((*p)[1] == 'x' || (*p)[1] == 'X'))
		base = 16, *p += 2;
	for (; *p < end; (*p)++) {
		char ch = **p;
		unsigned d = ch >= '0' && ch <= '9' ? (unsigned)(ch - '0') : ch >= 'a' && ch <= 'f' ?
			     (unsigned)(ch - 'a' + 10) : ch >= 'A' && ch <= 'F' ? (unsigned)(ch - 'A' + 10) : 99;
		if (d >= base)
			break;
		v = v * base + d;
	}
	return v;
}

/*
 * The settings module: a boot module whose name ends in .args (loaded with "image", so the
 * kernel starts no program from it; the first module sees every module mapped), whose
 * text is "key=value" words: seed=<n> calls=<n> stage=0|1 scenes=<mask> (the stage's scenes
 * to play, bit i: scene i of stage_scenes.c, to narrow down a failure), and comments from
 * '#' to the end of a line. Absent: the defaults (every scene).
 */
static void read_args(void)
{
	for (unsigned i = 0; i < R->nmodules && i < CAIRN_ROOT_MODULES; i++) {
		const struct cairn_module *m = &R->module[i];
		size_t n = strlen(m->name);
		if (n < 5 || strcmp(m->name + n - 5, ".args") != 0)
			continue;
		const char *p = (const char *)m->va, *end = p + (m->size < 4096 ? m->size : 4096);
		while (p < end) {
			if (*p == '#')		/* a comment, to the end of its line */
				while (p < end && *p != '\n')
					p++;
			else if (end - p > 5 && !memcmp(p, "seed=", 5))
				p += 5, hostile_seed = parse_number(&p, end);
			else if (end - p > 6 && !memcmp(p, "calls=", 6))
				p += 6, hostile_calls = parse_number(&p, end);
			else if (end - p > 6 && !memcmp(p, "stage=", 6))
				p += 6, stage_wanted = parse_number(&p, end) != 0;
			else if (end - p > 7 && !memcmp(p, "scenes=", 7))
				p += 7, stage_scene_mask = parse_number(&p, end);
			else
				p++;
		}
	}
	if (!hostile_seed)
		hostile_seed = HOSTILE_SEED;
}

/* ---- setup ---- */

static long start_count[3];

static long count_frames(char src, unsigned type)
{
	return call(src, MEM, CAIRN_OP_MEM_COUNT, type, 0, 0, 0, 0, 0);
}

static int fill_pool(void)
{
	unsigned nk = 0, nu = 0;

	for (uint64_t pa = POOL_START; pa < R->mem_end && (nk < POOL_KERNEL || nu < POOL_USER); pa += PAGE) {
		unsigned type = nk < POOL_KERNEL ? CAIRN_FRAME_KERNEL : CAIRN_FRAME_USER;
		if (call('s', MEM, CAIRN_OP_MEM_RETYPE, pa, type, 0, 0, 0, 0) == 0)
			type == CAIRN_FRAME_KERNEL ? nk++ : nu++;
	}
	return nk == POOL_KERNEL && nu == POOL_USER;
}

/*
 * An island: a root whose only capability is copied into its own leaf, then removed
 * from our table. If the kernel allows it (it does today), nothing can reach the root
 * again; the teardown must then account for exactly it and what it holds.
 */
uint64_t island;	/* the planted root's frame */

static void plant_island(void)
{
	island = free_kframe(0);
	long r = call('s', CT, CAIRN_OP_CAPTBL_ACT_CAPTBL, FREE + 6, MEM, island, 0, 0, 0);
	r |= call('s', CT, CAIRN_OP_CAPTBL_ACT_CAPTBL, FREE + 7, MEM, free_kframe(0), 1, 0, 0);
	r |= call('s', FREE + 6, CAIRN_OP_CAPTBL_CONS, 0, FREE + 7, 0, 0, 0, 0);
	if (r == 0 && call('s', FREE + 6, CAIRN_OP_CAPTBL_COPY, 1, CT, FREE + 6, 0, 0, 0) == 0)
		call('s', CT, CAIRN_OP_CAPTBL_REMOVE, FREE + 6, 0, 0, 0, 0, 0);
}

static int setup(void)
{
	for (unsigned t = 0; t < 3; t++)
		start_count[t] = count_frames('s', t);
	own_code_lookup = cairn_pgtbl_lookup(PT, (cairn_word)_start);
	long r = !fill_pool();
	for (unsigned o = O_FIRST, n = 0; o < nobj && n < 2; o++)	/* the episodes' two frames */
		if (ob[o].type == CAIRN_FRAME_KERNEL)
			ob[o].reserved = 1, n++;
	/*
	 * From the first free slot: a leaf at position 1 (slots 128..255), our endpoint, a
	 * gate, a scratch page. Slot 8 (CAIRN_SLOT_IOPORT) stays empty: none was granted.
	 */
	r |= call('s', CT, CAIRN_OP_CAPTBL_ACT_CAPTBL, FREE, MEM, free_kframe(0), 1, 0, 0);
	r |= call('s', CT, CAIRN_OP_CAPTBL_CONS, 1, FREE, 0, 0, 0, 0);
	r |= call('s', CT, CAIRN_OP_CAPTBL_ACT_RCV, FREE + 1, ME, 0, 0, 0, 0);
	r |= make_gate('s', (const unsigned[]){ FREE + 2, FREE + 3 }, (uint64_t)echo_entry, 0, 0);
	uint64_t e0 = echo_calls;
	long x = call('s', FREE + 3, CAIRN_OP_SINV_CALL, 0, 0x1111, 0x2222, 0, 0, 0);
	r |= call('s', CT, CAIRN_OP_CAPTBL_ACT_PGTBL, FREE + 4, MEM, free_kframe(0), 2, 0, 0);
	r |= call('s', PT, CAIRN_OP_PGTBL_CONS, SCRATCH_LO, FREE + 4, 0, 0, 0, 0);
	r |= call('s', CT, CAIRN_OP_CAPTBL_ACT_PGTBL, FREE + 5, MEM, free_kframe(0), 1, 0, 0);
	r |= call('s', PT, CAIRN_OP_PGTBL_CONS, SCRATCH_LO, FREE + 5, 0, 0, 0, 0);
	r |= call('s', PT, CAIRN_OP_PGTBL_MAP, SCRATCH_LO, MEM, pick_frame(CAIRN_FRAME_USER, 0), CAIRN_MAP_WRITE, 0, 0);
	if (r == 0) {
		*(volatile uint64_t *)SCRATCH_LO = 0x5eed;
		r = *(volatile uint64_t *)SCRATCH_LO != 0x5eed;
		exec_always = (uint64_t)cairn_pgtbl_lookup(PT, SCRATCH_LO) & CAIRN_MAP_EXEC;
	}
	plant_island();
	if (r || x != 0x1111 || echo_calls != e0 + 1 || !main_tid || own_code_lookup < 0 || nfail) {
		cairn_printf("hostile: setup failed (%ld, echo %ld, lookup %ld)\n", r, x, own_code_lookup);
		return 0;
	}
	return 1;
}

/* ---- main ---- */

static void summary(void)
{
	static const char *names[20] = { "ok", "EIO", "EBADF", "ENOMEM", "EACCES", "EFAULT", "EINVAL", "ERANGE",
					 "ENOBUFS", "ENOTSUP", "EAGAIN", "ENOSYS", "EBUSY", "ENOENT", "EDEPTH",
					 "ESTALE", "EXDEV", "EOVERFLOW", "ETIME", "other" };

	cairn_printf("hostile: %lu calls (random %lu, well-formed %lu, in episodes %lu, setup %lu, teardown %lu), "
		     "%lu probes, %u episodes (%u returns on a helper's behalf), %lu keeper calls:", ncalls, nsrc[0],
		     nsrc[1], nsrc[2], nsrc[3], nsrc[4], nprobes, episodes, return_runs, keeper_calls);
	for (unsigned i = 0; i < 20; i++)
		cairn_printf(" %s %lu", names[i], nret[i]);
	cairn_printf("\n");
	cairn_printf("hostile: tcaps: %lu made (the deepest %u below the root), %lu delegations, %lu binds, "
		     "%lu dispatches succeeded; the root tcap is %s; a spinner ran out of time %u times (%u "
		     "dispatched again)\n", ntcap[0], tcap_deepest, ntcap[1], ntcap[2], ntcap[3],
		     root_tc == O_T0 ? "our thread's" : "the test runner's", spin_runs, spin_retries);
	cairn_printf("hostile: local thread capabilities: %lu made; used %lu times: %lu succeeded (plain dispatches of "
		     "our own thread), %lu EBUSY (another component), %lu refused otherwise\n", nlocal[0],
		     nlocal[1] + nlocal[2] + nlocal[3], nlocal[1], nlocal[2], nlocal[3]);
}

static void random_phase(void)
{
	while (nrandom < hostile_calls && !stop_random) {
		struct call c = { 0 };
		if (chance(50)) {
			c.src = 'r';
			random_call(&c);
		} else {
			c.src = 'w';
			well_formed(&c);
		}
		if (!safe(&c))
			continue;
		run(&c);
		nrandom++;
		if (nrandom % EPISODE_EVERY == 0) {
			episode();
			stage_tick();
		}
		if (nrandom % VALIDATE_EVERY == 0)
			validate(nrandom % (8 * VALIDATE_EVERY) == 0);
		if (nrandom % HOSTILE_KCHECK_EVERY == 0)
			call('e', CAIRN_CAP_NULL, CAIRN_OP_KCHECK, 0, 0, 0, 0, 0, 0);
		if (nrandom % PROGRESS_EVERY == 0)
			cairn_printf("\nhostile: %lu calls, %u objects modelled, %u mappings\n", nrandom, nobj, nmaps);
	}
}

int main(const void *root)
{
	R = root;
	if (R->magic != CAIRN_ROOT_MAGIC || R->mem_end == 0) {
		cairn_check("hostile.1", "random_calls", 0, "run this as the first boot module");
		return 1;
	}
	read_args();
	rnd_seed(hostile_seed);
	hostile_cores = (unsigned)R->cores;
	cairn_printf("hostile: seed 0x%lx calls %lu\n", (unsigned long)hostile_seed, (unsigned long)hostile_calls);
	cairn_printf("hostile: %u cores, stage %s\n", hostile_cores, stage_wanted ? "on" : "off");
	uint64_t t0 = cairn_cycles();
	model_init();
	if (!setup()) {
		cairn_check("hostile.1", "random_calls", 0, "setup failed (see above)");
		return 1;
	}
	if (stage_wanted)
		stage_setup();
	random_phase();
	stage_finish();
	if (!stop_random)
		validate(1);
	uint64_t random_fails = nfail, first_fail = fail_at;
	const char *first_what = fail_what;
	long k1 = cairn_kcheck();

	teardown();
	explain_kept();
	long expect[3], now[3];
	for (unsigned t = 0; t < 3; t++) {
		expect[t] = start_count[t];
		for (unsigned o = O_FIRST; o < nobj; o++)
			expect[t] += (ob[o].type == t) - (ob[o].orig == t);
		now[t] = count_frames('t', t);
	}
	long k2 = cairn_kcheck();
	summary();
	stage_summary();
	uint64_t ms = (cairn_cycles() - t0) / (R->tsc_hz / 1000 ? R->tsc_hz / 1000 : 1);
	cairn_printf("hostile: seed 0x%lx cores %u: %lu calls in all (random traffic %lu, stage %lu) in %lu ms, "
		     "kcheck %ld after the calls, %ld after the teardown\n", (unsigned long)hostile_seed, hostile_cores,
		     ncalls + stage_calls(), ncalls, stage_calls(), ms, k1, k2);

	cairn_check("hostile.1", "random_calls", random_fails == 0 && nrandom == hostile_calls && !stray_runs,
		    "%lu failures, the first at call #%lu: %s (seed 0x%lx); %lu of %lu calls made; "
		    "%lu runs of threads never dispatched", random_fails, first_fail, first_what ? first_what : "-",
		    (unsigned long)hostile_seed, nrandom, (unsigned long)hostile_calls, stray_runs);
	cairn_check("hostile.2", "invariant_after", k1 == 0 && kcheck_bad_at == ~0UL,
		    "kcheck found %ld problems (the first failing kcheck: call #%lu)", k1, kcheck_bad_at);
	int same = now[0] == expect[0] && now[1] == expect[1] && now[2] == expect[2];
	cairn_check("hostile.3", "memory_returned", same && !surprises && nfail == random_fails,
		    "untyped %ld kernel %ld user %ld, want %ld %ld %ld (start %ld %ld %ld less %u frames kept, "
		    "%u unreachable); %u frames not as reachability implies; %lu failed calls in teardown",
		    now[0], now[1], now[2], expect[0], expect[1], expect[2], start_count[0], start_count[1],
		    start_count[2], kept, kept_unreachable, surprises, nfail - random_fails);
	cairn_check("hostile.4", "invariant_after_teardown", k2 == 0, "kcheck found %ld problems", k2);
	cairn_check("hostile.5", "dispatch_and_gates",
		    episode_fail_at == ~0UL && episodes == hostile_calls / EPISODE_EVERY &&
		    return_runs == (episodes + 2) / 3,
		    "%u of %lu episodes (%u returns), failed near call #%lu: %s", episodes,
		    (unsigned long)(hostile_calls / EPISODE_EVERY), return_runs, episode_fail_at,
		    episode_what ? episode_what : "-");
	if (stage_wanted)
		stage_checks();
	return 0;
}
