/*
 * fr_observer: calls the fragile server between crashes (bump 0, then yield). After
 * each restart its gate is stale: one call returns CAIRN_ESTALE (the stub renews the
 * gate), and a call made at once after it works (the booter restarted the server
 * before anything else ran). Round robin among equals runs it between any two
 * crashes, so it sees all 100.
 */
#include <iface/fragile.h>

#define ROUNDS 100
#define MOST_CALLS 300000

int main(const struct cairn_root *rt)
{
	(void)rt;
	long stale = 0, other = 0, stale_twice = 0, calls = 0;

	while (stale < ROUNDS && calls < MOST_CALLS) {
		long x = fragile_bump(0);
		calls++;
		if (x == CAIRN_ESTALE) {
			stale++;
			stale_twice += fragile_bump(0) < 0;	/* renewed: must work */
		} else if (x < 0) {
			other++;
		}
		cairn_yield();
	}
	cairn_check("restart.observer", "stale_gate_fails_once_then_works", stale == ROUNDS && !other && !stale_twice,
		    "%ld calls: %ld ESTALE (want %d), %ld other errors, %ld failed again at once", calls, stale,
		    ROUNDS, other, stale_twice);
	return 0;
}
