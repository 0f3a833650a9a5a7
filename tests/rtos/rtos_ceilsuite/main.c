/*
 * rtos_ceilsuite: the priority ceiling's refusals, from a process whose ceiling is
 * RCL_SUITE_CEILING (100; tests/rtos/rtos_ceiling starts it so). Each refusal is
 * tried through librtos (the creating calls return 0) and, where the rtos component
 * decides, straight at its gate (EACCES); each is set beside the same call one level
 * less urgent, which succeeds, so that nothing else refused it.
 */
#include <cairn/cairn.h>
#include "../rtos_ceiling/rcl.h"

#define C RCL_SUITE_CEILING

extern const char child_image[], child_image_end[];	/* rtos_ceilchild (image.c) */

static volatile int ran;

static void mark(void)
{
	ran++;
}

static int set_prio(unsigned prio)
{
	sched_param_t p = { SCHEDP_PRIO, (uint16_t)prio };

	return thread_set_params(&p, 1);
}

/* thread_create with one parameter; 1 if a thread was made (it is joined). */
static int made(sched_param_type_t kind, unsigned val)
{
	sched_param_t p = { kind, (uint16_t)val };
	thread_t t = thread_create(mark, &p, 1, 0);

	while (t && thread_get_exit_status(t) == EAGAIN)
		thread_yield();
	return t != 0;
}

/* A raw THREAD_CREATE with scheduling word w: its result (a made thread is joined). */
static long raw_thread(uint64_t w)
{
	long r = rcl_call(RTOS_THREAD_CREATE, (uint64_t)mark, w, RTOS_STACK_DEFAULT, 0);

	while (r > 0 && thread_get_exit_status((thread_t)r) == EAGAIN)
		thread_yield();
	return r;
}

/* rcl.3: thread_set_params above the ceiling, and at it. */
static void set_params(void)
{
	sched_param_t rprio = { SCHEDP_RPRIO, 1 };
	sched_param_t edf[3] = { { SCHEDP_PRIO, C - 1 }, { SCHEDP_BUDGET, 100 }, { SCHEDP_WINDOW, 1000 } };
	int zero = set_prio(0), above = set_prio(C - 1), at = set_prio(C);
	int rel = thread_set_params(&rprio, 1);		/* from C: C - 1 */
	int e_above = thread_set_params(edf, 3);
	edf[0].val = C;
	int e_at = thread_set_params(edf, 3);
	int back = set_prio(RTOS_PRIO_DEFAULT);
	long raw = rcl_call(RTOS_THREAD_SCHED, RTOS_SCHED(C - 1, 0, 0, 0), 0, 0, 0);
	if (raw == 0)		/* wrongly accepted: back to where librtos thinks it is */
		rcl_call(RTOS_THREAD_SCHED, RTOS_PRIO_DEFAULT, 0, 0, 0);
	cairn_check("rcl.3", "set_params_above_ceiling_eacces",
		    zero == EACCES && above == EACCES && at == 0 && rel == EACCES && e_above == EACCES && e_at == 0 &&
		    back == 0 && raw == EACCES && RTOS_SCHED_PRIO(rcl_tls()->sched) == RTOS_PRIO_DEFAULT,
		    "0: %d, %d: %d, %d: %d, RPRIO 1 from %d: %d, EDF at %d: %d, at %d: %d, back: %d, raw %d: %ld",
		    zero, C - 1, above, C, at, C, rel, C - 1, e_above, C, e_at, back, C - 1, raw);
}

