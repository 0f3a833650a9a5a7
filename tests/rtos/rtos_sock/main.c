/*
 * rtos_sock: the RTOS's socket calls (cairn/rtos.h "sockets", docs/rtos.md "Sockets"),
 * every error of every call, in a system whose rtos component is the client of a
 * socket link to `net` (tests/qemu/systems/rtos_sock.toml). No peer is needed: slirp's
 * gateway 10.0.2.2 refuses a connection to port 1 with a reset, and datagrams to its
 * port 9 go nowhere. One TEST line per group (ids rs.*):
 *
 *   rs.1  another process's sockets: its handles are EBADF here; its ports are taken
 *         until it ends, when the RTOS closes them (the child rtos_sockchild)
 *   rs.2  net_udp_open: flags, a port taken
 *   rs.3  net_tcp_listen: port 0, backlogs 0, -1, 9, flags, a port taken
 *   rs.4  net_tcp_accept: bad handles, the wrong kind, EAGAIN, a bad peer pointer
 *   rs.5  net_send_to: every bad argument, EMSGSIZE, the wrong kind; sends until EAGAIN
 *   rs.6  net_recv_from: EAGAIN, bad pointers, the wrong kind, flags
 *   rs.7  net_tcp_connect to a refusing port: EAGAIN while connecting, then
 *         EVT_NET_CLOSE, ECONNREFUSED from net_recv and EPIPE from net_send; bad
 *         arguments
 *   rs.8  net_send/net_recv on a listener (ENOTCONN), on UDP (EBADF), bad pointers, flags
 *   rs.9  event sets: a socket's flags (EINVAL beyond the three), EVT_NET_WRITE of a
 *         UDP socket asked for it, nothing of one not asked; a closed socket is EVT_ERROR
 *   rs.10 the quota: net's 4 UDP sockets per link (ENOBUFS from net), then this
 *         process's RTOS_NET_SOCKS (ENOBUFS from the rtos)
 *   rs.11 use after close: every call EBADF, close twice EBADF
 *   rs.12 nothing leaks: the process holds no socket, the link's buffers come back
 *   rs.14 a child whose threads are killed while they open sockets (rtos_sockkill):
 *         once it ends nothing of it is left (rs.12 counts the link's buffers)
 *   rs.13 the gates called directly with arguments librtos never passes: EINVAL;
 *         a forged handle (the next generation, one past the table) EBADF
 * Each EFAULT also checks that nothing changed (the process's socket count). On a
 * system of two cores (test rtos_sock_cores) the children run on core 1.
 */
#include <cairn/cairn.h>
#include <cairn/gate.h>
#include <cairn/rtos.h>

#define KERNEL ((void *)0xffff800000001000UL)
#define GATEWAY NET_ADDR(10, 0, 2, 2)

static timer_t nap;
/* The children run less urgently, on core 1 if the system has two (test rtos_sock_cores:
 * their opens then wait on core 1 for answers S_0 takes on core 0). */
static sched_param_t child_params[2] = { { SCHEDP_PRIO, 200 }, { SCHEDP_CORE_ID, 1 } };
static size_t nchild = 1;
#define HOLE ((void *)(RTOS_HEAP_END - 4096))	/* in the heap region, never mapped here */
static void *hole = HOLE;

static void sleep_ms(unsigned ms)
{
	struct time t;

	time_create(&t, 0, ms * 1000);
	timer_start(nap, &t);
	timer_wait(nap);
}

static long socks(void)
{
	return rtos_stats(RTOS_STAT_SOCKS);
}

