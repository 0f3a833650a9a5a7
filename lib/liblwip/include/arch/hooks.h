/*
 * arch/hooks.h: lwIP's hooks Cairn's port provides (lwipopts.h LWIP_HOOK_FILENAME;
 * lib/liblwip/sys_arch.c). TCP initial sequence numbers as RFC 6528 asks: a keyed
 * hash of the connection's addresses and ports plus a clock, so that an off-path
 * attacker cannot guess them (lwIP's own are a counter).
 */
#ifndef CAIRN_LWIP_ARCH_HOOKS_H
#define CAIRN_LWIP_ARCH_HOOKS_H

#include "lwip/ip_addr.h"

u32_t lwip_cairn_isn(const ip_addr_t *local_ip, u16_t local_port, const ip_addr_t *remote_ip, u16_t remote_port);
#define LWIP_HOOK_TCP_ISN lwip_cairn_isn

#endif
