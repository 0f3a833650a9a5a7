/*
 * cross.c: channels, shared memory and events between two processes. rtos_chan starts
 * the peer (tests/rtos/rtos_chanpeer) and drives it over "rch.cmd" and "rch.rep"
 * (rch_proto.h): a 100,000-item stream from the peer, MPMC with a sender and a
 * receiver in each process, named and anonymous regions written by both, what the
 * peer may not do to rtos_chan's objects, an event_wait woken by the peer, and what
 * the peer's end leaves: its exit status, its channels and regions destroyed, its
 * ends closed, and the rtos component's counts back where they started.
 */
#include "rch.h"

#define ITEM      ((int)sizeof(struct rch_item))
#define MSG       ((int)sizeof(struct rch_msg))
#define REPLY_US  1000000
#define STREAM_US 120000000		/* virtual time the 100,000 items may take */
#define PAGE      4096UL
#define WORDS     (PAGE / 8)

static chan_t cmd_c, rep_c;
static chan_s_t cmd_s;
static chan_r_t rep_r;
static proc_t peer;
static int peer_up;

/* Sends the peer a command (op, a0, a1); 1 if it went. */
static int peer_cmd(uint64_t op, uint64_t a0, uint64_t a1)
{
	struct rch_msg m = { op, { a0, a1 } };

	return peer_up && channel_send(cmd_s, &m, MSG, 0) == MSG;
}

/* The peer's next reply into m, within us microseconds; 1 if it came and is op's. */
static int peer_reply(uint64_t op, struct rch_msg *m, uint64_t us)
{
	memset(m, 0, sizeof(*m));
	if (!peer_up)
		return 0;
	for (uint64_t waited = 0; waited <= us; waited += 100) {
		int r = channel_recv(rep_r, m, MSG, 0);
		if (r == MSG)
			return m->op == op;
		if (r != EAGAIN)
			return 0;
		rch_sleep(100);
	}
	return 0;
}

/* rch.x.1: the peer finds both control channels by name. */
static void start_peer(void)
{
	struct rch_msg m;

	cmd_c = channel_create(MSG, RCH_CTL_LEN, RCH_CMD_NAME, CHAN_SPSC);
	rep_c = channel_create(MSG, RCH_CTL_LEN, RCH_REP_NAME, CHAN_SPSC);
	cmd_s = cmd_c ? channel_get_send(cmd_c) : 0;
	rep_r = rep_c ? channel_get_recv(rep_c) : 0;
	peer = process_create_fs("/bin/rtos_chanpeer", 0, 0, 0, 0, 0);
	peer_up = cmd_s && rep_r && peer;
	int hello = peer_reply(RCH_HELLO, &m, REPLY_US);
	peer_up &= hello;
	rch_check("rch.x.1", "peer_retrieves_by_name", peer_up && m.a[0] == 1,
		  "channels %lu %lu, ends %lu %lu, peer %lu, hello %d, peer status %d", cmd_c, rep_c, cmd_s, rep_r,
		  peer, hello, peer ? process_get_exit_status(peer) : 0);
}

/* ---- rch.x.2: 100,000 items from the peer, in order ---- */

static chan_r_t st_r;
static volatile long st_got, st_bad, st_end;

static void stream_receiver(void)
{
	struct rch_item it;
	int r;

	while ((r = channel_recv(st_r, &it, ITEM, CHAN_BLOCK)) == ITEM) {
		if (it.sender != 1 || it.seq != (uint32_t)st_got || it.check != rch_item_check(1, it.seq))
			st_bad++;
		st_got++;
	}
	st_end = r;
}

static void test_stream(void)
{
	struct rch_msg ready = { 0 }, done = { 0 };
	chan_t sc = channel_create(ITEM, RCH_STREAM_LEN, RCH_STREAM_NAME, CHAN_SPSC);
	int joined = RCH_HUNG;
	uint64_t us = 0;

	st_r = sc ? channel_get_recv(sc) : 0;
	st_got = st_bad = 0;
	st_end = 1;
	int go = st_r && peer_cmd(RCH_STREAM, 0, 0) && peer_reply(RCH_STREAM, &ready, REPLY_US) && ready.a[0];
	if (go) {
		uint64_t t0 = cairn_cycles();
		joined = rch_join_within(rch_spawn(stream_receiver, 0), STREAM_US);
		us = rch_us(cairn_cycles() - t0);
	}
	int fin = go && peer_reply(RCH_STREAM, &done, REPLY_US);
	rch_check("rch.x.2", "stream_100000_in_order", go && joined == 0 && st_got == RCH_STREAM_N && !st_bad &&
		  st_end == 0 && fin && done.a[0] == RCH_STREAM_N && !done.a[1] && !done.a[2],
		  "started %d: received %ld, %ld out of order, last receive %ld; the peer sent %lu (error %ld, "
		  "close %ld); %lu us", go, st_got, st_bad, st_end, fin ? done.a[0] : 0, fin ? (long)done.a[1] : 0,
		  fin ? (long)done.a[2] : 0, us);
	if (st_r)
		channel_close(st_r);
	if (sc)
		channel_destroy(sc);
}

