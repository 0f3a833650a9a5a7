/*
 * ph.h: what ph_honest and ph_scribbler (tests/qemu/systems/ports_hostile*.toml)
 * share. Four ports join them, one per mode and direction, and two well-behaved
 * control ports:
 *
 *   a_in   async, scribbler -> honest     s_in   sync, scribbler -> honest
 *   a_out  async, honest -> scribbler     s_out  sync, honest -> scribbler
 *   ctl    async, honest -> scribbler     ack    async, scribbler -> honest
 *
 * The honest end says over ctl that it has opened its ports (PH_READY). Phase 1: the
 * scribbler writes extreme and random values into every word of the four rings'
 * headers and into their slots, and wakes the honest end's endpoint, while the honest
 * end sends or receives PH_OPS times on each port. Then the honest end says over ctl
 * where its cursors stand (PH_DONE); the scribbler puts the four rings in order,
 * answers over ack, and behaves: phase 2 passes PH_GOOD messages over each port, in
 * order.
 */
#ifndef PH_H
#define PH_H

#include <stdint.h>

#define PH_PORTS    4		/* a_in, a_out, s_in, s_out */
#define PH_OPS      3000	/* phase 1: honest steps per port */
#define PH_GOOD     200		/* phase 2: messages per port */
#define PH_SLOT_MAX 64		/* the largest slot_size of the four */
#define PH_IDLE_MAX 100000	/* yields in a row with no progress: the other side is gone */

#define PH_READY 1
#define PH_DONE  2

static const char *const ph_names[PH_PORTS] = { "a_in", "a_out", "s_in", "s_out" };
static const uint32_t ph_slot_size[PH_PORTS] = { 16, 64, 32, 16 };	/* as the description says */
static const uint32_t ph_slots[PH_PORTS] = { 8, 4, 8, 2 };

/* ctl's messages (32-byte slots). */
struct ph_ctl {
	uint32_t what;			/* PH_READY or PH_DONE */
	uint32_t cursor[PH_PORTS];	/* PH_DONE: each honest end's cursor, where it stands */
	uint32_t pad[3];
};

/* Phase 2's messages: a sequence number and a check word, then filler to the slot. */
static inline uint64_t ph_check(unsigned port, uint64_t seq)
{
	return (seq + 1 + ((uint64_t)port << 40)) * 0x9e3779b97f4a7c15UL;
}

#endif
