/*
 * rtos_port: ports for RTOS programs (cairn/rtos.h "ports", docs/rtos.md "Ports"): the
 * rtos component's ends of the [[port]]s of tests/qemu/systems/rtos_port.toml, whose
 * other ends are tests/components/rtos_portpeer's (rp.h: the commands). One TEST line
 * per group (ids rp.*):
 *
 *   rp.1  port_open: no such port (ENOENT), names empty, too long or unterminated
 *         (EINVAL), bad pointers (EFAULT), the socket link's names (EACCES), a port held
 *         already (EBUSY)
 *   rp.2  sync pair (rp_req, rp_resp): 100 round trips in order, then 8 commands in
 *         flight and their 8 answers in order
 *   rp.3  async pair (rp_aout, rp_ain): 5 rounds of 4 slots out until EAGAIN (full),
 *         back in order, then EAGAIN (empty)
 *   rp.4  a send of 5 bytes is zero-padded to the slot; a receive into 8 bytes of a
 *         32-byte slot returns 32 and writes 8
 *   rp.5  bad calls: EBADF (the wrong end, 0, forged generations and kinds, a timer),
 *         EINVAL (len 0, cap 0), EMSGSIZE (33, 5,000), EFAULT (nothing consumed),
 *         use after close
 *   rp.6  an event set woken by the peer's send on a sync port (EVT_PORT_READ), and a
 *         producer end with room (EVT_PORT_WRITE); flags refused; before the peer's
 *         delay has passed, event_check sees nothing
 *   rp.7  an event set woken by the peer's send on an async port (S_0 looks every 1 ms)
 *   rp.8  port_recv_wait: EAGAIN after its timeout, a slot when one comes
 *   rp.9  another process (rtos_portchild): its handles EBADF here and ours there, a
 *         port it holds EBUSY; freed when it ends
 *   rp.10 a peer that breaks the ring: EIO (the event reports it), then a ring made
 *         anew: ESTALE once, then its slot
 *   rp.11 a peer that scribbles both hostile rings at random: every answer one of the
 *         calls' own, nothing written outside the buffers; the rings put back in order
 *         work again, and the rtos serves on
 *   rp.12 nothing leaks: no port held, the watches back
 *   rp.13 the gates called directly with what librtos never passes: lengths past the
 *         slot and the msg (EMSGSIZE), 0 (EINVAL), an unterminated name (EINVAL), a
 *         handle past the red tape's ports (EBADF); a receive writes the slot, no more
 * On a system of two cores (test rtos_port_cores) a thread on core 1 runs them all, while
 * S_0 and the peer run on core 0: the peer's wake-ups reach S_0 there, which wakes the
 * waiter on core 1.
 */
#include <cairn/cairn.h>
#include <cairn/gate.h>
#include <cairn/rtos.h>
#include "../../components/rtos_portpeer/rp.h"

#define KERNEL ((void *)0xffff800000001000UL)

static port_t req, resp, aout, ain, hin, hout;
static uint64_t seq;

static uint64_t now_us(void)
{
	struct time t;

	time_current(&t);
	return t.sec * 1000000 + t.usec;
}

/* Command op with argument arg; 0 or the send's error. */
static long command(unsigned op, uint64_t arg)
{
	struct rp_msg m = { { op, arg, ++seq, 0 } };

	return port_send(req, &m, sizeof m);
}

/* The next answer (waiting up to a second): the slot size or the error. */
static long answer(struct rp_msg *a)
{
	return port_recv_wait(resp, a, sizeof *a, 1000000);
}

/* op with arg, and its answer (which must name op): w[1] of it, or -1. */
static int64_t ask(unsigned op, uint64_t arg, struct rp_msg *a)
{
	struct rp_msg m;

	if (!a)
		a = &m;
	if (command(op, arg) || answer(a) != sizeof *a || a->w[0] != op || a->w[2] != seq)
		return -1;
	return (int64_t)a->w[1];
}

