/*
 * vnet.h: the virtio-net driver's core (vnet.c): a virtio 1.x network device (spec
 * 5.1) behind the net transport (cairn/xport.h, cairn/net.h, docs/devices.md
 * "Virtio-net": rx free, rx active, tx active, tx free, a shared data region). Pure: no
 * system call; it reaches the device through libvirtio and the client through
 * libxport, and main.c does the rest (finding the device, the memory, the interrupt,
 * the wake-ups).
 *
 * Zero copy: a frame is never copied. Each client buffer the driver holds is a chain
 * of two descriptors: the 12-byte virtio_net_hdr in the driver's own DMA memory (by
 * slot), then the buffer itself at its device address in the data region (receive:
 * device-writable, at most NET_FRAME_MAX bytes of it; transmit: readable, the frame).
 * No offloads are negotiated, so every header sent is zero and every header received
 * is ignored.
 *
 * Both sides are hostile. A client's descriptor is checked on the driver's copy
 * (inside the region: libxport; then the lengths of cairn/net.h) and a bad one comes
 * back at once with len 0. The driver takes a descriptor only when the queue it will
 * come back on has room for every descriptor held in that direction plus this one, so
 * it never waits for a client and a client that never takes its buffers back stalls
 * only itself. A device that breaks a queue rule (libvirtio) is reset and failed: it
 * returns every buffer it held with len 0, and every later one likewise.
 */
#ifndef VNET_H
#define VNET_H

#include <cairn/net.h>
#include <cairn/virtio.h>
#include <cairn/xport.h>

/* virtio-net (spec 5.1): features, configuration, queues. */
#define VIRTIO_NET_F_MAC 5
#define VIRTIO_NET_CFG_MAC 0x00		/* 6 bytes */
#define VIRTIO_NET_CFG_LEN 0x06		/* the configuration the driver reads */
#define VNET_RXQ 0			/* receiveq1 */
#define VNET_TXQ 1			/* transmitq1 */

#define VNET_QUEUE 128			/* each virtqueue's entries at most: 2 per buffer */
#define VNET_HELD  (VNET_QUEUE / 2)	/* buffers held at most, per direction */

/* The header before every frame (spec 5.1.6; 12 bytes with VIRTIO_F_VERSION_1). */
struct virtio_net_hdr {
	uint8_t flags, gso_type;
	uint16_t hdr_len, gso_size, csum_start, csum_offset, num_buffers;
};

/* The driver's DMA memory: the headers by slot, then the two virtqueues. */
struct vnet_dma {
	struct virtio_net_hdr rx[VNET_HELD];
	struct virtio_net_hdr tx[VNET_HELD];
};
#define VNET_QBYTES   ((virtq_bytes(VNET_QUEUE) + 15) & ~15ul)
#define VNET_QAT      ((sizeof(struct vnet_dma) + 15) & ~15ul)
#define VNET_DMA_BYTES (VNET_QAT + 2 * VNET_QBYTES)

/* Memory: virtual address, device address, bytes. */
struct vnet_mem {
	void *va;
	uint64_t dev, bytes;
};

/* A client buffer the device holds. */
struct vnet_slot {
	struct xport_buf buf;		/* the driver's copy */
	int busy;
};

/* One direction: its virtqueue, the client's queue it takes buffers from and the one
 * it gives them back on, its slots and headers. */
struct vnet_dir {
	struct virtq q;
	struct xport_queue *from, *back;
	struct virtio_net_hdr *hdr;	/* in the DMA memory, by slot */
	unsigned held, max_held;
	int kick;			/* chains added since the last notification */
	int tx;				/* 1: transmit */
	uint32_t announce;		/* the notice due (its id: vnet_announce, vnet_reset), or 0 */
	uint32_t announce_at;		/* its position: `from`'s cursor at the restart or reset */
	struct vnet_slot slot[VNET_HELD];
};

struct vnet {
	struct virtio_pci *v;
	struct vnet_dir rx, tx;
	void *dma;
	uint64_t dma_dev;
	uint64_t region_dev, region_bytes;	/* the data region: device address, size */
	uint8_t mac[NET_MAC_LEN];
	int has_mac;
	int failed;			/* the device is broken: every buffer comes back refused */
	uint64_t stats[NET_STAT_COUNT];	/* written by the driver's thread, read by gates */
};

/*
 * Brings the device found in *v up to FEATURES_OK and reads its MAC address, if it
 * offers one (has_mac). `iommu` as vblk_probe: the device must then offer
 * VIRTIO_F_ACCESS_PLATFORM. 0, or what libvirtio returns; the device is then FAILED
 * and n failed.
 */
long vnet_probe(struct vnet *n, struct virtio_pci *v, int iommu);

/*
 * Then: the two queues in the DMA memory (after the headers) with `vector` (MSI-X) or
 * VIRTIO_MSI_NO_VECTOR, DRIVER_OK, and the client's four queues and data region. 0,
 * or the first error: CAIRN_EIO (the probe failed), CAIRN_ENOMEM (dma smaller than
 * VNET_DMA_BYTES), CAIRN_EINVAL (dma not 16-byte aligned), CAIRN_ENOTSUP (a queue
 * too small for one buffer), what libvirtio returns. On an error the device is FAILED
 * and every buffer comes back refused.
 */
struct vnet_queues {
	struct xport_queue *rx_free, *rx_active, *tx_active, *tx_free;
};
long vnet_start(struct vnet *n, const struct vnet_mem *dma, const struct vnet_mem *region,
		const struct vnet_queues *qs, unsigned vector);

/*
 * One round: the device's completions (received frames to rx active, sent buffers to
 * tx free), then the client's buffers while slots and room allow. Never blocks.
 * Returns VNET_WAKE_CLIENT if the client waits on one of its queues: send to it.
 */
#define VNET_WAKE_CLIENT 1
unsigned vnet_work(struct vnet *n);

/*
 * A restarted driver (a later generation), after vnet_start: the restart notice is due
 * in each direction (cairn/xport.h XPORT_NET_RESTARTED; docs/devices.md "Virtio-net",
 * "Restart"), at the client's queue's position now. vnet_work puts it before it takes
 * any buffer in that direction (waiting for room on the way back, as for any buffer).
 */
void vnet_announce(struct vnet *n);

/*
 * The client restarted and asked for a reset (interfaces/net.toml `reset`;
 * docs/devices.md "Virtio-net", "A client's restart"), after vnet_start: the device is
 * reset and set up again (vnet_probe's and vnet_start's steps, with the same arguments:
 * it no longer reads or writes any buffer), every buffer held is forgotten, never given
 * back (the client instance that gave it is gone), what waits on rx free and tx active
 * is dropped unread (xport_drop: bounded by the client's cursor, read once; a cursor
 * beyond reason drops nothing), and the reset notice (cairn/xport.h XPORT_NET_RESET) is
 * due in each direction at the position after it, put as the restart notice is. The
 * counters go on. 0, or what vnet_probe or vnet_start return (the device is then
 * failed: every buffer refused, the notices still put).
 */
long vnet_reset(struct vnet *n, int iommu, const struct vnet_mem *dma, const struct vnet_mem *region,
		const struct vnet_queues *qs, unsigned vector);

/* Before sleeping: arms the device's queues and the client's; 1 if there is work
 * already (call vnet_work), 0 to sleep. */
int vnet_arm(struct vnet *n);

/* A counter (enum net_stat), as the driver's thread last wrote it. */
static inline uint64_t vnet_stat(const struct vnet *n, unsigned which)
{
	return __atomic_load_n(&n->stats[which], __ATOMIC_RELAXED);
}

#endif
