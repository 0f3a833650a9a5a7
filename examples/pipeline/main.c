/*
 * pipeline: the first of two processes joined by a named channel (the second is
 * examples/pipeline_sink). Each process is its own address space with its own handles:
 * the only thing they share is the channel. The source creates the channel, opens its
 * send end, starts the sink from the boot image, says hello (an address in its own
 * memory and its own handle of the channel, which mean nothing to the sink: the sink
 * checks) and streams PIPE_SAMPLES samples. It then closes its end, which the sink
 * reads as the end of the stream, and waits for the sink to end (an event set).
 * The sink's exit status is how many samples it got.
 */
#include <cairn/cairn.h>
#include <cairn/rtos.h>
#include "pipeline.h"

#define MARKER 0xc0ffee

static int stream(chan_s_t tx, chan_t ch)
{
	uint32_t *page = mem_get_pages(NULL, 4096, 0);

	if (!page)
		return -1;
	*page = MARKER;		/* in this process only */
	cairn_printf("pipeline: source wrote %#x at %p and sends its address\n", *page, (void *)page);
	struct pipe_msg m = { MSG_HELLO, 0, (uint64_t)page, ch };
	if (channel_send(tx, &m, sizeof(m), CHAN_BLOCK) != sizeof(m))
		return -1;
	for (uint32_t i = 0; i < PIPE_SAMPLES; i++) {
		m = (struct pipe_msg){ MSG_SAMPLE, i, 100 + (i * 37) % 50, 0 };
		if (channel_send(tx, &m, sizeof(m), CHAN_BLOCK) != sizeof(m))
			return -1;
	}
	return 0;
}

int main(void)
{
	sched_param_t urgent = { SCHEDP_RPRIO, 1 };	/* the sink drains as we fill */
	chan_t ch = channel_create(sizeof(struct pipe_msg), PIPE_LEN, PIPE_NAME, CHAN_SPSC);
	/* The send end is open before the sink looks: a stream with no sender has ended. */
	chan_s_t tx = ch ? channel_get_send(ch) : 0;
	proc_t sink = tx ? process_create_fs("/bin/pipeline_sink", &urgent, 1, NULL, 0, 0) : 0;
	event_t set = event_create(1);		/* to learn when the sink ends */
	struct event_info ev = { 0, 0 };

	if (!sink || !set || event_add(set, sink, 0)) {
		io_print("pipeline: setting up failed\n");
		return 1;
	}
	int r = stream(tx, ch);
	channel_close(tx);
	if (event_wait(set, &ev, 1) != 1 || ev.event_type != EVT_PROC_TERM)
		cairn_printf("pipeline: event_wait gave event %lu, not the sink's end\n", ev.event_type);
	int status = process_get_exit_status(sink);
	event_delete(set);
	channel_destroy(ch);
	cairn_printf("pipeline: source sent %u samples, the sink got %d\n", PIPE_SAMPLES, status);
	return r == 0 && status == PIPE_SAMPLES ? 0 : 1;
}
