/*
 * blk_crashy: the virtio-blk driver (components/virtio_blk, blk.c and main.c compiled
 * here unchanged, in one unit) for the restart test (tests/qemu/systems/
 * virtio_blk_restart.toml): a read of one block at VBLK_CRASH_BLOCK, a block no disk of
 * the test has, makes it notify the device of the parts it has just added (so that they
 * are really in flight) and execute ud2, on its own thread, mid-round. Only this test
 * image has the trap: the driver's own image cannot crash on a request.
 */
#include <cairn/pci.h>
#include <cairn/virtio.h>
#include <cairn/xport.h>

#define VBLK_CRASH_BLOCK 0xc4a5c4a5ull

/* blk.c takes requests through this (below, once main.c's driver state is visible). */
static long crashy_get_req(struct xport_queue *q, uint64_t region, struct xport_blk_req *req);
#define xport_blk_get_req crashy_get_req
#define queue vblk_queue		/* main.c has a queue() of its own */
#include "../../../components/virtio_blk/blk.c"
#undef queue
#undef xport_blk_get_req
#include "../../../components/virtio_blk/main.c"

static long crashy_get_req(struct xport_queue *q, uint64_t region, struct xport_blk_req *req)
{
	long r = xport_blk_get_req(q, region, req);
	if (r == 0 && req->op == XPORT_BLK_READ && req->count == 1 && req->block == VBLK_CRASH_BLOCK) {
		cairn_printf("blk_crashy: crashing with %u requests held\n", blk.held);
		if (blk.kick)
			virtq_kick(&blk.q);
		__builtin_trap();
	}
	return r;
}
