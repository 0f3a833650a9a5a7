/*
 * sock_probe: the socket link's error paths and its hostility, from a client
 * component on a link of its own (sock1; tests/qemu/systems/sock_echo.toml, test
 * sock_echo, docs/network.md "Sockets"). One TEST line per check:
 *
 *   sp.0  a client restart closes its sockets in net: the first generation opens UDP
 *         port 9003 and a TCP listener on 7013 and crashes (ud2); the booter restarts
 *         it (restart = true), libnet's HELLO closes what the first left, and the
 *         second opens both ports again (EADDRINUSE if net had kept them)
 *   sp.1  libnet's errors: bad handles, the wrong kind, null buffers, ports in use,
 *         bad arguments, nothing yet (EAGAIN), not connected, a datagram too large,
 *         use after close, sockets run out (ENOBUFS)
 *   sp.2  a connection refused (10.0.2.2:1, nothing listens on the host's port 1):
 *         while connecting a send is EAGAIN; then ECONNREFUSED, and a send EPIPE
 *   sp.3  hostile fields written on the link itself: each command answered DONE with
 *         the error sock_cmd_check or the socket's state gives, a refused buffer
 *         handed back as lent
 *   sp.4  a command cursor beyond reason: net closes the link's sockets (a UDP port
 *         opened before is free again after the cursor is sane and HELLO)
 * Then a flood of random commands (every op but BYE, which would let net end with
 * sock_echo's: the test's output checks that it ends after sp.5) and cursors, never
 * reading an event, for
 * FLOOD_SECONDS, while sock_echo serves the host (the test's se.* checks): net never
 * waits for this link, and the echo goes on. Its line, "sock_probe: flood: N commands
 * put", and net's count of links broken are the test's output checks. Then
 *
 *   sp.5  both cursors sane again, a BYE on the raw link is answered DONE 0 (net,
 *         until_clients_end, ends once sock_echo has said BYE too: the test's output)
 */
#include <cairn/cairn.h>
#include <cairn/libnet.h>
#include <cairn/port.h>
#include <cairn/root.h>
#include <cairn/xport.h>

#define FLOOD_SECONDS 20
#define GATEWAY 0x0a000202u
#define NOBODY  0x0a000263u		/* 10.0.2.99: on the link, never answers ARP */

static void check(const char *id, const char *name, int ok, long got)
{
	cairn_printf("TEST %s %s %s (%ld)\n", id, name, ok ? "PASS" : "FAIL", got);
}

static uint8_t buf[2048];
static int failed;
static long last;

/* Records one expectation; the first miss is kept for the TEST line. */
static void want(long got, long expect)
{
	if (got != expect && !failed) {
		failed = 1;
		last = got;
		cairn_printf("sock_probe: got %ld, want %ld\n", got, expect);
	}
}

static void api_errors(void)
{
	struct net_addr to = { GATEWAY, 9 };
	net_sock_t u = net_udp_open(9000, 0);

	want(u > 0, 1);
	want(net_send(99, "x", 1, 0), NET_EBADF);
	want(net_close(0), NET_EBADF);
	want(net_recv(-3, buf, 1, 0), NET_EBADF);
	want(net_recv(u, buf, 1, 0), NET_EBADF);	/* a UDP handle to a TCP call */
	want(net_send(u, "x", 1, 0), NET_EBADF);
	want(net_tcp_accept(u, 0, 0), NET_EBADF);
	want(net_send_to(u, 0, 5, &to, 0), NET_EFAULT);
	want(net_recv_from(u, 0, 5, 0, 0), NET_EFAULT);
	want(net_udp_open(9000, 0), NET_EADDRINUSE);
	want(net_tcp_listen(7008, 4, 0), NET_EADDRINUSE);	/* sock_echo's, on another link */
	want(net_tcp_listen(7010, 0, 0), NET_EINVAL);
	want(net_tcp_listen(7010, SOCK_BACKLOG_MAX + 1, 0), NET_EINVAL);
	want(net_tcp_listen(0, 4, 0), NET_EINVAL);
	want(net_send_to(u, "x", 1, &(struct net_addr){ GATEWAY, 0 }, 0), NET_EINVAL);
	want(net_send_to(u, buf, SOCK_DGRAM_MAX + 1, &to, 0), NET_EMSGSIZE);
	want(net_recv_from(u, buf, sizeof buf, 0, 0), NET_EAGAIN);
	net_sock_t l = net_tcp_listen(7011, 4, 0);
	want(l > 0, 1);
	want(net_tcp_accept(l, 0, 0), NET_EAGAIN);
	want(net_send(l, "x", 1, 0), NET_ENOTCONN);
	want(net_recv(l, buf, 1, 0), NET_ENOTCONN);
	want(net_close(l), 0);
	want(net_tcp_accept(l, 0, 0), NET_EBADF);
	want(net_close(u), 0);
	want(net_send_to(u, "x", 1, &to, 0), NET_EBADF);
	want(net_close(u), NET_EBADF);

	net_sock_t s[SOCK_MAX + 1];
	unsigned n = 0;
	long r = 0;
	while (n <= SOCK_MAX && (r = net_udp_open(0, 0)) > 0)
		s[n++] = (net_sock_t)r;
	want(r, NET_ENOBUFS);		/* lwIP's UDP pcbs or the link's table: whichever is first */
	want(n >= 1, 1);
	for (unsigned i = 0; i < n; i++)
		want(net_close(s[i]), 0);
	check("sp.1", "api_errors", !failed, last);
}

