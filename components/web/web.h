/*
 * web.h: what the web example's files share (docs/network.md "The web example"):
 * main.c (the server: connections over libnet), page.c (the status page, from the
 * booter's status interface), http.c (the request parser, http.h).
 */
#ifndef WEB_WEB_H
#define WEB_WEB_H

#include <stddef.h>
#include <stdint.h>

#define WEB_PORT 8080
#define WEB_CONNS 10		/* connection slots: below the link's SOCK_TCP_LINK (12, the
				   listener one) so that a newcomer still reaches us, to take
				   an idle slot or be told 503 */
#define WEB_IDLE_MS 2000	/* a slot without progress this long gives way to a newcomer */
#define WEB_REQUEST_MS 5000	/* ... and one whose request is not whole this long after its
				   accept, however it trickles in (a slow sender) */
#define WEB_OUT_MAX 8192	/* a response: headers and page (32 components fit) */

/* The server's counters (the page shows them). */
struct web_stats {
	uint64_t connections;	/* accepted */
	uint64_t requests;	/* complete requests answered (any status) */
	uint64_t pages, not_found, bad, refused_method, bad_version;	/* 200, 404, 400, 405, 505 */
	uint64_t busy;		/* newcomers told 503: every slot busy, none idle */
	uint64_t evicted;	/* idle connections closed for a newcomer */
	uint64_t dropped;	/* connections closed before a complete request, or reset */
};

/* page.c: the status page's HTML into out[0..size): its length, or -1 if it does not fit.
 * open: the connections holding a slot now (the one asking included). */
long page_render(char *out, size_t size, const struct web_stats *s, unsigned open);

#endif
