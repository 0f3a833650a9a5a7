/*
 * sock.c: the server side of the socket links (cairn/sock.h, docs/network.md
 * "Sockets"): commands from each client component taken off its sock<N>_cmd queue,
 * carried out on lwIP's raw API, and answered on sock<N>_ev.
 *
 * net never waits for a client. An event that finds no room stays in the socket's
 * state and goes out in a later round (sock_poll runs every round of the event loop):
 * a connection not yet told, a reset, bytes received. Received TCP bytes are copied
 * from lwIP's pbufs into the socket's ring (TCP_WND bytes, so a connection holds none
 * of the shared pool) and leave it only into buffers the client lent (RECV_BUF); only
 * then is the window opened again (tcp_recved). A client that never reads stalls its
 * peer, not the stack. A TCP SEND's buffer is copied into lwIP as tcp_sndbuf allows
 * and given back (DONE) once all of it is taken. A UDP datagram that finds no buffer,
 * or one too small, or no room for its event, is dropped and counted.
 *
 * Everything a client writes is read once into a copy and bounded (sock_cmd_check,
 * then the socket's state); a client cursor beyond reason closes that link's sockets
 * until both cursors are sane again. Nothing a client does reaches another link.
 */
#include <cairn/cairn.h>
#include <cairn/port.h>
#include <cairn/sock.h>
#include <cairn/xport.h>
#include "lwip/tcp.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/udp.h"
#include "net.h"

#define RINGS MEMP_NUM_TCP_PCB		/* a ring per connection lwIP can hold */
#define RING TCP_WND

enum { S_FREE, S_UDP, S_TCP, S_LISTEN, S_CONNECTING, S_CONNECTED, S_DEAD, S_CLOSING, S_HELD };
/* S_HELD: a number the client still holds from before net's restart (HELLO's mask): no
 * pcb, given to no new socket; its CLOSE frees it. */

struct lent {
	uint64_t offset;
	uint32_t len, id;
};

struct ring {
	int busy;
	uint32_t head, count;
	uint8_t b[RING];
};

struct link;

struct ssock {
	struct link *l;
	unsigned num, state;
	void *pcb;			/* udp_pcb or tcp_pcb; 0 once lwIP freed it */
	struct lent rb[SOCK_RX_BUFS];	/* receive buffers lent, oldest first */
	struct lent sb[SOCK_BUFS];	/* send buffers lent, oldest first */
	unsigned nr, ns;
	uint32_t sent;			/* bytes of sb[0] taken by tcp_write */
	struct ring *ring;
	int fin;			/* the peer closed its direction */
	int32_t err;			/* S_DEAD: why (a SOCK_E* error) */
	int reset_told, connected_told;
	int announce;			/* accepted: ACCEPTED not yet told (the listener's number + 1) */
	uint32_t peer_addr;
	uint16_t peer_port;
	unsigned backlog, pending;	/* listener: its backlog, connections not yet told */
	uint32_t close_id;		/* S_CLOSING: the CLOSE's id */
};

struct link {
	int up, broken;
	int bye;			/* the client said BYE (and no HELLO since) */
	int restart_owed;		/* a restarted net: RESTARTED not yet put */
	int hello_awaited;		/* a restarted net: commands other than HELLO are dropped */
	int put_ev, took_cmd;		/* an event put, a command taken, since the last wake-up check */
	unsigned n;
	struct cairn_port port[2];
	struct xport_queue cmd, ev;
	uint8_t *data;
	uint64_t size;
	unsigned bufs;			/* buffers lent, all sockets */
	unsigned need;			/* the next command waits for this much room on ev (0: none) */
	struct ssock s[SOCK_MAX];
};

static struct link links[SOCK_LINKS];
static struct ring rings[RINGS];
struct sock_stats sock_stats;

/* --- events ---------------------------------------------------------------------- */

/* Free slots on l's event queue; 0 if its cursor is beyond reason (l is then broken). */
static unsigned room(struct link *l)
{
	long n = xport_count(&l->ev);

	if (n < 0) {
		l->broken = 1;
		return 0;
	}
	return l->ev.mask + 1 - (unsigned)n;
}