static void open_errors(void)
{
	long none = port_open("rp_nope"), empty = port_open(""), name24 = port_open("rp_abcdefghijklmnopqrstu");
	long name40 = port_open("rp_abcdefghijklmnopqrstuvwxyz0123456789ab");
	long null = port_open(0), kern = port_open(KERNEL), link = port_open("sock0_cmd"), ev = port_open("sock1_ev");
	long again = port_open("rp_req");
	cairn_check("rp.1", "open_errors", none == ENOENT && empty == EINVAL && name24 == EINVAL && name40 == EINVAL &&
		    null == EFAULT && kern == EFAULT && link == EACCES && ev == EACCES && again == EBUSY,
		    "%ld %ld %ld %ld %ld %ld %ld %ld %ld", none, empty, name24, name40, null, kern, link, ev, again);
}

static void sync_pair(void)
{
	unsigned ok = 0, inflight = 0;
	struct rp_msg a;

	for (uint64_t i = 0; i < 100; i++)
		ok += ask(RP_ECHO, i * 7, 0) == (int64_t)(i * 7 + 1);
	uint64_t first = seq + 1;
	for (uint64_t i = 0; i < 8; i++)
		inflight += command(RP_ECHO, 1000 + i) == 0;
	for (uint64_t i = 0; i < 8; i++)
		inflight += answer(&a) == sizeof a && a.w[1] == 1000 + i + 1 && a.w[2] == first + i;
	cairn_check("rp.2", "sync_round_trips", ok == 100 && inflight == 16, "%u of 100 in order, %u of 16", ok, inflight);
}

static void async_pair(void)
{
	unsigned ok = 0, full = 0, empty = 0;
	uint64_t m[2];

	for (uint64_t round = 0; round < 5; round++) {
		for (uint64_t i = 0; i < 4; i++) {
			m[0] = round * 10 + i;
			m[1] = ~m[0];
			ok += port_send(aout, m, sizeof m) == 0;
		}
		full += port_send(aout, m, sizeof m) == EAGAIN;
		ok += ask(RP_AECHO, 4, 0) == 4;
		for (uint64_t i = 0; i < 4; i++)
			ok += port_recv(ain, m, sizeof m) == 16 && m[0] == round * 10 + i + RP_A_PLUS && m[1] == ~(round * 10 + i);
		empty += port_recv(ain, m, sizeof m) == EAGAIN;
	}
	cairn_check("rp.3", "async_round_trips", ok == 45 && full == 5 && empty == 5, "%u of 45, %u full, %u empty", ok,
		    full, empty);
}

static void padding(void)
{
	uint8_t five[5] = { RP_RAW, 'a', 'b', 'c', 'd' }, raw[32], zeros = 1;
	struct { uint64_t lo; uint8_t b[8]; uint64_t hi; } g = { 0x5a5a5a5a5a5a5a5aUL, { 0 }, 0x5a5a5a5a5a5a5a5aUL };

	long s = port_send(req, five, sizeof five), r = port_recv_wait(resp, raw, sizeof raw, 1000000);
	for (unsigned i = 5; i < 32; i++)
		zeros &= raw[i] == 0;
	long e = ask(RP_ECHO, 41, 0) == 42 ? 0 : -1;	/* an answer to cut short: */
	long s2 = command(RP_ECHO, 99);
	long t = port_recv_wait(resp, g.b, sizeof g.b, 1000000);
	uint64_t op;
	__builtin_memcpy(&op, g.b, sizeof op);
	cairn_check("rp.4", "pad_and_truncate", s == 0 && r == 32 && !__builtin_memcmp(raw, five, 5) && zeros && e == 0 &&
		    s2 == 0 && t == 32 && op == RP_ECHO && g.lo == 0x5a5a5a5a5a5a5a5aUL &&
		    g.hi == 0x5a5a5a5a5a5a5a5aUL, "send %ld recv %ld zeros %u; %ld %ld short %ld", s, r, zeros, e, s2, t);
}

/* Waits until the set reports an event (the peer runs only while the RTOS idles): src's type. */
static size_t one_event(event_t e, size_t src)
{
	struct event_info ev[2];
	int n = event_wait(e, ev, 2);

	return n == 1 && ev[0].event_src_id == src ? ev[0].event_type : EVT_NONE;
}

