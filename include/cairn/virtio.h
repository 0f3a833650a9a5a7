/*
 * cairn/virtio.h: virtio 1.x over modern PCI, for drivers (libvirtio, docs/devices.md
 * "Virtio"): the PCI transport (the vendor capabilities that locate the common,
 * notify, ISR and device configuration structures; reset, status, feature negotiation,
 * queue set-up, MSI-X vectors) and split virtqueues (descriptor table, available and
 * used rings). Generic over device types: virtio-blk and virtio-net are drivers on top.
 *
 * Pure: the library reaches the device only through what the caller gives it: a
 * configuration-space accessor (struct pci_cfg, read only), the addresses and sizes of
 * the BARs the driver has mapped, a register accessor (struct virtio_io; virtio_io_mmio
 * for real memory-mapped registers) and, for each queue, memory with its virtual and
 * device addresses. It makes no system call.
 *
 * The device is hostile. Every structure the capabilities name must lie inside a BAR the
 * driver mapped; every register it reads is bounded before use; everything it writes
 * into shared memory (the used ring) is read once and checked: a used element must name
 * a descriptor chain the driver has outstanding, with a length within the chain's
 * device-writable bytes, and the used index may advance by at most the queue size. A
 * device that breaks a rule is marked broken: its queues stop and every later step
 * returns CAIRN_EIO (never an access out of bounds); the driver resets it or gives up.
 * The driver's own bookkeeping (the free-descriptor list, the chains outstanding) lives
 * in struct virtq, in the driver's private memory, never in the shared table.
 *
 * Little-endian only (virtio 1.x is little-endian; so is x86): no byte swapping.
 * Not thread-safe: one thread at a time per device and per queue.
 */
#ifndef CAIRN_VIRTIO_H
#define CAIRN_VIRTIO_H

#include <stdint.h>
#include "abi.h"
#include "pci.h"

/* ---- registers -------------------------------------------------------------------- */

/*
 * Register access: read returns the width (1, 2 or 4) bytes at addr, write writes the
 * low width bytes of v. addr is a virtual address inside a structure the library has
 * checked. virtio_io_mmio does plain volatile loads and stores (BAR memory the driver
 * has mapped uncached); the host tests give a fake device instead.
 */
struct virtio_io {
	uint32_t (*read)(void *ctx, uintptr_t addr, unsigned width);
	void (*write)(void *ctx, uintptr_t addr, unsigned width, uint32_t v);
	void *ctx;
};
extern const struct virtio_io virtio_io_mmio;

/* Device status bits (spec 2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 0x01
#define VIRTIO_STATUS_DRIVER      0x02
#define VIRTIO_STATUS_DRIVER_OK   0x04
#define VIRTIO_STATUS_FEATURES_OK 0x08
#define VIRTIO_STATUS_NEEDS_RESET 0x40
#define VIRTIO_STATUS_FAILED      0x80

/* Device-independent feature bits (spec 6). */
#define VIRTIO_F_INDIRECT_DESC  (1ull << 28)
#define VIRTIO_F_EVENT_IDX      (1ull << 29)
#define VIRTIO_F_VERSION_1      (1ull << 32)	/* required: the library speaks virtio 1.x only */
#define VIRTIO_F_ACCESS_PLATFORM (1ull << 33)	/* the device's addresses go through an IOMMU */
#define VIRTIO_F_RING_PACKED    (1ull << 34)
/* What the library does not implement: never accepted, refused if required. */
#define VIRTIO_F_UNSUPPORTED (VIRTIO_F_INDIRECT_DESC | VIRTIO_F_EVENT_IDX | VIRTIO_F_RING_PACKED)

/* The PCI capability (spec 4.1.4): cfg_type values. */
#define VIRTIO_PCI_CAP_COMMON 1
#define VIRTIO_PCI_CAP_NOTIFY 2
#define VIRTIO_PCI_CAP_ISR    3
#define VIRTIO_PCI_CAP_DEVICE 4
#define VIRTIO_PCI_CAP_LEN        16	/* struct virtio_pci_cap: vndr, next, len, type, bar, id, pad[2], offset, length */
#define VIRTIO_PCI_NOTIFY_CAP_LEN 20	/* ... then notify_off_multiplier */

