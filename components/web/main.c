/*
 * web: a small HTTP/1.0 and 1.1 server on TCP port 8080 (docs/network.md "The web
 * example"), a component that reaches the network only through its socket link to
 * `net` and libnet (cairn/libnet.h), and reads the live system through the booter's
 * status interface (interfaces/status.toml; page.c writes the page).
 *
 *   GET /       200: the status page (components, states, restarts, threads, faults,
 *               uptime, this server's counters)
 *   GET /quit   200, then the server ends (the example's way to end; see below)
 *   GET other   404;  another method 405;  another HTTP version 505
 *   malformed   400, as soon as a byte shows it, or HTTP_REQ_MAX bytes without the end
 *
 * Every response closes its connection (Connection: close). One thread, non-blocking
 * calls only, net_wait() between rounds; each connection has its own slot (its request
 * so far, its response), so a peer that sends half a request, or never reads, holds
 * only its slot. There are WEB_CONNS slots; a newcomer when all are taken makes a
 * slot give way (closed) if one has made no progress for WEB_IDLE_MS or has not sent a
 * whole request within WEB_REQUEST_MS of its accept (the one idle longest among them),
 * else is told 503 and closed. A response fits net's send buffers for the socket (at most
 * WEB_OUT_MAX, 16 of NET_BUF), so it is queued at once and net sends it on after the
 * close, whether the peer reads or not.
 *
 * Ending: after answering /quit the server closes its sockets, prints its counters,
 * says BYE (net_bye: systems/web.toml gives `net` until_clients_end, so it ends then,
 * and the system with it) and returns; so does a server that cannot listen. Anyone who
 * reaches the port can send /quit: `make run` forwards it from the host's loopback
 * only.
 */
#include <cairn/cairn.h>
#include <cairn/libnet.h>
#include <common/fmt.h>
#include "http.h"
#include "web.h"

enum { FREE, READING, WRITING };

struct conn {
	net_sock_t h;
	int phase;
	int quit;			/* answering /quit: the server ends once this is sent */
	uint32_t got;			/* bytes of req */
	uint32_t len, off;		/* bytes of out; bytes of them sent */
	uint64_t since;			/* cairn_cycles() at its last progress */
	uint64_t born;			/* ... at its accept */
	char req[HTTP_REQ_MAX];
	char out[WEB_OUT_MAX];
};

static struct conn conns[WEB_CONNS];
static struct web_stats stats;
static char body[WEB_OUT_MAX];
static int quitting;

static const char busy_reply[] =
	"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n"
	"Connection: close\r\n\r\nbusy\n";

static void conn_close(struct conn *c)
{
	net_close(c->h);
	c->h = 0;
	c->phase = FREE;
}

/* c's response: status line, headers, body[0..n). */
static void respond(struct conn *c, const char *status, const char *type, const char *text, long n)
{
	if (text) {
		n = 0;
		while (text[n])
			n++;
	}
	int h = fmt_snprintf(c->out, sizeof c->out,
			     "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %ld\r\nCache-Control: no-store\r\n"
			     "Connection: close\r\nServer: cairn-web\r\n\r\n", status, type, n);
	if (h < 0 || (size_t)h + (size_t)n > sizeof c->out) {	/* cannot happen with WEB_OUT_MAX: a bug */
		respond(c, "500 Internal Server Error", "text/plain", "page too large\n", 0);
		return;
	}
	const char *src = text ? text : body;
	for (long i = 0; i < n; i++)
		c->out[h + i] = src[i];
	c->len = (uint32_t)(h + n);
	c->off = 0;
	c->phase = WRITING;
}

static void answer(struct conn *c, enum http_result r, const struct http_req *q)
{
	stats.requests++;
	if (r == HTTP_BAD) {
		stats.bad++;
		respond(c, "400 Bad Request", "text/plain", "bad request\n", 0);
	} else if (r == HTTP_METHOD) {
		stats.refused_method++;
		respond(c, "405 Method Not Allowed", "text/plain", "only GET\n", 0);
	} else if (r == HTTP_VERSION) {
		stats.bad_version++;
		respond(c, "505 HTTP Version Not Supported", "text/plain", "HTTP/1.0 or 1.1\n", 0);
	} else if (q->path[0] == '/' && q->path[1] == 0) {
		stats.pages++;
		unsigned open = 0;
		for (unsigned i = 0; i < WEB_CONNS; i++)
			open += conns[i].phase != FREE;
		long n = page_render(body, sizeof body - 512, &stats, open);	/* room for the headers */
		if (n < 0)
			respond(c, "500 Internal Server Error", "text/plain", "page too large\n", 0);
		else
			respond(c, "200 OK", "text/html; charset=utf-8", 0, n);
	} else if (__builtin_memcmp(q->path, "/quit", 6) == 0) {
		c->quit = 1;
		respond(c, "200 OK", "text/plain", "web: quitting\n", 0);
	} else {
		stats.not_found++;
		respond(c, "404 Not Found", "text/plain", "not found\n", 0);
	}
}

