/*
 * test_virtio_net.c: the virtio-net driver's core (components/virtio_net/vnet.c)
 * between a hostile client on the net transport (cairn/xport.h, cairn/net.h) and a fake
 * virtio-net device over libvirtio: the fake sends what the transmit queue gives it
 * (device addresses are host addresses here) and delivers frames into the receive
 * queue's buffers, and on demand holds chains, returns an id it never had or writes
 * more than a chain holds. Checked: the device brought up (features, MAC, refusals);
 * frames sent byte for byte from the client's buffers behind a zero header, each buffer
 * back on tx free; frames received into the client's buffers (at most NET_FRAME_MAX
 * bytes offered), each on rx active with its length; runts dropped and the buffer
 * given to the device again; every bad descriptor back at once with len 0 and never
 * shown to the device; the room on the way back bounding what is taken, and the driver
 * sleeping, not spinning, while it lacks room; a broken
 * device returning every buffer refused and refusing all that follows; the wake-ups;
 * the counters.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../../components/virtio_net/vnet.h"

/* ---- the fake device: registers ------------------------------------------------------ */

#define BAR_SIZE 0x4000u
#define COMMON   0x0000u
#define ISR      0x1000u
#define DEVICE   0x2000u
#define NOTIFY   0x3000u
#define NQ       2

static struct {
	uint8_t cfg[PCI_CFG_SIZE];
	uint8_t *bar;
	uint64_t features, drv_features;
	uint32_t dfsel, gfsel;
	uint8_t status;
	uint16_t qmax, qsel;
	uint16_t qsize[NQ], qenable[NQ];
	uint64_t qdesc[NQ], qavail[NQ], qused[NQ];
	uint8_t devcfg[16];
	unsigned notifies, stray, resets;
} F;

static void set_half(uint64_t *v, unsigned off, uint32_t x)
{
	*v = off & 4 ? (*v & 0xffffffffull) | (uint64_t)x << 32 : (*v & ~0xffffffffull) | x;
}

static uint32_t common_read(unsigned off)
{
	unsigned q = F.qsel < NQ ? F.qsel : 0;
	switch (off) {
	case VIRTIO_COMMON_DF: return F.dfsel ? (uint32_t)(F.features >> 32) : (uint32_t)F.features;
	case VIRTIO_COMMON_NUMQ: return NQ;
	case VIRTIO_COMMON_STATUS: return F.status;
	case VIRTIO_COMMON_Q_SIZE: return F.qsel < NQ ? F.qmax : 0;
	case VIRTIO_COMMON_Q_ENABLE: return F.qenable[q];
	case VIRTIO_COMMON_Q_MSIX: return VIRTIO_MSI_NO_VECTOR;
	}
	return 0;
}

static void common_write(unsigned off, uint32_t v)
{
	unsigned q = F.qsel < NQ ? F.qsel : 0;
	switch (off) {
	case VIRTIO_COMMON_DFSELECT: F.dfsel = v; break;
	case VIRTIO_COMMON_GFSELECT: F.gfsel = v; break;
	case VIRTIO_COMMON_GF: set_half(&F.drv_features, F.gfsel * 4, v); break;
	case VIRTIO_COMMON_STATUS:
		F.status = v;
		if (!v) {
			F.qenable[0] = F.qenable[1] = 0;
			F.resets++;
		}
		break;
	case VIRTIO_COMMON_Q_SELECT: F.qsel = v; break;
	case VIRTIO_COMMON_Q_SIZE: F.qsize[q] = v; break;
	case VIRTIO_COMMON_Q_ENABLE: F.qenable[q] = v; break;
	case VIRTIO_COMMON_Q_DESCLO: case VIRTIO_COMMON_Q_DESCLO + 4: set_half(&F.qdesc[q], off, v); break;
	case VIRTIO_COMMON_Q_AVAILLO: case VIRTIO_COMMON_Q_AVAILLO + 4: set_half(&F.qavail[q], off, v); break;
	case VIRTIO_COMMON_Q_USEDLO: case VIRTIO_COMMON_Q_USEDLO + 4: set_half(&F.qused[q], off, v); break;
	}
}

static int in(uintptr_t a, unsigned w, unsigned base, unsigned len, unsigned *off)
{
	uintptr_t b = (uintptr_t)F.bar + base;
	*off = a - b;
	return a >= b && a + w <= b + len;
}

static uint32_t io_read(void *ctx, uintptr_t a, unsigned w)
{
	(void)ctx;
	unsigned off;
	if (in(a, w, COMMON, VIRTIO_COMMON_LEN, &off))
		return common_read(off);
	if (in(a, w, DEVICE, sizeof F.devcfg, &off)) {
		uint32_t v = 0;
		memcpy(&v, F.devcfg + off, w);
		return v;
	}
	if (in(a, w, ISR, 1, &off))
		return 1;
	F.stray++;
	return ~0u;
}

