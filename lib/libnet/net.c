/*
 * net.c: libnet's calls (cairn/libnet.h) over the component's socket link
 * (cairn/sock.h): commands put on sock<N>_cmd, events taken from sock<N>_ev into the
 * books (books.c), and the waits. The region sock<N>_data is cut into NET_BUF-byte
 * buffers; buffer i (offset i * NET_BUF) is lent with id i, a command without a buffer
 * gets an id with BOOKS_CTRL set, from a counter started at the time stamp counter so
 * that a restarted instance's HELLO is told from its predecessor's.
 *
 * Every socket that can receive has NET_RX_UDP or NET_RX_TCP buffers lent to `net` (topped up
 * after each batch of events), so a datagram or a stream's bytes find one; a buffer
 * read to its end is lent again.
 *
 * A RESTARTED event (net was restarted) fails every socket in the books (books.c) and
 * starts a new epoch: the library says HELLO at once, with the numbers it still holds
 * (books_held), before anything else; a call waiting for the old instance's answer
 * returns NET_ENETDOWN, and a command not yet put is not put (it names the old
 * instance's sockets).
 */
#include <cairn/cairn.h>
#include <cairn/port.h>
#include <cairn/xport.h>
#include "books.h"

struct net_lib_stats net_lib_stats;

static struct {
	int state;			/* 0 not looked for, 1 up, -1 none */
	struct cairn_port port[2];
	struct xport_queue cmd, ev;
	uint8_t *data;
	uint64_t size;
	uint32_t next_id;
	unsigned fresh;			/* events taken since net_wait last returned */
	unsigned epoch;			/* RESTARTEDs taken into the books and answered by HELLO */
	int put_cmd, took_ev;		/* a command put, an event taken, since the last wake-up check */
	int rejoining;			/* in rejoin(): a RESTARTED is only noted */
	struct books k;
} L;

/* Wakes net if it waits on a queue we changed since the last check: commands put (it
 * waits for them), events taken (it waits for room). Never for nothing: net would
 * arm again and wake us, and so on. */
static void wake(void)
{
	int w = L.put_cmd && xport_wake_needed(&L.cmd);

	w |= L.took_ev && xport_wake_needed(&L.ev);
	L.put_cmd = L.took_ev = 0;
	if (w)
		cairn_asnd_send(L.port[0].peer, 0);
}

/* Puts c if there is room: 1, else 0. */
static int put(const struct sock_cmd *c)
{
	int ok = xport_put(&L.cmd, c) == 0;

	L.put_cmd |= ok;
	return ok;
}

/* Lends free buffers to every socket that receives, up to NET_RX_PER_SOCK, while the
 * command queue has room. */
static void top_up(void)
{
	for (unsigned i = 0; i < SOCK_MAX; i++) {
		struct books_sock *s = &L.k.s[i];
		if (s->state != C_UDP && s->state != C_CONNECTED && s->state != C_CONNECTING)
			continue;
		while (!s->eof && s->rx + s->nfull < (s->state == C_UDP ? NET_RX_UDP : NET_RX_TCP)) {
			int b = books_take(&L.k, i, B_RX);
			if (b < 0)
				return;
			struct sock_cmd c = { .op = SOCK_RECV_BUF, .socket = i, .id = (uint32_t)b,
					      .offset = (uint64_t)b * NET_BUF, .len = NET_BUF };
			if (!put(&c)) {
				books_free(&L.k, (unsigned)b);
				return;
			}
			s->rx++;
		}
	}
}

/* Takes every event queued into the books: how many. */
static unsigned take(void)
{
	struct sock_ev e;
	unsigned n = 0;

	while (xport_get(&L.ev, &e) == 0) {
		books_event(&L.k, &e, &net_lib_stats);
		n++;
	}
	L.took_ev |= n > 0;
	return n;
}

static void sleep_for(int room);
static void rejoin(void);

/* Takes every event queued into the books (a RESTARTED answered at once: rejoin),
 * lends buffers, wakes net: events taken. */