static void bad_calls(void)
{
	char b[64] = { 0 };
	struct rp_msg a;
	timer_t tm = timer_create();
	long w1 = port_send(resp, b, 8), w2 = port_recv(req, b, 32), z1 = port_send(0, b, 8), z2 = port_recv(0, b, 32);
	long f1 = port_send(req + 0x10000, b, 8), f2 = port_recv(resp ^ 0x10000, b, 32);
	long k1 = port_send((req & 0xffffffff) | (uint64_t)RTOS_K_SOCK << 32, b, 8), k2 = port_send(tm, b, 8);
	long o1 = port_send((req & ~0xffffUL) | 13, b, 8);	/* one past the red tape's ports */
	long l0 = port_send(req, b, 0), c0 = port_recv(resp, b, 0), big = port_send(req, b, 33);
	long huge = port_send(req, b, 5000), fs = port_send(req, KERNEL, 8);
	event_t e = event_create(1);
	event_add(e, resp, 0);
	long q = command(RP_ECHO, 5);
	size_t ready = one_event(e, resp);
	long fr = port_recv(resp, KERNEL, 32), good = port_recv(resp, &a, sizeof a);
	event_delete(e);
	timer_free(tm);
	long h = port_open("rp_child");
	long cl = port_close(h), us = port_send(h, b, 8), ur = port_recv(h, b, 8), uc = port_close(h);
	long again = port_open("rp_child"), cl2 = port_close(again);
	cairn_check("rp.5", "bad_calls", w1 == EBADF && w2 == EBADF && z1 == EBADF && z2 == EBADF && f1 == EBADF &&
		    f2 == EBADF && k1 == EBADF && k2 == EBADF && o1 == EBADF && l0 == EINVAL && c0 == EINVAL &&
		    big == EMSGSIZE && huge == EMSGSIZE && fs == EFAULT && q == 0 && ready == EVT_PORT_READ &&
		    fr == EFAULT && good == 32 && a.w[1] == 6 && h > 0 && cl == 0 && us == EBADF && ur == EBADF &&
		    uc == EBADF && again > 0 && cl2 == 0,
		    "%ld %ld %ld %ld %ld %ld %ld %ld %ld | %ld %ld %ld %ld %ld | %ld %zu %ld %ld | %ld %ld %ld %ld %ld %ld",
		    w1, w2, z1, z2, f1, f2, k1, k2, o1, l0, c0, big, huge, fs, q, ready, fr, good, h, cl, us, ur, uc,
		    again);
}

#define DELAY_MS 5	/* rp.6: the peer's wait before it answers */

static void sync_event(void)
{
	struct event_info ev[4];
	struct rp_msg a;
	event_t e = event_create(4), w = event_create(1);
	long fl = event_add(e, resp, 1), add = event_add(e, resp, 0), addw = event_add(w, req, 0);
	int before = event_check(e, ev, 4);
	uint64_t sent = now_us();
	long c = command(RP_DELAY, DELAY_MS);
	int mid = event_check(e, ev, 4);
	/* The answer cannot have come before DELAY_MS from here; later it may have (a loaded
	 * host: the clock is the host's under TCG), and then mid may see it. */
	int late = now_us() - sent >= DELAY_MS * 1000;
	uint64_t t0 = now_us();
	int n = event_wait(e, ev, 4);
	uint64_t waited = now_us() - t0;
	size_t type = n == 1 && ev[0].event_src_id == resp ? ev[0].event_type : EVT_NONE;
	long r = port_recv(resp, &a, sizeof a);
	int nw = event_check(w, ev, 4);
	size_t wtype = nw == 1 && ev[0].event_src_id == req ? ev[0].event_type : EVT_NONE;
	event_delete(e);
	event_delete(w);
	cairn_report("rp.6", "event_sync", fl == EINVAL && add == 0 && addw == 0 && before == 0 && c == 0 &&
		     (mid == 0 || (late && mid == 1)) && type == EVT_PORT_READ && r == 32 && a.w[1] == 6 && nw == 1 &&
		     wtype == EVT_PORT_WRITE, "flags %ld; %d %d%s then %d (type %zu) after %lu us; recv %ld; producer %d "
		     "(type %zu)", fl, before, mid, late ? " (late)" : "", n, type, (unsigned long)waited, r, nw, wtype);
}