static void io_write(void *ctx, uintptr_t a, unsigned w, uint32_t v)
{
	(void)ctx;
	unsigned off;
	if (in(a, w, COMMON, VIRTIO_COMMON_LEN, &off))
		common_write(off, v);
	else if (in(a, w, NOTIFY, 2, &off))
		F.notifies++;
	else
		F.stray++;
}

static const struct virtio_io IO = { io_read, io_write, NULL };

static void vcap(unsigned at, unsigned next, unsigned type, uint32_t off, uint32_t len)
{
	uint8_t *c = &F.cfg[at];
	c[0] = PCI_CAP_VENDOR, c[1] = next, c[3] = type, c[4] = 4;
	c[2] = type == VIRTIO_PCI_CAP_NOTIFY ? VIRTIO_PCI_NOTIFY_CAP_LEN : VIRTIO_PCI_CAP_LEN;
	memcpy(c + 8, &off, 4);
	memcpy(c + 12, &len, 4);
}

static uint32_t cfg_read(void *ctx, unsigned bdf, unsigned off, unsigned w)
{
	(void)ctx; (void)bdf;
	uint32_t v = 0;
	if (!pci_cfg_valid(bdf, off, w))
		return ~0u;
	memcpy(&v, F.cfg + off, w);
	return v;
}

static void cfg_write(void *ctx, unsigned bdf, unsigned off, unsigned w, uint32_t v)
{
	(void)ctx; (void)bdf; (void)off; (void)w; (void)v;
	F.stray++;
}

static const struct pci_cfg CFG = { cfg_read, cfg_write, NULL };

/* ---- the fake device: the queues ------------------------------------------------------- */

#define WIRE 16				/* frames the fake remembers sending */

static struct {
	uint16_t seen[NQ];		/* the available index taken */
	uint16_t pending[NQ][64];	/* chains taken, not yet used (receive: waiting for a frame) */
	unsigned npending[NQ];
	int hold_tx;			/* leave transmit chains unused */
	uint32_t bad_id;		/* nonzero: the next used id is this */
	uint32_t extra_len;		/* added to the next receive length */
	uint8_t sent[WIRE][NET_FRAME_MAX];
	uint32_t sent_len[WIRE];
	unsigned nsent, chains[NQ];
} D;

static volatile struct virtq_desc *ddesc(unsigned q)
{
	return (volatile struct virtq_desc *)(uintptr_t)F.qdesc[q];
}

/* Takes every chain newly available on queue q; checks its shape (header, then one buffer). */
static void take_chains(unsigned q)
{
	volatile struct virtq_avail *a = (void *)(uintptr_t)F.qavail[q];
	while (F.qenable[q] && D.seen[q] != a->idx) {
		unsigned head = a->ring[D.seen[q]++ % F.qsize[q]];
		volatile struct virtq_desc *t = ddesc(q);
		assert_true(head < F.qsize[q]);
		assert_int_equal(t[head].len, sizeof(struct virtio_net_hdr));
		assert_true(t[head].flags & VIRTQ_DESC_F_NEXT);
		unsigned d = t[head].next;
		assert_false(t[d].flags & VIRTQ_DESC_F_NEXT);
		unsigned w = q == VNET_RXQ ? VIRTQ_DESC_F_WRITE : 0;
		assert_int_equal(t[head].flags & VIRTQ_DESC_F_WRITE, w);
		assert_int_equal(t[d].flags & VIRTQ_DESC_F_WRITE, w);
		D.chains[q]++;
		D.pending[q][D.npending[q]++] = head;
	}
}

static void use(unsigned q, unsigned head, uint32_t len)
{
	volatile struct virtq_used *u = (void *)(uintptr_t)F.qused[q];
	uint16_t i = u->idx;
	u->ring[i % F.qsize[q]] = (struct virtq_used_elem){ D.bad_id ? D.bad_id : head, len };
	u->idx = i + 1;
}

/* Sends every transmit chain: the header must be zero; the frame goes on the wire. */
static void transmit(void)
{
	take_chains(VNET_TXQ);
	if (D.hold_tx)
		return;
	for (unsigned k = 0; k < D.npending[VNET_TXQ]; k++) {
		unsigned head = D.pending[VNET_TXQ][k];
		volatile struct virtq_desc *t = ddesc(VNET_TXQ);
		static const struct virtio_net_hdr zero;
		assert_memory_equal((void *)(uintptr_t)t[head].addr, &zero, sizeof zero);
		volatile struct virtq_desc *f = &t[t[head].next];
		assert_true(f->len <= NET_FRAME_MAX && D.nsent < WIRE);
		memcpy(D.sent[D.nsent], (void *)(uintptr_t)f->addr, f->len);
		D.sent_len[D.nsent++] = f->len;
		use(VNET_TXQ, head, 0);
	}
	D.npending[VNET_TXQ] = 0;
}