static unsigned poll(void)
{
	unsigned n = take();

	if (L.k.ended && L.state > 0) {
		L.state = -1;		/* every later call: NET_ENETDOWN */
		L.epoch++;		/* a call waiting for an answer gives up */
		n++;
	}
	if (L.k.restarted && !L.rejoining && !L.k.ended) {
		rejoin();
		n++;			/* net_wait returns: the sockets' errors are news */
	}
	top_up();
	wake();
	L.fresh += n;
	return n;
}

static uint32_t ctrl_id(void)
{
	return BOOKS_CTRL | (L.next_id++ & ~BOOKS_CTRL);
}

/* HELLO with the numbers held, waited for; returns early if net restarts (again)
 * meanwhile: rejoin says it again. */
static void hello(uint32_t held)
{
	struct sock_cmd c = { .op = SOCK_HELLO, .arg = held, .id = ctrl_id() };

	L.k.want = c.id;
	L.k.got = 0;
	while (!put(&c)) {
		take();
		if (L.k.restarted)
			return;
		sleep_for(1);
	}
	wake();
	while (take(), !L.k.got && !L.k.restarted && !L.k.ended)
		sleep_for(0);
}

/* A new instance of net (or of this component: link()): HELLO until one is answered
 * with no RESTARTED since; the epoch moves on, so a call that waited for the old
 * instance gives up. */
static void rejoin(void)
{
	L.rejoining = 1;
	while (L.k.restarted && !L.k.ended) {
		L.k.restarted = 0;
		L.epoch++;
		hello(books_held(&L.k));
	}
	L.rejoining = 0;
}

/* Sleeps until net puts an event (or, `room`, makes room for a command). */
static void sleep_for(int room)
{
	wake();
	long a = xport_arm(&L.ev);
	long b = room ? xport_arm(&L.cmd) : 0;
	if (a == 0 && b == 0)
		cairn_rcv_wait(CAIRN_SLOT_RCV);
}

static void sleep(void)
{
	sleep_for(0);
}

/* Puts c, waiting for room (taking events meanwhile: net stops taking commands while
 * its event queue is full): 1, or 0 if net restarted meanwhile (c is not put: it was
 * meant for the old instance). */
static int put_wait(const struct sock_cmd *c)
{
	unsigned epoch = L.epoch;

	while (!put(c)) {
		poll();
		if (L.epoch != epoch)
			return 0;
		if (!put(c))
			sleep_for(1);
		else
			break;
	}
	wake();
	return 1;
}

/* A command without a buffer, waited for: its DONE's result; NET_ENETDOWN if net
 * restarted before it answered. */
static long control(struct sock_cmd c)
{
	unsigned epoch = L.epoch;

	if (L.state < 0)
		return NET_ENETDOWN;
	c.id = ctrl_id();
	L.k.want = c.id;
	L.k.got = 0;
	if (!put_wait(&c))
		return NET_ENETDOWN;
	while (poll(), L.epoch == epoch && !L.k.got)
		sleep();
	return L.epoch == epoch ? L.k.result : NET_ENETDOWN;
}

const struct cairn_region *net_link_attach(unsigned n, struct cairn_port *port, struct xport_queue *cmd,
					   struct xport_queue *ev)
{
	const struct cairn_region *rg = cairn_region(sock_link_name(n, SOCK_NAME_DATA));

	if (!rg || cairn_port_open(&port[0], sock_link_name(n, SOCK_NAME_CMD)) < 0 ||
	    cairn_port_open(&port[1], sock_link_name(n, SOCK_NAME_EV)) < 0 ||
	    xport_attach(cmd, port[0].ring, SOCK_SLOT, port[0].mask + 1, XPORT_PRODUCER) < 0 ||
	    xport_attach(ev, port[1].ring, SOCK_SLOT, port[1].mask + 1, XPORT_CONSUMER) < 0)
		return 0;
	return rg;
}

