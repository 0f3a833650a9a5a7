#include <cairn/cairn.h>
#include <cairn/rtos.h>

static sem_t s;
static volatile int order[8], n;

static void worker(void)
{
	order[n++] = 2;
	semaphore_give(s);
}

int main(void)
{
	io_print("smoke: hello from a process\n");
	s = semaphore_create(0, 0);
	order[n++] = 1;
	thread_t t = thread_create(worker, 0, 0, 0);
	semaphore_take(s);
	order[n++] = 3;
	cairn_printf("smoke: s=%lu t=%lu order %d %d %d status %d\n", s, t, order[0], order[1], order[2],
		     thread_get_exit_status(t));
	struct net_addr to = { NET_ADDR(10, 0, 2, 2), 1 };
	cairn_printf("smoke: sockets without a link: open %ld listen %ld connect %ld\n", net_udp_open(9000, 0),
		     net_tcp_listen(9000, 1, 0), net_tcp_connect(&to, 0));
	return 7;
}
