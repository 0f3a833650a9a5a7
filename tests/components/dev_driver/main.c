/*
 * dev_driver: a component bound to a PCI device by its description,
 * tests/qemu/systems/devices.toml: QEMU's transitional virtio-rng-pci (1af4:1005) at
 * 00:05.0 (keep the two, and tests/qemu/tests.toml's qemu_args, in step). Its red tape
 * lists the device; BAR4 (the modern virtio 64-bit memory BAR) is mapped at
 * cairn_device_bar() and answers as QEMU lays it out (the common configuration at
 * offset 0: hard-coded here, where a driver would read the virtio capabilities); each
 * BAR's capability covers that BAR alone, and the IRQ capability its INTx line alone.
 */
#include <cairn/cairn.h>
#include <cairn/sysdesc.h>

#define PAGE 4096UL
#define VIRTIO_DEVICE_FEATURE_SELECT 0x00	/* the common configuration's registers */
#define VIRTIO_DEVICE_FEATURE        0x04
#define VIRTIO_NUM_QUEUES            0x12
#define VIRTIO_F_VERSION_1_WORD1     0x1	/* feature bit 32: modern virtio */

static void check_tape(const struct cairn_root *rt, const struct cairn_device *d)
{
	const struct cairn_device_bar *b0 = &d->bar[0], *b4 = &d->bar[4];

	const struct cairn_io *io = (const struct cairn_io *)rt->io_va;

	cairn_check("dev.1", "red_tape_lists_the_device", io == (const void *)CAIRN_IO_VA &&
		    io->magic == CAIRN_IO_MAGIC && io->ndevices == 1 && d == &io->device[0] &&
		    d->bus == 0 && d->dev == 5 && d->fn == 0 && d->vendor == 0x1af4 && d->device == 0x1005 &&
		    b0->kind == CAIRN_BAR_IO && b0->size >= 0x20 && b4->kind == CAIRN_BAR_MEM &&
		    b4->size >= 0x4000 && d->bar[5].kind == CAIRN_BAR_NONE && b0->slot >= CAIRN_SD_FIRST_SLOT &&
		    b4->slot > b0->slot && rt->free_slot > b4->slot && d->irq_line >= 1 && d->irq_line < 16 &&
		    d->irq_slot > b4->slot,
		    "I/O page 0x%lx: %u devices; %02x:%02x.%x %04x:%04x; BAR0 kind %u [0x%lx +0x%lx) slot %u; "
		    "BAR4 kind %u [0x%lx +0x%lx) slot %u; irq %u slot %u; free_slot %u", rt->io_va, io->ndevices, d->bus, d->dev, d->fn,
		    d->vendor, d->device, b0->kind, b0->base, b0->size, b0->slot, b4->kind, b4->base, b4->size,
		    b4->slot, d->irq_line, d->irq_slot, rt->free_slot);
}

/*
 * The I/O page holds a copy of the function's configuration space: its ids, and a
 * capability list (status bit 4; the first pointer at 0x34, at or above 0x40) of which
 * the first entry's id is virtio's vendor capability (0x09) or MSI-X (0x11).
 */
static void check_config(const struct cairn_device *d)
{
	const uint8_t *c = d->config;
	unsigned vendor = c[0] | c[1] << 8, device = c[2] | c[3] << 8, status = c[6] | c[7] << 8;
	unsigned cap = c[0x34] & 0xfc, id = cap >= 0x40 ? c[cap] : 0;

	cairn_check("dev.11", "config_space_copied", vendor == 0x1af4 && device == 0x1005 && (status & 0x10) &&
		    cap >= 0x40 && (id == 0x09 || id == 0x11),
		    "config: %04x:%04x, status 0x%x, first capability at 0x%x id 0x%x",
		    vendor, device, status, cap, id);
}

/* BAR4 is mapped: virtio's common configuration answers as the specification says. */
static void check_bar4(const struct cairn_device *d)
{
	volatile uint8_t *common = cairn_device_bar(d, 4);
	uint32_t word1 = 0;
	unsigned queues = 0;

	if (common) {
		*(volatile uint32_t *)(common + VIRTIO_DEVICE_FEATURE_SELECT) = 1;
		word1 = *(volatile uint32_t *)(common + VIRTIO_DEVICE_FEATURE);
		queues = *(volatile uint16_t *)(common + VIRTIO_NUM_QUEUES);
	}
	cairn_check("dev.2", "bar4_mapped_and_answers", common && cairn_device_bar(d, 0) == 0 &&
		    (word1 & VIRTIO_F_VERSION_1_WORD1) && queues == 1,
		    "BAR4 at %p: device_feature[1] 0x%x, num_queues %u", (void *)common, word1, queues);
}

/* Each capability covers its own BAR or line, and nothing beside it. */
static void check_caps(const struct cairn_root *rt, const struct cairn_device *d)
{
	const struct cairn_device_bar *b0 = &d->bar[0], *b4 = &d->bar[4];
	unsigned s = rt->free_slot, line = d->irq_line, other = line == 10 ? 11 : 10;
	uint64_t first = b4->base & ~(PAGE - 1), end = (b4->base + b4->size + PAGE - 1) & ~(PAGE - 1);
	long in = cairn_devmem_derive(b4->slot, s, first, first + PAGE);
	long past = cairn_devmem_derive(b4->slot, s + 1, end, end + PAGE);
	long below = cairn_devmem_derive(b4->slot, s + 2, first - PAGE, first);
	cairn_check("dev.3", "devmem_covers_the_bar_alone", in == 0 && past < 0 && below < 0,
		    "derive [0x%lx, +4K) %ld, past the end %ld, below %ld", first, in, past, below);
	long port = cairn_ioport_in(b0->slot, b0->base, 4);
	long beyond = cairn_ioport_in(b0->slot, b0->base + b0->size, 1);
	long before = cairn_ioport_in(b0->slot, b0->base - 1, 1);
	cairn_check("dev.4", "ioport_covers_the_bar_alone", port >= 0 && beyond < 0 && before < 0,
		    "in 0x%lx: %ld; past the end %ld; before %ld", b0->base, port, beyond, before);
	long own = cairn_irq_narrow(d->irq_slot, s + 3, 1u << line);
	long not = cairn_irq_narrow(d->irq_slot, s + 4, 1u << other);
	cairn_check("dev.5", "irq_covers_its_line_alone", own == 0 && not < 0,
		    "narrow to line %u: %ld; to line %u: %ld", line, own, other, not);
}

int main(const struct cairn_root *rt)
{
	const struct cairn_device *d = cairn_device(0);

	if (!d) {
		cairn_check("dev.1", "red_tape_lists_the_device", 0, "I/O page at 0x%lx, no device found", rt->io_va);
		return 1;
	}
	check_tape(rt, d);
	check_config(d);
	check_bar4(d);
	check_caps(rt, d);
	return 0;
}
