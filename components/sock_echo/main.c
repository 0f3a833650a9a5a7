/*
 * sock_echo: UDP and TCP echo on port 7008 as an application (docs/network.md
 * "Sockets"): a component that reaches the network only through its socket link to
 * `net` and libnet's calls (cairn/libnet.h), never lwIP. One thread, non-blocking
 * calls, net_wait() between rounds.
 *
 * UDP: each datagram back to its sender (waiting for a send buffer: net gives each back
 * at once); the datagram "quit" is echoed and ends the component. TCP: up to
 * CONNS connections; each holds at most one buffer of bytes received and not yet sent
 * on, and receives no more until they are, so a peer that never reads stalls its own
 * connection: its data waits in `net`'s window, the others go on.
 */
#include <cairn/cairn.h>
#include <cairn/libnet.h>

#define PORT 7008
#define CONNS 12

struct conn {
	net_sock_t h;			/* 0: free */
	uint32_t len, off;		/* bytes in buf; bytes of them sent */
	uint8_t buf[NET_BUF];
};

static struct conn conns[CONNS];
static uint8_t dgram[NET_BUF];
static uint64_t udp_echoed, udp_dropped, tcp_accepted, tcp_closed, tcp_bytes;

/* Moves c's bytes on as far as its send buffers allow: 0, or 1 once it is closed. */
static int pump(struct conn *c)
{
	for (;;) {
		long r;
		if (c->off < c->len) {
			r = net_send(c->h, c->buf + c->off, c->len - c->off, 0);
			if (r == NET_EAGAIN)
				return 0;
			if (r < 0)
				break;
			c->off += (uint32_t)r;
			tcp_bytes += (uint64_t)r;
			continue;
		}
		r = net_recv(c->h, c->buf, sizeof c->buf, 0);
		if (r == NET_EAGAIN)
			return 0;
		if (r <= 0)
			break;		/* the peer closed, or the connection died */
		c->len = (uint32_t)r;
		c->off = 0;
	}
	net_close(c->h);
	c->h = 0;
	tcp_closed++;
	return 1;
}

static int udp_round(net_sock_t u)
{
	struct net_addr from;
	long n;
	int quit = 0;

	while ((n = net_recv_from(u, dgram, sizeof dgram, &from, 0)) >= 0) {
		if (n == 4 && dgram[0] == 'q' && dgram[1] == 'u' && dgram[2] == 'i' && dgram[3] == 't')
			quit = 1;
		if (n > 0 && net_send_to(u, dgram, (size_t)n, &from, NET_BLOCK) == n)
			udp_echoed++;
		else
			udp_dropped++;
	}
	return quit;
}

static void accept_round(net_sock_t l)
{
	net_sock_t h;

	while ((h = net_tcp_accept(l, 0, 0)) > 0) {
		struct conn *c = 0;
		for (unsigned i = 0; i < CONNS && !c; i++)
			if (!conns[i].h)
				c = &conns[i];
		if (!c) {
			net_close(h);
			continue;
		}
		c->h = h;
		c->len = c->off = 0;
		tcp_accepted++;
	}
}

int main(const struct cairn_root *rt)
{
	(void)rt;
	net_sock_t u = net_udp_open(PORT, 0);
	net_sock_t l = net_tcp_listen(PORT, SOCK_BACKLOG_MAX, 0);

	if (u <= 0 || l <= 0) {
		cairn_printf("sock_echo: no sockets (udp %d, tcp %d)\n", u, l);
		return 1;
	}
	cairn_printf("sock_echo: UDP and TCP echo on port %u\n", PORT);
	for (int quit = 0; !quit;) {
		net_wait();
		quit = udp_round(u);
		accept_round(l);
		for (unsigned i = 0; i < CONNS; i++)
			if (conns[i].h)
				pump(&conns[i]);
	}
	cairn_printf("sock_echo: %lu datagrams echoed, %lu dropped; %lu connections, %lu closed, %lu bytes echoed; "
		     "library: %lu events, %lu stray\n", udp_echoed, udp_dropped, tcp_accepted, tcp_closed, tcp_bytes,
		     net_lib_stats.events, net_lib_stats.stray);
	net_close(u);
	net_close(l);
	return 0;
}
