/*
 * rtos_chanpeer: the second process of the channel conformance program
 * (tests/rtos/rtos_chan, whose rch_proto.h is the protocol). It finds rtos_chan's
 * control channels by name and serves one command at a time; started when they do not
 * exist, it ends at once with RCH_PEER_ALONE.
 */
#include <cairn/cairn.h>
#include <cairn/rtos.h>
#include "../rtos_chan/rch_proto.h"

#define ITEM  ((int)sizeof(struct rch_item))
#define MSG   ((int)sizeof(struct rch_msg))
#define PAGE  4096UL
#define WORDS (PAGE / 8)

static chan_s_t rep;

static void reply(uint64_t op, const uint64_t *a, unsigned n)
{
	struct rch_msg m = { op, { 0 } };

	for (unsigned i = 0; i < n && i < 7; i++)
		m.a[i] = a[i];
	channel_send(rep, &m, MSG, CHAN_BLOCK);
}

static void nap(uint32_t us)
{
	timer_t t = timer_create();
	struct time rel;

	time_create(&rel, us / 1000000, us % 1000000);
	if (!timer_start(t, &rel))
		timer_wait(t);
	timer_free(t);
}

static void join(thread_t t)
{
	while (t && thread_get_exit_status(t) == EAGAIN)
		nap(100);
}

/* RCH_STREAM: RCH_STREAM_N items from sender 1, blocking. */
static void stream(void)
{
	chan_s_t s = channel_retrieve_send(ITEM, RCH_STREAM_LEN, RCH_STREAM_NAME);
	uint64_t a[3] = { s, 0, 0 };

	reply(RCH_STREAM, a, 1);
	if (!s)
		return;
	for (uint32_t i = 0; i < RCH_STREAM_N; i++) {
		struct rch_item it = { 1, i, rch_item_check(1, i) };
		int r = channel_send(s, &it, ITEM, CHAN_BLOCK);
		if (r != ITEM) {
			a[1] = (uint64_t)(int64_t)r;
			break;
		}
		a[0] = i + 1;
	}
	a[2] = (uint64_t)(int64_t)channel_close(s);
	reply(RCH_STREAM, a, 3);
}

/* RCH_MPMC: sender 1 and a receiver, in two threads. */
static chan_s_t mp_s;
static chan_r_t mp_r;
static struct rch_tally tally;

static void mp_sender(void)
{
	for (uint32_t i = 0; i < RCH_MP_N; i++) {
		struct rch_item it = { 1, i, rch_item_check(1, i) };
		if (channel_send(mp_s, &it, ITEM, CHAN_BLOCK) != ITEM)
			break;
	}
	channel_close(mp_s);
}

static void mp_receiver(void)
{
	int64_t last[2] = { -1, -1 };
	struct rch_item it;

	while (channel_recv(mp_r, &it, ITEM, CHAN_BLOCK) == ITEM) {
		if (it.sender > 1 || it.check != rch_item_check(it.sender, it.seq) ||
		    (int64_t)it.seq <= last[it.sender]) {
			tally.bad++;
			continue;
		}
		last[it.sender] = it.seq;
		tally.count[it.sender]++;
		tally.sum[it.sender] += it.seq;
		tally.sumsq[it.sender] += (uint64_t)it.seq * it.seq;
	}
	channel_close(mp_r);
}

static void mpmc(void)
{
	uint64_t a[7];

	mp_s = channel_retrieve_send(ITEM, RCH_MP_LEN, RCH_MP_NAME);
	mp_r = channel_retrieve_recv(ITEM, RCH_MP_LEN, RCH_MP_NAME);
	a[0] = mp_s;
	a[1] = mp_r;
	reply(RCH_MPMC, a, 2);
	if (!mp_s || !mp_r)
		return;
	thread_t r = thread_create(mp_receiver, 0, 0, 0), s = thread_create(mp_sender, 0, 0, 0);
	join(s);
	join(r);
	memcpy(a, &tally, sizeof(tally));
	reply(RCH_MPMC, a, sizeof(tally) / 8);
}

