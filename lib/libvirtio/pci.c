/*
 * pci.c: virtio's modern PCI transport (cairn/virtio.h; spec 4.1): locating the
 * structures from the vendor capabilities, then reset, status, feature negotiation,
 * the configuration vector and device-configuration reads. Queue set-up is virtq.c's.
 *
 * Every structure is bounded once, here, against the BAR the driver mapped; afterwards
 * a register's address is a structure's address plus a constant offset inside its
 * checked length, so nothing the device says later can move an access elsewhere.
 * Values read from registers are bounded where used (num_queues, the status bits).
 */
#include <cairn/virtio.h>

/* One capability as read from configuration space. */
struct vcap {
	unsigned bar;
	uint32_t offset, length, mult;
	int have;
};

static uint32_t rd(const struct virtio_pci *v, unsigned off, unsigned width)
{
	return v->io->read(v->io->ctx, v->common + off, width);
}

static void wr(const struct virtio_pci *v, unsigned off, unsigned width, uint32_t val)
{
	v->io->write(v->io->ctx, v->common + off, width, val);
}

/*
 * Reads the virtio capability at `at` (dword-aligned below 0x100: the iterator's) into
 * c[type] if it is the first of a type the library uses that names a BAR 0..5 (others
 * are ignored, as the spec asks). Its body is bounded here: CAIRN_EINVAL for a cap_len
 * too short for its type, or an entry that would run past the 256 bytes.
 */
static long read_cap(const struct pci_cfg *cfg, unsigned bdf, unsigned at, struct vcap c[5])
{
	unsigned type = pci_read8(cfg, bdf, at + 3);
	if (type < VIRTIO_PCI_CAP_COMMON || type > VIRTIO_PCI_CAP_DEVICE || c[type].have)
		return 0;
	unsigned need = type == VIRTIO_PCI_CAP_NOTIFY ? VIRTIO_PCI_NOTIFY_CAP_LEN : VIRTIO_PCI_CAP_LEN;
	if (pci_read8(cfg, bdf, at + 2) < need || at > PCI_CFG_SIZE - need)
		return CAIRN_EINVAL;
	unsigned bar = pci_read8(cfg, bdf, at + 4);
	if (bar >= PCI_BARS)
		return 0;
	c[type] = (struct vcap){ .bar = bar, .offset = pci_read32(cfg, bdf, at + 8),
				 .length = pci_read32(cfg, bdf, at + 12), .have = 1 };
	if (type == VIRTIO_PCI_CAP_NOTIFY)
		c[type].mult = pci_read32(cfg, bdf, at + 16);
	return 0;
}

/* The structure's address if it lies inside its mapped BAR and holds `min` bytes, else 0. */
static uintptr_t place(const struct vcap *c, const struct virtio_bar bars[PCI_BARS], uint64_t min)
{
	const struct virtio_bar *b = &bars[c->bar];
	if (!b->va || c->length < min || c->offset > b->size || c->length > b->size - c->offset)
		return 0;
	return b->va + c->offset;
}

long virtio_pci_find(struct virtio_pci *v, const struct pci_cfg *cfg, unsigned bdf,
		     const struct virtio_bar bars[PCI_BARS], const struct virtio_io *io, uint64_t device_min)
{
	struct vcap c[5] = { 0 };
	struct pci_cap_iter it;
	struct pci_cap cap;

	pci_cap_begin(cfg, bdf, &it);
	while (pci_cap_next(&it, &cap))
		if (cap.id == PCI_CAP_VENDOR) {
			long r = read_cap(cfg, bdf, cap.offset, c);
			if (r < 0)
				return r;
		}
	if (it.bad)
		return CAIRN_ENOENT;
	for (unsigned t = VIRTIO_PCI_CAP_COMMON; t <= VIRTIO_PCI_CAP_DEVICE; t++)
		if (!c[t].have)
			return CAIRN_ENOENT;
	uintptr_t common = place(&c[VIRTIO_PCI_CAP_COMMON], bars, VIRTIO_COMMON_LEN);
	uintptr_t notify = place(&c[VIRTIO_PCI_CAP_NOTIFY], bars, 2);
	uintptr_t isr = place(&c[VIRTIO_PCI_CAP_ISR], bars, 1);
	uintptr_t device = place(&c[VIRTIO_PCI_CAP_DEVICE], bars, device_min);
	if (!common || !notify || !isr || !device)
		return CAIRN_ERANGE;
	*v = (struct virtio_pci){ .io = io, .common = common, .isr = isr, .device = device, .notify = notify,
				  .device_len = c[VIRTIO_PCI_CAP_DEVICE].length,
				  .notify_len = c[VIRTIO_PCI_CAP_NOTIFY].length,
				  .notify_mult = c[VIRTIO_PCI_CAP_NOTIFY].mult };
	return 0;
}

static unsigned status(const struct virtio_pci *v)
{
	return rd(v, VIRTIO_COMMON_STATUS, 1) & 0xff;
}

/* Adds bits to device_status (the spec's steps only ever add, until a reset), to what
 * the driver wrote last: what the device reads back is not written back. */
