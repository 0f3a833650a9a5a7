/*
 * inner_echo.c: net_probe's echo inside the stack (docs/network.md "Robustness"): UDP
 * and TCP echo on port ECHO_PORT on lwIP's raw API, in net's own protection domain:
 * test-only code (it was components/net's first service, before applications reached
 * the stack through socket links: components/sock_echo is the echo now). The
 * robustness tests net_robust and net_halfopen attack the stack through it
 * (tests/qemu/systems/echo_probe.toml, which gives net no socket link); it stays off
 * where the description gives net a socket link (the echo application serves the
 * port there). It is net's inner service (net.h: inner_start, inner_quit).
 *
 * UDP: each datagram goes back to its sender as it came (lwIP has bounded its length
 * by the frame's); a datagram of exactly "quit" is echoed and then ends the component
 * (inner_quit). Datagrams pass net_probe's hooks first (probe.h).
 *
 * TCP: each connection has a ring of TCP_WND bytes. What arrives is copied into it and
 * its pbufs freed at once, so a connection holds none of the shared pool; bytes leave
 * the ring only into tcp_write, bounded by tcp_sndbuf, and only then are they given
 * back to the receive window (tcp_recved). So a peer that sends and never reads fills
 * its own send buffer, then its ring, and then its window is zero: it stalls itself
 * alone. The ring can never overflow: lwIP hands over no more than the window it
 * advertised, which is TCP_WND less what the ring holds (a pbuf that would not fit is
 * refused all the same, and lwIP keeps it until there is room).
 *
 * lwIP has a pcb for at most MEMP_NUM_TCP_PCB connections, and no keepalive: peers
 * that open connections and then fall silent (or never read) would hold every pcb for
 * ever, and every later SYN would go unanswered. So while every slot is taken, the
 * connection that has made no progress (accepted, data in, data acknowledged) for the
 * longest, if that is ECHO_IDLE_MS or more, is aborted (its peer sees a reset) at its
 * next poll: a new connection gets in within about ECHO_IDLE_MS and a poll.
 */
#include <cairn/cairn.h>
#include "lwip/sys.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "../../../components/net/net.h"
#include "probe.h"

#define ECHO_PORT 7007

#define ECHO_CONNS 8		/* connections of its own; lwIP's other pcbs are the socket links' */
#define RING TCP_WND
#define ECHO_IDLE_MS 5000		/* no progress this long: gives way when every slot is taken */
#define ECHO_POLL 4			/* the poll's period, in lwIP's slow timer ticks (500 ms) */

struct conn {
	struct tcp_pcb *pcb;		/* 0: the slot is free */
	uint32_t head, count;		/* the ring: the oldest byte, bytes held */
	int closing;			/* the peer has closed its direction: close once drained */
	u32_t progress;			/* sys_now() when it was accepted, last received or was acknowledged */
	uint8_t ring[RING];
};

static struct conn conns[ECHO_CONNS];
static int quit;
static uint64_t evicted;		/* connections aborted to make room (echo_evicted) */

int inner_quit(void)
{
	return quit;
}

uint64_t echo_evicted(void)
{
	return evicted;
}

unsigned echo_conns(void)
{
	unsigned busy = 0;

	for (unsigned i = 0; i < ECHO_CONNS; i++)
		busy += conns[i].pcb != 0;
	return busy;
}

/* --- UDP ------------------------------------------------------------------------- */

static void udp_echo(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
	(void)arg;
	if (probe_hook(pcb, p, addr, port))
		return;
	if (p->tot_len == 4 && pbuf_memcmp(p, 0, "quit", 4) == 0)
		quit = 1;
	udp_sendto(pcb, p, addr, port);		/* a failure (no memory) loses the datagram: UDP's way */
	pbuf_free(p);
}

/* --- TCP ------------------------------------------------------------------------- */

/* Forgets c's pcb (lwIP's callbacks cleared) and frees the slot. */
static void conn_free(struct conn *c)
{
	if (c->pcb) {
		tcp_arg(c->pcb, 0);
		tcp_recv(c->pcb, 0);
		tcp_sent(c->pcb, 0);
		tcp_err(c->pcb, 0);
		tcp_poll(c->pcb, 0, 0);
	}
	c->pcb = 0;
}

/* Closes c gracefully, or aborts it if lwIP has no memory to: ERR_OK or ERR_ABRT. */
static err_t conn_close(struct conn *c)
{
	struct tcp_pcb *pcb = c->pcb;

	conn_free(c);
	if (tcp_close(pcb) == ERR_OK)
		return ERR_OK;
	tcp_abort(pcb);
	return ERR_ABRT;
}

