/*
 * port_sync: either end of the synchronous port "chain" (tests/qemu/systems/
 * ports_sync.toml); its red tape says which. The producer runs at a higher priority
 * than the consumer, so the producer blocks on a full ring and the consumer on an
 * empty one, and each must wake the other (cairn_port.sends). MESSAGES messages pass
 * in order; at the end both cursors stand at MESSAGES: nothing lost, nothing extra.
 */
#include <cairn/cairn.h>
#include <cairn/port.h>

#define MESSAGES 1000UL
#define SLOTS    8		/* as the description says */

struct msg {
	uint64_t seq, check, pad[2];
};

static uint64_t check_word(uint64_t seq)
{
	return (seq + 1) * 0xc2b2ae3d27d4eb4fUL;
}

static void producer(struct cairn_port *p)
{
	uint64_t sent = 0;

	while (sent < MESSAGES && cairn_port_send(p, &(struct msg){ sent, check_word(sent), { 0, 0 } }) == 0)
		sent++;
	cairn_printf("port_sync: producer sent %lu messages, woke the consumer %lu times (core %ld)\n", sent,
		     p->sends, cairn_core());
	cairn_check("ports.1", "producer_sent_all_and_woke", sent == MESSAGES && p->sends > 0,
		    "sent %lu of %lu; woke the consumer %lu times", sent, MESSAGES, p->sends);
}

static void consumer(struct cairn_port *p)
{
	uint64_t got = 0, bad = 0;
	struct msg m;

	while (got < MESSAGES && cairn_port_recv(p, &m) == 0) {
		bad += m.seq != got || m.check != check_word(got);
		got++;
	}
	cairn_printf("port_sync: consumer got %lu messages, %lu wrong, woke the producer %lu times (core %ld)\n",
		     got, bad, p->sends, cairn_core());
	cairn_check("ports.2", "consumer_got_all_in_order_and_woke", got == MESSAGES && bad == 0 && p->sends > 0,
		    "received %lu of %lu, %lu wrong; woke the producer %lu times", got, MESSAGES, bad, p->sends);
	cairn_check("ports.3", "nothing_lost", p->ring->head == MESSAGES && p->ring->tail == MESSAGES,
		    "head %u tail %u, want both %lu", p->ring->head, p->ring->tail, MESSAGES);
}

int main(const struct cairn_root *rt)
{
	struct cairn_port p;
	const struct cairn_port_end *e = &rt->port[0];

	if (!cairn_check(rt->nports && e->end ? "ports.0c" : "ports.0p", "port_in_red_tape",
			 cairn_port_open(&p, "chain") == 0 && rt->nports == 1 && e->mode == CAIRN_PORT_SYNC &&
			 e->slot_size == sizeof(struct msg) && e->slots == SLOTS && p.peer != 0 &&
			 p.rcv == CAIRN_SLOT_RCV,
			 "%u ports; '%s' mode %u slot_size %u slots %u rcv %u peer %u", rt->nports, e->name,
			 e->mode, e->slot_size, e->slots, e->rcv, e->peer))
		return 1;
	if (e->end == CAIRN_PORT_PRODUCER)
		producer(&p);
	else
		consumer(&p);
	return 0;
}