static void refused(void)
{
	struct net_addr to = { GATEWAY, 1 };

	failed = 0;
	net_sock_t h = net_tcp_connect(&to, 0);
	if (h != NET_ECONNREFUSED) {	/* the refusal may come with the CONNECT's DONE */
		want(h > 0, 1);
		long first = net_send(h, "x", 1, 0);
		if (first != NET_EPIPE)	/* ... or before the first send */
			want(first, NET_EAGAIN);
		want(net_recv(h, buf, 1, NET_BLOCK), NET_ECONNREFUSED);
		want(net_send(h, "x", 1, 0), NET_EPIPE);
		want(net_close(h), 0);
	}
	want(net_tcp_connect(&to, NET_BLOCK), NET_ECONNREFUSED);
	check("sp.2", "refused", !failed, last);
}

/* --- the raw link ------------------------------------------------------------------ */

static struct cairn_port cp, ep;
static struct xport_queue cq, eq;
static uint64_t region;
static uint32_t ids = 1000;

static void raw_open(void)
{
	cairn_port_open(&cp, "sock1_cmd");
	cairn_port_open(&ep, "sock1_ev");
	xport_attach(&cq, cp.ring, SOCK_SLOT, cp.mask + 1, XPORT_PRODUCER);
	xport_attach(&eq, ep.ring, SOCK_SLOT, ep.mask + 1, XPORT_CONSUMER);
	region = cairn_region("sock1_data")->size;
}

static void wake(void)
{
	int w = xport_wake_needed(&cq);
	w |= xport_wake_needed(&eq);
	if (w)
		cairn_asnd_send(cp.peer, 0);
}

/* Puts c (a fresh id) and waits for its DONE: *e. */
static void call(struct sock_cmd c, struct sock_ev *e)
{
	c.id = ids++;
	while (xport_put(&cq, &c) != 0)
		cairn_yield();
	wake();
	for (;;) {
		while (xport_get(&eq, e) == 0)
			if (e->kind == SOCK_DONE && e->id == c.id)
				return;
		wake();
		if (xport_arm(&eq) == 0)
			cairn_rcv_wait(CAIRN_SLOT_RCV);
	}
}

static long result(struct sock_cmd c)
{
	struct sock_ev e;
	call(c, &e);
	return e.result;
}

