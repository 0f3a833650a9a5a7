/*
 * sock.c: sockets for RTOS programs (docs/network.md "Sockets for RTOS programs"). The
 * rtos component is the client of one socket link to `net` (cairn/sock.h: the ports
 * sock<N>_cmd and sock<N>_ev, the region sock<N>_data its description gives it), and
 * lends its sockets to processes: socket n of the link is rsocks[n], owned by one
 * process, named by a handle of kind RTOS_K_SOCK (generation, n) that only the owner
 * can use. What the link says is kept in libnet's books (lib/libnet/books.c,
 * host-tested): an event from `net` changes them only if it matches them (a buffer
 * lent to that socket, the state the kind needs, a length within the buffer), so a
 * hostile `net` can garble data but never make this component read or write outside
 * a buffer of the region.
 *
 * Data does not reach processes through the region (the rtos has no capability to its
 * frames: the booter maps it here and gives only its address): a send's bytes come
 * from the calling thread's message page, a receive's go into it (librtos copies
 * between it and the caller's buffer), RTOS_MSG_BYTES = one NET_BUF buffer at a time.
 *
 * Nothing here waits for the network. OPEN, LISTEN and CONNECT wait for net's DONE
 * (net answers every command without waiting for anyone): the calling thread blocks
 * on `ctl`, and whoever takes the DONE wakes it. Events are taken by the S of each
 * core at each pass (S_0 sleeps armed on the event queue, so net's wake-up runs it),
 * by every socket call and by POLL. A process's sockets close when it ends; a CLOSE
 * that finds the command queue full is put later (`closes`).
 *
 * Bounds a process cannot pass: RTOS_NET_SOCKS sockets (pending opens and accepted
 * ones not yet taken count), RTOS_NET_BUFS link buffers, NET_TX_SOCK buffers in
 * flight per socket, NET_RX_*_SOCK lent to receive. No counter here is driven by a
 * process or by net beyond these.
 *
 * Above bp.c, watch.c and sched.c; below the gates (gates_net.c, gates_event.c), life.c
 * (a process ends) and main.c (S). Everything is called locked but sock_init.
 *
 * A restart of `net` (RESTARTED): every socket died with the old instance. The books
 * mark the sockets processes hold gone (C_GONE: data already received stays readable,
 * then the calls fail as libnet's do: usable()), an OPEN, LISTEN or CONNECT waiting
 * for its DONE fails with RTOS_ENETDOWN, every watcher looks again (a dead socket is
 * EVT_NET_CLOSE), and HELLO is put with the numbers still held (books_held), so a new
 * socket never takes a number a process still names; its net_close lets it go (a
 * CLOSE to the new net). Nothing else goes to the new net before that HELLO (net would
 * drop it): a HELLO that finds the command queue full is owed (`owe`), put by the next
 * poll. Events before its DONE are the past, as at start; a RESTARTED among them (a
 * second restart) starts it over. ENDED fails the same, and nothing is put after it.
 */
#include "rtos.h"
#include "bp.h"
#include <cairn/libnet.h>
#include <cairn/port.h>
#include <cairn/xport.h>
#include "../../lib/libnet/books.h"

struct rsock rsocks[SOCK_MAX];

struct pend {				/* a command waiting for its DONE */
	uint8_t used, done;
	uint8_t op;			/* SOCK_OPEN, SOCK_LISTEN, SOCK_CONNECT */
	uint8_t proc;			/* the waiter's process */
	uint16_t waiter_gen;
	uint32_t id;
	int32_t result;
	uint16_t kind;			/* SOCK_OPEN: SOCK_UDP or SOCK_TCP */
	struct rthread *waiter;
};

static struct pend pends[NET_PENDS];

