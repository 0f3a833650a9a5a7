/*
 * net_echo: UDP and TCP echo on port 7009, an RTOS program that reaches the network
 * only through the RTOS's socket calls (cairn/rtos.h "sockets", docs/rtos.md) and one
 * event set: event_wait says which socket can be read, written or has closed, and
 * every call is non-blocking. systems/rtos_net.toml runs it beside `net`.
 *
 * UDP: each datagram back to its sender; one that finds no send buffer waits (the
 * socket then asks for EVT_NET_WRITE instead of reading on). The datagram "quit" is
 * echoed and ends the program (and, as it is the only process, the RTOS). TCP: up to
 * CONNS connections; each holds at most one buffer of bytes received and not yet
 * sent on, and reads no more until they are, so a peer that never reads stalls only
 * its own connection.
 */
#include <cairn/rtos.h>
#include <cairn/cairn.h>

#define PORT 7009
#define CONNS (RTOS_NET_SOCKS - 2)	/* the UDP socket and the listener take two */
#define BUF 2048

struct conn {
	net_sock_t h;			/* 0: free */
	uint32_t len, off;		/* bytes in buf; bytes of them sent */
	size_t want;			/* the events asked for now */
	uint8_t buf[BUF];
};

static struct conn conns[CONNS];
static event_t set;
static uint8_t dgram[BUF];
static uint32_t dgram_len;		/* a datagram waiting for a send buffer, 0 none */
static struct net_addr dgram_to;
static uint64_t udp_echoed, udp_dropped, tcp_accepted, tcp_refused, tcp_closed, tcp_bytes;

/* Asks the set for `want` of socket h (if it changed). */
static void ask(net_sock_t h, size_t *now, size_t want)
{
	if (*now == want)
		return;
	event_remove(set, h, 0);
	event_add(set, h, want);
	*now = want;
}

static void conn_close(struct conn *c)
{
	event_remove(set, c->h, 0);
	net_close(c->h);
	c->h = 0;
	tcp_closed++;
}

/* Moves c's bytes on as far as the socket lets it, then asks for what it waits for. */
static void pump(struct conn *c)
{
	for (;;) {
		long r;
		if (c->off < c->len) {
			r = net_send(c->h, c->buf + c->off, c->len - c->off, 0);
			if (r == EAGAIN) {
				ask(c->h, &c->want, EVF_NET_WRITE | EVF_NET_CLOSE);
				return;
			}
			if (r < 0)
				break;
			c->off += (uint32_t)r;
			tcp_bytes += (uint64_t)r;
			continue;
		}
		r = net_recv(c->h, c->buf, sizeof c->buf, 0);
		if (r == EAGAIN) {
			ask(c->h, &c->want, EVF_NET_READ | EVF_NET_CLOSE);
			return;
		}
		if (r <= 0)
			break;		/* the peer closed, or the connection died */
		c->len = (uint32_t)r;
		c->off = 0;
	}
	conn_close(c);
}

static void accept_all(net_sock_t l)
{
	long h;

	while ((h = net_tcp_accept(l, 0, 0)) > 0) {
		struct conn *c = 0;
		for (unsigned i = 0; i < CONNS && !c; i++)
			if (!conns[i].h)
				c = &conns[i];
		if (!c || event_add(set, (net_sock_t)h, EVF_NET_READ | EVF_NET_CLOSE)) {
			net_close((net_sock_t)h);
			tcp_refused++;
			continue;
		}
		*c = (struct conn){ .h = (net_sock_t)h, .want = EVF_NET_READ | EVF_NET_CLOSE };
		tcp_accepted++;
		pump(c);
	}
}

/* Echoes what waits on u: 1 once "quit" has been echoed. */
static int udp_round(net_sock_t u, size_t *want)
{
	for (;;) {
		if (dgram_len) {
			long r = net_send_to(u, dgram, dgram_len, &dgram_to, 0);
			if (r == EAGAIN) {
				ask(u, want, EVF_NET_WRITE);
				return 0;
			}
			r == dgram_len ? udp_echoed++ : udp_dropped++;
			int quit = dgram_len == 4 && dgram[0] == 'q' && dgram[1] == 'u' && dgram[2] == 'i' && dgram[3] == 't';
			dgram_len = 0;
			if (quit)
				return 1;
		}
		long n = net_recv_from(u, dgram, sizeof dgram, &dgram_to, 0);
		if (n == EAGAIN) {
			ask(u, want, EVF_NET_READ);
			return 0;
		}
		if (n > 0)
			dgram_len = (uint32_t)n;
		else
			udp_dropped++;
	}
}

int main(void)
{
	struct event_info ev[16];
	long u = net_udp_open(PORT, 0), l = net_tcp_listen(PORT, SOCK_BACKLOG_MAX, 0);
	size_t uwant = EVF_NET_READ;

	set = event_create(2 + CONNS);
	if (u <= 0 || l <= 0 || !set || event_add(set, (net_sock_t)u, uwant) || event_add(set, (net_sock_t)l, 0)) {
		cairn_printf("net_echo: no sockets (udp %ld, tcp %ld)\n", u, l);
		return 1;
	}
	cairn_printf("net_echo: UDP and TCP echo on port %u\n", PORT);
	for (int quit = 0; !quit;) {
		int n = event_wait(set, ev, 16);
		for (int i = 0; i < n && !quit; i++) {
			size_t src = ev[i].event_src_id;
			if (src == (net_sock_t)u)
				quit = udp_round((net_sock_t)u, &uwant);
			else if (src == (net_sock_t)l)
				accept_all((net_sock_t)l);
			else
				for (unsigned k = 0; k < CONNS; k++)
					if (conns[k].h == src) {
						pump(&conns[k]);
						break;
					}
		}
	}
	cairn_printf("net_echo: %lu datagrams echoed, %lu dropped; %lu connections, %lu refused, %lu closed, "
		     "%lu bytes echoed\n", udp_echoed, udp_dropped, tcp_accepted, tcp_refused, tcp_closed, tcp_bytes);
	return 0;
}