static void other_process(void)
{
	chan_t up = channel_create(sizeof(uint64_t), 4, "rsock_up", CHAN_SPSC);
	chan_t down = channel_create(sizeof(uint64_t), 4, "rsock_down", CHAN_SPSC);
	chan_r_t in = channel_get_recv(up);
	chan_s_t out = channel_get_send(down);
	proc_t pid = process_create_fs("/bin/rtos_sockchild", child_params, nchild, 0, 0, 0);
	uint64_t h[2] = { 0, 0 }, word = 1;
	struct net_addr to = { GATEWAY, 9 }, peer;
	char b[8] = "x";

	channel_recv(in, &h[0], sizeof h[0], CHAN_BLOCK);
	channel_recv(in, &h[1], sizeof h[1], CHAN_BLOCK);
	long send = net_send_to(h[0], b, 1, &to, 0), recv = net_recv_from(h[0], b, 8, 0, 0);
	long acc = net_tcp_accept(h[1], &peer, 0), close = net_close(h[0]);
	long taken_u = net_udp_open(9200, 0), taken_t = net_tcp_listen(9201, 1, 0);
	channel_send(out, &word, sizeof word, CHAN_BLOCK);
	int status;
	while ((status = process_get_exit_status(pid)) == EAGAIN)
		sleep_ms(1);
	long u = net_udp_open(9200, 0), l = net_tcp_listen(9201, 1, 0);
	cairn_check("rs.1", "other_process", pid && (long)h[0] > 0 && (long)h[1] > 0 && send == EBADF && recv == EBADF &&
		    acc == EBADF && close == EBADF && taken_u == EADDRINUSE && taken_t == EADDRINUSE && status == 7 &&
		    u > 0 && l > 0,
		    "pid %lu handles %lx %lx: send %ld recv %ld accept %ld close %ld; while it lives: udp %ld tcp %ld; "
		    "status %d; after: udp %ld tcp %ld", pid, h[0], h[1], send, recv, acc, close, taken_u, taken_t, status,
		    u, l);
	net_close((net_sock_t)u);
	net_close((net_sock_t)l);
	channel_destroy(up);
	channel_destroy(down);
}

static void udp_open(void)
{
	long flags = net_udp_open(9300, 1);
	long a = net_udp_open(9300, 0), again = net_udp_open(9300, 0);
	long any = net_udp_open(0, 0);
	cairn_check("rs.2", "udp_open", flags == EINVAL && a > 0 && again == EADDRINUSE && any > 0 &&
		    socks() == 2, "flags %ld open %ld again %ld any %ld; %ld sockets", flags, a, again,
		    any, socks());
	net_close((net_sock_t)a);
	net_close((net_sock_t)any);
}

static void tcp_listen(void)
{
	long p0 = net_tcp_listen(0, 1, 0), b0 = net_tcp_listen(9301, 0, 0), bm = net_tcp_listen(9301, -1, 0);
	long b9 = net_tcp_listen(9301, 9, 0), fl = net_tcp_listen(9301, 1, 1);
	long l = net_tcp_listen(9301, SOCK_BACKLOG_MAX, 0), again = net_tcp_listen(9301, 1, 0);
	cairn_check("rs.3", "tcp_listen", p0 == EINVAL && b0 == EINVAL && bm == EINVAL && b9 == EINVAL && fl == EINVAL &&
		    l > 0 && again == EADDRINUSE && socks() == 1, "port 0 %ld backlog 0 %ld -1 %ld 9 %ld flags %ld; "
		    "listen %ld again %ld; %ld sockets", p0, b0, bm, b9, fl, l, again, socks());
	net_close((net_sock_t)l);
}

static void tcp_accept(void)
{
	long l = net_tcp_listen(9302, 2, 0), u = net_udp_open(9303, 0);
	struct net_addr peer = { 1, 2 };
	long zero = net_tcp_accept(0, &peer, 0), junk = net_tcp_accept(0x123456789UL, &peer, 0);
	long kind = net_tcp_accept((net_sock_t)u, &peer, 0), none = net_tcp_accept((net_sock_t)l, &peer, 0);
	long none0 = net_tcp_accept((net_sock_t)l, 0, 0), fl = net_tcp_accept((net_sock_t)l, &peer, 1);
	long n = socks();
	long bad = net_tcp_accept((net_sock_t)l, KERNEL, 0), badh = net_tcp_accept((net_sock_t)l, hole, 0);
	cairn_check("rs.4", "tcp_accept", zero == EBADF && junk == EBADF && kind == EBADF && none == EAGAIN &&
		    none0 == EAGAIN && fl == EINVAL && bad == EFAULT && badh == EFAULT && socks() == n &&
		    peer.addr == 1 && peer.port == 2, "0 %ld junk %ld udp %ld none %ld (no peer %ld) flags %ld kernel %ld "
		    "hole %ld; peer %x:%u", zero, junk, kind, none, none0, fl, bad, badh, peer.addr, peer.port);
	net_close((net_sock_t)l);
	net_close((net_sock_t)u);
}

