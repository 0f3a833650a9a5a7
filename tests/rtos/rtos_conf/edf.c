/*
 * edf.c: conformance of earliest-deadline-first scheduling (SCHEDP_BUDGET, _WINDOW,
 * _DEADLINE; docs/rtos.md): which parameters are valid and admitted, that the
 * earliest deadline of a level runs first and before the level's fixed-priority
 * threads, that an earlier deadline preempts and a later one waits, that a thread
 * never runs more than its budget in a window, that yield ends its period, and that a
 * thread can change policy both ways. The EDF threads run at RTOS_PRIO_DEFAULT + 1,
 * below main, so that main decides when they start.
 */
#include "rc.h"

#define LEVEL        (RTOS_PRIO_DEFAULT + 1)
#define COUNT(a)     (sizeof(a) / sizeof((a)[0]))
#define RUN_GAP_US   20		/* a gap in a spinner's clock this long: it did not run */

/* Parameters for priority prio and, if budget, EDF (microseconds): how many are used. */
static size_t edf_params(sched_param_t p[4], unsigned prio, unsigned budget, unsigned window, unsigned deadline)
{
	p[0] = (sched_param_t){ SCHEDP_PRIO, (uint16_t)prio };
	p[1] = (sched_param_t){ SCHEDP_BUDGET, (uint16_t)budget };
	p[2] = (sched_param_t){ SCHEDP_WINDOW, (uint16_t)window };
	p[3] = (sched_param_t){ SCHEDP_DEADLINE, (uint16_t)deadline };
	return budget ? 4 : 1;
}

static thread_t edf_spawn(void (*fn)(void), unsigned prio, unsigned budget, unsigned window, unsigned deadline)
{
	sched_param_t p[4];

	return thread_create(fn, p, edf_params(p, prio, budget, window, deadline), 0);
}

/* thread_set_params on the caller. */
static int edf_set(unsigned prio, unsigned budget, unsigned window, unsigned deadline)
{
	sched_param_t p[4];

	return thread_set_params(p, edf_params(p, prio, budget, window, deadline));
}

static void nothing(void)
{
}

/* ---- rc.edf.1-3: parameters ---- */

static void test_params(void)
{
	static const sched_param_t bad[][3] = {
		{ { SCHEDP_BUDGET, 100 } },					/* no window */
		{ { SCHEDP_WINDOW, 100 } },					/* no budget */
		{ { SCHEDP_DEADLINE, 100 } },					/* neither */
		{ { SCHEDP_BUDGET, 0 }, { SCHEDP_WINDOW, 100 } },		/* budget 0 */
		{ { SCHEDP_BUDGET, 200 }, { SCHEDP_WINDOW, 100 } },		/* budget > window */
		{ { SCHEDP_BUDGET, 50 }, { SCHEDP_WINDOW, 100 }, { SCHEDP_DEADLINE, 200 } },	/* deadline > window */
		{ { SCHEDP_BUDGET, 80 }, { SCHEDP_WINDOW, 100 }, { SCHEDP_DEADLINE, 60 } },	/* budget > deadline */
	};
	int first_set = -1, first_created = -1, set_r = 0;
	for (unsigned i = 0; i < COUNT(bad); i++) {
		unsigned n = bad[i][2].type ? 3 : bad[i][1].type ? 2 : 1;
		int r = thread_set_params(bad[i], n);
		if (r != EINVAL && first_set < 0) {
			first_set = (int)i;
			set_r = r;
		}
		thread_t t = thread_create(nothing, bad[i], n, 0);
		if (t && first_created < 0) {
			first_created = (int)i;
			rc_join(t);
		}
	}
	edf_set(RTOS_PRIO_DEFAULT, 0, 0, 0);	/* whatever a wrongly accepted one did */
	rc_check("rc.edf.1", "edf_invalid_params_einval", first_set < 0 && first_created < 0,
		 "first case set_params accepted: %d (gave %d), first thread_create made: %d (want -1 and -1)",
		 first_set, set_r, first_created);

	/* Admission, per level: main takes 60 % of LEVEL; 50 % more there is refused. */
	int own = edf_set(LEVEL, 600, 1000, 0);
	thread_t over = edf_spawn(nothing, LEVEL, 500, 1000, 0);
	int again = edf_set(LEVEL, 700, 1000, 0);	/* replaces its own 60 %: 70 % is fine */
	thread_t fits = edf_spawn(nothing, LEVEL, 300, 1000, 0);	/* 100 % in all */
	thread_t other = edf_spawn(nothing, LEVEL + 1, 500, 1000, 0);	/* another level */
	int back = edf_set(RTOS_PRIO_DEFAULT, 0, 0, 0);
	rc_check("rc.edf.2", "edf_admission_per_level", !own && !over && !again && fits && other && !back,
		 "main 60 %%: %d, +50 %%: handle %lu (want 0), main to 70 %%: %d, +30 %%: %lu, +50 %% elsewhere: %lu, "
		 "back to fixed: %d", own, over, again, fits, other, back);
	rc_join(fits);
	rc_join(other);

	static const sched_param_t half[] = { { SCHEDP_PRIO, LEVEL }, { SCHEDP_PROPORTION, 50 } };
	static const sched_param_t zero = { SCHEDP_PROPORTION, 0 }, over_100 = { SCHEDP_PROPORTION, 101 };
	static const sched_param_t with_budget[] = { { SCHEDP_PROPORTION, 10 }, { SCHEDP_BUDGET, 100 },
						      { SCHEDP_WINDOW, 1000 } };
	static const sched_param_t weighted[] = { { SCHEDP_PROPORTION, 10 }, { SCHEDP_WEIGHT, 1 } };
	thread_t p50 = thread_create(nothing, half, 2, 0);
	int rz = thread_set_params(&zero, 1), ro = thread_set_params(&over_100, 1);
	int rb = thread_set_params(with_budget, 3), rw = thread_set_params(weighted, 2);
	int p60 = edf_set(LEVEL, 600, 1000, 0);	/* 50 % + 60 %: refused while p50 waits to run */
	edf_set(RTOS_PRIO_DEFAULT, 0, 0, 0);
	rc_join(p50);
	rc_check("rc.edf.3", "proportion_is_edf", p50 && rz == EINVAL && ro == EINVAL &&
		 rb == EINVAL && rw == EINVAL && p60 == EINVAL,
		 "PROPORTION 50: handle %lu; 0: %d, 101: %d, with a budget: %d, with a weight: %d (want %d); "
		 "60 %% beside it: %d (want %d)", p50, rz, ro, rb, rw, EINVAL, p60, EINVAL);
}

