/*
 * test_virtio.c: libvirtio (lib/libvirtio/pci.c, virtq.c; cairn/virtio.h) against a
 * fake modern virtio-pci device that behaves badly on demand: its capabilities (in a
 * 256-byte configuration space read through libpci's accessor) name structures outside
 * the BAR, too short, missing, in reserved BARs, at the end of configuration space or
 * in a looping list; its common configuration never finishes a reset, drops
 * FEATURES_OK, lacks VERSION_1, refuses MSI-X vectors, says NEEDS_RESET or FAILED, or
 * moves config_generation for ever; its used rings carry ids out of range, ids that
 * are not chain heads, ids already returned, lengths beyond the chain, indexes that
 * jump or go back; and it scribbles over the descriptor table. Every register access
 * the library makes must fall inside a structure (the fake counts those that do not),
 * and AddressSanitizer watches the rings' exact allocation.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <cairn/virtio.h>

/* ---- the fake device ------------------------------------------------------------------ */

#define BDF      PCI_BDF(0, 4, 0)
#define BAR_SIZE 0x4000u
#define COMMON   0x0000u		/* where QEMU puts the structures in its BAR 4 */
#define ISR      0x1000u
#define DEVICE   0x2000u
#define NOTIFY   0x3000u
#define NOTIFY_LEN 0x1000u
#define MULT     4u
#define DEV_LEN  0x40u
#define NQUEUES  3

struct fq {
	uint16_t max, size, msix, enable, noff;
	uint64_t desc, avail, used;
};

static struct fake {
	uint8_t cfg[PCI_CFG_SIZE];
	uint8_t *bar;			/* BAR 4's memory, BAR_SIZE bytes (ASan-bounded) */
	uint64_t features;		/* offered */
	uint32_t dfsel, gfsel;
	uint64_t drv_features;
	uint8_t status, gen;
	uint16_t msix, qsel;
	struct fq q[NQUEUES];
	uint8_t isr;
	uint8_t devcfg[DEV_LEN];
	/* misbehaviour */
	int reset_stuck, drop_features_ok, refuse_msix, gen_moves;
	uint8_t extra_status;		/* or'ed into every status read */
	/* what the library did */
	unsigned status_reads, gen_reads, notifies, last_notify, stray, bad_width;
	uint8_t status_log[16];
	unsigned nstatus;
} F;

static struct pci_cfg CFG;

static uint32_t cfg_read(void *ctx, unsigned bdf, unsigned off, unsigned width)
{
	(void)ctx;
	if (!pci_cfg_valid(bdf, off, width) || bdf != BDF) {
		if (!pci_cfg_valid(bdf, off, width))
			F.stray++;
		return width == 4 ? 0xffffffffu : (1u << (8 * width)) - 1;
	}
	uint32_t v = 0;
	for (unsigned i = 0; i < width; i++)
		v |= (uint32_t)F.cfg[off + i] << (8 * i);
	return v;
}

static void cfg_write(void *ctx, unsigned bdf, unsigned off, unsigned width, uint32_t v)
{
	(void)ctx; (void)bdf; (void)off; (void)width; (void)v;
	F.stray++;			/* the library writes nothing to configuration space */
}

static uint64_t get_le(const uint8_t *p, unsigned width)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < width; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static uint32_t half(uint64_t v, unsigned off)
{
	return off & 4 ? (uint32_t)(v >> 32) : (uint32_t)v;
}

static void set_half(uint64_t *v, unsigned off, uint32_t x)
{
	*v = off & 4 ? (*v & 0xffffffffull) | (uint64_t)x << 32 : (*v & ~0xffffffffull) | x;
}

static uint32_t common_read(unsigned off)
{
	struct fq *q = F.qsel < NQUEUES ? &F.q[F.qsel] : NULL;
	static const struct fq none;
	if (!q)
		q = (struct fq *)&none;
	switch (off) {
	case VIRTIO_COMMON_DF: return F.dfsel < 2 ? half(F.features, F.dfsel * 4) : 0;
	case VIRTIO_COMMON_MSIX: return F.msix;
	case VIRTIO_COMMON_NUMQ: return NQUEUES;
	case VIRTIO_COMMON_STATUS: F.status_reads++; return F.status | F.extra_status;
	case VIRTIO_COMMON_CFGGEN: F.gen_reads++; return F.gen_moves ? F.gen++ : F.gen;
	case VIRTIO_COMMON_Q_SELECT: return F.qsel;
	case VIRTIO_COMMON_Q_SIZE: return q->max;
	case VIRTIO_COMMON_Q_MSIX: return q->msix;
	case VIRTIO_COMMON_Q_ENABLE: return q->enable;
	case VIRTIO_COMMON_Q_NOFF: return q->noff;
	}
	return 0;
}

static void write_status(uint8_t v)
{
	if (F.nstatus < sizeof F.status_log)
		F.status_log[F.nstatus++] = v;
	if (v == 0) {
		if (!F.reset_stuck) {
			F.status = 0;
			for (unsigned i = 0; i < NQUEUES; i++)
				F.q[i].enable = 0, F.q[i].msix = VIRTIO_MSI_NO_VECTOR;
		}
		return;
	}
	if ((v & VIRTIO_STATUS_FEATURES_OK) &&
	    (F.drop_features_ok || (F.drv_features & ~F.features)))
		v &= ~VIRTIO_STATUS_FEATURES_OK;
	F.status = v;
}

