/* afterfaults: runs after programs that faulted; that it runs at all is the check. */
#include <cairn/cairn.h>

int main(const void *root)
{
	(void)root;
	cairn_check("user.5", "runs_after_faults", 1, "%s", "unreachable");
	return 0;
}
