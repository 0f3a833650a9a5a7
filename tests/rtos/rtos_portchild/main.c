/*
 * rtos_portchild: tests/rtos/rtos_port's child (rp.9). Takes the parent's handles of
 * rp_req and rp_resp from the channel "rp_down", tries them and the port rp_req itself
 * (another process's: EBADF, EBUSY; an event set refuses them: EINVAL), opens rp_child,
 * sends what it saw on "rp_up" as one word of bits, and on the parent's word ends
 * holding rp_child: the RTOS frees it, and the parent opens it next.
 */
#include <cairn/rtos.h>

int main(void)
{
	chan_s_t up = channel_retrieve_send(sizeof(uint64_t), 4, "rp_up");
	chan_r_t down = channel_retrieve_recv(sizeof(uint64_t), 4, "rp_down");
	uint64_t req = 0, resp = 0, word;
	char b[32] = { 0 };

	if (!up || !down)
		return 1;
	channel_recv(down, &req, sizeof req, CHAN_BLOCK);
	channel_recv(down, &resp, sizeof resp, CHAN_BLOCK);
	long busy = port_open("rp_req"), s = port_send(req, b, 8), r = port_recv(resp, b, sizeof b);
	long c = port_close(req);
	event_t e = event_create(2);
	long ea = event_add(e, resp, 0);
	long mine = port_open("rp_child"), held = rtos_stats(RTOS_STAT_PORTS);
	word = (uint64_t)(busy == EBUSY) | (uint64_t)(s == EBADF) << 1 | (uint64_t)(r == EBADF) << 2 |
	       (uint64_t)(c == EBADF) << 3 | (uint64_t)(ea == EINVAL) << 4 | (uint64_t)(mine > 0) << 5 |
	       (uint64_t)(held == 1) << 6;
	channel_send(up, &word, sizeof word, CHAN_BLOCK);
	channel_recv(down, &word, sizeof word, CHAN_BLOCK);
	return 7;
}
