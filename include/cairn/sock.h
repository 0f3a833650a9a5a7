/*
 * cairn/sock.h: the socket link between the `net` component (components/net/sock.c,
 * the one lwIP instance) and one of its clients (lib/libnet), docs/network.md
 * "Sockets". A link is two queues of 32-byte descriptors over [[port]]s, as the driver
 * transport's (cairn/xport.h, libxport's xport_* steps), and a data region shared by
 * `net` and that client only:
 *
 *   sock<N>_cmd   client -> net   commands (struct sock_cmd)
 *   sock<N>_ev    net -> client   events (struct sock_ev)
 *   sock<N>_data  the client's buffers, by offset
 *
 * N is 0..SOCK_LINKS-1: `net` serves every link its description gives it; a client has
 * one (libnet takes the first sock<N> it finds). Sync ports: each side wakes the other
 * with an asynchronous send, only when the other said it waits (xport_arm,
 * xport_wake_needed) and only for a queue it changed (events put, commands taken, and
 * the other way round): a wake for nothing new has the other side arm and wake back.
 *
 * The rules (both sides hostile to each other):
 *  - A socket is a number 0..SOCK_MAX-1 of the link's own table in `net`: a client can
 *    name only its own sockets. OPEN's DONE gives it; ACCEPTED gives one more.
 *  - Data moves only through buffers of the region the client names (offset, len):
 *    SEND lends `net` a buffer to send from, RECV_BUF one to receive into. Every
 *    buffer lent comes back exactly once: a SEND's as DONE (result: bytes taken, or an
 *    error), a RECV_BUF's as DATA (len bytes received) or, if the socket closes or dies
 *    first, as DONE with an error. `net` holds at most SOCK_RX_BUFS receive and
 *    SOCK_BUFS send buffers per socket and SOCK_LINK_BUFS per link; one more is answered at once with CAIRN_ENOBUFS.
 *  - lwIP's pools are shared by every link: a link holds at most SOCK_TCP_LINK TCP and
 *    SOCK_UDP_LINK UDP sockets (OPEN beyond: CAIRN_ENOBUFS; a connection beyond is
 *    refused), so that one client cannot take every pcb.
 *  - Every command has one DONE (`id` the client's, carried back untouched) except a
 *    RECV_BUF, whose answer is its buffer's DATA or DONE.
 *  - `net` bounds every field it reads from its copy of the command: the op, the
 *    socket against the link's table, offset and len against the region (and len
 *    against SOCK_DGRAM_MAX for UDP), the backlog. A bad one is answered DONE with
 *    CAIRN_EINVAL (op, kind, backlog), CAIRN_EBADF (socket) or CAIRN_EFAULT (buffer).
 *    A client cursor beyond reason (CAIRN_EIO) closes every socket of the link.
 *  - `net` never waits for a client: with no room on the event queue it keeps the
 *    event in the socket's state (data stays in lwIP, its TCP window closed) and goes
 *    on with other links; a UDP datagram with no buffer or no room is dropped.
 *  - HELLO starts a client instance: `net` closes every socket of the link, forgets
 *    every buffer lent (nothing comes back) and answers DONE. A restarted client sends
 *    it first and ignores every event before its DONE. Its arg is a mask of socket
 *    numbers (bit n: socket n) the client still holds from before a restart of `net`
 *    (RESTARTED): `net` gives none of them to a new socket until the client CLOSEs it
 *    (DONE 0), so a stale handle never names a new socket.
 *  - BYE: the client is done. `net` closes every socket of the link as HELLO does (TCP
 *    connections gracefully: what lwIP already holds still goes out while `net` runs)
 *    and answers DONE. A `net` whose args say `until_clients_end` ends once every link
 *    its description gives it has said BYE (a later HELLO takes a link's BYE back).
 *    Only the description gives that authority: a client's BYE alone ends nothing but
 *    its own sockets, and a client that never says it keeps `net` running. BYE's DONE
 *    carries port = SOCK_BYE: a restarted `net` that finds it the last event of a link
 *    takes the link as having said BYE (its client may have ended) and tells it
 *    nothing.
 *  - RESTARTED (an event, no socket): `net` was restarted, and every socket of the link
 *    and every buffer lent died with the old instance. The new instance puts it first
 *    on every link and then serves a link only once its client says HELLO: every
 *    other command before it is dropped unanswered (it names the old instance's
 *    sockets). libnet fails the old sockets (docs/network.md "Sockets").
 *  - ENDED (an event, no socket): `net` stopped without serving (its args refused);
 *    nothing put on the link will be answered. It is the link's last event: a client
 *    that starts after it finds it in the slot before the queue's head.
 */