/* Reads what c's peer sent; answers once the request is complete or bad. */
static void reading(struct conn *c)
{
	struct http_req q;

	for (;;) {
		long r = net_recv(c->h, c->req + c->got, sizeof c->req - c->got, 0);
		if (r == NET_EAGAIN)
			return;
		if (r <= 0) {	/* closed or reset before a complete request */
			stats.dropped++;
			conn_close(c);
			return;
		}
		c->got += (uint32_t)r;
		c->since = cairn_cycles();
		enum http_result p = http_parse(c->req, c->got, &q);
		if (p != HTTP_MORE) {
			answer(c, p, &q);
			return;
		}
	}
}

/* Sends what net's buffers take of c's response; closes c once all is queued. */
static void writing(struct conn *c)
{
	while (c->off < c->len) {
		long r = net_send(c->h, c->out + c->off, c->len - c->off, 0);
		if (r == NET_EAGAIN)
			return;
		if (r < 0) {
			stats.dropped++;
			break;
		}
		c->off += (uint32_t)r;
		c->since = cairn_cycles();
	}
	if (c->quit)
		quitting = 1;
	conn_close(c);
}

/* Whether c may give way to a newcomer: no progress for WEB_IDLE_MS, or its request
 * still not whole WEB_REQUEST_MS after its accept. */
static int may_go(const struct conn *c, uint64_t now)
{
	uint64_t ms = ((const struct cairn_root *)CAIRN_ROOT_VA)->tsc_hz / 1000;

	return now - c->since >= ms * WEB_IDLE_MS || (c->phase == READING && now - c->born >= ms * WEB_REQUEST_MS);
}

/* A free slot for a newcomer, or one that may give way (the one idle longest); else 0. */
static struct conn *slot_for_newcomer(void)
{
	struct conn *worst = 0;
	uint64_t now = cairn_cycles();

	for (unsigned i = 0; i < WEB_CONNS; i++) {
		if (conns[i].phase == FREE)
			return &conns[i];
		if (may_go(&conns[i], now) && (!worst || conns[i].since < worst->since))
			worst = &conns[i];
	}
	if (!worst)
		return 0;
	stats.evicted++;
	conn_close(worst);
	return worst;
}

static void serve_round(void)
{
	for (unsigned i = 0; i < WEB_CONNS && !quitting; i++) {
		if (conns[i].phase == READING)
			reading(&conns[i]);
		if (conns[i].phase == WRITING)
			writing(&conns[i]);
	}
}

static void accept_round(net_sock_t l)
{
	net_sock_t h;

	while ((h = net_tcp_accept(l, 0, 0)) > 0) {
		struct conn *c = slot_for_newcomer();
		stats.connections++;
		if (!c) {
			stats.busy++;
			net_send(h, busy_reply, sizeof busy_reply - 1, 0);	/* if it does not fit: closed anyway */
			net_close(h);
			continue;
		}
		c->h = h;
		c->phase = READING;
		c->quit = 0;
		c->got = c->len = c->off = 0;
		c->since = c->born = cairn_cycles();
	}
}

int main(const struct cairn_root *rt)
{
	(void)rt;
	net_sock_t l = net_tcp_listen(WEB_PORT, SOCK_BACKLOG_MAX, 0);

	if (l <= 0) {
		cairn_printf("web: no listener on port %u: %d\n", WEB_PORT, l);
		net_bye();
		return 1;
	}
	cairn_printf("web: HTTP on TCP port %u\n", WEB_PORT);
	while (!quitting) {
		net_wait();
		serve_round();		/* first: progress counts before a newcomer judges idleness */
		accept_round(l);
		serve_round();		/* the newcomers' requests, if already here */
	}
	for (unsigned i = 0; i < WEB_CONNS; i++)
		if (conns[i].phase != FREE)
			conn_close(&conns[i]);
	net_close(l);
	cairn_printf("web: %lu connections, %lu requests: %lu pages, %lu not found, %lu bad, %lu other methods, "
		     "%lu other versions; %lu busy, %lu evicted, %lu dropped\n",
		     stats.connections, stats.requests, stats.pages, stats.not_found, stats.bad, stats.refused_method,
		     stats.bad_version, stats.busy, stats.evicted, stats.dropped);
	net_bye();
	return 0;
}
