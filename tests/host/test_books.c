/*
 * test_books.c: the socket link's pure parts: sock_cmd_check (cairn/sock.h), net's
 * first step on every command a client writes (each field at and past its bound, an
 * offset + len past 2^64), and libnet's books (lib/libnet/books.c): buffers taken and
 * freed, and every event from a hostile net checked against the books before it
 * changes anything (a buffer not lent, lent to another socket or in another state, a
 * wrong offset, a length past the buffer, sockets out of range or in the wrong state,
 * a backlog overrun, an unknown kind): stray, and nothing moved.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "../../lib/libnet/books.h"

#define REGION (256u * 1024)

static struct books k;
static struct net_lib_stats st;

static long chk(struct sock_cmd c)
{
	return sock_cmd_check(&c, REGION);
}

static void test_cmd_check(void **state)
{
	(void)state;
	assert_int_equal(chk((struct sock_cmd){ .op = 0 }), CAIRN_EINVAL);
	assert_int_equal(chk((struct sock_cmd){ .op = SOCK_BYE + 1 }), CAIRN_EINVAL);
	assert_int_equal(chk((struct sock_cmd){ .op = SOCK_BYE, .socket = 0xffffffffu }), 0);	/* no socket */
	assert_int_equal(chk((struct sock_cmd){ .op = SOCK_BYE, .offset = ~0ull, .len = 0xffffffffu }), 0);
	assert_int_equal(chk((struct sock_cmd){ .op = SOCK_HELLO, .arg = SOCK_ALL }), 0);
	assert_int_equal(chk((struct sock_cmd){ .op = SOCK_HELLO, .arg = 1u << (SOCK_MAX - 1) }), 0);
	assert_int_equal(chk((struct sock_cmd){ .op = SOCK_HELLO, .arg = 1u << SOCK_MAX }), CAIRN_EINVAL);
	assert_int_equal(chk((struct sock_cmd){ .op = SOCK_HELLO, .arg = 0xffffffffu }), CAIRN_EINVAL);
	assert_int_equal(chk((struct sock_cmd){ .op = 0xffff }), CAIRN_EINVAL);
	assert_int_equal(chk((struct sock_cmd){ .op = SOCK_HELLO, .socket = 0xffffffffu }), 0);
	assert_int_equal(chk((struct sock_cmd){ .op = SOCK_OPEN, .socket = 99, .arg = SOCK_UDP }), 0);
	assert_int_equal(chk((struct sock_cmd){ .op = SOCK_OPEN, .arg = 0 }), CAIRN_EINVAL);
	assert_int_equal(chk((struct sock_cmd){ .op = SOCK_OPEN, .arg = 3 }), CAIRN_EINVAL);
	assert_int_equal(chk((struct sock_cmd){ .op = SOCK_CLOSE, .socket = SOCK_MAX - 1 }), 0);
	assert_int_equal(chk((struct sock_cmd){ .op = SOCK_CLOSE, .socket = SOCK_MAX }), CAIRN_EBADF);
	assert_int_equal(chk((struct sock_cmd){ .op = SOCK_LISTEN, .arg = 0 }), CAIRN_EINVAL);
	assert_int_equal(chk((struct sock_cmd){ .op = SOCK_LISTEN, .arg = 1 }), 0);
	assert_int_equal(chk((struct sock_cmd){ .op = SOCK_LISTEN, .arg = SOCK_BACKLOG_MAX }), 0);
	assert_int_equal(chk((struct sock_cmd){ .op = SOCK_LISTEN, .arg = SOCK_BACKLOG_MAX + 1 }), CAIRN_EINVAL);
	for (unsigned op = SOCK_SEND; op <= SOCK_RECV_BUF; op++) {
		assert_int_equal(chk((struct sock_cmd){ .op = op, .offset = 0, .len = REGION }), 0);
		assert_int_equal(chk((struct sock_cmd){ .op = op, .offset = REGION - 1, .len = 1 }), 0);
		assert_int_equal(chk((struct sock_cmd){ .op = op, .offset = REGION, .len = 1 }), CAIRN_EFAULT);
		assert_int_equal(chk((struct sock_cmd){ .op = op, .offset = 1, .len = REGION }), CAIRN_EFAULT);
		assert_int_equal(chk((struct sock_cmd){ .op = op, .offset = 0, .len = 0 }), CAIRN_EFAULT);
		assert_int_equal(chk((struct sock_cmd){ .op = op, .offset = ~0ull - 10, .len = 100 }), CAIRN_EFAULT);
		assert_int_equal(chk((struct sock_cmd){ .op = op, .offset = 0, .len = 0xffffffffu }), CAIRN_EFAULT);
		assert_int_equal(sock_cmd_check(&(struct sock_cmd){ .op = op, .len = SOCK_LEN_MAX + 1u }, ~0ull), CAIRN_EFAULT);
		assert_int_equal(chk((struct sock_cmd){ .op = op, .socket = SOCK_MAX, .len = 1 }), CAIRN_EBADF);
	}
}

