/*
 * bootcount: the client of systems/blk.toml, on the block transport (docs/devices.md,
 * "Transport", through libxport's block client, which also fails what a driver restart
 * lost) to the virtio-blk driver over a disk that `make run SYSTEM=blk` keeps
 * in build/run-disk-blk.img. Block 0 holds a record: a magic word and how many times the
 * system has booted from this disk. It reads the block, counts this boot (a fresh
 * record if the magic is not there), writes it back, flushes, reads it again to check,
 * prints what it found, and stops the driver, so the system ends. Run it twice and the
 * count goes up: the disk outlives the machine.
 */
#include <iface/virtio_blk.h>
#include <cairn/xport.h>

#define MAGIC 0x31544e554f43424eULL	/* "NBCOUNT1" */

struct record {
	uint64_t magic;
	uint64_t boots;
};

static struct xport_blk_sync blk;	/* the transport, and requests a driver restart lost */

static struct xport_blk_resp call(uint32_t op, uint32_t count, uint64_t block)
{
	return xport_blk_sync_call(&blk, op, count, block, 0);
}

/* Counts this boot in block 0: the new count, or an error. */
static long count_boot(volatile struct record *rec)
{
	struct xport_blk_resp r = call(XPORT_BLK_READ, 1, 0);
	if (r.status)
		return r.status;
	uint64_t boots = rec->magic == MAGIC ? rec->boots + 1 : 1;
	rec->magic = MAGIC;
	rec->boots = boots;
	if ((r = call(XPORT_BLK_WRITE, 1, 0)).status || (r = call(XPORT_BLK_FLUSH, 0, 0)).status)
		return r.status;
	rec->boots = 0;
	if ((r = call(XPORT_BLK_READ, 1, 0)).status)
		return r.status;
	return rec->magic == MAGIC && rec->boots == boots ? (long)boots : CAIRN_EIO;
}

int main(const struct cairn_root *rt)
{
	(void)rt;
	const struct cairn_region *data = cairn_region("blk_data");
	long r = data ? xport_blk_sync_open(&blk, "blk_req", "blk_resp") : CAIRN_ENOENT;
	struct xport_blk_resp cap = { .status = (int32_t)r };

	if (!r)
		cap = call(XPORT_BLK_CAPACITY, 0, 0);
	if (!r && !cap.status)
		r = count_boot((volatile struct record *)data->va);
	if (r < 0 || cap.status)
		cairn_printf("bootcount: the disk did not answer (%ld, %d)\n", r, cap.status);
	else
		cairn_printf("bootcount: this disk (%lu blocks of %u bytes) has now been booted %ld time%s\n",
			     cap.count, XPORT_BLK_SIZE, r, r == 1 ? "" : "s");
	virtio_blk_stop();
	cairn_asnd_send(blk.req_port.peer, 0);	/* the driver stops at its next wake */
	return 0;
}
