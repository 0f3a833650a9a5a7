/*
 * teller: a client of the ledger's service (cairn/ledger.h; tests/qemu/systems/
 * persist.toml, tools/persist_test.py). It is not persistent: each boot it starts
 * afresh, reads every counter, says what they hold, and then adds 1 to one counter
 * after another every `every_ms` milliseconds (args; 5 if not given), checking that
 * each answer is the value it knows plus one. Every `print` adds (args; 100) it says
 * where it is:
 *
 *   teller: start: counters sum to S
 *   teller: N adds, counters sum to S: right      (or WRONG, with what was wrong)
 *
 * An answer with another id (for a request of an old boot, or invented by the ledger)
 * counts as WRONG. Every `ask` adds (args; 50) it asks the checkpointer for a checkpoint
 * (interfaces/checkpoint.toml), if it imports it, and says which it got:
 *
 *   teller: checkpoint N on request
 *
 * (WRONG if N is not above the one before, or an error other than CAIRN_ESTALE or
 * CAIRN_EAGAIN; with `strict`, CAIRN_EAGAIN too, which says a persistent component
 * stayed in a call 0.1 s, as the ledger below it would while it waited yielding: its
 * checkpointer imports wait, so it waits blocked. Not on two cores, where a capture
 * waits for the other core's scheduler, which a host that stalls that core for 0.1 s
 * would keep away). With
 * `burst=N` (the persistent component's number, 1-based) and the manager imported, it
 * first shares a page of its own with it and delegates it a capability: the manager
 * must refuse both (CAIRN_ENOTSUP: a persistent component's checkpoints could not keep
 * them), or it says WRONG.
 */
#include <cairn/cairn.h>
#include <cairn/ledger.h>
#include <cairn/port.h>
#include <iface/checkpoint.h>
#include <iface/manager.h>
#include <iface/timer.h>

static struct cairn_port req, ans;
static int64_t known[LEDGER_KEYS];
static uint64_t next_id = 1, wrong;
static uint64_t tsc_hz;

static void nap(uint64_t ms)
{
	uint64_t due = cairn_cycles() + cairn_us_ticks(tsc_hz, ms * 1000);

	if (timer_wake_at(due) < 0)
		return;
	while (cairn_cycles() < due)
		cairn_rcv_wait(CAIRN_SLOT_RCV);
}

/* Asks the ledger (op, key, value): its answer's status and value in *value. */
static long ask(uint32_t op, uint32_t key, int64_t *value)
{
	struct ledger_req q = { .id = next_id++, .op = op, .key = key, .value = *value };
	struct ledger_ans a;
	long r = cairn_port_send(&req, &q);

	if (!r)
		r = cairn_port_recv(&ans, &a);
	if (r)
		return r;
	if (a.id != q.id) {
		if (!wrong++)
			cairn_printf("teller: WRONG: an answer for request %lu, not %lu\n", a.id, q.id);
		return CAIRN_EIO;
	}
	*value = a.value;
	return a.status;
}

static int64_t sum(void)
{
	int64_t s = 0;

	for (unsigned k = 0; k < LEDGER_KEYS; k++)
		s += known[k];
	return s;
}

/* A share and a delegation to persistent component `to` (1-based): refused, or WRONG. */
static void refused(uint64_t to)
{
	long va = manager_alloc(1), s = va > 0 ? manager_share((cairn_word)va, to) : va;
	long d = manager_delegate(CAIRN_SLOT_RCV, to);

	if (s != CAIRN_ENOTSUP || d != CAIRN_ENOTSUP) {
		wrong++;
		cairn_printf("teller: WRONG: a share with a persistent component %ld, a delegation %ld\n", s, d);
	} else {
		cairn_printf("teller: a share and a delegation to a persistent component refused\n");
	}
	if (va > 0)
		manager_free((cairn_word)va);
}

int main(const struct cairn_root *rt)
{
	uint64_t every = 5, print = 100, asks = 50, burst = 0, n = 0;
	long last = 0;
	long r = cairn_port_open(&req, "ledger_req");

	tsc_hz = rt->tsc_hz;
	cairn_arg_u64(rt, "every_ms", &every);	/* (absent or not a number: as it is) */
	cairn_arg_u64(rt, "print", &print);
	cairn_arg_u64(rt, "ask", &asks);
	cairn_arg_u64(rt, "burst", &burst);
	int strict = cairn_arg_flag(rt, "strict");
	if (burst)
		refused(burst);
	print = print ? print : 1, asks = asks ? asks : 1;
	if (!r)
		r = cairn_port_open(&ans, "ledger_ans");
	for (uint32_t k = 0; !r && k < LEDGER_KEYS; k++)
		r = ask(LEDGER_GET, k, &known[k]);
	if (r) {
		cairn_printf("teller: the ledger cannot be asked (%ld)\n", r);
		return 1;
	}
	cairn_printf("teller: start: counters sum to %ld\n", sum());
	for (;;) {
		nap(every);
		uint32_t k = (uint32_t)(n % LEDGER_KEYS);
		int64_t v = 1;
		r = ask(LEDGER_ADD, k, &v);
		if (r == 0 && v != known[k] + 1 && !wrong++)
			cairn_printf("teller: WRONG: counter %u is %ld after adding 1 to %ld\n", k, v, known[k]);
		if (r && !wrong++)
			cairn_printf("teller: WRONG: adding to counter %u: %ld\n", k, r);
		known[k] = v;
		if (++n % print == 0)
			cairn_printf("teller: %lu adds, counters sum to %ld: %s\n", n, sum(), wrong ? "WRONG" : "right");
		long c = n % asks ? CAIRN_ENOENT : checkpoint_now();
		if (c > last)
			cairn_printf("teller: checkpoint %ld on request\n", last = c);
		else if (c != CAIRN_ENOENT && c != CAIRN_ESTALE && (c != CAIRN_EAGAIN || strict) && !wrong++)
			cairn_printf("teller: WRONG: a checkpoint on request: %ld after %ld\n", c, last);
	}
}
