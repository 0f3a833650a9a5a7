/*
 * root.c: what a component finds in its red tape (cairn/root.h): imported interfaces,
 * ports, segments and data regions, looked up by the names the system description
 * gives them, and PCI devices by their place in its `devices` list.
 */
#include <cairn/cairn.h>
#include <cairn/gate.h>
#include <cairn/port.h>
#include <cairn/root.h>
#include <cairn/segment.h>

#define ROOT ((const struct cairn_root *)CAIRN_ROOT_VA)

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

unsigned cairn_import(const char *iface)
{
	for (unsigned i = 0; i < ROOT->nimports && i < CAIRN_ROOT_IMPORTS; i++)
		if (strcmp(ROOT->import[i].name, iface) == 0)
			return ROOT->import[i].slot;
	return CAIRN_CAP_NULL;
}

void cairn_renew_gates(unsigned first, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		cairn_sinv_renew(first + i);
}

const struct cairn_segment_tv *cairn_segment(const char *name)
{
	for (unsigned i = 0; i < ROOT->nsegments && i < CAIRN_ROOT_SEGMENTS; i++)
		if (strcmp(ROOT->segment[i].name, name) == 0)
			return (const struct cairn_segment_tv *)ROOT->segment[i].base;
	return 0;
}

long cairn_port_open(struct cairn_port *p, const char *name)
{
	for (unsigned i = 0; i < ROOT->nports && i < CAIRN_ROOT_PORTS; i++) {
		const struct cairn_port_end *e = &ROOT->port[i];
		if (strcmp(e->name, name) != 0)
			continue;
		long r = cairn_port_attach(p, (struct cairn_port_ring *)e->ring_va, e->slot_size, e->slots);
		if (!r) {
			p->mode = e->mode;
			p->rcv = e->rcv;
			p->peer = e->peer;
		}
		return r;
	}
	return CAIRN_ENOENT;
}

const struct cairn_device *cairn_device(unsigned i)
{
	const struct cairn_io *io = (const struct cairn_io *)ROOT->io_va;

	if (!io || i >= io->ndevices || i >= CAIRN_IO_DEVICES || !io->device[i].found)
		return 0;
	return &io->device[i];
}

const struct cairn_region *cairn_region(const char *name)
{
	const struct cairn_io *io = (const struct cairn_io *)ROOT->io_va;

	for (unsigned i = 0; io && i < io->nregions && i < CAIRN_IO_REGIONS; i++)
		if (strcmp(io->region[i].name, name) == 0)
			return &io->region[i];
	return 0;
}
