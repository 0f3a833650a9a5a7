/*
 * policy.c: the scheduling word a thread takes (RTOS_SCHED): admission, which keeps
 * the earliest-deadline-first threads of one level on one core within the whole
 * processor (sched_check), and a thread taking the word (sched_apply). The EDF
 * budgets themselves are charged and enforced by the run queues (sched.c).
 *
 * Above sched.c. Everything here is called locked.
 */
#include "rtos.h"

#define LOAD_SHIFT 20		/* admission's fixed point: 1 << LOAD_SHIFT is the whole processor */

/* TSC ticks in us microseconds. */
static uint64_t us_ticks(unsigned us)
{
	return cairn_us_ticks(root->tsc_hz, us);
}

/* The share of the processor budget/deadline asks for, in 1 << LOAD_SHIFT. */
static uint64_t edf_load(unsigned budget, unsigned deadline)
{
	return ((uint64_t)budget << LOAD_SHIFT) / deadline;
}

/*
 * Whether t (0: a thread not made yet) of a process whose priority ceiling is
 * ceiling may take the scheduling word w (RTOS_SCHED, its core taken out by
 * sched_place) on core: EACCES if its priority is more urgent than the ceiling;
 * EINVAL if w names no valid policy, or if the EDF threads of its level on that core
 * would then ask for more than the whole processor (their budget/deadline summed
 * over 1).
 */
long sched_check(struct rthread *t, uint64_t w, unsigned core, unsigned ceiling)
{
	unsigned prio = RTOS_SCHED_PRIO(w), budget = RTOS_SCHED_BUDGET(w);
	unsigned window = RTOS_SCHED_WINDOW(w), deadline = RTOS_SCHED_DEADLINE(w);

	if (prio >= NPRIO)
		return CAIRN_EINVAL;
	if (prio < ceiling)
		return CAIRN_EACCES;
	if (!window && !deadline)
		return budget <= RTOS_WEIGHT_MAX ? 0 : CAIRN_EINVAL;	/* fixed; budget: its weight */
	if (!budget || budget > deadline || deadline > window)
		return CAIRN_EINVAL;
	uint64_t load = edf_load(budget, deadline);
	for (unsigned i = 0; i < MAX_THREADS; i++) {
		const struct rthread *x = &threads[i];
		if (x != t && x->edf && x->prio == prio && x->core == core && thread_alive(x))
			load += edf_load(RTOS_SCHED_BUDGET(x->sched_word), RTOS_SCHED_DEADLINE(x->sched_word));
	}
	return load > 1UL << LOAD_SHIFT ? CAIRN_EINVAL : 0;
}

/*
 * t (running, or not yet queued) takes the scheduling word sched_check allowed. An
 * EDF thread starts a period now, with its whole budget.
 */
void sched_apply(struct rthread *t, uint64_t w)
{
	uint64_t now = cairn_cycles();

	t->sched_word = w;
	t->prio = (uint8_t)RTOS_SCHED_PRIO(w);
	t->edf = RTOS_SCHED_WINDOW(w) != 0;
	t->slice = us_ticks((RTOS_SCHED_WEIGHT(w) ? RTOS_SCHED_WEIGHT(w) : RTOS_WEIGHT_DEFAULT) *
			    RTOS_WEIGHT_SLICE_US);
	t->run_start = 0;
	if (!t->edf)
		return;
	t->budget = us_ticks(RTOS_SCHED_BUDGET(w));
	t->window = us_ticks(RTOS_SCHED_WINDOW(w));
	t->reldl = us_ticks(RTOS_SCHED_DEADLINE(w));
	edf_period(t, now);
	if (t->state == T_RUNNING)
		t->run_start = now;
}