/* ---- rch.x.3: MPMC, a sender and a receiver in each process ---- */

static chan_s_t mp_s;
static chan_r_t mp_r;
static volatile long mp_sent, mp_send_err, mp_end;
static struct rch_tally mine;

static void mp_sender(void)
{
	for (uint32_t i = 0; i < RCH_MP_N; i++) {
		struct rch_item it = { 0, i, rch_item_check(0, i) };
		int r = channel_send(mp_s, &it, ITEM, CHAN_BLOCK);
		if (r != ITEM) {
			mp_send_err = r;
			break;
		}
		mp_sent++;
	}
	channel_close(mp_s);
}

static void mp_receiver(void)
{
	int64_t last[2] = { -1, -1 };
	struct rch_item it;
	int r;

	while ((r = channel_recv(mp_r, &it, ITEM, CHAN_BLOCK)) == ITEM) {
		if (it.sender > 1 || it.check != rch_item_check(it.sender, it.seq) ||
		    (int64_t)it.seq <= last[it.sender]) {
			mine.bad++;
			continue;
		}
		last[it.sender] = it.seq;
		mine.count[it.sender]++;
		mine.sum[it.sender] += it.seq;
		mine.sumsq[it.sender] += (uint64_t)it.seq * it.seq;
	}
	mp_end = r;
}

static void test_mpmc(void)
{
	struct rch_msg ready = { 0 }, done = { 0 };
	struct rch_tally theirs = { 0 };
	chan_t mc = channel_create(ITEM, RCH_MP_LEN, RCH_MP_NAME, CHAN_MPMC);
	int j1 = RCH_HUNG, j2 = RCH_HUNG;
	const uint64_t n = RCH_MP_N, sum = n * (n - 1) / 2, sumsq = (n - 1) * n * (2 * n - 1) / 6;

	mp_s = mc ? channel_get_send(mc) : 0;
	mp_r = mc ? channel_get_recv(mc) : 0;
	mp_sent = mp_send_err = 0;
	mp_end = 1;
	memset(&mine, 0, sizeof(mine));
	int go = mp_s && mp_r && peer_cmd(RCH_MPMC, 0, 0) && peer_reply(RCH_MPMC, &ready, REPLY_US) && ready.a[0] &&
		 ready.a[1];
	if (go) {
		thread_t r = rch_spawn(mp_receiver, 0), s = rch_spawn(mp_sender, 0);
		j1 = rch_join_within(s, STREAM_US);
		j2 = rch_join_within(r, STREAM_US);
	}
	int fin = go && peer_reply(RCH_MPMC, &done, REPLY_US);
	if (fin)
		memcpy(&theirs, done.a, sizeof(theirs));
	int ok = go && fin && j1 == 0 && j2 == 0 && mp_sent == RCH_MP_N && mp_end == 0 && !mine.bad && !theirs.bad;
	for (int s = 0; s < 2; s++)
		ok &= mine.count[s] + theirs.count[s] == n && mine.sum[s] + theirs.sum[s] == sum &&
		      mine.sumsq[s] + theirs.sumsq[s] == sumsq;
	rch_check("rch.x.3", "mpmc_two_processes_each_once", ok,
		  "started %d; sender 0 sent %ld (error %ld); from senders 0 and 1 this process got %lu %lu, the "
		  "peer %lu %lu (want %lu in all); bad %lu %lu; last receive %ld; sums %s", go, mp_sent, mp_send_err,
		  mine.count[0], mine.count[1], theirs.count[0], theirs.count[1], n, mine.bad, theirs.bad, mp_end,
		  mine.sum[0] + theirs.sum[0] == sum && mine.sum[1] + theirs.sum[1] == sum ? "right" : "wrong");
	if (mp_r)
		channel_close(mp_r);
	if (mc)
		channel_destroy(mc);
}

/* ---- rch.x.4-5: regions written by both processes ---- */

static volatile uint64_t *xnamed, *xanon;
static size_t xanon_id;

static size_t wrong(const volatile uint64_t *p, uint64_t (*pat)(size_t))
{
	size_t n = 0;

	for (size_t i = 0; i < WORDS; i++)
		n += p[i] != pat(i);
	return n;
}

static uint64_t pat_peer(size_t i)
{
	return RCH_PAT_PEER(i);
}