/* ---- rc.edf.4: the earliest deadline runs first, the level's fixed threads last ---- */

static volatile char order[8];
static volatile unsigned norder;

static void log_a(void)
{
	order[norder++] = 'a';
}

static void log_b(void)
{
	order[norder++] = 'b';
}

static void log_c(void)
{
	order[norder++] = 'c';
}

static void log_f(void)
{
	order[norder++] = 'f';
}

static void test_order(void)
{
	norder = 0;
	thread_t f = edf_spawn(log_f, LEVEL, 0, 0, 0);			/* fixed, made first */
	thread_t a = edf_spawn(log_a, LEVEL, 200, 3000, 0);		/* deadline 3 ms */
	thread_t b = edf_spawn(log_b, LEVEL, 200, 1000, 0);		/* 1 ms */
	thread_t c = edf_spawn(log_c, LEVEL, 200, 4000, 2000);		/* 2 ms */
	int none_yet = norder == 0;
	rc_join(f);
	rc_join(a);
	rc_join(b);
	rc_join(c);
	order[norder] = 0;
	rc_check("rc.edf.4", "earliest_deadline_first", none_yet && norder == 4 && order[0] == 'b' &&
		 order[1] == 'c' && order[2] == 'a' && order[3] == 'f', "ran in order %s (want bcaf; fixed f made first)",
		 (const char *)order);
}

/* ---- rc.edf.5-6: an earlier deadline made ready preempts; a later one waits ---- */

static sem_t go_early, go_late, gave;
static volatile int early_in_give, late_in_give, giving;

static void early(void)
{
	semaphore_take(go_early);
	early_in_give = giving;
}

static void late(void)
{
	semaphore_take(go_late);
	late_in_give = giving;
}

/* EDF, deadline 5 ms: wakes one of deadline 1 ms and one of 20 ms. */
static void giver(void)
{
	giving = 1;
	semaphore_give(go_early);	/* runs at once */
	semaphore_give(go_late);	/* waits for giver to end */
	giving = 0;
	semaphore_give(gave);
}