static void common_write(unsigned off, uint32_t v)
{
	struct fq dummy, *q = F.qsel < NQUEUES ? &F.q[F.qsel] : &dummy;
	switch (off) {
	case VIRTIO_COMMON_DFSELECT: F.dfsel = v; break;
	case VIRTIO_COMMON_GFSELECT: F.gfsel = v; break;
	case VIRTIO_COMMON_GF: if (F.gfsel < 2) set_half(&F.drv_features, F.gfsel * 4, v); break;
	case VIRTIO_COMMON_MSIX: F.msix = F.refuse_msix ? VIRTIO_MSI_NO_VECTOR : v; break;
	case VIRTIO_COMMON_STATUS: write_status(v); break;
	case VIRTIO_COMMON_Q_SELECT: F.qsel = v; break;
	case VIRTIO_COMMON_Q_SIZE: q->size = v; break;
	case VIRTIO_COMMON_Q_MSIX: q->msix = F.refuse_msix ? VIRTIO_MSI_NO_VECTOR : v; break;
	case VIRTIO_COMMON_Q_ENABLE: q->enable = v; break;
	case VIRTIO_COMMON_Q_DESCLO: case VIRTIO_COMMON_Q_DESCLO + 4: set_half(&q->desc, off, v); break;
	case VIRTIO_COMMON_Q_AVAILLO: case VIRTIO_COMMON_Q_AVAILLO + 4: set_half(&q->avail, off, v); break;
	case VIRTIO_COMMON_Q_USEDLO: case VIRTIO_COMMON_Q_USEDLO + 4: set_half(&q->used, off, v); break;
	}
}

/* Register accesses: each must be aligned and inside one of the four structures. */
static int inside(uintptr_t a, unsigned width, unsigned base, unsigned len, unsigned *off)
{
	uintptr_t b = (uintptr_t)F.bar + base;
	if (a < b || a + width > b + len)
		return 0;
	*off = a - b;
	return 1;
}

static uint32_t io_read(void *ctx, uintptr_t a, unsigned width)
{
	(void)ctx;
	unsigned off;
	if (a % width)
		F.bad_width++;
	if (inside(a, width, COMMON, VIRTIO_COMMON_LEN, &off))
		return common_read(off);
	if (inside(a, width, ISR, 1, &off)) {
		uint8_t v = F.isr;
		F.isr = 0;
		return v;
	}
	if (inside(a, width, DEVICE, DEV_LEN, &off))
		return get_le(F.devcfg + off, width);
	F.stray++;
	return 0xffffffffu;
}

static void io_write(void *ctx, uintptr_t a, unsigned width, uint32_t v)
{
	(void)ctx;
	unsigned off;
	if (a % width)
		F.bad_width++;
	if (inside(a, width, COMMON, VIRTIO_COMMON_LEN, &off))
		common_write(off, v);
	else if (inside(a, width, NOTIFY, NOTIFY_LEN, &off) && width == 2) {
		F.notifies++;
		F.last_notify = off << 16 | v;
	} else
		F.stray++;
}

static const struct virtio_io IO = { io_read, io_write, NULL };

/* A virtio capability at `at`, linked to `next`. */
static void vcap(unsigned at, unsigned next, unsigned type, unsigned bar, uint32_t off, uint32_t len)
{
	uint8_t *c = &F.cfg[at];
	c[0] = PCI_CAP_VENDOR;
	c[1] = next;
	c[2] = type == VIRTIO_PCI_CAP_NOTIFY ? VIRTIO_PCI_NOTIFY_CAP_LEN : VIRTIO_PCI_CAP_LEN;
	c[3] = type;
	c[4] = bar;
	memcpy(c + 8, &off, 4);
	memcpy(c + 12, &len, 4);
	if (type == VIRTIO_PCI_CAP_NOTIFY)
		memcpy(c + 16, &(uint32_t){ MULT }, 4);
}

static struct virtio_bar BARS[PCI_BARS];

/* QEMU's layout: an MSI-X capability, then common, ISR, device, notify in BAR 4. */
static int setup(void **state)
{
	(void)state;
	free(F.bar);
	memset(&F, 0, sizeof F);
	F.bar = malloc(BAR_SIZE);
	F.features = VIRTIO_F_VERSION_1 | (1ull << 9) | (1ull << 6) | VIRTIO_F_EVENT_IDX;
	F.msix = VIRTIO_MSI_NO_VECTOR;
	for (unsigned i = 0; i < NQUEUES; i++)
		F.q[i] = (struct fq){ .max = 128, .msix = VIRTIO_MSI_NO_VECTOR, .noff = i };
	F.q[2].max = 0;		/* queue 2 does not exist */
	F.cfg[PCI_STATUS] = PCI_STATUS_CAPS;
	F.cfg[PCI_CAP_PTR] = 0x40;
	F.cfg[0x40] = PCI_CAP_MSIX;
	F.cfg[0x41] = 0x50;
	vcap(0x50, 0x60, VIRTIO_PCI_CAP_COMMON, 4, COMMON, 0x1000);
	vcap(0x60, 0x70, VIRTIO_PCI_CAP_ISR, 4, ISR, 0x1000);
	vcap(0x70, 0x80, VIRTIO_PCI_CAP_DEVICE, 4, DEVICE, DEV_LEN);
	vcap(0x80, 0x98, VIRTIO_PCI_CAP_NOTIFY, 4, NOTIFY, NOTIFY_LEN);
	vcap(0x98, 0, 5, 0, 0, 0);	/* the PCI configuration access capability: ignored */
	CFG = (struct pci_cfg){ cfg_read, cfg_write, NULL };
	memset(BARS, 0, sizeof BARS);
	BARS[4] = (struct virtio_bar){ (uintptr_t)F.bar, BAR_SIZE };
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(F.bar);
	F.bar = NULL;
	return 0;
}

static void assert_clean(void)
{
	assert_int_equal(F.stray, 0);
	assert_int_equal(F.bad_width, 0);
}

static void found(struct virtio_pci *v)
{
	assert_int_equal(virtio_pci_find(v, &CFG, BDF, BARS, &IO, 8), 0);
}

/* Found and negotiated, with `wanted` features. */
static void ready(struct virtio_pci *v, uint64_t wanted)
{
	found(v);
	assert_int_equal(virtio_pci_negotiate(v, wanted, 0), 0);
}

/* ---- finding the structures ----------------------------------------------------------- */