/* The common configuration structure (spec 4.1.4.3), offsets of its registers. */
#define VIRTIO_COMMON_DFSELECT    0x00	/* 32: device_feature_select */
#define VIRTIO_COMMON_DF          0x04	/* 32: device_feature */
#define VIRTIO_COMMON_GFSELECT    0x08	/* 32: driver_feature_select */
#define VIRTIO_COMMON_GF          0x0c	/* 32: driver_feature */
#define VIRTIO_COMMON_MSIX        0x10	/* 16: config_msix_vector */
#define VIRTIO_COMMON_NUMQ        0x12	/* 16: num_queues */
#define VIRTIO_COMMON_STATUS      0x14	/* 8: device_status */
#define VIRTIO_COMMON_CFGGEN      0x15	/* 8: config_generation */
#define VIRTIO_COMMON_Q_SELECT    0x16	/* 16 */
#define VIRTIO_COMMON_Q_SIZE      0x18	/* 16 */
#define VIRTIO_COMMON_Q_MSIX      0x1a	/* 16 */
#define VIRTIO_COMMON_Q_ENABLE    0x1c	/* 16 */
#define VIRTIO_COMMON_Q_NOFF      0x1e	/* 16: queue_notify_off */
#define VIRTIO_COMMON_Q_DESCLO    0x20	/* 64, as two 32-bit halves, low first */
#define VIRTIO_COMMON_Q_AVAILLO   0x28
#define VIRTIO_COMMON_Q_USEDLO    0x30
#define VIRTIO_COMMON_LEN         0x38	/* the structure's size in virtio 1.0 */

#define VIRTIO_MSI_NO_VECTOR 0xffff
#define VIRTIO_ISR_QUEUE     0x1	/* the ISR byte: a queue interrupt */
#define VIRTIO_ISR_CONFIG    0x2	/* ... a configuration change */

/* Bounds on what the device may make the driver wait for or retry. */
#define VIRTIO_RESET_POLLS  100000	/* reads of device_status after writing 0 */
#define VIRTIO_CONFIG_TRIES 16		/* device-configuration reads torn by config_generation */

/* ---- the PCI transport ---------------------------------------------------------------- */

/* A BAR as the driver mapped it: va 0 means not mapped (an I/O BAR, an absent one). */
struct virtio_bar {
	uintptr_t va;
	uint64_t size;
};

/* One device, in the driver's private memory. */
struct virtio_pci {
	const struct virtio_io *io;
	uintptr_t common, isr, device, notify;	/* the structures' addresses */
	uint64_t device_len, notify_len;	/* bytes of the device configuration and notify structures */
	uint32_t notify_mult;			/* notify_off_multiplier */
	uint16_t num_queues;			/* read once at set-up (virtio_pci_negotiate) */
	uint64_t features;			/* negotiated */
	uint8_t status;				/* device_status as the driver last wrote it */
	int broken;				/* the device broke a rule: every step fails with CAIRN_EIO */
};

/*
 * Finds function bdf's virtio structures from its vendor capabilities (cfg through the
 * iterator of libpci; the first capability of each type 1..4 that names a BAR 0..5,
 * others ignored) and fills *v. Each structure must lie inside a mapped BAR
 * (bars[bar].va != 0, offset and length inside bars[bar].size) and be long enough: the
 * common configuration VIRTIO_COMMON_LEN bytes, the ISR one byte, notify two, the
 * device configuration device_min (what the driver will read). Returns 0; CAIRN_ENOENT
 * (a structure missing, or a capability list cut); CAIRN_EINVAL (a capability shorter
 * than its type needs); CAIRN_ERANGE (a structure outside its BAR or too short). On an
 * error *v is untouched. No register is touched.
 */
long virtio_pci_find(struct virtio_pci *v, const struct pci_cfg *cfg, unsigned bdf,
		     const struct virtio_bar bars[PCI_BARS], const struct virtio_io *io, uint64_t device_min);

/*
 * lib/libvirtio/device.c, for a driver component: virtio_pci_find over the device
 * entry of its I/O page (cairn/root.h): the configuration-space copy there
 * (pci_cfg_copy) and the memory BARs the booter mapped, with virtio_io_mmio. Returns
 * as virtio_pci_find.
 */
struct cairn_device;
long virtio_device_find(struct virtio_pci *v, const struct cairn_device *d, uint64_t device_min);

/*
 * The MSI-X entry a driver gives its queues: 0 if the booter bound and programmed
 * the device's MSI-X entries (cairn_device.msi_kind, docs/devices.md "Interrupts"),
 * else VIRTIO_MSI_NO_VECTOR (the device raises its INTx line, and each wake must read
 * the ISR byte to acknowledge it).
 */
unsigned virtio_device_vector(const struct cairn_device *d);

/*
 * A wake on d's INTx line (virtio_device_vector gave VIRTIO_MSI_NO_VECTOR): reads the
 * ISR, which acknowledges the device (it lowers the line), then unmasks the line the
 * booter bound level-triggered (IRQ_ACK: the kernel masked it when it fired; a line
 * not masked stays so). The ISR's bits (VIRTIO_ISR_*).
 */