/* The link, found and started (HELLO) at the first call: 1 up, 0 none. */
static int link(void)
{
	if (L.state)
		return L.state > 0;
	L.state = -1;
	for (unsigned n = 0; n < SOCK_LINKS; n++) {
		const struct cairn_region *rg = net_link_attach(n, L.port, &L.cmd, &L.ev);
		if (!rg)
			continue;
		/* What a previous instance left on the event queue is skipped: the tail moved to
		 * the head; but an ENDED there, net's last word, still counts. */
		L.ev.cursor = __atomic_load_n(&L.ev.ring->head, __ATOMIC_ACQUIRE);
		__atomic_store_n(&L.ev.ring->tail, L.ev.cursor, __ATOMIC_RELEASE);
		const volatile struct sock_ev *last = (const volatile struct sock_ev *)(L.ev.ring + 1) +
						      ((L.ev.cursor - 1) & L.ev.mask);
		if (last->kind == SOCK_ENDED)
			return 0;		/* L.state stays -1 */
		L.data = (uint8_t *)rg->va;
		L.size = rg->size;
		L.next_id = (uint32_t)__builtin_ia32_rdtsc();
		books_init(&L.k, L.size);
		L.state = 1;
		L.k.restarted = 1;	/* a first HELLO, with nothing held */
		rejoin();
		if (L.k.ended)
			L.state = -1;
		return L.state > 0;
	}
	return 0;
}

/* The books' socket of handle h if it is in one of the states of mask `ok` (bit per
 * state); a socket gone in a restart of net (C_GONE) by the state it had. */
static struct books_sock *sock_of(net_sock_t h, unsigned ok)
{
	if (h < 1 || h > SOCK_MAX)
		return 0;
	struct books_sock *s = &L.k.s[h - 1];
	return (ok >> (s->state == C_GONE ? s->was : s->state)) & 1 ? s : 0;
}

#define ST(x) (1u << (x))

static net_sock_t open_sock(unsigned kind, uint16_t port)
{
	long r = control((struct sock_cmd){ .op = SOCK_OPEN, .arg = kind, .port = port });

	if (r < 0)
		return (net_sock_t)r;
	if (r >= SOCK_MAX || L.k.s[r].state != C_FREE)
		return NET_EBADF;		/* net's answer does not fit the books (a number held: net's fault) */
	L.k.s[r] = (struct books_sock){ .state = (uint8_t)(kind == SOCK_UDP ? C_UDP : C_TCP) };
	top_up();
	wake();
	return (net_sock_t)r + 1;
}

/* Closes socket number n in net without waiting (a failed listen or connect). */
static void drop(unsigned n)
{
	struct books_sock *s = &L.k.s[n];
	uint32_t id = ctrl_id();
	struct sock_cmd c = { .op = SOCK_CLOSE, .socket = n, .id = id };

	while (s->nfull)
		books_consume(&L.k, n);
	s->state = C_CLOSING;
	s->close_id = id;
	put_wait(&c);		/* not put: net restarted meanwhile, and the books freed it */
}

net_sock_t net_udp_open(uint16_t port, int flags)
{
	(void)flags;
	return link() ? open_sock(SOCK_UDP, port) : NET_ENETDOWN;
}

net_sock_t net_tcp_listen(uint16_t port, int backlog, int flags)
{
	(void)flags;
	if (!link())
		return NET_ENETDOWN;
	if (port == 0 || backlog < 1 || backlog > SOCK_BACKLOG_MAX)
		return NET_EINVAL;
	net_sock_t h = open_sock(SOCK_TCP, port);
	if (h < 0)
		return h;
	L.k.s[h - 1].state = C_LISTEN;	/* before: an ACCEPTED may come in the batch with the DONE */
	long r = control((struct sock_cmd){ .op = SOCK_LISTEN, .socket = (uint32_t)h - 1, .arg = (uint32_t)backlog });
	if (r < 0) {
		drop((unsigned)h - 1);
		return (net_sock_t)r;
	}
	return h;
}