/* Puts e: 1, or 0 (no room: the caller keeps what it owes). */
static int ev_put(struct link *l, const struct sock_ev *e)
{
	long r = xport_put(&l->ev, e);

	if (r == CAIRN_EIO)
		l->broken = 1;
	l->put_ev |= r == 0;
	return r == 0;
}

static int done(struct link *l, uint32_t socket, uint32_t id, int32_t result, const struct lent *b)
{
	struct sock_ev e = { .kind = SOCK_DONE, .socket = socket, .id = id, .result = result };

	if (b) {
		e.offset = b->offset;
		e.len = b->len;
	}
	return ev_put(l, &e);
}

/* --- sockets --------------------------------------------------------------------- */

static void ring_free(struct ssock *s)
{
	if (s->ring)
		s->ring->busy = 0;
	s->ring = 0;
}

static struct ring *ring_new(void)
{
	for (unsigned i = 0; i < RINGS; i++)
		if (!rings[i].busy) {
			rings[i].busy = 1;
			rings[i].head = rings[i].count = 0;
			return &rings[i];
		}
	return 0;
}

/* Detaches a TCP pcb from its socket (lwIP's callbacks cleared; a listener has only
 * its argument and accept). */
static void tcp_detach(struct tcp_pcb *pcb)
{
	tcp_arg(pcb, 0);
	if (pcb->state == LISTEN) {
		tcp_accept(pcb, 0);
		return;
	}
	tcp_recv(pcb, 0);
	tcp_sent(pcb, 0);
	tcp_poll(pcb, 0, 0);
	tcp_err(pcb, 0);
}

/* Ends s's pcb: gracefully (TCP: close, aborted if lwIP has no memory to) or by abort. */
static void pcb_end(struct ssock *s, int abort)
{
	if (!s->pcb)
		return;
	if (s->state == S_UDP) {
		udp_remove(s->pcb);
	} else {
		struct tcp_pcb *pcb = s->pcb;
		tcp_detach(pcb);
		if (pcb->state == LISTEN)
			tcp_close(pcb);		/* a listener always closes */
		else if (abort || tcp_close(pcb) != ERR_OK)
			tcp_abort(pcb);
	}
	s->pcb = 0;
}

/* Forgets s without a word to the client (HELLO, BYE, a broken link): buffers dropped;
 * its pcb aborted, or (`abort` 0) closed gracefully. */
static void sock_end(struct ssock *s, int abort)
{
	struct link *l = s->l;
	unsigned num = s->num;

	pcb_end(s, abort);
	ring_free(s);
	l->bufs -= s->nr + s->ns;
	*s = (struct ssock){ .l = l, .num = num };
}

static void sock_forget(struct ssock *s)
{
	sock_end(s, 1);
}

/* Every socket of l forgotten: aborted (`abort`), or closed gracefully. */
static void link_end(struct link *l, int abort)
{
	for (unsigned i = 0; i < SOCK_MAX; i++)
		if (l->s[i].state != S_FREE)
			sock_end(&l->s[i], abort);
}

static void link_forget(struct link *l)
{
	link_end(l, 1);
}

/* HELLO: a new client instance; the numbers of mask `held` stay its own (S_HELD). */
static void hello(struct link *l, uint32_t held)
{
	link_forget(l);
	for (unsigned i = 0; i < SOCK_MAX; i++)
		if (held & (1u << i))
			l->s[i].state = S_HELD;
	l->bye = 0;
	l->hello_awaited = 0;
}

static struct ssock *sock_new(struct link *l, unsigned state)
{
	for (unsigned i = 0; i < SOCK_MAX; i++)
		if (l->s[i].state == S_FREE) {
			struct ssock *s = &l->s[i];
			*s = (struct ssock){ .l = l, .num = i, .state = state };
			return s;
		}
	return 0;
}

/* 1 if l holds its quota of lwIP's pcbs of that kind (UDP, or TCP of any state). */
static int over_quota(struct link *l, int udp)
{
	unsigned n = 0;

	for (unsigned i = 0; i < SOCK_MAX; i++) {
		unsigned st = l->s[i].state;
		n += st != S_FREE && st != S_HELD && (st == S_UDP) == udp;
	}
	return n >= (udp ? SOCK_UDP_LINK : SOCK_TCP_LINK);
}