static void async_event(void)
{
	struct event_info ev[2];
	struct rp_msg a;
	uint64_t m[2] = { 77, ~77UL };
	event_t e = event_create(2);
	long add = event_add(e, ain, 0), s = port_send(aout, m, sizeof m), c = command(RP_ALATER, 5);
	uint64_t t0 = now_us();
	int n = event_wait(e, ev, 2);
	uint64_t waited = now_us() - t0;
	size_t type = n == 1 && ev[0].event_src_id == ain ? ev[0].event_type : EVT_NONE;
	long r = port_recv(ain, m, sizeof m), ans = answer(&a);
	event_delete(e);
	cairn_report("rp.7", "event_async", add == 0 && s == 0 && c == 0 && type == EVT_PORT_READ && r == 16 &&
		     m[0] == 77 + RP_A_PLUS && ans == 32 && a.w[1] == 1, "%d event (type %zu) after %lu us; recv %ld (%lu)",
		     n, type, (unsigned long)waited, r, (unsigned long)m[0]);
}

/*
 * The gates called directly, with what librtos never passes: lengths past the slot and
 * the msg, an unterminated name; a receive writes the slot's 32 bytes of the msg, no
 * more.
 */
static void raw_gates(void)
{
	struct rtos_tls *tls;
	unsigned beyond = 0;

	__asm__("mov %%fs:0, %0" : "=r"(tls));
#define G(n, a, b) cairn_sinv_inline(RTOS_GATE_BASE + RTOS_##n, a, b, 0, 0).r0
	long s1 = G(PORT_SEND, req, ~0UL), s2 = G(PORT_SEND, req, RTOS_MSG_BYTES + 1), s3 = G(PORT_SEND, req, 0);
	long s4 = G(PORT_SEND, req, 33), s5 = G(PORT_SEND, resp, 1);
	__builtin_memset(tls->msg, 'x', RTOS_NAME_MAX + 8);
	long o1 = G(PORT_OPEN, 0, 0);
	__builtin_memcpy(tls->msg, "rp_child", 9);
	long o2 = G(PORT_OPEN, 0, 0), c2 = port_close(o2);
	event_t e = event_create(1);
	event_add(e, resp, 0);
	long q = command(RP_ECHO, 20);
	size_t ready = one_event(e, resp);
	event_delete(e);
	__builtin_memset(tls->msg, 0xee, RTOS_MSG_BYTES);
	long r1 = G(PORT_RECV, resp, ~0UL);
	uint64_t w1;
	__builtin_memcpy(&w1, tls->msg + 8, sizeof w1);
	for (unsigned i = 32; i < RTOS_MSG_BYTES; i++)
		beyond += (uint8_t)tls->msg[i] != 0xee;
	long r2 = G(PORT_RECV, req, 0), cl = G(PORT_CLOSE, RTOS_HANDLE(RTOS_K_PORT, 0, CAIRN_ROOT_PORTS), 0);
#undef G
	cairn_check("rp.13", "raw_gates", s1 == EMSGSIZE && s2 == EMSGSIZE && s3 == EINVAL && s4 == EMSGSIZE &&
		    s5 == EBADF && o1 == EINVAL && o2 > 0 && c2 == 0 && q == 0 && ready == EVT_PORT_READ && r1 == 32 &&
		    w1 == 21 && !beyond && r2 == EBADF && cl == EBADF,
		    "send %ld %ld %ld %ld %ld open %ld %ld %ld; %ld %zu recv %ld (%lu, %u beyond) %ld close %ld", s1, s2,
		    s3, s4, s5, o1, o2, c2, q, ready, r1, (unsigned long)w1, beyond, r2, cl);
}

static long watches0;

static void recv_wait(void)
{
	struct rp_msg a;
	uint64_t t0 = now_us();
	long none = port_recv_wait(resp, &a, sizeof a, 20000);
	uint64_t waited = now_us() - t0;
	long zero = port_recv_wait(resp, &a, sizeof a, 0);
	long c = command(RP_ECHO, 8), got = port_recv_wait(resp, &a, sizeof a, PORT_WAIT_FOREVER);
	long watches = rtos_stats(RTOS_STAT_WATCHES);
	cairn_report("rp.8", "recv_wait", none == EAGAIN && waited >= 20000 && zero == EAGAIN && c == 0 && got == 32 &&
		     a.w[1] == 9 && watches == watches0, "%ld after %lu us; %ld; %ld (%lu); %ld watches", none,
		     (unsigned long)waited, zero, got, (unsigned long)a.w[1], watches);
}