static struct {
	int up;
	unsigned link;
	struct cairn_port port[2];
	struct xport_queue cmd, ev;
	uint8_t *data;
	uint32_t next_id;
	uint32_t hello;			/* HELLO's id until its DONE comes (events before it are the past) */
	uint8_t owe;			/* a HELLO to put (RESTARTED, the queue full): nothing else before it */
	uint8_t ended;			/* ENDED: net answers nothing more; nothing is put */
	uint64_t restarts;		/* RESTARTED events taken */
	uint8_t closes[SOCK_MAX];	/* a CLOSE (its id in the books) still to put */
	uint16_t changed;		/* sockets whose readiness may have changed: their watchers look */
	uint8_t dirty;			/* a CLOSE to put, or buffers to lend: the next poll does */
	struct bp *ctl;			/* threads waiting for a DONE */
	struct books k;
	struct net_lib_stats st;
	uint64_t refused;		/* connections closed at once: the owner's quota, or a listener gone */
	uint64_t orphans;		/* sockets opened for a thread that had ended meanwhile: closed */
} L;

#define ST(x) (1u << (x))

static uint32_t ctl_id(void)
{
	return BOOKS_CTRL | (L.next_id++ & ~BOOKS_CTRL);
}

static long room(void)
{
	long n = xport_count(&L.cmd);

	return n < 0 ? 0 : (long)L.cmd.mask + 1 - n;
}

static void wake_net(void)
{
	int w = xport_wake_needed(&L.cmd);

	w |= xport_wake_needed(&L.ev);
	if (w)
		cairn_asnd_send(L.port[0].peer, 0);
}

uint64_t sock_handle(const struct rsock *s)
{
	return RTOS_HANDLE(RTOS_K_SOCK, s->gen, s - rsocks);
}

static unsigned num(const struct rsock *s)
{
	return (unsigned)(s - rsocks);
}

/* Sockets process pi owns, and commands of its that may yet open one. */
static unsigned owned(unsigned pi)
{
	unsigned n = 0;

	for (unsigned i = 0; i < SOCK_MAX; i++)
		n += rsocks[i].used && rsocks[i].owner == pi;
	for (unsigned i = 0; i < NET_PENDS; i++)
		n += pends[i].used && !pends[i].done && pends[i].op == SOCK_OPEN && pends[i].proc == pi;
	return n;
}

/* Link buffers process pi's sockets hold (lent to net, or holding data). */
static unsigned bufs_of(unsigned pi)
{
	unsigned n = 0;

	for (unsigned i = 0; i < SOCK_MAX; i++)
		if (rsocks[i].used && rsocks[i].owner == pi)
			n += L.k.s[i].rx + L.k.s[i].tx + L.k.s[i].nfull;
	return n;
}

/* Closes link socket n in net (its CLOSE now, or when there is room); its handle dies. */
static void drop(unsigned n)
{
	struct books_sock *s = &L.k.s[n];
	struct rsock *r = &rsocks[n];

	if (r->open)
		watch_forget(sock_handle(r));
	if (s->state == C_LISTEN)		/* accepted and never taken: closed too */
		for (unsigned i = 0; i < s->nacc; i++)
			drop(s->acc[i]);
	s->nacc = 0;
	while (s->nfull)
		books_consume(&L.k, n);
	uint16_t gen = (uint16_t)(r->gen + 1);
	*r = (struct rsock){ .gen = gen ? gen : 1 };
	if (s->state == C_FREE || s->state == C_CLOSING)
		return;
	if (s->state == C_GONE && (L.owe || L.ended)) {
		*s = (struct books_sock){ 0 };	/* the owed HELLO will not hold it; after ENDED nobody needs to know */
		return;
	}
	s->state = C_CLOSING;
	s->close_id = ctl_id();
	L.closes[n] = 1;
	L.dirty = 1;
}

