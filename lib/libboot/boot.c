/*
 * boot.c: builds a system from its tables (cairn/sysdesc.h) with kernel capability
 * operations alone, in this order: segments (loaded into the booter and initialised),
 * components (tables, address space, image, thread, stack, heap), ports, gates for the
 * imports, data regions (region.c), I/O ports, PCI devices (devices.c), interrupt bindings, red tape (boot_build; main.c runs the
 * rest). Any failed operation stops the boot with a message naming what was being
 * built.
 */
#include "libboot.h"
#include <cairn/port.h>
#include <cairn/segment.h>

#define CT  CAIRN_SLOT_CAPTBL
#define MEM CAIRN_SLOT_MEMORY
#define PAGE 4096UL

struct bport {
	uint64_t va[2];		/* ring address at the producer and the consumer */
	unsigned peer[2];	/* sync: each end's send to the other */
};

static struct bport ports[CAIRN_SD_PORTS];
static uint32_t import_slot[CAIRN_SD_COMPS][CAIRN_ROOT_IMPORTS];
static uint32_t ioport_slot[CAIRN_SD_COMPS];	/* the first of its I/O-port ranges' slots */

/* Whether component i gets an I/O page (cairn/root.h): it has devices or regions to list. */
static int has_io(const struct booter *b, unsigned i)
{
	return b->sd->comp[i].ndevices != 0 || boot_shares_region(b->sd, i);
}

static long fail(long r, const char *what, const char *name)
{
	if (r < 0)
		cairn_printf("booter: %s '%s' failed (error %ld)\n", what, name, r);
	return r < 0 ? r : 0;
}

/* A kernel object in a fresh KERNEL frame, in a fresh slot of the booter's table. */
static unsigned object(struct booter *b, unsigned op, unsigned level, long *err)
{
	if ((*err = boot_reserve_slots(b)))
		return 0;
	unsigned s = cairn_slot(&b->a);
	uint64_t f = cairn_frame(&b->a, CAIRN_FRAME_KERNEL);

	if (!s || !f) {
		*err = CAIRN_ENOMEM;
		return 0;
	}
	*err = cairn_call(CT, op, s, MEM, f, level, 0, 0);
	return s;
}

static long load_segments(struct booter *b)
{
	for (unsigned i = 0; i < b->sd->nsegments; i++) {
		const struct cairn_sd_segment *s = &b->sd->segment[i];
		uint64_t entry;
		long r = boot_load(b, CAIRN_SLOT_PGTBL, &b->own_cache, s->image, s->base, s->base + s->size, &entry);
		if (r)
			return fail(r, "loading segment", s->name);
		struct cairn_segment_tv *tv = (struct cairn_segment_tv *)s->base;
		((void (*)(const struct cairn_root *, struct cairn_segment_tv *))entry)(b->rt, tv);
		if (tv->magic != CAIRN_SEG_MAGIC)
			return fail(CAIRN_EINVAL, "initialising segment", s->name);
	}
	return 0;
}