static void other_process(void)
{
	chan_t down = channel_create(sizeof(uint64_t), 4, "rp_down", CHAN_SPSC);
	chan_t up = channel_create(sizeof(uint64_t), 4, "rp_up", CHAN_SPSC);
	chan_s_t out = channel_get_send(down);
	chan_r_t in = channel_get_recv(up);
	proc_t pid = process_create_fs("/bin/rtos_portchild", 0, 0, 0, 0, 0);
	uint64_t word = 0, h[2] = { req, resp };
	int status;

	channel_send(out, &h[0], sizeof h[0], CHAN_BLOCK);
	channel_send(out, &h[1], sizeof h[1], CHAN_BLOCK);
	channel_recv(in, &word, sizeof word, CHAN_BLOCK);
	long busy = port_open("rp_child"), mine = rtos_stats(RTOS_STAT_PORTS);
	channel_send(out, &word, sizeof word, CHAN_BLOCK);
	while ((status = process_get_exit_status(pid)) == EAGAIN)
		thread_yield();
	long freed = port_open("rp_child"), cl = port_close(freed);
	long still = ask(RP_ECHO, 1, 0);	/* the child's tries changed nothing of ours */
	channel_destroy(down);
	channel_destroy(up);
	cairn_check("rp.9", "other_process", pid && word == 0x7f && busy == EBUSY && mine == 6 && status == 7 &&
		    freed > 0 && cl == 0 && still == 2, "child saw %#lx, EBUSY %ld, ours %ld, status %d, then %ld %ld %ld",
		    (unsigned long)word, busy, mine, status, freed, cl, (long)still);
}

static void broken_ring(void)
{
	struct event_info ev[2];
	uint64_t m[2] = { 0, 0 };
	event_t e = event_create(1);
	event_add(e, hin, 0);
	int quiet = event_check(e, ev, 2);
	long eio_ask = ask(RP_EIO, 0, 0), eio = port_recv(hin, m, sizeof m);
	int n = event_check(e, ev, 2);
	size_t type = n == 1 ? ev[0].event_type : EVT_NONE;
	struct rp_msg a;
	long st_ask = ask(RP_STALE, 0, &a), stale = port_recv(hin, m, sizeof m), got = port_recv(hin, m, sizeof m);
	uint64_t w0 = m[0];
	long empty = port_recv(hin, m, sizeof m);
	event_delete(e);
	cairn_check("rp.10", "eio_estale", quiet == 0 && eio_ask == 0 && eio == EIO && type == EVT_PORT_READ &&
		    st_ask == 0 && a.w[3] == 0 && stale == ESTALE && got == 16 && w0 == RP_GOOD && empty == EAGAIN,
		    "%d; %ld %ld (event %zu); %ld (%ld) %ld %ld %#lx %ld", quiet, eio_ask, eio, type, st_ask,
		    (long)a.w[3], stale, got, (unsigned long)w0, empty);
}

static int known(long r, long ok)
{
	return r == ok || r == EAGAIN || r == EIO || r == ESTALE;
}