/* rcl.4: thread_create above the ceiling, and at it. */
static void create_threads(void)
{
	int zero = made(SCHEDP_PRIO, 0), above = made(SCHEDP_PRIO, C - 1), at = made(SCHEDP_PRIO, C);
	int rel = made(SCHEDP_RPRIO, RTOS_PRIO_DEFAULT - C + 1), rel_at = made(SCHEDP_RPRIO, RTOS_PRIO_DEFAULT - C);
	long raw = raw_thread(RTOS_SCHED(C - 1, 0, 0, 0)), raw_edf = raw_thread(RTOS_SCHED(C - 1, 100, 1000, 1000));
	long raw_at = raw_thread(RTOS_SCHED(C, 0, 0, 0));
	cairn_check("rcl.4", "thread_create_above_ceiling_eacces",
		    !zero && !above && at && !rel && rel_at && raw == EACCES && raw_edf == EACCES && raw_at > 0,
		    "made at 0: %d, %d: %d, %d: %d; RPRIO to %d: %d, to %d: %d; raw %d: %ld, EDF %d: %ld, %d: %ld",
		    zero, C - 1, above, C, at, C - 1, rel, C, rel_at, C - 1, raw, C - 1, raw_edf, C, raw_at);
}

/* rcl.5: the four kinds for internal use, in each call that takes parameters. */
static void internal_kinds(void)
{
	static const sched_param_type_t kinds[] = { SCHEDP_IDLE, SCHEDP_INIT, SCHEDP_IPI_HANDLER, SCHEDP_TIMER };
	size_t len = (size_t)(child_image_end - child_image);
	int bad = -1, got = 0;

	for (unsigned i = 0; i < 4 && bad < 0; i++) {
		sched_param_t p = { kinds[i], 1 };
		int s = thread_set_params(&p, 1);
		int t = made(kinds[i], 1);
		proc_t fs = process_create_fs("/bin/rtos_ceilchild", &p, 1, 0, 0, 0);
		proc_t im = process_create(child_image, len, "ceilchild", &p, 1, 0, 0, 0);
		if (s != EACCES || t || fs || im) {
			bad = (int)kinds[i];
			got = s;
		}
	}
	cairn_check("rcl.5", "internal_kinds_eacces", bad < 0, "kind %d: thread_set_params %d (want %d), or a "
		    "thread or process was made", bad, got, EACCES);
}

/* rcl.6: a child's ceiling more urgent than the creator's. */
static void child_ceiling(void)
{
	size_t len = (size_t)(child_image_end - child_image);
	size_t above[] = { 0, 0, C - 1 }, at[] = { 0, 0, C };
	proc_t fs = process_create_fs("/bin/rtos_ceilchild", 0, 0, above, 3, 0);
	proc_t im = process_create(child_image, len, "ceilchild", 0, 0, above, 3, 0);
	long raw = rcl_proc_create("/bin/rtos_ceilchild", RTOS_PRIO_DEFAULT, RTOS_LIMITS(0, 0, C - 1));
	long raw1 = rcl_proc_create("/bin/rtos_ceilchild", RTOS_PRIO_DEFAULT, RTOS_LIMITS(0, 0, 1));
	int fs_at = rcl_wait(process_create_fs("/bin/rtos_ceilchild", 0, 0, at, 3, 0));
	int im_at = rcl_wait(process_create(child_image, len, "ceilchild", 0, 0, at, 3, 0));
	cairn_check("rcl.6", "child_ceiling_above_creator_eacces",
		    !fs && !im && raw == EACCES && raw1 == EACCES && RCL_CEILING(fs_at) == C && RCL_CEILING(im_at) == C,
		    "ceiling %d: by path %lu, image %lu, raw %ld; 1: raw %ld; ceiling %d: the children report %d, %d",
		    C - 1, fs, im, raw, raw1, C, RCL_CEILING(fs_at), RCL_CEILING(im_at));
}

