/*
 * rch_proto.h: what the channel conformance program (tests/rtos/rtos_chan) and its
 * peer process (tests/rtos/rtos_chanpeer, which includes this file) agree on: the
 * names of the channels and regions they meet at, the commands rtos_chan sends the
 * peer on "rch.cmd" and the replies it reads on "rch.rep", and the stream items.
 *
 * The peer retrieves "rch.cmd" (receive end) and "rch.rep" (send end) by name; if
 * "rch.cmd" does not exist it ends at once with RCH_PEER_ALONE (the event tests start
 * it so, to watch a process end). Otherwise it replies RCH_HELLO and then serves one
 * command at a time, each answered by one reply with the same op.
 */
#ifndef RCH_PROTO_H
#define RCH_PROTO_H

#include <stdint.h>

#define RCH_CMD_NAME    "rch.cmd"
#define RCH_REP_NAME    "rch.rep"
#define RCH_CTL_LEN     4		/* queue length of both control channels */
#define RCH_STREAM_NAME "rch.stream"	/* peer -> rtos_chan, RCH_ITEM bytes, SPSC */
#define RCH_STREAM_LEN  64
#define RCH_STREAM_N    100000
#define RCH_MP_NAME     "rch.mp"	/* both ways, RCH_ITEM bytes, MPMC */
#define RCH_MP_LEN      16
#define RCH_MP_N        20000		/* items from each of the two senders */
#define RCH_XSHM_NAME   "rch.xshm"	/* rtos_chan's named region, RCH_XSHM_BYTES */
#define RCH_XSHM_BYTES  8192
#define RCH_LAST_NAME   "rch.last"	/* the peer's channel, 8-byte items, len 4 */
#define RCH_PSHM_NAME   "rch.pshm"	/* the peer's named region, one page */
#define RCH_EVX_NAME    "rch.evx"	/* peer -> rtos_chan, 8-byte items, len 4 */
#define RCH_FAULT_NAME  "rch.fault"	/* to a second rtos_chan: which EFAULT check to run */

#define RCH_PEER_ALONE   33		/* exit status: no "rch.cmd" to serve */
#define RCH_PEER_NO_REP  34		/* "rch.rep" could not be retrieved */
#define RCH_PEER_LOST    35		/* receiving a command failed */
#define RCH_PEER_STATUS  77		/* the status RCH_QUIT asks for */

/* Patterns the two processes write into shared regions (word i of a page). */
#define RCH_PAT_MAIN(i) (0xa11ce00000000000UL + (i))
#define RCH_PAT_PEER(i) (0xb0b0000000000000UL + (i))
#define RCH_PAT_LAST    0x77777777UL

enum rch_op {
	RCH_HELLO = 1,	/* reply only: a[0] = 1 */
	RCH_STREAM,	/* retrieve the stream's send end, reply (a[0] = end), send
			 * RCH_STREAM_N items blocking, close, reply (a[0] = items sent, a[1] =
			 * first error or 0, a[2] = close's result) */
	RCH_MPMC,	/* retrieve an end of each side of RCH_MP_NAME, reply (a[0] send end,
			 * a[1] receive end); run sender 1 and a receiver; reply a struct
			 * rch_tally in a[] */
	RCH_SHM_NAMED,	/* map RCH_XSHM_NAME; reply words wrong (a[0]), where mapped (a[1]),
			 * mem_free_pages's result (a[2]) */
	RCH_SHM_ANON,	/* the same for the anonymous region of id a[0] */
	RCH_FOREIGN,	/* try rtos_chan's channel a[0], regions RCH_XSHM_NAME and anon id
			 * a[1], and a channel named RCH_CMD_NAME: a[0] get_send, a[1] get_recv,
			 * a[2] destroy, a[3] destroy_named, a[4] destroy_anon, a[5] create */
	RCH_EXIT_PREP,	/* create RCH_LAST_NAME and send one item into it, create region
			 * RCH_PSHM_NAME, write RCH_PAT_LAST in its first word; a[0..4] the
			 * create, get_send, send, shm create and map results */
	RCH_EVSEND,	/* retrieve RCH_EVX_NAME's send end, reply (a[0] = end), sleep a[0]
			 * microseconds, send RCH_PAT_LAST (8 bytes) and close (no second reply) */
	RCH_QUIT,	/* end with status a[0] (no reply) */
};

struct rch_msg {
	uint64_t op;
	uint64_t a[7];
};

/* A stream item: sender's number, its sequence number, and check = rch_item_check. */
struct rch_item {
	uint32_t sender;
	uint32_t seq;
	uint64_t check;
};

static inline uint64_t rch_item_check(uint32_t sender, uint32_t seq)
{
	return ((uint64_t)seq * 0x9e3779b97f4a7c15UL) ^ ((uint64_t)sender << 56) ^ 0x5eed;
}

/*
 * What a receiver saw of each sender in a cross-process MPMC run: how many items,
 * the sum and the sum of squares of their sequence numbers (together with the count,
 * a loss or a duplicate changes one of them), and items out of order or malformed.
 */
struct rch_tally {
	uint64_t count[2];
	uint64_t sum[2];
	uint64_t sumsq[2];
	uint64_t bad;		/* malformed, or not after that sender's previous item */
};

_Static_assert(sizeof(struct rch_tally) <= sizeof(((struct rch_msg *)0)->a), "a tally fits a reply");

#endif