/* --- lwIP's callbacks (they only change state; sock_poll tells the client) ------- */

static void udp_in(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
	struct ssock *s = arg;
	struct link *l = s->l;

	(void)pcb;
	if (s->nr == 0 || p->tot_len > s->rb[0].len || l->broken || room(l) == 0) {
		sock_stats.udp_dropped++;
		pbuf_free(p);
		return;
	}
	struct lent b = s->rb[0];
	pbuf_copy_partial(p, l->data + b.offset, p->tot_len, 0);
	struct sock_ev e = { .kind = SOCK_DATA, .socket = s->num, .id = b.id, .offset = b.offset,
			     .len = p->tot_len, .addr = lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(addr))), .port = port };
	pbuf_free(p);
	if (!ev_put(l, &e))
		return;
	for (unsigned i = 1; i < s->nr; i++)
		s->rb[i - 1] = s->rb[i];
	s->nr--;
	l->bufs--;
}

static err_t on_tcp_in(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct ssock *s = arg;
	struct ring *r = s->ring;

	(void)pcb;
	if (!p) {
		s->fin = 1;
		return ERR_OK;
	}
	if (err != ERR_OK) {
		pbuf_free(p);
		return ERR_OK;
	}
	if (p->tot_len > RING - r->count)
		return ERR_MEM;		/* lwIP keeps p, offers it again */
	uint32_t tail = (r->head + r->count) % RING;
	uint32_t first = p->tot_len < RING - tail ? p->tot_len : RING - tail;
	pbuf_copy_partial(p, r->b + tail, (u16_t)first, 0);
	pbuf_copy_partial(p, r->b, (u16_t)(p->tot_len - first), (u16_t)first);
	r->count += p->tot_len;
	pbuf_free(p);
	return ERR_OK;
}

static void on_gone(void *arg, err_t err)
{
	struct ssock *s = arg;

	(void)err;
	s->pcb = 0;
	if (s->state == S_CLOSING) {
		s->err = SOCK_ECONNRESET;
		return;
	}
	s->err = s->state == S_CONNECTING ? SOCK_ECONNREFUSED : SOCK_ECONNRESET;
	s->state = S_DEAD;
	ring_free(s);
	if (s->announce) {		/* never told: the client need not hear of it */
		struct ssock *ls = &s->l->s[s->announce - 1];
		if (ls->pending)
			ls->pending--;
		sock_forget(s);
	}
}

static void tcp_watch(struct ssock *s, struct tcp_pcb *pcb)
{
	s->pcb = pcb;
	tcp_arg(pcb, s);
	tcp_recv(pcb, on_tcp_in);
	tcp_err(pcb, on_gone);
	tcp_nagle_disable(pcb);
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct ssock *s = arg;

	(void)pcb;
	(void)err;
	s->state = S_CONNECTED;
	return ERR_OK;
}

static err_t on_accepted(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct ssock *ls = arg;
	struct ssock *s = 0;
	struct ring *r = 0;

	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	if (ls->pending >= ls->backlog || over_quota(ls->l, 0) || !(r = ring_new()) || !(s = sock_new(ls->l, S_CONNECTED))) {
		if (r)
			r->busy = 0;
		sock_stats.tcp_refused++;
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	s->ring = r;
	s->announce = (int)ls->num + 1;
	s->connected_told = 1;
	s->peer_addr = lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(&pcb->remote_ip)));
	s->peer_port = pcb->remote_port;
	ls->pending++;
	tcp_watch(s, pcb);
	return ERR_OK;
}

/* --- commands -------------------------------------------------------------------- */

static void pop(struct lent *q, unsigned *n)
{
	for (unsigned i = 1; i < *n; i++)
		q[i - 1] = q[i];
	(*n)--;
}

/* Gives every buffer of queue q back as DONE(result) while there is room: 1 if all went. */
static int give_back(struct ssock *s, struct lent *q, unsigned *n, int32_t result)
{
	while (*n) {
		if (!done(s->l, s->num, q[0].id, result, &q[0]))
			return 0;
		pop(q, n);
		s->l->bufs--;
	}
	return 1;
}