/* Tables, address space, image, first thread, stack and heap of component i. */
static long build_comp(struct booter *b, unsigned i)
{
	struct bcomp *c = &b->c[i];
	const struct cairn_sd_comp *sd = c->sd;
	uint64_t entry;
	long r;

	c->ct = object(b, CAIRN_OP_CAPTBL_ACT_CAPTBL, 0, &r);
	if (!r)
		c->leaf = object(b, CAIRN_OP_CAPTBL_ACT_CAPTBL, 1, &r);
	if (!r)
		r = cairn_captbl_cons(c->ct, 0, c->leaf);
	if (!r)
		c->pt = object(b, CAIRN_OP_CAPTBL_ACT_PGTBL, 4, &r);
	if (!r)
		r = boot_reserve_slots(b);	/* comp, thread, rcv, asnd below */
	if (!r)
		r = boot_load(b, c->pt, &c->pt_cache, sd->image, IMAGE_LO, IMAGE_HI, &entry);
	if (!r) {
		c->comp = cairn_slot(&b->a);
		r = cairn_captbl_act_comp(CT, c->comp, MEM, cairn_frame(&b->a, CAIRN_FRAME_KERNEL), c->ct, c->pt, entry);
	}
	if (!r) {
		c->thread = cairn_slot(&b->a);
		r = cairn_captbl_act_thread(CT, c->thread, MEM, cairn_frame(&b->a, CAIRN_FRAME_KERNEL), c->comp, 0);
		c->tid = (uint64_t)r;
		r = r < 0 ? r : 0;
	}
	if (!r && sd->core)
		r = cairn_thread_core(c->thread, sd->core);
	if (!r) {
		c->rcv = cairn_slot(&b->a);
		r = cairn_captbl_act_rcv(CT, c->rcv, c->thread, b->core[sd->core].rcv);
	}
	if (!r) {
		c->asnd = cairn_slot(&b->a);	/* the booter's send to it (bcomp.asnd) */
		r = cairn_captbl_act_asnd(CT, c->asnd, c->rcv);
	}
	if (!r && b->tcaps)
		r = boot_tcap_make(b, c);
	if (!r)
		r = cairn_captbl_copy(c->ct, CAIRN_SLOT_THREAD, CT, c->thread);
	if (!r)
		r = cairn_captbl_copy(c->ct, CAIRN_SLOT_RCV, CT, c->rcv);
	if (!r)
		r = cairn_captbl_act_asnd(c->ct, CAIRN_SLOT_SCHED, b->core[sd->core].rcv);
	if (!r) {
		c->root_frame = cairn_frame(&b->a, CAIRN_FRAME_USER);
		r = cairn_map(&b->a, c->pt, &c->pt_cache, CAIRN_ROOT_VA, c->root_frame, 0);
	}
	if (!r && has_io(b, i)) {
		c->io_frame = cairn_frame(&b->a, CAIRN_FRAME_USER);
		r = cairn_map(&b->a, c->pt, &c->pt_cache, CAIRN_IO_VA, c->io_frame, 0);
	}
	if (!r)
		r = cairn_zero_map(&b->a, c->pt, &c->pt_cache, STACK_TOP_VA - sd->stack, sd->stack, CAIRN_MAP_WRITE);
	if (!r)
		r = cairn_zero_map(&b->a, c->pt, &c->pt_cache, HEAP_VA, sd->heap, CAIRN_MAP_WRITE);
	c->next_slot = CAIRN_SD_FIRST_SLOT;
	c->port_va = PORTS_VA;
	c->state = T_RUNNABLE;
	c->generation = 1;
	return fail(r, "building component", sd->name);
}

/* A subsystem's parent: its own tables, a share of memory, the child's images. */
static long grant_subsystem(struct booter *b, struct bcomp *c, const struct cairn_sd_subsystem *s)
{
	uint64_t base = (b->a.cursor + PAGE - 1) & ~(PAGE - 1), end = base + s->memory;
	long r = boot_reserve_slots(b);
	unsigned m = cairn_slot(&b->a);

	if (!r)
		r = end <= b->a.end ? cairn_mem_derive(MEM, m, base, end) : CAIRN_ENOMEM;

	b->a.cursor = end;
	c->mem_base = base;
	c->mem_end = end;
	if (!r)
		r = cairn_captbl_copy(c->ct, CAIRN_SLOT_MEMORY, CT, m);
	if (!r)
		r = cairn_captbl_copy(c->ct, CAIRN_SLOT_CAPTBL, CT, c->ct);
	if (!r)
		r = cairn_captbl_copy(c->ct, CAIRN_SLOT_PGTBL, CT, c->pt);
	if (!r)
		r = cairn_captbl_copy(c->ct, CAIRN_SLOT_LEAF0, CT, c->leaf);
	if (!r)
		r = cairn_captbl_copy(c->ct, CAIRN_SLOT_COMP, CT, c->comp);
	if (!r && c->tcap)
		r = cairn_captbl_copy(c->ct, CAIRN_SLOT_TCAP, CT, c->tcap);	/* its children's parent */
	for (unsigned i = 0; !r && i < s->nimages; i++) {
		const struct cairn_module *mod = boot_module(b, s->image[i]);
		r = mod ? cairn_share(&b->a, c->pt, &c->pt_cache, mod->va & ~(PAGE - 1),
				      mod->size + (mod->va & (PAGE - 1)), 0) : CAIRN_ENOENT;
	}
	return fail(r, "granting memory and images to subsystem", s->name);
}

