/*
 * fr_crasher: crashes the fragile server 100 times (tests/qemu/systems/restart.toml),
 * each time while fr_holder waits inside it and fr_observer calls it now and then.
 * Each crash call must return CAIRN_ESTALE (the call was in flight when the server
 * faulted); the next call must reach the next generation, fresh: its generation one
 * more, main run once, the counter from zero.
 */
#include <iface/fragile.h>

#define ROUNDS 100
#define PATIENCE 10000		/* yields to wait for the holder */

int main(const struct cairn_root *rt)
{
	(void)rt;
	long bad_crash = 0, bad_gen = 0, bad_fresh = 0, waited_out = 0, first_bad = -1;

	for (long i = 0; i < ROUNDS; i++) {
		long tries = 0;
		while (fragile_holding() != 1 && tries++ < PATIENCE)
			cairn_yield();
		waited_out += tries > PATIENCE;
		long x = fragile_crash((cairn_word)(i % 3));
		cairn_word inits = 0;
		long gen = fragile_generation(&inits);
		long count = fragile_bump(5);
		bad_crash += x != CAIRN_ESTALE;
		bad_gen += gen != i + 2 || inits != 1;
		bad_fresh += count != 5;
		if (first_bad < 0 && (x != CAIRN_ESTALE || gen != i + 2 || inits != 1 || count != 5))
			first_bad = i;
	}
	cairn_check("restart.crasher", "in_flight_crash_calls_get_estale_then_fresh_server",
		    !bad_crash && !bad_gen && !bad_fresh && !waited_out,
		    "of %d rounds: %ld crash calls not ESTALE, %ld wrong generation or init count, %ld state "
		    "not fresh, %ld without a holder; first bad round %ld", ROUNDS, bad_crash, bad_gen, bad_fresh,
		    waited_out, first_bad);
	cairn_word inits = 0;
	long gen = fragile_generation(&inits);
	cairn_check("restart.generation", "server_back_after_every_crash", gen == ROUNDS + 1,
		    "generation %ld after %d crashes (want %d)", gen, ROUNDS, ROUNDS + 1);
	return 0;
}
