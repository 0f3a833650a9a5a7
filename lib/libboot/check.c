/*
 * check.c: the booter's tables against the limits of a description (cairn/sysdesc.h,
 * cairn/root.h), before anything is built. tools/system.py refuses a description past
 * any of them, so tables past one were not made from a checked description: the boot
 * stops with a line naming the count and its limit, and nothing is dropped, truncated
 * or written past an array. The booter's own arrays are sized by the same limits.
 */
#include "libboot.h"
#include <cairn/capmgr.h>
#include <cairn/port.h>

_Static_assert(CAPMGR_HOLDERS >= CAIRN_SD_COMPS, "the manager holds every component");
_Static_assert(HEAP_VA + CAIRN_SD_HEAP_MAX <= PORTS_VA, "a heap ends below the port rings");
_Static_assert(IMAGE_HI <= CAIRN_SD_SEGMENT_LO, "segments lie above the images");
/* A component's rings: each at most 65536 slots of 4096 bytes and a header
   (cairn_port_init), then a guard page. */
_Static_assert(PORTS_VA + CAIRN_ROOT_PORTS * ((1UL << 28) + 2 * 4096) <= CAIRN_REGION_VA,
	       "the rings end below the data regions");
_Static_assert(CAIRN_SD_REGION_MAX + 4096 <= CAIRN_SD_REGION_SPACE, "a region of the largest size fits");

/* Says which count of which table is past its limit ("component 'x' has 25 imports"). */
static long over(const struct cairn_sd_system *sd, const char *kind, const char *name, uint64_t n,
		 const char *what, uint64_t most)
{
	cairn_printf("booter: system '%s': %s '%s' has %lu %s, at most %lu: nothing built\n", sd->name,
		     kind, name, (unsigned long)n, what, (unsigned long)most);
	return CAIRN_EOVERFLOW;
}

/* The length of the string s, counting at most size characters. */
static unsigned name_len(const char *s, unsigned size)
{
	unsigned n = 0;

	while (n < size && s[n])
		n++;
	return n;
}

/* A name that must fit the red tape (CAIRN_NAME_MAX, its NUL included). */
static long check_name(const struct cairn_sd_system *sd, const char *kind, const char *name)
{
	unsigned n = name_len(name, CAIRN_NAME_MAX);

	return n < CAIRN_NAME_MAX ? 0 : over(sd, kind, name, n, "characters in its name", CAIRN_NAME_MAX - 1);
}

/* Port ends, and the sends of sync ones, of component i: its red tape and slots hold them. */
static void port_ends(const struct cairn_sd_system *sd, unsigned i, unsigned *ends, unsigned *sends)
{
	*ends = *sends = 0;
	for (unsigned p = 0; p < sd->nports; p++) {
		unsigned here = (sd->port[p].from == i) + (sd->port[p].to == i);
		*ends += here;
		*sends += sd->port[p].mode == CAIRN_PORT_SYNC ? here : 0;
	}
}

/* The imports of c, and the gates they need (*gates). */
static long check_imports(const struct cairn_sd_system *sd, const struct cairn_sd_comp *c, uint64_t *gates)
{
	long r = 0;

	if (c->nimports > CAIRN_ROOT_IMPORTS)
		return over(sd, "component", c->name, c->nimports, "imports", CAIRN_ROOT_IMPORTS);
	for (unsigned j = 0; !r && j < c->nimports; j++) {
		const struct cairn_sd_import *im = &c->import[j];
		r = check_name(sd, "interface", im->iface);
		if (!r && im->server >= sd->ncomps && im->server != CAIRN_SD_OUTSIDE && im->server != CAIRN_SD_BOOTER)
			r = over(sd, "component", c->name, im->server, "as a server's index", sd->ncomps - 1u);
		*gates += im->nfns;
	}
	return r;
}

