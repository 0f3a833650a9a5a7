/*
 * net: the component holding the system's one lwIP instance (docs/network.md). Its
 * description (systems/echo.toml) gives it the net transport to a net driver
 * (components/virtio_net: four ports and the data region "net_data", docs/devices.md
 * "Virtio-net") and the driver's control interface `net`. Its address comes from its
 * args (addrargs.c, addr.c): static, or DHCP; without args 10.0.2.15/24 with gateway
 * 10.0.2.2 (QEMU's user networking); bad args stop it, and the driver. lwIP answers
 * ARP and ICMP echo itself. It serves no application of its own: its clients reach
 * the network through socket links (sock.c, cairn/sock.h; systems/echo.toml's echo is
 * components/sock_echo). With the args word until_clients_end it ends once every link
 * has said BYE: it waits for its last frames to be sent, prints its counts, stops the
 * driver and returns, and the system ends. A restarted net (generation 2 on) tells
 * every client RESTARTED: their sockets died with the old instance.
 *
 * One thread runs everything (lwIP is NO_SYS): serve() is the event loop.
 */
#include <cairn/cairn.h>
#include <iface/timer.h>
#include "lwip/init.h"
#include "lwip/stats.h"
#include "lwip/sys.h"
#include "lwip/timeouts.h"
#include "net.h"

static struct netif nif;
static unsigned links;		/* socket links served */
static int until_clients_end;	/* the args' word: end once every link said BYE */

/*
 * Sleeps until the driver sends, or until `ms` milliseconds have passed
 * (SYS_TIMEOUTS_SLEEPTIME_INFINITE: no deadline), through the booter's timer service
 * (interfaces/timer.toml): one pending deadline, asked for only when the new one is
 * earlier than the one pending (a wake for the later one comes first and the loop asks
 * again), so a busy loop costs no call. Without the service (the description does not
 * import `timer`: ENOENT; a booter without a timer: ENOTSUP) it sleeps without a
 * deadline and lwIP's timers advance only while frames come and go.
 */
static void wait_for(u32_t ms)
{
	static uint64_t pending = ~0ull;	/* the deadline asked for (~0: none) */
	static int untimed;

	uint64_t now = cairn_cycles(), hz = ((const struct cairn_root *)CAIRN_ROOT_VA)->tsc_hz;
	uint64_t due = ms == SYS_TIMEOUTS_SLEEPTIME_INFINITE ? ~0ull : cairn_deadline_in((uint64_t)ms * hz / 1000);
	if (pending <= now)
		pending = ~0ull;	/* it came */
	if (!untimed && due < pending) {
		if (timer_wake_at(due) < 0)
			untimed = 1;
		else
			pending = due;
	}
	cairn_rcv_wait(CAIRN_SLOT_RCV);
}

/*
 * The event loop: take what the driver gave back (received frames into lwIP,
 * transmit buffers), run lwIP's timers that are due, then serve the socket links
 * (their commands, and what lwIP gave each socket: the timers too hand sockets data,
 * a FIN or an error, e.g. a segment the socket's ring refused offered again, so they
 * run first, or that would wait in the ring for the next wake), wake the driver and
 * the clients if they wait on what we changed, and sleep until the driver or a client
 * has something for us or the next timer is due.
 */
static int ending(void)
{
	static u32_t bye_at;	/* sys_now() when every client had said BYE (0: not yet) */

	if (inner_quit && inner_quit())
		return 1;
	if (!until_clients_end || !sock_all_bye()) {
		bye_at = 0;
		return 0;
	}
	if (!bye_at)
		bye_at = sys_now() | 1;
	return !sock_draining() || sys_now() - bye_at >= NET_LINGER_MS;
}

static void serve(void)
{
	while (!ending()) {
		unsigned work = link_poll(&nif);
		sys_check_timeouts();
		work += sock_poll();
		link_wake();
		sock_wake();
		if (!work && link_arm() && sock_arm())
			wait_for(sys_timeouts_sleeptime());
	}
}

static void print_counts(void)
{
	const struct link_stats *s = &link_stats;

	cairn_printf("net: link: %lu frames received, %lu sent, %lu refused by the driver (rx %lu, tx %lu), "
		     "%lu beyond reason, %lu without a pbuf, %lu lost in restarts, %lu waits for a tx buffer\n",
		     s->rx_frames, s->tx_frames, s->rx_refused + s->tx_refused, s->rx_refused, s->tx_refused,
		     s->rx_bad, s->rx_nomem, s->tx_lost, s->tx_waits);
	cairn_printf("net: lwip: ip %u in %u out %u dropped, udp %u in %u out, tcp %u in %u out %u dropped, "
		     "icmp %u in, pool errors %u\n",
		     lwip_stats.ip.recv, lwip_stats.ip.xmit, lwip_stats.ip.drop, lwip_stats.udp.recv,
		     lwip_stats.udp.xmit, lwip_stats.tcp.recv, lwip_stats.tcp.xmit, lwip_stats.tcp.drop,
		     lwip_stats.icmp.recv, lwip_stats.memp[MEMP_PBUF_POOL] ? lwip_stats.memp[MEMP_PBUF_POOL]->err : 0);
	if (links)
		cairn_printf("net: sockets: %lu datagrams dropped, %lu connections refused, %lu commands refused, "
			     "%lu links broken, %lu commands before HELLO dropped\n", sock_stats.udp_dropped,
			     sock_stats.tcp_refused, sock_stats.bad_cmds, sock_stats.broken, sock_stats.stale_cmds);
}

int main(const struct cairn_root *rt)
{
	struct net_addr a;
	long bad = addr_parse(rt, &a);

	lwip_init();
	if (link_open(&nif) < 0)
		return 1;
	unsigned told, byes;
	links = sock_open(rt->generation > 1, &told, &byes);
	if (bad || addr_start(&nif, &a) < 0) {
		sock_ended();		/* the clients: nothing will be answered */
		link_stop();		/* the driver too: the system ends */
		cairn_printf("net: stopped: no address\n");
		return 1;
	}
	until_clients_end = a.until_clients_end;
	if (until_clients_end && !links) {
		link_stop();
		cairn_printf("net: stopped: until_clients_end, but the description gives net no socket link\n");
		return 1;
	}
	const uint8_t *m = link_mac();
	char where[48];
	addr_say(&a, where, sizeof(where));
	cairn_printf("net: %s, MAC %02x:%02x:%02x:%02x:%02x:%02x\n", where, m[0], m[1], m[2], m[3], m[4], m[5]);
	long e = inner_start ? inner_start() : 0;
	if (e != 0) {
		sock_ended();
		cairn_printf("net: inner service: lwIP error %ld\n", e);
		return 1;
	}
	if (links)
		cairn_printf("net: serving %u socket links%s\n", links, until_clients_end ? " until every client has said BYE" : "");
	if (rt->generation > 1 && links)
		cairn_printf("net: generation %u: %u links told RESTARTED, %u had said BYE\n", rt->generation, told, byes);
	serve();
	if (!(inner_quit && inner_quit()))
		cairn_printf("net: every client has said BYE\n");
	link_drain();
	print_counts();
	link_stop();
	cairn_printf("net: stopped\n");
	return 0;
}