static int setup(void **state)
{
	(void)state;
	books_init(&k, REGION);
	memset(&st, 0, sizeof st);
	return 0;
}

static void test_take(void **state)
{
	(void)state;
	assert_int_equal(k.nbuf, BOOKS_BUFS);
	for (int i = 0; i < BOOKS_BUFS; i++)
		assert_int_equal(books_take(&k, 1, B_RX), i);
	assert_int_equal(books_take(&k, 1, B_RX), -1);
	books_free(&k, 7);
	assert_int_equal(books_take(&k, 2, B_TX), 7);
	assert_int_equal(k.b[7].sock, 2);
	books_init(&k, 3 * NET_BUF + 5);
	assert_int_equal(k.nbuf, 3);
	books_init(&k, NET_BUF - 1);
	assert_int_equal(books_take(&k, 0, B_RX), -1);
}

static struct sock_ev ev(uint16_t kind, uint32_t socket, uint32_t id, int32_t result, uint32_t len)
{
	return (struct sock_ev){ .kind = kind, .socket = socket, .id = id, .result = result,
				 .offset = (uint64_t)id * NET_BUF, .len = len };
}

static int apply(struct sock_ev e)
{
	return books_event(&k, &e, &st);
}

static void test_data(void **state)
{
	(void)state;
	k.s[1].state = C_UDP;
	int b = books_take(&k, 1, B_RX);
	k.s[1].rx = 1;
	struct sock_ev e = ev(SOCK_DATA, 1, (uint32_t)b, 0, 10);
	e.offset += 1;
	assert_int_equal(apply(e), 0);				/* a wrong offset */
	assert_int_equal(apply(ev(SOCK_DATA, 2, (uint32_t)b, 0, 10)), 0);	/* another socket's */
	assert_int_equal(apply(ev(SOCK_DATA, SOCK_MAX, (uint32_t)b, 0, 10)), 0);
	assert_int_equal(apply(ev(SOCK_DATA, 1, BOOKS_BUFS, 0, 10)), 0);	/* past the books */
	assert_int_equal(apply(ev(SOCK_DATA, 1, (uint32_t)b + 1, 0, 10)), 0);	/* not lent */
	assert_int_equal(apply(ev(SOCK_DATA, 1, (uint32_t)b, 0, NET_BUF + 1)), 0);
	assert_int_equal(st.stray, 6);
	assert_int_equal(k.b[b].state, B_RX);
	assert_int_equal(apply(ev(SOCK_DATA, 1, (uint32_t)b, 0, NET_BUF)), 1);
	assert_int_equal(k.b[b].state, B_FULL);
	assert_int_equal(k.s[1].nfull, 1);
	assert_int_equal(k.s[1].rx, 0);
	assert_int_equal(apply(ev(SOCK_DATA, 1, (uint32_t)b, 0, 1)), 0);	/* twice */
	books_consume(&k, 1);
	assert_int_equal(k.b[b].state, B_FREE);
	assert_int_equal(k.s[1].nfull, 0);
	/* TCP: len 0 is the end, the buffer ours again */
	k.s[2].state = C_CONNECTED;
	b = books_take(&k, 2, B_RX);
	k.s[2].rx = 1;
	assert_int_equal(apply(ev(SOCK_DATA, 2, (uint32_t)b, 0, 0)), 1);
	assert_int_equal(k.s[2].eof, 1);
	assert_int_equal(k.b[b].state, B_FREE);
}

