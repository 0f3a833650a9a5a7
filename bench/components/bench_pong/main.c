/*
 * bench_pong: echoes every message on "ping" back on "pong", with the first word
 * plus one, until a message with 0 in it.
 */
#include <cairn/cairn.h>
#include <cairn/port.h>

int main(const struct cairn_root *rt)
{
	struct cairn_port in, out;
	uint64_t msg[2];

	(void)rt;
	if (cairn_port_open(&in, "ping") || cairn_port_open(&out, "pong"))
		return 1;
	for (;;) {
		if (cairn_port_recv(&in, msg))
			return 2;
		if (msg[0] == 0)
			return 0;
		msg[0]++;
		if (cairn_port_send(&out, msg))
			return 3;
	}
}