#ifndef CAIRN_SOCK_H
#define CAIRN_SOCK_H

#include <stdint.h>
#include "abi.h"

#define SOCK_LINKS     4		/* links one net serves: sock0..sock3 (port ends: 4 + 2 each <= 12) */
#define SOCK_MAX       16		/* sockets per link */
#define SOCK_BUFS      16		/* send buffers net holds per socket */
#define SOCK_RX_BUFS   32		/* receive buffers net holds per socket: a burst of LINK_RX_BATCH datagrams */
#define SOCK_LINK_BUFS 128		/* buffers net holds per link */
#define SOCK_DGRAM_MAX 1472		/* a UDP payload in one Ethernet frame */
#define SOCK_LEN_MAX   (1u << 30)	/* a buffer's len at most: results fit an int32_t */
#define SOCK_BACKLOG_MAX 8		/* connections accepted by lwIP and not yet told, per listener */
#define SOCK_TCP_LINK  12		/* TCP sockets per link (listeners, connections): lwIP's pcbs are shared */
#define SOCK_UDP_LINK  4		/* UDP sockets per link */
#define SOCK_EV_MIN    64		/* event queue slots at least: a CLOSE's buffers back and its DONE */

/* Link n's names in the description: its command port, event port, data region. */
enum { SOCK_NAME_CMD, SOCK_NAME_EV, SOCK_NAME_DATA };
static inline const char *sock_link_name(unsigned n, unsigned what)
{
	static const char *const names[SOCK_LINKS][3] = {
		{ "sock0_cmd", "sock0_ev", "sock0_data" }, { "sock1_cmd", "sock1_ev", "sock1_data" },
		{ "sock2_cmd", "sock2_ev", "sock2_data" }, { "sock3_cmd", "sock3_ev", "sock3_data" },
	};

	return n < SOCK_LINKS && what < 3 ? names[n][what] : "";
}
_Static_assert(SOCK_RX_BUFS + SOCK_BUFS + 1 <= SOCK_EV_MIN, "a CLOSE's answers fit an event queue");
#define SOCK_ALL       ((1u << SOCK_MAX) - 1)	/* HELLO's arg: every socket number */

enum sock_op {
	SOCK_HELLO = 1,			/* a new client instance: every socket closed; DONE */
	SOCK_OPEN = 2,			/* arg = SOCK_UDP or SOCK_TCP, bound to `port` (0: any): DONE result = the socket */
	SOCK_LISTEN = 3,		/* a TCP socket opened with a port; arg = backlog 1..SOCK_BACKLOG_MAX */
	SOCK_CONNECT = 4,		/* a TCP socket to addr:port: DONE (started), then CONNECTED or RESET */
	SOCK_SEND = 5,			/* the buffer (offset, len); UDP: to addr:port. DONE when net is done with it */
	SOCK_RECV_BUF = 6,		/* a buffer (offset, len) to receive into: DATA, or DONE with an error */
	SOCK_CLOSE = 7,			/* every buffer of it back (DONE with CAIRN_EBADF), then DONE; the number is free */
	SOCK_BYE = 8,			/* the client is done: every socket closed; DONE (until_clients_end: net may end) */
};

enum sock_kind {
	SOCK_UDP = 1,
	SOCK_TCP = 2,
};

