/*
 * net_probe: components/net/echo.c with its udp_sendto hooked (main.c says what for):
 *
 *   NET_PROBE_STATS...  answered with "name=value" pairs, one space between: the
 *                       link's counts (link.*), the driver's (drv.*, its stats
 *                       call), lwIP's (stats.h: link, etharp, ip, icmp, udp, tcp;
 *                       the pools' errors) and the echo's connections (echo.conns)
 *   NET_PROBE_CRASH...  "net_probe: crashing" on the console, then ud2
 *
 * Any other datagram is echoed as components/net/echo.c does.
 */
#include <common/fmt.h>
#include <iface/net.h>
#include <cairn/net.h>
#include "lwip/udp.h"
#include "lwip/stats.h"
#include "lwip/memp.h"

#define NET_PROBE_STATS "net_probe:stats"
#define NET_PROBE_CRASH "net_probe:crash"

static err_t probe_sendto(struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *dst, u16_t port);
#define udp_sendto probe_sendto
#include "../../../components/net/echo.c"
#undef udp_sendto

static char text[1400];
static unsigned used;

/* Appends " name=value" to text (bounded: a pair that does not fit is left out). */
static void put(const char *name, uint64_t value)
{
	char pair[64];
	int n = fmt_snprintf(pair, sizeof(pair), "%s%s=%lu", used ? " " : "", name, value);

	if (n > 0 && used + (unsigned)n < sizeof(text)) {
		memcpy(text + used, pair, (unsigned)n);
		used += (unsigned)n;
	}
}

static void put_proto(const char *name, const struct stats_proto *s)
{
	static const char *const field[] = { "recv", "xmit", "drop", "chkerr", "lenerr", "memerr", "proterr", "opterr", "err" };
	const uint64_t v[] = { s->recv, s->xmit, s->drop, s->chkerr, s->lenerr, s->memerr, s->proterr, s->opterr, s->err };
	char key[32];

	for (unsigned i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		fmt_snprintf(key, sizeof(key), "%s.%s", name, field[i]);
		put(key, v[i]);
	}
}

/* The counts, as text: see the file's comment. */
static unsigned stats_text(void)
{
	const struct link_stats *l = &link_stats;
	unsigned busy = 0;

	used = 0;
	put("link.rx_frames", l->rx_frames);
	put("link.rx_refused", l->rx_refused);
	put("link.rx_bad", l->rx_bad);
	put("link.rx_nomem", l->rx_nomem);
	put("link.tx_frames", l->tx_frames);
	put("link.tx_lost", l->tx_lost);
	put("link.restarts", l->restarts);
	put("drv.rx_frames", (uint64_t)net_stats(NET_STAT_RX_FRAMES));
	put("drv.rx_dropped", (uint64_t)net_stats(NET_STAT_RX_DROPPED));
	put_proto("eth", &lwip_stats.etharp);
	put_proto("ip", &lwip_stats.ip);
	put_proto("icmp", &lwip_stats.icmp);
	put_proto("udp", &lwip_stats.udp);
	put_proto("tcp", &lwip_stats.tcp);
	put("pool.pbuf_err", lwip_stats.memp[MEMP_PBUF_POOL]->err);
	put("pool.tcp_pcb_err", lwip_stats.memp[MEMP_TCP_PCB]->err);
	put("pool.tcp_pcb_used", lwip_stats.memp[MEMP_TCP_PCB]->used);
	put("mem.err", lwip_stats.mem.err);
	for (unsigned i = 0; i < ECHO_CONNS; i++)
		busy += conns[i].pcb != 0;
	put("echo.conns", busy);
	put("echo.evicted", echo_evicted());
	return used;
}

static int begins(struct pbuf *p, const char *magic)
{
	u16_t n = (u16_t)strlen(magic);

	return p->tot_len >= n && pbuf_memcmp(p, 0, magic, n) == 0;
}

static err_t probe_sendto(struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *dst, u16_t port)
{
	if (begins(p, NET_PROBE_CRASH)) {
		cairn_printf("net_probe: crashing\n");
		__builtin_trap();
	}
	if (!begins(p, NET_PROBE_STATS))
		return udp_sendto(pcb, p, dst, port);
	unsigned n = stats_text();
	struct pbuf *q = pbuf_alloc(PBUF_TRANSPORT, (u16_t)n, PBUF_RAM);
	if (!q)
		return ERR_MEM;
	pbuf_take(q, text, (u16_t)n);
	err_t e = udp_sendto(pcb, q, dst, port);
	pbuf_free(q);
	return e;
}