static void test_done(void **state)
{
	(void)state;
	k.s[3].state = C_CONNECTED;
	int t = books_take(&k, 3, B_TX), r = books_take(&k, 3, B_RX);
	k.s[3].tx = k.s[3].rx = 1;
	assert_int_equal(apply(ev(SOCK_DONE, 4, (uint32_t)t, 5, 5)), 0);
	assert_int_equal(apply(ev(SOCK_DONE, 3, (uint32_t)t, 5, 5)), 1);
	assert_int_equal(k.b[t].state, B_FREE);
	assert_int_equal(k.s[3].tx, 0);
	assert_int_equal(apply(ev(SOCK_DONE, 3, (uint32_t)t, 5, 5)), 0);	/* twice */
	assert_int_equal(apply(ev(SOCK_DONE, 3, (uint32_t)r, SOCK_ECONNRESET, 0)), 1);
	assert_int_equal(st.refused, 1);
	assert_int_equal(k.s[3].rx, 0);
	/* control commands: only the one waited for, once */
	k.want = BOOKS_CTRL | 5;
	assert_int_equal(apply(ev(SOCK_DONE, 0, BOOKS_CTRL | 6, 0, 0)), 0);
	assert_int_equal(k.got, 0);
	assert_int_equal(apply(ev(SOCK_DONE, 0, BOOKS_CTRL | 5, 7, 0)), 1);
	assert_int_equal(k.got, 1);
	assert_int_equal(k.result, 7);
	assert_int_equal(apply(ev(SOCK_DONE, 0, BOOKS_CTRL | 5, 8, 0)), 0);
	assert_int_equal(k.result, 7);
	/* a CLOSE's DONE frees its socket */
	k.s[3] = (struct books_sock){ .state = C_CLOSING, .close_id = BOOKS_CTRL | 9 };
	assert_int_equal(apply(ev(SOCK_DONE, 4, BOOKS_CTRL | 9, 0, 0)), 0);
	assert_int_equal(apply(ev(SOCK_DONE, 3, BOOKS_CTRL | 9, 0, 0)), 1);
	assert_int_equal(k.s[3].state, C_FREE);
}

static void test_accepted(void **state)
{
	(void)state;
	k.s[0].state = C_LISTEN;
	k.s[5].state = C_UDP;
	assert_int_equal(apply(ev(SOCK_ACCEPTED, 1, 0, 2, 0)), 0);		/* not a listener */
	assert_int_equal(apply(ev(SOCK_ACCEPTED, SOCK_MAX, 0, 2, 0)), 0);
	assert_int_equal(apply(ev(SOCK_ACCEPTED, 0, 0, SOCK_MAX, 0)), 0);
	assert_int_equal(apply(ev(SOCK_ACCEPTED, 0, 0, -1, 0)), 0);
	assert_int_equal(apply(ev(SOCK_ACCEPTED, 0, 0, 5, 0)), 0);		/* a socket in use */
	assert_int_equal(apply(ev(SOCK_ACCEPTED, 0, 0, 0, 0)), 0);		/* itself */
	int n = 0, sock = 1;
	for (; n < BOOKS_ACCEPTED; sock++)	/* more than the backlog: net tells them all */
		if (sock != 5) {
			assert_int_equal(apply(ev(SOCK_ACCEPTED, 0, 0, sock, 0)), 1);
			n++;
		}
	assert_true(BOOKS_ACCEPTED > SOCK_BACKLOG_MAX);
	assert_int_equal(k.s[0].nacc, BOOKS_ACCEPTED);
	assert_int_equal(k.s[6].state, C_CONNECTED);
	assert_int_equal(apply(ev(SOCK_ACCEPTED, 0, 0, sock, 0)), 0);		/* more than a link's TCP sockets */
	assert_int_equal(k.s[sock].state, C_FREE);
}

