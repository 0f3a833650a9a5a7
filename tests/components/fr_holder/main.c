/*
 * fr_holder: waits inside the fragile server (hold) while fr_crasher crashes it; each
 * wait must end with CAIRN_ESTALE (its thread was inside the server when it restarted),
 * never hang and never end normally. Then it waits again, 100 times.
 */
#include <iface/fragile.h>

#define ROUNDS 100

int main(const struct cairn_root *rt)
{
	(void)rt;
	long stale = 0, other = 0;

	for (long i = 0; i < ROUNDS; i++) {
		long x = fragile_hold();
		if (x == CAIRN_ESTALE)
			stale++;
		else
			other++;
	}
	cairn_check("restart.holder", "threads_inside_get_estale", stale == ROUNDS && other == 0,
		    "%ld of %d waits ended with ESTALE, %ld otherwise", stale, ROUNDS, other);
	return 0;
}