static void find_qemu_layout(void **state)
{
	(void)state;
	struct virtio_pci v;
	found(&v);
	uintptr_t b = (uintptr_t)F.bar;
	assert_true(v.common == b + COMMON && v.isr == b + ISR && v.device == b + DEVICE && v.notify == b + NOTIFY);
	assert_int_equal(v.device_len, DEV_LEN);
	assert_int_equal(v.notify_len, NOTIFY_LEN);
	assert_int_equal(v.notify_mult, MULT);
	assert_int_equal(v.broken, 0);
	assert_int_equal(F.nstatus, 0);		/* finding touches no register */
	assert_clean();
}

/* The driver's path: the booter's copy of configuration space (pci_cfg_copy). */
static void find_through_copy(void **state)
{
	(void)state;
	struct pci_cfg c;
	struct pci_copy copy;
	struct virtio_pci v;
	pci_cfg_copy(&c, &copy, F.cfg, BDF);
	assert_int_equal(virtio_pci_find(&v, &c, BDF, BARS, &IO, 8), 0);
	assert_true(v.common == (uintptr_t)F.bar + COMMON && v.notify == (uintptr_t)F.bar + NOTIFY);
	assert_int_equal(virtio_pci_find(&v, &c, PCI_BDF(0, 5, 0), BARS, &IO, 8), CAIRN_ENOENT);
}

/* A refusal leaves *v as it was. */
static void refused(long want)
{
	struct virtio_pci v, before;
	memset(&v, 0x5a, sizeof v);
	before = v;
	assert_int_equal(virtio_pci_find(&v, &CFG, BDF, BARS, &IO, 8), want);
	assert_memory_equal(&v, &before, sizeof v);
	assert_clean();
}

static void find_missing_structure(void **state)
{
	static const unsigned at[] = { 0x50, 0x60, 0x70, 0x80 };
	for (unsigned i = 0; i < 4; i++) {
		setup(state);
		F.cfg[at[i] + 3] = 6;	/* another type (shared memory): that structure is missing */
		refused(CAIRN_ENOENT);
	}
	setup(state);
	F.cfg[0x41] = 0;		/* no vendor capability at all */
	refused(CAIRN_ENOENT);
	setup(state);
	F.cfg[PCI_STATUS] = 0;		/* no capability list */
	refused(CAIRN_ENOENT);
}

static void find_outside_bar(void **state)
{
	struct { unsigned at, type; uint32_t off, len; } bad[] = {
		{ 0x50, VIRTIO_PCI_CAP_COMMON, BAR_SIZE - 0x20, 0x38 },		/* runs past the end */
		{ 0x50, VIRTIO_PCI_CAP_COMMON, BAR_SIZE + 0x1000, 0x38 },	/* starts past it */
		{ 0x60, VIRTIO_PCI_CAP_ISR, 0xffffff00u, 0x200 },		/* offset + length wraps 32 bits */
		{ 0x70, VIRTIO_PCI_CAP_DEVICE, DEVICE, 0xffffffffu },		/* huge */
		{ 0x80, VIRTIO_PCI_CAP_NOTIFY, BAR_SIZE, 2 },			/* just past */
		{ 0x50, VIRTIO_PCI_CAP_COMMON, 0, 0x37 },			/* too short for the registers */
		{ 0x60, VIRTIO_PCI_CAP_ISR, ISR, 0 },
		{ 0x80, VIRTIO_PCI_CAP_NOTIFY, NOTIFY, 1 },
		{ 0x70, VIRTIO_PCI_CAP_DEVICE, DEVICE, 7 },			/* below what the driver reads */
	};
	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		setup(state);
		vcap(bad[i].at, F.cfg[bad[i].at + 1], bad[i].type, 4, bad[i].off, bad[i].len);
		refused(CAIRN_ERANGE);
	}
	setup(state);
	BARS[4].va = 0;			/* the driver did not map BAR 4 */
	refused(CAIRN_ERANGE);
	setup(state);
	F.cfg[0x70 + 4] = 2;		/* the device configuration in BAR 2, unmapped */
	refused(CAIRN_ERANGE);
	setup(state);
	BARS[4].size = 0x2000;		/* a smaller BAR: notify now lies beyond it */
	refused(CAIRN_ERANGE);
	/* The last byte of the BAR is fine. */
	setup(state);
	vcap(0x60, 0x70, VIRTIO_PCI_CAP_ISR, 4, BAR_SIZE - 1, 1);
	struct virtio_pci v;
	found(&v);
	assert_true(v.isr == (uintptr_t)F.bar + BAR_SIZE - 1);
}

static void find_short_capability(void **state)
{
	setup(state);
	F.cfg[0x50 + 2] = VIRTIO_PCI_CAP_LEN - 1;
	refused(CAIRN_EINVAL);
	setup(state);
	F.cfg[0x80 + 2] = VIRTIO_PCI_CAP_LEN;	/* a notify capability without its multiplier */
	refused(CAIRN_EINVAL);
	/* A virtio capability whose body would run past 0xff. */
	setup(state);
	F.cfg[0x98 + 1] = 0xf8;
	F.cfg[0x80 + 1] = 0x98;
	F.cfg[0x70 + 3] = 6;		/* the device configuration moves to 0xf8 */
	F.cfg[0xf8] = PCI_CAP_VENDOR;
	F.cfg[0xf8 + 1] = 0;
	F.cfg[0xf8 + 2] = VIRTIO_PCI_CAP_LEN;
	F.cfg[0xf8 + 3] = VIRTIO_PCI_CAP_DEVICE;
	refused(CAIRN_EINVAL);
}

static void find_takes_first_usable(void **state)
{
	(void)state;
	/* A common capability naming a reserved BAR (7) comes first: ignored; a second
	 * common capability after the good one: ignored too. */
	F.cfg[PCI_CAP_PTR] = 0xa8;
	vcap(0xa8, 0x40, VIRTIO_PCI_CAP_COMMON, 7, 0, 0x38);
	F.cfg[0x98 + 1] = 0xb8;
	vcap(0xb8, 0, VIRTIO_PCI_CAP_COMMON, 4, 0x100, 0x38);
	struct virtio_pci v;
	found(&v);
	assert_true(v.common == (uintptr_t)F.bar + COMMON);
	assert_clean();
}