static void udp_send(void)
{
	static char big[SOCK_DGRAM_MAX + 1];
	long u = net_udp_open(9304, 0), l = net_tcp_listen(9305, 1, 0);
	struct net_addr to = { GATEWAY, 9 }, p0 = { GATEWAY, 0 };
	long nto = net_send_to((net_sock_t)u, "a", 1, 0, 0), kto = net_send_to((net_sock_t)u, "a", 1, KERNEL, 0);
	long kb = net_send_to((net_sock_t)u, KERNEL, 1, &to, 0), hb = net_send_to((net_sock_t)u, hole, 16, &to, 0);
	long port0 = net_send_to((net_sock_t)u, "a", 1, &p0, 0), len0 = net_send_to((net_sock_t)u, "a", 0, &to, 0);
	long size = net_send_to((net_sock_t)u, big, sizeof big, &to, 0), fl = net_send_to((net_sock_t)u, "a", 1, &to, 1);
	long kind = net_send_to((net_sock_t)l, "a", 1, &to, 0), bad = net_send_to(0, "a", 1, &to, 0);
	long max = net_send_to((net_sock_t)u, big, SOCK_DGRAM_MAX, &to, 0);
	unsigned sent = 0, again = 0, other = 0;
	for (unsigned i = 0; i < 32; i++) {
		long r = net_send_to((net_sock_t)u, big, 100, &to, 0);
		r == 100 ? sent++ : r == EAGAIN ? again++ : other++;
	}
	cairn_check("rs.5", "udp_send", nto == EFAULT && kto == EFAULT && kb == EFAULT && hb == EFAULT && port0 == EINVAL &&
		    len0 == EINVAL && size == EMSGSIZE && fl == EINVAL && kind == EBADF && bad == EBADF &&
		    max == SOCK_DGRAM_MAX && sent >= 1 && again >= 1 && !other,
		    "to 0 %ld kernel %ld; buf kernel %ld hole %ld; port 0 %ld len 0 %ld 1473 %ld flags %ld tcp %ld "
		    "handle 0 %ld; 1472 %ld; 32 sends: %u sent, %u EAGAIN, %u else", nto, kto, kb, hb, port0, len0, size, fl,
		    kind, bad, max, sent, again, other);
	net_close((net_sock_t)u);
	net_close((net_sock_t)l);
}

static void udp_recv(void)
{
	long u = net_udp_open(9306, 0), l = net_tcp_listen(9307, 1, 0);
	char b[64];
	struct net_addr from = { 3, 4 };
	long none = net_recv_from((net_sock_t)u, b, sizeof b, &from, 0), none0 = net_recv_from((net_sock_t)u, b, 0, 0, 0);
	long kb = net_recv_from((net_sock_t)u, KERNEL, 16, &from, 0), hb = net_recv_from((net_sock_t)u, hole, 16, 0, 0);
	long kf = net_recv_from((net_sock_t)u, b, sizeof b, KERNEL, 0), nb = net_recv_from((net_sock_t)u, 0, 16, 0, 0);
	long fl = net_recv_from((net_sock_t)u, b, sizeof b, 0, 1), kind = net_recv_from((net_sock_t)l, b, sizeof b, 0, 0);
	long rk = net_recv((net_sock_t)u, b, sizeof b, 0);
	cairn_check("rs.6", "udp_recv", none == EAGAIN && none0 == EAGAIN && kb == EFAULT && hb == EFAULT && kf == EFAULT &&
		    nb == EFAULT && fl == EINVAL && kind == EBADF && rk == EBADF && from.addr == 3 && from.port == 4,
		    "none %ld (len 0 %ld); buf kernel %ld hole %ld NULL %ld; from kernel %ld; flags %ld; tcp %ld; "
		    "net_recv on udp %ld", none, none0, kb, hb, nb, kf, fl, kind, rk);
	net_close((net_sock_t)u);
	net_close((net_sock_t)l);
}

