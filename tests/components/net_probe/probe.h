/*
 * probe.h: net_probe's test hooks (probe.c) on every UDP datagram that reaches a
 * socket of the stack, inner_echo.c's or a socket link's (sock.c here registers its
 * receive callback through them):
 *
 *   NET_PROBE_STATS...  answered from that socket with "name=value" pairs, one space
 *                       between: the link's counts (link.*), the driver's (drv.*, its
 *                       stats call), lwIP's (stats.h: link, etharp, ip, icmp, udp, tcp;
 *                       the pools' errors), inner_echo's connections (echo.*) and the
 *                       socket links' (sock.*)
 *   NET_PROBE_CRASH...  "net_probe: crashing" on the console, then ud2
 *
 * Any other datagram goes on to the socket as usual.
 */
#ifndef NET_PROBE_H
#define NET_PROBE_H

#include "lwip/udp.h"

#define NET_PROBE_STATS "net_probe:stats"
#define NET_PROBE_CRASH "net_probe:crash"

/* 1 if p was a hook's (then freed, or never: the crash), 0 if it goes on. */
int probe_hook(struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port);

/* inner_echo.c: its connections now, and those aborted to make room (ECHO_IDLE_MS). */
unsigned echo_conns(void);
uint64_t echo_evicted(void);

#endif