/* Puts the CLOSEs still to put, while there is room (the next poll tries the rest). */
static void flush_closes(void)
{
	if (L.owe || L.ended)
		return;
	for (unsigned n = 0; n < SOCK_MAX; n++)
		if (L.closes[n]) {
			struct sock_cmd c = { .op = SOCK_CLOSE, .socket = n, .id = L.k.s[n].close_id };
			if (xport_put(&L.cmd, &c)) {
				L.dirty = 1;
				return;
			}
			L.closes[n] = 0;
		}
}

/* Lends receive buffers to every socket that receives, within its owner's quota. */
static void top_up(void)
{
	if (L.owe || L.ended)
		return;
	for (unsigned i = 0; i < SOCK_MAX; i++) {
		struct books_sock *s = &L.k.s[i];
		if (!rsocks[i].used || (s->state != C_UDP && s->state != C_CONNECTED && s->state != C_CONNECTING))
			continue;
		unsigned want = s->state == C_UDP ? NET_RX_UDP_SOCK : NET_RX_TCP_SOCK;
		unsigned have = bufs_of(rsocks[i].owner);
		while (!s->eof && s->rx + s->nfull < want && have < RTOS_NET_BUFS) {
			int b = books_take(&L.k, i, B_RX);
			if (b < 0)
				return;
			struct sock_cmd c = { .op = SOCK_RECV_BUF, .socket = i, .id = (uint32_t)b,
					      .offset = (uint64_t)b * NET_BUF, .len = NET_BUF };
			if (xport_put(&L.cmd, &c)) {
				books_free(&L.k, (unsigned)b);
				L.dirty = 1;	/* the queue is full: the next poll lends the rest */
				return;
			}
			s->rx++;
			have++;
		}
	}
}

/* Whether the thread that put a command still waits for it. */
static int waiting(const struct pend *p)
{
	return p->waiter->gen == p->waiter_gen && thread_alive(p->waiter);
}

/* The DONE of a waited-for command: the books take an OPEN's socket; the waiter wakes. */
static void pend_done(struct pend *p, int32_t result)
{
	if (p->op == SOCK_OPEN && result >= 0) {
		if (result >= SOCK_MAX || L.k.s[result].state != C_FREE || rsocks[result].used || L.closes[result]) {
			result = CAIRN_EBADF;	/* net's answer does not fit the books */
		} else {
			L.k.s[result] = (struct books_sock){ .state = (uint8_t)(p->kind == SOCK_UDP ? C_UDP : C_TCP) };
			rsocks[result].used = 1;
			rsocks[result].owner = p->proc;
			if (!waiting(p)) {
				drop((unsigned)result);	/* nobody will take it */
				L.orphans++;
			}
		}
	}
	p->done = 1;
	p->result = result;
	if (!waiting(p))
		p->used = 0;
	else
		bp_wake_all(L.ctl, 0);
}

/* An ACCEPTED the books took: the connection is the listener's owner's, within its quota. */
static void accepted(const struct sock_ev *e)
{
	struct books_sock *l = &L.k.s[e->socket];
	struct rsock *lr = &rsocks[e->socket];
	unsigned n = (unsigned)e->result;

	if (!lr->used || owned(lr->owner) >= RTOS_NET_SOCKS) {
		l->nacc--;		/* the one just appended */
		L.k.s[n].state = C_CONNECTED;
		drop(n);
		L.refused++;
		return;
	}
	rsocks[n] = (struct rsock){ .gen = rsocks[n].gen, .used = 1, .owner = lr->owner };
}

/* An ACCEPTED the books refused (its listener closing): a new socket of net's is closed. */
static void accepted_stray(const struct sock_ev *e)
{
	if (e->result < 0 || e->result >= SOCK_MAX || L.k.s[e->result].state != C_FREE || rsocks[e->result].used ||
	    L.closes[e->result])
		return;
	L.k.s[e->result].state = C_CONNECTED;
	drop((unsigned)e->result);
	L.refused++;
}

/* HELLO to the new net with the numbers processes still hold: put now, or owed to the
 * next poll if the command queue is full (nothing else is put before it). */