static void tcp_connect(void)
{
	struct net_addr refuse = { GATEWAY, 1 }, p0 = { GATEWAY, 0 };
	long n0 = net_tcp_connect(0, 0), nk = net_tcp_connect(KERNEL, 0), np = net_tcp_connect(&p0, 0);
	long fl = net_tcp_connect(&refuse, 1);
	long c = net_tcp_connect(&refuse, 0);
	char b[16];
	long s1 = net_send((net_sock_t)c, "a", 1, 0), r1 = net_recv((net_sock_t)c, b, sizeof b, 0);
	event_t e = event_create(2);
	int add = event_add(e, (net_sock_t)c, EVF_NET_CLOSE | EVF_NET_WRITE);
	struct event_info ev[4] = { 0 };
	int n = event_wait(e, ev, 4);
	long r2 = net_recv((net_sock_t)c, b, sizeof b, 0), s2 = net_send((net_sock_t)c, "a", 1, 0);
	int n2 = event_check(e, ev + 2, 2);
	cairn_check("rs.7", "tcp_connect_refused", n0 == EFAULT && nk == EFAULT && np == EINVAL && fl == EINVAL && c > 0 &&
		    (s1 == EAGAIN || s1 == EPIPE) && (r1 == EAGAIN || r1 == ECONNREFUSED) && add == 0 && n == 1 &&
		    ev[0].event_src_id == (size_t)c && ev[0].event_type == EVT_NET_CLOSE && r2 == ECONNREFUSED &&
		    s2 == EPIPE && n2 == 1 && ev[2].event_type == EVT_NET_CLOSE,
		    "to NULL %ld kernel %ld port 0 %ld flags %ld; connect %ld: send %ld recv %ld; add %d wait %d (%lx %lu); "
		    "then recv %ld send %ld; check %d (%lu)", n0, nk, np, fl, c, s1, r1, add, n, ev[0].event_src_id,
		    ev[0].event_type, r2, s2, n2, ev[2].event_type);
	event_delete(e);
	net_close((net_sock_t)c);
}

static void tcp_data(void)
{
	long l = net_tcp_listen(9308, 1, 0), u = net_udp_open(9309, 0);
	char b[16];
	long sl = net_send((net_sock_t)l, "a", 1, 0), rl = net_recv((net_sock_t)l, b, sizeof b, 0);
	long su = net_send((net_sock_t)u, "a", 1, 0), ru = net_recv((net_sock_t)u, b, sizeof b, 0);
	long sb = net_send(0, "a", 1, 0), rb = net_recv(0, b, sizeof b, 0);
	long sk = net_send((net_sock_t)l, KERNEL, 1, 0), rk = net_recv((net_sock_t)l, KERNEL, 16, 0);
	long sh = net_send((net_sock_t)l, hole, 100, 0), rh = net_recv((net_sock_t)l, hole, 100, 0);
	long sf = net_send((net_sock_t)l, "a", 1, 1), rf = net_recv((net_sock_t)l, b, sizeof b, 1);
	long s0 = net_send((net_sock_t)l, "a", 0, 0);
	cairn_check("rs.8", "tcp_send_recv", sl == ENOTCONN && rl == ENOTCONN && su == EBADF && ru == EBADF && sb == EBADF &&
		    rb == EBADF && sk == EFAULT && rk == EFAULT && sh == EFAULT && rh == EFAULT && sf == EINVAL &&
		    rf == EINVAL && s0 == ENOTCONN, "listener: send %ld recv %ld; udp: send %ld recv %ld; handle 0: %ld %ld; "
		    "kernel %ld %ld; hole %ld %ld; flags %ld %ld; len 0 %ld", sl, rl, su, ru, sb, rb, sk, rk, sh, rh, sf, rf,
		    s0);
	net_close((net_sock_t)l);
	net_close((net_sock_t)u);
}

static void events(void)
{
	long u = net_udp_open(9310, 0), v = net_udp_open(9311, 0);
	event_t e = event_create(4);
	timer_t t = timer_create();
	int bad = event_add(e, (net_sock_t)u, 1), other = event_add(e, t, EVF_NET_READ);
	int a1 = event_add(e, (net_sock_t)u, EVF_NET_WRITE), a2 = event_add(e, (net_sock_t)v, 0);
	struct event_info ev[4] = { 0 };
	int n = event_check(e, ev, 4);
	net_close((net_sock_t)v);
	struct event_info ev2[4] = { 0 };
	int n2 = event_check(e, ev2, 4);
	cairn_check("rs.9", "event_sets", bad == EINVAL && other == EINVAL && a1 == 0 && a2 == 0 && n == 1 &&
		    ev[0].event_src_id == (size_t)u && ev[0].event_type == EVT_NET_WRITE && n2 == 2 &&
		    ev2[1].event_src_id == (size_t)v && ev2[1].event_type == EVT_ERROR,
		    "flags 1 %d, a timer with flags %d; add %d %d; check %d (%lu); after a close %d (%lu %lu)", bad, other, a1,
		    a2, n, ev[0].event_type, n2, ev2[0].event_type, ev2[1].event_type);
	event_delete(e);
	timer_free(t);
	net_close((net_sock_t)u);
}

