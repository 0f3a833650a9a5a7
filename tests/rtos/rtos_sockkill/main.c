/*
 * rtos_sockkill: tests/rtos/rtos_sock's second child (rs.14). A worker thread opens and
 * closes UDP sockets (any port) without end, each open waiting in the rtos component
 * for net's answer; the main thread kills it after 0 to 750 us, twenty times over, so
 * that some kills find it waiting (the answer then comes for nobody and the socket is
 * closed: the rtos counts it, "opened for ended threads"), some holding an open socket
 * (the process's until it ends), some elsewhere. Returns 5 once every worker was killed
 * (exit status EIO each); says how many opens succeeded and failed (ENOBUFS once the
 * sockets killed workers held fill the quota). If no open has come back after ROUNDS
 * (a loaded host on several cores answers slower than the naps), it goes on with naps
 * that grow, up to MAX_ROUNDS, so that some kill finds an open socket.
 */
#include <cairn/cairn.h>
#include <cairn/rtos.h>

#define ROUNDS     20
#define MAX_ROUNDS 200

static volatile unsigned long opened, failed;
static volatile long last;

static void worker(void)
{
	for (;;) {
		long u = net_udp_open(0, 0);
		if (u > 0) {
			opened++;
			net_close((net_sock_t)u);
		} else {
			failed++;
			last = u;
		}
	}
}

int main(void)
{
	timer_t nap = timer_create();
	sched_param_t later = { SCHEDP_RLPRIO, 10 };
	unsigned killed = 0, i;

	for (i = 0; i < MAX_ROUNDS && (i < ROUNDS || !opened); i++) {
		thread_t w = thread_create(worker, &later, 1, 0);
		struct time t;
		time_create(&t, 0, (1 + (i % 4) * 250) * (1 + i / ROUNDS));
		timer_start(nap, &t);
		timer_wait(nap);
		killed += w && thread_kill(w) == 0 && thread_get_exit_status(w) == EIO;
	}
	cairn_printf("rtos_sockkill: %u workers killed of %u; %lu opens, %lu failed (%ld)\n", killed, i, opened,
		     failed, last);
	return killed == i ? 5 : 1;
}
