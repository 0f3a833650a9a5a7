/*
 * ports.c: the I/O-port configuration mechanism (cairn/pci.h's pci_cfg_ports): the
 * dword address goes to 0xcf8 (enable bit, bus, device, function, register), the data
 * is read or written at 0xcfc plus the offset's low two bits, each access a system call
 * through an IOPORT capability (docs/syscalls.md, IOPORT_IN and IOPORT_OUT).
 */
#include <cairn/pci.h>
#include <cairn/syscall.h>

#define PCI_PORT_ADDR 0xcf8
#define PCI_PORT_DATA 0xcfc
#define PCI_ADDR_ENABLE 0x80000000u

static uint32_t all_ones(unsigned width)
{
	return width >= 4 ? 0xffffffffu : (1u << (8 * width)) - 1;
}

/* Selects the dword of bdf holding off. Returns 0, or the kernel's error. */
static long select_dword(unsigned io, unsigned bdf, unsigned off)
{
	return cairn_ioport_out(io, PCI_PORT_ADDR, 4, PCI_ADDR_ENABLE | (bdf << 8) | (off & 0xfc));
}

static uint32_t ports_read(void *ctx, unsigned bdf, unsigned off, unsigned width)
{
	unsigned io = ((struct pci_ports *)ctx)->io;

	if (!pci_cfg_valid(bdf, off, width) || select_dword(io, bdf, off) < 0)
		return all_ones(width);
	long v = cairn_ioport_in(io, PCI_PORT_DATA + (off & 3), width);
	return v < 0 ? all_ones(width) : (uint32_t)v;
}

static void ports_write(void *ctx, unsigned bdf, unsigned off, unsigned width, uint32_t v)
{
	unsigned io = ((struct pci_ports *)ctx)->io;

	if (!pci_cfg_valid(bdf, off, width) || select_dword(io, bdf, off) < 0)
		return;
	cairn_ioport_out(io, PCI_PORT_DATA + (off & 3), width, v & all_ones(width));
}

void pci_cfg_ports(struct pci_cfg *cfg, struct pci_ports *ports, unsigned io)
{
	ports->io = io;
	*cfg = (struct pci_cfg){ .read = ports_read, .write = ports_write, .ctx = ports };
}
