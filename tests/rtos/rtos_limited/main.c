/*
 * rtos_limited: a process started with limits (tests/rtos/rtos_proc, rp.7). It makes
 * threads until thread_create fails, maps pages one at a time until mem_get_pages
 * fails, checks that freeing one page lets it map one again, and exits with (pages
 * mapped at the end << 8) | threads alive at the most, or -1 if the page it freed
 * could not be mapped again.
 */
#include <cairn/rtos.h>
#include <cairn/rtos_abi.h>

#define MOST_PAGES   512
#define MOST_THREADS 16

static sem_t hold;

static void waiter(void)
{
	semaphore_take(hold);
}

int main(void)
{
	void *page[MOST_PAGES];
	unsigned n = 0, threads = 1;

	hold = semaphore_create(0, 0);
	/* 4 KiB stacks: a page limit leaves pages to map after 16 threads, as the image grows */
	while (threads < MOST_THREADS && thread_create(waiter, 0, 0, THREAD_NO_JOIN | THREAD_STACK_4K))
		threads++;
	while (n < MOST_PAGES && (page[n] = mem_get_pages(0, 4096, 0)))
		n++;
	if (!n)
		return -1;
	mem_free_pages(page[n - 1], 4096);
	if (!mem_get_pages(0, 4096, 0))
		return -1;
	return (int)(rtos_stats(RTOS_STAT_PAGES) << 8 | threads);	/* ending ends the waiters */
}