static long build_port(struct booter *b, unsigned i)
{
	const struct cairn_sd_port *p = &b->sd->port[i];
	struct bcomp *end[2] = { &b->c[p->from], &b->c[p->to] };
	uint64_t bytes = (cairn_port_bytes(p->slot_size, p->slots) + PAGE - 1) & ~(PAGE - 1);
	struct cairn_port_ring hdr;
	long r = cairn_port_init(&hdr, p->slot_size, p->slots);

	for (uint64_t off = 0; !r && off < bytes; off += PAGE) {
		uint64_t f = cairn_frame(&b->a, CAIRN_FRAME_USER);
		r = f ? 0 : CAIRN_ENOMEM;
		if (!r && off == 0)
			r = boot_fill(b, f, 0, &hdr, sizeof(hdr));
		for (int e = 0; !r && e < 2; e++)
			r = cairn_map(&b->a, end[e]->pt, &end[e]->pt_cache, end[e]->port_va + off, f, CAIRN_MAP_WRITE);
	}
	for (int e = 0; !r && e < 2; e++) {
		ports[i].va[e] = end[e]->port_va;
		end[e]->port_va += bytes + PAGE;	/* a guard page between rings */
		if (p->mode == CAIRN_PORT_SYNC) {
			ports[i].peer[e] = end[e]->next_slot++;
			r = cairn_captbl_act_asnd(end[e]->ct, ports[i].peer[e], end[!e]->rcv);
		}
	}
	return fail(r, "building port", p->name);
}

/* Gates for every function of every import of component i, at consecutive slots. */
static long build_gates(struct booter *b, unsigned i)
{
	struct bcomp *c = &b->c[i];
	long r = 0;

	for (unsigned j = 0; !r && j < c->sd->nimports; j++) {
		const struct cairn_sd_import *im = &c->sd->import[j];
		import_slot[i][j] = c->next_slot;
		for (unsigned f = 0; !r && f < im->nfns; f++) {
			unsigned s = c->next_slot++;
			if (im->server == CAIRN_SD_BOOTER) {	/* "manager", "timer", "status", "control", "persist", "wait" */
				r = strcmp(im->iface, "timer") == 0  ? boot_timer_gate(b, i, s, f) :
				    strcmp(im->iface, "wait") == 0   ? boot_wait_gate(b, i, s, f) :
				    strcmp(im->iface, "status") == 0 ? boot_status_gate(b, i, s, f) :
				    strcmp(im->iface, "control") == 0 ? boot_control_gate(b, i, s, f) :
				    strcmp(im->iface, "persist") == 0 ? boot_persist_gate(b, i, s, f) :
								       boot_manager_gate(b, i, s, f);
				continue;
			}
			if (im->server != CAIRN_SD_OUTSIDE) {
				r = cairn_captbl_act_sinv(c->ct, s, b->c[im->server].comp, im->entry[f], i + 1, 0);
				continue;
			}
			const struct cairn_import *g = 0;	/* granted: pass on the booter's own */
			for (unsigned k = 0; k < b->rt->nimports; k++)
				if (strcmp(b->rt->import[k].name, im->iface) == 0)
					g = &b->rt->import[k];
			r = g && f < g->nfns ? cairn_captbl_copy(c->ct, s, CT, g->slot + f) : CAIRN_ENOENT;
		}
		if (r)
			return fail(r, "making gates for import", im->iface);
	}
	return 0;
}

/*
 * A component that takes the timer (line 0) on a system of several cores schedules
 * them all (the RTOS): it gets an IRQ capability for line 0 alone in CAIRN_SLOT_IRQ,
 * so that its thread on each other core binds that core's timer.
 */
static long grant_timers(struct booter *b, struct bcomp *c)
{
	long r = boot_reserve_slots(b);
	unsigned s = cairn_slot(&b->a);

	if (!r)
		r = cairn_irq_narrow(CAIRN_SLOT_IRQ, s, 1u << CAIRN_IRQ_TIMER);
	if (!r)
		r = cairn_captbl_copy(c->ct, CAIRN_SLOT_IRQ, CT, s);
	if (!r)
		r = cairn_captbl_remove(CT, s);
	if (!r)
		cairn_slot_put(&b->a, s);
	return r;
}

