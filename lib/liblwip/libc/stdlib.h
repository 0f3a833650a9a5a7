/*
 * stdlib.h for lwIP (lib/liblwip): the one function lwIP's core uses (netif_find's
 * atoi), from lib/liblwip/sys_arch.c.
 */
#ifndef CAIRN_LWIP_STDLIB_H
#define CAIRN_LWIP_STDLIB_H
int atoi(const char *s);
#endif
