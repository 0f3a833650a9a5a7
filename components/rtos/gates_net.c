/*
 * gates_net.c: the socket calls (gates.h; lib/librtos/net.c, docs/network.md "Sockets
 * for RTOS programs"). Each decodes its arguments, checks them, and only then changes
 * anything; a socket handle is looked up and used under one hold of the lock
 * (handle.h), and data passes through the calling thread's msg (read once, as the
 * process may change it meanwhile). sock.c does the rest.
 */
#define RTOS_IF_net(m, ...) m(__VA_ARGS__)	/* this file serves the socket calls */
#include "gates.h"

static long gate_net_open(struct rthread *t, const struct rtos_args *a)
{
	uint64_t kind = a->a, port = a->b, backlog = a->c;

	if ((kind != SOCK_UDP && kind != SOCK_TCP) || port > 0xffff)
		return CAIRN_EINVAL;
	if (kind == SOCK_UDP ? backlog != 0 : port == 0 || backlog < 1 || backlog > SOCK_BACKLOG_MAX)
		return CAIRN_EINVAL;
	sched_lock(t->core);
	return sock_open(t, (unsigned)kind, (uint16_t)port, (unsigned)backlog);
}

static long gate_net_connect(struct rthread *t, const struct rtos_args *a)
{
	uint64_t addr = a->a, port = a->b;

	if (addr > 0xffffffff || port == 0 || port > 0xffff)
		return CAIRN_EINVAL;
	sched_lock(t->core);
	return sock_connect(t, (uint32_t)addr, (uint16_t)port);
}

static ret2 gate_net_accept(struct rthread *t, const struct rtos_args *a)
{
	struct rsock *l = LOCKED(t, sock_of(t, a->a));

	if (!l)
		return r1(CAIRN_EBADF);
	ret2 r = sock_accept(t, l);
	sched_unlock();
	return r;
}

/* d: the kind (SOCK_UDP or SOCK_TCP) << 16 | the UDP port. */
static long gate_net_send(struct rthread *t, const struct rtos_args *a)
{
	uint64_t len = a->b, addr = a->c, kind = a->d >> 16, port = a->d & 0xffff;

	if (kind != SOCK_UDP && kind != SOCK_TCP)
		return CAIRN_EINVAL;
	if (len > RTOS_MSG_BYTES || addr > 0xffffffff || (kind == SOCK_UDP && port == 0) ||
	    (kind == SOCK_TCP && (addr || port)))
		return CAIRN_EINVAL;
	struct rsock *s = LOCKED(t, sock_of(t, a->a));
	if (!s)
		return CAIRN_EBADF;
	long r = sock_send(t, s, (unsigned)kind, thread_tls(t)->msg, len, (uint32_t)addr, (uint16_t)port);
	sched_unlock();
	return r;
}

/* c: the kind (SOCK_UDP or SOCK_TCP). */
static ret2 gate_net_recv(struct rthread *t, const struct rtos_args *a)
{
	uint64_t len = a->b, kind = a->c;

	if ((kind != SOCK_UDP && kind != SOCK_TCP) || len > RTOS_MSG_BYTES)
		return r1(CAIRN_EINVAL);
	struct rsock *s = LOCKED(t, sock_of(t, a->a));
	if (!s)
		return r1(CAIRN_EBADF);
	ret2 r = sock_recv(t, s, (unsigned)kind, thread_tls(t)->msg, len);
	sched_unlock();
	return r;
}

static long gate_net_close(struct rthread *t, const struct rtos_args *a)
{
	struct rsock *s = LOCKED(t, sock_of(t, a->a));

	if (!s)
		return CAIRN_EBADF;
	sock_close(s);
	sched_unlock();
	return 0;
}

RTOS_SERVE_FAMILY
