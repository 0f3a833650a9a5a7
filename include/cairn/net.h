/*
 * cairn/net.h: the net interface's facts shared by a net driver and its clients
 * (docs/devices.md "Virtio-net"): frame sizes, how a MAC address travels in a word,
 * and the counters interfaces/net.toml's stats returns. The data path is the net
 * transport of cairn/xport.h (rx free, rx active, tx active, tx free, a data region).
 */
#ifndef CAIRN_NET_H
#define CAIRN_NET_H

#include <stdint.h>

/* An Ethernet frame as the transport carries it: destination, source, type, payload;
 * no preamble, no frame check sequence. */
#define NET_FRAME_MIN 14		/* a header and no payload: anything shorter is refused */
#define NET_FRAME_MAX 1514		/* a 1500-byte payload: anything longer is refused */
#define NET_MAC_LEN   6

/*
 * The transport's net rules (a driver's answers):
 *  - every descriptor a client puts comes back exactly once: an rx free buffer on rx
 *    active, a tx active buffer on tx free, with its offset and id as given;
 *  - `len` 0 on the way back means refused (nothing received into it, nothing sent): a
 *    buffer outside the data region, an rx buffer shorter than NET_FRAME_MAX, a tx
 *    frame shorter than NET_FRAME_MIN or longer than NET_FRAME_MAX, or a device that
 *    has failed; otherwise rx active's len is the frame's length, tx free's the length
 *    sent.
 */

/* A MAC address in a word: byte i (the i-th on the wire) in bits 8i..8i+7. */
static inline uint64_t net_mac_word(const uint8_t mac[NET_MAC_LEN])
{
	uint64_t w = 0;
	for (unsigned i = 0; i < NET_MAC_LEN; i++)
		w |= (uint64_t)mac[i] << (8 * i);
	return w;
}

static inline void net_mac_bytes(uint64_t w, uint8_t mac[NET_MAC_LEN])
{
	for (unsigned i = 0; i < NET_MAC_LEN; i++)
		mac[i] = (uint8_t)(w >> (8 * i));
}

/* stats(which): the driver's counters since it started, never wrapping in practice (64 bits). */
enum net_stat {
	NET_STAT_RX_FRAMES,		/* frames received and handed to the client */
	NET_STAT_TX_FRAMES,		/* frames the device sent */
	NET_STAT_RX_REFUSED,		/* rx free buffers refused (returned with len 0) */
	NET_STAT_TX_REFUSED,		/* tx frames refused (returned with len 0) */
	NET_STAT_RX_DROPPED,		/* frames the device delivered shorter than NET_FRAME_MIN: dropped */
	NET_STAT_COUNT
};

#endif
