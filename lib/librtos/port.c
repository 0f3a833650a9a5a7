/*
 * port.c: ports (cairn/rtos.h, docs/rtos.md "Ports"): the RTOS calls PORT_* into the
 * rtos component, which holds the ends of the system's [[port]]s that name it
 * (components/rtos/ports.c) and lends each to one process at a time. A slot passes
 * through the calling thread's msg: a send copies the caller's bytes in, a receive
 * copies the slot out. Every pointer is checked before the call (EFAULT, nothing
 * changed); port_recv_wait waits in an event set.
 */
#include "call.h"

long port_open(const char *name)
{
	int n = rtos_msg_name(name);

	if (n < 0)
		return n;
	return rtos_call1(RTOS_PORT_OPEN, 0);
}

/* A length the msg cannot hold is passed on as RTOS_MSG_BYTES + 1: the rtos answers EMSGSIZE (or EBADF). */
long port_send(port_t h, const void *msg, size_t len)
{
	if (len && len <= RTOS_MSG_BYTES) {
		if (rtos_check(msg, len, 0))
			return EFAULT;
		__builtin_memcpy(rtos_tls()->msg, msg, len);
	}
	return rtos_call(RTOS_PORT_SEND, h, len <= RTOS_MSG_BYTES ? len : RTOS_MSG_BYTES + 1, 0, 0).r0;
}

/* buf is checked for min(cap, RTOS_MSG_BYTES) bytes: no slot is larger. */
long port_recv(port_t h, void *buf, size_t cap)
{
	if (!cap)
		return EINVAL;
	size_t n = cap < RTOS_MSG_BYTES ? cap : RTOS_MSG_BYTES;
	if (rtos_check(buf, n, 1))
		return EFAULT;
	long r = rtos_call1(RTOS_PORT_RECV, h);
	if (r < 0)
		return r;
	if (r > RTOS_MSG_BYTES)
		return EIO;	/* (the rtos never says more than the msg holds) */
	__builtin_memcpy(buf, rtos_tls()->msg, (size_t)r < n ? (size_t)r : n);
	return r;
}

long port_close(port_t h)
{
	return rtos_call1(RTOS_PORT_CLOSE, h);
}

/* The set's timer, if timeout_us is finite: started, and in the set. */
static long add_timer(event_t e, timer_t *tm, uint64_t timeout_us)
{
	struct time rel;

	if (timeout_us == PORT_WAIT_FOREVER)
		return 0;
	if (!(*tm = timer_create()))
		return ENOMEM;
	time_create(&rel, timeout_us / 1000000, (uint32_t)(timeout_us % 1000000));
	long r = timer_start(*tm, &rel);
	return r ? r : event_add(e, *tm, 0);
}

/*
 * port_recv until a slot comes, EAGAIN once timeout_us has passed (0: one try). The
 * errors of port_recv, event_create's (ENOMEM) and a timer's (ENOMEM: none left).
 */
long port_recv_wait(port_t h, void *buf, size_t cap, uint64_t timeout_us)
{
	long r = port_recv(h, buf, cap);

	if (r != EAGAIN || timeout_us == 0)
		return r;
	event_t e = event_create(2);
	timer_t tm = 0;
	if (!e)
		return ENOMEM;
	r = event_add(e, h, 0);
	if (!r)
		r = add_timer(e, &tm, timeout_us);
	for (int late = 0; !r;) {
		r = port_recv(h, buf, cap);
		if (r != EAGAIN || late)
			break;
		struct event_info ev[2];
		int n = event_wait(e, ev, 2);
		r = n < 0 ? n : 0;
		for (int i = 0; i < n; i++)
			late |= tm && ev[i].event_src_id == tm;	/* one more look, then EAGAIN */
	}
	if (tm)
		timer_free(tm);
	event_delete(e);
	return r;
}