static long cmd_open(struct link *l, const struct sock_cmd *c)
{
	if (over_quota(l, c->arg == SOCK_UDP))
		return CAIRN_ENOBUFS;
	struct ssock *s = sock_new(l, c->arg == SOCK_UDP ? S_UDP : S_TCP);

	if (!s)
		return CAIRN_ENOBUFS;
	if (c->arg == SOCK_UDP) {
		struct udp_pcb *u = udp_new();
		if (!u || udp_bind(u, IP_ADDR_ANY, c->port) != ERR_OK) {
			if (u)
				udp_remove(u);
			s->state = S_FREE;
			return u ? SOCK_EADDRINUSE : CAIRN_ENOBUFS;
		}
		udp_recv(u, udp_in, s);
		s->pcb = u;
	} else {
		struct tcp_pcb *t = tcp_new();
		if (!t || (c->port && tcp_bind(t, IP_ADDR_ANY, c->port) != ERR_OK)) {
			if (t)
				tcp_abort(t);
			s->state = S_FREE;
			return t ? SOCK_EADDRINUSE : CAIRN_ENOBUFS;
		}
		tcp_arg(t, s);
		tcp_err(t, on_gone);
		s->pcb = t;
	}
	return s->num;
}

static long cmd_listen(struct ssock *s, unsigned backlog)
{
	if (s->state != S_TCP || !((struct tcp_pcb *)s->pcb)->local_port)
		return CAIRN_EINVAL;
	tcp_err(s->pcb, 0);
	struct tcp_pcb *lp = tcp_listen_with_backlog(s->pcb, (u8_t)backlog);
	if (!lp) {
		tcp_err(s->pcb, on_gone);
		return CAIRN_ENOBUFS;
	}
	s->pcb = lp;
	s->state = S_LISTEN;
	s->backlog = backlog;
	tcp_arg(lp, s);
	tcp_accept(lp, on_accepted);
	return 0;
}

static long cmd_connect(struct ssock *s, uint32_t addr, uint16_t port)
{
	ip_addr_t a;

	if (s->state != S_TCP)
		return CAIRN_EINVAL;
	if (!(s->ring = ring_new()))
		return CAIRN_ENOBUFS;
	ip_addr_set_ip4_u32(&a, lwip_htonl(addr));
	tcp_watch(s, s->pcb);
	s->state = S_CONNECTING;
	if (tcp_connect(s->pcb, &a, port, on_connected) != ERR_OK) {
		s->state = S_TCP;
		ring_free(s);
		return CAIRN_ENOBUFS;
	}
	return 0;
}

static long udp_send_buf(struct ssock *s, const struct sock_cmd *c)
{
	ip_addr_t a;

	if (c->len > SOCK_DGRAM_MAX)
		return SOCK_EMSGSIZE;
	struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)c->len, PBUF_RAM);
	if (!p)
		return CAIRN_ENOBUFS;
	pbuf_take(p, s->l->data + c->offset, (u16_t)c->len);
	ip_addr_set_ip4_u32(&a, lwip_htonl(c->addr));
	err_t e = udp_sendto(s->pcb, p, &a, c->port);
	pbuf_free(p);
	return e == ERR_OK ? (long)c->len : e == ERR_MEM ? CAIRN_ENOBUFS : CAIRN_EIO;
}

#define LENT 0x7fffffffL		/* a buffer kept: its answer comes later (never a byte count: <= 2^31 - 1 only if len is) */

/* Lends the command's buffer to queue q of s (`cap` entries): LENT (kept, no event
 * now) or an error. */
static long lend(struct ssock *s, struct lent *q, unsigned *n, unsigned cap, const struct sock_cmd *c)
{
	if (*n == cap || s->l->bufs >= SOCK_LINK_BUFS)
		return CAIRN_ENOBUFS;
	q[(*n)++] = (struct lent){ c->offset, c->len, c->id };
	s->l->bufs++;
	return LENT;
}

