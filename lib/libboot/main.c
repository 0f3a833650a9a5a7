/*
 * main.c: cairn_boot (cairn/boot.h), libboot's top layer: the order of a whole boot.
 * The tables are checked against every limit (check.c); the booter's own endpoint and
 * the scheduler threads of the other cores are made (sched.c: components' threads
 * need their scheduler first); the system is built (boot.c); each component's
 * initialisation runs in init order; the booter becomes the keeper of restartable
 * components (restart.c); then the scheduler runs the system until every thread has
 * stopped.
 */
#include "libboot.h"

static struct booter booter;

long cairn_boot(const struct cairn_sd_system *sd, const struct cairn_root *rt)
{
	struct booter *b = &booter;
	long r = 0;

	if ((r = boot_check(sd)))
		return r;
	b->sd = sd;
	b->rt = rt;
	b->build_tsc = cairn_cycles();
	b->a = (struct cairn_alloc){ .mem = CAIRN_SLOT_MEMORY, .ct = CAIRN_SLOT_CAPTBL,
				     .cursor = rt->mem_base, .end = rt->mem_end,
				     .next_slot = rt->free_slot, .last_slot = CAIRN_CAPTBL_LEAF_SLOTS };
	if (rt->stack_top) {		/* built by a booter: its endpoint is ready */
		b->rcv = CAIRN_SLOT_RCV;
	} else {
		b->rcv = cairn_slot(&b->a);
		r = cairn_captbl_act_rcv(CAIRN_SLOT_CAPTBL, b->rcv, CAIRN_SLOT_THREAD, 0);
	}
	b->wake = cairn_slot(&b->a);	/* keepers and manager calls wake the booter */
	if (!r)
		r = b->wake ? cairn_captbl_act_asnd(CAIRN_SLOT_CAPTBL, b->wake, b->rcv) : CAIRN_ENOMEM;
	if (!r)
		r = boot_start_cores(b);
	if (!r)
		r = boot_build(b);
	if (r)
		return r;
	cairn_printf("booter: system '%s' built: %u components, %u ports, %u segments\n",
		     sd->name, sd->ncomps, sd->nports, sd->nsegments);
	if ((r = boot_persist_hold(b)))	/* the persistent: restored, or started fresh, by the checkpointer */
		return r;
	for (unsigned k = 0; k < sd->ncomps; k++)	/* no slices yet: init runs to its end */
		if (!b->c[sd->init_order[k]].sd->persistent)
			boot_init(b, &b->c[sd->init_order[k]]);
	r = boot_supervise(b);		/* after init: a crash in it stops the boot's component */
	if (r)
		return r;
	boot_take_timer(b, &b->core[0]);
	return boot_schedule(b);
}
