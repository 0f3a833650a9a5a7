/*
 * rtos_netgone: a restart of `net` as RTOS programs see it (docs/network.md "Sockets for
 * RTOS programs"), against tests/components/rtos_fakenet, a scripted net on the rtos
 * component's link (tests/qemu/systems/rtos_netgone.toml): it restarts while an open
 * waits for its answer, and again right after the rtos's HELLO. One TEST line each:
 *
 *   ng.1 pending_open  a UDP socket (with a datagram received), a listener and a
 *                      connection (with "abc" received) open; then an open that net
 *                      never answers: RESTARTED fails it with ENETDOWN
 *   ng.2 dead_calls    the UDP socket: its datagram, then ENETDOWN (receive and send);
 *                      the connection: "abc", then ECONNRESET, its send EPIPE; the
 *                      listener's accept ENETDOWN; an event set reports EVT_NET_CLOSE
 *                      for each once what had arrived is read
 *   ng.3 reopen        opens tried every 20 ms (ENETDOWN while net restarts again in the
 *                      handshake) until one succeeds, within 2 s; sends on it work
 *   ng.4 nothing_left  every socket closed: the process holds none (the fake net checks
 *                      the CLOSEs of the dead ones came after the last HELLO: fn.2)
 */
#include <cairn/cairn.h>
#include <cairn/rtos.h>

static timer_t nap;

static void sleep_ms(unsigned ms)
{
	struct time t;

	time_create(&t, 0, ms * 1000);
	timer_start(nap, &t);
	timer_wait(nap);
}

/* Waits until every source of set has reported one of `want` (bits of EVT_NET_*): 1, or 0 after 5 s. */
static int wait_all(event_t set, unsigned nsrc, unsigned type)
{
	size_t seen[4] = { 0 };
	unsigned nseen = 0;
	struct event_info ev[4];

	for (unsigned tries = 0; tries < 500 && nseen < nsrc; tries++) {
		int n = event_check(set, ev, 4);
		for (int i = 0; i < n; i++) {
			if (ev[i].event_type != type)
				continue;
			int dup = 0;
			for (unsigned k = 0; k < nseen; k++)
				dup |= seen[k] == ev[i].event_src_id;
			if (!dup && nseen < 4)
				seen[nseen++] = ev[i].event_src_id;
		}
		if (nseen < nsrc)
			sleep_ms(10);
	}
	return nseen == nsrc;
}

int main(void)
{
	struct net_addr gw = { NET_ADDR(10, 0, 2, 2), 9 }, from;
	char b[64];

	nap = timer_create();
	long u = net_udp_open(9001, 0), l = net_tcp_listen(9002, 1, 0), c = net_tcp_connect(&gw, 0);
	event_t set = event_create(4);
	int ready = u > 0 && l > 0 && c > 0 && set && !event_add(set, (size_t)u, EVF_NET_READ) &&
		    !event_add(set, (size_t)c, EVF_NET_READ) && wait_all(set, 2, EVT_NET_READ);
	long stalled = net_udp_open(9003, 0);
	cairn_check("ng.1", "pending_open", ready && stalled == ENETDOWN, "udp %ld tcp %ld conn %ld, data %d; the open "
		    "net never answered: %ld", u, l, c, ready, stalled);

	event_remove(set, (size_t)u, 0);
	event_remove(set, (size_t)c, 0);
	event_add(set, (size_t)u, EVF_NET_READ | EVF_NET_CLOSE);
	event_add(set, (size_t)c, EVF_NET_READ | EVF_NET_CLOSE);
	event_add(set, (size_t)l, 0);
	int l_closed = wait_all(set, 1, EVT_NET_CLOSE);	/* the listener: nothing to read */
	long ur = net_recv_from((size_t)u, b, sizeof b, &from, 0), ur2 = net_recv_from((size_t)u, b, sizeof b, 0, 0);
	long us = net_send_to((size_t)u, "x", 1, &gw, 0);
	long cr = net_recv((size_t)c, b, sizeof b, 0);
	int abc = cr == 3 && b[0] == 'a' && b[1] == 'b' && b[2] == 'c';
	long cr2 = net_recv((size_t)c, b, sizeof b, 0), cs = net_send((size_t)c, "x", 1, 0);
	long la = net_tcp_accept((size_t)l, 0, 0);
	int all_closed = wait_all(set, 3, EVT_NET_CLOSE);
	cairn_check("ng.2", "dead_calls", ur == 8 && ur2 == ENETDOWN && us == ENETDOWN && abc && cr2 == ECONNRESET &&
		    cs == EPIPE && la == ENETDOWN && l_closed && all_closed,
		    "udp: recv %ld then %ld, send %ld; tcp: recv %ld (abc %d) then %ld, send %ld; accept %ld; "
		    "EVT_NET_CLOSE: listener %d, all %d", ur, ur2, us, cr, abc, cr2, cs, la, l_closed, all_closed);

	long n = 0, downs = 0, others = 0, sent = 0;
	for (unsigned tries = 0; tries < 100 && n <= 0; tries++) {
		n = net_udp_open(9004, 0);
		if (n == ENETDOWN)
			downs++;
		else if (n <= 0)
			others++;
		if (n <= 0)
			sleep_ms(20);
	}
	for (unsigned i = 0; n > 0 && i < 3; i++)
		sent += net_send_to((size_t)n, "again", 5, &gw, 0) == 5;
	cairn_check("ng.3", "reopen", n > 0 && sent == 3 && others == 0, "handle %ld after %ld ENETDOWN, %ld other "
		    "errors; %ld of 3 sends", n, downs, others, sent);

	event_delete(set);
	long closes = net_close((size_t)u) + net_close((size_t)l) + net_close((size_t)c) + (n > 0 ? net_close((size_t)n) : 0);
	long left = rtos_stats(RTOS_STAT_SOCKS);
	cairn_check("ng.4", "nothing_left", closes == 0 && left == 0, "closes %ld; sockets left %ld", closes, left);
	return 0;
}