static void quota(void)
{
	long h[RTOS_NET_SOCKS + 2];
	unsigned k = 0;

	for (unsigned i = 0; i < SOCK_UDP_LINK; i++)
		h[k++] = net_udp_open((uint16_t)(9400 + i), 0);
	long udp_more = net_udp_open(9404, 0);
	for (; k < RTOS_NET_SOCKS; k++)
		h[k] = net_tcp_listen((uint16_t)(9410 + k), 1, 0);
	long tcp_more = net_tcp_listen(9430, 1, 0);
	struct net_addr to = { GATEWAY, 1 };
	long conn_more = net_tcp_connect(&to, 0);
	int all = 1;
	for (unsigned i = 0; i < k; i++)
		all &= h[i] > 0;
	long n = socks();
	for (unsigned i = 0; i < k; i++)
		net_close((net_sock_t)h[i]);
	long again = net_tcp_listen(9430, 1, 0);
	cairn_check("rs.10", "quota", all && udp_more == ENOBUFS && tcp_more == ENOBUFS && conn_more == ENOBUFS &&
		    n == RTOS_NET_SOCKS && again > 0, "%u opened (%s); a 5th UDP %ld; past %u: listen %ld connect %ld; "
		    "held %ld; after closing: listen %ld", k, all ? "all" : "not all", udp_more, RTOS_NET_SOCKS, tcp_more,
		    conn_more, n, again);
	net_close((net_sock_t)again);
}

static void after_close(void)
{
	long u = net_udp_open(9320, 0), l = net_tcp_listen(9321, 1, 0);
	struct net_addr to = { GATEWAY, 9 };
	char b[8];
	net_close((net_sock_t)u);
	net_close((net_sock_t)l);
	long s = net_send_to((net_sock_t)u, "a", 1, &to, 0), r = net_recv_from((net_sock_t)u, b, 8, 0, 0);
	long a = net_tcp_accept((net_sock_t)l, 0, 0), ts = net_send((net_sock_t)l, "a", 1, 0);
	long tr = net_recv((net_sock_t)l, b, 8, 0), c1 = net_close((net_sock_t)u), c2 = net_close((net_sock_t)l);
	event_t e = event_create(1);
	int add = event_add(e, (net_sock_t)u, 0);
	event_delete(e);
	cairn_check("rs.11", "after_close", u > 0 && l > 0 && s == EBADF && r == EBADF && a == EBADF && ts == EBADF &&
		    tr == EBADF && c1 == EBADF && c2 == EBADF && add == EINVAL, "send_to %ld recv_from %ld accept %ld "
		    "send %ld recv %ld close %ld %ld event_add %d", s, r, a, ts, tr, c1, c2, add);
}

/* Threads killed while they open sockets: nothing is left once their process ends. */
static void killed_waiters(void)
{
	proc_t pid = process_create_fs("/bin/rtos_sockkill", child_params, nchild, 0, 0, 0);
	int status;

	while ((status = process_get_exit_status(pid)) == EAGAIN)
		sleep_ms(1);
	long u = net_udp_open(9500, 0);
	cairn_check("rs.14", "killed_waiters", pid && status == 5 && u > 0 && socks() == 1,
		    "pid %lu status %d; then a socket: %ld; %ld sockets", pid, status, u, socks());
	net_close((net_sock_t)u);
}