/*
 * Component i's I/O ports: each range its description names, exactly, narrowed from
 * the booter's whole range (CAIRN_SLOT_IOPORT, which the kernel gave it only because
 * the description grants ports) into consecutive slots of its table. A slot of the
 * booter's own holds each narrowed copy only for the moment of the copy.
 */
static long grant_ioports(struct booter *b, unsigned i)
{
	struct bcomp *c = &b->c[i];
	long r = c->sd->nioports > CAIRN_ROOT_IOPORTS ? CAIRN_ERANGE : 0;	/* the red tape lists all */

	ioport_slot[i] = c->next_slot;
	for (unsigned j = 0; !r && j < c->sd->nioports; j++) {
		const struct cairn_sd_ioport *io = &c->sd->ioport[j];
		unsigned s = 0;
		if (!(r = boot_reserve_slots(b)))
			s = cairn_slot(&b->a);
		if (!r)
			r = cairn_ioport_narrow(CAIRN_SLOT_IOPORT, s, io->first, io->end);
		if (!r)
			r = cairn_captbl_copy(c->ct, c->next_slot++, CT, s);
		if (!r)
			r = cairn_captbl_remove(CT, s);
		if (!r)
			cairn_slot_put(&b->a, s);
	}
	return fail(r, "granting I/O ports to", c->sd->name);
}

static long bind_irqs(struct booter *b, struct bcomp *c)
{
	for (unsigned j = 0; j < c->sd->nirqs; j++) {
		long r = boot_reserve_slots(b);
		unsigned s = cairn_slot(&b->a);
		if (!r)
			r = cairn_captbl_act_asnd(CT, s, c->rcv);
		if (!r)
			r = cairn_irq_bind(CAIRN_SLOT_IRQ, c->sd->irq[j], s, 0);
		if (!r && c->sd->irq[j] == CAIRN_IRQ_TIMER) {
			b->timer_comp = c;	/* budget.c borrows the timer while c is out */
			b->timer_line = s;
		}
		if (!r && c->sd->irq[j] == CAIRN_IRQ_TIMER && b->sd->cores > 1)
			r = grant_timers(b, c);
		if (r)
			return fail(r, "binding an interrupt line to", c->sd->name);
	}
	return 0;
}

static void red_ports(struct booter *b, unsigned i, struct cairn_root *rt)
{
	for (unsigned p = 0; p < b->sd->nports; p++) {	/* at most CAIRN_ROOT_PORTS ends (boot_check) */
		const struct cairn_sd_port *sp = &b->sd->port[p];
		int e = sp->from == i ? CAIRN_PORT_PRODUCER : sp->to == i ? CAIRN_PORT_CONSUMER : -1;
		if (e < 0)
			continue;
		struct cairn_port_end *pe = &rt->port[rt->nports++];
		*pe = (struct cairn_port_end){ .ring_va = ports[p].va[e], .slot_size = sp->slot_size,
					       .slots = sp->slots, .mode = sp->mode, .end = (uint8_t)e,
					       .rcv = CAIRN_SLOT_RCV, .peer = ports[p].peer[e] };
		boot_copy_name(pe->name, sp->name, sizeof(pe->name));
	}
}

/* Component i's I/O page: its devices and regions. */
static long red_io(struct booter *b, unsigned i)
{
	struct cairn_io *io = &b->io;

	memset(io, 0, sizeof(*io));
	io->magic = CAIRN_IO_MAGIC;
	boot_red_devices(b, i, io);
	io->nregions = boot_red_regions(b, i, io->region);
	return boot_fill(b, b->c[i].io_frame, 0, io, sizeof(*io));
}

/*
 * Writes component i's red tape: who it is, its slots, imports, ports, segments. Each
 * count and name fits it (boot_check): nothing is left out or cut short.
 */
