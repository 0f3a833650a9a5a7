/*
 * rows.c: the table of the bad-pointer conformance program: every pointer argument of
 * every call in cairn/rtos.h, one line each (a new call is a new line). Columns:
 *
 *   name    a C name for the row's functions
 *   id      its TEST id, ref.<call>.<argument> (tests/qemu/tests.toml lists them)
 *   kinds   the bad kinds that apply (ref.h)
 *   size    the good object's bytes (K_STRADDLE and K_WRAP place them at the end of
 *           a mapped page); n: an array's count
 *   good    a good pointer for the argument (the fixtures are in fx, ref.h)
 *   call    the call, with P the pointer under test and N the count
 *   ok      whether its result R with the good pointer is success (the control: the
 *           call can succeed, so a refusal is the pointer's doing)
 *   bad     what it returns with a bad pointer (docs/rtos.md): EFAULT, or 0 for the
 *           calls that return 0 on any error, EINVAL for the mem_* calls' places (the
 *           seed's error for them), VOIDED for the calls that return nothing
 *   undo    what undoes the good call
 *
 * Calls with no pointer argument are not here: semaphore_*, mutex_*, thread_kill,
 * thread_exit, thread_get_exit_status, thread_yield, thread_self, process_exit,
 * process_get_exit_status, channel_get_send/_recv, channel_close, channel_destroy,
 * timer_create, timer_cancel, timer_free, timer_wait, timer_precision,
 * mem_shared_map_anon, mem_shared_destroy_anon, rtos_stats and event_create, _add,
 * _remove, _delete. Nor are malloc, free, calloc and realloc (cairn/malloc.h): as in C,
 * free and realloc of a pointer malloc did not return is undefined.
 */
#include "ref.h"

#define IMAGE_LEN ((size_t)(child_image_end - child_image))
#define CHILD     "/bin/rtos_child"
#define WAIT_US   100
#define WAITS     20000		/* two seconds */

static void ref_thread(void)
{
}

/* Waits (sleeping) while status() says EAGAIN. */
static void wait_for(int (*status)(size_t), size_t h)
{
	timer_t t = timer_create();
	struct time us = { 0, WAIT_US };

	for (unsigned i = 0; i < WAITS && status(h) == EAGAIN; i++)
		if (!timer_start(t, &us))
			timer_wait(t);
	timer_free(t);
}

static void none(long r)
{
	(void)r;
}

static void proc_end(long r)
{
	wait_for(process_get_exit_status, (size_t)r);
}

static void join(long r)
{
	wait_for(thread_get_exit_status, (size_t)r);
}

static void chan_gone(long r)
{
	channel_destroy((chan_t)r);
}

static void end_gone(long r)
{
	channel_close((size_t)r);
}

static void take_one(long r)
{
	(void)r;
	channel_recv(fx.r, fx.buf, MSG, 0);
}

static void put_one(long r)
{
	(void)r;
	channel_send(fx.s, fx.msg, MSG, 0);
}

static void timer_renew(long r)
{
	(void)r;
	timer_free(fx.t);
	fx.t = timer_create();
}

static void unmap_page(long r)
{
	mem_free_pages((void *)r, PAGE);
}

static void spare_back(long r)
{
	(void)r;
	mem_get_pages(fx.spare, PAGE, 0);
}

static void s1_gone(long r)
{
	(void)r;
	mem_shared_destroy_named("ref.s1");
}

static void s2_gone(long r)
{
	(void)r;
	mem_shared_destroy_named("ref.s2");
}

static void anon_gone(long r)
{
	mem_shared_destroy_anon((size_t)r);
}

