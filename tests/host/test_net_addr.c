/*
 * test_net_addr.c: the net component's address from its args (components/net/addrargs.c,
 * docs/network.md "Address"): no args is the default, static addresses and DHCP are
 * read exactly, and every malformed or contradictory value is refused with its message
 * (cairn_printf is captured here) and CAIRN_EINVAL, never a default.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairn/abi.h>
#include <cairn/root.h>
#include "../../components/net/addr.h"

static char said[512];

int cairn_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(said, sizeof(said), fmt, ap);
	va_end(ap);
	return n;
}

static long parse(const char *args, struct net_addr *a)
{
	static struct cairn_root rt;

	assert_true(strlen(args) < sizeof(rt.args));
	memset(&rt, 0, sizeof(rt));
	strcpy(rt.args, args);
	said[0] = 0;
	memset(a, 0x5a, sizeof(*a));
	return addr_parse(&rt, a);
}

static void want_static(const char *args, uint32_t addr, uint32_t mask, uint32_t gw, const char *text)
{
	struct net_addr a;
	char t[48];

	assert_int_equal(parse(args, &a), 0);
	assert_string_equal(said, "");
	assert_int_equal(a.dhcp, 0);
	assert_int_equal(a.addr, addr);
	assert_int_equal(a.mask, mask);
	assert_int_equal(a.gw, gw);
	addr_say(&a, t, sizeof(t));
	assert_string_equal(t, text);
}

/* args are refused, with this message. */
static void want_refused(const char *args, const char *message)
{
	struct net_addr a;

	assert_int_equal(parse(args, &a), CAIRN_EINVAL);
	assert_string_equal(said, message);
}

static void test_default(void **state)
{
	(void)state;
	want_static("", NET_ADDR, NET_MASK, NET_GATEWAY, "10.0.2.15/24 via 10.0.2.2");
	want_static("   ", NET_ADDR, NET_MASK, NET_GATEWAY, "10.0.2.15/24 via 10.0.2.2");
}

static void test_static(void **state)
{
	(void)state;
	want_static("address=10.0.2.20/24 gateway=10.0.2.2", 0x0a000214, 0xffffff00, 0x0a000202,
		    "10.0.2.20/24 via 10.0.2.2");
	want_static("gateway=192.168.1.254 address=192.168.1.1/16", 0xc0a80101, 0xffff0000, 0xc0a801fe,
		    "192.168.1.1/16 via 192.168.1.254");
	want_static("address=10.0.2.20/24", 0x0a000214, 0xffffff00, 0, "10.0.2.20/24 via none");
	want_static("address=1.0.0.1/1", 0x01000001, 0x80000000, 0, "1.0.0.1/1 via none");
	want_static("address=223.255.255.253/30 gateway=223.255.255.254", 0xdffffffd, 0xfffffffc, 0xdffffffe,
		    "223.255.255.253/30 via 223.255.255.254");
}

static void test_dhcp(void **state)
{
	struct net_addr a;
	char t[8];

	(void)state;
	assert_int_equal(parse("dhcp", &a), 0);
	assert_int_equal(a.dhcp, 1);
	assert_int_equal(a.addr | a.mask | a.gw, 0);
	addr_say(&a, t, sizeof(t));
	assert_string_equal(t, "dhcp");
	assert_int_equal(parse("  dhcp ", &a), 0);
	assert_int_equal(a.dhcp, 1);
	assert_int_equal(parse("dhcp=", &a), 0);	/* an empty value is a bare key (cairn_arg) */
	assert_int_equal(a.dhcp, 1);
}

#define NOT_CIDR "net: args: address is not a.b.c.d/n with n from 1 to 30: "
#define NOT_HOST "net: args: address is not a host's on its subnet (its network, broadcast, 0/8, " \
		 "loopback or multicast): "
#define NOT_GW_QUAD "net: args: gateway is not a.b.c.d: "
#define NOT_GW_HOST "net: args: gateway is not another host on the address's subnet: "
#define UNKNOWN "net: args: net takes address=a.b.c.d/n, gateway=a.b.c.d, dhcp or until_clients_end, once each, not: "

static void test_bad_address(void **state)
{
	(void)state;
	want_refused("address=10.0.2.256/24", NOT_CIDR "10.0.2.256/24\n");
	want_refused("address=10.0.2.15", NOT_CIDR "10.0.2.15\n");
	want_refused("address=10.0.2/24", NOT_CIDR "10.0.2/24\n");
	want_refused("address=10.0.2.15.1/24", NOT_CIDR "10.0.2.15.1/24\n");
	want_refused("address=10.0.2.015/24", NOT_CIDR "10.0.2.015/24\n");
	want_refused("address=10.0.2.1500/24", NOT_CIDR "10.0.2.1500/24\n");
	want_refused("address=10.0.2.-1/24", NOT_CIDR "10.0.2.-1/24\n");
	want_refused("address=0x0a.0.2.15/24", NOT_CIDR "0x0a.0.2.15/24\n");
	want_refused("address=10..2.15/24", NOT_CIDR "10..2.15/24\n");
	want_refused("address=10.0.2.15/", NOT_CIDR "10.0.2.15/\n");
	want_refused("address=10.0.2.15/0", NOT_CIDR "10.0.2.15/0\n");
	want_refused("address=10.0.2.15/31", NOT_CIDR "10.0.2.15/31\n");
	want_refused("address=10.0.2.15/024", NOT_CIDR "10.0.2.15/024\n");
	want_refused("address=10.0.2.15/08", NOT_CIDR "10.0.2.15/08\n");
	want_refused("address=10.0.2.15/2x", NOT_CIDR "10.0.2.15/2x\n");
	want_refused("address=", NOT_CIDR "\n");
	want_refused("address", NOT_CIDR "\n");
	want_refused("address=10.0.2.0/24", NOT_HOST "10.0.2.0/24\n");
	want_refused("address=10.0.2.255/24", NOT_HOST "10.0.2.255/24\n");
	want_refused("address=0.0.0.1/24", NOT_HOST "0.0.0.1/24\n");
	want_refused("address=127.0.0.1/8", NOT_HOST "127.0.0.1/8\n");
	want_refused("address=224.0.0.1/24", NOT_HOST "224.0.0.1/24\n");
	want_refused("address=255.255.255.1/24", NOT_HOST "255.255.255.1/24\n");
	want_refused("address=10.0.2.1000000000000000000000000/24",
		     "net: args: address: its value is longer than 23 characters\n");
}

