/*
 * blk.h: the virtio-blk driver's core (blk.c): a virtio 1.x block device (spec 5.2)
 * behind the block transport (cairn/xport.h, docs/devices.md "Transport": a request
 * queue, a response queue, a shared data region). Pure: no system call; it reaches the
 * device through libvirtio and the client through libxport, and main.c does the rest
 * (finding the device, the memory, the interrupt, the wake-ups). Tested on the host
 * with a fake device and a hostile client (tests/host/test_virtio_blk.c).
 *
 * A client request becomes one or more virtio requests ("parts") of at most
 * VBLK_PART_BYTES each, issued one after the other; a request holds one of VBLK_SLOTS
 * slots from the first part to its response. A part is a chain of three descriptors:
 * the header (readable, in the driver's DMA memory), the data (the client's buffer at
 * its device address: readable for a write, writable for a read) and the status byte
 * (writable, driver's DMA memory).
 *
 * Both sides are hostile. The client's requests are checked on the driver's copy (the
 * transport's checks, then: inside the device, buffer aligned to XPORT_BLK_SIZE, not a
 * write to a read-only device), and a bad one is answered with its error. The driver
 * takes a request only when the response queue has room for every request it holds
 * plus this one, so a client that never takes responses stalls only itself. The device's
 * status byte is set to an impossible value before each part and read once after; a
 * device that breaks a queue rule (libvirtio) or the transport's health check fails
 * every request it holds with CAIRN_EIO and every later one likewise.
 */
#ifndef VBLK_H
#define VBLK_H

#include <cairn/virtio.h>
#include <cairn/xport.h>

/* virtio-blk (spec 5.2): feature bits, request types, status values, configuration. */
#define VIRTIO_BLK_F_SIZE_MAX 1
#define VIRTIO_BLK_F_SEG_MAX  2
#define VIRTIO_BLK_F_RO       5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH    9
#define VIRTIO_BLK_T_IN    0
#define VIRTIO_BLK_T_OUT   1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_S_OK     0
#define VIRTIO_BLK_S_IOERR  1
#define VIRTIO_BLK_S_UNSUPP 2
#define VIRTIO_BLK_CFG_CAPACITY 0x00	/* 64: 512-byte sectors */
#define VIRTIO_BLK_CFG_SIZE_MAX 0x08	/* 32: bytes of one segment at most */
#define VIRTIO_BLK_CFG_BLK_SIZE 0x14	/* 32: the logical block size */
#define VIRTIO_BLK_CFG_LEN      0x18	/* the configuration the driver reads */
#define VIRTIO_BLK_SECTOR 512
#define VBLK_SECTORS (XPORT_BLK_SIZE / VIRTIO_BLK_SECTOR)

#define VBLK_SLOTS      32		/* client requests held at once, at most */
#define VBLK_PART_BYTES (1u << 20)	/* bytes of one virtio request at most */
#define VBLK_QUEUE      128		/* the virtqueue's entries at most: 3 per part */
#define VBLK_STATUS_NONE 0xff		/* the status byte before the device writes it */

/* The device header (spec 5.2.6), as the device reads it. */
struct virtio_blk_hdr {
	uint32_t type, reserved;
	uint64_t sector;
};

/* The driver's DMA memory: headers and status bytes, by slot, then the virtqueue. */
struct vblk_dma {
	struct virtio_blk_hdr hdr[VBLK_SLOTS];
	volatile uint8_t status[VBLK_SLOTS];
};
#define VBLK_DMA_BYTES (((sizeof(struct vblk_dma) + 15) & ~15ul) + virtq_bytes(VBLK_QUEUE))

/* A client request held, from its first part to its response. */
struct vblk_slot {
	struct xport_blk_req req;	/* the driver's copy */
	uint64_t done;			/* blocks done */
	uint32_t part;			/* blocks in the part outstanding */
	int busy;
};

/* Memory: virtual address, device address, bytes. */
struct vblk_mem {
	void *va;
	uint64_t dev, bytes;
};

