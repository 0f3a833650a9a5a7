/*
 * rg_peer: the other sharer of `shared` (tests/qemu/systems/regions.toml; rg.h has the
 * plan): it finds it at the owner's address, does not find `private`, reads what the
 * owner wrote and replies; then it writes the region's last byte, and the first byte
 * past it, the guard page, which must fault (the test expects that FAULT line).
 *
 *   rg.4  peer_sees_shared  shared at the same address and size; private not listed
 */
#include "../rg_owner/rg.h"

int main(const struct cairn_root *rt)
{
	const struct cairn_io *io = (const struct cairn_io *)rt->io_va;
	const struct cairn_region *s = cairn_region("shared");

	cairn_check("rg.4", "peer_sees_shared", io && io->nregions == 1 && s == &io->region[0] &&
		    s->va == RG_SHARED_VA && s->size == RG_SHARED_SIZE && s->flags == 0 && !cairn_region("private"),
		    "I/O page 0x%lx: %u regions; shared %p at 0x%lx", rt->io_va, io ? io->nregions : 0,
		    (const void *)s, s ? s->va : 0);
	if (!s)
		return 0;
	volatile uint64_t *sw = (volatile uint64_t *)s->va;
	if (!rg_wait(&sw[RG_READY], RG_MAGIC_READY))
		return 0;			/* the owner's rg.3 says so */
	uint64_t wrong = 0;
	for (uint64_t i = RG_FIRST; i < s->size / 16; i++)
		wrong += sw[i] != rg_word(1, i);
	for (uint64_t i = s->size / 16; i < s->size / 8; i++)
		sw[i] = rg_word(2, i);
	sw[RG_WRONG] = wrong;
	__atomic_store_n(&sw[RG_REPLY], RG_MAGIC_REPLY, __ATOMIC_RELEASE);
	volatile uint8_t *end = (volatile uint8_t *)(s->va + s->size);
	end[-1] = end[-1];		/* a write, of the value the owner checks */
	cairn_printf("rg_peer: wrote the last byte of 'shared'; now its guard page at 0x%lx\n", (uint64_t)end);
	end[0] = 1;
	cairn_printf("rg_peer: the guard page took a write: must never appear\n");
	return 0;
}