unsigned virtio_device_intx_ack(struct virtio_pci *v, const struct cairn_device *d);

/*
 * Resets the device (device_status 0, then waits for it to read 0, at most
 * VIRTIO_RESET_POLLS reads): 0, or CAIRN_EIO (it did not; v is marked broken). A reset
 * that succeeds clears broken: the queues must be set up again.
 */
long virtio_pci_reset(struct virtio_pci *v);

/*
 * The initialisation up to FEATURES_OK (spec 3.1.1): reset, ACKNOWLEDGE, DRIVER, read
 * the device's features, write (device's & (wanted | required | VERSION_1), less
 * VIRTIO_F_UNSUPPORTED), set FEATURES_OK and read it back. The device must offer
 * VIRTIO_F_VERSION_1 and every bit of `required`. Reads num_queues. Returns 0 (v->features
 * is what was accepted); CAIRN_ENOTSUP (a required feature missing or one in
 * VIRTIO_F_UNSUPPORTED, or the device did not keep FEATURES_OK: FAILED is set); CAIRN_EIO (reset failed).
 */
long virtio_pci_negotiate(struct virtio_pci *v, uint64_t wanted, uint64_t required);

/* Sets DRIVER_OK, after the queues are set up: 0, or CAIRN_EIO (virtio_pci_check fails). */
long virtio_pci_driver_ok(struct virtio_pci *v);

/* Marks the device FAILED (the driver gives up on it) and broken. */
void virtio_pci_fail(struct virtio_pci *v);

/*
 * The device's health: 0; or CAIRN_EIO if it is broken, says NEEDS_RESET or FAILED, or
 * has reset itself (DRIVER_OK gone after virtio_pci_driver_ok). CAIRN_EIO marks it
 * broken: reset it (virtio_pci_negotiate, queue set-up) or give up.
 */
long virtio_pci_check(struct virtio_pci *v);

/*
 * Reads (and so acknowledges) the ISR byte: VIRTIO_ISR_QUEUE and VIRTIO_ISR_CONFIG
 * bits (others cleared). With INTx this tells whether the interrupt was this device's.
 */
unsigned virtio_pci_isr(struct virtio_pci *v);

/*
 * The configuration change vector (MSI-X): writes it and reads it back. 0; CAIRN_EIO if
 * the device did not take it (it reads VIRTIO_MSI_NO_VECTOR or another value: the device
 * could not allocate it), and then the vector is VIRTIO_MSI_NO_VECTOR.
 */
long virtio_pci_config_vector(struct virtio_pci *v, unsigned vector);

/*
 * Reads a device-configuration field of width 1, 2, 4 or 8 bytes at off (aligned,
 * inside device_len) into *val, consistent by config_generation (a 64-bit field is two
 * 32-bit reads; retried while the generation moves, at most VIRTIO_CONFIG_TRIES times).
 * 0; CAIRN_EINVAL (width, alignment, bounds); CAIRN_EIO (the generation never settled,
 * or broken).
 */
long virtio_pci_config(struct virtio_pci *v, unsigned off, unsigned width, uint64_t *val);

/* ---- split virtqueues (spec 2.7) -------------------------------------------------------- */

#define VIRTQ_MAX 256			/* the largest queue the library keeps books for */

#define VIRTQ_DESC_F_NEXT  1
#define VIRTQ_DESC_F_WRITE 2		/* device-writable (device -> driver) */
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define VIRTQ_USED_F_NO_NOTIFY     1

/* The shared layout. */
struct virtq_desc {
	uint64_t addr;			/* a device address */
	uint32_t len;
	uint16_t flags, next;
};
struct virtq_avail {
	uint16_t flags, idx;
	uint16_t ring[];		/* size entries, then used_event */
};
struct virtq_used_elem {
	uint32_t id, len;
};
struct virtq_used {
	uint16_t flags, idx;
	struct virtq_used_elem ring[];	/* size entries, then avail_event */
};

/*
 * Where the used ring of a queue of `size` entries starts, from the descriptor table
 * (16 bytes an entry) and past the available ring (6 + 2 size): 4-aligned as the spec
 * asks, and 4 past a multiple of 8, so that its 8-byte elements are 8-aligned in
 * 16-aligned memory and none straddles a page. (QEMU 7.2 behind its VT-d writes the
 * part of an element past a page boundary to the wrong address: seen as "iommu: DMA
 * blocked" at the used ring's offset of the boundary, the element lost.)
 */
