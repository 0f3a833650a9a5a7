/*
 * gates_port.c: the port calls (gates.h; lib/librtos/port.c, docs/rtos.md "Ports").
 * Each decodes its arguments, checks them, and only then changes anything; a port
 * handle is looked up and used under one hold of the lock (handle.h), and a slot passes
 * through the calling thread's msg (read once, as the process may change it meanwhile).
 * ports.c does the rest.
 */
#define RTOS_IF_port(m, ...) m(__VA_ARGS__)	/* this file serves the port calls */
#include "gates.h"

/* The name in the msg: a red-tape name (shorter than CAIRN_NAME_MAX), else EINVAL. */
static long gate_port_open(struct rthread *t, const struct rtos_args *a)
{
	char name[RTOS_NAME_MAX];
	long n = msg_name(t, name);

	(void)a;
	if (n <= 0 || n >= CAIRN_NAME_MAX)
		return CAIRN_EINVAL;
	sched_lock(t->core);
	long r = port_open(t, name);
	sched_unlock();
	return r;
}

/* b: the bytes in msg (a length over the slot size is EMSGSIZE before msg is read). */
static long gate_port_send(struct rthread *t, const struct rtos_args *a)
{
	struct rport *r = LOCKED(t, port_of(t, a->a));

	if (!r)
		return CAIRN_EBADF;
	long e = port_send(r, thread_tls(t)->msg, a->b);
	sched_unlock();
	return e;
}

static long gate_port_recv(struct rthread *t, const struct rtos_args *a)
{
	struct rport *r = LOCKED(t, port_of(t, a->a));

	if (!r)
		return CAIRN_EBADF;
	long e = port_recv(r, thread_tls(t)->msg);
	sched_unlock();
	return e;
}

static long gate_port_close(struct rthread *t, const struct rtos_args *a)
{
	struct rport *r = LOCKED(t, port_of(t, a->a));

	if (!r)
		return CAIRN_EBADF;
	port_close(r);
	sched_unlock();
	return 0;
}

RTOS_SERVE_FAMILY