static void find_looping_list(void **state)
{
	(void)state;
	F.cfg[0x98 + 1] = 0x50;		/* back to the first virtio capability */
	refused(CAIRN_ENOENT);
	setup(state);
	F.cfg[0x98 + 1] = 0x20;		/* into the header */
	refused(CAIRN_ENOENT);
}

/* ---- negotiation and status ---------------------------------------------------------------- */

static void negotiate_in_order(void **state)
{
	(void)state;
	struct virtio_pci v;
	found(&v);
	F.status = VIRTIO_STATUS_DRIVER_OK;	/* left by a previous driver: reset first */
	assert_int_equal(virtio_pci_negotiate(&v, (1ull << 9) | (1ull << 12), 0), 0);
	assert_int_equal(v.features, VIRTIO_F_VERSION_1 | (1ull << 9));	/* 12 not offered, 6 not wanted */
	assert_int_equal(F.drv_features, v.features);
	static const uint8_t steps[] = { 0, 1, 3, 11 };
	assert_int_equal(F.nstatus, 4);
	assert_memory_equal(F.status_log, steps, 4);
	assert_int_equal(v.num_queues, NQUEUES);
	assert_int_equal(virtio_pci_driver_ok(&v), 0);
	assert_int_equal(F.status, 15);
	assert_int_equal(virtio_pci_check(&v), 0);
	assert_clean();
}

static void negotiate_refusals(void **state)
{
	struct virtio_pci v;

	found(&v);
	F.features &= ~VIRTIO_F_VERSION_1;	/* a legacy-only device */
	assert_int_equal(virtio_pci_negotiate(&v, 0, 0), CAIRN_ENOTSUP);
	assert_true(F.status & VIRTIO_STATUS_FAILED);
	assert_false(F.status & VIRTIO_STATUS_FEATURES_OK);
	assert_true(v.broken);

	setup(state);
	found(&v);
	assert_int_equal(virtio_pci_negotiate(&v, 1ull << 12, 1ull << 12), CAIRN_ENOTSUP);	/* required, not offered */
	assert_true(F.status & VIRTIO_STATUS_FAILED);

	setup(state);
	found(&v);
	F.drop_features_ok = 1;
	assert_int_equal(virtio_pci_negotiate(&v, 1ull << 9, 0), CAIRN_ENOTSUP);
	assert_true(F.status & VIRTIO_STATUS_FAILED);
	assert_int_equal(virtio_pci_driver_ok(&v), CAIRN_EIO);	/* broken: no DRIVER_OK */
	assert_false(F.status & VIRTIO_STATUS_DRIVER_OK);

	/* EVENT_IDX is offered and wanted, but the library does not implement it. */
	setup(state);
	found(&v);
	assert_int_equal(virtio_pci_negotiate(&v, VIRTIO_F_EVENT_IDX | (1ull << 6), 0), 0);
	assert_int_equal(v.features, VIRTIO_F_VERSION_1 | (1ull << 6));
	assert_int_equal(virtio_pci_negotiate(&v, VIRTIO_F_EVENT_IDX, VIRTIO_F_EVENT_IDX), CAIRN_ENOTSUP);
	assert_clean();
}

static void reset_is_bounded(void **state)
{
	(void)state;
	struct virtio_pci v;
	found(&v);
	F.status = VIRTIO_STATUS_DRIVER_OK;
	F.reset_stuck = 1;
	assert_int_equal(virtio_pci_negotiate(&v, 0, 0), CAIRN_EIO);
	assert_int_equal(F.status_reads, VIRTIO_RESET_POLLS);
	assert_true(v.broken);
	assert_int_equal(F.nstatus, 1);		/* nothing after the reset that failed */
	F.reset_stuck = 0;
	assert_int_equal(virtio_pci_reset(&v), 0);
	assert_false(v.broken);
	assert_clean();
}

static void check_sees_trouble(void **state)
{
	struct virtio_pci v;
	static const uint8_t bad[] = { VIRTIO_STATUS_NEEDS_RESET, VIRTIO_STATUS_FAILED };
	for (unsigned i = 0; i < 2; i++) {
		setup(state);
		ready(&v, 0);
		assert_int_equal(virtio_pci_driver_ok(&v), 0);
		F.extra_status = bad[i];
		assert_int_equal(virtio_pci_check(&v), CAIRN_EIO);
		assert_true(v.broken);
		F.extra_status = 0;
		assert_int_equal(virtio_pci_check(&v), CAIRN_EIO);	/* it stays broken */
	}
	setup(state);
	ready(&v, 0);
	assert_int_equal(virtio_pci_driver_ok(&v), 0);
	F.status = 0;			/* the device reset itself */
	assert_int_equal(virtio_pci_check(&v), CAIRN_EIO);
	/* NEEDS_RESET already at DRIVER_OK. */
	setup(state);
	ready(&v, 0);
	F.extra_status = VIRTIO_STATUS_NEEDS_RESET;
	assert_int_equal(virtio_pci_driver_ok(&v), CAIRN_EIO);
	/* The status the driver writes is its own, not what the device reads back. */
	F.extra_status = 0;
	setup(state);
	ready(&v, 0);
	F.extra_status = 0x30;
	assert_int_equal(virtio_pci_driver_ok(&v), 0);
	assert_int_equal(F.status, 15);
	assert_clean();
}

static void config_vector_read_back(void **state)
{
	(void)state;
	struct virtio_pci v;
	ready(&v, 0);
	assert_int_equal(virtio_pci_config_vector(&v, 3), 0);
	assert_int_equal(F.msix, 3);
	F.refuse_msix = 1;
	assert_int_equal(virtio_pci_config_vector(&v, 4), CAIRN_EIO);
	assert_int_equal(F.msix, VIRTIO_MSI_NO_VECTOR);
	assert_clean();
}

