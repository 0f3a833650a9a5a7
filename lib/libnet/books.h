/*
 * books.h: libnet's books (lib/libnet/books.c): what the client knows of its link's
 * sockets and buffers, and the one step that takes an event from `net` into them.
 * Pure (no system call, no shared memory): tested on the host (tests/host/test_net.c).
 *
 * `net` is as hostile to the client as the client to it: an event is applied only if
 * it matches the books (a buffer lent to that socket, a socket in the state the kind
 * needs, a length no longer than the buffer); anything else is counted as stray and
 * changes nothing.
 */
#ifndef LIBNET_BOOKS_H
#define LIBNET_BOOKS_H

#include <cairn/libnet.h>

#define BOOKS_BUFS SOCK_LINK_BUFS
#define BOOKS_CTRL 0x80000000u		/* ids of commands without a buffer; a buffer's id is its index */

enum { B_FREE, B_RX, B_TX, B_FULL };			/* a buffer: ours, lent to receive, lent to send, holding data */
enum { C_FREE, C_UDP, C_TCP, C_LISTEN, C_CONNECTING, C_CONNECTED, C_RESET, C_CLOSING, C_GONE };
/* C_GONE: died in a restart of net (RESTARTED): err says how it fails; its number is
 * held at the new net (HELLO's mask) until net_close. */

struct books_buf {
	uint8_t state;
	uint8_t sock;
	uint16_t port;			/* B_FULL: the sender's (UDP) */
	uint32_t len, pos;		/* B_FULL: bytes held, bytes already read */
	uint32_t addr;
};

/*
 * Connections told (ACCEPTED) and not yet taken by the application, per listener: as
 * many as the link may have TCP sockets, but the listener. net tells each as soon as
 * it can, whether or not the application has taken the ones before (its backlog counts
 * only those not yet told), so a queue of the backlog's size would drop some, and
 * their sockets would stay net's, held for a client that never heard of them.
 */
#define BOOKS_ACCEPTED (SOCK_TCP_LINK - 1)

struct books_sock {
	uint8_t state;
	uint8_t eof;			/* the peer closed (TCP) */
	uint8_t was;			/* C_GONE: its state before */
	int32_t err;			/* C_RESET: why */
	uint32_t close_id;		/* C_CLOSING: the CLOSE's id */
	unsigned rx, tx;		/* buffers lent: receive, send */
	uint8_t full[SOCK_RX_BUFS];	/* buffers holding data, oldest first */
	unsigned nfull;
	uint8_t acc[BOOKS_ACCEPTED];	/* C_LISTEN: sockets accepted, not yet taken */
	struct net_addr acc_peer[BOOKS_ACCEPTED];
	unsigned nacc;
};

struct books {
	unsigned nbuf;			/* buffers of the region, NET_BUF bytes each */
	struct books_buf b[BOOKS_BUFS];
	struct books_sock s[SOCK_MAX];
	uint32_t want;			/* the control command waited for */
	int got;
	int32_t result;
	int restarted;			/* a RESTARTED was taken: the caller says HELLO (books_held) */
	int ended;			/* an ENDED was taken: net answers nothing more */
	uint64_t restarts;		/* RESTARTED events taken */
};

/*
 * net.c: a client's ends of socket link n (cairn/sock.h) into port[0] and port[1], the
 * command port attached as producer, the event port as consumer: its data region, or 0
 * if the description gives this component no such link. libnet's, and the rtos
 * component's (components/rtos/sock.c).
 */
struct cairn_port;
struct cairn_region;
struct xport_queue;
const struct cairn_region *net_link_attach(unsigned n, struct cairn_port *port, struct xport_queue *cmd,
					   struct xport_queue *ev);

/* Books for a region of `size` bytes (its buffers: at most BOOKS_BUFS). */
void books_init(struct books *k, uint64_t size);

/* A free buffer for socket `sock` marked `state` (B_RX or B_TX): its index, or -1. */
int books_take(struct books *k, unsigned sock, unsigned state);

/* Takes one event into the books: 1 applied, 0 stray (nothing changed). RESTARTED:
 * every open socket becomes C_GONE (err NET_ECONNRESET for a connection, NET_ENETDOWN
 * for the rest), bytes already received stay readable; a closing socket, and a
 * connection accepted and not yet taken, is freed; every buffer lent is ours again;
 * k->restarted is set. ENDED: the same, and k->ended instead. */
int books_event(struct books *k, const struct sock_ev *e, struct net_lib_stats *st);

/* Frees buffer i (a FULL buffer read to its end). */
void books_free(struct books *k, unsigned i);

/* The sockets the client still holds from before net's restart (C_GONE): HELLO's mask. */
uint32_t books_held(const struct books *k);

/* Drops the oldest FULL buffer of socket `sock` and frees it. */
void books_consume(struct books *k, unsigned sock);

#endif
