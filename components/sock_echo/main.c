/*
 * sock_echo: UDP and TCP echo as an application (docs/network.md "Echo"): the echo of
 * systems/echo.toml, a component that reaches the network only through its socket link
 * to `net` and libnet's calls (cairn/libnet.h), never lwIP. Its port comes from its
 * args, `port=N` (1..65535; without args ECHO_PORT), anything else stops it (saying
 * BYE all the same, as on every way out: net's end waits for its clients'). One
 * thread, non-blocking calls, net_wait() between rounds.
 *
 * UDP: each datagram back to its sender (waiting for a send buffer: net gives each back
 * at once); the datagram "quit" is echoed and ends the component: it closes its
 * sockets and says BYE (net_bye: a net with until_clients_end then ends too). TCP: up
 * to CONNS connections; each holds at most one buffer of bytes received and not yet
 * sent on, and receives no more until they are, so a peer that never reads stalls its
 * own connection: its data waits in `net`'s window, the others go on.
 *
 * Room for newcomers: CONNS is two below the link's SOCK_TCP_LINK (the listener, and
 * a newcomer that `net` can still accept), so peers that open connections and fall
 * silent, or never read, cannot keep everyone out: a newcomer when every slot is taken
 * closes the connection that has made no progress (accepted, bytes received or sent)
 * for the longest, if for ECHO_IDLE_S or more; else the newcomer is closed at once.
 *
 * If `net` restarts, every socket fails (libnet: NET_ENETDOWN, NET_ECONNRESET): the
 * connections are closed, and the UDP socket and the listener are opened again.
 */
#include <cairn/cairn.h>
#include <cairn/libnet.h>

#define ECHO_PORT 7007
#define CONNS (SOCK_TCP_LINK - 2)
#define ECHO_IDLE_S 5		/* seconds without progress after which a connection gives way */
#define REOPEN_TRIES 1000	/* tries (a yield between) to open the port again after a restart of net */

struct conn {
	net_sock_t h;			/* 0: free */
	uint32_t len, off;		/* bytes in buf; bytes of them sent */
	uint64_t since;			/* cairn_cycles() at its last progress */
	uint8_t buf[NET_BUF];
};

static struct conn conns[CONNS];
static uint8_t dgram[NET_BUF];
static uint64_t udp_echoed, udp_dropped, tcp_accepted, tcp_closed, tcp_bytes, reopened, evicted, turned_away;
static uint16_t port;
static net_sock_t u, l;			/* the UDP socket and the listener; 0: to open again */
static uint64_t opened_in;		/* net_restarts() when they were opened */

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
			c->since = cairn_cycles();
			continue;
		}
		r = net_recv(c->h, c->buf, sizeof c->buf, 0);
		if (r == NET_EAGAIN)
			return 0;
		if (r <= 0)
			break;		/* the peer closed, or the connection died */
		c->len = (uint32_t)r;
		c->off = 0;
		c->since = cairn_cycles();
	}
	net_close(c->h);
	c->h = 0;
	tcp_closed++;
	return 1;
}

/* The datagrams waiting: each echoed; 1 if one was "quit". A socket gone with a
 * restart of net is closed (to open again). */
static int udp_round(void)
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
	if (n != NET_EAGAIN) {
		net_close(u);
		u = 0;
	}
	return quit;
}

/* A slot for a newcomer: a free one, or the one idle longest if for ECHO_IDLE_S or
 * more (closed: it gives way), or none. */
static struct conn *slot(void)
{
	uint64_t now = cairn_cycles(), idle = (uint64_t)ECHO_IDLE_S * ((const struct cairn_root *)CAIRN_ROOT_VA)->tsc_hz;
	struct conn *oldest = 0;

	for (unsigned i = 0; i < CONNS; i++) {
		if (!conns[i].h)
			return &conns[i];
		if (!oldest || conns[i].since < oldest->since)
			oldest = &conns[i];
	}
	if (now - oldest->since < idle)
		return 0;
	net_close(oldest->h);
	oldest->h = 0;
	tcp_closed++;
	evicted++;
	return oldest;
}

