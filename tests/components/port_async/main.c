/*
 * port_async: either end of the asynchronous port "stream" (tests/qemu/systems/
 * ports_async.toml); its red tape says which. The two ends, at one priority, pass
 * MESSAGES 16-byte messages in order, and whichever finds the ring full or empty
 * yields to the other (a full or empty ring is CAIRN_EAGAIN: it counts the yields).
 *
 * The stream opens with BATCHES rounds in lockstep: the producer waits for an empty
 * ring and fills it in one batch, the consumer waits for a full ring and drains it in
 * one batch; a batch must take no system call: cairn_kcount() (kernel test mode)
 * before and after differ by exactly 1, the second call itself. The booter's time
 * slices may preempt a batch, and the booter's own calls then count too, so a side
 * passes if one of its batches took none.
 */
#include <cairn/cairn.h>
#include <cairn/port.h>

#define MESSAGES  100000UL
#define SLOTS     64		/* as the description says */
#define BATCHES   3
#define IDLE_MAX  100000	/* yields in a row with no progress: the other end is gone */

struct msg {
	uint64_t seq, check;
};

static uint64_t check_word(uint64_t seq)
{
	return ~seq * 0x9e3779b97f4a7c15UL;
}

static uint32_t filled(const struct cairn_port *p)
{
	return p->ring->head - p->ring->tail;
}

/* Yields until the ring holds `want` messages; 0, or -1 if it never does. */
static int wait_until(const struct cairn_port *p, uint32_t want)
{
	for (int idle = 0; filled(p) != want; idle++) {
		if (idle == IDLE_MAX)
			return -1;
		cairn_yield();
	}
	return 0;
}

/*
 * One batch of SLOTS puts into the empty ring. Returns the system calls it took (the
 * kcount difference less one), or -1 if a put failed; *seq moves past what was sent.
 * (Only this side adds messages, so every put finds room whatever the consumer does.)
 */
static long produce_batch(struct cairn_port *p, uint64_t *seq)
{
	long ok = 0, k0, k1;

	if (wait_until(p, 0))
		return -1;
	k0 = cairn_kcount();
	for (uint64_t i = 0; i < SLOTS; i++, ++*seq)
		ok += cairn_port_send(p, &(struct msg){ *seq, check_word(*seq) }) == 0;
	k1 = cairn_kcount();
	return ok == SLOTS && k0 > 0 ? k1 - k0 - 1 : -1;
}

/* The matching batch of SLOTS gets out of the full ring; *bad counts wrong messages. */
static long consume_batch(struct cairn_port *p, uint64_t *seq, uint64_t *bad)
{
	long ok = 0, k0, k1;
	struct msg m = { ~0UL, 0 };

	if (wait_until(p, SLOTS))
		return -1;
	k0 = cairn_kcount();
	for (uint64_t i = 0; i < SLOTS; i++) {
		long r = cairn_port_recv(p, &m);
		ok += r == 0;
		if (r == 0)
			*bad += m.seq != *seq || m.check != check_word(*seq), ++*seq;
	}
	k1 = cairn_kcount();
	return ok == SLOTS && k0 > 0 ? k1 - k0 - 1 : -1;
}

static void producer(struct cairn_port *p)
{
	uint64_t seq = 0, yields = 0;
	long calls[BATCHES], best = -1;
	int idle = 0;

	for (int b = 0; b < BATCHES; b++) {
		calls[b] = produce_batch(p, &seq);
		if (calls[b] >= 0 && (best < 0 || calls[b] < best))
			best = calls[b];
	}
	cairn_printf("port_async: producer batches took %ld, %ld, %ld system calls\n", calls[0], calls[1], calls[2]);
	cairn_check("porta.1", "batch_put_no_syscall", best == 0,
		    "%d batches of %d puts into an empty ring took %ld, %ld, %ld system calls (-1: a put failed)",
		    BATCHES, SLOTS, calls[0], calls[1], calls[2]);
	while (seq < MESSAGES && idle < IDLE_MAX) {
		if (cairn_port_send(p, &(struct msg){ seq, check_word(seq) }) == 0) {
			seq++;
			idle = 0;
			continue;
		}
		cairn_yield();
		yields++, idle++;
	}
	cairn_printf("port_async: producer sent %lu messages, yielded %lu times on a full ring\n", seq, yields);
	cairn_check("porta.3", "producer_sent_all", seq == MESSAGES && yields > 0,
		    "sent %lu of %lu; yielded %lu times on a full ring", seq, MESSAGES, yields);
}

static void consumer(struct cairn_port *p)
{
	uint64_t seq = 0, bad = 0, yields = 0;
	long calls[BATCHES], best = -1;
	int idle = 0;
	struct msg m = { ~0UL, 0 };

	for (int b = 0; b < BATCHES; b++) {
		calls[b] = consume_batch(p, &seq, &bad);
		if (calls[b] >= 0 && (best < 0 || calls[b] < best))
			best = calls[b];
	}
	cairn_printf("port_async: consumer batches took %ld, %ld, %ld system calls\n", calls[0], calls[1], calls[2]);
	cairn_check("porta.2", "batch_get_no_syscall", best == 0 && bad == 0,
		    "%d batches of %d gets from a full ring took %ld, %ld, %ld system calls (-1: a get failed); "
		    "%lu wrong", BATCHES, SLOTS, calls[0], calls[1], calls[2], bad);
	while (seq < MESSAGES && idle < IDLE_MAX) {
		if (cairn_port_recv(p, &m) == 0) {
			bad += m.seq != seq || m.check != check_word(seq);
			seq++;
			idle = 0;
			continue;
		}
		cairn_yield();
		yields++, idle++;
	}
	for (int k = 0; k < 4; k++)	/* anything more would be a message too many */
		cairn_yield();
	long extra = cairn_port_recv(p, &m);
	cairn_printf("port_async: consumer got %lu messages, %lu wrong, yielded %lu times on an empty ring\n",
		     seq, bad, yields);
	cairn_check("porta.4", "consumer_got_all_in_order", seq == MESSAGES && bad == 0 && yields > 0 &&
		    extra == CAIRN_EAGAIN && p->ring->head == MESSAGES && p->ring->tail == MESSAGES,
		    "received %lu of %lu, %lu wrong; yielded %lu times on an empty ring; then %ld; "
		    "head %u tail %u", seq, MESSAGES, bad, yields, extra, p->ring->head, p->ring->tail);
}

int main(const struct cairn_root *rt)
{
	struct cairn_port p;
	const struct cairn_port_end *e = &rt->port[0];

	if (!cairn_check(rt->nports && e->end ? "porta.0c" : "porta.0p", "port_in_red_tape",
			 cairn_port_open(&p, "stream") == 0 && rt->nports == 1 && e->mode == CAIRN_PORT_ASYNC &&
			 e->slot_size == sizeof(struct msg) && e->slots == SLOTS && p.ring->slots == SLOTS &&
			 p.ring->slot_size == sizeof(struct msg),
			 "%u ports; '%s' mode %u slot_size %u slots %u", rt->nports, e->name, e->mode,
			 e->slot_size, e->slots))
		return 1;
	if (e->end == CAIRN_PORT_PRODUCER)
		producer(&p);
	else
		consumer(&p);
	return 0;
}
