/*
 * hc.h: what rtos_chhonest and rtos_chscrib (tests/qemu/systems/rtos_chhostile.toml)
 * share. The honest process makes four channels, one per kind and direction, and two
 * well-behaved control channels, then starts the scribbler, which opens the other end
 * of each by name:
 *
 *   hc_s_in   SPSC, scribbler -> honest     hc_m_in   MPMC, scribbler -> honest
 *   hc_s_out  SPSC, honest -> scribbler     hc_m_out  MPMC, honest -> scribbler
 *   hc_ctl    honest -> scribbler           hc_ack    scribbler -> honest
 *
 * The scribbler says HC_READY over hc_ack. Phase 1: it writes extreme and random
 * values into every word of the four rings' headers and into their cells, and wakes
 * the honest side's waiters through the rtos component, while the honest process
 * sends or receives HC_OPS times on each channel, blocking one step in four. Then
 * the honest process says HC_DONE over hc_ctl; the scribbler zeroes the four rings
 * (an empty ring at position 0, both sides open), answers HC_REPAIRED and behaves:
 * phase 2 passes HC_GOOD messages over each channel, in order.
 *
 * Phase 3, when the RTOS runs on two cores: on a fifth channel, hc_spin (MPMC), the
 * scribbler marks every cell taken by a later lap and has a thread on core 1 move the
 * send cursor on without end, while the honest process, on core 0, sends
 * HC_SPIN_SENDS times without blocking: each send must give up (ENOBUFS) instead of
 * chasing the cursor for as long as the peer moves it.
 */
#ifndef HC_H
#define HC_H

#include <cairn/rtos.h>
#include <stdint.h>

#define HC_CHANS  4
#define HC_OPS    1500		/* phase 1: honest steps per channel */
#define HC_GOOD   200		/* phase 2: messages per channel */
#define HC_SIZE_MAX 40		/* the largest type size of the four */

#define HC_READY    1
#define HC_DONE     2
#define HC_REPAIRED 3
#define HC_SPIN     4		/* phase 3: start the spinner on core 1 */
#define HC_SPINNING 5
#define HC_ONE_CORE 6		/* no core 1: no phase 3 */
#define HC_STOP     7

#define HC_SPIN_SENDS 20000	/* phase 3: non-blocking sends while the cursor spins */
#define HC_SPIN_SIZE  16
#define HC_SPIN_LEN   4

static const char *const hc_names[HC_CHANS] = { "hc_s_in", "hc_s_out", "hc_m_in", "hc_m_out" };
static const uint32_t hc_size[HC_CHANS] = { 16, 24, 20, 40 };	/* 20: not whole words */
static const uint32_t hc_len[HC_CHANS] = { 8, 4, 5, 3 };	/* 5, 3: not powers of two */
static const chan_flags_t hc_kind[HC_CHANS] = { CHAN_SPSC, CHAN_SPSC, CHAN_MPMC, CHAN_MPMC };

/* The honest process receives on the even channels and sends on the odd ones. */
static inline int hc_honest_sends(unsigned i)
{
	return i & 1;
}

/* hc_ctl's and hc_ack's messages. */
struct hc_ctl {
	uint64_t what;
	uint64_t pad[3];
};
#define HC_CTL_SIZE sizeof(struct hc_ctl)
#define HC_CTL_LEN  2

/* Phase 2's messages: a sequence number and a check word, then filler to the size. */
static inline uint64_t hc_check(unsigned chan, uint64_t seq)
{
	return (seq + 1 + ((uint64_t)chan << 40)) * 0xbf58476d1ce4e5b9UL;
}

#endif
