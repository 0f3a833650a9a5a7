/*
 * rg.h: the plan of tests/qemu/systems/regions.toml (data regions, [[region]]), shared
 * by its four components: where the booter must place each region (back to back from
 * CAIRN_REGION_VA, a guard page after each, in the description's order), and the
 * words the components hand over through them. Keep it in step with regions.toml.
 *
 *   region   size            sharers           at
 *   shared   "10K" -> 12K    owner, peer       CAIRN_REGION_VA
 *   private  8K              owner             + 12K + 4K
 *   dmabuf   16K             dmadrv, plain     + 12K + 4K + 8K + 4K    dma = "dmadrv"
 */
#ifndef RG_H
#define RG_H

#include <cairn/cairn.h>

#define RG_SHARED_VA    CAIRN_REGION_VA
#define RG_SHARED_SIZE  0x3000UL
#define RG_PRIVATE_VA   (RG_SHARED_VA + RG_SHARED_SIZE + 0x1000)
#define RG_PRIVATE_SIZE 0x2000UL
#define RG_DMA_VA       (RG_PRIVATE_VA + RG_PRIVATE_SIZE + 0x1000)
#define RG_DMA_SIZE     0x4000UL

/* Words of `shared` (owner <-> peer) and of `dmabuf` (dmadrv -> plain). */
enum { RG_READY, RG_REPLY, RG_WRONG, RG_FIRST };	/* shared[]: pattern words from RG_FIRST */
enum { RG_PHYS, RG_GO };				/* dmabuf[]: its device address, then go */
#define RG_MAGIC_READY 0x7265616479UL
#define RG_MAGIC_REPLY 0x7265706c79UL
#define RG_YIELDS      200000			/* the most a component waits for its peer */

/* Pattern word i of a writer (its seed), so a reader can check every word. */
static inline uint64_t rg_word(uint64_t seed, uint64_t i)
{
	return (i + 1) * 0x9e3779b97f4a7c15UL ^ seed;
}

/* Waits (yielding) until *w == want: 1, or 0 after RG_YIELDS. */
static inline int rg_wait(volatile uint64_t *w, uint64_t want)
{
	for (unsigned n = 0; n < RG_YIELDS; n++) {
		if (__atomic_load_n(w, __ATOMIC_ACQUIRE) == want)
			return 1;
		cairn_yield();
	}
	return 0;
}

/* QEMU's edu device (docs/specs/edu.rst): its DMA engine copies between memory at a
 * device address and its 4 KiB buffer at device address 0x40000, 100 ms after the
 * command (virtual time). Addresses outside the buffer abort QEMU: keep them in. */
#define EDU_VENDOR   0x1234
#define EDU_DEVICE   0x11e8
#define EDU_ID       0x00		/* reads 0x010000ed */
#define EDU_DMA_SRC  0x80
#define EDU_DMA_DST  0x88
#define EDU_DMA_CNT  0x90
#define EDU_DMA_CMD  0x98
#define EDU_RUN      1			/* cmd: start; clear when done */
#define EDU_TO_RAM   2			/* cmd: buffer -> memory (else memory -> buffer) */
#define EDU_BUF      0x40000UL
#define EDU_BUF_SIZE 0x1000UL
#define EDU_DMA_MAX  0xf00UL		/* a copy's bytes here: QEMU 7.2's edu aborts on a copy
					   that ends at the buffer's end (its range check is off
					   by one), so stay clear of it */

/* One DMA on the edu device at bar: 1 when it has finished, 0 if it did not in 10 s. */
static inline int edu_dma(volatile uint8_t *bar, uint64_t src, uint64_t dst, uint64_t cnt, uint64_t dir,
			  uint64_t tsc_hz)
{
	*(volatile uint64_t *)(bar + EDU_DMA_SRC) = src;
	*(volatile uint64_t *)(bar + EDU_DMA_DST) = dst;
	*(volatile uint64_t *)(bar + EDU_DMA_CNT) = cnt;
	*(volatile uint64_t *)(bar + EDU_DMA_CMD) = EDU_RUN | dir;
	for (uint64_t t0 = cairn_cycles(); cairn_cycles() - t0 < 10 * tsc_hz;) {
		if (!(*(volatile uint64_t *)(bar + EDU_DMA_CMD) & EDU_RUN))
			return 1;
		cairn_yield();
	}
	return 0;
}

#endif
