/*
 * sys_arch.c: what lwIP asks of its platform when NO_SYS is 1 (docs/network.md "The
 * port"): the time in milliseconds, random words, TCP's initial sequence numbers
 * (arch/hooks.h) and atoi. Time is the time stamp counter since the kernel started at
 * the frequency the red tape gives (as lib/librtos/clock.c tells it), read without a
 * kernel entry. Built with Cairn's flags, into build/liblwip.a with lwIP's core.
 */
#include <cairn/cairn.h>
#include "lwip/opt.h"
#include "lwip/sys.h"
#include "arch/hooks.h"

#define ROOT ((const struct cairn_root *)CAIRN_ROOT_VA)

/* Milliseconds since the kernel started; wraps after 49 days, which lwIP's timers
 * expect (they compare by difference). A red tape without a frequency counts one
 * tick per millisecond rather than divide by zero. */
u32_t sys_now(void)
{
	uint64_t khz = ROOT->tsc_hz / 1000;

	return (u32_t)((cairn_cycles() - ROOT->boot_tsc) / (khz ? khz : 1));
}

/* splitmix64's step: a 64-bit mix in which every input bit moves every output bit. */
static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t state;

/* The key, once: the time stamp counter at the first call, which an attacker on the
 * network does not see (the machine has no better entropy to offer Cairn yet). */
static uint64_t key(void)
{
	if (!state)
		state = mix(cairn_cycles() ^ (uint64_t)ROOT->comp_id << 32) | 1;
	return state;
}

unsigned lwip_cairn_rand(void)
{
	key();
	state = mix(state ^ cairn_cycles());
	return (unsigned)(state >> 32);
}

/* RFC 6528: F(addresses, ports, key) + a clock of 4 microseconds. */
u32_t lwip_cairn_isn(const ip_addr_t *local_ip, u16_t local_port, const ip_addr_t *remote_ip, u16_t remote_port)
{
	uint64_t h = mix(key() ^ ip_addr_get_ip4_u32(local_ip));
	uint64_t us4 = ROOT->tsc_hz >= 250000 ? cairn_cycles() / (ROOT->tsc_hz / 250000) : cairn_cycles();

	h = mix(h ^ ip_addr_get_ip4_u32(remote_ip));
	h = mix(h ^ ((uint64_t)local_port << 16 | remote_port));
	return (u32_t)(h + us4);
}

/* A decimal number's value, as the C library's: leading spaces, a sign, digits. Used
 * by netif_find() on a name it is given (Cairn's code gives none from the network). */
int atoi(const char *s)
{
	int neg = 0;
	unsigned v = 0;

	while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
		s++;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	while (*s >= '0' && *s <= '9' && v < 100000000)
		v = v * 10 + (unsigned)(*s++ - '0');
	return neg ? -(int)v : (int)v;
}
