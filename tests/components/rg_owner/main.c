/*
 * rg_owner: shares region `shared` with rg_peer and has `private` to itself
 * (tests/qemu/systems/regions.toml; rg.h has the plan). Its I/O page lists both, at
 * the addresses and sizes the booter must give them (12K: "10K" rounded up to pages),
 * without DMA; both start zeroed; what it writes into `shared` the peer reads at the
 * same address, and the peer's reply comes back.
 *
 *   rg.1  io_page_lists_regions  shared and private, placed and sized, no DMA; nothing else
 *   rg.2  regions_zeroed         every word of both reads 0 at first
 *   rg.3  shared_both_ways       the peer read every word it wrote, and its reply arrived
 */
#include "rg.h"

static int zero(const volatile uint64_t *w, uint64_t bytes)
{
	for (uint64_t i = 0; i < bytes / 8; i++)
		if (w[i])
			return 0;
	return 1;
}

int main(const struct cairn_root *rt)
{
	const struct cairn_io *io = (const struct cairn_io *)rt->io_va;
	const struct cairn_region *s = cairn_region("shared"), *p = cairn_region("private");

	cairn_check("rg.1", "io_page_lists_regions", io == (const void *)CAIRN_IO_VA && io->magic == CAIRN_IO_MAGIC &&
		    io->nregions == 2 && io->ndevices == 0 && s == &io->region[0] && p == &io->region[1] &&
		    s->va == RG_SHARED_VA && s->size == RG_SHARED_SIZE && s->flags == 0 && s->dma == 0 &&
		    p->va == RG_PRIVATE_VA && p->size == RG_PRIVATE_SIZE && p->flags == 0 && p->dma == 0 &&
		    !cairn_region("dmabuf") && !cairn_region("nosuch") && !cairn_region(""),
		    "I/O page 0x%lx: %u regions; shared %p (0x%lx, 0x%lx bytes, flags %u, dma 0x%lx); private %p",
		    rt->io_va, io ? io->nregions : 0, (const void *)s, s ? s->va : 0, s ? s->size : 0,
		    s ? s->flags : 0, s ? s->dma : 0, (const void *)p);
	if (!s || !p)
		return 0;
	volatile uint64_t *sw = (volatile uint64_t *)s->va, *pw = (volatile uint64_t *)p->va;
	cairn_check("rg.2", "regions_zeroed", zero(sw, s->size) && zero(pw, p->size), "a word is not 0");
	for (uint64_t i = RG_FIRST; i < s->size / 16; i++)	/* the first half: the peer replies in the second */
		sw[i] = rg_word(1, i);
	for (uint64_t i = 0; i < p->size / 8; i++)
		pw[i] = rg_word(3, i);
	__atomic_store_n(&sw[RG_READY], RG_MAGIC_READY, __ATOMIC_RELEASE);
	int replied = rg_wait(&sw[RG_REPLY], RG_MAGIC_REPLY);
	uint64_t wrong = 0;
	for (uint64_t i = s->size / 16; i < s->size / 8; i++)
		wrong += sw[i] != rg_word(2, i);
	for (uint64_t i = 0; i < p->size / 8; i++)
		wrong += pw[i] != rg_word(3, i);
	cairn_check("rg.3", "shared_both_ways", replied && sw[RG_WRONG] == 0 && wrong == 0,
		    "reply %d; the peer found %lu words wrong; %lu words of its reply or of private wrong",
		    replied, sw[RG_WRONG], wrong);
	return 0;
}
