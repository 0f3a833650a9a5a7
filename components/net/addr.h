/*
 * addr.h: the net component's address (docs/network.md "Address"): what its args say
 * (addrargs.c, no lwIP) and how lwIP is given it (addr.c).
 */
#ifndef NET_ADDR_H
#define NET_ADDR_H

#include <stdint.h>
#include <cairn/root.h>

/* The address without args: QEMU's user networking's guest. */
#define NET_ADDR    0x0a00020fu		/* 10.0.2.15 */
#define NET_MASK    0xffffff00u		/* /24 */
#define NET_GATEWAY 0x0a000202u		/* 10.0.2.2 */

/* An interface's address, host order: static (addr, mask, gw; gw 0: none) or DHCP; and
 * the args' one other word, until_clients_end (net ends once its clients have). */
struct net_addr {
	int dhcp;
	uint32_t addr, mask, gw;
	int until_clients_end;
};

/* addrargs.c: the address the component's args give (addrargs.c's comment): 0 and *a,
 * or CAIRN_EINVAL after saying on the console ("net: args: ...") what is wrong. */
long addr_parse(const struct cairn_root *rt, struct net_addr *a);

/* addrargs.c: a as the console says it: "10.0.2.15/24 via 10.0.2.2" ("via none"), or
 * "dhcp"; cut to size - 1 characters. */
void addr_say(const struct net_addr *a, char *buf, unsigned long size);

/* addrargs.c: "a.b.c.d/n<via>g" (g "none" if 0; n the mask's leading ones) into buf. */
void addr_text(char *buf, unsigned long size, uint32_t a, uint32_t mask, uint32_t g, const char *via);

#endif