static inline uint64_t virtq_used_at(unsigned size)
{
	return ((16ull * size + 6 + 2ull * size + 3) & ~7ull) + 4;
}

/* Bytes of shared memory a queue of `size` entries needs: the descriptor table, the
 * available ring and the used ring (6 + 8 size) at virtq_used_at. */
static inline uint64_t virtq_bytes(unsigned size)
{
	return virtq_used_at(size) + 6 + 8ull * size;
}

/* Memory for one queue: va in the driver, dev the address the device is given (the
 * physical address without an IOMMU, the domain address with one). 16-byte aligned. */
struct virtq_mem {
	void *va;
	uint64_t dev;
	uint64_t bytes;
};

/* One buffer of a chain: device address, length (1..2^32 - 1), device-writable or not. */
struct virtq_buf {
	uint64_t addr;
	uint32_t len;
	uint32_t writable;
};

/* A chain the driver has given the device (a head descriptor outstanding). */
struct virtq_chain {
	void *cookie;			/* the driver's, returned with it */
	uint64_t wlen;			/* device-writable bytes: the bound on a used len */
	uint16_t count;			/* descriptors */
	uint16_t busy;			/* 1 while the device holds it */
};

/* One queue, in the driver's private memory. */
struct virtq {
	struct virtio_pci *dev;
	volatile struct virtq_desc *desc;
	volatile struct virtq_avail *avail;
	volatile struct virtq_used *used;
	uintptr_t notify;		/* its notify address, checked inside the notify structure */
	uint16_t index, size;		/* which queue; entries (a power of two) */
	uint16_t free_head, nfree;	/* the free list, through next[] */
	uint16_t avail_idx;		/* what the driver has published */
	uint16_t last_used;		/* the used index consumed so far */
	uint16_t outstanding;		/* chains the device holds: the bound on used entries */
	uint16_t next[VIRTQ_MAX];	/* private links: free list and chains */
	struct virtq_chain chain[VIRTQ_MAX];	/* by head descriptor */
};

/*
 * Sets up queue `index` (after virtio_pci_negotiate, before virtio_pci_driver_ok): its
 * size is the largest power of two no larger than the device's maximum, `want`,
 * VIRTQ_MAX, and whose virtq_bytes fit in mem (which is zeroed). `vector` is its MSI-X
 * vector, or VIRTIO_MSI_NO_VECTOR (INTx, or polling). Returns the size; CAIRN_EINVAL
 * (index not below num_queues, want 0, mem's addresses not 16-byte aligned);
 * CAIRN_ENOENT (the device's maximum is 0: no such queue); CAIRN_EBUSY (already
 * enabled); CAIRN_ENOMEM (mem holds not even one entry); CAIRN_ERANGE (its notify
 * address outside the notify structure); CAIRN_EIO (the vector not taken, or the device
 * broken). On an error the queue is not enabled and *q is not usable.
 */
long virtq_setup(struct virtq *q, struct virtio_pci *v, unsigned index, unsigned want,
		 const struct virtq_mem *mem, unsigned vector);

/*
 * Gives the device a chain of n buffers (readable ones first, then writable ones, as the
 * spec requires) and publishes it; `cookie` comes back with it. Returns the head
 * descriptor's index; CAIRN_EAGAIN (fewer than n descriptors free); CAIRN_EINVAL (n 0,
 * a length 0, a readable buffer after a writable one); CAIRN_EIO (broken). Does not
 * notify: call virtq_kick after one or many.
 */
long virtq_add(struct virtq *q, const struct virtq_buf *bufs, unsigned n, void *cookie);

/* Tells the device about what was added, unless it said it needs no notification
 * (a full fence orders the published index before that flag is read). */
void virtq_kick(struct virtq *q);

/*
 * Takes the next used chain: its cookie and the bytes the device says it wrote.
 * Returns 0; CAIRN_EAGAIN (none); CAIRN_EIO (broken, or the device broke a rule now:
 * an index that jumps by more than the queue size, an id that is not a chain
 * outstanding, a length above the chain's writable bytes; the device is marked broken).
 */
long virtq_get(struct virtq *q, void **cookie, uint32_t *len);

/*
 * Interrupt suppression (a hint to the device): virtq_quiet asks for no interrupts;
 * virtq_arm asks for them again and, after a full fence, returns how many used
 * entries wait (0: sleep; more: take them first), or CAIRN_EIO.
 */
void virtq_quiet(struct virtq *q);
long virtq_arm(struct virtq *q);

/* Descriptors free now. */
static inline unsigned virtq_free(const struct virtq *q)
{
	return q->nfree;
}

#endif