/* Fills the first page of p; the peer checks it, fills the second; this checks that. */
static void shared_both_ways(const char *id, const char *name, volatile uint64_t *p, uint64_t op, uint64_t arg)
{
	struct rch_msg m = { 0 };

	if (p)
		for (size_t i = 0; i < WORDS; i++)
			p[i] = RCH_PAT_MAIN(i);
	int got = p && peer_cmd(op, arg, 0) && peer_reply(op, &m, REPLY_US);
	size_t bad = got ? wrong(p + WORDS, pat_peer) : 0;
	rch_check(id, name, got && m.a[0] == 0 && m.a[1] && m.a[2] == 0 && !bad,
		  "mapped here at %p; the peer: replied %d, mapped at 0x%lx, %lu of my words wrong, unmapped %ld; "
		  "%lu of its words wrong here", (void *)p, got, m.a[1], m.a[0], (long)m.a[2], bad);
}

static void test_shm(void)
{
	int r = mem_shared_create_named(0, RCH_XSHM_BYTES, RCH_XSHM_NAME, 0);

	xnamed = r ? 0 : mem_shared_map_named(RCH_XSHM_NAME, 0);
	shared_both_ways("rch.x.4", "shm_named_both_ways", xnamed, RCH_SHM_NAMED, 0);
	xanon_id = mem_shared_create_anon(0, RCH_XSHM_BYTES, 0);
	xanon = xanon_id ? mem_shared_map_anon(xanon_id, 0) : 0;
	shared_both_ways("rch.x.5", "shm_anon_by_id_both_ways", xanon, RCH_SHM_ANON, xanon_id);
}

/* rch.x.6: the peer can neither use nor destroy this process's channel or regions, nor take a live name. */
static void test_foreign(void)
{
	struct rch_msg m = { 0 };
	int got = peer_cmd(RCH_FOREIGN, cmd_c, xanon_id) && peer_reply(RCH_FOREIGN, &m, REPLY_US);
	void *still = mem_shared_map_named(RCH_XSHM_NAME, 0);
	void *still_anon = mem_shared_map_anon(xanon_id, 0);
	struct channel_status st;
	int cmd_ok = got && channel_get_status(cmd_s, &st) == 0;

	rch_check("rch.x.6", "foreign_objects_refused", got && !m.a[0] && !m.a[1] && (long)m.a[2] == EBADF &&
		  (long)m.a[3] == EINVAL && (long)m.a[4] == EINVAL && !m.a[5] && still && still_anon && cmd_ok,
		  "replied %d; the peer's get_send %lu get_recv %lu (want 0), destroy %ld (want %d), destroy_named "
		  "%ld, destroy_anon %ld (want %d), create with my channel's name %lu (want 0); here: map %p %p, "
		  "my channel %s", got, m.a[0], m.a[1], (long)m.a[2], EBADF, (long)m.a[3], (long)m.a[4], EINVAL, m.a[5],
		  still, still_anon, cmd_ok ? "alive" : "gone");
	if (still)
		mem_free_pages(still, RCH_XSHM_BYTES);
	if (still_anon)
		mem_free_pages(still_anon, RCH_XSHM_BYTES);
	if (xnamed)
		mem_free_pages((void *)xnamed, RCH_XSHM_BYTES);
	if (xanon)
		mem_free_pages((void *)xanon, RCH_XSHM_BYTES);
	mem_shared_destroy_named(RCH_XSHM_NAME);
	if (xanon_id)
		mem_shared_destroy_anon(xanon_id);
}

/* ---- rch.x.7: an event_wait woken by a send from the peer ---- */

static volatile event_t ev_set;
static struct event_info ev_got[4];
static volatile int ev_n;

static void ev_waiter(void)
{
	ev_n = event_wait(ev_set, ev_got, 4);
}

static void test_event(void)
{
	struct rch_msg m = { 0 };
	chan_t ch = channel_create(8, 4, RCH_EVX_NAME, CHAN_SPSC);
	chan_r_t r = ch ? channel_get_recv(ch) : 0;
	uint64_t item = 0;

	ev_set = event_create(4);
	ev_n = -100;
	int added = event_add(ev_set, r, 0);
	int go = r && !added && peer_cmd(RCH_EVSEND, 2000, 0) && peer_reply(RCH_EVSEND, &m, REPLY_US) && m.a[0];
	thread_t t = go ? rch_spawn(ev_waiter, -1) : 0;	/* blocks: the peer sends 2 ms later */
	int early = ev_n;
	int status = rch_join(t);
	int got = channel_recv(r, &item, 8, 0);
	rch_check("rch.x.7", "event_woken_by_other_process", go && early == -100 && status == 0 && ev_n == 1 &&
		  ev_got[0].event_src_id == r && ev_got[0].event_type == EVT_CHAN_READ && got == 8 &&
		  item == RCH_PAT_LAST, "started %d, add %d; the wait returned %d before the send, %d after, "
		  "event (%lu, %lu) (want (%lu, %d)); received %d", go, added, early, ev_n, ev_got[0].event_src_id,
		  ev_got[0].event_type, r, EVT_CHAN_READ, got);
	event_delete(ev_set);
	if (r)
		channel_close(r);
	if (ch)
		channel_destroy(ch);
}