struct vblk {
	struct virtio_pci *v;
	struct virtq q;
	struct vblk_dma *dma;		/* in the DMA memory: the device reads and writes it */
	uint64_t dma_dev;
	uint64_t region_dev, region_bytes;	/* the data region: device address, size */
	struct xport_queue *req, *resp;	/* the client's queues: this end consumes req, produces resp */
	uint64_t blocks;		/* the device's size in XPORT_BLK_SIZE blocks */
	uint32_t part_blocks;		/* blocks of one part at most */
	int read_only, can_flush;
	int failed;			/* the device is broken: every request gets CAIRN_EIO */
	unsigned held;			/* slots busy */
	unsigned max_held;		/* slots usable: the queue holds a part (3 descriptors) for each */
	int kick;			/* parts added since the last notification */
	int announce;			/* the restart notice is still to be put (vblk_announce) */
	uint32_t announce_at;		/* its request-queue position: where this instance starts */
	struct {
		uint64_t requests, errors;	/* answered; of them with an error */
		uint64_t read, written;		/* blocks */
	} stats;
	struct vblk_slot slot[VBLK_SLOTS];
};

/*
 * Brings the device found in *v up to FEATURES_OK and reads its geometry (b->blocks,
 * part_blocks, read_only, can_flush). `iommu`: the device addresses the driver will
 * give are an IOMMU domain's, so the device must offer VIRTIO_F_ACCESS_PLATFORM (one
 * that does not would bypass the IOMMU and take them for physical addresses). 0, or
 * CAIRN_ENOTSUP (the device's features, or a block size or segment limit it cannot
 * serve with XPORT_BLK_SIZE blocks), or what libvirtio returns; the device is then
 * FAILED and b failed.
 */
long vblk_probe(struct vblk *b, struct virtio_pci *v, int iommu);

/*
 * Then: the one queue in the DMA memory (after the headers and status bytes), with
 * `vector` (MSI-X) or VIRTIO_MSI_NO_VECTOR, DRIVER_OK, and the client's queues (this end
 * consumes req, produces resp) and data region (its device address and size). 0, or
 * the first error: CAIRN_EIO (the probe failed), CAIRN_ENOMEM (dma smaller than
 * VBLK_DMA_BYTES), CAIRN_EINVAL (dma not 16-byte aligned, or the queues not a block
 * request consumer and response producer: then nothing is served), CAIRN_ENOTSUP (a queue too
 * small for one part), what libvirtio returns. On an error the device is FAILED, and
 * every request is answered CAIRN_EIO: a client is told, not left waiting.
 */
long vblk_start(struct vblk *b, const struct vblk_mem *dma, const struct vblk_mem *region,
		struct xport_queue *req, struct xport_queue *resp, unsigned vector);

/*
 * After vblk_start, in a restarted driver (docs/devices.md "Transport", "Restart"): before
 * anything else it answers, the driver puts the restart notice on the response queue
 * (XPORT_BLK_RESTARTED: id 0, status CAIRN_ESTALE, count = the request queue's position
 * where this instance starts, what xport_attach read), so that the client fails every
 * request it put before that position and has no answer for. Until the notice is put
 * (the response queue has room) no request is taken. Nothing if vblk_start found the
 * queues wrong.
 */
void vblk_announce(struct vblk *b);

/*
 * One round of work: takes the device's completions, answers them, then takes client
 * requests while slots and response room allow. Returns a mask of what main.c must
 * do: VBLK_WAKE_CLIENT (it waits on a queue: send to it), VBLK_KICK_DONE is internal.
 * Never blocks. A client whose queue cursors are beyond reason (CAIRN_EIO from the
 * transport) is left alone until they make sense again.
 */
#define VBLK_WAKE_CLIENT 1
unsigned vblk_work(struct vblk *b);

/* Before sleeping: arms the device's interrupt and the client's queue (the request
 * queue, or the response queue when it lacks room); 1 if there is work already (do not
 * sleep: call vblk_work), 0 to sleep. Never 1 for lack of room or a client's cursor
 * beyond reason, which only the client's next send changes: the driver does not spin. */
int vblk_arm(struct vblk *b);

#endif
