/*
 * ports.c: ports for RTOS programs (docs/rtos.md "Ports"). A description may give the
 * rtos component [[port]]s as it gives any component; its red tape lists its ends. A
 * process opens the rtos's end of one by name and holds it alone until it closes it or
 * ends: red-tape port i is rports[i], named by a handle of kind RTOS_K_PORT (generation,
 * i) that only the holder can use. A slot passes through the calling thread's msg
 * (so a port whose slot is larger than RTOS_MSG_BYTES is not lent: ENOTSUP), never
 * through the ring, which no process maps.
 *
 * Nothing here waits: a send or receive is one cairn_port_try_send/try_recv (in sync
 * mode followed by the peer's wake-up, as cairn_port_send/recv give it). The peer may
 * write anything into the ring at any time: libcairn's steps place every copy by this
 * end's own geometry and cursor (cairn/port.h); beyond them this file reads the ring's
 * two cursors once per pass, only to compare them.
 *
 * Waking watchers: at each pass of every S (port_poll) a held port whose ring cursors
 * moved since the last pass notifies its watchers. S_0, before it idles, sets its
 * waiting flag on every watched sync port (port_arm: the protocol's first half), so the
 * peer's next step wakes it; a watched async port sends no wake-up, so S_0 then sleeps
 * at most PORT_POLL_US (port_due). The socket link's ports (sock<N>_cmd, sock<N>_ev)
 * are sock.c's and never lent.
 *
 * Above watch.c; below the gates (gates_port.c, gates_event.c), life.c (a process
 * ends) and main.c (S). Everything is called locked.
 */
#include "rtos.h"

#define PORT_POLL_US 1000	/* S_0 idle, a watched async port: how soon it looks again */

struct rport rports[CAIRN_ROOT_PORTS];

uint64_t port_handle(const struct rport *r)
{
	return RTOS_HANDLE(RTOS_K_PORT, r->gen, r - rports);
}

static int link_port(const char *name)
{
	for (unsigned n = 0; n < SOCK_LINKS; n++)
		if (!strcmp(name, sock_link_name(n, SOCK_NAME_CMD)) || !strcmp(name, sock_link_name(n, SOCK_NAME_EV)))
			return 1;
	return 0;
}

/* The ring's cursor of the peer (the producer's head, the consumer's tail), read once. */
static uint32_t peer_cursor(const struct rport *r)
{
	return __atomic_load_n(r->producer ? &r->p.ring->tail : &r->p.ring->head, __ATOMIC_RELAXED);
}

/* The ring's copy of this end's cursor, read once (only this end writes it, or a peer that lies). */
static uint32_t own_copy(const struct rport *r)
{
	return __atomic_load_n(r->producer ? &r->p.ring->head : &r->p.ring->tail, __ATOMIC_RELAXED);
}

/* Red-tape port i lent to t's process; its cursors start where the ring's stand now. */
static long lend(struct rthread *t, unsigned i)
{
	const struct cairn_port_end *e = &root->port[i];
	struct rport *r = &rports[i];

	if (e->slot_size > RTOS_MSG_BYTES)
		return CAIRN_ENOTSUP;
	if (r->used)
		return CAIRN_EBUSY;
	if (cairn_port_attach(&r->p, (struct cairn_port_ring *)e->ring_va, e->slot_size, e->slots))
		return CAIRN_ENOTSUP;	/* a geometry the booter never writes */
	r->p.mode = e->mode;
	r->p.rcv = e->rcv;
	r->p.peer = e->peer;
	r->used = 1;
	r->owner = (uint8_t)(t->proc - procs);
	r->producer = e->end == CAIRN_PORT_PRODUCER;
	r->slot_size = e->slot_size;
	r->seen_peer = peer_cursor(r);
	r->seen_own = own_copy(r);
	return (long)port_handle(r);
}