/* Delivers a frame into the oldest receive chain: 1, or 0 if none waits. */
static int deliver(const uint8_t *frame, uint32_t len)
{
	take_chains(VNET_RXQ);
	if (!D.npending[VNET_RXQ])
		return 0;
	unsigned head = D.pending[VNET_RXQ][0];
	memmove(D.pending[VNET_RXQ], D.pending[VNET_RXQ] + 1, --D.npending[VNET_RXQ] * sizeof(uint16_t));
	volatile struct virtq_desc *t = ddesc(VNET_RXQ);
	volatile struct virtq_desc *b = &t[t[head].next];
	assert_true(len <= b->len);
	memset((void *)(uintptr_t)t[head].addr, 0x5a, sizeof(struct virtio_net_hdr));	/* ignored */
	memcpy((void *)(uintptr_t)b->addr, frame, len);
	use(VNET_RXQ, head, (uint32_t)sizeof(struct virtio_net_hdr) + len + D.extra_len);
	return 1;
}

/* ---- the driver and its client ---------------------------------------------------------- */

#define REGION (64 * 1024)
#define SLOTS  32

static struct virtio_pci V;
static struct vnet *N;
static struct vnet_mem DMA, REG;
static uint8_t *region;
static struct cairn_port_ring *ring[4];
static struct xport_queue drv[4], cli[4];
enum { RXF, RXA, TXA, TXF };

static void rings(unsigned back_slots)
{
	for (unsigned i = 0; i < 4; i++) {
		unsigned slots = i == RXA || i == TXF ? back_slots : SLOTS;
		unsigned to_driver = i == RXF || i == TXA;
		free(ring[i]);
		ring[i] = aligned_alloc(64, cairn_port_bytes(XPORT_NET_SLOT, slots));
		assert_int_equal(cairn_port_init(ring[i], XPORT_NET_SLOT, slots), 0);
		assert_int_equal(xport_attach(&drv[i], ring[i], XPORT_NET_SLOT, slots,
					      to_driver ? XPORT_CONSUMER : XPORT_PRODUCER), 0);
		assert_int_equal(xport_attach(&cli[i], ring[i], XPORT_NET_SLOT, slots,
					      to_driver ? XPORT_PRODUCER : XPORT_CONSUMER), 0);
	}
}