static long cmd_send(struct ssock *s, const struct sock_cmd *c)
{
	switch (s->state) {
	case S_UDP:
		return udp_send_buf(s, c);
	case S_CONNECTED:
		return lend(s, s->sb, &s->ns, SOCK_BUFS, c);
	case S_DEAD:
		return SOCK_EPIPE;
	case S_FREE:
	case S_CLOSING:
		return CAIRN_EBADF;
	default:
		return SOCK_ENOTCONN;
	}
}

static long cmd_recv_buf(struct ssock *s, const struct sock_cmd *c)
{
	switch (s->state) {
	case S_UDP:
	case S_CONNECTING:
	case S_CONNECTED:
		return lend(s, s->rb, &s->nr, SOCK_RX_BUFS, c);
	case S_DEAD:
		return s->err;
	case S_FREE:
	case S_CLOSING:
		return CAIRN_EBADF;
	default:
		return SOCK_ENOTCONN;
	}
}

/* Frees s once nothing is lent: its pcb ended gracefully, DONE for the CLOSE (none
 * once the client has said BYE: it reads no more). */
static int close_finish(struct ssock *s, uint32_t id)
{
	struct link *l = s->l;

	if (!l->bye && !done(l, s->num, id, 0, 0))
		return 0;
	pcb_end(s, 0);
	ring_free(s);
	*s = (struct ssock){ .l = l, .num = s->num };
	return 1;
}

/* CLOSE: 1 handled, 0 deferred (not room for every buffer back and the DONE). */
static int cmd_close(struct link *l, struct ssock *s, uint32_t id)
{
	if (s->state == S_FREE || s->state == S_CLOSING)
		return done(l, s->num, id, CAIRN_EBADF, 0);
	if (s->state == S_HELD) {		/* the client lets go of a number held over net's restart */
		if (!done(l, s->num, id, 0, 0))
			return 0;
		s->state = S_FREE;
		return 1;
	}
	if (s->announce)		/* not told yet: the client cannot know this number */
		return done(l, s->num, id, CAIRN_EBADF, 0);
	if (room(l) < s->nr + s->ns + 1) {
		l->need = s->nr + s->ns + 1;
		return 0;
	}
	give_back(s, s->rb, &s->nr, CAIRN_EBADF);
	if (s->state == S_LISTEN)
		for (unsigned i = 0; i < SOCK_MAX; i++)
			if (l->s[i].announce == (int)s->num + 1)
				sock_forget(&l->s[i]);
	if (s->state == S_CONNECTED && s->ns && s->pcb) {
		s->state = S_CLOSING;	/* the sends go out first (sock_flush) */
		s->close_id = id;
		return 1;
	}
	give_back(s, s->sb, &s->ns, CAIRN_EBADF);
	return close_finish(s, id);
}

/* One command: 1 handled (consume it), 0 deferred (leave it queued: no room). */
static int cmd_one(struct link *l, const struct sock_cmd *c)
{
	struct lent b = { c->offset, c->len, c->id };
	int buffer = c->op == SOCK_SEND || c->op == SOCK_RECV_BUF;
	long r = sock_cmd_check(c, l->size);

	if (room(l) == 0) {
		l->need = 1;
		return 0;
	}
	if (r < 0) {
		sock_stats.bad_cmds++;
		return done(l, c->socket, c->id, (int32_t)r, buffer ? &b : 0);
	}
	struct ssock *s = c->op == SOCK_OPEN || c->op == SOCK_HELLO || c->op == SOCK_BYE ? 0 : &l->s[c->socket];
	if (s && (s->announce || s->state == S_HELD) && c->op != SOCK_CLOSE)
		r = CAIRN_EBADF;	/* not told yet: a guess; or held over a restart: no socket */
	else
		switch (c->op) {
		case SOCK_HELLO:
			hello(l, c->arg);
			r = 0;
			break;
		case SOCK_BYE: {
			struct sock_ev e = { .kind = SOCK_DONE, .port = SOCK_BYE, .socket = c->socket, .id = c->id };
			for (unsigned i = 0; i < SOCK_MAX; i++)	/* a closing socket's sends still go out */
				if (l->s[i].state != S_FREE && l->s[i].state != S_CLOSING)
					sock_end(&l->s[i], 0);
			l->bye = 1;
			return ev_put(l, &e);	/* room checked above; the mark said_bye reads */
		}
		case SOCK_OPEN:
			r = cmd_open(l, c);
			break;
		case SOCK_LISTEN:
			r = s->state == S_FREE ? CAIRN_EBADF : cmd_listen(s, c->arg);
			break;
		case SOCK_CONNECT:
			r = s->state == S_FREE ? CAIRN_EBADF : cmd_connect(s, c->addr, c->port);
			break;
		case SOCK_SEND:
			r = cmd_send(s, c);
			break;
		case SOCK_RECV_BUF:
			r = cmd_recv_buf(s, c);
			break;
		case SOCK_CLOSE:
			return cmd_close(l, s, c->id);
		}
	if (r == LENT)
		return 1;		/* lent: its answer comes later */
	return done(l, c->socket, c->id, (int32_t)r, buffer ? &b : 0);
}