long port_open(struct rthread *t, const char *name)
{
	if (link_port(name))
		return CAIRN_EACCES;
	for (unsigned i = 0; i < root->nports && i < CAIRN_ROOT_PORTS; i++)
		if (!strcmp(root->port[i].name, name))
			return lend(t, i);
	return CAIRN_ENOENT;
}

/* One slot put: len (1..slot size) bytes of msg, read once, then zeroes. */
long port_send(struct rport *r, const volatile char *msg, uint64_t len)
{
	static uint64_t slot[RTOS_MSG_BYTES / 8];	/* the lock's holder's */
	char *s = (char *)slot;

	if (!r->producer)
		return CAIRN_EBADF;
	if (len == 0)
		return CAIRN_EINVAL;
	if (len > r->slot_size)
		return SOCK_EMSGSIZE;
	for (uint64_t i = 0; i < len; i++)
		s[i] = msg[i];
	for (uint64_t i = len; i < r->slot_size; i++)
		s[i] = 0;
	return cairn_port_try_send(&r->p, slot);
}

/* One slot taken into msg: its size. */
long port_recv(struct rport *r, volatile char *msg)
{
	static uint64_t slot[RTOS_MSG_BYTES / 8];
	const char *s = (const char *)slot;

	if (r->producer)
		return CAIRN_EBADF;
	long e = cairn_port_try_recv(&r->p, slot);
	if (e)
		return e;
	for (uint32_t i = 0; i < r->slot_size; i++)
		msg[i] = s[i];
	return r->slot_size;
}

void port_close(struct rport *r)
{
	watch_forget(port_handle(r));
	uint16_t gen = (uint16_t)(r->gen + 1);
	*r = (struct rport){ .gen = gen ? gen : 1 };
}

unsigned port_event(struct rport *r)
{
	if (cairn_port_ready(&r->p, r->producer))
		return EVT_NONE;
	return r->producer ? EVT_PORT_WRITE : EVT_PORT_READ;
}

/* Whether r's ring cursors moved since the last look; the look is remembered. */
static int moved(struct rport *r)
{
	uint32_t peer = peer_cursor(r), own = own_copy(r);
	int m = peer != r->seen_peer || own != r->seen_own;

	r->seen_peer = peer;
	r->seen_own = own;
	return m;
}

void port_poll(void)
{
	for (unsigned i = 0; i < CAIRN_ROOT_PORTS; i++)
		if (rports[i].used && moved(&rports[i]))
			watch_notify(port_handle(&rports[i]));
}

long port_arm(void)
{
	long again = 0;

	for (unsigned i = 0; i < CAIRN_ROOT_PORTS; i++) {
		struct rport *r = &rports[i];
		if (!r->used || r->p.mode != CAIRN_PORT_SYNC || !watch_any(port_handle(r)))
			continue;
		cairn_port_arm(&r->p, r->producer);	/* (its readiness: the watchers' to judge) */
		if (peer_cursor(r) != r->seen_peer || own_copy(r) != r->seen_own)
			again = 1;	/* moved before the flag was seen: the next pass notifies */
	}
	return again;
}

uint64_t port_due(uint64_t due)
{
	for (unsigned i = 0; i < CAIRN_ROOT_PORTS; i++) {
		struct rport *r = &rports[i];
		if (r->used && r->p.mode != CAIRN_PORT_SYNC && watch_any(port_handle(r))) {
			uint64_t soon = cairn_cycles() + cairn_us_ticks(root->tsc_hz, PORT_POLL_US);
			return due && due < soon ? due : soon;
		}
	}
	return due;
}

void port_proc_end(struct rproc *p)
{
	for (unsigned i = 0; i < CAIRN_ROOT_PORTS; i++)
		if (rports[i].used && rports[i].owner == (unsigned)(p - procs))
			port_close(&rports[i]);
}

long port_stat(struct rproc *p)
{
	long n = 0;

	for (unsigned i = 0; i < CAIRN_ROOT_PORTS; i++)
		n += rports[i].used && rports[i].owner == (unsigned)(p - procs);
	return n;
}