long boot_red_tape(struct booter *b, unsigned i)
{
	struct bcomp *c = &b->c[i];
	struct cairn_root *rt = &b->red;
	const struct cairn_sd_comp *sd = c->sd;

	memset(rt, 0, sizeof(*rt));
	rt->magic = CAIRN_ROOT_MAGIC;
	rt->comp_id = i + 1;
	boot_copy_name(rt->name, sd->name, sizeof(rt->name));
	rt->cores = b->sd->cores;	/* the system's (checked against the machine's) */
	rt->tsc_hz = b->rt->tsc_hz;
	rt->timer_hz = b->rt->timer_hz;
	rt->boot_tsc = b->rt->boot_tsc;
	rt->build_tsc = b->build_tsc;
	rt->heap_va = HEAP_VA;
	rt->heap_end = HEAP_VA + sd->heap;
	rt->stack_top = STACK_TOP_VA;
	rt->generation = c->generation;
	if (sd->args)		/* shorter than the field (boot_check): nothing cut */
		boot_copy_name(rt->args, sd->args, sizeof(rt->args));
	for (unsigned j = 0; j < sd->nimports; j++) {
		boot_copy_name(rt->import[j].name, sd->import[j].iface, CAIRN_NAME_MAX);
		rt->import[j].slot = import_slot[i][j];
		rt->import[j].nfns = sd->import[j].nfns;
		rt->nimports++;
	}
	red_ports(b, i, rt);
	for (unsigned j = 0; j < sd->nioports; j++) {
		rt->ioport[j] = (struct cairn_ioport_range){ .first = sd->ioport[j].first,
							     .end = sd->ioport[j].end,
							     .slot = ioport_slot[i] + j };
		rt->nioports++;
	}
	for (unsigned j = 0; j < sd->nsegments; j++) {
		const struct cairn_sd_segment *s = &b->sd->segment[sd->segment[j]];
		boot_copy_name(rt->segment[j].name, s->name, CAIRN_NAME_MAX);
		rt->segment[j].base = s->base;
		rt->segment[j].size = s->size;
		rt->nsegments++;
	}
	if (sd->subsystem >= 0) {
		const struct cairn_sd_subsystem *s = &b->sd->subsystem[sd->subsystem];
		rt->mem_base = c->mem_base;
		rt->mem_end = c->mem_end;
		for (unsigned k = 0; k < s->nimages; k++) {
			const struct cairn_module *m = boot_module(b, s->image[k]);
			if (m)		/* else grant_subsystem failed the boot */
				rt->module[rt->nmodules++] = *m;
		}
	}
	rt->free_slot = c->next_slot;
	if (has_io(b, i))
		rt->io_va = CAIRN_IO_VA;
	long r = boot_fill(b, c->root_frame, 0, rt, sizeof(*rt));
	return r || !has_io(b, i) ? r : red_io(b, i);
}

static long map_segments(struct booter *b, struct bcomp *c)
{
	for (unsigned j = 0; j < c->sd->nsegments; j++) {
		const struct cairn_sd_segment *s = &b->sd->segment[c->sd->segment[j]];
		long r = cairn_share(&b->a, c->pt, &c->pt_cache, s->base, s->size, 1);
		if (r)
			return fail(r, "mapping segment", s->name);
	}
	return 0;
}

long boot_build(struct booter *b)
{
	const struct cairn_sd_system *sd = b->sd;
	long r = load_segments(b);

	for (unsigned i = 0; !r && i < sd->ncomps; i++) {
		b->c[i].sd = &sd->comp[i];
		r = build_comp(b, i);
		if (!r)
			r = map_segments(b, &b->c[i]);
		if (!r && sd->comp[i].subsystem >= 0)
			r = grant_subsystem(b, &b->c[i], &sd->subsystem[sd->comp[i].subsystem]);
	}
	if (!r && (r = boot_manage(b)))
		fail(r, "registering the components with the manager", sd->name);
	for (unsigned p = 0; !r && p < sd->nports; p++)
		r = build_port(b, p);
	if (!r)
		r = boot_regions(b);
	for (unsigned i = 0; !r && i < sd->ncomps; i++)
		r = build_gates(b, i);
	for (unsigned i = 0; !r && i < sd->ncomps; i++)
		r = grant_ioports(b, i);
	for (unsigned i = 0; !r && i < sd->ncomps; i++)
		r = boot_devices(b, i);
	for (unsigned i = 0; !r && i < sd->ncomps; i++)
		r = bind_irqs(b, &b->c[i]);
	for (unsigned i = 0; !r && i < sd->ncomps; i++)
		r = boot_red_tape(b, i);
	return r;
}
