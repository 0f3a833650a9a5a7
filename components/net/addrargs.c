/*
 * addrargs.c: the net component's address from its args (cairn_root.args: the
 * description's `args`, docs/systems.md "Arguments"; docs/network.md "Address"):
 *
 *   address=A/N [gateway=G]   static: A with an N-bit prefix (1..30), G another host on
 *                             its subnet (none without gateway=: the subnet alone is
 *                             reachable)
 *   dhcp                      lwIP's DHCP client asks for an address, a mask and a
 *                             gateway (addr.c starts it)
 *   (nothing)                 static NET_ADDR/24 via NET_GATEWAY (addr.h)
 *
 * and, beside either, the bare word
 *
 *   until_clients_end         net ends once every socket link its description gives
 *                             it has said BYE (cairn/sock.h): a->until_clients_end
 *
 * Anything else (an unknown word, a key twice, a value that is not an address, a
 * gateway off the subnet, dhcp with an address) is said on the console and refused:
 * the component stops rather than take an address it was not given. No lwIP here:
 * tests/host/test_net_addr.c runs it on the host.
 */
#include <cairn/cairn.h>
#include <common/fmt.h>
#include "addr.h"

#define VALUE_MAX 24		/* "255.255.255.255/32" and its NUL, with room to spare */

/* s, up to the character end, as a dotted quad of decimal octets, no leading zeros: 0
 * and *out (host order), or -1. */
static int parse_quad(const char *s, char end, uint32_t *out)
{
	uint32_t a = 0;

	for (int i = 0; i < 4; i++) {
		unsigned v = 0, digits = 0;
		while (*s >= '0' && *s <= '9' && digits < 4) {
			v = v * 10 + (unsigned)(*s++ - '0');
			digits++;
		}
		if (!digits || digits > 3 || v > 255 || (digits > 1 && s[-(int)digits] == '0'))
			return -1;
		a = a << 8 | v;
		if (*s != (i < 3 ? '.' : end))
			return -1;
		s++;
	}
	*out = a;
	return 0;
}

/* "A/N" into *addr and *mask: 0, or -1 if it is not one with N from 1 to 30. */
static int parse_cidr(const char *s, uint32_t *addr, uint32_t *mask)
{
	const char *slash = s;
	unsigned n = 0, digits = 0;

	while (*slash && *slash != '/')
		slash++;
	if (*slash != '/')
		return -1;
	for (const char *p = slash + 1; *p; p++, digits++) {
		if (*p < '0' || *p > '9' || digits == 2)
			return -1;
		n = n * 10 + (unsigned)(*p - '0');
	}
	if (!digits || n < 1 || n > 30 || (digits == 2 && slash[1] == '0') || parse_quad(s, '/', addr))
		return -1;
	*mask = ~0u << (32 - n);
	return 0;
}

static unsigned prefix_of(uint32_t mask)
{
	unsigned n = 0;

	while (n < 32 && mask & (0x80000000u >> n))
		n++;
	return n;
}

/* a can be a host's address on a/mask: not 0/8, loopback, multicast or above, nor the
 * subnet's own address or its broadcast. */
static int host_address(uint32_t a, uint32_t mask)
{
	uint32_t first = a >> 24;

	return first != 0 && first != 127 && first < 224 && (a & ~mask) != 0 && (a & ~mask) != ~mask;
}

/* The value of key into v (VALUE_MAX bytes): 1 if given, 0 if not, -1 after saying why. */
static int value(const struct cairn_root *rt, const char *key, char *v)
{
	long n = cairn_arg(rt, key, v, VALUE_MAX);

	if (n == CAIRN_ENOENT)
		return 0;
	if (n < 0)
		cairn_printf("net: args: %s: its value is longer than %d characters\n", key, VALUE_MAX - 1);
	return n < 0 ? -1 : 1;
}

static long refuse(const char *why, const char *what)
{
	cairn_printf("net: args: %s%s\n", why, what);
	return CAIRN_EINVAL;
}

/* The static address of address=A/N gateway=G (either may be absent) into a. */
static long parse_static(const struct cairn_root *rt, struct net_addr *a)
{
	char v[VALUE_MAX], g[VALUE_MAX];
	int has_a = value(rt, "address", v), has_g = value(rt, "gateway", g);

	if (has_a < 0 || has_g < 0)
		return CAIRN_EINVAL;
	if (!has_a)
		return has_g ? refuse("gateway= needs address=", "") : 0;
	if (parse_cidr(v, &a->addr, &a->mask))
		return refuse("address is not a.b.c.d/n with n from 1 to 30: ", v);
	if (!host_address(a->addr, a->mask))
		return refuse("address is not a host's on its subnet (its network, broadcast, 0/8, loopback "
			      "or multicast): ", v);
	a->gw = 0;
	if (has_g && parse_quad(g, 0, &a->gw))
		return refuse("gateway is not a.b.c.d: ", g);
	if (has_g && ((a->gw & a->mask) != (a->addr & a->mask) || !host_address(a->gw, a->mask) ||
		      a->gw == a->addr))
		return refuse("gateway is not another host on the address's subnet: ", g);
	return 0;
}

/* The address words of the args (the file's comment) into a. */
static long parse_address(const struct cairn_root *rt, struct net_addr *a)
{
	char v[VALUE_MAX];

	*a = (struct net_addr){ .addr = NET_ADDR, .mask = NET_MASK, .gw = NET_GATEWAY };
	long d = cairn_arg(rt, "dhcp", v, sizeof(v));
	if (d == CAIRN_ENOENT)
		return parse_static(rt, a);
	if (d != 0)
		return refuse("dhcp takes no value", "");
	if (cairn_arg(rt, "address", 0, 0) != CAIRN_ENOENT || cairn_arg(rt, "gateway", 0, 0) != CAIRN_ENOENT)
		return refuse("dhcp takes no address= or gateway=", "");
	*a = (struct net_addr){ .dhcp = 1 };
	return 0;
}

long addr_parse(const struct cairn_root *rt, struct net_addr *a)
{
	static const char *const known[] = { "address", "gateway", "dhcp", "until_clients_end" };
	char bad[CAIRN_MODULE_ARGS_MAX];
	char v[VALUE_MAX];

	*a = (struct net_addr){ .addr = NET_ADDR, .mask = NET_MASK, .gw = NET_GATEWAY };
	if (cairn_args_known(rt, known, 4, bad, sizeof(bad)) < 0)
		return refuse("net takes address=a.b.c.d/n, gateway=a.b.c.d, dhcp or until_clients_end, once each, not: ",
			      bad);
	long u = cairn_arg(rt, "until_clients_end", v, sizeof(v));
	if (u != CAIRN_ENOENT && u != 0)
		return refuse("until_clients_end takes no value", "");
	long e = parse_address(rt, a);
	a->until_clients_end = u == 0;
	return e;
}

void addr_text(char *buf, unsigned long size, uint32_t a, uint32_t m, uint32_t g, const char *via)
{
	char gw[16] = "none";

	if (g)
		fmt_snprintf(gw, sizeof(gw), "%u.%u.%u.%u", g >> 24, (g >> 16) & 255, (g >> 8) & 255, g & 255);
	fmt_snprintf(buf, size, "%u.%u.%u.%u/%u%s%s", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255,
		     prefix_of(m), via, gw);
}

void addr_say(const struct net_addr *a, char *buf, unsigned long size)
{
	if (a->dhcp)
		fmt_snprintf(buf, size, "dhcp");
	else
		addr_text(buf, size, a->addr, a->mask, a->gw, " via ");
}