enum sock_ev_kind {
	SOCK_DONE = 1,			/* command `id` finished: result; a buffer's (offset, len) as lent; BYE's: port = SOCK_BYE */
	SOCK_DATA = 2,			/* RECV_BUF `id` filled: len bytes from addr:port (UDP); len 0 on TCP: the peer closed */
	SOCK_ACCEPTED = 3,		/* on listener `socket`: a connection, result = its socket, from addr:port */
	SOCK_CONNECTED = 4,		/* `socket`'s CONNECT succeeded */
	SOCK_RESET = 5,			/* `socket`'s connection died (result: why); its buffers follow as DONE */
	SOCK_RESTARTED = 6,		/* net was restarted: every socket and buffer gone; say HELLO */
	SOCK_ENDED = 7,			/* net stopped without serving (its args refused): nothing more */
};

/* Errors the link carries beyond CAIRN_E*: below every CAIRN error. */
#define SOCK_EADDRINUSE  (-64)		/* OPEN: the port is taken */
#define SOCK_ECONNREFUSED (-65)		/* RESET before CONNECTED */
#define SOCK_ECONNRESET  (-66)		/* RESET of an open connection; its buffers */
#define SOCK_ENOTCONN    (-67)		/* SEND on a TCP socket not connected; LISTEN twice */
#define SOCK_EMSGSIZE    (-68)		/* SEND of a datagram over SOCK_DGRAM_MAX */
#define SOCK_EPIPE       (-69)		/* SEND on a connection that is gone */

/* A command (client -> net, slot_size 32). */
struct sock_cmd {
	uint16_t op;			/* enum sock_op */
	uint16_t port;			/* OPEN: local; CONNECT, SEND (UDP): remote */
	uint32_t socket;
	uint32_t id;			/* the client's, carried back */
	uint32_t len;			/* the buffer's */
	uint64_t offset;		/* the buffer in the region */
	uint32_t addr;			/* IPv4, host order: CONNECT, SEND (UDP) */
	uint32_t arg;			/* OPEN: enum sock_kind; LISTEN: backlog; HELLO: sockets held (a mask) */
};

/* An event (net -> client, slot_size 32). */
struct sock_ev {
	uint16_t kind;			/* enum sock_ev_kind */
	uint16_t port;			/* DATA (UDP), ACCEPTED: the peer's; a BYE's DONE: SOCK_BYE */
	uint32_t socket;
	uint32_t id;			/* DONE, DATA: the command's */
	int32_t result;			/* DONE: >= 0 or an error; ACCEPTED: the new socket; RESET: why */
	uint64_t offset;		/* DONE of a buffer, DATA: the buffer, as lent */
	uint32_t len;			/* DATA: bytes received; DONE: the buffer's len as lent */
	uint32_t addr;			/* DATA (UDP), ACCEPTED: the peer's, host order */
};

#define SOCK_SLOT 32
_Static_assert(sizeof(struct sock_cmd) == SOCK_SLOT && sizeof(struct sock_ev) == SOCK_SLOT, "one slot each");

/*
 * The pure check of a command against the link (net's first step, host-tested):
 * 0, or the error its DONE carries. `region` is the region's size; a socket's own
 * state (open, its kind) is net's to check after.
 */
static inline long sock_cmd_check(const struct sock_cmd *c, uint64_t region)
{
	if (c->op < SOCK_HELLO || c->op > SOCK_BYE)
		return CAIRN_EINVAL;
	if (c->op == SOCK_HELLO && (c->arg & ~SOCK_ALL))
		return CAIRN_EINVAL;
	if (c->op != SOCK_HELLO && c->op != SOCK_OPEN && c->op != SOCK_BYE && c->socket >= SOCK_MAX)
		return CAIRN_EBADF;
	if (c->op == SOCK_OPEN && c->arg != SOCK_UDP && c->arg != SOCK_TCP)
		return CAIRN_EINVAL;
	if (c->op == SOCK_LISTEN && (c->arg < 1 || c->arg > SOCK_BACKLOG_MAX))
		return CAIRN_EINVAL;
	if (c->op == SOCK_SEND || c->op == SOCK_RECV_BUF) {
		if (c->len == 0 || c->len > SOCK_LEN_MAX || c->offset > region || c->len > region - c->offset)
			return CAIRN_EFAULT;
	}
	return 0;
}

#endif
