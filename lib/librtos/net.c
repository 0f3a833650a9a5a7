/*
 * net.c: sockets (cairn/rtos.h, docs/rtos.md "Sockets"): the RTOS calls NET_* into the
 * rtos component, which is the client of the system's socket link to `net`
 * (components/rtos/sock.c). Data passes through the calling thread's msg, at most
 * RTOS_MSG_BYTES a call: a send copies the caller's bytes in, a receive copies them
 * out; a longer TCP send or receive is several calls. Every pointer is checked before
 * any call (EFAULT, nothing changed).
 */
#include "call.h"

long net_udp_open(uint16_t port, int flags)
{
	if (flags)
		return EINVAL;
	return rtos_call(RTOS_NET_OPEN, SOCK_UDP, port, 0, 0).r0;
}

long net_tcp_listen(uint16_t port, int backlog, int flags)
{
	if (flags || backlog < 1)
		return EINVAL;
	return rtos_call(RTOS_NET_OPEN, SOCK_TCP, port, (cairn_word)backlog, 0).r0;
}

long net_tcp_accept(net_sock_t listener, struct net_addr *peer, int flags)
{
	if (flags)
		return EINVAL;
	if (peer && rtos_check(peer, sizeof(*peer), 1))
		return EFAULT;
	struct cairn_ret2 r = rtos_call(RTOS_NET_ACCEPT, listener, 0, 0, 0);
	if (r.r0 > 0 && peer)
		*peer = (struct net_addr){ RTOS_NET_PEER_ADDR(r.r1), RTOS_NET_PEER_PORT(r.r1) };
	return r.r0;
}

long net_tcp_connect(const struct net_addr *to, int flags)
{
	if (flags)
		return EINVAL;
	if (rtos_check(to, sizeof(*to), 0))
		return EFAULT;
	struct net_addr a = *to;
	return rtos_call(RTOS_NET_CONNECT, a.addr, a.port, 0, 0).r0;
}

long net_send(net_sock_t s, const void *buf, size_t len, int flags)
{
	char *msg = rtos_tls()->msg;
	size_t done = 0;

	if (flags)
		return EINVAL;
	if (len && rtos_check(buf, len, 0))
		return EFAULT;
	do {
		size_t n = len - done < RTOS_MSG_BYTES ? len - done : RTOS_MSG_BYTES;
		__builtin_memcpy(msg, (const char *)buf + done, n);
		long r = rtos_call(RTOS_NET_SEND, s, n, 0, (cairn_word)SOCK_TCP << 16).r0;
		if (r < 0)
			return done ? (long)done : r;
		done += (size_t)r;
		if ((size_t)r < n)
			break;
	} while (done < len);
	return (long)done;
}

long net_send_to(net_sock_t s, const void *buf, size_t len, const struct net_addr *to, int flags)
{
	if (flags)
		return EINVAL;
	if (rtos_check(to, sizeof(*to), 0) || (len && rtos_check(buf, len, 0)))
		return EFAULT;
	struct net_addr a = *to;
	if (len > SOCK_DGRAM_MAX)
		len = SOCK_DGRAM_MAX + 1;	/* the rtos answers EMSGSIZE (or EBADF first) */
	__builtin_memcpy(rtos_tls()->msg, buf, len > SOCK_DGRAM_MAX ? 0 : len);
	return rtos_call(RTOS_NET_SEND, s, len, a.addr, (cairn_word)SOCK_UDP << 16 | a.port).r0;
}

long net_recv(net_sock_t s, void *buf, size_t len, int flags)
{
	const char *msg = rtos_tls()->msg;
	size_t got = 0;

	if (flags)
		return EINVAL;
	if (len && rtos_check(buf, len, 1))
		return EFAULT;
	do {
		size_t n = len - got < RTOS_MSG_BYTES ? len - got : RTOS_MSG_BYTES;
		long r = rtos_call(RTOS_NET_RECV, s, n, SOCK_TCP, 0).r0;
		if (r < 0)
			return got ? (long)got : r;
		if ((size_t)r > n)
			return EIO;	/* (the rtos never says more than asked) */
		__builtin_memcpy((char *)buf + got, msg, (size_t)r);
		got += (size_t)r;
		if ((size_t)r < n)
			break;
	} while (got < len);
	return (long)got;
}

long net_recv_from(net_sock_t s, void *buf, size_t len, struct net_addr *from, int flags)
{
	if (flags)
		return EINVAL;
	if ((len && rtos_check(buf, len, 1)) || (from && rtos_check(from, sizeof(*from), 1)))
		return EFAULT;
	size_t n = len < RTOS_MSG_BYTES ? len : RTOS_MSG_BYTES;
	struct cairn_ret2 r = rtos_call(RTOS_NET_RECV, s, n, SOCK_UDP, 0);
	if (r.r0 < 0)
		return r.r0;
	if ((size_t)r.r0 > n)
		return EIO;
	__builtin_memcpy(buf, rtos_tls()->msg, (size_t)r.r0);
	if (from)
		*from = (struct net_addr){ RTOS_NET_PEER_ADDR(r.r1), RTOS_NET_PEER_PORT(r.r1) };
	return r.r0;
}

int net_close(net_sock_t s)
{
	return (int)rtos_call1(RTOS_NET_CLOSE, s);
}