static void config_reads(void **state)
{
	(void)state;
	struct virtio_pci v;
	uint64_t x = 0;
	for (unsigned i = 0; i < DEV_LEN; i++)
		F.devcfg[i] = 0x10 + i;
	ready(&v, 0);
	assert_int_equal(virtio_pci_config(&v, 0, 8, &x), 0);
	assert_int_equal(x, 0x1716151413121110ull);
	assert_int_equal(virtio_pci_config(&v, 0x14, 4, &x), 0);
	assert_int_equal(x, 0x27262524u);
	assert_int_equal(virtio_pci_config(&v, 0x3e, 2, &x), 0);
	assert_int_equal(x, 0x4f4e);
	assert_int_equal(virtio_pci_config(&v, 0x3f, 1, &x), 0);
	assert_int_equal(x, 0x4f);
	x = 7;
	assert_int_equal(virtio_pci_config(&v, 0x3c, 8, &x), CAIRN_EINVAL);	/* misaligned */
	assert_int_equal(virtio_pci_config(&v, 0x40, 1, &x), CAIRN_EINVAL);	/* past the end */
	assert_int_equal(virtio_pci_config(&v, 0x38, 16, &x), CAIRN_EINVAL);
	assert_int_equal(virtio_pci_config(&v, 0x3c, 3, &x), CAIRN_EINVAL);
	assert_int_equal(virtio_pci_config(&v, 0xfffffff8u, 8, &x), CAIRN_EINVAL);	/* wraps */
	assert_int_equal(x, 7);
	F.gen_moves = 1;		/* the generation never settles */
	F.gen_reads = 0;
	assert_int_equal(virtio_pci_config(&v, 0, 4, &x), CAIRN_EIO);
	assert_int_equal(F.gen_reads, 2 * VIRTIO_CONFIG_TRIES);
	assert_int_equal(x, 7);
	assert_clean();
}

static void isr_read_and_cleared(void **state)
{
	(void)state;
	struct virtio_pci v;
	ready(&v, 0);
	F.isr = 0xff;
	assert_int_equal(virtio_pci_isr(&v), VIRTIO_ISR_QUEUE | VIRTIO_ISR_CONFIG);
	assert_int_equal(virtio_pci_isr(&v), 0);
	assert_clean();
}

/* ---- queue set-up -------------------------------------------------------------------------- */

struct ring {
	void *mem;
	struct virtq_mem m;
};

static struct ring ring_of(uint64_t bytes, uint64_t dev)
{
	struct ring r = { .mem = aligned_alloc(16, (bytes + 15) & ~15ull) };
	r.m = (struct virtq_mem){ r.mem, dev, bytes };
	return r;
}

static void queue_setup_programs_device(void **state)
{
	(void)state;
	struct virtio_pci v;
	struct virtq *q = malloc(sizeof *q);
	struct ring r = ring_of(virtq_bytes(128), 0x123450000ull);

	ready(&v, 0);
	memset(r.mem, 0xee, virtq_bytes(128));
	assert_int_equal(virtq_setup(q, &v, 1, 1000, &r.m, VIRTIO_MSI_NO_VECTOR), 128);
	assert_int_equal(F.q[1].size, 128);
	assert_int_equal(F.q[1].enable, 1);
	assert_int_equal(F.q[1].desc, 0x123450000ull);
	assert_int_equal(F.q[1].avail, 0x123450000ull + 16 * 128);
	assert_int_equal(F.q[1].used, 0x123450000ull + 16 * 128 + 6 + 2 * 128 + 6);	/* 4 past a multiple of 8 */
	assert_int_equal(F.q[1].used % 4, 0);
	/* Every size: the used ring past the available ring, its elements 8-aligned (none
	 * straddles a page), at most 7 bytes between, all within virtq_bytes. */
	for (unsigned s = 1; s <= VIRTQ_MAX; s++) {
		uint64_t end = 16ull * s + 6 + 2ull * s, u = virtq_used_at(s);
		assert_true(u >= end && u - end <= 7 && u % 8 == 4);
		assert_int_equal(virtq_bytes(s), u + 6 + 8ull * s);
	}
	assert_int_equal(F.q[1].msix, VIRTIO_MSI_NO_VECTOR);	/* not written */
	assert_true(q->notify == v.notify + 1 * MULT);
	assert_int_equal(q->nfree, 128);
	for (uint64_t i = 0; i < virtq_bytes(128); i++)
		assert_int_equal(((uint8_t *)r.mem)[i], 0);
	/* With a vector. */
	assert_int_equal(virtq_setup(q, &v, 0, 16, &r.m, 2), 16);
	assert_int_equal(F.q[0].msix, 2);
	assert_int_equal(F.q[0].size, 16);
	assert_int_equal(virtio_pci_driver_ok(&v), 0);
	assert_clean();
	free(r.mem);
	free(q);
}

static void queue_size_bounded(void **state)
{
	struct virtio_pci v;
	struct virtq *q = malloc(sizeof *q);
	struct { unsigned max, want; uint64_t bytes; long size; } t[] = {
		{ 1024, 1024, virtq_bytes(1024), VIRTQ_MAX },	/* the library's books */
		{ 200, 1000, virtq_bytes(256), 128 },		/* a device maximum not a power of two */
		{ 128, 100, virtq_bytes(128), 64 },		/* the driver's wish */
		{ 128, 128, virtq_bytes(128) - 1, 64 },		/* the driver's memory */
		{ 128, 128, virtq_bytes(1), 1 },
		{ 128, 128, virtq_bytes(1) - 1, CAIRN_ENOMEM },
		{ 0xffff, 0xffffffffu, virtq_bytes(256), VIRTQ_MAX },
	};
	for (unsigned i = 0; i < sizeof t / sizeof t[0]; i++) {
		setup(state);
		ready(&v, 0);
		F.q[0].max = t[i].max;
		struct ring r = ring_of(t[i].bytes, 0x1000);
		assert_int_equal(virtq_setup(q, &v, 0, t[i].want, &r.m, VIRTIO_MSI_NO_VECTOR), t[i].size);
		assert_int_equal(F.q[0].enable, t[i].size > 0);
		if (t[i].size > 0)
			assert_int_equal(F.q[0].size, t[i].size);
		free(r.mem);
	}
	assert_clean();
	free(q);
}