static void say_hello(void)
{
	L.hello = ctl_id();
	struct sock_cmd c = { .op = SOCK_HELLO, .id = L.hello, .arg = books_held(&L.k) };
	L.owe = xport_put(&L.cmd, &c) != 0;
	L.dirty = 1;			/* the CLOSEs of sockets dropped meanwhile, after it */
}

/*
 * RESTARTED or ENDED (cairn/sock.h): the books fail the old sockets (books_event); a
 * connection accepted and not yet taken, and a CLOSE not yet put, are forgotten (the
 * books freed them); every command waiting for a DONE fails; every watcher looks.
 * RESTARTED: HELLO. ENDED: nothing more is put.
 */
#define RESTARTS_SAID 8
static void net_gone(const struct sock_ev *e)
{
	books_event(&L.k, e, &L.st);
	for (unsigned n = 0; n < SOCK_MAX; n++) {
		L.closes[n] = 0;
		if (rsocks[n].used && L.k.s[n].state == C_FREE) {
			uint16_t gen = (uint16_t)(rsocks[n].gen + 1);
			rsocks[n] = (struct rsock){ .gen = gen ? gen : 1 };
		}
	}
	for (unsigned i = 0; i < NET_PENDS; i++)
		if (pends[i].used && !pends[i].done)
			pend_done(&pends[i], RTOS_ENETDOWN);
	L.changed = (uint16_t)SOCK_ALL;
	if (e->kind == SOCK_ENDED) {
		L.ended = 1;
		L.owe = 0;
		L.hello = 0;
		cairn_printf("rtos: net ended: the sockets of processes are gone\n");
		return;
	}
	L.restarts++;
	say_hello();
	if (L.restarts <= RESTARTS_SAID)	/* a hostile net's stream of them is counted, not printed */
		cairn_printf("rtos: net restarted: the sockets of processes are gone; HELLO %s (numbers held 0x%x)\n",
			     L.owe ? "owed" : "said", (unsigned)books_held(&L.k));
}

static void take(const struct sock_ev *e)
{
	if (L.ended)
		return;
	if (e->kind == SOCK_RESTARTED || e->kind == SOCK_ENDED) {
		net_gone(e);
		return;
	}
	if (L.hello) {			/* the past: what came before our HELLO's answer */
		if (e->kind == SOCK_DONE && e->id == L.hello)
			L.hello = 0;
		return;
	}
	if (e->kind == SOCK_DONE && (e->id & BOOKS_CTRL))
		for (unsigned i = 0; i < NET_PENDS; i++)
			if (pends[i].used && !pends[i].done && pends[i].id == e->id) {
				pend_done(&pends[i], e->result);
				return;
			}
	unsigned was = e->socket < SOCK_MAX ? L.k.s[e->socket].state : C_FREE;
	int ok = books_event(&L.k, e, &L.st);
	if (e->kind == SOCK_ACCEPTED)
		ok ? accepted(e) : accepted_stray(e);
	if (!ok || e->socket >= SOCK_MAX)
		return;
	if (was == C_CLOSING && L.k.s[e->socket].state == C_FREE)
		L.closes[e->socket] = 0;	/* (its CLOSE was put: net answered it) */
	L.changed |= (uint16_t)(1u << e->socket);
}

void sock_poll(void)
{
	struct sock_ev e;

	if (!L.up)
		return;
	unsigned taken = 0;
	while (taken <= L.ev.mask && xport_get(&L.ev, &e) == 0) {
		take(&e);
		taken++;
	}
	if (L.owe)
		say_hello();
	if ((taken || L.dirty) && !L.owe) {
		L.dirty = 0;
		flush_closes();
		top_up();
	}
	wake_net();
	for (unsigned n = 0; L.changed; n++)
		if (L.changed >> n & 1) {
			L.changed &= (uint16_t)~(1u << n);
			if (rsocks[n].open)
				watch_notify(sock_handle(&rsocks[n]));
		}
}