net_sock_t net_tcp_accept(net_sock_t listener, struct net_addr *peer, int flags)
{
	if (!link())
		return NET_ENETDOWN;
	struct books_sock *l = sock_of(listener, ST(C_LISTEN));
	if (!l)
		return NET_EBADF;
	poll();
	while (l->nacc == 0) {
		if (l->state == C_GONE)
			return NET_ENETDOWN;
		if (!(flags & NET_BLOCK))
			return NET_EAGAIN;
		sleep();
		poll();
	}
	net_sock_t h = l->acc[0] + 1;
	if (peer)
		*peer = l->acc_peer[0];
	for (unsigned i = 1; i < l->nacc; i++) {
		l->acc[i - 1] = l->acc[i];
		l->acc_peer[i - 1] = l->acc_peer[i];
	}
	l->nacc--;
	top_up();
	wake();
	return h;
}

net_sock_t net_tcp_connect(const struct net_addr *to, int flags)
{
	if (!link())
		return NET_ENETDOWN;
	if (!to || to->port == 0)
		return NET_EINVAL;
	net_sock_t h = open_sock(SOCK_TCP, 0);
	if (h < 0)
		return h;
	struct books_sock *s = &L.k.s[h - 1];
	s->state = C_CONNECTING;	/* before: CONNECTED or RESET may come in the batch with the DONE */
	long r = control((struct sock_cmd){ .op = SOCK_CONNECT, .socket = (uint32_t)h - 1, .addr = to->addr,
					    .port = to->port });
	if (r < 0) {
		drop((unsigned)h - 1);
		return (net_sock_t)r;
	}
	top_up();
	wake();
	while ((flags & NET_BLOCK) && s->state == C_CONNECTING) {
		sleep();
		poll();
	}
	if (s->state == C_RESET || s->state == C_GONE) {
		r = s->err;
		net_close(h);
		return (net_sock_t)r;
	}
	return h;
}

/* Lends one buffer holding buf's first len bytes for a SEND: len taken, or an error. */
static long send_buf(net_sock_t h, struct books_sock *s, const void *buf, size_t len, const struct net_addr *to,
		     int flags)
{
	int b;

	for (;;) {
		poll();
		if (s->state == C_GONE)
			return s->was == C_UDP ? NET_ENETDOWN : NET_EPIPE;
		if (s->state == C_RESET)
			return NET_EPIPE;
		if (s->state != C_CONNECTING && s->tx < NET_TX_PER_SOCK && (b = books_take(&L.k, (unsigned)h - 1, B_TX)) >= 0)
			break;
		if (!(flags & NET_BLOCK))
			return NET_EAGAIN;
		sleep();
	}
	memcpy(L.data + (uint64_t)b * NET_BUF, buf, len);
	struct sock_cmd c = { .op = SOCK_SEND, .socket = (uint32_t)h - 1, .id = (uint32_t)b,
			      .offset = (uint64_t)b * NET_BUF, .len = (uint32_t)len };
	if (to) {
		c.addr = to->addr;
		c.port = to->port;
	}
	s->tx++;
	if (!put_wait(&c))
		return s->state == C_GONE && s->was == C_UDP ? NET_ENETDOWN : NET_EPIPE;	/* net restarted */
	return (long)len;
}

/*
 * The TCP connection h for a send or receive of len bytes at buf: it, or 0 with the
 * error in *err (ENETDOWN, EBADF, ENOTCONN a listener or a socket never connected,
 * EFAULT no buffer).
 */
static struct books_sock *stream_of(net_sock_t h, const void *buf, size_t len, long *err)
{
	struct books_sock *s = 0;

	if (!link())
		*err = NET_ENETDOWN;
	else if (!(s = sock_of(h, ST(C_CONNECTED) | ST(C_CONNECTING) | ST(C_RESET) | ST(C_TCP) | ST(C_LISTEN))))
		*err = NET_EBADF;
	else if (s->state == C_TCP || s->state == C_LISTEN ||
		 (s->state == C_GONE && (s->was == C_TCP || s->was == C_LISTEN)))
		*err = NET_ENOTCONN;
	else if (len && !buf)
		*err = NET_EFAULT;
	else
		return s;
	return 0;
}

