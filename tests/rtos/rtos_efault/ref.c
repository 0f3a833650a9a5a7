/*
 * ref.c: the bad-pointer conformance program (docs/rtos.md, EFAULT): every pointer
 * argument of every RTOS call (the table in rows.c) given each kind of bad pointer
 * that applies to it (ref.h) must be refused - EFAULT, or the documented result of a
 * call that returns 0 on error or nothing at all - with nothing changed: no thread,
 * process, channel, end, region, page or watch made or gone (rtos_stats), the
 * caller's scheduling word, the fixture channel's queue and the fixture timer as they
 * were, and not a byte of the mapped page written. Each row first makes its call
 * with a good pointer (the control) and undoes it.
 *
 * Each row runs in a process of its own (another rtos_efault, told which row by an
 * item on the channel JOB), so that a library that faults on a bad pointer ends only
 * that row: its TEST line is then printed here, FAIL. TEST ids: the rows' ids.
 */
#include "ref.h"
#include <common/fmt.h>

#define JOB        "ref.job"
#define UNTERM     "ref-unterminated"	/* tests.toml: never printed */
#define KERNEL_PTR ((void *)0xffff800000000000UL)
#define NONCANON   ((void *)0x0000800000000000UL)
#define TICK_US    1000
#define ROW_TICKS  10000	/* ten seconds for a row's process */

struct fixtures fx;

static const char *const kind_name[NKINDS] = {
	[K_NULL] = "NULL", [K_KERNEL] = "kernel-half", [K_NONCANON] = "non-canonical",
	[K_UNMAPPED] = "unmapped", [K_STRADDLE] = "into-unmapped", [K_UNTERM] = "unterminated",
	[K_READONLY] = "read-only", [K_WRAP] = "count-wraps",
};

/* ---- fixtures ---- */

static int setup(void)
{
	fx.params[0] = (sched_param_t){ SCHEDP_RLPRIO, 0 };
	fx.params[1] = (sched_param_t){ SCHEDP_NOOP, 0 };
	fx.time = (struct time){ 0, 1000 };
	fx.period = (struct time){ 0, 1000 };
	memset(fx.msg, 0x5a, MSG);
	fx.c = channel_create(MSG, 4, "ref.chan", CHAN_MPMC);
	fx.s = fx.c ? channel_get_send(fx.c) : 0;
	fx.r = fx.c ? channel_get_recv(fx.c) : 0;
	fx.t = timer_create();
	fx.sem = semaphore_create(1, 0);
	fx.e = event_create(1);
	int ok = fx.s && fx.r && fx.t && fx.sem && fx.e && channel_send(fx.s, fx.msg, MSG, 0) == MSG &&
		 !event_add(fx.e, fx.sem, 0) && !mem_shared_create_named(0, PAGE, "ref.shm", 0) &&
		 !mem_shared_create_named(0, PAGE, "ref.gone", 0);
	fx.spare = mem_get_pages(0, PAGE, 0);
	fx.lo = mem_get_pages(0, 2 * PAGE, 0);	/* last: later mappings must not fill the hole */
	fx.hole = fx.lo ? fx.lo + PAGE : 0;
	return ok && fx.spare && fx.lo && !mem_free_pages(fx.hole, PAGE);
}

/* The bad pointer of kind k for row r (its count into *n), its memory made ready. */
static void *place(enum kind k, const struct row *r, size_t *n)
{
	size_t half = (r->size < PAGE ? r->size : PAGE) / 2 & ~7UL;

	*n = r->n;
	memset(fx.lo, 0, PAGE);
	switch (k) {
	case K_NULL:
		return 0;
	case K_KERNEL:
		return KERNEL_PTR;
	case K_NONCANON:
		return NONCANON;
	case K_UNMAPPED:
		return fx.hole;
	case K_STRADDLE:	/* the good object's first half, up to the hole */
		memcpy(fx.hole - half, r->good(), half);
		return fx.hole - half;
	case K_UNTERM:
		memcpy(fx.hole - (sizeof(UNTERM) - 1), UNTERM, sizeof(UNTERM) - 1);
		return fx.hole - (sizeof(UNTERM) - 1);
	case K_READONLY:
		return (void *)CAIRN_ROOT_VA;
	case K_WRAP:		/* the whole good array, up to the hole; n * size wraps to its size */
		memcpy(fx.hole - r->size, r->good(), r->size);
		*n = SIZE_MAX / (r->size / r->n) + 1 + r->n;
		return fx.hole - r->size;
	default:
		return 0;
	}
}

/* ---- what must not change ---- */

#define NSTATS (RTOS_STAT_WATCHES + 1)

struct snap {
	long stat[NSTATS];
	uint64_t sched;
	long queued, timer;
	unsigned char page[PAGE];
};

static const char *const stat_name[NSTATS] = {
	"untyped frames", "slots", "threads", "processes", "pages", "channels, ends, regions", "watches",
};