static void queue_setup_refusals(void **state)
{
	(void)state;
	struct virtio_pci v;
	struct virtq *q = malloc(sizeof *q);
	struct ring r = ring_of(virtq_bytes(128), 0x1000);

	ready(&v, 0);
	assert_int_equal(virtq_setup(q, &v, NQUEUES, 8, &r.m, VIRTIO_MSI_NO_VECTOR), CAIRN_EINVAL);
	assert_int_equal(virtq_setup(q, &v, 0xffff, 8, &r.m, VIRTIO_MSI_NO_VECTOR), CAIRN_EINVAL);
	assert_int_equal(virtq_setup(q, &v, 0, 0, &r.m, VIRTIO_MSI_NO_VECTOR), CAIRN_EINVAL);
	assert_int_equal(virtq_setup(q, &v, 2, 8, &r.m, VIRTIO_MSI_NO_VECTOR), CAIRN_ENOENT);	/* max 0 */
	struct virtq_mem odd = { (char *)r.mem + 8, 0x1000, virtq_bytes(8) };
	assert_int_equal(virtq_setup(q, &v, 0, 8, &odd, VIRTIO_MSI_NO_VECTOR), CAIRN_EINVAL);
	odd = (struct virtq_mem){ r.mem, 0x1004, virtq_bytes(8) };
	assert_int_equal(virtq_setup(q, &v, 0, 8, &odd, VIRTIO_MSI_NO_VECTOR), CAIRN_EINVAL);
	odd = (struct virtq_mem){ r.mem, UINT64_MAX - 15, virtq_bytes(8) };		/* device addresses wrap */
	assert_int_equal(virtq_setup(q, &v, 0, 8, &odd, VIRTIO_MSI_NO_VECTOR), CAIRN_EINVAL);
	F.q[0].enable = 1;
	assert_int_equal(virtq_setup(q, &v, 0, 8, &r.m, VIRTIO_MSI_NO_VECTOR), CAIRN_EBUSY);
	F.q[0].enable = 0;
	/* Its notify address would lie past the notify structure: offset 1023 * 4 + 2 > 4096
	 * is fine, 1024 * 4 is not; and a multiplier of 2^32 - 1 with offset 0xffff. */
	F.q[0].noff = NOTIFY_LEN / MULT - 1;
	assert_int_equal(virtq_setup(q, &v, 0, 8, &r.m, VIRTIO_MSI_NO_VECTOR), 8);
	assert_true(q->notify == v.notify + NOTIFY_LEN - MULT);
	F.q[0].enable = 0;
	F.q[0].noff = NOTIFY_LEN / MULT;
	assert_int_equal(virtq_setup(q, &v, 0, 8, &r.m, VIRTIO_MSI_NO_VECTOR), CAIRN_ERANGE);
	F.q[0].noff = 0xffff;
	v.notify_mult = 0xffffffffu;
	assert_int_equal(virtq_setup(q, &v, 0, 8, &r.m, VIRTIO_MSI_NO_VECTOR), CAIRN_ERANGE);
	assert_int_equal(F.q[0].enable, 0);
	v.notify_mult = MULT;
	F.q[0].noff = 0;
	/* The vector is refused: not enabled, left without a vector. */
	F.refuse_msix = 1;
	assert_int_equal(virtq_setup(q, &v, 0, 8, &r.m, 1), CAIRN_EIO);
	assert_int_equal(F.q[0].enable, 0);
	assert_int_equal(F.q[0].msix, VIRTIO_MSI_NO_VECTOR);
	/* A broken device sets nothing up. */
	v.broken = 1;
	assert_int_equal(virtq_setup(q, &v, 0, 8, &r.m, VIRTIO_MSI_NO_VECTOR), CAIRN_EIO);
	assert_int_equal(F.q[0].enable, 0);
	assert_clean();
	free(r.mem);
	free(q);
}

/* ---- the queue at work ------------------------------------------------------------------------ */

#define QSIZE 8

static struct virtio_pci V;
static struct virtq *Q;
static struct ring R;

/* A queue of QSIZE entries on a negotiated device, DRIVER_OK. */
static int qsetup(void **state)
{
	setup(state);
	ready(&V, 0);
	F.q[0].max = QSIZE;
	Q = malloc(sizeof *Q);
	R = ring_of(virtq_bytes(QSIZE), 0x40000000ull);
	assert_int_equal(virtq_setup(Q, &V, 0, QSIZE, &R.m, VIRTIO_MSI_NO_VECTOR), QSIZE);
	assert_int_equal(virtio_pci_driver_ok(&V), 0);
	return 0;
}

static int qteardown(void **state)
{
	free(R.mem);
	free(Q);
	return teardown(state);
}

/* The device's side: the next available head, as the device would take it. */
static uint16_t avail_take(uint16_t *seen)
{
	assert_true((uint16_t)(Q->avail->idx - *seen) > 0);
	return Q->avail->ring[(*seen)++ % QSIZE];
}

static void used_put(uint32_t id, uint32_t len)
{
	uint16_t i = Q->used->idx;
	Q->used->ring[i % QSIZE] = (struct virtq_used_elem){ id, len };
	Q->used->idx = i + 1;
}

static const struct virtq_buf REQ[3] = {
	{ 0x1000, 16, 0 }, { 0x2000, 4096, 1 }, { 0x3000, 1, 1 },	/* header, data, status */
};

