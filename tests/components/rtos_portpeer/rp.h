/*
 * rp.h: the plan shared by tests/rtos/rtos_port (an RTOS program) and its peer
 * component tests/components/rtos_portpeer, over the rtos component's ports of
 * tests/qemu/systems/rtos_port.toml. The program sends a command on rp_req; the peer
 * answers each on rp_resp (RP_QUIT excepted). A command's op is the low byte of w[0].
 */
#ifndef RP_H
#define RP_H

#include <stdint.h>

struct rp_msg {				/* one slot of rp_req and rp_resp (32 bytes) */
	uint64_t w[4];
};

enum {
	RP_ECHO = 1,	/* answer: w[0] = op, w[1] = the command's w[1] + 1, w[2] its w[2] */
	RP_RAW,		/* answer: the command's slot as it came */
	RP_AECHO,	/* w[1] slots from rp_aout each onto rp_ain, word 0 + 1000; answer w[1] = how many */
	RP_DELAY,	/* w[1] ms of waiting, then answer as RP_ECHO */
	RP_ALATER,	/* w[1] ms of waiting, then one slot as RP_AECHO; answer w[1] = how many */
	RP_EIO,		/* rp_hin's head (the peer's cursor) past anything the ring holds */
	RP_STALE,	/* rp_hin's cursors both at RP_STALE_AT (the rtos's copy written), then one
			   slot; answer w[3] = the put's result */
	RP_SCRIBBLE,	/* w[1] random words into rp_hin and rp_hout: header and slots */
	RP_SANE,	/* both hostile rings at 0, then one slot (word 0 = RP_GOOD) on rp_hin;
			   w[3] as RP_STALE's */
	RP_TAKE,	/* one slot from rp_hout (resyncing first): answer w[1] = its word 0, w[3] = the result */
	RP_QUIT,	/* no answer: the peer ends */
};

#define RP_STALE_AT 12345u
#define RP_GOOD     0x600d600d600dUL
#define RP_A_PLUS   1000		/* RP_AECHO's change to word 0 */

#endif