long sock_arm(void)
{
	if (!L.up)
		return 0;
	long r = xport_arm(&L.ev);
	if (r == 0 && L.owe)
		r = xport_arm(&L.cmd);		/* woken when there is room for the HELLO */
	for (unsigned n = 0; r == 0 && n < SOCK_MAX; n++)
		if (L.closes[n])
			r = xport_arm(&L.cmd);	/* woken when there is room for it */
	return r > 0;	/* CAIRN_EIO, net's cursor beyond reason: sleep all the same */
}

/* A free pend for t's command op; 0 if none (each thread waits for one at a time). */
static struct pend *pend_new(struct rthread *t, unsigned op, unsigned kind)
{
	for (unsigned i = 0; i < NET_PENDS; i++) {
		struct pend *p = &pends[i];
		if (p->used && p->done && !waiting(p))
			p->used = 0;	/* its waiter ended after the DONE came */
		if (!p->used) {
			*p = (struct pend){ .used = 1, .op = (uint8_t)op, .proc = (uint8_t)(t->proc - procs),
					    .waiter = t, .waiter_gen = t->gen, .id = ctl_id(), .kind = (uint16_t)kind };
			return p;
		}
	}
	return 0;
}

/* Puts command c for t and waits for its DONE: the result. Locked on entry and return. */
static long control(struct rthread *t, struct sock_cmd c)
{
	if (L.ended)
		return RTOS_ENETDOWN;
	if (L.owe)
		return CAIRN_EAGAIN;	/* the HELLO first: the command queue is full */
	struct pend *p = pend_new(t, c.op, c.arg);
	if (!p)
		return CAIRN_ENOBUFS;
	c.id = p->id;
	if (xport_put(&L.cmd, &c)) {
		p->used = 0;
		return CAIRN_EAGAIN;	/* the command queue is full */
	}
	wake_net();
	while (!p->done) {
		bp_wait(t, L.ctl);
		sched_lock(t->core);
		sock_poll();
	}
	long r = p->result;
	p->used = 0;
	return r;
}

/* Locked: socket n of t's process, taken by OPEN, still its own and not yet given (a
 * process end may have closed it while t waited). */
static int still_mine(struct rthread *t, unsigned n)
{
	return rsocks[n].used && !rsocks[n].open && rsocks[n].owner == (unsigned)(t->proc - procs);
}

/* OPEN of kind bound to port for t: the socket number, or an error. Locked. */
static long open_num(struct rthread *t, unsigned kind, uint16_t port)
{
	if (!L.up)
		return RTOS_ENETDOWN;
	sock_poll();
	if (owned((unsigned)(t->proc - procs)) >= RTOS_NET_SOCKS)
		return CAIRN_ENOBUFS;
	long r = control(t, (struct sock_cmd){ .op = SOCK_OPEN, .arg = kind, .port = port });
	if (r >= 0 && !still_mine(t, (unsigned)r))
		r = CAIRN_EBADF;
	else if (r >= 0 && L.k.s[r].state == C_GONE) {
		drop((unsigned)r);	/* net restarted right after its DONE */
		flush_closes();
		wake_net();
		r = RTOS_ENETDOWN;
	}
	return r;
}

/* The socket number n opened for t, given to it: its handle. Returns unlocked. */
static long give(unsigned n)
{
	rsocks[n].open = 1;
	top_up();
	wake_net();
	long h = (long)sock_handle(&rsocks[n]);
	sched_unlock();
	return h;
}

static long fail(long r)
{
	sched_unlock();
	return r;
}

/* Socket n, just opened for t, gets its second command (LISTEN, CONNECT): its state is
 * set first (what net says right after the DONE must find it), then c is put and waited
 * for: the handle, or the error with the socket dropped. */
