/*
 * addr.c: the net component's address in lwIP (docs/network.md "Address"): the one
 * addr_parse (addrargs.c) read from its args given to the interface, or lwIP's DHCP
 * client started; lwIP's status callback says the address once the interface has one:
 *   net: address 10.0.2.15/24 gateway 10.0.2.2 (static)
 */
#include <cairn/cairn.h>
#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "net.h"

static int dhcp_mode;

/* lwIP's status callback: the interface went up, or its address changed. One line,
 * formatted first: the console is shared. */
static void addr_changed(struct netif *nif)
{
	uint32_t a = lwip_ntohl(ip4_addr_get_u32(netif_ip4_addr(nif)));
	uint32_t m = lwip_ntohl(ip4_addr_get_u32(netif_ip4_netmask(nif)));
	uint32_t g = lwip_ntohl(ip4_addr_get_u32(netif_ip4_gw(nif)));
	char line[64];

	if (!a) {
		if (dhcp_mode)
			cairn_printf("net: no address yet (dhcp)\n");
		return;
	}
	addr_text(line, sizeof(line), a, m, g, " gateway ");
	cairn_printf("net: address %s (%s)\n", line, dhcp_mode ? "dhcp" : "static");
}

long addr_start(struct netif *nif, const struct net_addr *a)
{
	dhcp_mode = a->dhcp;
	netif_set_status_callback(nif, addr_changed);
	if (a->dhcp) {
		addr_changed(nif);
		err_t e = dhcp_start(nif);
		if (e != ERR_OK)
			cairn_printf("net: dhcp: lwIP error %d\n", e);
		return e == ERR_OK ? 0 : CAIRN_ENOMEM;
	}
	ip4_addr_t addr, mask, gw;
	ip4_addr_set_u32(&addr, lwip_htonl(a->addr));
	ip4_addr_set_u32(&mask, lwip_htonl(a->mask));
	ip4_addr_set_u32(&gw, lwip_htonl(a->gw));
	netif_set_addr(nif, &addr, &mask, &gw);
	if (a->gw)
		etharp_request(nif, &gw);	/* the gateway's address, before the first answer needs it */
	return 0;
}
