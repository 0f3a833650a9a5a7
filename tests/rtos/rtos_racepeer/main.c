/*
 * rtos_racepeer: process B of the gate-race test (tests/rtos/rtos_race/race.h has
 * the protocol). It serves one command at a time: on RR_GO it makes an object of the
 * round's kind, which takes the slot A's helper has just freed; on RR_CHECK it says
 * whether A's gate call acted on that object, then frees it.
 */
#include <cairn/cairn.h>
#include <cairn/gate.h>
#include <cairn/rtos.h>
#include "../rtos_race/race.h"

#define MSG ((int)sizeof(struct rr_msg))

static chan_s_t ans;
static timer_t nap_timer;

static long call(enum rtos_call n, uint64_t a, uint64_t b, uint64_t c)
{
	return cairn_sinv_inline(RTOS_GATE_BASE + n, a, b, c, 0).r0;
}

static void nap(uint32_t us)
{
	struct time rel;

	time_create(&rel, 0, us);
	if (!timer_start(nap_timer, &rel))
		timer_wait(nap_timer);
}

static void answer(uint64_t op, const int64_t *a, unsigned n)
{
	struct rr_msg m = { op, 0, { 0 } };

	for (unsigned i = 0; i < n; i++)
		m.a[i] = a[i];
	channel_send(ans, &m, MSG, CHAN_BLOCK);
}

/* ---- the object of a round ---- */

static sem_t ysem;
static thread_t y;
static uint64_t obj;		/* block point, timer or process of the round */

static void y_main(void)
{
	semaphore_take(ysem);
}

static void make(enum rr_case k)
{
	sched_param_t p = { SCHEDP_PRIO, RR_PRIO_Y };

	switch (k) {
	case RR_KILL:
	case RR_STATUS:
		ysem = semaphore_create(0, 0);
		y = thread_create(y_main, &p, 1, 0);	/* it waits on ysem */
		break;
	case RR_BP:
		obj = (uint64_t)call(RTOS_BP_CREATE, 0, 0, 0);
		break;
	case RR_TSET:
	case RR_TFREE:
		obj = (uint64_t)call(RTOS_TIMER_CREATE, 0, 0, 0);
		break;
	case RR_TCANCEL:	/* armed for 1 ms from now */
		obj = (uint64_t)call(RTOS_TIMER_CREATE, 0, 0, 0);
		call(RTOS_TIMER_SET, obj, cairn_cycles() + ((const struct cairn_root *)CAIRN_ROOT_VA)->tsc_hz / 1000, 0);
		break;
	case RR_TWAIT:		/* fired at once: one expiry waits to be taken */
		obj = (uint64_t)call(RTOS_TIMER_CREATE, 0, 0, 0);
		call(RTOS_TIMER_SET, obj, 1, 0);
		break;
	case RR_PSTATUS:
		obj = process_create_fs("/bin/rtos_child", &p, 1, 0, 0, 0);
		break;
	default:
		break;
	}
}

/* Whether the round's object is as make() left it (*seen: the result that shows it); then it goes. */
static int check(enum rr_case k, int64_t *seen)
{
	int ok = 0;

	switch (k) {
	case RR_KILL:
	case RR_STATUS:		/* alive, and its status still ours to take */
		*seen = thread_get_exit_status(y);
		ok = y && *seen == EAGAIN;
		semaphore_give(ysem);
		while (y && thread_get_exit_status(y) == EAGAIN)
			nap(50);
		semaphore_destroy(ysem);
		break;
	case RR_BP:
		*seen = call(RTOS_WAKE, obj, 0, 0);
		ok = obj && *seen == 0;
		call(RTOS_BP_DESTROY, obj, 0, 0);
		break;
	case RR_TSET:		/* never started: nothing to wait for */
		*seen = call(RTOS_TIMER_WAIT, obj, 0, 0);
		ok = obj && *seen == EAGAIN;
		call(RTOS_TIMER_FREE, obj, 0, 0);
		break;
	case RR_TCANCEL:	/* still started: it fires */
	case RR_TWAIT:		/* its expiry still there */
		*seen = call(RTOS_TIMER_WAIT, obj, 0, 0);
		ok = obj && *seen == 1;
		call(RTOS_TIMER_FREE, obj, 0, 0);
		break;
	case RR_TFREE:
		*seen = call(RTOS_TIMER_CANCEL, obj, 0, 0);
		ok = obj && *seen == 0;
		call(RTOS_TIMER_FREE, obj, 0, 0);
		break;
	case RR_PSTATUS:	/* its status still ours to take */
		while ((*seen = process_get_exit_status(obj)) == EAGAIN)
			nap(50);
		ok = obj && *seen == RR_CHILD_EXIT;
		break;
	default:
		*seen = -1000;
		break;
	}
	return ok;
}

/* A's handles, tried from here: each must name nothing this process may touch. */
static void foreign(const int64_t *h)
{
	int64_t r[RF_N];
	event_t e = event_create(4);

	r[RF_KILL] = call(RTOS_THREAD_KILL, (uint64_t)h[0], 0, 0);
	r[RF_STATUS] = call(RTOS_THREAD_STATUS, (uint64_t)h[0], 0, 0);
	r[RF_BP_DESTROY] = call(RTOS_BP_DESTROY, (uint64_t)h[1], 0, 0);
	r[RF_WAKE] = call(RTOS_WAKE, (uint64_t)h[1], 0, 0);
	r[RF_TSET] = call(RTOS_TIMER_SET, (uint64_t)h[2], 1, 0);
	r[RF_TCANCEL] = call(RTOS_TIMER_CANCEL, (uint64_t)h[2], 0, 0);
	r[RF_TFREE] = call(RTOS_TIMER_FREE, (uint64_t)h[2], 0, 0);
	r[RF_TWAIT] = call(RTOS_TIMER_WAIT, (uint64_t)h[2], 0, 0);
	r[RF_PSTATUS] = process_get_exit_status((proc_t)h[3]);
	r[RF_WATCH_PROC] = e ? event_add(e, (size_t)h[3], 0) : -1000;
	event_delete(e);
	answer(RR_FOREIGN, r, RF_N);
}

int main(void)
{
	chan_r_t cmd = channel_retrieve_recv(MSG, RR_LEN, RR_CMD_NAME);
	struct rr_msg m;
	int64_t a[3] = { 0 };

	ans = channel_retrieve_send(MSG, RR_LEN, RR_ANS_NAME);
	nap_timer = timer_create();
	if (!cmd || !ans || !nap_timer)
		return 1;
	answer(RR_HELLO, a, 0);
	while (channel_recv(cmd, &m, MSG, CHAN_BLOCK) == MSG) {
		switch (m.op) {
		case RR_GO:
			make((enum rr_case)m.kase);
			break;
		case RR_CHECK:
			a[2] = (int64_t)(m.kase == RR_KILL || m.kase == RR_STATUS ? y : obj);
			a[0] = check((enum rr_case)m.kase, &a[1]);
			answer(RR_CHECK, a, 3);
			break;
		case RR_FOREIGN:
			foreign(m.a);
			break;
		case RR_QUIT:
			return 0;
		default:
			return 2;
		}
	}
	return 3;
}