/* The gates themselves, past librtos: arguments no librtos call passes. */
static void raw_gates(void)
{
	long u = net_udp_open(9330, 0);
#define G(n, a, b, c, d) cairn_sinv_inline(RTOS_GATE_BASE + RTOS_##n, a, b, c, d).r0
	long o1 = G(NET_OPEN, 0, 9331, 0, 0), o2 = G(NET_OPEN, 3, 9331, 0, 0), o3 = G(NET_OPEN, SOCK_UDP, 0x10000, 0, 0);
	long o4 = G(NET_OPEN, SOCK_UDP, 9331, 1, 0), o5 = G(NET_OPEN, SOCK_TCP, 9331, 9, 0);
	long o6 = G(NET_OPEN, SOCK_TCP, 9331, ~0UL, 0), o7 = G(NET_OPEN, SOCK_TCP, 0, 1, 0);
	long c1 = G(NET_CONNECT, 1UL << 32, 1, 0, 0), c2 = G(NET_CONNECT, 1, 0x10000, 0, 0), c3 = G(NET_CONNECT, 1, 0, 0, 0);
	long s1 = G(NET_SEND, (uint64_t)u, RTOS_MSG_BYTES + 1, 1, (uint64_t)SOCK_UDP << 16 | 9);
	long s2 = G(NET_SEND, (uint64_t)u, 1, 1, 3UL << 16 | 9), s3 = G(NET_SEND, (uint64_t)u, 1, 1UL << 32, (uint64_t)SOCK_UDP << 16 | 9);
	long s4 = G(NET_SEND, (uint64_t)u, 1, 1, (uint64_t)SOCK_TCP << 16), s5 = G(NET_SEND, (uint64_t)u, 1, 0, ~0UL);
	long r1 = G(NET_RECV, (uint64_t)u, RTOS_MSG_BYTES + 1, SOCK_UDP, 0), r2 = G(NET_RECV, (uint64_t)u, 1, 0, 0);
	long r3 = G(NET_RECV, (uint64_t)u, ~0UL, SOCK_UDP, 0);
	uint64_t forged = RTOS_HANDLE(RTOS_K_SOCK, RTOS_HANDLE_GEN(u) + 1, (u & 0xffff) - 1);
	long a1 = G(NET_ACCEPT, forged, 0, 0, 0), a2 = G(NET_CLOSE, forged, 0, 0, 0);
	long a3 = G(NET_CLOSE, RTOS_HANDLE(RTOS_K_SOCK, 1, SOCK_MAX), 0, 0, 0);
#undef G
	cairn_check("rs.13", "raw_gates", o1 == EINVAL && o2 == EINVAL && o3 == EINVAL && o4 == EINVAL && o5 == EINVAL &&
		    o6 == EINVAL && o7 == EINVAL && c1 == EINVAL && c2 == EINVAL && c3 == EINVAL && s1 == EINVAL &&
		    s2 == EINVAL && s3 == EINVAL && s4 == EINVAL && s5 == EINVAL && r1 == EINVAL && r2 == EINVAL &&
		    r3 == EINVAL && a1 == EBADF && a2 == EBADF && a3 == EBADF && socks() == 1,
		    "open %ld %ld %ld %ld %ld %ld %ld connect %ld %ld %ld send %ld %ld %ld %ld %ld recv %ld %ld %ld "
		    "forged %ld %ld beyond %ld", o1, o2, o3, o4, o5, o6, o7, c1, c2, c3, s1, s2, s3, s4, s5, r1, r2, r3,
		    a1, a2, a3);
	net_close((net_sock_t)u);
}

int main(void)
{
	nap = timer_create();
	if (((const struct cairn_root *)CAIRN_ROOT_VA)->cores > 1)
		nchild = 2;
	long bufs0 = rtos_stats(RTOS_STAT_NET_BUFS), threads0 = rtos_stats(RTOS_STAT_THREADS);
	other_process();
	udp_open();
	tcp_listen();
	tcp_accept();
	udp_send();
	udp_recv();
	tcp_connect();
	tcp_data();
	events();
	quota();
	after_close();
	raw_gates();
	killed_waiters();
	long bufs = -1;
	for (unsigned i = 0; i < 500 && (bufs = rtos_stats(RTOS_STAT_NET_BUFS)) != bufs0; i++)
		sleep_ms(2);
	long threads = rtos_stats(RTOS_STAT_THREADS);
	cairn_check("rs.12", "no_leak", socks() == 0 && bufs == bufs0 && threads == threads0,
		    "%ld sockets held; link buffers %ld, at first %ld; threads %ld, at first %ld", socks(), bufs, bufs0,
		    threads, threads0);
	cairn_printf("rtos_sock: done\n");
	return 0;
}
