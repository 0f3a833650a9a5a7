/*
 * afteroom: runs after the kernel refused a boot module for want of memory
 * (tests.toml, boot_oom): that it starts at all in the few frames left shows the
 * refusal took none of them, and the invariant check finds nothing half-built.
 */
#include <cairn/cairn.h>

int main(const void *root)
{
	(void)root;
	long problems = cairn_kcheck();
	cairn_check("oom.2", "runs_after_a_refused_module", problems == 0, "kcheck: %ld problems", problems);
	return 0;
}