/* Moves what the ring holds into the send buffer, as much as fits, and opens the
 * window by as much; closes once the peer has closed and all is sent on: ERR_OK, or
 * ERR_ABRT (c aborted: a callback must return it). */
static err_t pump(struct conn *c)
{
	uint32_t moved = 0;

	while (c->count) {
		uint32_t n = c->count;
		if (n > RING - c->head)
			n = RING - c->head;
		if (n > tcp_sndbuf(c->pcb))
			n = tcp_sndbuf(c->pcb);
		if (n == 0 || tcp_write(c->pcb, c->ring + c->head, (u16_t)n, TCP_WRITE_FLAG_COPY) != ERR_OK)
			break;		/* no room (or no segment) now: the next sent or poll goes on */
		c->head = (c->head + n) % RING;
		c->count -= n;
		moved += n;
	}
	if (moved) {
		tcp_recved(c->pcb, (u16_t)moved);
		tcp_output(c->pcb);
	}
	if (c->closing && c->count == 0)
		return conn_close(c);
	return ERR_OK;
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct conn *c = arg;

	(void)pcb;
	if (!p) {
		c->closing = 1;
		return pump(c);
	}
	if (err != ERR_OK || p->tot_len > RING - c->count) {
		if (err != ERR_OK)
			pbuf_free(p);
		return err != ERR_OK ? ERR_OK : ERR_MEM;	/* ERR_MEM: lwIP keeps p, offers it again */
	}
	c->progress = sys_now();
	uint32_t tail = (c->head + c->count) % RING;
	uint32_t first = p->tot_len < RING - tail ? p->tot_len : RING - tail;
	pbuf_copy_partial(p, c->ring + tail, (u16_t)first, 0);
	pbuf_copy_partial(p, c->ring, (u16_t)(p->tot_len - first), (u16_t)first);
	c->count += p->tot_len;
	pbuf_free(p);
	return pump(c);
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	struct conn *c = arg;

	(void)pcb;
	(void)len;
	c->progress = sys_now();
	return pump(c);
}

/* The connection to give way if one must: while every slot is taken, the one without
 * progress for longest, if for ECHO_IDLE_MS or more; else 0. */
static struct conn *idlest(void)
{
	struct conn *worst = 0;
	u32_t now = sys_now();

	for (unsigned i = 0; i < ECHO_CONNS; i++) {
		if (!conns[i].pcb)
			return 0;
		if (!worst || now - conns[i].progress > now - worst->progress)
			worst = &conns[i];
	}
	return now - worst->progress >= ECHO_IDLE_MS ? worst : 0;
}

/* Every ECHO_POLL ticks of lwIP's slow timer (when the event loop runs the timers):
 * the pump goes on, or c gives way (the file's comment). */
static err_t on_poll(void *arg, struct tcp_pcb *pcb)
{
	struct conn *c = arg;

	if (idlest() == c) {
		evicted++;
		conn_free(c);
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	return pump(c);
}

/* The pcb is gone (reset, or aborted by lwIP): only the slot is left to free. */
static void on_err(void *arg, err_t err)
{
	struct conn *c = arg;

	(void)err;
	c->pcb = 0;
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct conn *c = 0;

	(void)arg;
	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	for (unsigned i = 0; i < ECHO_CONNS && !c; i++)
		if (!conns[i].pcb)
			c = &conns[i];
	if (!c) {
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	c->pcb = pcb;
	c->head = c->count = 0;
	c->closing = 0;
	c->progress = sys_now();
	tcp_arg(pcb, c);
	tcp_recv(pcb, on_recv);
	tcp_sent(pcb, on_sent);
	tcp_err(pcb, on_err);
	tcp_poll(pcb, on_poll, ECHO_POLL);
	tcp_nagle_disable(pcb);
	return ERR_OK;
}

long inner_start(void)
{
	if (cairn_region("sock0_data"))
		return 0;	/* a socket link: the application serves the port */
	struct udp_pcb *u = udp_new();
	struct tcp_pcb *t = tcp_new();
	err_t e;

	if (!u || !t)
		return ERR_MEM;
	if ((e = udp_bind(u, IP_ADDR_ANY, ECHO_PORT)) != ERR_OK || (e = tcp_bind(t, IP_ADDR_ANY, ECHO_PORT)) != ERR_OK)
		return e;
	udp_recv(u, udp_echo, 0);
	struct tcp_pcb *l = tcp_listen(t);
	if (!l)
		return ERR_MEM;
	tcp_accept(l, on_accept);
	cairn_printf("net_probe: echo on UDP and TCP port %u inside the stack\n", ECHO_PORT);
	return ERR_OK;
}