static uint64_t my_sched(void)
{
	const struct rtos_tls *t;

	__asm__("mov %%fs:0, %0" : "=r"(t));
	return t->sched;
}

static void snap(struct snap *s)
{
	struct channel_status st = { 0 };

	for (unsigned i = 0; i < NSTATS; i++)
		s->stat[i] = rtos_stats(i);
	s->sched = my_sched();
	s->queued = channel_get_status(fx.r, &st) ? -1 : (long)st.queued;
	s->timer = timer_wait(fx.t);	/* EAGAIN: never started (a good start fires in 1 ms) */
	memcpy(s->page, fx.lo, PAGE);
}

/* What differs between a and b; 0 if nothing. */
static const char *changed(const struct snap *a, const struct snap *b)
{
	for (unsigned i = 0; i < NSTATS; i++)
		if (a->stat[i] != b->stat[i])
			return stat_name[i];
	if (a->sched != b->sched)
		return "its scheduling word";
	if (a->queued != b->queued)
		return "the messages queued";
	if (a->timer != b->timer)
		return "the timer";
	if (memcmp(a->page, b->page, PAGE))
		return "the mapped page";
	return 0;
}

/* ---- one row ---- */

static struct snap before, after;
static char why[200];
static unsigned bad;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	char line[120];
	va_list ap;

	va_start(ap, fmt);
	int n = fmt_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	cairn_printf("rtos_efault: %s\n", line);
	if (!bad++ && n > 0)
		memcpy(why, line, sizeof(why) < sizeof(line) ? sizeof(why) : sizeof(line));
}

/* Runs row r: its control, then each bad kind; reports it. 1 if it passed. */
static int run_row(const struct row *r)
{
	unsigned cases = 0;
	long got;

	if (!setup()) {
		fail("%s: the fixtures could not be made", r->id);
		return cairn_report(r->id, "bad_pointer", 0, "%s", why);
	}
	got = r->call(r->good(), r->n);
	if (!r->ok(got))
		fail("%s: the control (a good pointer) got %ld", r->id, got);
	r->undo(got);
	for (unsigned k = 0; k < NKINDS; k++) {
		if (!(r->kinds & KB(k)))
			continue;
		size_t n;
		void *p = place((enum kind)k, r, &n);
		cairn_printf("rtos_efault: %s: %s %p\n", r->id, kind_name[k], p);
		snap(&before);
		got = r->call(p, n);
		snap(&after);
		cases++;
		const char *what = changed(&before, &after);
		if (got != r->bad)
			fail("%s: %s: got %ld, want %ld", r->id, kind_name[k], got, r->bad);
		else if (what)
			fail("%s: %s: %s changed", r->id, kind_name[k], what);
	}
	if (!bad)
		return cairn_report(r->id, "bad_pointer", 1, "%u kinds, nothing changed", cases);
	return cairn_report(r->id, "bad_pointer", 0, "%u of %u kinds wrong; %s", bad, cases, why);
}

/* ---- the processes ---- */

/* In a row's process: the row the first rtos_efault sent. 0 passed, 1 failed. */
static int row_process(chan_r_t job)
{
	uint64_t i = ~0UL;
	int got = channel_recv(job, &i, 8, 0);

	channel_close(job);
	if (got != 8 || i >= nrows)
		return 2;
	return !run_row(&rows[i]);
}

/* Runs row i in a process of its own; reports it if that process did not. */
static void spawn_row(uint64_t i, timer_t tick)
{
	chan_t c = channel_create(8, 1, JOB, CHAN_SPSC);
	chan_s_t s = c ? channel_get_send(c) : 0;
	int sent = s ? channel_send(s, &i, 8, 0) : 0;
	proc_t pid = sent == 8 ? process_create_fs("/bin/rtos_efault", 0, 0, 0, 0, 0) : 0;
	int st = EAGAIN;

	for (unsigned n = 0; pid && n < ROW_TICKS && st == EAGAIN; n++) {
		timer_wait(tick);
		st = process_get_exit_status(pid);
	}
	if (st != 0 && st != 1)
		cairn_report(rows[i].id, "bad_pointer", 0, "its process (%lu, job channel %lu, sent %d) ended with %d%s",
			     pid, c, sent, st, st == EFAULT ? ": it faulted" : st == EAGAIN ? ": it did not end" : "");
	if (s)
		channel_close(s);
	if (c)
		channel_destroy(c);
}

int main(void)
{
	chan_r_t job = channel_retrieve_recv(8, 1, JOB);

	if (job)
		return row_process(job);
	timer_t tick = timer_create();
	struct time t = { 0, TICK_US };
	if (!tick || timer_periodic(tick, &t, &t)) {
		cairn_printf("rtos_efault: no timer\n");
		return 1;
	}
	for (uint64_t i = 0; i < nrows; i++)
		spawn_row(i, tick);
	timer_free(tick);
	return 0;
}