static long then(struct rthread *t, unsigned n, unsigned state, struct sock_cmd c)
{
	L.k.s[n].state = state;
	c.socket = n;
	long r = control(t, c);
	if (r >= 0 && !still_mine(t, n))
		return fail(CAIRN_EBADF);
	if (r < 0) {
		if (still_mine(t, n))
			drop(n);
		flush_closes();
		wake_net();
		return fail(r);
	}
	return give(n);
}

long sock_open(struct rthread *t, unsigned kind, uint16_t port, unsigned backlog)
{
	long n = open_num(t, kind, port);

	if (n < 0)
		return fail(n);
	if (kind == SOCK_TCP)
		return then(t, (unsigned)n, C_LISTEN, (struct sock_cmd){ .op = SOCK_LISTEN, .arg = backlog });
	return give((unsigned)n);
}

long sock_connect(struct rthread *t, uint32_t addr, uint16_t port)
{
	long n = open_num(t, SOCK_TCP, 0);

	if (n < 0)
		return fail(n);
	return then(t, (unsigned)n, C_CONNECTING,
		    (struct sock_cmd){ .op = SOCK_CONNECT, .addr = addr, .port = port });
}

struct cairn_ret2 sock_accept(struct rthread *t, struct rsock *lr)
{
	struct books_sock *l = &L.k.s[num(lr)];

	(void)t;
	sock_poll();
	if (l->state == C_GONE && l->was == C_LISTEN)
		return (struct cairn_ret2){ RTOS_ENETDOWN, 0 };	/* net restarted */
	if (l->state != C_LISTEN)
		return (struct cairn_ret2){ CAIRN_EBADF, 0 };
	if (!l->nacc)
		return (struct cairn_ret2){ CAIRN_EAGAIN, 0 };
	unsigned n = l->acc[0];
	uint64_t peer = RTOS_NET_PEER(l->acc_peer[0].addr, l->acc_peer[0].port);
	for (unsigned i = 1; i < l->nacc; i++) {
		l->acc[i - 1] = l->acc[i];
		l->acc_peer[i - 1] = l->acc_peer[i];
	}
	l->nacc--;
	rsocks[n].open = 1;
	top_up();
	wake_net();
	return (struct cairn_ret2){ (long)sock_handle(&rsocks[n]), (long)peer };
}

/* The state a send or receive of kind finds s in: 0 go on, or the error. */
static long usable(struct books_sock *s, unsigned kind, int send)
{
	int gone = s->state == C_GONE;	/* net restarted: as libnet's (cairn/libnet.h) */
	unsigned st = gone ? s->was : s->state;

	if (kind == SOCK_UDP) {
		if (st != C_UDP)
			return CAIRN_EBADF;
		return gone && (send || !s->nfull) ? RTOS_ENETDOWN : 0;	/* what had arrived, then ENETDOWN */
	}
	switch (st) {
	case C_CONNECTED:
		return gone && send ? SOCK_EPIPE : 0;	/* a receive: what had arrived, then s->err */
	case C_CONNECTING:
		return !gone ? CAIRN_EAGAIN : send ? SOCK_EPIPE : 0;
	case C_RESET:
		return send ? SOCK_EPIPE : 0;
	case C_TCP:
	case C_LISTEN:
		return SOCK_ENOTCONN;
	default:
		return CAIRN_EBADF;
	}
}