#define ROWS(X) \
X(pcfs_path,    "ref.process_create_fs.path",      STR,   0,                 0, CHILD,            process_create_fs(P, 0, 0, 0, 0, 0),                          R > 0, 0, proc_end) \
X(pcfs_params,  "ref.process_create_fs.params",    ARR,   sizeof(fx.params), 2, fx.params,        process_create_fs(CHILD, P, N, 0, 0, 0),                      R > 0, 0, proc_end) \
X(pcfs_res,     "ref.process_create_fs.resources", RD,    sizeof(fx.res),    2, fx.res,           process_create_fs(CHILD, 0, 0, P, N, 0),                      R > 0, 0, proc_end) \
X(pc_image,     "ref.process_create.image",        RD,    PAGE,              0, child_image,      process_create(P, IMAGE_LEN, "child", 0, 0, 0, 0, 0),         R > 0, 0, proc_end) \
X(pc_name,      "ref.process_create.name",         STR,   0,                 0, "child",          process_create(child_image, IMAGE_LEN, P, 0, 0, 0, 0, 0),     R > 0, 0, proc_end) \
X(pc_params,    "ref.process_create.params",       ARR,   sizeof(fx.params), 2, fx.params,        process_create(child_image, IMAGE_LEN, "child", P, N, 0, 0, 0), R > 0, 0, proc_end) \
X(pc_res,       "ref.process_create.resources",    RD,    sizeof(fx.res),    2, fx.res,           process_create(child_image, IMAGE_LEN, "child", 0, 0, P, N, 0), R > 0, 0, proc_end) \
X(tc_entry,     "ref.thread_create.entry",         CODE,  0,                 0, ref_thread,       thread_create((void (*)(void))P, 0, 0, 0),                    R > 0, 0, join) \
X(tc_params,    "ref.thread_create.params",        ARR,   sizeof(fx.params), 2, fx.params,        thread_create(ref_thread, P, N, 0),                           R > 0, 0, join) \
X(tsp_params,   "ref.thread_set_params.params",    ARR,   sizeof(fx.params), 2, fx.params,        thread_set_params(P, N),                                      R == 0, EFAULT, none) \
X(cc_name,      "ref.channel_create.name",         NAME,  0,                 0, "ref.c1",         channel_create(MSG, 4, P, CHAN_MPMC),                         R > 0, 0, chan_gone) \
X(crr_name,     "ref.channel_retrieve_recv.name",  STR,   0,                 0, "ref.chan",       channel_retrieve_recv(MSG, 4, P),                             R > 0, 0, end_gone) \
X(crs_name,     "ref.channel_retrieve_send.name",  STR,   0,                 0, "ref.chan",       channel_retrieve_send(MSG, 4, P),                             R > 0, 0, end_gone) \
X(cs_data,      "ref.channel_send.data",           RD,    MSG,               0, fx.msg,           channel_send(fx.s, P, MSG, 0),                                R == MSG, EFAULT, take_one) \
X(cr_buf,       "ref.channel_recv.buf",            WR,    MSG,               0, fx.buf,           channel_recv(fx.r, P, MSG, 0),                                R == MSG, EFAULT, put_one) \
X(cgs_status,   "ref.channel_get_status.status",   WR,    sizeof(fx.st),     0, &fx.st,           channel_get_status(fx.r, P),                                  R == 0, EFAULT, none) \
X(ts_time,      "ref.timer_start.time",            RD,    sizeof(fx.time),   0, &fx.time,         timer_start(fx.t, P),                                         R == 0, EFAULT, timer_renew) \
X(tp_offset,    "ref.timer_periodic.offset",       RD,    sizeof(fx.time),   0, &fx.time,         timer_periodic(fx.t, P, &fx.period),                          R == 0, EFAULT, timer_renew) \
X(tp_period,    "ref.timer_periodic.period",       RD,    sizeof(fx.time),   0, &fx.period,       timer_periodic(fx.t, &fx.time, P),                            R == 0, EFAULT, timer_renew) \
X(tcur_result,  "ref.time_current.result",         WR,    sizeof(fx.time),   0, &fx.time,         (time_current(P), VOIDED),                                    R == VOIDED && fx.time.usec < 1000000, VOIDED, none) \
X(tcre_a,       "ref.time_create.a",               WR,    sizeof(fx.time),   0, &fx.time,         (time_create(P, 1, 2), VOIDED),                               R == VOIDED && fx.time.sec == 1 && fx.time.usec == 2, VOIDED, none) \
X(tadd_a,       "ref.time_add.a",                  WR,    sizeof(fx.time),   0, &fx.time,         time_add(P, &fx.period),                                      R == 0, EFAULT, none) \
X(tadd_b,       "ref.time_add.b",                  RD,    sizeof(fx.time),   0, &fx.period,       time_add(&fx.time, P),                                        R == 0, EFAULT, none) \
X(tsub_a,       "ref.time_sub.a",                  WR,    sizeof(fx.time),   0, &fx.time,         time_sub(P, &fx.period),                                      R == 0, EFAULT, none) \
X(tsub_b,       "ref.time_sub.b",                  RD,    sizeof(fx.time),   0, &fx.period,       time_sub(&fx.time, P),                                        R == 0, EFAULT, none) \
X(mgp_at,       "ref.mem_get_pages.at",            PLACE, 0,                 0, fx.hole,          (long)mem_get_pages(P, PAGE, 0),                              R == (long)fx.hole, 0, unmap_page) \
X(mfp_at,       "ref.mem_free_pages.at",           PLACE | KB(K_NULL) | KB(K_UNMAPPED), 0, 0, fx.spare, mem_free_pages(P, PAGE),                          R == 0, EINVAL, spare_back) \
X(mscn_at,      "ref.mem_shared_create_named.at",  PLACE | KB(K_UNMAPPED), 0,        0, fx.spare,         mem_shared_create_named(P, PAGE, "ref.s2", 0),                R == 0, EINVAL, s2_gone) \
X(mscn_name,    "ref.mem_shared_create_named.name", STR,  0,                 0, "ref.s1",         mem_shared_create_named(0, PAGE, P, 0),                       R == 0, EFAULT, s1_gone) \
X(msmn_name,    "ref.mem_shared_map_named.name",   STR,   0,                 0, "ref.shm",        (long)mem_shared_map_named(P, 0),                             R > 0, 0, unmap_page) \
X(msdn_name,    "ref.mem_shared_destroy_named.name", STR, 0,                 0, "ref.gone",       mem_shared_destroy_named(P),                                  R == 0, EFAULT, none) \
X(msca_at,      "ref.mem_shared_create_anon.at",   PLACE | KB(K_UNMAPPED), 0,        0, fx.spare,         (long)mem_shared_create_anon(P, PAGE, 0),                     R > 0, 0, anon_gone) \
X(iop_msg,      "ref.io_print.msg",                STR,   0,                 0, "rtos_efault: io_print with a good string\n", (io_print(P), VOIDED), R == VOIDED, VOIDED, none) \
X(ew_events,    "ref.event_wait.events",           WR,    sizeof(fx.ev),     0, fx.ev,            event_wait(fx.e, P, 1),                                       R == 1, EFAULT, none) \
X(ec_events,    "ref.event_check.events",          WR,    sizeof(fx.ev),     0, fx.ev,            event_check(fx.e, P, 1),                                      R == 1, EFAULT, none)

#define FUNCTIONS(name, id, kinds, size, n, good, call, ok, bad, undo)                 \
	static void *good_##name(void) { return (void *)(good); }                     \
	static long call_##name(void *P, size_t N) { (void)P, (void)N; return (long)(call); } \
	static int ok_##name(long R) { return (ok); }
ROWS(FUNCTIONS)

#define ROW(name, id, kinds, size, n, good, call, ok, bad, undo) \
	{ id, kinds, size, n, good_##name, call_##name, ok_##name, bad, undo },
const struct row rows[] = { ROWS(ROW) };
const unsigned nrows = sizeof(rows) / sizeof(rows[0]);
