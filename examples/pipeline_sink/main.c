/*
 * pipeline_sink: the second process of examples/pipeline. It finds the channel by
 * name, checks that what the source sent about itself means nothing here (isolation),
 * smooths the samples and exits with how many it got.
 */
#include <cairn/cairn.h>
#include <cairn/rtos.h>
#include "../pipeline/pipeline.h"

/* The source's address and channel handle, tried from this process. */
static void check_isolation(const struct pipe_msg *hello)
{
	uint32_t *here = mem_get_pages((void *)hello->a, 4096, 0);
	chan_s_t forged = channel_get_send(hello->b);

	cairn_printf("pipeline_sink: at %p this process has %s; the source's channel handle gives %s\n",
		     (void *)hello->a, here && *here == 0 ? "its own zeroed page" : "something else",
		     forged ? "an end (wrong!)" : "nothing");
	if (here)
		mem_free_pages(here, 4096);
}

int main(void)
{
	chan_r_t rx = channel_retrieve_recv(sizeof(struct pipe_msg), PIPE_LEN, PIPE_NAME);
	struct pipe_msg m;
	uint32_t n = 0;
	uint64_t avg = 0, lo = ~0UL, hi = 0;
	int got;

	if (!rx) {
		io_print("pipeline_sink: no channel named " PIPE_NAME "\n");
		return -1;
	}
	while ((got = channel_recv(rx, &m, sizeof(m), CHAN_BLOCK)) == sizeof(m)) {
		if (m.type == MSG_HELLO) {
			check_isolation(&m);
			continue;
		}
		avg = n ? (3 * avg + m.a) / 4 : m.a;	/* exponential smoothing */
		lo = avg < lo ? avg : lo;
		hi = avg > hi ? avg : hi;
		n++;
	}
	channel_close(rx);
	cairn_printf("pipeline_sink: end of stream (%d) after %u samples, smoothed %lu..%lu, last %lu\n", got, n,
		     lo, hi, avg);
	return (int)n;
}