long sock_send(struct rthread *t, struct rsock *r, unsigned kind, const volatile char *msg, uint64_t len,
	       uint32_t addr, uint16_t port)
{
	unsigned n = num(r);
	struct books_sock *s = &L.k.s[n];
	int b;

	(void)t;
	sock_poll();
	long err = usable(s, kind, 1);
	if (err)
		return err;
	if (kind == SOCK_UDP && len > SOCK_DGRAM_MAX)
		return SOCK_EMSGSIZE;
	if (len == 0)
		return kind == SOCK_UDP ? CAIRN_EINVAL : 0;
	if (s->tx >= NET_TX_SOCK || bufs_of(r->owner) >= RTOS_NET_BUFS || room() < 1 ||
	    (b = books_take(&L.k, n, B_TX)) < 0)
		return CAIRN_EAGAIN;
	uint8_t *dst = L.data + (uint64_t)b * NET_BUF;
	for (uint64_t i = 0; i < len; i++)
		dst[i] = (uint8_t)msg[i];
	struct sock_cmd c = { .op = SOCK_SEND, .socket = n, .id = (uint32_t)b, .offset = (uint64_t)b * NET_BUF,
			      .len = (uint32_t)len, .addr = addr, .port = port };
	if (xport_put(&L.cmd, &c)) {
		books_free(&L.k, (unsigned)b);
		return CAIRN_EAGAIN;
	}
	s->tx++;
	wake_net();
	return (long)len;
}

struct cairn_ret2 sock_recv(struct rthread *t, struct rsock *r, unsigned kind, volatile char *msg, uint64_t len)
{
	unsigned n = num(r);
	struct books_sock *s = &L.k.s[n];
	long err;
	uint64_t got = 0, peer = 0;

	(void)t;
	sock_poll();
	if ((err = usable(s, kind, 0)))
		return (struct cairn_ret2){ err, 0 };
	if (!s->nfull) {
		err = s->state == C_RESET || s->state == C_GONE ? s->err : s->eof ? 0 : CAIRN_EAGAIN;
		return (struct cairn_ret2){ err, 0 };
	}
	if (kind == SOCK_UDP) {
		struct books_buf *b = &L.k.b[s->full[0]];
		got = b->len < len ? b->len : len;
		const uint8_t *src = L.data + (uint64_t)s->full[0] * NET_BUF;
		for (uint64_t i = 0; i < got; i++)
			msg[i] = (char)src[i];
		peer = RTOS_NET_PEER(b->addr, b->port);
		books_consume(&L.k, n);
	}
	while (kind == SOCK_TCP && got < len && s->nfull) {
		struct books_buf *b = &L.k.b[s->full[0]];
		uint64_t k = b->len - b->pos < len - got ? b->len - b->pos : len - got;
		const uint8_t *src = L.data + (uint64_t)s->full[0] * NET_BUF + b->pos;
		for (uint64_t i = 0; i < k; i++)
			msg[got + i] = (char)src[i];
		b->pos += (uint32_t)k;
		got += k;
		if (b->pos == b->len)
			books_consume(&L.k, n);
	}
	top_up();
	wake_net();
	return (struct cairn_ret2){ (long)got, (long)peer };
}

void sock_close(struct rsock *r)
{
	drop(num(r));
	flush_closes();
	top_up();
	wake_net();
}

unsigned sock_event(struct rsock *r)
{
	unsigned n = num(r), ev = 0;
	struct books_sock *s = &L.k.s[n];

	if (s->nfull || (s->state == C_LISTEN && s->nacc))
		ev |= RTOS_NET_BIT(EVT_NET_READ);
	else if (s->state == C_RESET || s->state == C_GONE || s->eof)
		ev |= RTOS_NET_BIT(EVT_NET_CLOSE);	/* C_GONE: died in a restart of net */
	if ((s->state == C_UDP || s->state == C_CONNECTED) && s->tx < NET_TX_SOCK &&
	    bufs_of(r->owner) < RTOS_NET_BUFS && room() > 0) {
		for (unsigned i = 0; i < L.k.nbuf; i++)
			if (L.k.b[i].state == B_FREE) {
				ev |= RTOS_NET_BIT(EVT_NET_WRITE);
				break;
			}
	}
	return ev;
}

void sock_proc_end(struct rproc *p)
{
	unsigned pi = (unsigned)(p - procs);

	for (unsigned n = 0; n < SOCK_MAX; n++)
		if (rsocks[n].used && rsocks[n].owner == pi)
			drop(n);
	if (!L.up)
		return;
	flush_closes();
	wake_net();
}