/* RCH_SHM_NAMED, RCH_SHM_ANON: check rtos_chan's first page, fill the second. */
static void shm(uint64_t op, volatile uint64_t *p)
{
	uint64_t a[3] = { WORDS, (uint64_t)p, (uint64_t)(int64_t)-100 };

	if (p) {
		a[0] = 0;
		for (size_t i = 0; i < WORDS; i++) {
			a[0] += p[i] != RCH_PAT_MAIN(i);
			p[WORDS + i] = RCH_PAT_PEER(i);
		}
		a[2] = (uint64_t)(int64_t)mem_free_pages((void *)p, RCH_XSHM_BYTES);
	}
	reply(op, a, 3);
}

/* RCH_FOREIGN: what it may not do to rtos_chan's objects. */
static void foreign(uint64_t cid, uint64_t shm_id)
{
	uint64_t a[6];
	chan_s_t s = channel_get_send(cid);
	chan_r_t r = channel_get_recv(cid);

	a[0] = s;
	a[1] = r;
	a[2] = (uint64_t)(int64_t)channel_destroy(cid);
	a[3] = (uint64_t)(int64_t)mem_shared_destroy_named(RCH_XSHM_NAME);
	a[4] = (uint64_t)(int64_t)mem_shared_destroy_anon(shm_id);
	a[5] = channel_create(MSG, RCH_CTL_LEN, RCH_CMD_NAME, CHAN_SPSC);
	if (s)
		channel_close(s);
	if (r)
		channel_close(r);
	if (a[5])
		channel_destroy(a[5]);
	reply(RCH_FOREIGN, a, 6);
}

/* RCH_EVSEND: one item, us microseconds after the reply. */
static void evsend(uint64_t us)
{
	chan_s_t s = channel_retrieve_send(8, 4, RCH_EVX_NAME);
	uint64_t a[1] = { s }, item = RCH_PAT_LAST;

	reply(RCH_EVSEND, a, 1);
	if (!s)
		return;
	nap((uint32_t)us);
	channel_send(s, &item, 8, 0);
	channel_close(s);
}

/* RCH_EXIT_PREP: a channel and a region of its own, which its end destroys. */
static void exit_prep(void)
{
	uint64_t a[5], item = RCH_PAT_LAST;
	chan_t c = channel_create(8, 4, RCH_LAST_NAME, CHAN_SPSC);
	chan_s_t s = c ? channel_get_send(c) : 0;

	a[0] = c;
	a[1] = s;
	a[2] = (uint64_t)(int64_t)channel_send(s, &item, 8, 0);
	a[3] = (uint64_t)(int64_t)mem_shared_create_named(0, PAGE, RCH_PSHM_NAME, 0);
	volatile uint64_t *p = mem_shared_map_named(RCH_PSHM_NAME, 0);
	a[4] = (uint64_t)p;
	if (p)
		p[0] = RCH_PAT_LAST;
	reply(RCH_EXIT_PREP, a, 5);
}

int main(void)
{
	chan_r_t cmd = channel_retrieve_recv(MSG, RCH_CTL_LEN, RCH_CMD_NAME);
	struct rch_msg m;
	uint64_t one = 1;

	if (!cmd)
		return RCH_PEER_ALONE;
	rep = channel_retrieve_send(MSG, RCH_CTL_LEN, RCH_REP_NAME);
	if (!rep)
		return RCH_PEER_NO_REP;
	reply(RCH_HELLO, &one, 1);
	for (;;) {
		if (channel_recv(cmd, &m, MSG, CHAN_BLOCK) != MSG)
			return RCH_PEER_LOST;
		switch (m.op) {
		case RCH_STREAM:    stream(); break;
		case RCH_MPMC:      mpmc(); break;
		case RCH_SHM_NAMED: shm(m.op, mem_shared_map_named(RCH_XSHM_NAME, 0)); break;
		case RCH_SHM_ANON:  shm(m.op, mem_shared_map_anon(m.a[0], 0)); break;
		case RCH_FOREIGN:   foreign(m.a[0], m.a[1]); break;
		case RCH_EVSEND:    evsend(m.a[0]); break;
		case RCH_EXIT_PREP: exit_prep(); break;
		case RCH_QUIT:      return (int)m.a[0];	/* its ends, channel and region go with it */
		default:            return RCH_PEER_LOST;
		}
	}
}