static const uint8_t MAC[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

static int setup(void **state)
{
	(void)state;
	free(F.bar);
	memset(&F, 0, sizeof F);
	memset(&D, 0, sizeof D);
	F.bar = calloc(1, BAR_SIZE);
	F.features = VIRTIO_F_VERSION_1 | (1ull << VIRTIO_NET_F_MAC) | (1ull << 0) /* CSUM: not wanted */;
	F.qmax = 256;
	memcpy(F.devcfg, MAC, 6);
	F.cfg[PCI_STATUS] = PCI_STATUS_CAPS;
	F.cfg[PCI_CAP_PTR] = 0x40;
	vcap(0x40, 0x50, VIRTIO_PCI_CAP_COMMON, COMMON, 0x1000);
	vcap(0x50, 0x60, VIRTIO_PCI_CAP_ISR, ISR, 0x1000);
	vcap(0x60, 0x70, VIRTIO_PCI_CAP_DEVICE, DEVICE, 0x1000);
	vcap(0x70, 0, VIRTIO_PCI_CAP_NOTIFY, NOTIFY, 0x1000);
	free(region);
	region = calloc(1, REGION);
	REG = (struct vnet_mem){ region, (uintptr_t)region, REGION };
	free(DMA.va);
	DMA.va = aligned_alloc(16, (VNET_DMA_BYTES + 15) & ~15ul);
	DMA = (struct vnet_mem){ DMA.va, (uintptr_t)DMA.va, VNET_DMA_BYTES };
	free(N);
	N = malloc(sizeof *N);
	rings(SLOTS);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(F.bar), F.bar = NULL;
	free(region), region = NULL;
	free(DMA.va), DMA.va = NULL;
	free(N), N = NULL;
	for (unsigned i = 0; i < 4; i++)
		free(ring[i]), ring[i] = NULL;
	return 0;
}

static long start(void)
{
	struct virtio_bar bars[PCI_BARS] = { [4] = { (uintptr_t)F.bar, BAR_SIZE } };
	assert_int_equal(virtio_pci_find(&V, &CFG, 0, bars, &IO, VIRTIO_NET_CFG_LEN), 0);
	long r = vnet_probe(N, &V, 0);
	struct vnet_queues qs = { &drv[RXF], &drv[RXA], &drv[TXA], &drv[TXF] };
	long s = vnet_start(N, &DMA, &REG, &qs, VIRTIO_MSI_NO_VECTOR);
	return r < 0 ? r : s;
}

static int started(void **state)
{
	setup(state);
	assert_int_equal(start(), 0);
	return 0;
}

static void put(unsigned q, uint64_t offset, uint32_t len, uint32_t id)
{
	struct xport_buf b = { offset, len, id };
	assert_int_equal(xport_put_buf(&cli[q], &b), 0);
}

/* Driver, device, driver. */
static unsigned run(void)
{
	unsigned wake = 0;
	for (int i = 0; i < 4; i++) {
		wake |= vnet_work(N);
		transmit();
		take_chains(VNET_RXQ);
	}
	wake |= vnet_work(N);
	assert_int_equal(F.stray, 0);		/* no register access outside a structure */
	return wake;
}

/* The next buffer back on q: it must be id with len (offset as given). */
static void back(unsigned q, uint32_t id, uint32_t len, uint64_t offset)
{
	struct xport_buf b;
	long r = xport_get_buf(&cli[q], REGION, &b);
	assert_true(r == 0 || r == CAIRN_ERANGE);
	assert_int_equal(b.id, id);
	assert_int_equal(b.len, len);
	assert_int_equal(b.offset, offset);
}

static void nothing_back(unsigned q)
{
	struct xport_buf b;
	assert_int_equal(xport_get_buf(&cli[q], REGION, &b), CAIRN_EAGAIN);
}

static void frame(uint8_t *p, uint32_t len, unsigned seed)
{
	for (uint32_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 7 + (i >> 8) + seed * 29);
}

/* ---- the tests ------------------------------------------------------------------------------ */

static void starts_with_mac_and_no_offloads(void **state)
{
	(void)state;
	assert_int_equal(F.status, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |
			 VIRTIO_STATUS_DRIVER_OK);
	assert_int_equal(F.drv_features, VIRTIO_F_VERSION_1 | (1ull << VIRTIO_NET_F_MAC));
	assert_true(N->has_mac);
	assert_memory_equal(N->mac, MAC, 6);
	assert_int_equal(F.qenable[0], 1);
	assert_int_equal(F.qenable[1], 1);
	assert_int_equal(F.qsize[0], VNET_QUEUE);
	assert_int_equal(N->rx.max_held, VNET_HELD);
	assert_int_equal(N->tx.max_held, VNET_HELD);
}

static void start_refusals(void **state)
{
	F.features &= ~(1ull << VIRTIO_NET_F_MAC);	/* no MAC: fine, none reported */
	assert_int_equal(start(), 0);
	assert_false(N->has_mac);
	setup(state);
	F.features &= ~VIRTIO_F_VERSION_1;		/* legacy only */
	assert_int_equal(start(), CAIRN_ENOTSUP);
	assert_true(F.status & VIRTIO_STATUS_FAILED);
	assert_false(F.status & VIRTIO_STATUS_DRIVER_OK);
	setup(state);
	DMA.bytes = VNET_DMA_BYTES - 1;
	assert_int_equal(start(), CAIRN_ENOMEM);
	assert_true(F.status & VIRTIO_STATUS_FAILED);
	setup(state);
	F.qmax = 1;					/* no room for one buffer */
	assert_int_equal(start(), CAIRN_ENOTSUP);
	assert_false(F.status & VIRTIO_STATUS_DRIVER_OK);
	/* A failed device refuses every buffer at once. */
	put(TXA, 0, 60, 1);
	put(RXF, 0, 2048, 2);
	run();
	back(TXF, 1, 0, 0);
	back(RXA, 2, 0, 0);
	assert_int_equal(D.chains[0] + D.chains[1], 0);
}

static void sends_byte_for_byte(void **state)
{
	(void)state;
	uint32_t sizes[] = { NET_FRAME_MIN, 60, 1000, NET_FRAME_MAX };
	for (unsigned k = 0; k < 4; k++) {
		frame(region + 4096 * k, sizes[k], k);
		put(TXA, 4096 * k, sizes[k], 10 + k);
	}
	run();
	assert_int_equal(D.nsent, 4);
	for (unsigned k = 0; k < 4; k++) {
		assert_int_equal(D.sent_len[k], sizes[k]);
		assert_memory_equal(D.sent[k], region + 4096 * k, sizes[k]);
		back(TXF, 10 + k, sizes[k], 4096 * k);
	}
	nothing_back(TXF);
	assert_int_equal(vnet_stat(N, NET_STAT_TX_FRAMES), 4);
	assert_true(F.notifies > 0);
}

static void bad_tx_refused(void **state)
{
	(void)state;
	struct xport_buf t[] = {
		{ 0, NET_FRAME_MIN - 1, 1 }, { 0, NET_FRAME_MAX + 1, 2 }, { 0, 0, 3 }, { 0, ~0u, 4 },
		{ REGION, 60, 5 }, { REGION - 59, 60, 6 }, { ~0ull, 60, 7 }, { ~0ull - 30, 60, 8 },
	};
	for (unsigned i = 0; i < 8; i++)
		put(TXA, t[i].offset, t[i].len, t[i].id);
	put(TXA, 0, 60, 9);				/* a good one after them */
	run();
	for (unsigned i = 0; i < 8; i++)
		back(TXF, t[i].id, 0, t[i].offset);
	back(TXF, 9, 60, 0);
	assert_int_equal(D.chains[VNET_TXQ], 1);	/* only the good one reached the device */
	assert_int_equal(vnet_stat(N, NET_STAT_TX_REFUSED), 8);
	assert_int_equal(vnet_stat(N, NET_STAT_TX_FRAMES), 1);
}

static void receives_into_client_buffers(void **state)
{
	(void)state;
	uint8_t f[NET_FRAME_MAX];
	put(RXF, 0, 2048, 1);
	put(RXF, 4096, NET_FRAME_MAX, 2);
	run();
	assert_int_equal(D.chains[VNET_RXQ], 2);
	/* The device is offered NET_FRAME_MAX bytes of a larger buffer, no more. */
	volatile struct virtq_desc *t = ddesc(VNET_RXQ);
	assert_int_equal(t[t[D.pending[VNET_RXQ][0]].next].len, NET_FRAME_MAX);
	assert_int_equal(t[t[D.pending[VNET_RXQ][0]].next].addr, (uintptr_t)region);
	frame(f, NET_FRAME_MAX, 3);
	assert_true(deliver(f, 64));
	assert_true(deliver(f, NET_FRAME_MAX));
	assert_false(deliver(f, 64));			/* none left */
	run();
	back(RXA, 1, 64, 0);
	back(RXA, 2, NET_FRAME_MAX, 4096);
	assert_memory_equal(region, f, 64);
	assert_memory_equal(region + 4096, f, NET_FRAME_MAX);
	assert_int_equal(vnet_stat(N, NET_STAT_RX_FRAMES), 2);
}

static void runts_dropped_buffer_reused(void **state)
{
	(void)state;
	uint8_t f[64] = { 0 };
	put(RXF, 0, 2048, 1);
	run();
	assert_true(deliver(f, NET_FRAME_MIN - 1));
	run();
	nothing_back(RXA);
	assert_int_equal(vnet_stat(N, NET_STAT_RX_DROPPED), 1);
	assert_int_equal(D.chains[VNET_RXQ], 2);	/* the same buffer offered again */
	assert_true(deliver(f, NET_FRAME_MIN));
	run();
	back(RXA, 1, NET_FRAME_MIN, 0);
}

static void bad_rx_refused(void **state)
{
	(void)state;
	struct xport_buf t[] = {
		{ 0, NET_FRAME_MAX - 1, 1 }, { 0, 0, 2 }, { REGION - 1000, 2048, 3 }, { ~0ull, 2048, 4 },
	};
	for (unsigned i = 0; i < 4; i++)
		put(RXF, t[i].offset, t[i].len, t[i].id);
	run();
	for (unsigned i = 0; i < 4; i++)
		back(RXA, t[i].id, 0, t[i].offset);
	assert_int_equal(D.chains[VNET_RXQ], 0);
	assert_int_equal(vnet_stat(N, NET_STAT_RX_REFUSED), 4);
}

/*
 * A receive buffer overlapping one the device holds (the bytes it may write:
 * NET_FRAME_MAX at most) is refused: the same one twice, one running into it; one just
 * after it is taken, as is a transmit frame there (the device only reads it), and the
 * same buffer again once it has come back.
 */
static void rx_overlap_refused(void **state)
{
	(void)state;
	uint8_t f[60];
	frame(f, sizeof f, 5);
	put(RXF, 4096, 2048, 1);
	put(RXF, 4096, 2048, 2);			/* the same buffer */
	put(RXF, 4096 - 1000, 2048, 3);			/* runs into it */
	put(RXF, 4096 + NET_FRAME_MAX - 1, 2048, 4);	/* its last byte */
	put(RXF, 4096 + NET_FRAME_MAX, 2048, 5);	/* just after it */
	put(TXA, 4096, 60, 6);
	run();
	back(RXA, 2, 0, 4096);
	back(RXA, 3, 0, 4096 - 1000);
	back(RXA, 4, 0, 4096 + NET_FRAME_MAX - 1);
	nothing_back(RXA);
	back(TXF, 6, 60, 4096);
	assert_int_equal(D.chains[VNET_RXQ], 2);
	assert_int_equal(vnet_stat(N, NET_STAT_RX_REFUSED), 3);
	assert_true(deliver(f, sizeof f));
	run();
	back(RXA, 1, 60, 4096);
	put(RXF, 4096, 2048, 7);			/* back, so it may be given again */
	run();
	nothing_back(RXA);
	assert_int_equal(D.chains[VNET_RXQ], 3);
}

/* A device that breaks a rule is reset; every buffer held comes back refused. */
static void broken_device_returns_everything(void **state)
{
	(void)state;
	uint8_t f[64] = { 0 };
	for (unsigned i = 0; i < 3; i++)
		put(RXF, 2048 * i, 2048, i);
	D.hold_tx = 1;
	put(TXA, 8192, 60, 7);
	run();
	D.bad_id = 200;				/* an id it never had */
	assert_true(deliver(f, 60));
	unsigned resets = F.resets;
	run();
	assert_int_equal(F.resets, resets + 1);
	assert_true(F.status & VIRTIO_STATUS_FAILED);
	for (unsigned i = 0; i < 3; i++)
		back(RXA, i, 0, 2048 * i);
	back(TXF, 7, 0, 8192);
	put(TXA, 8192, 60, 8);				/* later ones: refused at once */
	run();
	back(TXF, 8, 0, 8192);
}

/* A length beyond the chain is a broken device too. */
static void overlong_receive_breaks(void **state)
{
	(void)state;
	static uint8_t f[NET_FRAME_MAX];
	put(RXF, 0, 2048, 1);
	run();
	D.extra_len = 1;
	assert_true(deliver(f, NET_FRAME_MAX));
	run();
	back(RXA, 1, 0, 0);
	assert_true(N->failed);
}

/* The driver takes a buffer only with room to give it back: a client that never
 * takes its buffers back stalls only itself. */
static void room_bounds_taking(void **state)
{
	rings(4);
	assert_int_equal(start(), 0);
	(void)state;
	uint8_t f[64] = { 0 };
	for (unsigned i = 0; i < 8; i++)
		put(RXF, 2048 * i, 2048, i);
	run();
	assert_int_equal(N->rx.held, 4);
	assert_int_equal(D.chains[VNET_RXQ], 4);
	for (unsigned i = 0; i < 4; i++)
		assert_true(deliver(f, 60));
	run();
	assert_int_equal(N->rx.held, 0);		/* rx active is full: nothing more taken */
	assert_int_equal(D.chains[VNET_RXQ], 4);
	back(RXA, 0, 60, 0);
	back(RXA, 1, 60, 2048);
	run();
	assert_int_equal(N->rx.held, 2);
	/* Bad tx descriptors need room too: 6 refused through a 4-slot tx free. */
	for (unsigned i = 0; i < 6; i++)
		put(TXA, 0, 1, 20 + i);
	run();
	for (unsigned i = 0; i < 4; i++)
		back(TXF, 20 + i, 0, 0);
	nothing_back(TXF);
	run();
	back(TXF, 24, 0, 0);
	back(TXF, 25, 0, 0);
}

/* Short of room for what it holds, the driver sleeps (it does not spin) until the
 * client takes buffers back, and the client's taking wakes it; a client cursor beyond
 * reason is no work either. */
static void sleeps_short_of_room(void **state)
{
	rings(4);
	assert_int_equal(start(), 0);
	(void)state;
	put(RXF, 0, 2048, 1);
	put(RXF, 2048, 2048, 2);
	run();
	assert_int_equal(N->rx.held, 2);
	put(RXF, 0, 10, 3);
	put(RXF, 0, 10, 4);
	put(RXF, 2048 * 2, 2048, 5);
	run();						/* 2 refused: 2 free, 3 needed */
	assert_int_equal(N->rx.held, 2);
	assert_int_equal(vnet_arm(N), 0);
	assert_int_equal(ring[RXA]->producer_waits, 1);
	back(RXA, 3, 0, 0);
	assert_int_equal(xport_wake_needed(&cli[RXA]), 1);	/* the client sends */
	assert_int_equal(vnet_arm(N), 1);
	run();
	assert_int_equal(N->rx.held, 3);
	ring[RXA]->tail = ring[RXA]->head + 1;		/* beyond reason */
	put(RXF, 2048 * 3, 2048, 6);
	assert_int_equal(vnet_arm(N), 0);
}

static void wakes_a_waiting_client(void **state)
{
	(void)state;
	uint8_t f[64] = { 0 };
	put(RXF, 0, 2048, 1);
	assert_int_equal(vnet_arm(N), 1);		/* a buffer waits: no sleep */
	run();
	assert_int_equal(vnet_arm(N), 0);		/* nothing to do: sleep */
	assert_int_equal(xport_arm(&cli[RXA]), 0);	/* the client sleeps on rx active */
	assert_true(deliver(f, 60));
	assert_int_equal(vnet_arm(N), 1);		/* a used entry waits */
	assert_true(run() & VNET_WAKE_CLIENT);
	back(RXA, 1, 60, 0);
	assert_int_equal(run() & VNET_WAKE_CLIENT, 0);	/* nobody waits */
}

/* A client whose cursors are beyond reason is left alone; the other direction works. */
static void client_cursor_beyond(void **state)
{
	(void)state;
	ring[RXF]->head = 1000;				/* the client's producer cursor, impossible */
	put(TXA, 0, 60, 1);
	run();
	assert_int_equal(D.chains[VNET_RXQ], 0);
	back(TXF, 1, 60, 0);
	ring[RXF]->head = 0;
	put(RXF, 0, 2048, 2);
	run();
	assert_int_equal(D.chains[VNET_RXQ], 1);
}

/* A new instance of the driver: fresh memory, the queues' ends where the rings stand
 * (xport_attach reads the cursors), the device set up afresh. */
static long restarted(void)
{
	for (unsigned i = 0; i < 4; i++) {
		unsigned to_driver = i == RXF || i == TXA;
		assert_int_equal(xport_attach(&drv[i], ring[i], XPORT_NET_SLOT, drv[i].mask + 1,
					      to_driver ? XPORT_CONSUMER : XPORT_PRODUCER), 0);
	}
	unsigned resets = F.resets;
	memset(D.seen, 0, sizeof D.seen);	/* the reset device forgets its queues */
	memset(D.npending, 0, sizeof D.npending);
	memset(D.chains, 0, sizeof D.chains);
	long r = start();
	assert_true(F.resets > resets);		/* the device was reset first */
	return r;
}

/*
 * A restart: the old instance held two receive buffers at the device and had filled tx
 * free with sent buffers, a frame waiting behind. The new instance puts a restart notice
 * in each direction (the position it starts at in rx free, tx active) before any buffer
 * of its own, once there is room: it takes no buffer in that direction before. The held
 * receive buffers never come back; buffers put at or after the positions are served.
 */
static void restart_notices_first(void **state)
{
	(void)state;
	rings(4);
	assert_int_equal(start(), 0);
	uint8_t f[60];
	frame(f, sizeof f, 3);
	for (unsigned i = 0; i < 3; i++)
		put(RXF, 2048 * i, 2048, i);		/* positions 0..2 */
	for (unsigned k = 0; k < 4; k++)
		put(TXA, 8192 + 2048 * k, 60, 7 + k);	/* positions 0..3, all sent */
	run();
	assert_true(deliver(f, sizeof f));		/* into buffer 0 */
	run();
	assert_int_equal(D.nsent, 4);
	put(TXA, 16384, 60, 11);			/* position 4: tx free is full, it waits */
	run();
	assert_int_equal(xport_count(&cli[TXA]), 1);
	/* the crash; buffer 3 put meanwhile, at rx free position 3 */
	put(RXF, 6144, 2048, 3);
	assert_int_equal(restarted(), 0);
	vnet_announce(N);
	assert_int_equal(N->rx.announce_at, 3);
	assert_int_equal(N->tx.announce_at, 4);
	vnet_work(N);
	assert_int_equal(xport_count(&cli[TXA]), 1);	/* nothing taken before the notice */
	assert_int_equal(vnet_arm(N), 0);
	assert_int_equal(ring[TXF]->producer_waits, 1);	/* waits for room for the notice */
	back(RXA, 0, 60, 0);				/* the old instance's, and true */
	back(RXA, XPORT_NET_RESTARTED, 0, 3);		/* buffers 1 and 2 are lost */
	nothing_back(RXA);
	for (unsigned k = 0; k < 4; k++)
		back(TXF, 7 + k, 60, 8192 + 2048 * k);
	assert_int_equal(vnet_arm(N), 1);
	run();
	back(TXF, XPORT_NET_RESTARTED, 0, 4);
	back(TXF, 11, 60, 16384);			/* the new instance's */
	assert_int_equal(D.nsent, 5);
	assert_true(deliver(f, sizeof f));
	run();
	back(RXA, 3, 60, 6144);				/* into buffer 3, not 1 or 2 */
	nothing_back(RXA);
	assert_int_equal(D.chains[VNET_RXQ], 1);	/* 1 and 2 never went to the new device */
	assert_int_equal(vnet_stat(N, NET_STAT_RX_REFUSED), 0);	/* a notice is not a refusal */
	assert_int_equal(vnet_stat(N, NET_STAT_TX_REFUSED), 0);
}

/* The client asks for a reset (vnet_reset, with start()'s arguments): the fake device
 * forgets its queues as restarted() has it. */
static long reset(void)
{
	unsigned resets = F.resets;
	memset(D.seen, 0, sizeof D.seen);
	memset(D.npending, 0, sizeof D.npending);
	memset(D.chains, 0, sizeof D.chains);
	struct vnet_queues qs = { &drv[RXF], &drv[RXA], &drv[TXA], &drv[TXF] };
	long r = vnet_reset(N, 0, &DMA, &REG, &qs, VIRTIO_MSI_NO_VECTOR);
	assert_true(F.resets > resets);		/* the device was reset first */
	return r;
}

/*
 * A client's restart: the earlier instance gave three receive buffers (held), a fourth
 * that waits (rx active has room for three held), and two frames, one held by the
 * device and one sent; a frame came in. Its successor asks for a reset: the device is
 * reset, the waiting buffer and the held ones are dropped and never come back, and a
 * reset notice in each direction says where service starts (after what was dropped);
 * the returns before it are left for the client to drop. Buffers the successor gives
 * at the same offsets are taken (none overlaps what the driver holds: it holds
 * nothing), frames arrive in them, and the counters go on.
 */
static void client_reset_forgets_and_drops(void **state)
{
	(void)state;
	rings(4);
	assert_int_equal(start(), 0);
	uint8_t f[60];
	frame(f, sizeof f, 9);
	for (unsigned i = 0; i < 4; i++)
		put(RXF, 2048 * i, 2048, i);		/* positions 0..3 */
	put(TXA, 8192, 60, 7);
	run();						/* sent */
	D.hold_tx = 1;
	put(TXA, 10240, 60, 8);				/* held by the device */
	run();
	assert_true(deliver(f, sizeof f));		/* into buffer 0; 3 is then taken */
	run();
	assert_int_equal(N->rx.held, 3);
	assert_int_equal(N->tx.held, 1);
	put(RXF, 0, 2048, 0);				/* the earlier instance's last act */
	assert_int_equal(xport_count(&cli[RXF]), 1);
	uint64_t frames = vnet_stat(N, NET_STAT_RX_FRAMES);
	D.hold_tx = 0;
	assert_int_equal(reset(), 0);
	assert_int_equal(xport_count(&drv[RXF]), 0);	/* dropped */
	assert_int_equal(N->rx.held + N->tx.held, 0);	/* forgotten */
	assert_int_equal(N->rx.announce_at, 5);
	assert_int_equal(N->tx.announce_at, 2);
	put(RXF, 0, 2048, 10);				/* the successor's, at the same offsets */
	put(RXF, 2048, 2048, 11);
	put(TXA, 10240, 60, 12);
	run();
	back(RXA, 0, 60, 0);				/* the earlier instance's */
	back(RXA, XPORT_NET_RESET, 0, 5);
	nothing_back(RXA);
	back(TXF, 7, 60, 8192);
	back(TXF, XPORT_NET_RESET, 0, 2);
	back(TXF, 12, 60, 10240);			/* 8 never comes back */
	nothing_back(TXF);
	assert_int_equal(D.chains[VNET_RXQ], 2);	/* only the successor's */
	assert_true(deliver(f, sizeof f));
	assert_true(deliver(f, sizeof f));
	assert_false(deliver(f, sizeof f));
	run();
	back(RXA, 10, 60, 0);
	back(RXA, 11, 60, 2048);
	assert_int_equal(vnet_stat(N, NET_STAT_RX_FRAMES), frames + 2);
	assert_int_equal(vnet_stat(N, NET_STAT_RX_REFUSED), 0);
	/* a client cursor beyond reason at the reset: nothing dropped, the notice at the
	 * driver's own position */
	ring[RXF]->head = drv[RXF].cursor + 1000;
	uint32_t at = drv[RXF].cursor;
	assert_int_equal(reset(), 0);
	assert_int_equal(drv[RXF].cursor, at);
	assert_int_equal(N->rx.announce_at, at);
}

/* A restarted driver whose device fails still puts its notices, then refuses. */
static void restart_notice_on_failed_device(void **state)
{
	(void)state;
	put(RXF, 0, 2048, 1);
	run();
	F.qmax = 1;				/* no room for one buffer now: set-up fails */
	assert_int_equal(restarted(), CAIRN_ENOTSUP);
	vnet_announce(N);
	put(TXA, 8192, 60, 5);
	put(RXF, 2048, 2048, 2);
	run();
	back(RXA, XPORT_NET_RESTARTED, 0, 1);
	back(RXA, 2, 0, 2048);
	back(TXF, XPORT_NET_RESTARTED, 0, 0);
	back(TXF, 5, 0, 8192);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(starts_with_mac_and_no_offloads, started, teardown),
		cmocka_unit_test_setup_teardown(start_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(sends_byte_for_byte, started, teardown),
		cmocka_unit_test_setup_teardown(bad_tx_refused, started, teardown),
		cmocka_unit_test_setup_teardown(receives_into_client_buffers, started, teardown),
		cmocka_unit_test_setup_teardown(runts_dropped_buffer_reused, started, teardown),
		cmocka_unit_test_setup_teardown(bad_rx_refused, started, teardown),
		cmocka_unit_test_setup_teardown(broken_device_returns_everything, started, teardown),
		cmocka_unit_test_setup_teardown(overlong_receive_breaks, started, teardown),
		cmocka_unit_test_setup_teardown(room_bounds_taking, setup, teardown),
		cmocka_unit_test_setup_teardown(sleeps_short_of_room, setup, teardown),
		cmocka_unit_test_setup_teardown(wakes_a_waiting_client, started, teardown),
		cmocka_unit_test_setup_teardown(client_cursor_beyond, started, teardown),
		cmocka_unit_test_setup_teardown(restart_notices_first, setup, teardown),
		cmocka_unit_test_setup_teardown(restart_notice_on_failed_device, started, teardown),
		cmocka_unit_test_setup_teardown(rx_overlap_refused, started, teardown),
		cmocka_unit_test_setup_teardown(client_reset_forgets_and_drops, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