long net_send(net_sock_t h, const void *buf, size_t len, int flags)
{
	long err;
	struct books_sock *s = stream_of(h, buf, len, &err);

	if (!s)
		return err;
	if (len == 0)
		return 0;
	return send_buf(h, s, buf, len > NET_BUF ? NET_BUF : len, 0, flags);
}

long net_send_to(net_sock_t h, const void *buf, size_t len, const struct net_addr *to, int flags)
{
	if (!link())
		return NET_ENETDOWN;
	struct books_sock *s = sock_of(h, ST(C_UDP));
	if (!s)
		return NET_EBADF;
	if (!to || to->port == 0 || len == 0)
		return NET_EINVAL;
	if (!buf)
		return NET_EFAULT;
	if (len > SOCK_DGRAM_MAX)
		return NET_EMSGSIZE;
	return send_buf(h, s, buf, len, to, flags);
}

/* Waits (NET_BLOCK) until s holds data, or its end: 1 data, or 0 and *r what to return. */
static int recv_ready(struct books_sock *s, int flags, long *r)
{
	for (;;) {
		poll();
		if (s->nfull)
			return 1;
		if (s->state == C_RESET || s->state == C_GONE) {
			*r = s->err;
			return 0;
		}
		if (s->eof) {
			*r = 0;
			return 0;
		}
		if (!(flags & NET_BLOCK)) {
			*r = NET_EAGAIN;
			return 0;
		}
		sleep();
	}
}

long net_recv(net_sock_t h, void *buf, size_t len, int flags)
{
	long r;
	struct books_sock *s = stream_of(h, buf, len, &r);

	if (!s)
		return r;
	if (!recv_ready(s, flags, &r))
		return r;
	size_t got = 0;
	while (got < len && s->nfull) {
		struct books_buf *b = &L.k.b[s->full[0]];
		size_t n = b->len - b->pos < len - got ? b->len - b->pos : len - got;
		memcpy((uint8_t *)buf + got, L.data + (uint64_t)s->full[0] * NET_BUF + b->pos, n);
		b->pos += (uint32_t)n;
		got += n;
		if (b->pos == b->len)
			books_consume(&L.k, (unsigned)h - 1);
	}
	top_up();
	wake();
	return (long)got;
}

long net_recv_from(net_sock_t h, void *buf, size_t len, struct net_addr *from, int flags)
{
	long r;

	if (!link())
		return NET_ENETDOWN;
	struct books_sock *s = sock_of(h, ST(C_UDP));
	if (!s)
		return NET_EBADF;
	if (len && !buf)
		return NET_EFAULT;
	if (!recv_ready(s, flags, &r))
		return r;
	struct books_buf *b = &L.k.b[s->full[0]];
	size_t n = b->len < len ? b->len : len;
	memcpy(buf, L.data + (uint64_t)s->full[0] * NET_BUF, n);
	if (from)
		*from = (struct net_addr){ b->addr, b->port };
	books_consume(&L.k, (unsigned)h - 1);
	top_up();
	wake();
	return (long)n;
}

int net_close(net_sock_t h)
{
	if (!link())
		return NET_ENETDOWN;
	struct books_sock *s = sock_of(h, ~(ST(C_FREE) | ST(C_CLOSING)));
	if (!s)
		return NET_EBADF;
	if (s->state == C_LISTEN)		/* accepted and never taken: closed too */
		for (unsigned i = 0; i < s->nacc; i++)
			drop(s->acc[i]);
	drop((unsigned)h - 1);
	return 0;
}

int net_wait(void)
{
	if (!link())
		return NET_ENETDOWN;
	poll();
	while (!L.fresh) {
		sleep();
		poll();
	}
	L.fresh = 0;
	return 0;
}

int net_bye(void)
{
	long r;

	if (!link())
		return NET_ENETDOWN;
	do			/* a restarted net must hear it too: it waits for every link's */
		r = control((struct sock_cmd){ .op = SOCK_BYE });
	while (r == NET_ENETDOWN && L.state > 0);
	L.state = -1;		/* done: every later call is NET_ENETDOWN */
	return (int)r;
}

uint64_t net_restarts(void)
{
	return L.k.restarts;
}
