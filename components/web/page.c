/*
 * page.c: the web example's status page (docs/network.md "The web example"): the
 * system's components as the booter's status interface shows them (interfaces/
 * status.toml: name, state, restarts, threads, faults), the uptime, and the server's
 * own counters. Everything is read at the request, so the page is live. It is
 * written into the caller's buffer with a bound: a page that would not fit is an
 * error, never cut short. The names come from the booter's tables (checked
 * [a-z0-9_] by tools/system.py); the page escapes them all the same.
 */
#include <cairn/cairn.h>
#include <cairn/libnet.h>
#include <cairn/status_client.h>
#include <common/fmt.h>
#include "web.h"

struct out {
	char *b;
	size_t size, len;
	int over;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;

	if (o->over)
		return;
	va_start(ap, fmt);
	int n = fmt_vsnprintf(o->b + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->size - o->len)
		o->over = 1;
	else
		o->len += (size_t)n;
}

/* A name, HTML-escaped (only [a-z0-9_] is expected; anything else is shown as '?'). */
static void put_name(struct out *o, const char *s)
{
	for (; *s; s++) {
		char c = *s;
		int plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
			    c == '-' || c == '.';
		put(o, "%c", plain ? c : '?');
	}
}

/* Name of component i (index < 0: the system's): 0, or the status call's error. */
static long name_of(long index, char *out)
{
	return status_name_of(index, out, 0);
}

static void components(struct out *o, long n)
{
	char name[8 * STATUS_NAME_WORDS];

	put(o, "<table>\n<tr><th>component</th><th>state</th><th>restarts</th><th>threads</th>"
	       "<th>faults</th></tr>\n");
	for (long i = 0; i < n; i++) {
		cairn_word faults = 0;
		long info = status_component((cairn_word)i, &faults);
		if (info < 0 || name_of(i, name) < 0) {
			put(o, "<tr><td colspan=\"5\">component %ld: status error %ld</td></tr>\n", i, info);
			continue;
		}
		put(o, "<tr><td>");
		put_name(o, name);
		put(o, "</td><td>%s</td><td>%u</td><td>%u</td><td>%lu</td></tr>\n",
		    status_state_name(status_state(info)), status_restarts(info), status_threads(info),
		    (unsigned long)faults);
	}
	put(o, "</table>\n");
}

long page_render(char *buf, size_t size, const struct web_stats *s, unsigned open)
{
	const struct cairn_root *rt = (const struct cairn_root *)CAIRN_ROOT_VA;
	struct out o = { buf, size, 0, 0 };
	char sys[8 * STATUS_NAME_WORDS];
	cairn_word restarts = 0;
	long n = status_system(&restarts);
	uint64_t up = cairn_cycles() - rt->boot_tsc, hz = rt->tsc_hz ? rt->tsc_hz : 1;

	if (name_of(-1, sys) < 0)
		sys[0] = 0;
	put(&o, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Cairn: ");
	put_name(&o, sys);
	put(&o, "</title></head>\n<body>\n<h1>Cairn: system ");
	put_name(&o, sys);
	put(&o, "</h1>\n<p>Up %lu.%03lu s.</p>\n", (unsigned long)(up / hz), (unsigned long)(up % hz * 1000 / hz));
	if (n < 0)
		put(&o, "<p>No status: error %ld (does the description give web the import \"status\"?)</p>\n", n);
	else {
		put(&o, "<p>%ld components, %lu restarts.</p>\n", n, (unsigned long)restarts);
		components(&o, n);
	}
	put(&o, "<h2>web</h2>\n<table>\n<tr><td>open</td><td>%u</td></tr>\n"
		"<tr><td>connections</td><td>%lu</td></tr>\n<tr><td>requests</td><td>%lu</td></tr>\n"
		"<tr><td>errors</td><td>%lu</td></tr>\n<tr><td>not found</td><td>%lu</td></tr>\n"
		"<tr><td>busy</td><td>%lu</td></tr>\n<tr><td>evicted</td><td>%lu</td></tr>\n"
		"<tr><td>dropped</td><td>%lu</td></tr>\n</table>\n",
	    open, (unsigned long)s->connections, (unsigned long)s->requests,
	    (unsigned long)(s->bad + s->refused_method + s->bad_version), (unsigned long)s->not_found,
	    (unsigned long)s->busy, (unsigned long)s->evicted, (unsigned long)s->dropped);
	put(&o, "<h2>libnet</h2>\n<table>\n<tr><td>events</td><td>%lu</td></tr>\n"
		"<tr><td>stray</td><td>%lu</td></tr>\n</table>\n</body></html>\n",
	    (unsigned long)net_lib_stats.events, (unsigned long)net_lib_stats.stray);
	return o.over ? -1 : (long)o.len;
}
