/* net_probe: components/net/sock.c unchanged but for its UDP receive callback, which
 * passes probe.c's hooks first (main.c says why). */
#include "lwip/init.h"	/* (the Makefile gives lwIP's headers to files that name one) */
#include "lwip/udp.h"
#include "probe.h"

static void probe_udp_in(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port);
#define udp_recv(pcb, fn, arg) udp_recv(pcb, probe_udp_in, arg)
#include "../../../components/net/sock.c"
#undef udp_recv

static void probe_udp_in(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
	if (!probe_hook(pcb, p, addr, port))
		udp_in(arg, pcb, p, addr, port);
}
