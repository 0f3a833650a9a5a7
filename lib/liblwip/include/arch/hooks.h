/*
 * arch/hooks.h: lwIP's hooks Cairn's port provides (lwipopts.h LWIP_HOOK_FILENAME;
 * lib/liblwip/sys_arch.c). TCP initial sequence numbers as RFC 6528 asks: a keyed
 * hash of the connection's addresses and ports plus a clock, so that an off-path
 * attacker cannot guess them (lwIP's own are a counter); and a full listener's
 * oldest half-open connection given way to a new SYN (listen.c).
 */
#ifndef CAIRN_LWIP_ARCH_HOOKS_H
#define CAIRN_LWIP_ARCH_HOOKS_H

#include "lwip/ip_addr.h"
#include "lwip/err.h"

u32_t lwip_cairn_isn(const ip_addr_t *local_ip, u16_t local_port, const ip_addr_t *remote_ip, u16_t remote_port);
#define LWIP_HOOK_TCP_ISN lwip_cairn_isn

/* listen.c: a SYN to a listener whose backlog is full drops its oldest half-open
 * connection first (lwIP has no SYN cookies). */
struct tcp_pcb;
struct tcp_hdr;
struct pbuf;
extern u32_t lwip_cairn_syn_evicted;
err_t lwip_cairn_tcp_in(struct tcp_pcb *pcb, struct tcp_hdr *hdr, u16_t optlen, u16_t opt1len,
			u8_t *opt2, struct pbuf *p);
#define LWIP_HOOK_TCP_INPACKET_PCB lwip_cairn_tcp_in

#endif
