/*
 * ledger_client: an RTOS program that uses the persistent ledger (systems/ledger.toml,
 * docs/persistence.md; the ledger's requests and answers are cairn/ledger.h's). The
 * rtos component's ports ledger_req and ledger_ans reach it (docs/rtos.md, "Ports").
 * The program is not persistent: each boot it starts afresh, reads every counter (what
 * the last checkpoint kept) and says what they sum to, then adds 1 to one counter after
 * another every 20 ms, checking each answer against what it knows, and every 50 adds
 * says where it is.
 */
#include <cairn/cairn.h>
#include <cairn/ledger.h>
#include <cairn/rtos.h>

#define EVERY_MS 20
#define PRINT 50
#define ANSWER_US 1000000	/* an answer not back within a second: the ledger is gone */

static long req, ans;
static uint64_t next_id = 1;

/* Asks the ledger (op, key, *value): the answer's status, its value in *value. */
static long ask(uint32_t op, uint32_t key, int64_t *value)
{
	struct ledger_req q = { .id = next_id++, .op = op, .key = key, .value = *value };
	struct ledger_ans a;
	long r = port_send((port_t)req, &q, sizeof(q));

	while (r == EAGAIN) {	/* (full: the ledger looks every 256 of its steps) */
		thread_yield();
		r = port_send((port_t)req, &q, sizeof(q));
	}
	if (r)
		return r;
	do {
		r = port_recv_wait((port_t)ans, &a, sizeof(a), ANSWER_US);
		if (r != (long)sizeof(a))
			return r < 0 ? r : EIO;
	} while (a.id != q.id);	/* (another id: an answer to a request of an earlier boot) */
	*value = a.value;
	return a.status;
}

int main(void)
{
	int64_t known[LEDGER_KEYS] = { 0 }, sum = 0;
	struct time period = { .sec = 0, .usec = EVERY_MS * 1000 };
	timer_t tick = timer_create();
	long r;

	req = port_open("ledger_req");
	ans = port_open("ledger_ans");
	if (req < 0 || ans < 0 || !tick) {
		cairn_printf("ledger_client: the ledger's ports cannot be opened (%ld, %ld)\n", req, ans);
		return 1;
	}
	for (uint32_t k = 0; k < LEDGER_KEYS; k++) {
		if ((r = ask(LEDGER_GET, k, &known[k]))) {
			cairn_printf("ledger_client: reading counter %u: %ld\n", k, r);
			return 1;
		}
		sum += known[k];
	}
	cairn_printf("ledger_client: the counters sum to %ld\n", sum);
	timer_periodic(tick, &period, &period);
	for (uint64_t n = 1;; n++) {
		timer_wait(tick);
		uint32_t k = (uint32_t)(n % LEDGER_KEYS);
		int64_t v = 1;
		if ((r = ask(LEDGER_ADD, k, &v)) || v != known[k] + 1) {
			cairn_printf("ledger_client: WRONG: adding 1 to counter %u (%ld): %ld, status %ld\n", k,
				     known[k], v, r);
			return 1;
		}
		known[k] = v;
		sum++;
		if (n % PRINT == 0)
			cairn_printf("ledger_client: %lu adds, the counters sum to %ld\n", n, sum);
	}
}
