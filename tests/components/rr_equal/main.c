/*
 * rr_equal: round robin among equal priorities under a higher one that wakes often
 * (lib/libboot/sched.c; tests/qemu/systems/rr_equal.toml). One image, four parts by
 * `mode` (args), all on one core:
 *
 *   hasty   above the others: naps NAP_US at a time on the booter's timer until the
 *           window ends, so the booter's thread runs every fraction of a slice
 *   spin    spins through the window counting the time it runs (`slot=0` or 1: its
 *           place in the region `rr_share`); the second to finish compares the two
 *   server  spins like a service that never waits (components/ledger): every
 *           SERVE_EVERY steps it takes the requests on rr_req and answers on rr_ans,
 *           until a request says RR_STOP
 *   client  asks the server (rr_req, rr_ans) one request after another through the
 *           window, then sends RR_STOP
 *
 * The spinners, the server and the client have one priority. Round robin must give
 * each its turns although every scheduling pass begins with hasty's wake:
 *
 *   rrq.1 equal_spinners_share   each spinner ran at least a third of what the other did
 *   rrq.2 woken_equal_gets_turns the client had at least MIN_ANSWERS answers, each right,
 *                                and at most MAX_ANSWERS: an answer takes a round of
 *                                turns, the spinners' and the server's, 2 ms of running
 *                                each (at most 50 rounds in the window), so more says a
 *                                preemption by hasty ended a turn, which it must not
 *
 * (The booter once began its search among equals after the thread it picked last, of
 * any priority: after hasty's, always at the first of them, so the spinner listed first
 * ran alone. A slice with half of it left was also kept across hasty's wakes, and one
 * renewed: its end never came.)
 */
#include <cairn/cairn.h>
#include <cairn/port.h>
#include <iface/timer.h>

#define WINDOW_MS 300		/* what the checks look at, from the first part past its start */
#define LEAD_MS 10		/* ... which begins this long after it */
#define NAP_US 300		/* hasty's naps: well under half the booter's 2 ms slice */
#define GAP_US 100		/* a spinner that saw the clock jump more than this did not run */
#define SERVE_EVERY 64
#define MIN_ANSWERS 5		/* fair turns give dozens in the window (17 with the host loaded); a starved client none */
#define MAX_ANSWERS 100		/* twice the rounds there is time for (40 seen); turns ended at each of hasty's wakes: 245 */
#define RR_STOP (~(uint64_t)0)

struct share {			/* the region rr_share */
	uint64_t start;		/* the window's start (TSC): set by the first part to run */
	uint64_t ran[2];	/* each spinner's running time in the window */
	uint32_t done;		/* spinners finished */
};

static uint64_t hz;

/* The window's start, the first caller setting it; 0 if the region is missing. */
static uint64_t window(struct share *s)
{
	uint64_t zero = 0, at = cairn_cycles() + cairn_us_ticks(hz, LEAD_MS * 1000);

	if (!s)
		return 0;
	__atomic_compare_exchange_n(&s->start, &zero, at, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
	return __atomic_load_n(&s->start, __ATOMIC_ACQUIRE);
}

static uint64_t ticks(uint64_t ms)
{
	return cairn_us_ticks(hz, ms * 1000);
}

static void hasty(uint64_t end)
{
	uint64_t now;

	while ((now = cairn_cycles()) < end) {
		uint64_t due = now + cairn_us_ticks(hz, NAP_US);
		if (timer_wake_at(due))
			return;
		while (cairn_cycles() < due)
			cairn_rcv_wait(CAIRN_SLOT_RCV);
	}
}

static void spin(struct share *s, uint64_t slot, uint64_t start)
{
	uint64_t end = start + ticks(WINDOW_MS), gap = cairn_us_ticks(hz, GAP_US), ran = 0, last, now;

	while ((last = cairn_cycles()) < start)
		;
	while ((now = cairn_cycles()) < end) {
		if (now - last < gap)
			ran += now - last;
		last = now;
	}
	__atomic_store_n(&s->ran[slot], ran, __ATOMIC_RELEASE);
	if (__atomic_add_fetch(&s->done, 1, __ATOMIC_ACQ_REL) != 2)
		return;
	uint64_t a = __atomic_load_n(&s->ran[0], __ATOMIC_ACQUIRE), b = __atomic_load_n(&s->ran[1], __ATOMIC_ACQUIRE);
	uint64_t lo = a < b ? a : b, hi = a < b ? b : a;
	cairn_printf("rr_equal: in %d ms the spinners ran %lu and %lu us\n", WINDOW_MS, a * 1000000 / hz, b * 1000000 / hz);
	cairn_check("rrq.1", "equal_spinners_share", hi && lo * 3 >= hi,
		    "in %d ms the spinners ran %lu and %lu us", WINDOW_MS, a * 1000000 / hz, b * 1000000 / hz);
}

static void server(void)
{
	struct cairn_port req, ans;
	uint64_t q;

	if (cairn_port_open(&req, "rr_req") || cairn_port_open(&ans, "rr_ans")) {
		cairn_printf("rr_equal: server: no ports\n");
		return;
	}
	for (uint64_t step = 0;; step++) {
		if (step % SERVE_EVERY || cairn_port_try_recv(&req, &q))
			continue;
		if (q == RR_STOP)
			return;
		q++;
		while (cairn_port_try_send(&ans, &q) == CAIRN_EAGAIN)
			;	/* (the client takes each answer before it asks again) */
	}
}

static void client(uint64_t start)
{
	struct cairn_port req, ans;
	uint64_t end = start + ticks(WINDOW_MS), n = 0, wrong = 0, q, a;
	long r = cairn_port_open(&req, "rr_req");

	if (!r)
		r = cairn_port_open(&ans, "rr_ans");
	while (!r && cairn_cycles() < start)
		cairn_yield();
	while (!r && cairn_cycles() < end) {
		q = n;
		r = cairn_port_send(&req, &q);
		if (!r)
			r = cairn_port_recv(&ans, &a);
		wrong += !r && a != n + 1;
		n += !r;
	}
	q = RR_STOP;
	cairn_port_send(&req, &q);
	cairn_printf("rr_equal: the client had %lu answers in %d ms\n", n, WINDOW_MS);
	cairn_check("rrq.2", "woken_equal_gets_turns", !r && !wrong && n >= MIN_ANSWERS && n <= MAX_ANSWERS,
		    "%lu answers in %d ms (want %d to %d), %lu wrong, error %ld", n, WINDOW_MS, MIN_ANSWERS,
		    MAX_ANSWERS, wrong, r);
}

int main(const struct cairn_root *rt)
{
	char mode[16];
	uint64_t slot = 0;
	const struct cairn_region *reg = cairn_region("rr_share");
	struct share *s = reg && reg->size >= sizeof(struct share) ? (struct share *)reg->va : 0;

	hz = rt->tsc_hz;
	cairn_arg_u64(rt, "slot", &slot);
	if (cairn_arg(rt, "mode", mode, sizeof(mode)) < 0 || !s || slot > 1) {
		cairn_printf("rr_equal: bad arguments or no region\n");
		return 1;
	}
	cairn_yield();	/* the initialisation ends here: the parts start together */
	uint64_t start = window(s);
	if (!strcmp(mode, "hasty"))
		hasty(start + ticks(WINDOW_MS));
	else if (!strcmp(mode, "spin"))
		spin(s, slot, start);
	else if (!strcmp(mode, "server"))
		server();
	else if (!strcmp(mode, "client"))
		client(start);
	else
		cairn_printf("rr_equal: no mode '%s'\n", mode);
	return 0;
}
