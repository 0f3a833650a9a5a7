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
 *
 * A restart of `net` kills every socket (docs/network.md "Sockets for RTOS programs"):
 * the UDP socket and the listener report EVT_NET_CLOSE and their calls ENETDOWN, the
 * connections EVT_NET_CLOSE and ECONNRESET (each is closed as a reset one). The
 * program then opens the two again, retrying every RETRY_MS while the new `net` is not
 * ready (EAGAIN, ENETDOWN: a second restart), and says so once.
 */
#include <cairn/rtos.h>
#include <cairn/cairn.h>

#define PORT 7009
#define CONNS (RTOS_NET_SOCKS - 2)	/* the UDP socket and the listener take two */
#define BUF 2048
#define RETRY_MS 100

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
static net_sock_t u, l;			/* the UDP socket and the listener; 0: dead, to open again */
static size_t uwant;			/* the events asked for u now */
static timer_t retry;			/* in the set: the next try to open them again */
static int reopened;			/* said once */

static void sockets_died(void);

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

static void accept_all(void)
{
	long h;

	while ((h = net_tcp_accept(l, 0, 0)) != EAGAIN) {
		if (h == ENETDOWN) {
			sockets_died();
			return;
		}
		if (h < 0)
			return;
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

/* The UDP socket or the listener died (net restarted): both are opened again. */
static void sockets_died(void)
{
	struct time t;

	if (u) {
		event_remove(set, u, 0);
		net_close(u);
	}
	if (l) {
		event_remove(set, l, 0);
		net_close(l);
	}
	u = l = 0;
	dgram_len = 0;
	time_create(&t, 0, RETRY_MS * 1000);
	timer_start(retry, &t);
}

/* Opens the UDP socket and the listener (after a restart of net: again): 1 done, 0
 * not now (the retry timer is started). */
static int open_sockets(void)
{
	long a = net_udp_open(PORT, 0), b = a > 0 ? net_tcp_listen(PORT, SOCK_BACKLOG_MAX, 0) : 0;

	if (a <= 0 || b <= 0 || event_add(set, (net_sock_t)a, EVF_NET_READ | EVF_NET_CLOSE) ||
	    event_add(set, (net_sock_t)b, 0)) {
		if (a > 0)
			net_close((net_sock_t)a);
		if (b > 0)
			net_close((net_sock_t)b);
		u = l = 0;
		struct time t;
		time_create(&t, 0, RETRY_MS * 1000);
		timer_start(retry, &t);
		return 0;
	}
	u = (net_sock_t)a;
	l = (net_sock_t)b;
	uwant = EVF_NET_READ | EVF_NET_CLOSE;
	return 1;
}

/* Echoes what waits on u: 1 once "quit" has been echoed. */
static int udp_round(size_t *want)
{
	for (;;) {
		if (dgram_len) {
			long r = net_send_to(u, dgram, dgram_len, &dgram_to, 0);
			if (r == EAGAIN) {
				ask(u, want, EVF_NET_WRITE | EVF_NET_CLOSE);
				return 0;
			}
			if (r == ENETDOWN) {
				sockets_died();
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
			ask(u, want, EVF_NET_READ | EVF_NET_CLOSE);
			return 0;
		}
		if (n == ENETDOWN) {
			sockets_died();
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
	long a = net_udp_open(PORT, 0), b = net_tcp_listen(PORT, SOCK_BACKLOG_MAX, 0);

	set = event_create(3 + CONNS);
	retry = timer_create();
	uwant = EVF_NET_READ | EVF_NET_CLOSE;
	if (a <= 0 || b <= 0 || !set || !retry || event_add(set, (net_sock_t)a, uwant) ||
	    event_add(set, (net_sock_t)b, 0) || event_add(set, retry, 0)) {
		cairn_printf("net_echo: no sockets (udp %ld, tcp %ld)\n", a, b);
		return 1;
	}
	u = (net_sock_t)a;
	l = (net_sock_t)b;
	cairn_printf("net_echo: UDP and TCP echo on port %u\n", PORT);
	for (int quit = 0; !quit;) {
		int n = event_wait(set, ev, 16);
		for (int i = 0; i < n && !quit; i++) {
			size_t src = ev[i].event_src_id;
			if (src == retry) {
				if (!u && open_sockets() && !reopened++)
					cairn_printf("net_echo: net restarted: UDP and TCP echo on port %u again\n", PORT);
			} else if (u && src == u)
				quit = udp_round(&uwant);
			else if (l && src == l)
				accept_all();
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