/* --- flushing what each socket owes its client ----------------------------------- */

/* TCP: the send buffers into lwIP, as much as tcp_sndbuf takes; DONE for each taken whole. */
static void tcp_push(struct ssock *s)
{
	struct tcp_pcb *pcb = s->pcb;
	int wrote = 0;

	while (s->ns) {
		struct lent *b = &s->sb[0];
		if (s->sent < b->len) {
			uint32_t n = b->len - s->sent;
			if (n > tcp_sndbuf(pcb))
				n = tcp_sndbuf(pcb);
			if (n > 0xffff)
				n = 0xffff;
			if (n == 0 || tcp_write(pcb, s->l->data + b->offset + s->sent, (u16_t)n, TCP_WRITE_FLAG_COPY) != ERR_OK)
				break;
			s->sent += n;
			wrote = 1;
		}
		if (s->sent < b->len || !done(s->l, s->num, b->id, (int32_t)b->len, b))
			break;
		pop(s->sb, &s->ns);
		s->sent = 0;
		s->l->bufs--;
	}
	if (wrote)
		tcp_output(pcb);
}

/* TCP: the ring's bytes into receive buffers; the window opened by as many. */
static void tcp_deliver(struct ssock *s)
{
	struct ring *r = s->ring;
	struct link *l = s->l;

	while (r && r->count && s->nr && room(l)) {
		struct lent b = s->rb[0];
		uint32_t n = r->count < b.len ? r->count : b.len;
		uint32_t first = n < RING - r->head ? n : RING - r->head;
		memcpy(l->data + b.offset, r->b + r->head, first);
		memcpy(l->data + b.offset + first, r->b, n - first);
		struct sock_ev e = { .kind = SOCK_DATA, .socket = s->num, .id = b.id, .offset = b.offset, .len = n };
		if (!ev_put(l, &e))
			return;
		r->head = (r->head + n) % RING;
		r->count -= n;
		pop(s->rb, &s->nr);
		l->bufs--;
		if (s->pcb)
			tcp_recved(s->pcb, (u16_t)n);
		struct tcp_pcb *pcb = s->pcb;
		if (pcb && pcb->refused_data)	/* what the full ring refused: now, not at lwIP's next fast timer */
			tcp_process_refused_data(pcb);
	}
	while (s->fin && (!r || !r->count) && s->nr && room(l)) {
		struct sock_ev e = { .kind = SOCK_DATA, .socket = s->num, .id = s->rb[0].id, .offset = s->rb[0].offset };
		if (!ev_put(l, &e))
			return;
		pop(s->rb, &s->nr);
		l->bufs--;
	}
}