static void chain_round_trip(void **state)
{
	(void)state;
	int cookie;
	uint16_t seen = 0;

	long head = virtq_add(Q, REQ, 3, &cookie);
	assert_in_range(head, 0, QSIZE - 1);
	assert_int_equal(Q->avail->idx, 1);
	assert_int_equal(virtq_free(Q), QSIZE - 3);
	/* The chain as the device sees it. */
	unsigned d = avail_take(&seen);
	assert_int_equal(d, head);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(Q->desc[d].addr, REQ[i].addr);
		assert_int_equal(Q->desc[d].len, REQ[i].len);
		assert_int_equal(Q->desc[d].flags, (REQ[i].writable ? VIRTQ_DESC_F_WRITE : 0) |
				 (i < 2 ? VIRTQ_DESC_F_NEXT : 0));
		d = Q->desc[d].next;
	}
	/* Kick: the queue's index at its notify address; none when the device says so. */
	virtq_kick(Q);
	assert_int_equal(F.notifies, 1);
	assert_int_equal(F.last_notify, (0u << 16) | 0);
	Q->used->flags = VIRTQ_USED_F_NO_NOTIFY;
	virtq_kick(Q);
	assert_int_equal(F.notifies, 1);
	Q->used->flags = 0;

	void *c = NULL;
	uint32_t len = 0;
	assert_int_equal(virtq_get(Q, &c, &len), CAIRN_EAGAIN);
	used_put(head, 4097);		/* the data and the status: every writable byte */
	assert_int_equal(virtq_get(Q, &c, &len), 0);
	assert_ptr_equal(c, &cookie);
	assert_int_equal(len, 4097);
	assert_int_equal(virtq_free(Q), QSIZE);
	assert_int_equal(virtq_get(Q, &c, &len), CAIRN_EAGAIN);
	assert_false(V.broken);
	assert_clean();
}

static void add_refusals(void **state)
{
	(void)state;
	struct virtq_buf b[QSIZE + 1];
	for (unsigned i = 0; i <= QSIZE; i++)
		b[i] = (struct virtq_buf){ 0x1000 * (i + 1), 512, 0 };
	assert_int_equal(virtq_add(Q, b, 0, NULL), CAIRN_EINVAL);
	assert_int_equal(virtq_add(Q, b, QSIZE + 1, NULL), CAIRN_EAGAIN);
	b[1].len = 0;
	assert_int_equal(virtq_add(Q, b, 2, NULL), CAIRN_EINVAL);
	b[1].len = 512;
	b[0].writable = 1;		/* readable after writable */
	assert_int_equal(virtq_add(Q, b, 2, NULL), CAIRN_EINVAL);
	b[0].writable = 0;
	assert_int_equal(Q->avail->idx, 0);
	assert_int_equal(virtq_free(Q), QSIZE);
	/* Fill it: one chain of 5, one of 3, then nothing fits. */
	assert_true(virtq_add(Q, b, 5, NULL) >= 0);
	assert_true(virtq_add(Q, b, 3, NULL) >= 0);
	assert_int_equal(virtq_add(Q, b, 1, NULL), CAIRN_EAGAIN);
	assert_int_equal(Q->avail->idx, 2);
	assert_clean();
}

/* Adds one chain of the request's three buffers; its head. */
static unsigned add3(void *cookie)
{
	long h = virtq_add(Q, REQ, 3, cookie);
	assert_true(h >= 0);
	return h;
}

/* The device broke a rule: the get fails, and the queue stays stopped. */
static void assert_stopped(void)
{
	void *c = (void *)1;
	uint32_t len = 77;
	assert_int_equal(virtq_get(Q, &c, &len), CAIRN_EIO);
	assert_true(V.broken);
	assert_ptr_equal(c, (void *)1);
	assert_int_equal(len, 77);
	assert_int_equal(virtq_get(Q, &c, &len), CAIRN_EIO);
	assert_int_equal(virtq_add(Q, REQ, 1, NULL), CAIRN_EIO);
	assert_int_equal(virtq_arm(Q), CAIRN_EIO);
	assert_int_equal(virtio_pci_check(&V), CAIRN_EIO);
	unsigned n = F.notifies;
	virtq_kick(Q);
	assert_int_equal(F.notifies, n);
}

static void used_id_out_of_range(void **state)
{
	static const uint32_t ids[] = { QSIZE, 0xffff, 0x10000, 0xffffffffu };
	for (unsigned i = 0; i < 4; i++) {
		qteardown(state);
		qsetup(state);
		add3(NULL);
		used_put(ids[i], 0);
		assert_stopped();
	}
	assert_clean();
}

static void used_id_not_a_head(void **state)
{
	(void)state;
	unsigned h = add3(NULL);
	unsigned second = Q->next[h];	/* a descriptor of the chain, not its head */
	used_put(second, 0);
	assert_stopped();
	/* A free descriptor, never given. */
	qteardown(state);
	qsetup(state);
	h = add3(NULL);
	used_put((h + 5) % QSIZE, 0);
	assert_stopped();
	assert_clean();
}

static void used_id_repeated(void **state)
{
	(void)state;
	void *c;
	uint32_t len;
	unsigned a = add3((void *)0xa), b = add3((void *)0xb);
	(void)b;
	used_put(a, 1);
	used_put(a, 1);			/* again */
	assert_int_equal(virtq_get(Q, &c, &len), 0);
	assert_ptr_equal(c, (void *)0xa);
	assert_stopped();
	assert_clean();
}

static void used_len_beyond_chain(void **state)
{
	(void)state;
	static const uint32_t lens[] = { 4098, 0x80000000u, 0xffffffffu };
	for (unsigned i = 0; i < 3; i++) {
		qteardown(state);
		qsetup(state);
		used_put(add3(NULL), lens[i]);
		assert_stopped();
	}
	/* A chain of readable buffers alone may only say 0. */
	qteardown(state);
	qsetup(state);
	long h = virtq_add(Q, REQ, 1, NULL);
	used_put(h, 1);
	assert_stopped();
	assert_clean();
}