static void hostile_fields(void)
{
	struct sock_ev e;

	failed = 0;
	want(result((struct sock_cmd){ .op = SOCK_HELLO }), 0);
	want(result((struct sock_cmd){ .op = 0 }), CAIRN_EINVAL);
	want(result((struct sock_cmd){ .op = 99 }), CAIRN_EINVAL);
	want(result((struct sock_cmd){ .op = SOCK_BYE + 1 }), CAIRN_EINVAL);
	want(result((struct sock_cmd){ .op = SOCK_HELLO, .arg = SOCK_ALL + 1 }), CAIRN_EINVAL);
	want(result((struct sock_cmd){ .op = SOCK_OPEN, .arg = 7 }), CAIRN_EINVAL);
	want(result((struct sock_cmd){ .op = SOCK_CLOSE, .socket = SOCK_MAX }), CAIRN_EBADF);
	want(result((struct sock_cmd){ .op = SOCK_CLOSE, .socket = 0xffffffffu }), CAIRN_EBADF);
	want(result((struct sock_cmd){ .op = SOCK_CLOSE, .socket = 3 }), CAIRN_EBADF);
	want(result((struct sock_cmd){ .op = SOCK_SEND, .socket = 3, .offset = 0, .len = 8 }), CAIRN_EBADF);
	call((struct sock_cmd){ .op = SOCK_RECV_BUF, .socket = 0, .offset = region, .len = 1 }, &e);
	want(e.result, CAIRN_EFAULT);
	want(e.offset == region && e.len == 1, 1);		/* handed back as lent */
	want(result((struct sock_cmd){ .op = SOCK_RECV_BUF, .offset = ~0ull - 4095, .len = 8192 }), CAIRN_EFAULT);
	want(result((struct sock_cmd){ .op = SOCK_RECV_BUF, .offset = 0, .len = 0 }), CAIRN_EFAULT);
	want(result((struct sock_cmd){ .op = SOCK_SEND, .offset = 0, .len = 0x80000000u }), CAIRN_EFAULT);
	long t = result((struct sock_cmd){ .op = SOCK_OPEN, .arg = SOCK_TCP, .port = 7012 });
	want(t >= 0 && t < SOCK_MAX, 1);
	want(result((struct sock_cmd){ .op = SOCK_LISTEN, .socket = (uint32_t)t, .arg = 0 }), CAIRN_EINVAL);
	want(result((struct sock_cmd){ .op = SOCK_LISTEN, .socket = (uint32_t)t, .arg = 200 }), CAIRN_EINVAL);
	want(result((struct sock_cmd){ .op = SOCK_SEND, .socket = (uint32_t)t, .offset = 0, .len = 8 }), SOCK_ENOTCONN);
	want(result((struct sock_cmd){ .op = SOCK_LISTEN, .socket = (uint32_t)t, .arg = 2 }), 0);
	want(result((struct sock_cmd){ .op = SOCK_LISTEN, .socket = (uint32_t)t, .arg = 2 }), CAIRN_EINVAL);
	want(result((struct sock_cmd){ .op = SOCK_CONNECT, .socket = (uint32_t)t, .addr = GATEWAY, .port = 1 }), CAIRN_EINVAL);
	long u = result((struct sock_cmd){ .op = SOCK_OPEN, .arg = SOCK_UDP, .port = 9001 });
	want(u >= 0 && u < SOCK_MAX, 1);
	want(result((struct sock_cmd){ .op = SOCK_SEND, .socket = (uint32_t)u, .offset = 0, .len = 1473,
				       .addr = GATEWAY, .port = 9 }), SOCK_EMSGSIZE);
	want(result((struct sock_cmd){ .op = SOCK_OPEN, .arg = SOCK_UDP, .port = 9001 }), SOCK_EADDRINUSE);
	want(result((struct sock_cmd){ .op = SOCK_CLOSE, .socket = (uint32_t)t }), 0);
	want(result((struct sock_cmd){ .op = SOCK_CLOSE, .socket = (uint32_t)t }), CAIRN_EBADF);
	check("sp.3", "hostile_fields", !failed, last);
}