static void sock_flush(struct ssock *s)
{
	struct link *l = s->l;

	if (s->announce) {
		struct sock_ev e = { .kind = SOCK_ACCEPTED, .socket = (uint32_t)s->announce - 1, .result = (int32_t)s->num,
				     .addr = s->peer_addr, .port = s->peer_port };
		if (!room(l) || !ev_put(l, &e))
			return;
		l->s[s->announce - 1].pending--;
		s->announce = 0;
	}
	if (s->state == S_CONNECTED && !s->connected_told) {
		struct sock_ev e = { .kind = SOCK_CONNECTED, .socket = s->num };
		if (!ev_put(l, &e))
			return;
		s->connected_told = 1;
	}
	if ((s->state == S_CONNECTED || s->state == S_CLOSING) && s->pcb)
		tcp_push(s);
	if (s->state == S_CONNECTED || s->state == S_DEAD)
		tcp_deliver(s);
	if (s->state == S_DEAD) {
		if (!s->reset_told) {
			struct sock_ev e = { .kind = SOCK_RESET, .socket = s->num, .result = s->err };
			if (!ev_put(l, &e))
				return;
			s->reset_told = 1;
		}
		if (give_back(s, s->rb, &s->nr, s->err))
			give_back(s, s->sb, &s->ns, SOCK_EPIPE);
	}
	if (s->state == S_CLOSING && (!s->pcb ? give_back(s, s->sb, &s->ns, SOCK_EPIPE) : !s->ns))
		close_finish(s, s->close_id);
}

/* --- the links ------------------------------------------------------------------- */

#define CMDS_PER_ROUND 64		/* commands taken from one link per round: the others' turn */

static unsigned link_serve(struct link *l)
{
	struct sock_cmd c;
	unsigned n = 0;
	long r;

	if (l->broken) {
		if (xport_count(&l->cmd) < 0 || xport_count(&l->ev) < 0)
			return 0;
		l->broken = 0;		/* sane again: a new client instance says HELLO */
	}
	l->need = 0;
	if (l->restart_owed) {
		struct sock_ev e = { .kind = SOCK_RESTARTED };
		if (room(l) == 0 || !ev_put(l, &e)) {
			l->need = 1;	/* told once the client makes room */
			return 0;
		}
		l->restart_owed = 0;
	}
	while (n < CMDS_PER_ROUND && (r = xport_peek(&l->cmd, &c)) == 0) {
		if (l->hello_awaited && c.op != SOCK_HELLO)
			sock_stats.stale_cmds++;	/* the old instance's sockets: dropped unanswered */
		else if (!cmd_one(l, &c))
			break;
		xport_get(&l->cmd, &c);
		l->took_cmd = 1;
		n++;
	}
	if (r == CAIRN_EIO)
		l->broken = 1;
	for (unsigned i = 0; i < SOCK_MAX && !l->broken; i++)
		if (l->s[i].state != S_FREE)
			sock_flush(&l->s[i]);
	if (l->broken) {
		sock_stats.broken++;
		cairn_printf("net: socket link %u: the client's cursor is beyond reason: its sockets are closed\n", l->n);
		link_forget(l);
	}
	return n;
}

unsigned sock_poll(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < SOCK_LINKS; i++)
		if (links[i].up)
			n += link_serve(&links[i]);
	return n;
}

/* Only for a queue we changed this round: events put (the client waits for them),
 * commands taken (it waits for room). A client woken for nothing new would arm again
 * and wake us: a ping-pong. */
void sock_wake(void)
{
	for (unsigned i = 0; i < SOCK_LINKS; i++) {
		struct link *l = &links[i];
		if (!l->up)
			continue;
		int w = l->put_ev && xport_wake_needed(&l->ev);
		w |= l->took_cmd && xport_wake_needed(&l->cmd);
		l->put_ev = l->took_cmd = 0;
		if (w)
			cairn_asnd_send(l->port[0].peer, 0);
	}
}

/*
 * A link whose next command waits for room on its event queue (`need`) is work only
 * once the client has made that room: its event queue is armed for it (the client
 * wakes us when it takes events), not its command queue, so a client that never reads
 * costs net no spinning. A broken link's queues answer CAIRN_EIO: no work.
 */
int sock_arm(void)
{
	for (unsigned i = 0; i < SOCK_LINKS; i++) {
		struct link *l = &links[i];
		if (!l->up)
			continue;
		if (l->need) {
			long r = xport_arm_for(&l->ev, l->need);
			if (r >= (long)l->need)
				return 0;
			xport_arm(&l->cmd);	/* a HELLO after a restart is not waited for: the flag is only a hint */
			continue;
		}
		if (xport_arm(&l->cmd) > 0)
			return 0;
		if (room(l) == 0 && xport_arm(&l->ev) > 0)
			return 0;
	}
	return 1;
}

