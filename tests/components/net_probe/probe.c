/*
 * probe.c: net_probe's hooks on received datagrams (probe.h says what they do; main.c
 * why they exist).
 */
#include <cairn/cairn.h>
#include <common/fmt.h>
#include <iface/net.h>
#include <cairn/net.h>
#include "lwip/udp.h"
#include "lwip/stats.h"
#include "lwip/memp.h"
#include "../../../components/net/net.h"
#include "probe.h"

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
	put("echo.conns", echo_conns());
	put("echo.evicted", echo_evicted());
	put("sock.udp_dropped", sock_stats.udp_dropped);
	put("sock.bad_cmds", sock_stats.bad_cmds);
	put("sock.stale_cmds", sock_stats.stale_cmds);
	return used;
}

static int begins(struct pbuf *p, const char *magic)
{
	u16_t n = (u16_t)strlen(magic);

	return p->tot_len >= n && pbuf_memcmp(p, 0, magic, n) == 0;
}

int probe_hook(struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
	if (begins(p, NET_PROBE_CRASH)) {
		cairn_printf("net_probe: crashing\n");
		__builtin_trap();
	}
	if (!begins(p, NET_PROBE_STATS))
		return 0;
	pbuf_free(p);
	unsigned n = stats_text();
	struct pbuf *q = pbuf_alloc(PBUF_TRANSPORT, (u16_t)n, PBUF_RAM);
	if (q) {
		pbuf_take(q, text, (u16_t)n);
		udp_sendto(pcb, q, addr, port);	/* lost without memory, as any datagram */
		pbuf_free(q);
	}
	return 1;
}