static void test_bad_gateway(void **state)
{
	(void)state;
	want_refused("address=10.0.2.20/24 gateway=10.0.2", NOT_GW_QUAD "10.0.2\n");
	want_refused("address=10.0.2.20/24 gateway=10.0.2.2/24", NOT_GW_QUAD "10.0.2.2/24\n");
	want_refused("address=10.0.2.20/24 gateway=", NOT_GW_QUAD "\n");
	want_refused("address=10.0.2.20/24 gateway=10.0.3.2", NOT_GW_HOST "10.0.3.2\n");
	want_refused("address=10.0.2.20/24 gateway=10.0.2.20", NOT_GW_HOST "10.0.2.20\n");
	want_refused("address=10.0.2.20/24 gateway=10.0.2.255", NOT_GW_HOST "10.0.2.255\n");
	want_refused("address=10.0.2.20/24 gateway=10.0.2.0", NOT_GW_HOST "10.0.2.0\n");
	want_refused("gateway=10.0.2.2", "net: args: gateway= needs address=\n");
}

static void test_bad_words(void **state)
{
	(void)state;
	want_refused("adress=10.0.2.20/24", UNKNOWN "adress=10.0.2.20/24\n");
	want_refused("dhcp dns=10.0.2.3", UNKNOWN "dns=10.0.2.3\n");
	want_refused("dhcp dhcp", UNKNOWN "dhcp\n");
	want_refused("address=10.0.2.20/24 address=10.0.2.21/24", UNKNOWN "address=10.0.2.21/24\n");
	want_refused("=dhcp", UNKNOWN "=dhcp\n");
	want_refused("dhcp=yes", "net: args: dhcp takes no value\n");
	want_refused("dhcp address=10.0.2.20/24", "net: args: dhcp takes no address= or gateway=\n");
	want_refused("gateway=10.0.2.2 dhcp", "net: args: dhcp takes no address= or gateway=\n");
	want_refused("until_clients_end=yes", "net: args: until_clients_end takes no value\n");
	want_refused("dhcp until_clients_end=1", "net: args: until_clients_end takes no value\n");
	want_refused("until_clients_end=0123456789012345678901234567890", "net: args: until_clients_end takes no value\n");
	want_refused("until_clients_end until_clients_end", UNKNOWN "until_clients_end\n");
	want_refused("until_clients_ends", UNKNOWN "until_clients_ends\n");
	want_refused("until_clients_end address=10.0.2.256/24", NOT_CIDR "10.0.2.256/24\n");
}

/* until_clients_end: beside any address, and only where given. */
static void test_until_clients_end(void **state)
{
	struct net_addr a;

	(void)state;
	assert_int_equal(parse("", &a), 0);
	assert_int_equal(a.until_clients_end, 0);
	assert_int_equal(parse("dhcp", &a), 0);
	assert_int_equal(a.until_clients_end, 0);
	assert_int_equal(parse("address=10.0.2.20/24", &a), 0);
	assert_int_equal(a.until_clients_end, 0);
	assert_int_equal(parse("until_clients_end", &a), 0);
	assert_int_equal(a.until_clients_end, 1);
	assert_int_equal(a.dhcp, 0);
	assert_int_equal(a.addr, NET_ADDR);
	assert_int_equal(a.gw, NET_GATEWAY);
	assert_int_equal(parse("until_clients_end=", &a), 0);	/* an empty value is a bare key (cairn_arg) */
	assert_int_equal(a.until_clients_end, 1);
	assert_int_equal(parse("dhcp until_clients_end", &a), 0);
	assert_int_equal(a.until_clients_end, 1);
	assert_int_equal(a.dhcp, 1);
	assert_int_equal(parse("address=10.0.2.20/24 until_clients_end gateway=10.0.2.2", &a), 0);
	assert_int_equal(a.until_clients_end, 1);
	assert_int_equal(a.addr, 0x0a000214);
	assert_int_equal(a.gw, 0x0a000202);
	assert_string_equal(said, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default),
		cmocka_unit_test(test_static),
		cmocka_unit_test(test_dhcp),
		cmocka_unit_test(test_bad_address),
		cmocka_unit_test(test_bad_gateway),
		cmocka_unit_test(test_bad_words),
		cmocka_unit_test(test_until_clients_end),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
