/*
 * books.c: libnet's books (books.h): buffers and sockets as the client knows them,
 * and each event from `net` checked against them before it changes anything.
 */
#include "books.h"

void books_init(struct books *k, uint64_t size)
{
	uint64_t n = size / NET_BUF;

	*k = (struct books){ .nbuf = n > BOOKS_BUFS ? BOOKS_BUFS : (unsigned)n };
}

int books_take(struct books *k, unsigned sock, unsigned state)
{
	for (unsigned i = 0; i < k->nbuf; i++)
		if (k->b[i].state == B_FREE) {
			k->b[i] = (struct books_buf){ .state = (uint8_t)state, .sock = (uint8_t)sock };
			return (int)i;
		}
	return -1;
}

void books_free(struct books *k, unsigned i)
{
	k->b[i] = (struct books_buf){ 0 };
}

void books_consume(struct books *k, unsigned sock)
{
	struct books_sock *s = &k->s[sock];

	if (!s->nfull)
		return;
	books_free(k, s->full[0]);
	for (unsigned i = 1; i < s->nfull; i++)
		s->full[i - 1] = s->full[i];
	s->nfull--;
}

/* The buffer event e names, if it is lent to e's socket in `state`: else 0. */
static struct books_buf *lent(struct books *k, const struct sock_ev *e, unsigned state)
{
	if (e->id >= k->nbuf || e->socket >= SOCK_MAX)
		return 0;
	struct books_buf *b = &k->b[e->id];
	if (b->state != state || b->sock != e->socket || e->offset != (uint64_t)e->id * NET_BUF)
		return 0;
	return b;
}

static int ev_done(struct books *k, const struct sock_ev *e, struct net_lib_stats *st)
{
	if (e->id & BOOKS_CTRL) {
		if (e->id == k->want && !k->got) {
			k->got = 1;
			k->result = e->result;
			return 1;
		}
		if (e->socket < SOCK_MAX && k->s[e->socket].state == C_CLOSING && k->s[e->socket].close_id == e->id) {
			k->s[e->socket] = (struct books_sock){ 0 };
			return 1;
		}
		return 0;
	}
	struct books_buf *b = lent(k, e, B_TX);
	if (b)
		k->s[e->socket].tx--;
	else if ((b = lent(k, e, B_RX)))
		k->s[e->socket].rx--;
	else
		return 0;
	if (e->result < 0)
		st->refused++;
	*b = (struct books_buf){ 0 };
	return 1;
}

static int ev_data(struct books *k, const struct sock_ev *e)
{
	struct books_buf *b = lent(k, e, B_RX);

	if (!b || e->len > NET_BUF)
		return 0;
	struct books_sock *s = &k->s[e->socket];
	if (s->nfull == SOCK_RX_BUFS)
		return 0;
	s->rx--;
	if (e->len == 0 && s->state != C_UDP) {
		s->eof = 1;
		*b = (struct books_buf){ 0 };
		return 1;
	}
	*b = (struct books_buf){ .state = B_FULL, .sock = (uint8_t)e->socket, .len = e->len, .addr = e->addr,
				 .port = e->port };
	s->full[s->nfull++] = (uint8_t)e->id;	/* nfull + rx <= NET_RX_UDP <= SOCK_RX_BUFS */
	return 1;
}

static int ev_accepted(struct books *k, const struct sock_ev *e)
{
	if (e->socket >= SOCK_MAX || e->result < 0 || e->result >= SOCK_MAX)
		return 0;
	struct books_sock *l = &k->s[e->socket], *s = &k->s[e->result];
	if (l->state != C_LISTEN || s->state != C_FREE || l->nacc == BOOKS_ACCEPTED)	/* (full: not net's) */
		return 0;
	*s = (struct books_sock){ .state = C_CONNECTED };
	l->acc[l->nacc] = (uint8_t)e->result;
	l->acc_peer[l->nacc++] = (struct net_addr){ e->addr, e->port };
	return 1;
}

uint32_t books_held(const struct books *k)
{
	uint32_t m = 0;

	for (unsigned i = 0; i < SOCK_MAX; i++)
		if (k->s[i].state == C_GONE)
			m |= 1u << i;
	return m;
}

/* RESTARTED, ENDED: what died with the old net (books.h). */
static void sockets_gone(struct books *k)
{
	for (unsigned i = 0; i < SOCK_MAX; i++) {
		struct books_sock *l = &k->s[i];
		if (l->state != C_LISTEN)
			continue;
		for (unsigned j = 0; j < l->nacc; j++)
			k->s[l->acc[j]].state = C_FREE;	/* never handed out: freed below */
		l->nacc = 0;
	}
	for (unsigned i = 0; i < SOCK_MAX; i++) {
		struct books_sock *s = &k->s[i];
		switch (s->state) {
		case C_FREE:
		case C_CLOSING:
			*s = (struct books_sock){ 0 };
			continue;
		case C_CONNECTING:
		case C_CONNECTED:
			s->err = NET_ECONNRESET;
			break;
		case C_RESET:
		case C_GONE:
			break;			/* its error stands */
		default:
			s->err = NET_ENETDOWN;
		}
		if (s->state != C_GONE)
			s->was = s->state;
		s->state = C_GONE;
		s->rx = s->tx = 0;
	}
	for (unsigned i = 0; i < k->nbuf; i++)
		if (k->b[i].state != B_FULL || k->s[k->b[i].sock].state == C_FREE)
			k->b[i] = (struct books_buf){ 0 };
}

int books_event(struct books *k, const struct sock_ev *e, struct net_lib_stats *st)
{
	int ok = 0;

	st->events++;
	switch (e->kind) {
	case SOCK_DONE:
		ok = ev_done(k, e, st);
		break;
	case SOCK_DATA:
		ok = ev_data(k, e);
		break;
	case SOCK_ACCEPTED:
		ok = ev_accepted(k, e);
		break;
	case SOCK_CONNECTED:
		if ((ok = e->socket < SOCK_MAX && k->s[e->socket].state == C_CONNECTING))
			k->s[e->socket].state = C_CONNECTED;
		break;
	case SOCK_RESTARTED:
		sockets_gone(k);
		k->restarted = 1;
		k->restarts++;
		ok = 1;
		break;
	case SOCK_ENDED:
		sockets_gone(k);
		k->ended = 1;
		ok = 1;
		break;
	case SOCK_RESET:
		if ((ok = e->socket < SOCK_MAX && (k->s[e->socket].state == C_CONNECTING ||
						   k->s[e->socket].state == C_CONNECTED) && e->result < 0)) {
			k->s[e->socket].state = C_RESET;
			k->s[e->socket].err = e->result;
		}
		break;
	}
	if (!ok)
		st->stray++;
	return ok;
}