/* Link n from its ports and region: 1 up, 0 absent, or an error. */
static long link_up(struct link *l, unsigned n)
{
	const struct cairn_region *rg = cairn_region(sock_link_name(n, SOCK_NAME_DATA));
	long e = cairn_port_open(&l->port[0], sock_link_name(n, SOCK_NAME_CMD));

	if (e == CAIRN_ENOENT && !rg)
		return 0;
	if (e == 0)
		e = cairn_port_open(&l->port[1], sock_link_name(n, SOCK_NAME_EV));
	if (e == 0 && (!rg || l->port[0].words * 8 != SOCK_SLOT || l->port[1].words * 8 != SOCK_SLOT ||
		       l->port[1].mask + 1 < SOCK_EV_MIN))
		e = CAIRN_EINVAL;
	if (e == 0)
		e = xport_attach(&l->cmd, l->port[0].ring, SOCK_SLOT, l->port[0].mask + 1, XPORT_CONSUMER);
	if (e == 0)
		e = xport_attach(&l->ev, l->port[1].ring, SOCK_SLOT, l->port[1].mask + 1, XPORT_PRODUCER);
	if (e < 0)
		return e;
	l->data = (uint8_t *)rg->va;
	l->size = rg->size;
	l->n = n;
	for (unsigned i = 0; i < SOCK_MAX; i++)
		l->s[i] = (struct ssock){ .l = l, .num = i };
	l->up = 1;
	return 1;
}

/*
 * 1 if the last event put on l's queue (by the instance before this one) is a BYE's
 * DONE (cairn/sock.h): the client said BYE to it. The client can write that slot too,
 * so it can fake the mark or wipe it: no more than saying BYE, or not, itself.
 */
static int said_bye(struct link *l)
{
	const volatile struct sock_ev *last = (const volatile struct sock_ev *)(l->ev.ring + 1) +
					      ((l->ev.cursor - 1) & l->ev.mask);

	return last->kind == SOCK_DONE && last->port == SOCK_BYE;
}

unsigned sock_open(int restarted, unsigned *told, unsigned *byes)
{
	unsigned up = 0;

	*told = *byes = 0;
	for (unsigned i = 0; i < SOCK_LINKS; i++) {
		struct link *l = &links[i];
		long e = link_up(l, i);
		if (e < 0)
			cairn_printf("net: socket link %u: ports or region missing or of the wrong size (%ld)\n", i, e);
		if (e != 1)
			continue;
		up++;
		if (restarted && said_bye(l)) {
			l->bye = 1;		/* done: not told (it may have ended), its mark kept */
			(*byes)++;
		} else if (restarted) {
			l->restart_owed = l->hello_awaited = 1;
			(*told)++;
		}
	}
	return up;
}

void sock_ended(void)
{
	struct sock_ev e = { .kind = SOCK_ENDED };

	for (unsigned i = 0; i < SOCK_LINKS; i++)
		if (links[i].up && room(&links[i]))
			ev_put(&links[i], &e);
	sock_wake();
}

/*
 * 1 while what the clients sent is still on its way: a socket closing with sends not
 * yet taken by lwIP, or a TCP connection with bytes lwIP has not sent or not had
 * acknowledged (a client that says BYE right after its last send and close, as web
 * after /quit, must not lose them to net's end). main.c's ending() bounds the wait.
 */
int sock_draining(void)
{
	for (unsigned i = 0; i < SOCK_LINKS; i++)
		for (unsigned j = 0; links[i].up && j < SOCK_MAX; j++)
			if (links[i].s[j].state == S_CLOSING)
				return 1;
	for (const struct tcp_pcb *p = tcp_active_pcbs; p; p = p->next)
		if (p->unsent || p->unacked)
			return 1;
	return 0;
}

int sock_all_bye(void)
{
	unsigned up = 0, bye = 0;

	for (unsigned i = 0; i < SOCK_LINKS; i++) {
		up += links[i].up;
		bye += links[i].up && links[i].bye;
	}
	return up && bye == up;
}