static void scribbled(void)
{
	struct { uint64_t lo[2]; uint64_t m[2]; uint64_t hi[2]; } g;
	unsigned odd = 0, smashed = 0, asked = 0, seen[4] = { 0 };
	long mine0 = rtos_stats(RTOS_STAT_PORTS);

	for (unsigned round = 0; round < 300; round++) {
		asked += ask(RP_SCRIBBLE, 8, 0) == 0;
		for (unsigned k = 0; k < 3; k++) {
			g = (typeof(g)){ { 0xa5a5a5a5a5a5a5a5UL, 0xa5a5a5a5a5a5a5a5UL }, { round, k },
					 { 0xa5a5a5a5a5a5a5a5UL, 0xa5a5a5a5a5a5a5a5UL } };
			long r = port_recv(hin, g.m, sizeof g.m), s = port_send(hout, g.m, sizeof g.m);
			odd += !known(r, 16) + !known(s, 0);
			smashed += g.lo[0] != 0xa5a5a5a5a5a5a5a5UL || g.lo[1] != 0xa5a5a5a5a5a5a5a5UL ||
				   g.hi[0] != 0xa5a5a5a5a5a5a5a5UL || g.hi[1] != 0xa5a5a5a5a5a5a5a5UL;
			seen[0] += r == 16 || s == 0, seen[1] += r == EAGAIN || s == EAGAIN;
			seen[2] += r == EIO || s == EIO, seen[3] += r == ESTALE || s == ESTALE;
		}
	}
	struct rp_msg a;
	uint64_t m[2] = { 0, 0 };
	long sane = ask(RP_SANE, 0, &a), got = EAGAIN;
	for (unsigned k = 0; k < 3 && got != 16; k++)
		got = port_recv(hin, m, sizeof m);
	uint64_t w0 = m[0];
	long sent = EAGAIN;
	m[0] = 0xfeed;
	for (unsigned k = 0; k < 3 && sent != 0; k++)
		sent = port_send(hout, m, sizeof m);
	long took = ask(RP_TAKE, 0, &a);
	long still = ask(RP_ECHO, 3, 0);
	cairn_report("rp.11", "scribbled", asked == 300 && !odd && !smashed && sane == 0 && got == 16 && w0 == RP_GOOD &&
		     sent == 0 && took == 0xfeed && a.w[3] == 0 && still == 4 && rtos_stats(RTOS_STAT_PORTS) == mine0,
		     "%u rounds; %u odd, %u smashed; slots %u, EAGAIN %u, EIO %u, ESTALE %u; then %ld %ld %#lx %ld %#lx %ld",
		     asked, odd, smashed, seen[0], seen[1], seen[2], seen[3], sane, got, (unsigned long)w0, sent,
		     (unsigned long)took, (long)still);
}

/* Every group in order; on a system of two cores, in a thread on core 1. */
static void run_all(void)
{
	req = port_open("rp_req");
	resp = port_open("rp_resp");
	aout = port_open("rp_aout");
	ain = port_open("rp_ain");
	hin = port_open("rp_hin");
	hout = port_open("rp_hout");
	if ((long)req <= 0 || (long)resp <= 0 || (long)aout <= 0 || (long)ain <= 0 || (long)hin <= 0 || (long)hout <= 0) {
		cairn_printf("rtos_port: cannot open the ports: %ld %ld %ld %ld %ld %ld\n", (long)req, (long)resp,
			     (long)aout, (long)ain, (long)hin, (long)hout);
		return;
	}
	open_errors();
	sync_pair();
	async_pair();
	padding();
	bad_calls();
	raw_gates();
	sync_event();
	async_event();
	recv_wait();
	other_process();
	broken_ring();
	scribbled();
	command(RP_QUIT, 0);
	long c = port_close(req) | port_close(resp) | port_close(aout) | port_close(ain) | port_close(hin) |
		 port_close(hout);
	cairn_check("rp.12", "no_leak", c == 0 && rtos_stats(RTOS_STAT_PORTS) == 0 &&
		    rtos_stats(RTOS_STAT_WATCHES) == watches0, "closes %ld, %ld ports, %ld watches (%ld before)", c,
		    rtos_stats(RTOS_STAT_PORTS), rtos_stats(RTOS_STAT_WATCHES), watches0);
}

int main(void)
{
	static const sched_param_t on1[1] = { { SCHEDP_CORE_ID, 1 } };
	struct time nap;

	watches0 = rtos_stats(RTOS_STAT_WATCHES);
	thread_t t = thread_create(run_all, on1, 1, 0);	/* 0 on a system of one core */
	if (!t) {
		run_all();
		return 0;
	}
	timer_t tm = timer_create();	/* (a timer, not an event set: no watch for rp.12 to count) */
	time_create(&nap, 0, 10000);
	while (thread_get_exit_status(t) == EAGAIN) {
		timer_start(tm, &nap);
		timer_wait(tm);
	}
	timer_free(tm);
	cairn_printf("rtos_port: ran on core 1\n");
	return 0;
}
