/*
 * rtos_sockchild: tests/rtos/rtos_sock's child. Opens UDP port 9200 and a listener on
 * 9201, sends their handles to the parent on the channel "rsock_up", waits for its word
 * on "rsock_down" (meanwhile the parent tries the handles: another process's are
 * EBADF, and the ports are taken), then ends without closing them: the RTOS closes a
 * process's sockets when it ends, and the parent binds both ports again.
 */
#include <cairn/rtos.h>

int main(void)
{
	chan_s_t up = channel_retrieve_send(sizeof(uint64_t), 4, "rsock_up");
	chan_r_t down = channel_retrieve_recv(sizeof(uint64_t), 4, "rsock_down");
	uint64_t h[2] = { (uint64_t)net_udp_open(9200, 0), (uint64_t)net_tcp_listen(9201, 2, 0) }, word;

	if (!up || !down)
		return 1;
	channel_send(up, &h[0], sizeof h[0], CHAN_BLOCK);
	channel_send(up, &h[1], sizeof h[1], CHAN_BLOCK);
	channel_recv(down, &word, sizeof word, CHAN_BLOCK);
	return (long)h[0] > 0 && (long)h[1] > 0 ? 7 : 2;
}
