/*
 * pipeline.h: what examples/pipeline (the source) and examples/pipeline_sink say to
 * each other over the channel named PIPE_NAME. Both sides must agree on the message
 * size and queue length: channel_retrieve_* checks them.
 */
#ifndef PIPELINE_H
#define PIPELINE_H

#include <stdint.h>

#define PIPE_NAME    "pipeline.samples"
#define PIPE_LEN     8			/* messages the channel holds */
#define PIPE_SAMPLES 20			/* samples the source sends after its hello */

enum { MSG_HELLO = 1, MSG_SAMPLE };

struct pipe_msg {
	uint32_t type;		/* MSG_* */
	uint32_t seq;
	uint64_t a;		/* hello: an address in the source; sample: the value */
	uint64_t b;		/* hello: the source's handle of the channel */
};

#endif
