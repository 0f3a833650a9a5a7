/*
 * listen.c: a full listener gives way its oldest half-open connection (arch/hooks.h,
 * LWIP_HOOK_TCP_INPACKET_PCB; docs/network.md "Robustness", net_halfopen).
 *
 * lwIP 2.1 keeps at most a listener's backlog of connections in SYN_RCVD and drops
 * every further SYN until one of them completes or is dropped after
 * TCP_SYN_RCVD_TIMEOUT (20 s). A peer that sends SYNs it never completes (a spoofed
 * source: its SYN-ACKs go nowhere) thus keeps the listener closed with a backlog's
 * worth of SYNs every 20 s. lwIP has no SYN cookies; instead, when a SYN arrives for a
 * listener whose backlog is full, the oldest of its SYN_RCVD connections is dropped
 * silently (no reset: its source is likely forged), and the new SYN is served as
 * usual. A real client completes its handshake within a round trip, so it gets in
 * unless the flood replaces the whole backlog faster than that: the flood then costs
 * the attacker a SYN per backlog entry per round trip, not four per 20 s.
 */
#include "lwip/opt.h"
#include "lwip/tcp.h"
#include "lwip/priv/tcp_priv.h"
#include "arch/hooks.h"

u32_t lwip_cairn_syn_evicted;	/* half-open connections given way, for the counts */

/* The oldest SYN_RCVD connection of listener l, or NULL. New pcbs are put at the
 * head of tcp_active_pcbs, so among equal ages (tmr counts slow-timer ticks) the
 * last one found is the oldest. */
static struct tcp_pcb *oldest_half_open(const struct tcp_pcb_listen *l)
{
	struct tcp_pcb *old = NULL;

	for (struct tcp_pcb *q = tcp_active_pcbs; q; q = q->next)
		if (q->state == SYN_RCVD && q->listener == l && (!old || (s32_t)(q->tmr - old->tmr) <= 0))
			old = q;
	return old;
}

/* Called by tcp_input for every segment with the pcb it matched, before lwIP acts
 * on it; ERR_OK lets lwIP go on. Only a bare SYN to a full listener does anything. */
err_t lwip_cairn_tcp_in(struct tcp_pcb *pcb, struct tcp_hdr *hdr, u16_t optlen, u16_t opt1len,
			u8_t *opt2, struct pbuf *p)
{
	LWIP_UNUSED_ARG(optlen);
	LWIP_UNUSED_ARG(opt1len);
	LWIP_UNUSED_ARG(opt2);
	LWIP_UNUSED_ARG(p);
	if (pcb->state != LISTEN || (TCPH_FLAGS(hdr) & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN)
		return ERR_OK;
	struct tcp_pcb_listen *l = (struct tcp_pcb_listen *)pcb;
	if (l->accepts_pending < l->backlog)
		return ERR_OK;
	struct tcp_pcb *old = oldest_half_open(l);
	if (old) {
		tcp_abandon(old, 0);	/* its backlog entry comes back (tcp_backlog_accepted) */
		lwip_cairn_syn_evicted++;
	}
	return ERR_OK;
}