static void test_connect_reset(void **state)
{
	(void)state;
	k.s[2].state = C_CONNECTING;
	k.s[3].state = C_CONNECTED;
	k.s[4].state = C_UDP;
	assert_int_equal(apply(ev(SOCK_CONNECTED, 3, 0, 0, 0)), 0);
	assert_int_equal(apply(ev(SOCK_CONNECTED, SOCK_MAX, 0, 0, 0)), 0);
	assert_int_equal(apply(ev(SOCK_CONNECTED, 2, 0, 0, 0)), 1);
	assert_int_equal(k.s[2].state, C_CONNECTED);
	assert_int_equal(apply(ev(SOCK_RESET, 4, 0, SOCK_ECONNRESET, 0)), 0);	/* UDP */
	assert_int_equal(apply(ev(SOCK_RESET, 3, 0, 0, 0)), 0);		/* no error */
	assert_int_equal(apply(ev(SOCK_RESET, 3, 0, SOCK_ECONNRESET, 0)), 1);
	assert_int_equal(k.s[3].state, C_RESET);
	assert_int_equal(k.s[3].err, SOCK_ECONNRESET);
	assert_int_equal(apply(ev(99, 3, 0, 0, 0)), 0);
	assert_int_equal(apply(ev(0, 3, 0, 0, 0)), 0);
	assert_int_equal(st.events, 8);
	assert_int_equal(st.stray, 6);
}

/* RESTARTED: every socket fails as books.h says, every buffer lent is ours again,
 * bytes received stay readable, and the numbers held are HELLO's mask. */
