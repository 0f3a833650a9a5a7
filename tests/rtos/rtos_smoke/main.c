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
	return 7;
}