static void test_preempt(void)
{
	go_early = semaphore_create(0, 0);
	go_late = semaphore_create(0, 0);
	gave = semaphore_create(0, 0);
	early_in_give = late_in_give = -1;
	thread_t e = edf_spawn(early, LEVEL, 100, 1000, 0);
	thread_t l = edf_spawn(late, LEVEL, 100, 20000, 0);
	thread_t g = edf_spawn(giver, LEVEL, 1000, 5000, 0);
	semaphore_take(gave);
	rc_join(e);
	rc_join(l);
	rc_join(g);
	rc_check("rc.edf.5", "earlier_deadline_preempts", early_in_give == 1,
		 "the 1 ms thread ran inside the 5 ms thread's give: %d (want 1)", early_in_give);
	rc_check("rc.edf.6", "later_deadline_waits", late_in_give == 0,
		 "the 20 ms thread ran inside the 5 ms thread's give: %d (want 0)", late_in_give);
	semaphore_destroy(go_early);
	semaphore_destroy(go_late);
	semaphore_destroy(gave);
}

/* ---- rc.edf.7: a thread never runs more than its budget in a window ---- */

#define B_BUDGET_US 1000
#define B_WINDOW_US 5000
#define B_WINDOWS   5

static volatile uint64_t b_start, b_end;
static volatile uint64_t b_run[B_WINDOWS + 2], f_run;

/* Spins until b_end, adding up the time it ran (per window of b_start's grid). */
static void spin_count(volatile uint64_t *per_window, volatile uint64_t *total)
{
	uint64_t gap = rc_ticks(RUN_GAP_US), window = rc_ticks(B_WINDOW_US);
	uint64_t last = cairn_cycles();

	while (last < b_end) {
		uint64_t now = cairn_cycles();
		if (now - last < gap) {
			if (per_window && (now - b_start) / window < B_WINDOWS + 2)
				per_window[(now - b_start) / window] += now - last;
			if (total)
				*total += now - last;
		}
		last = now;
	}
}

static void budgeted(void)
{
	b_start = cairn_cycles();	/* its first period starts about now */
	spin_count(b_run, 0);
}

static void filler(void)
{
	spin_count(0, &f_run);
}

static void test_budget(void)
{
	for (unsigned i = 0; i < COUNT(b_run); i++)
		b_run[i] = 0;
	f_run = 0;
	b_end = cairn_cycles() + rc_ticks(B_WINDOWS * B_WINDOW_US);
	thread_t f = edf_spawn(filler, LEVEL, 0, 0, 0);
	thread_t b = edf_spawn(budgeted, LEVEL, B_BUDGET_US, B_WINDOW_US, 0);
	rc_sleep(B_WINDOWS * B_WINDOW_US);
	rc_join(b);
	rc_join(f);
	uint64_t most = 0, total = 0;
	unsigned windows_run = 0;
	for (unsigned i = 0; i < COUNT(b_run); i++) {
		most = b_run[i] > most ? b_run[i] : most;
		total += b_run[i];
		windows_run += b_run[i] != 0;
	}
	uint64_t most_us = rc_ns(most) / 1000, total_us = rc_ns(total) / 1000, f_us = rc_ns(f_run) / 1000;
	rc_check("rc.edf.7", "budget_enforced_per_window",
		 most_us <= B_BUDGET_US + 50 && most_us >= B_BUDGET_US - 100 && windows_run >= B_WINDOWS &&
		 f_us >= (B_WINDOW_US - B_BUDGET_US) * (B_WINDOWS - 1),
		 "budget %d us of %d: most in one window %lu us, %lu us in %u windows; the fixed thread ran %lu us",
		 B_BUDGET_US, B_WINDOW_US, most_us, total_us, windows_run, f_us);
}

/* ---- rc.edf.8: yield ends the period: the next iteration starts a window later ---- */

#define Y_WINDOW_US 2000
#define Y_ROUNDS    5

static volatile uint64_t y_at[Y_ROUNDS];

static void periodic(void)
{
	for (unsigned i = 0; i < Y_ROUNDS; i++) {
		y_at[i] = cairn_cycles();
		rc_spin(100);
		thread_yield();
	}
}

static void test_yield(void)
{
	thread_t t = edf_spawn(periodic, LEVEL, 500, Y_WINDOW_US, 0);
	thread_t f = edf_spawn(nothing, LEVEL, 0, 0, 0);	/* something else could run */
	rc_join(t);
	rc_join(f);
	uint64_t lo = UINT64_MAX, hi = 0;
	for (unsigned i = 1; i < Y_ROUNDS; i++) {
		uint64_t d = rc_ns(y_at[i] - y_at[i - 1]) / 1000;
		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
	}
	rc_check("rc.edf.8", "yield_waits_for_next_window", lo >= Y_WINDOW_US - 50 && hi <= Y_WINDOW_US + 50,
		 "iterations %lu..%lu us apart (window %d us)", lo, hi, Y_WINDOW_US);
}

/* ---- rc.edf.9: a thread can become EDF and fixed again (set_params) ---- */