/* rcl.7: a child's main thread more urgent than the child's ceiling (inherited or its own). */
static void child_main(void)
{
	size_t len = (size_t)(child_image_end - child_image);
	size_t own[] = { 0, 0, 150 };
	sched_param_t above = { SCHEDP_PRIO, C - 1 }, above_own = { SCHEDP_PRIO, 149 }, at = { SCHEDP_PRIO, C };
	proc_t fs = process_create_fs("/bin/rtos_ceilchild", &above, 1, 0, 0, 0);
	proc_t im = process_create(child_image, len, "ceilchild", &above, 1, 0, 0, 0);
	proc_t fs_own = process_create_fs("/bin/rtos_ceilchild", &above_own, 1, own, 3, 0);
	long raw = rcl_proc_create("/bin/rtos_ceilchild", RTOS_SCHED(C - 1, 0, 0, 0), 0);
	long raw_own = rcl_proc_create("/bin/rtos_ceilchild", RTOS_SCHED(149, 0, 0, 0), RTOS_LIMITS(0, 0, 150));
	int ok_at = rcl_wait(process_create_fs("/bin/rtos_ceilchild", &at, 1, 0, 0, 0));
	cairn_check("rcl.7", "child_main_above_ceiling_eacces",
		    !fs && !im && !fs_own && raw == EACCES && raw_own == EACCES && RCL_PRIO(ok_at) == C,
		    "main at %d: by path %lu, image %lu, raw %ld; at 149 under 150: %lu, raw %ld; at %d: runs at %d",
		    C - 1, fs, im, raw, fs_own, raw_own, C, RCL_PRIO(ok_at));
}

/*
 * rcl.8: the ceiling is inherited by default (0 or no entry), may be made less
 * urgent, and a main thread without parameters starts at 128 or the ceiling.
 */
static void inherit(void)
{
	size_t len = (size_t)(child_image_end - child_image);
	size_t zero[] = { 0, 0, 0 }, two[] = { 0, 0 }, lower[] = { 0, 0, 150 }, lowest[] = { 0, 0, RTOS_PRIO_LOWEST };
	sched_param_t p200 = { SCHEDP_PRIO, 200 };
	int s[6] = {
		rcl_wait(process_create_fs("/bin/rtos_ceilchild", 0, 0, 0, 0, 0)),
		rcl_wait(process_create_fs("/bin/rtos_ceilchild", 0, 0, zero, 3, 0)),
		rcl_wait(process_create(child_image, len, "ceilchild", 0, 0, two, 2, 0)),
		rcl_wait(process_create_fs("/bin/rtos_ceilchild", 0, 0, lower, 3, 0)),
		rcl_wait(process_create(child_image, len, "ceilchild", &p200, 1, lower, 3, 0)),
		rcl_wait(process_create_fs("/bin/rtos_ceilchild", 0, 0, lowest, 3, 0)),
	};
	static const unsigned want_c[6] = { C, C, C, 150, 150, RTOS_PRIO_LOWEST };
	static const unsigned want_p[6] = { 128, 128, 128, 150, 200, RTOS_PRIO_LOWEST };
	int ok = 1;
	for (unsigned i = 0; i < 6; i++)
		ok &= s[i] >= 0 && RCL_CEILING(s[i]) == want_c[i] && RCL_PRIO(s[i]) == want_p[i] && !RCL_ODD(s[i]);
	cairn_check("rcl.8", "ceiling_inherited_or_less_urgent", ok,
		    "(ceiling, main) of children: none (%d %d), 0 (%d %d), image 2 entries (%d %d), 150 (%d %d), "
		    "image 150 at 200 (%d %d), 255 (%d %d); odd %d%d%d%d%d%d", RCL_CEILING(s[0]), RCL_PRIO(s[0]),
		    RCL_CEILING(s[1]), RCL_PRIO(s[1]), RCL_CEILING(s[2]), RCL_PRIO(s[2]), RCL_CEILING(s[3]),
		    RCL_PRIO(s[3]), RCL_CEILING(s[4]), RCL_PRIO(s[4]), RCL_CEILING(s[5]), RCL_PRIO(s[5]),
		    RCL_ODD(s[0]), RCL_ODD(s[1]), RCL_ODD(s[2]), RCL_ODD(s[3]), RCL_ODD(s[4]), RCL_ODD(s[5]));
}

int main(void)
{
	set_params();
	create_threads();
	internal_kinds();
	child_ceiling();
	child_main();
	inherit();
	return ran > 0 ? 0 : 1;
}
