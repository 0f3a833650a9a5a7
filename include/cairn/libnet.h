/*
 * cairn/libnet.h: sockets for a booter-run component (lib/libnet, docs/network.md
 * "Sockets"): the net_* calls over the component's one socket link to `net`
 * (cairn/sock.h: the ports sock<N>_cmd and sock<N>_ev and the region sock<N>_data its
 * description gives it). The first call finds the link and starts a client instance
 * (HELLO: sockets a previous instance left are closed); with no link every call is
 * NET_ENETDOWN.
 *
 * A socket is a handle, a small integer > 0; a call returns it, or bytes, or 0, or a
 * negative error. Calls do not wait unless flags has NET_BLOCK: NET_EAGAIN instead.
 * The library lends `net` the region's buffers (NET_BUF bytes each) and copies the
 * caller's bytes in and out of them: a component's own pointers never reach `net`.
 * One thread at a time (the library keeps its state in static memory).
 *
 * If `net` is restarted (its description says restart = true), every socket the
 * component had dies with the old instance: the library says HELLO to the new one at
 * once, and each old handle fails until it is closed: a connection's receive gives
 * what had already arrived, then NET_ECONNRESET, its send NET_EPIPE; a UDP socket's
 * calls NET_ENETDOWN (a receive after what had arrived), a listener's accept
 * NET_ENETDOWN. net_close frees the handle as usual; the component opens new sockets.
 * A call waiting for the old instance's answer returns NET_ENETDOWN. If `net` stops
 * without serving (ENDED: its args refused), every call is NET_ENETDOWN from then on.
 */
#ifndef CAIRN_LIBNET_H
#define CAIRN_LIBNET_H

#include <stddef.h>
#include <stdint.h>
#include "sock.h"

#define NET_BLOCK 1

#define NET_BUF 2048			/* a buffer of the region: one datagram, or part of a stream */
#define NET_RX_UDP 32			/* receive buffers lent to net per UDP socket (<= SOCK_RX_BUFS) */
#define NET_RX_TCP 4			/* ... per TCP connection: 8 KiB of its window at a time */
#define NET_TX_PER_SOCK 16		/* send buffers at net per socket (<= SOCK_BUFS) */

/* Errors (negative). */
#define NET_EBADF        CAIRN_EBADF	/* not a handle of an open socket, or the wrong kind */
#define NET_EINVAL       CAIRN_EINVAL	/* an argument out of range (port, backlog, flags) */
#define NET_EFAULT       CAIRN_EFAULT	/* a null buffer with a length */
#define NET_EAGAIN       CAIRN_EAGAIN	/* nothing now; NET_BLOCK waits */
#define NET_ENOBUFS      CAIRN_ENOBUFS	/* no buffer or socket free (here or in net) */
#define NET_EADDRINUSE   SOCK_EADDRINUSE
#define NET_ECONNREFUSED SOCK_ECONNREFUSED
#define NET_ECONNRESET   SOCK_ECONNRESET
#define NET_ENOTCONN     SOCK_ENOTCONN
#define NET_EMSGSIZE     SOCK_EMSGSIZE
#define NET_EPIPE        SOCK_EPIPE
#define NET_ENETDOWN     (-70)		/* no link to net */

typedef int net_sock_t;

/* An IPv4 address and port, host order. */
struct net_addr {
	uint32_t addr;
	uint16_t port;
};

/* A UDP socket bound to `port` (0: any). */
net_sock_t net_udp_open(uint16_t port, int flags);

/* A TCP socket listening on `port` (1..65535) with `backlog` (1..SOCK_BACKLOG_MAX)
 * connections waiting to be accepted. */
net_sock_t net_tcp_listen(uint16_t port, int backlog, int flags);

/* The next connection on a listener; *peer (if given) its address. */
net_sock_t net_tcp_accept(net_sock_t listener, struct net_addr *peer, int flags);

/* A connection to *to. NET_BLOCK: returns once connected (or NET_ECONNREFUSED);
 * without it returns at once and the socket's sends and receives are NET_EAGAIN until
 * it is connected (NET_ECONNREFUSED if it never is). */
net_sock_t net_tcp_connect(const struct net_addr *to, int flags);

/* TCP: up to NET_BUF bytes of buf queued to send: the bytes taken. */
long net_send(net_sock_t s, const void *buf, size_t len, int flags);

/* UDP: one datagram (at most SOCK_DGRAM_MAX bytes, else NET_EMSGSIZE) to *to: len. */
long net_send_to(net_sock_t s, const void *buf, size_t len, const struct net_addr *to, int flags);

/* TCP: up to len bytes received: how many; 0 once the peer has closed. */
long net_recv(net_sock_t s, void *buf, size_t len, int flags);

/* UDP: the next datagram (cut to len if longer: the rest is lost): its bytes copied;
 * *from (if given) its sender. */
long net_recv_from(net_sock_t s, void *buf, size_t len, struct net_addr *from, int flags);

/* Closes s: 0. Its sends still queued go out first (TCP); the handle is free at once. */
int net_close(net_sock_t s);

/* Waits until something comes on the link (data, a connection, a reset, a buffer
 * back, a restart of net) and takes it in: 0, or NET_ENETDOWN. */
int net_wait(void);

/* The component is done with the network: every socket of its link closed (TCP
 * connections gracefully), and `net` told (BYE). A `net` whose description's args say
 * until_clients_end ends once every client has said it. Every later call is
 * NET_ENETDOWN. 0, or NET_ENETDOWN (no link). */
int net_bye(void);

/* Restarts of net seen on the link (RESTARTED events). */
uint64_t net_restarts(void);

/* Counters of the library (for tests): events it ignored as not its own. */
struct net_lib_stats {
	uint64_t events, stray, refused;	/* taken in; not matching its books; DONE errors for buffers */
};
extern struct net_lib_stats net_lib_stats;

#endif