/* The longest time the caller did not run while spinning us microseconds, in us. */
static uint64_t longest_gap(uint64_t us)
{
	uint64_t end = cairn_cycles() + rc_ticks(us), last = cairn_cycles(), most = 0;

	while (last < end) {
		uint64_t now = cairn_cycles();
		most = now - last > most ? now - last : most;
		last = now;
	}
	return rc_ns(most) / 1000;
}

static void test_switch(void)
{
	int to_edf = edf_set(RTOS_PRIO_DEFAULT, 1000, 2000, 0);
	uint64_t gap_edf = longest_gap(5000);		/* throttled for ~1 ms each window */
	int to_fixed = edf_set(RTOS_PRIO_DEFAULT, 0, 0, 0);
	uint64_t gap_fixed = longest_gap(5000);
	rc_check("rc.edf.9", "set_params_edf_and_back", !to_edf && !to_fixed && gap_edf >= 800 && gap_fixed < 100,
		 "to EDF %d, longest pause %lu us (budget 1 of 2 ms); to fixed %d, longest pause %lu us", to_edf,
		 gap_edf, to_fixed, gap_fixed);
}

/* ---- rc.edf.10: proportions 50/30/20 share a second within 1 % each ---- */

#define P_RUN_US 1000000
static volatile uint64_t p_run[3];

static void prop0(void) { spin_count(0, &p_run[0]); }
static void prop1(void) { spin_count(0, &p_run[1]); }
static void prop2(void) { spin_count(0, &p_run[2]); }

static void test_proportion(void)
{
	static void (*const fn[3])(void) = { prop0, prop1, prop2 };
	static const unsigned pct[3] = { 50, 30, 20 };
	thread_t t[3];
	unsigned ok = 0;

	b_end = cairn_cycles() + rc_ticks(P_RUN_US);
	for (unsigned i = 0; i < 3; i++) {
		sched_param_t p[2] = { { SCHEDP_PRIO, LEVEL }, { SCHEDP_PROPORTION, (uint16_t)pct[i] } };
		p_run[i] = 0;
		t[i] = thread_create(fn[i], p, 2, 0);
	}
	rc_sleep(P_RUN_US);
	uint64_t permille[3];
	for (unsigned i = 0; i < 3; i++) {
		rc_join(t[i]);
		permille[i] = rc_ns(p_run[i]) / (P_RUN_US / 1000) / 1000;	/* of the second */
		ok += t[i] && permille[i] + 10 >= pct[i] * 10 && permille[i] <= pct[i] * 10 + 10;
	}
	rc_check("rc.edf.10", "proportions_share_within_1_percent", ok == 3,
		 "50/30/20 %%: got %lu/%lu/%lu permille of %d ms", permille[0], permille[1], permille[2],
		 P_RUN_US / 1000);
}

/* ---- rc.edf.11: weights 1 and 2 share what a 40 % proportion leaves: 20 % and 40 % ---- */

static void test_weight(void)
{
	static void (*const fn[3])(void) = { prop0, prop1, prop2 };
	static const sched_param_t par[3][2] = {
		{ { SCHEDP_PRIO, LEVEL }, { SCHEDP_PROPORTION, 40 } },
		{ { SCHEDP_PRIO, LEVEL }, { SCHEDP_WEIGHT, 1 } },
		{ { SCHEDP_PRIO, LEVEL }, { SCHEDP_WEIGHT, 2 } },
	};
	static const unsigned want[3] = { 400, 200, 400 };
	thread_t t[3];
	uint64_t permille[3];
	unsigned ok = 0;

	b_end = cairn_cycles() + rc_ticks(P_RUN_US);
	for (unsigned i = 0; i < 3; i++) {
		p_run[i] = 0;
		t[i] = thread_create(fn[i], par[i], 2, 0);
	}
	rc_sleep(P_RUN_US);
	for (unsigned i = 0; i < 3; i++) {
		rc_join(t[i]);
		permille[i] = rc_ns(p_run[i]) / (P_RUN_US / 1000) / 1000;
		ok += t[i] && permille[i] + 10 >= want[i] && permille[i] <= want[i] + 10;
	}
	rc_check("rc.edf.11", "weights_share_what_is_left", ok == 3,
		 "40 %% and weights 1, 2: got %lu/%lu/%lu permille of %d ms (want 400/200/400)", permille[0],
		 permille[1], permille[2], P_RUN_US / 1000);
}

void rc_edf(void)
{
	test_params();
	test_order();
	test_preempt();
	test_budget();
	test_yield();
	test_switch();
	test_proportion();
	test_weight();
}
