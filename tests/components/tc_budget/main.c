/*
 * tc_budget: time budgets from the description (docs/time.md, lib/libboot/budget.c;
 * tests/qemu/systems/budget.toml). What it does depends on its name:
 *
 *   tc_greedy    (priority 200, cpu_budget 2 ms per cpu_period 10 ms) spins for ever
 *                as far as it knows; it watches the clock for the gaps when it did not
 *                run. tb.1 each burst of running (the gaps shorter than GAP, the
 *                booter's passes, left in) lasts its budget, within 2%, and bursts
 *                start a period apart, within 2%; after BURSTS it stops
 *   tc_punctual  (priority 100, below the greedy one, which would starve it without a
 *                budget) tb.2 asks for WAKES wake-ups STEP apart: every one comes, none
 *                later than the greedy budget and SLACK after its deadline
 *   tc_rest      (budget_rtos.toml: below an RTOS given 2 ms per 10 ms, whose only
 *                process spins) spins: tb.3 it runs the 8 ms of each 10 ms the RTOS
 *                may not (within 2%), in bursts a period apart
 *   tc_nest      (budget_nested.toml: priority 200, cpu_budget 2 ms per 10 ms) boots
 *                the subsystem tests/qemu/systems/sub/greedy_cell.toml, whose tc_greedy
 *                runs on the nest's tcap: the whole subsystem (its booter, the nest,
 *                and tc_greedy) gets the budget, so tb.1 holds inside it
 *
 * Under -icount the figures repeat exactly; the test prints them. On several cores
 * (budget_cores.toml: both on core 1) the checks are what a run without -icount on a
 * loaded host would pass too (the test runs it under -icount, where the cores take
 * turns on one clock): the host may stall an emulated core in the middle of a burst,
 * which the component cannot tell from not running, so tb.1 checks only that no burst
 * passes its budget (2%) and bursts come a period apart or more, with one at least
 * half the budget, and tb.2 allows LATE_CORES.
 */
#include <iface/timer.h>
#include <cairn/boot.h>
#include <cairn/root.h>

#define BURSTS 12
#define WAKES  30
#define LATE_CORES_US 250000	/* tb.2's lateness on several cores: wall time, host load */

extern const struct cairn_sd_system cairn_subsystem __attribute__((weak));

static uint64_t us;	/* time stamp counter ticks per microsecond */
static int cores;	/* the system's: several, no -icount */

/*
 * Spins, timing its bursts of running (check id): each should last `budget` us, and
 * they should start a period (10 ms) apart.
 */
static void bursts(const char *id, const char *what, uint64_t budget_us)
{
	uint64_t gap = 500 * us, budget = budget_us * us, period = 10000 * us;
	uint64_t start[BURSTS + 1], ran[BURSTS + 1], last = cairn_cycles(), run = 0;
	unsigned n = 0;

	start[0] = last;
	while (n < BURSTS) {
		uint64_t now = cairn_cycles();
		if (now - last > gap) {		/* it was off the core: a burst ended at last */
			ran[n++] = run;
			start[n] = now;
			run = 0;
		} else {
			run += now - last;
		}
		last = now;
	}
	unsigned good = 0;
	uint64_t lo = ~0ull, hi = 0, plo = ~0ull, phi = 0;
	for (unsigned i = 1; i < BURSTS; i++) {	/* the first began at boot, mid-period */
		uint64_t p = start[i + 1] - start[i];
		good += (ran[i] >= budget - budget / 50 || cores) && ran[i] <= budget + budget / 50 &&
			p >= period - period / 50 && (p <= period + period / 50 || cores);
		lo = ran[i] < lo ? ran[i] : lo;
		hi = ran[i] > hi ? ran[i] : hi;
		plo = p < plo ? p : plo;
		phi = p > phi ? p : phi;
	}
	cairn_check(id, what, good == BURSTS - 1 && (!cores || hi >= budget / 2),
		    "%u of %u bursts right: ran %lu..%lu cycles of %lu, %lu..%lu apart (period %lu)",
		    good, BURSTS - 1, lo, hi, budget, plo, phi, period);
	cairn_printf("%s: bursts of %lu..%lu cycles (want %lu), starting %lu..%lu apart (period %lu)\n",
		     ((const struct cairn_root *)CAIRN_ROOT_VA)->name, lo, hi, budget, plo, phi, period);
}

static void punctual(void)
{
	uint64_t step = 3000 * us, most = cores ? LATE_CORES_US * us : 2000 * us + 200 * us, worst = 0;
	uint64_t d = cairn_cycles();
	unsigned came = 0;
	long err = 0;

	for (unsigned i = 0; i < WAKES && !err; i++) {
		d += step;
		err = timer_wake_at(d);
		if (!err && cairn_rcv_wait(CAIRN_SLOT_RCV) >= 1) {
			uint64_t t = cairn_cycles();
			came += t >= d;
			worst = t - d > worst ? t - d : worst;
		}
	}
	cairn_check("tb.2", "others_meet_their_deadlines", !err && came == WAKES && worst <= most,
		    "%u of %u wakes, error %ld, latest %lu cycles after its deadline (at most %lu)",
		    came, WAKES, err, worst, most);
	cairn_printf("tc_punctual: %u wakes, the latest %lu cycles late\n", came, worst);
}

int main(const struct cairn_root *rt)
{
	us = rt->tsc_hz / 1000000 ? rt->tsc_hz / 1000000 : 1;
	cores = rt->cores > 1;
	if (strcmp(rt->name, "tc_greedy") == 0)
		bursts("tb.1", "greedy_gets_its_budget_per_period", 2000);
	else if (strcmp(rt->name, "tc_rest") == 0 && cairn_yield() == 0)	/* its initialisation ends */
		bursts("tb.3", "below_the_rtos_gets_the_rest", 8000);
	else if (strcmp(rt->name, "tc_punctual") == 0)
		punctual();
	else if (strcmp(rt->name, "tc_nest") == 0)
		cairn_printf("tc_nest: subsystem ended: %ld\n",
			     &cairn_subsystem ? cairn_boot(&cairn_subsystem, rt) : CAIRN_ENOENT);
	else
		cairn_printf("tc_budget: no role for '%s'\n", rt->name);
	return 0;
}