static void used_index_jumps(void **state)
{
	/* More used entries than chains outstanding: ahead by 2 with one given, by the queue
	 * size, by 2^15, and backwards (one behind). */
	static const uint16_t jump[] = { 2, QSIZE, QSIZE + 1, 0x8000, 0xffff };
	for (unsigned i = 0; i < sizeof jump / sizeof jump[0]; i++) {
		qteardown(state);
		qsetup(state);
		unsigned h = add3(NULL);
		Q->used->ring[0] = (struct virtq_used_elem){ h, 0 };
		Q->used->idx = jump[i];
		assert_stopped();
	}
	/* Exactly the chains outstanding is fine. */
	qteardown(state);
	qsetup(state);
	unsigned a = add3(NULL), b = add3(NULL);
	used_put(b, 0);
	used_put(a, 0);
	void *c;
	uint32_t len;
	assert_int_equal(virtq_arm(Q), 2);
	assert_int_equal(virtq_get(Q, &c, &len), 0);
	assert_int_equal(virtq_get(Q, &c, &len), 0);
	assert_int_equal(virtq_get(Q, &c, &len), CAIRN_EAGAIN);
	assert_int_equal(virtq_free(Q), QSIZE);
	assert_clean();
}

/* The device rewrites the whole descriptor table: the driver's books do not change. */
static void scribbled_table_harmless(void **state)
{
	(void)state;
	void *c;
	uint32_t len;
	unsigned a = add3((void *)1), b = add3((void *)2);
	memset((void *)Q->desc, 0xff, 16 * QSIZE);
	used_put(a, 0);
	used_put(b, 17);
	assert_int_equal(virtq_get(Q, &c, &len), 0);
	assert_int_equal(virtq_get(Q, &c, &len), 0);
	assert_ptr_equal(c, (void *)2);
	assert_int_equal(virtq_free(Q), QSIZE);
	/* All QSIZE descriptors come back usable, as one chain of QSIZE. */
	struct virtq_buf all[QSIZE];
	for (unsigned i = 0; i < QSIZE; i++)
		all[i] = (struct virtq_buf){ 0x1000 + i, 1, 0 };
	long h = virtq_add(Q, all, QSIZE, NULL);
	assert_true(h >= 0);
	unsigned d = h, seen = 0;
	for (unsigned i = 0; i < QSIZE; i++) {
		seen |= 1u << d;
		d = Q->desc[d].next;
	}
	assert_int_equal(seen, (1u << QSIZE) - 1);	/* every descriptor once */
	assert_false(V.broken);
	assert_clean();
}

/* Chains of every length completed in a random order, many rounds: the books hold. */
static void random_order_completion(void **state)
{
	(void)state;
	uint16_t seen = 0;
	unsigned outstanding[QSIZE], n = 0;
	uintptr_t next_cookie = 1, expect[QSIZE];
	srand(21);
	for (unsigned round = 0; round < 20000; round++) {
		unsigned len = 1 + rand() % 3;
		struct virtq_buf b[3] = { { 0x1000, 8, 0 }, { 0x2000, 8, 1 }, { 0x3000, 8, 1 } };
		if (rand() % 2 && len <= virtq_free(Q)) {
			long h = virtq_add(Q, b, len, (void *)next_cookie);
			assert_true(h >= 0);
			unsigned got = avail_take(&seen);
			assert_int_equal(got, h);
			expect[h] = next_cookie++;
			outstanding[n++] = h;
		} else if (n) {
			unsigned k = rand() % n, h = outstanding[k];
			outstanding[k] = outstanding[--n];
			used_put(h, 0);
			void *c;
			uint32_t l;
			assert_int_equal(virtq_get(Q, &c, &l), 0);
			assert_int_equal((uintptr_t)c, expect[h]);
		}
	}
	assert_false(V.broken);
	assert_int_equal(Q->outstanding, n);
	assert_clean();
}

static void arm_and_quiet(void **state)
{
	(void)state;
	virtq_quiet(Q);
	assert_int_equal(Q->avail->flags, VIRTQ_AVAIL_F_NO_INTERRUPT);
	assert_int_equal(virtq_arm(Q), 0);
	assert_int_equal(Q->avail->flags, 0);
	used_put(add3(NULL), 0);
	assert_int_equal(virtq_arm(Q), 1);
	Q->used->idx = 5;		/* more than outstanding */
	assert_int_equal(virtq_arm(Q), CAIRN_EIO);
	assert_true(V.broken);
	assert_clean();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(find_qemu_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(find_through_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(find_missing_structure, setup, teardown),
		cmocka_unit_test_setup_teardown(find_outside_bar, setup, teardown),
		cmocka_unit_test_setup_teardown(find_short_capability, setup, teardown),
		cmocka_unit_test_setup_teardown(find_takes_first_usable, setup, teardown),
		cmocka_unit_test_setup_teardown(find_looping_list, setup, teardown),
		cmocka_unit_test_setup_teardown(negotiate_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(negotiate_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(reset_is_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(check_sees_trouble, setup, teardown),
		cmocka_unit_test_setup_teardown(config_vector_read_back, setup, teardown),
		cmocka_unit_test_setup_teardown(config_reads, setup, teardown),
		cmocka_unit_test_setup_teardown(isr_read_and_cleared, setup, teardown),
		cmocka_unit_test_setup_teardown(queue_setup_programs_device, setup, teardown),
		cmocka_unit_test_setup_teardown(queue_size_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(queue_setup_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(chain_round_trip, qsetup, qteardown),
		cmocka_unit_test_setup_teardown(add_refusals, qsetup, qteardown),
		cmocka_unit_test_setup_teardown(used_id_out_of_range, qsetup, qteardown),
		cmocka_unit_test_setup_teardown(used_id_not_a_head, qsetup, qteardown),
		cmocka_unit_test_setup_teardown(used_id_repeated, qsetup, qteardown),
		cmocka_unit_test_setup_teardown(used_len_beyond_chain, qsetup, qteardown),
		cmocka_unit_test_setup_teardown(used_index_jumps, qsetup, qteardown),
		cmocka_unit_test_setup_teardown(scribbled_table_harmless, qsetup, qteardown),
		cmocka_unit_test_setup_teardown(random_order_completion, qsetup, qteardown),
		cmocka_unit_test_setup_teardown(arm_and_quiet, qsetup, qteardown),
	};

	return cmocka_run_group_tests_name("virtio", tests, NULL, NULL);
}