/*
 * The RTOS ends (no process left, so every process's sockets are closed already): BYE
 * on the link, so that a `net` given until_clients_end ends too (docs/network.md,
 * "Ending"). The DONE is not awaited: nothing is left to tell. A full command queue is
 * waited out (net drains it at its pace) at most BYE_TRIES times.
 */
#define BYE_TRIES 64
void sock_bye(void)
{
	struct sock_cmd c = { .op = SOCK_BYE, .id = ctl_id() };
	long r;

	if (!L.up || L.ended)
		return;
	if (L.owe) {			/* a restarted net drops the BYE before the HELLO */
		for (unsigned tries = 0; L.owe && tries < BYE_TRIES; tries++) {
			say_hello();
			wake_net();
			if (L.owe && xport_arm(&L.cmd) == 0)
				cairn_rcv_wait(CAIRN_SLOT_RCV);
		}
	}
	for (unsigned tries = 0; (r = xport_put(&L.cmd, &c)) == CAIRN_EAGAIN && tries < BYE_TRIES; tries++) {
		wake_net();
		if (xport_arm(&L.cmd) == 0)
			cairn_rcv_wait(CAIRN_SLOT_RCV);
	}
	if (r)
		cairn_printf("rtos: socket link sock%u: BYE not said (%ld)\n", L.link, r);
	wake_net();
}

void sock_report(void)
{
	if (L.up)
		cairn_printf("rtos: sockets: %lu events, %lu stray; %lu connections refused; %lu opened for ended threads\n",
			     L.st.events, L.st.stray, L.refused, L.orphans);
	if (L.up && L.restarts)
		cairn_printf("rtos: net restarted %lu times\n", L.restarts);
}

long sock_stat(struct rproc *p, unsigned what)
{
	unsigned pi = (unsigned)(p - procs), n = 0;

	if (what == RTOS_STAT_SOCKS) {
		for (unsigned i = 0; i < SOCK_MAX; i++)
			n += rsocks[i].used && rsocks[i].owner == pi;
		return n;
	}
	for (unsigned i = 0; i < L.k.nbuf; i++)
		n += L.k.b[i].state != B_FREE;
	return n;
}

/*
 * The first socket link the description gives this component: attached, the past
 * skipped (its event queue's tail moved to the head), HELLO put (net closes what a
 * previous client left). Without one every socket call is RTOS_ENETDOWN.
 */
void sock_init(void)
{
	for (unsigned n = 0; n < SOCK_LINKS; n++) {
		const struct cairn_region *rg = net_link_attach(n, L.port, &L.cmd, &L.ev);
		if (!rg)
			continue;
		if (L.port[1].mask + 1 < SOCK_EV_MIN) {
			cairn_printf("rtos: socket link sock%u: its event queue has fewer than %u slots: not used\n", n,
				     SOCK_EV_MIN);
			continue;
		}
		L.ev.cursor = __atomic_load_n(&L.ev.ring->head, __ATOMIC_ACQUIRE);
		__atomic_store_n(&L.ev.ring->tail, L.ev.cursor, __ATOMIC_RELEASE);
		L.data = (uint8_t *)rg->va;
		L.next_id = (uint32_t)cairn_cycles();
		books_init(&L.k, rg->size);
		L.ctl = bp_new(NO_PROC, BP_PLAIN);
		L.hello = ctl_id();
		struct sock_cmd c = { .op = SOCK_HELLO, .id = L.hello };
		if (!L.ctl || xport_put(&L.cmd, &c)) {
			cairn_printf("rtos: socket link sock%u: cannot start it\n", n);
			return;
		}
		for (unsigned i = 0; i < SOCK_MAX; i++)
			rsocks[i].gen = 1;
		L.up = 1;
		L.link = n;
		wake_net();
		cairn_printf("rtos: sockets for processes over link sock%u (%u buffers)\n", n, L.k.nbuf);
		return;
	}
}