/* ---- rch.x.8-10: the peer ends ---- */

static void test_peer_end(void)
{
	struct rch_msg m = { 0 };
	int prep = peer_cmd(RCH_EXIT_PREP, 0, 0) && peer_reply(RCH_EXIT_PREP, &m, REPLY_US);
	chan_r_t lr = channel_retrieve_recv(8, 4, RCH_LAST_NAME);
	volatile uint64_t *pm = mem_shared_map_named(RCH_PSHM_NAME, 0);
	int seen = pm && pm[0] == RCH_PAT_LAST;
	int quit = peer_cmd(RCH_QUIT, RCH_PEER_STATUS, 0);
	int s = EAGAIN;

	for (int i = 0; peer && i < 10000 && s == EAGAIN; i++) {
		rch_sleep(100);
		s = process_get_exit_status(peer);
	}
	int again = peer ? process_get_exit_status(peer) : 0;
	struct rch_msg last;
	int eos = channel_recv(rep_r, &last, MSG, 0);
	rch_check("rch.x.8", "peer_exit_status", prep && quit && s == RCH_PEER_STATUS && again == EBADF && eos == 0,
		  "prepared %d, quit sent %d; status %d (want %d), again %d (want %d); its reply channel then %d "
		  "(want 0, end of stream)", prep, quit, s, RCH_PEER_STATUS, again, EBADF, eos);

	uint64_t item;
	struct channel_status st;
	int rv = channel_recv(lr, &item, 8, 0), gs = channel_get_status(lr, &st);
	chan_r_t again_r = channel_retrieve_recv(8, 4, RCH_LAST_NAME);
	int cl = channel_close(lr);
	rch_check("rch.x.9", "peer_channel_destroyed_at_its_end",
		  prep && lr && rv == EBADF && gs == EBADF && !again_r && cl == 0,
		  "the peer's create %ld send %ld; retrieved %lu; after its end: recv %d status %d (want %d), "
		  "retrieve %lu (want 0), close %d", (long)m.a[0], (long)m.a[2], lr, rv, gs, EBADF, again_r,
		  cl);
	if (again_r)
		channel_close(again_r);

	void *remap = mem_shared_map_named(RCH_PSHM_NAME, 0);
	int kept = pm && pm[0] == RCH_PAT_LAST;
	if (pm)
		pm[1] = 0x1234;
	int writable = pm && pm[1] == 0x1234;
	int fr = pm ? mem_free_pages((void *)pm, PAGE) : -100;
	rch_check("rch.x.10", "peer_region_destroyed_mapping_stays",
		  prep && seen && !remap && kept && writable && fr == 0,
		  "the peer's create %ld; mapped here at %p, its word seen %d; after its end: map %p (want 0), "
		  "word kept %d, writable %d, unmapped %d", (long)m.a[3], (void *)pm, seen, remap, kept, writable, fr);
	if (remap)
		mem_free_pages(remap, PAGE);
}

void rch_cross(void)
{
	rch_sleep(1000);
	long c0 = rtos_stats(RTOS_STAT_CHANS), u0 = rtos_stats(RTOS_STAT_UNTYPED);
	long t0 = rtos_stats(RTOS_STAT_THREADS), p0 = rtos_stats(RTOS_STAT_PROCS);

	start_peer();
	test_stream();
	test_mpmc();
	test_shm();
	test_foreign();
	test_event();
	test_peer_end();
	channel_close(cmd_s);
	channel_close(rep_r);
	channel_destroy(cmd_c);
	channel_destroy(rep_c);
	rch_sleep(2000);
	long c1 = rtos_stats(RTOS_STAT_CHANS), u1 = rtos_stats(RTOS_STAT_UNTYPED);
	long t1 = rtos_stats(RTOS_STAT_THREADS), p1 = rtos_stats(RTOS_STAT_PROCS);
	rch_check("rch.x.11", "no_leak_after_peer", peer_up && u0 > 0 && c1 == c0 && u1 == u0 && t1 == t0 && p1 == p0,
		  "chans %ld->%ld untyped %ld->%ld threads %ld->%ld procs %ld->%ld", c0, c1, u0, u1, t0, t1, p0, p1);
}
