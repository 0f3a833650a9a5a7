/*
 * fragile: a server that crashes on request (interfaces/fragile.toml), for the restart
 * tests (tests/qemu/systems/restart.toml) and benchmark (bench/systems/restart.toml).
 * Its state (a counter, the callers waiting in hold, how often main ran) lives in its
 * data and bss, so a restart must give it back fresh: a client that sees a count or an
 * init count from before knows the restart was not clean.
 */
#define CAIRN_SERVE_FRAGILE
#include <iface/fragile.h>
#include <cairn/root.h>

#define HOLD_YIELDS 1000000	/* how long hold waits for a restart before giving up */

static long counter, holders, inits;
static volatile int zero;

long fragile_bump_serve(cairn_word n, cairn_word client)
{
	(void)client;
	counter += (long)n;
	return counter;
}

long fragile_hold_serve(cairn_word client)
{
	(void)client;
	holders++;
	for (long i = 0; i < HOLD_YIELDS; i++)
		cairn_yield();	/* a restart ends this call with CAIRN_ESTALE instead */
	holders--;
	return 0;
}

long fragile_holding_serve(cairn_word client)
{
	(void)client;
	return holders;
}

long fragile_crash_serve(cairn_word how, cairn_word client)
{
	(void)client;
	if (how == 1) {
		long q = 7, d = zero;
		__asm__ volatile("xor %%edx, %%edx\n\tdivq %1" : "+a"(q) : "r"(d) : "rdx");
		return q;	/* a divide error: never */
	}
	if (how == 2)
		__builtin_trap();
	*(volatile long *)(uintptr_t)zero = 1;
	return 0;
}

long fragile_generation_serve(cairn_word client, cairn_word *runs)
{
	(void)client;
	*runs = (cairn_word)inits;
	return ((const struct cairn_root *)CAIRN_ROOT_VA)->generation;
}

int main(const struct cairn_root *rt)
{
	(void)rt;
	inits++;
	return 0;
}
