/*
 * rtos_ceiling: the priority ceiling (cairn/rtos.h, RTOS_RES_CEILING). This program
 * is the first process, whose ceiling is 0: rcl.1 checks that, and that its children
 * inherit it. It starts rtos_ceilsuite with the ceiling RCL_SUITE_CEILING, which
 * checks every refusal and the inheritance from a process that has one (rcl.3-8),
 * and rcl.9 checks the limits word a creating call passes.
 */
#include <cairn/cairn.h>
#include "rcl.h"

/* rcl.1 */
static void first(void)
{
	sched_param_t top = { SCHEDP_PRIO, 0 }, back = { SCHEDP_PRIO, RTOS_PRIO_DEFAULT };
	uint64_t own = rcl_tls()->ceiling;
	int up = thread_set_params(&top, 1), down = thread_set_params(&back, 1);
	int child = rcl_wait(process_create_fs("/bin/rtos_ceilchild", &top, 1, 0, 0, 0));
	cairn_check("rcl.1", "first_process_ceiling_0", own == 0 && up == 0 && down == 0 && child >= 0 &&
		    RCL_CEILING(child) == 0 && RCL_PRIO(child) == 0 && !RCL_ODD(child),
		    "its TLS says %lu; priority 0: %d, back: %d; a child at 0 reports ceiling %d, main %d, odd %d",
		    own, up, down, RCL_CEILING(child), RCL_PRIO(child), RCL_ODD(child));
}

/* rcl.9: a limits word or resources array that is not well formed. */
static void limits_word(void)
{
	size_t six[] = { 0, 0, 0, 0, 0, 0 }, big[] = { 0, 0, RTOS_PRIO_LOWEST + 1 }, huge[] = { 0, 0, (size_t)-1 };
	proc_t a = process_create_fs("/bin/rtos_ceilchild", 0, 0, six, 6, 0);
	proc_t b = process_create_fs("/bin/rtos_ceilchild", 0, 0, big, 3, 0);
	proc_t c = process_create_fs("/bin/rtos_ceilchild", 0, 0, huge, 3, 0);
	long raw = rcl_proc_create("/bin/rtos_ceilchild", RTOS_PRIO_DEFAULT, 1UL << 56);
	long raw_top = rcl_proc_create("/bin/rtos_ceilchild", RTOS_PRIO_DEFAULT, 1UL << 63);
	cairn_check("rcl.9", "limits_malformed_refused", !a && !b && !c && raw == EINVAL && raw_top == EINVAL,
		    "6 entries %lu, ceiling 256 %lu, ceiling 2^64-1 %lu; raw bit 56 %ld, bit 63 %ld", a, b, c, raw,
		    raw_top);
}

int main(void)
{
	size_t res[] = { 0, 0, RCL_SUITE_CEILING };

	first();
	int s = rcl_wait(process_create_fs("/bin/rtos_ceilsuite", 0, 0, res, 3, 0));
	cairn_check("rcl.2", "suite_ran", s == 0, "rtos_ceilsuite's status %d", s);
	limits_word();
	return 0;
}
