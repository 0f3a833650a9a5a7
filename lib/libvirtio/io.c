/*
 * io.c: virtio_io_mmio, the register accessor for a device's memory-mapped BARs
 * (cairn/virtio.h): one volatile load or store of the width asked, at the address
 * given. The library has bounded the address against the BAR the driver mapped.
 */
#include <cairn/virtio.h>

static uint32_t mmio_read(void *ctx, uintptr_t addr, unsigned width)
{
	(void)ctx;
	if (width == 1)
		return *(volatile uint8_t *)addr;
	if (width == 2)
		return *(volatile uint16_t *)addr;
	return *(volatile uint32_t *)addr;
}

static void mmio_write(void *ctx, uintptr_t addr, unsigned width, uint32_t v)
{
	(void)ctx;
	if (width == 1)
		*(volatile uint8_t *)addr = (uint8_t)v;
	else if (width == 2)
		*(volatile uint16_t *)addr = (uint16_t)v;
	else
		*(volatile uint32_t *)addr = v;
}

const struct virtio_io virtio_io_mmio = { .read = mmio_read, .write = mmio_write, .ctx = 0 };