/* What component i's segments, ports and subsystem need of its red tape. */
static long check_comp_tape(const struct cairn_sd_system *sd, unsigned i)
{
	const struct cairn_sd_comp *c = &sd->comp[i];
	unsigned ends, sends;
	uint64_t gates = 0;
	long r = check_imports(sd, c, &gates);

	port_ends(sd, i, &ends, &sends);
	if (r)
		return r;
	if (c->nsegments > CAIRN_ROOT_SEGMENTS)
		return over(sd, "component", c->name, c->nsegments, "segments", CAIRN_ROOT_SEGMENTS);
	for (unsigned j = 0; j < c->nsegments; j++)
		if (c->segment[j] >= sd->nsegments)
			return over(sd, "component", c->name, c->segment[j], "as a segment's index", sd->nsegments - 1u);
	if (ends > CAIRN_ROOT_PORTS)
		return over(sd, "component", c->name, ends, "port ends", CAIRN_ROOT_PORTS);
	if (gates + sends > CAIRN_SD_GRANTED_SLOTS)
		return over(sd, "component", c->name, gates + sends, "gates and sync port sends",
			    CAIRN_SD_GRANTED_SLOTS);
	if (c->subsystem >= (int)sd->nsubsystems)
		return over(sd, "component", c->name, (uint64_t)c->subsystem, "as a subsystem's index",
			    sd->nsubsystems - 1u);
	if (c->subsystem >= 0 && sd->subsystem[c->subsystem].nimages > CAIRN_ROOT_MODULES)
		return over(sd, "subsystem", sd->subsystem[c->subsystem].name,
			    sd->subsystem[c->subsystem].nimages, "images", CAIRN_ROOT_MODULES);
	return 0;
}

static long check_comp(const struct cairn_sd_system *sd, unsigned i)
{
	const struct cairn_sd_comp *c = &sd->comp[i];
	long r = check_name(sd, "component", c->name);

	if (r)
		return r;
	if (c->threads > CAIRN_SD_THREADS)
		return over(sd, "component", c->name, c->threads, "threads", CAIRN_SD_THREADS);
	if (c->core >= sd->cores)
		return over(sd, "component", c->name, c->core, "as its core", sd->cores - 1u);
	if (c->heap > CAIRN_SD_HEAP_MAX)
		return over(sd, "component", c->name, c->heap, "bytes of heap", CAIRN_SD_HEAP_MAX);
	if (sd->init_order[i] >= sd->ncomps)
		return over(sd, "system", sd->name, sd->init_order[i], "in its init order", sd->ncomps - 1u);
	if (c->ndevices > CAIRN_IO_DEVICES)
		return over(sd, "component", c->name, c->ndevices, "devices", CAIRN_IO_DEVICES);
	if (c->args && name_len(c->args, CAIRN_MODULE_ARGS_MAX) >= CAIRN_MODULE_ARGS_MAX)
		return over(sd, "component", c->name, name_len(c->args, CAIRN_MODULE_ARGS_MAX),
			    "characters of args or more", CAIRN_MODULE_ARGS_MAX - 1);
	for (unsigned j = 0; j < c->nirqs; j++)
		if (c->irq[j] >= CAIRN_IRQ_ISA_END)	/* ISA lines: MSI lines are the booter's to bind */
			return over(sd, "component", c->name, c->irq[j], "as an interrupt line", CAIRN_IRQ_ISA_END - 1);
	return check_comp_tape(sd, i);
}

static long check_port(const struct cairn_sd_system *sd, const struct cairn_sd_port *p)
{
	long r = check_name(sd, "port", p->name);

	if (!r && (p->from >= sd->ncomps || p->to >= sd->ncomps))
		r = over(sd, "port", p->name, p->from > p->to ? p->from : p->to, "as a component's index",
			 sd->ncomps - 1u);
	return r;
}

static long check_segment(const struct cairn_sd_system *sd, const struct cairn_sd_segment *s)
{
	long r = check_name(sd, "segment", s->name);

	if (!r && (s->base < CAIRN_SD_SEGMENT_LO || s->base > CAIRN_SD_SEGMENT_HI ||
		   s->size > CAIRN_SD_SEGMENT_HI - s->base))
		r = over(sd, "segment", s->name, s->base + s->size, "as its end", CAIRN_SD_SEGMENT_HI);
	return r;
}