static void accept_round(void)
{
	net_sock_t h;

	while ((h = net_tcp_accept(l, 0, 0)) > 0) {
		struct conn *c = slot();
		if (!c) {
			net_close(h);
			turned_away++;
			continue;
		}
		c->h = h;
		c->len = c->off = 0;
		c->since = cairn_cycles();
		tcp_accepted++;
	}
	if (h != NET_EAGAIN) {
		net_close(l);
		l = 0;
	}
}

/* Opens what is not open (at start, and after a restart of net: the old instance's
 * port is free in the new one at once; a restart took both, the one not yet found gone
 * too, so both open again at once). 1 if both are open. */
static int open_socks(void)
{
	if (net_restarts() != opened_in) {
		if (u > 0)
			net_close(u);
		if (l > 0)
			net_close(l);
		u = l = 0;
		opened_in = net_restarts();
	}
	if (u <= 0)
		u = net_udp_open(port, 0);
	if (l <= 0)
		l = net_tcp_listen(port, SOCK_BACKLOG_MAX, 0);
	return u > 0 && l > 0;
}

/* args: port=N, or none (ECHO_PORT): 0, or -1 after saying why. */
static int read_port(const struct cairn_root *rt)
{
	static const char *const known[] = { "port" };
	char v[8];
	long n = cairn_arg(rt, "port", v, sizeof v);
	unsigned p = 0;

	port = ECHO_PORT;
	if (cairn_args_known(rt, known, 1, 0, 0) < 0) {
		cairn_printf("sock_echo: args: only port=N, once\n");
		return -1;
	}
	if (n == CAIRN_ENOENT)
		return 0;
	if (n < 0) {
		cairn_printf("sock_echo: args: port is not 1..65535\n");
		return -1;
	}
	for (long i = 0; i < n; i++)
		p = v[i] >= '0' && v[i] <= '9' && p <= 65535 ? p * 10 + (unsigned)(v[i] - '0') : 65536;
	if (n == 0 || n > 5 || p == 0 || p > 65535 || v[0] == '0') {
		cairn_printf("sock_echo: args: port is not 1..65535: %s\n", v);
		return -1;
	}
	port = (uint16_t)p;
	return 0;
}

/* Ends the component after a failure: BYE all the same, so that a net waiting for
 * its clients' end (until_clients_end) is not left waiting for this one. */
static int fail(void)
{
	net_bye();
	return 1;
}

int main(const struct cairn_root *rt)
{
	if (read_port(rt) < 0)
		return fail();
	if (!open_socks()) {
		cairn_printf("sock_echo: no sockets (udp %d, tcp %d)\n", u, l);
		return fail();
	}
	cairn_printf("sock_echo: UDP and TCP echo on port %u\n", port);
	unsigned tries = 0;
	for (int quit = 0; !quit;) {
		if (u > 0 && l > 0 && net_restarts() == opened_in)
			net_wait();
		else if (open_socks()) {
			reopened++;
			tries = 0;
			cairn_printf("sock_echo: net restarted (%lu times): UDP and TCP echo on port %u again\n",
				     net_restarts(), port);
		} else if (++tries == REOPEN_TRIES) {
			cairn_printf("sock_echo: the port cannot be opened again (udp %d, tcp %d)\n", u, l);
			return fail();
		} else {
			cairn_yield();
		}
		if (u > 0)
			quit = udp_round();
		if (l > 0)
			accept_round();
		for (unsigned i = 0; i < CONNS; i++)
			if (conns[i].h)
				pump(&conns[i]);
	}
	cairn_printf("sock_echo: %lu datagrams echoed, %lu dropped; %lu connections, %lu closed, %lu bytes echoed; "
		     "library: %lu events, %lu stray; sockets opened again %lu times\n", udp_echoed, udp_dropped,
		     tcp_accepted, tcp_closed, tcp_bytes, net_lib_stats.events, net_lib_stats.stray, reopened);
	cairn_printf("sock_echo: %lu idle connections gave way, %lu newcomers turned away\n", evicted, turned_away);
	net_close(u);
	net_close(l);
	for (unsigned i = 0; i < CONNS; i++)
		if (conns[i].h)
			net_close(conns[i].h);
	net_bye();
	return 0;
}