static void set_status(struct virtio_pci *v, unsigned bits)
{
	v->status |= bits;
	wr(v, VIRTIO_COMMON_STATUS, 1, v->status);
}

long virtio_pci_reset(struct virtio_pci *v)
{
	v->status = 0;
	wr(v, VIRTIO_COMMON_STATUS, 1, 0);
	for (unsigned i = 0; i < VIRTIO_RESET_POLLS; i++)
		if (status(v) == 0) {
			v->broken = 0;
			return 0;
		}
	v->broken = 1;
	return CAIRN_EIO;
}

void virtio_pci_fail(struct virtio_pci *v)
{
	set_status(v, VIRTIO_STATUS_FAILED);
	v->broken = 1;
}

static uint64_t device_features(const struct virtio_pci *v)
{
	wr(v, VIRTIO_COMMON_DFSELECT, 4, 0);
	uint64_t lo = rd(v, VIRTIO_COMMON_DF, 4);
	wr(v, VIRTIO_COMMON_DFSELECT, 4, 1);
	return lo | (uint64_t)rd(v, VIRTIO_COMMON_DF, 4) << 32;
}

static void driver_features(const struct virtio_pci *v, uint64_t f)
{
	wr(v, VIRTIO_COMMON_GFSELECT, 4, 0);
	wr(v, VIRTIO_COMMON_GF, 4, (uint32_t)f);
	wr(v, VIRTIO_COMMON_GFSELECT, 4, 1);
	wr(v, VIRTIO_COMMON_GF, 4, (uint32_t)(f >> 32));
}

long virtio_pci_negotiate(struct virtio_pci *v, uint64_t wanted, uint64_t required)
{
	long r = virtio_pci_reset(v);
	if (r < 0)
		return r;
	set_status(v, VIRTIO_STATUS_ACKNOWLEDGE);
	set_status(v, VIRTIO_STATUS_DRIVER);
	uint64_t offered = device_features(v);
	required |= VIRTIO_F_VERSION_1;
	if ((offered & required) != required || (required & VIRTIO_F_UNSUPPORTED)) {
		virtio_pci_fail(v);
		return CAIRN_ENOTSUP;
	}
	uint64_t accept = offered & (wanted | required) & ~VIRTIO_F_UNSUPPORTED;
	driver_features(v, accept);
	set_status(v, VIRTIO_STATUS_FEATURES_OK);
	if (!(status(v) & VIRTIO_STATUS_FEATURES_OK)) {
		virtio_pci_fail(v);
		return CAIRN_ENOTSUP;
	}
	v->features = accept;
	v->num_queues = rd(v, VIRTIO_COMMON_NUMQ, 2) & 0xffff;
	return 0;
}

long virtio_pci_check(struct virtio_pci *v)
{
	unsigned s = status(v);
	if (v->broken || (s & (VIRTIO_STATUS_NEEDS_RESET | VIRTIO_STATUS_FAILED)) ||
	    !(s & VIRTIO_STATUS_DRIVER_OK)) {
		v->broken = 1;
		return CAIRN_EIO;
	}
	return 0;
}

long virtio_pci_driver_ok(struct virtio_pci *v)
{
	if (v->broken)
		return CAIRN_EIO;
	set_status(v, VIRTIO_STATUS_DRIVER_OK);
	return virtio_pci_check(v);
}

unsigned virtio_pci_isr(struct virtio_pci *v)
{
	return v->io->read(v->io->ctx, v->isr, 1) & (VIRTIO_ISR_QUEUE | VIRTIO_ISR_CONFIG);
}

long virtio_pci_config_vector(struct virtio_pci *v, unsigned vector)
{
	wr(v, VIRTIO_COMMON_MSIX, 2, vector & 0xffff);
	if ((rd(v, VIRTIO_COMMON_MSIX, 2) & 0xffff) == (vector & 0xffff))
		return 0;
	wr(v, VIRTIO_COMMON_MSIX, 2, VIRTIO_MSI_NO_VECTOR);
	return CAIRN_EIO;
}

/* One read of the field: a 64-bit one as two 32-bit halves (spec 4.1.3.1). */
static uint64_t config_once(const struct virtio_pci *v, unsigned off, unsigned width)
{
	uintptr_t a = v->device + off;
	if (width < 8)
		return v->io->read(v->io->ctx, a, width);
	uint64_t lo = v->io->read(v->io->ctx, a, 4);
	return lo | (uint64_t)v->io->read(v->io->ctx, a + 4, 4) << 32;
}

long virtio_pci_config(struct virtio_pci *v, unsigned off, unsigned width, uint64_t *val)
{
	if ((width != 1 && width != 2 && width != 4 && width != 8) || off % width ||
	    off > v->device_len || width > v->device_len - off)
		return CAIRN_EINVAL;
	for (unsigned i = 0; i < VIRTIO_CONFIG_TRIES && !v->broken; i++) {
		unsigned gen = rd(v, VIRTIO_COMMON_CFGGEN, 1) & 0xff;
		uint64_t x = config_once(v, off, width);
		if ((rd(v, VIRTIO_COMMON_CFGGEN, 1) & 0xff) == gen) {
			*val = x;
			return 0;
		}
	}
	return CAIRN_EIO;
}