static void broken_cursor(void)
{
	failed = 0;
	want(result((struct sock_cmd){ .op = SOCK_OPEN, .arg = SOCK_UDP, .port = 9002 }) >= 0, 1);
	uint32_t tail = __atomic_load_n(&cq.ring->tail, __ATOMIC_ACQUIRE);
	__atomic_store_n(&cq.ring->head, tail + 100000, __ATOMIC_RELEASE);	/* beyond reason */
	cairn_asnd_send(cp.peer, 0);
	for (unsigned i = 0; i < 200; i++)
		cairn_yield();
	/* Sane again: our cursor where net's is, the event queue skipped to its head. */
	tail = __atomic_load_n(&cq.ring->tail, __ATOMIC_ACQUIRE);
	cq.cursor = tail;
	__atomic_store_n(&cq.ring->head, tail, __ATOMIC_RELEASE);
	eq.cursor = __atomic_load_n(&eq.ring->head, __ATOMIC_ACQUIRE);
	__atomic_store_n(&eq.ring->tail, eq.cursor, __ATOMIC_RELEASE);
	want(result((struct sock_cmd){ .op = SOCK_HELLO }), 0);
	want(result((struct sock_cmd){ .op = SOCK_OPEN, .arg = SOCK_UDP, .port = 9002 }) >= 0, 1);
	check("sp.4", "broken_cursor", !failed, last);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void flood(uint64_t tsc_hz)
{
	uint64_t end = __builtin_ia32_rdtsc() + FLOOD_SECONDS * tsc_hz, puts = 0, rounds = 0;

	while (__builtin_ia32_rdtsc() < end) {
		for (unsigned i = 0; i < 64; i++) {
			uint64_t a = rnd(), b = rnd();
			struct sock_cmd c = { .op = (uint16_t)(a % SOCK_BYE), .port = (uint16_t)(a >> 16), .socket = (uint32_t)(b % 20),
					      .id = (uint32_t)(a >> 32), .len = (uint32_t)(b >> 40),
					      .offset = rnd() % (region + 4096), .addr = (uint32_t)rnd(),
					      .arg = (uint32_t)(b >> 8) % 4 };
			c.addr = NOBODY;	/* nothing leaves for the world or the host */
			puts += xport_put(&cq, &c) == 0;
		}
		if (++rounds % 64 == 0)		/* now and then a cursor beyond reason, then sane again */
			__atomic_store_n(rounds % 128 ? &cq.ring->head : &eq.ring->tail, (uint32_t)rnd(), __ATOMIC_RELEASE);
		else if (rounds % 64 == 1) {
			cq.cursor = __atomic_load_n(&cq.ring->tail, __ATOMIC_ACQUIRE);
			__atomic_store_n(&cq.ring->head, cq.cursor, __ATOMIC_RELEASE);
			__atomic_store_n(&eq.ring->tail, __atomic_load_n(&eq.ring->head, __ATOMIC_ACQUIRE), __ATOMIC_RELEASE);
		}
		wake();
		cairn_yield();
	}
	cairn_printf("sock_probe: flood: %lu commands put in %lu rounds\n", puts, rounds);
}

/* Both cursors sane again (as broken_cursor does), then BYE. */
static void bye(void)
{
	failed = 0;
	cq.cursor = __atomic_load_n(&cq.ring->tail, __ATOMIC_ACQUIRE);
	__atomic_store_n(&cq.ring->head, cq.cursor, __ATOMIC_RELEASE);
	eq.cursor = __atomic_load_n(&eq.ring->head, __ATOMIC_ACQUIRE);
	__atomic_store_n(&eq.ring->tail, eq.cursor, __ATOMIC_RELEASE);
	cairn_asnd_send(cp.peer, 0);
	want(result((struct sock_cmd){ .op = SOCK_BYE, .socket = 0xffffffffu }), 0);
	check("sp.5", "bye", !failed, last);
}

/* The first generation: sockets opened, then a crash once every component is up. */
static void first_generation(uint64_t tsc_hz)
{
	net_sock_t u = net_udp_open(9003, 0), l = net_tcp_listen(7013, 2, 0);

	cairn_printf("sock_probe: generation 1: udp %d, tcp %d: crashing\n", u, l);
	uint64_t end = __builtin_ia32_rdtsc() + tsc_hz;
	while (__builtin_ia32_rdtsc() < end)
		cairn_yield();
	__builtin_trap();
}

int main(const struct cairn_root *rt)
{
	if (rt->generation == 1)
		first_generation(rt->tsc_hz);
	net_sock_t u = net_udp_open(9003, 0), l = net_tcp_listen(7013, 2, 0);
	check("sp.0", "restart_closes", u > 0 && l > 0, u < 0 ? u : l);
	net_close(u);
	net_close(l);
	api_errors();
	refused();
	raw_open();
	hostile_fields();
	broken_cursor();
	flood(rt->tsc_hz);
	bye();
	return 0;
}
