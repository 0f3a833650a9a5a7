/*
 * net.h: the net component's parts (docs/network.md): the link (link.c), lwIP's
 * network interface over the net transport to the driver, and the socket links to its
 * clients (sock.c), which main.c's event loop serves. One thread runs all of it: lwIP
 * is built with NO_SYS and is never entered from two places at once.
 */
#ifndef NET_NET_H
#define NET_NET_H

#include <stdint.h>
#include "lwip/netif.h"
#include "addr.h"

/* --- link.c ---------------------------------------------------------------------- */

/* The data region's layout: LINK_NRX receive buffers, then LINK_NTX transmit buffers,
 * each LINK_BUF bytes (at least NET_FRAME_MAX), at offset id * LINK_BUF. */
#define LINK_BUF 2048
#define LINK_NRX 48
#define LINK_NTX 48
#define LINK_RX_BATCH 32		/* frames taken per round before timers run again */

struct link_stats {
	uint64_t rx_frames, rx_refused, rx_bad, rx_nomem;	/* received; the driver's refusals; lengths beyond reason; no pbuf */
	uint64_t tx_frames, tx_refused, tx_lost, tx_waits;	/* sent; refused; lost in a restart; waits for a buffer */
	uint64_t restarts;					/* driver restarts seen (rx and tx notices) */
};

/* Opens the transport ("net_data" and the four ports), gives the driver every receive
 * buffer and adds the interface as lwIP's default, up, without an address (addr_start
 * gives it one): 0, or an error (said on the console). After lwip_init(). */
long link_open(struct netif *nif);

/* Takes up to LINK_RX_BATCH received frames into lwIP and every transmit buffer
 * back: the number of descriptors handled (0: nothing was there). */
unsigned link_poll(struct netif *nif);

/* Sends the driver the one wake-up it is owed, if it sleeps on a queue we changed. */
void link_wake(void);

/* Arms the two queues the driver fills (rx active, tx free): 1 if the caller may
 * sleep (both empty; the driver sends when it puts), 0 if there is work. */
int link_arm(void);

/* Waits until every frame given to the driver has come back (sent or refused). */
void link_drain(void);

/* The driver's MAC address (link_open read it). */
const uint8_t *link_mac(void);

/* Tells the driver to stop and wakes it. */
void link_stop(void);

extern struct link_stats link_stats;

/* --- addr.c ---------------------------------------------------------------------- */

/* Gives the interface (link_open's, up, without an address) address a, or starts DHCP;
 * the console says the address once the interface has one. 0, or an error. */
long addr_start(struct netif *nif, const struct net_addr *a);

/* --- a service inside the stack's own domain ----------------------------------- */

/* components/net has none: applications are socket clients (sock.c). A test image may
 * link one (tests/components/net_probe: an echo on lwIP's raw API for the robustness
 * tests): main.c starts it once the interface has its address (0, or an lwIP error)
 * and ends when it says so. Weak: absent, they are 0. */
long inner_start(void) __attribute__((weak));
int inner_quit(void) __attribute__((weak));

/* --- sock.c: the socket links (cairn/sock.h) --------------------------------------- */

struct sock_stats {
	uint64_t udp_dropped;		/* datagrams with no buffer, too large for it, or no room to tell */
	uint64_t tcp_refused;		/* connections aborted: backlog, sockets or rings full */
	uint64_t bad_cmds;		/* commands refused by sock_cmd_check */
	uint64_t broken;		/* links whose client cursor was beyond reason */
	uint64_t stale_cmds;		/* a restarted net: commands before the client's HELLO, dropped */
};

/* Opens every link sock0..sock3 the description gives: how many. After lwip_init().
 * `restarted` (net's generation is not its first): each link is told RESTARTED and
 * served again from its client's HELLO on (cairn/sock.h), *told of them; a link whose
 * client had said BYE to the old instance (its DONE is the last event there) counts
 * as having said it to this one, *byes of them. */
unsigned sock_open(int restarted, unsigned *told, unsigned *byes);

/* Tells every link ENDED (cairn/sock.h; where its queue has room): net stops without
 * serving. */
void sock_ended(void);

/* 1 if every link said BYE (and no HELLO since); 0 with no link. */
int sock_all_bye(void);

/* 1 while sends of the clients are still on their way (a socket closing with sends
 * lwIP has not taken; a connection with bytes unsent or unacknowledged). Once every
 * client has said BYE, net serves on while this holds, for at most NET_LINGER_MS of
 * lwIP's clock, and then ends (main.c, ending). */
int sock_draining(void);
#define NET_LINGER_MS 2000

/* Takes each link's commands and tells each client what its sockets owe it: the
 * number of commands handled (0: nothing was there). */
unsigned sock_poll(void);

/* One wake-up to each client that waits on a queue we changed. */
void sock_wake(void);

/* Arms every link's command queue (and a full event queue): 1 if the caller may sleep. */
int sock_arm(void);

extern struct sock_stats sock_stats;

#endif