static void test_restarted(void **state)
{
	(void)state;
	k.s[0].state = C_LISTEN;
	k.s[1].state = C_UDP;
	k.s[2].state = C_CONNECTED;
	k.s[3] = (struct books_sock){ .state = C_CLOSING, .close_id = BOOKS_CTRL | 5 };
	k.s[4].state = C_TCP;
	k.s[5].state = C_CONNECTING;
	k.s[6] = (struct books_sock){ .state = C_RESET, .err = SOCK_ECONNREFUSED };
	assert_int_equal(apply(ev(SOCK_ACCEPTED, 0, 0, 7, 0)), 1);		/* accepted, not taken */
	int rx = books_take(&k, 1, B_RX), tx = books_take(&k, 2, B_TX), full = books_take(&k, 1, B_RX);
	int afull = books_take(&k, 7, B_RX);
	k.s[1].rx = 2;
	k.s[2].tx = 1;
	k.s[7].rx = 1;
	assert_int_equal(apply(ev(SOCK_DATA, 1, (uint32_t)full, 0, 10)), 1);
	assert_int_equal(apply(ev(SOCK_DATA, 7, (uint32_t)afull, 0, 5)), 1);
	assert_int_equal(books_held(&k), 0);

	assert_int_equal(apply((struct sock_ev){ .kind = SOCK_RESTARTED, .socket = 0xffffffffu }), 1);
	assert_int_equal(k.restarted, 1);
	assert_int_equal(k.restarts, 1);
	assert_int_equal(books_held(&k), 0x77);		/* 0, 1, 2, 4, 5, 6 */
	const struct { unsigned sock, was; int32_t err; } gone[] = {
		{ 0, C_LISTEN, NET_ENETDOWN }, { 1, C_UDP, NET_ENETDOWN }, { 2, C_CONNECTED, NET_ECONNRESET },
		{ 4, C_TCP, NET_ENETDOWN }, { 5, C_CONNECTING, NET_ECONNRESET }, { 6, C_RESET, SOCK_ECONNREFUSED },
	};
	for (unsigned i = 0; i < sizeof gone / sizeof gone[0]; i++) {
		struct books_sock *s = &k.s[gone[i].sock];
		assert_int_equal(s->state, C_GONE);
		assert_int_equal(s->was, gone[i].was);
		assert_int_equal(s->err, gone[i].err);
		assert_int_equal(s->rx + s->tx, 0);
	}
	assert_int_equal(k.s[0].nacc, 0);
	assert_int_equal(k.s[3].state, C_FREE);		/* closing: done with */
	assert_int_equal(k.s[7].state, C_FREE);		/* accepted and never taken: freed, its data too */
	assert_int_equal(k.b[rx].state, B_FREE);
	assert_int_equal(k.b[tx].state, B_FREE);
	assert_int_equal(k.b[afull].state, B_FREE);
	assert_int_equal(k.b[full].state, B_FULL);	/* what had arrived stays readable */
	assert_int_equal(k.s[1].nfull, 1);

	/* The old instance's answers for what it had are stray now. */
	assert_int_equal(apply(ev(SOCK_DATA, 1, (uint32_t)rx, 0, 10)), 0);
	assert_int_equal(apply(ev(SOCK_DONE, 2, (uint32_t)tx, 8, 8)), 0);
	assert_int_equal(apply(ev(SOCK_DONE, 3, BOOKS_CTRL | 5, 0, 0)), 0);
	assert_int_equal(apply(ev(SOCK_RESET, 2, 0, SOCK_ECONNRESET, 0)), 0);
	assert_int_equal(apply(ev(SOCK_CONNECTED, 5, 0, 0, 0)), 0);
	assert_int_equal(apply(ev(SOCK_ACCEPTED, 0, 0, 8, 0)), 0);

	/* A second restart: gone stays gone, with its first error and state. */
	k.restarted = 0;
	assert_int_equal(apply((struct sock_ev){ .kind = SOCK_RESTARTED }), 1);
	assert_int_equal(k.restarted, 1);
	assert_int_equal(k.restarts, 2);
	assert_int_equal(books_held(&k), 0x77);
	assert_int_equal(k.s[2].was, C_CONNECTED);
	assert_int_equal(k.s[2].err, NET_ECONNRESET);
	assert_int_equal(k.b[full].state, B_FULL);

	/* A held number is let go by its CLOSE's DONE, as any. */
	k.s[1].state = C_CLOSING;
	k.s[1].close_id = BOOKS_CTRL | 77;
	assert_int_equal(apply(ev(SOCK_DONE, 1, BOOKS_CTRL | 77, 0, 0)), 1);
	assert_int_equal(books_held(&k), 0x75);
}

/* ENDED: every socket fails as after a restart, but no HELLO is owed: k->ended. */
static void test_ended(void **state)
{
	(void)state;
	k.s[1].state = C_UDP;
	k.s[2].state = C_CONNECTED;
	int rx = books_take(&k, 1, B_RX);
	k.s[1].rx = 1;
	assert_int_equal(apply((struct sock_ev){ .kind = SOCK_ENDED }), 1);
	assert_int_equal(k.ended, 1);
	assert_int_equal(k.restarted, 0);
	assert_int_equal(k.restarts, 0);
	assert_int_equal(k.s[1].state, C_GONE);
	assert_int_equal(k.s[1].err, NET_ENETDOWN);
	assert_int_equal(k.s[2].state, C_GONE);
	assert_int_equal(k.s[2].err, NET_ECONNRESET);
	assert_int_equal(k.b[rx].state, B_FREE);
	assert_int_equal(apply(ev(SOCK_DATA, 1, (uint32_t)rx, 0, 10)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cmd_check),
		cmocka_unit_test_setup(test_take, setup),
		cmocka_unit_test_setup(test_data, setup),
		cmocka_unit_test_setup(test_done, setup),
		cmocka_unit_test_setup(test_accepted, setup),
		cmocka_unit_test_setup(test_connect_reset, setup),
		cmocka_unit_test_setup(test_restarted, setup),
		cmocka_unit_test_setup(test_ended, setup),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