/* A region's table that no checked description makes: says why, CAIRN_EINVAL. */
static long bad_region(const struct cairn_sd_system *sd, const struct cairn_sd_region *g, const char *why)
{
	cairn_printf("booter: system '%s': region '%s': %s: nothing built\n", sd->name, g->name, why);
	return CAIRN_EINVAL;
}

/* Region g: its name, size, sharers (each a component, once) and dma (a trusted sharer). */
static long check_region(const struct cairn_sd_system *sd, const struct cairn_sd_region *g)
{
	long r = check_name(sd, "region", g->name);
	int dma_shares = 0;

	if (r)
		return r;
	if (g->size > CAIRN_SD_REGION_MAX)
		return over(sd, "region", g->name, g->size, "bytes", CAIRN_SD_REGION_MAX);
	if (!g->size || g->size % 4096)
		return bad_region(sd, g, "its size is not a whole number of pages");
	if (!g->nshare)
		return bad_region(sd, g, "no component shares it");
	if (g->nshare > sd->ncomps)
		return over(sd, "region", g->name, g->nshare, "sharers", sd->ncomps);
	for (unsigned j = 0; j < g->nshare; j++) {
		if (g->share[j] >= sd->ncomps)
			return over(sd, "region", g->name, g->share[j], "as a component's index", sd->ncomps - 1u);
		for (unsigned k = 0; k < j; k++)
			if (g->share[k] == g->share[j])
				return bad_region(sd, g, "it names a sharer twice");
		dma_shares |= g->share[j] == g->dma;
	}
	if (g->dma != CAIRN_SD_NODMA && !dma_shares)
		return bad_region(sd, g, "its dma component does not share it");
	if (g->dma != CAIRN_SD_NODMA && sd->comp[g->dma].dma == CAIRN_SD_DMA_NONE)
		return bad_region(sd, g, "its dma component's devices may not DMA (dma = \"none\")");
	return 0;
}

/* Every region, the window they take, and how many each component shares. */
static long check_regions(const struct cairn_sd_system *sd)
{
	uint64_t space = 0;
	long r = 0;

	if (sd->nregions > CAIRN_SD_REGIONS)
		return over(sd, "system", sd->name, sd->nregions, "regions", CAIRN_SD_REGIONS);
	for (unsigned g = 0; !r && g < sd->nregions; g++) {
		r = check_region(sd, &sd->region[g]);
		space += sd->region[g].size + 4096;	/* each at most CAIRN_SD_REGION_MAX: no wrap */
		if (!r && space > CAIRN_SD_REGION_SPACE)
			r = over(sd, "system", sd->name, space, "bytes of regions and their guard pages",
				 CAIRN_SD_REGION_SPACE);
	}
	for (unsigned i = 0; !r && i < sd->ncomps; i++) {
		unsigned n = 0;
		for (unsigned g = 0; g < sd->nregions; g++)
			for (unsigned j = 0; j < sd->region[g].nshare; j++)
				n += sd->region[g].share[j] == i;
		if (n > CAIRN_IO_REGIONS)
			r = over(sd, "component", sd->comp[i].name, n, "regions", CAIRN_IO_REGIONS);
	}
	return r;
}

long boot_check(const struct cairn_sd_system *sd)
{
	long r = 0;

	if (sd->ncomps > CAIRN_SD_COMPS)
		return over(sd, "system", sd->name, sd->ncomps, "components", CAIRN_SD_COMPS);
	if (sd->nports > CAIRN_SD_PORTS)
		return over(sd, "system", sd->name, sd->nports, "ports", CAIRN_SD_PORTS);
	if (sd->cores - 1u >= CAIRN_SD_CORES)
		return over(sd, "system", sd->name, sd->cores, "cores", CAIRN_SD_CORES);
	for (unsigned i = 0; !r && i < sd->ncomps; i++)
		r = check_comp(sd, i);
	for (unsigned p = 0; !r && p < sd->nports; p++)
		r = check_port(sd, &sd->port[p]);
	for (unsigned s = 0; !r && s < sd->nsegments; s++)
		r = check_segment(sd, &sd->segment[s]);
	if (!r)
		r = check_regions(sd);
	return r;
}
