/*
 * arp.h: ARP over Ethernet for IPv4 (RFC 826), as much as a net client needs before
 * an IP stack exists: build a request, recognise the reply to it. Shared by
 * components/arp and tests/components/net_client. IPv4 addresses are host-order words
 * (10.0.2.2 is 0x0a000202); frames are the net transport's (cairn/net.h).
 */
#ifndef ARP_H
#define ARP_H

#include <stdint.h>
#include <cairn/net.h>

#define ETH_TYPE_ARP 0x0806
#define ETH_TYPE_IP  0x0800
#define ARP_LEN      42		/* the Ethernet header and the ARP packet */
#define ARP_FRAME    60		/* a request, padded with zeros to Ethernet's minimum */
#define ARP_REQUEST  1
#define ARP_REPLY    2

static inline void arp_put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void arp_put32(uint8_t *p, uint32_t v)
{
	arp_put16(p, v >> 16);
	arp_put16(p + 2, v & 0xffff);
}

static inline unsigned arp_get16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static inline uint32_t arp_get32(const uint8_t *p)
{
	return (uint32_t)arp_get16(p) << 16 | arp_get16(p + 2);
}

/* Writes into f (ARP_FRAME bytes) a broadcast request from mac/ip for `target`. */
static inline void arp_request(uint8_t *f, const uint8_t mac[NET_MAC_LEN], uint32_t ip, uint32_t target)
{
	for (unsigned i = 0; i < ARP_FRAME; i++)
		f[i] = i < NET_MAC_LEN ? 0xff : 0;
	for (unsigned i = 0; i < NET_MAC_LEN; i++)
		f[6 + i] = f[22 + i] = mac[i];		/* Ethernet source, sender hardware address */
	arp_put16(f + 12, ETH_TYPE_ARP);
	arp_put16(f + 14, 1);				/* hardware: Ethernet */
	arp_put16(f + 16, ETH_TYPE_IP);
	f[18] = NET_MAC_LEN;
	f[19] = 4;
	arp_put16(f + 20, ARP_REQUEST);
	arp_put32(f + 28, ip);				/* sender protocol address */
	arp_put32(f + 38, target);			/* target: hardware address left zero */
}

/*
 * 1 if the len bytes at f are the reply to arp_request(mac, ip, target): to mac, ARP,
 * Ethernet and IPv4, a reply, from target (sender protocol address) with the same
 * sender hardware address as the Ethernet source, to mac and ip. Its sender's MAC goes
 * to *from.
 */
static inline int arp_is_reply(const uint8_t *f, uint32_t len, const uint8_t mac[NET_MAC_LEN], uint32_t ip,
			       uint32_t target, uint8_t from[NET_MAC_LEN])
{
	if (len < ARP_LEN || arp_get16(f + 12) != ETH_TYPE_ARP || arp_get16(f + 14) != 1 ||
	    arp_get16(f + 16) != ETH_TYPE_IP || f[18] != NET_MAC_LEN || f[19] != 4 || arp_get16(f + 20) != ARP_REPLY ||
	    arp_get32(f + 28) != target || arp_get32(f + 38) != ip)
		return 0;
	for (unsigned i = 0; i < NET_MAC_LEN; i++)
		if (f[i] != mac[i] || f[32 + i] != mac[i] || f[6 + i] != f[22 + i])
			return 0;
	for (unsigned i = 0; i < NET_MAC_LEN; i++)
		from[i] = f[22 + i];
	return 1;
}

#endif
