/*
 * libboot.h: the booter's internals. The booter is trusted: it stays small, and every
 * kernel call it makes is checked. Its files are layers; each calls only the files
 * below it (tools/cycles.py lib/libboot checks that none calls back up):
 *
 *   main.c     cairn_boot: check, build, initialise, supervise, schedule    (top)
 *   restart.c  the supervisor of `restart = true`: reloads, re-initialises
 *   boot.c     builds the components, ports, gates and red tape from the tables
 *   devices.c  binds PCI devices to their drivers
 *   dma.c      what a bound device may DMA into: its I/O domain, or bus mastering alone
 *   region.c   the data regions ([[region]]): frames, mappings, red-tape entries
 *   sched.c    the booter's scheduler, one thread per core it uses
 *   budget.c   each component's tcap: its rank and its time per period
 *   report.c   a component's crash, told with its stack's code addresses
 *   timer.c    serves interfaces/timer.toml: each importer's pending deadline
 *   status.c   serves interfaces/status.toml: the components' states, read-only
 *   control.c  serves interfaces/control.toml: a restart asked for, begun as a crash's
 *   manager.c  serves interfaces/manager.toml
 *   capmgr.c   the delegation tree and its memory
 *   check.c    the tables (cairn/sysdesc.h) against the limits of a description
 *   space.c    address spaces: slots, frames, mappings, images      (bottom: libcairn only)
 *
 * Calls up go through a hook the upper file sets: the scheduler restarts what crashed
 * through b->supervise (restart.c sets it).
 */
#ifndef LIBBOOT_H
#define LIBBOOT_H

#include <cairn/boot.h>
#include <cairn/build.h>
#include <cairn/cairn.h>

/* The address space (cairn/layout.h). */
#define WINDOW_VA      CAIRN_BOOT_WINDOW_VA	/* where the booter sees a frame it fills */
#define PORTS_VA       CAIRN_PORTS_VA		/* port rings, in each component */
#define HEAP_VA        CAIRN_HEAP_VA		/* heaps, in each component */
#define STACK_TOP_VA   CAIRN_STACK_TOP		/* first thread's stack, below a guard page */
#define IMAGE_LO       CAIRN_IMAGE_BASE
#define IMAGE_HI       CAIRN_IMAGE_TOP
#define BOOT_SLICES_PER_SECOND 500		/* a 2 ms time slice */
#define BOOT_NEVER (~(uint64_t)0)		/* no deadline pending (bcore.next_wake) */
#define BOOT_IDLE_ARMS_PER_SECOND 100		/* an idle core's timer is armed at most 10 ms
						   ahead: the kernel clamps a long one-shot
						   (apic.c), and one fires early by the error of
						   the APIC timer's calibrated rate */

enum { T_RUNNABLE = 1, T_BLOCKED, T_STOPPED };	/* a component thread, as its events say */

struct bcomp {
	const struct cairn_sd_comp *sd;
	unsigned ct, leaf, pt, comp, thread, rcv;	/* slots in the booter's table */
	unsigned next_slot;				/* the next free slot in its table */
	uint64_t root_frame;
	uint64_t io_frame;				/* its I/O page, if it has one (has_io) */
	uint64_t port_va;				/* where its next port goes */
	uint64_t tid;
	uint64_t pt_cache;				/* a 2 MiB region with tables */
	uint64_t mem_base, mem_end;			/* a subsystem parent's memory */
	int state;
	uint32_t generation;				/* in its red tape: 1, then one per restart */
	uint32_t crashed;				/* set by the keeper (restart.c), atomically */
	uint32_t restarting;				/* restart.c: 1 while its restart runs its init,
							   2 if it crashed there */
	uint64_t fault_rip, fault_vector;		/* the last crash, for the report */
	uint32_t faults;				/* its crashes since boot (status.c reads it):
							   restart.c's keeper counts those it takes,
							   sched.c the others (a STOP at a fault) */
	uint32_t down;					/* it crashed and stays down (status.c) */
	uint32_t requested;				/* control.c: 1 + the component that asked for
							   its restart, 0: none (restart.c takes it) */
	uint64_t fault_error, fault_sp, fault_tid;	/* ... (report.c) */
	uint64_t wake_at;				/* timer.c: its pending deadline, 0: none */
	unsigned asnd;					/* a send to its first thread's endpoint (boot.c):
							   its timer's wakes, wait's, a resume's */
	unsigned tcap;					/* budget.c: its tcap (0: none), its priority, */
	unsigned prio;
	uint64_t cpu_budget, cpu_period;		/* its budget per period in cycles (period 0:
							   CAIRN_TCAP_INF, none), */
	uint64_t cpu_epoch, refill_at;			/* periods count from the epoch; the next */
	uint32_t out;					/* it ran out: not picked until refill_at */
	uint32_t held;					/* persist.c: persistent, and not to run now */
	uint32_t refills;				/* budgets given again since boot */
	uint64_t turn;					/* sched.c: its place among its priority's
							   threads (lowest first), */
	uint64_t ran;					/* what it has run of its turn (TSC ticks) */
	uint64_t wait;					/* wait.c: tokens (bits 0-31), state (32-39:
							   0, 1 + the server it blocks in, CLAIMED,
							   SENT), its block's number (40-63) */
	uint32_t wait_stack;				/* its generation << 8 | 1 + the booter's gate
							   stack it blocks on, 0: none */
};

/*
 * The booter's scheduler on one core (sched.c): on the boot core the booter's own
 * thread, on each other core a system uses a thread of its own, which schedules the
 * components placed there (`core = k`) and runs their initialisation for the boot
 * core's thread (init). Everything else (building, restarts, the manager) stays on
 * the boot core's thread.
 */
struct bcore {
	unsigned thread, rcv, wake;		/* its thread, endpoint, a send to it */
	uint64_t turns;				/* turns given out: the last place (bcomp.turn) */
	uint32_t preempted;			/* a TIMEOUT came since the last dispatch: an
						   interrupt took the core from the thread
						   dispatched (or from a thread of its subsystem) */
	uint64_t slice;				/* time slice in TSC ticks, 0: none */
	uint64_t deadline;			/* when the current slice ends */
	uint64_t next_wake;			/* no later than its components' earliest deadline
						   (timer.c), BOOT_NEVER: none */
	uint64_t armed;				/* what it last armed its timer for */
	struct bcomp *init;			/* a component to run until it blocks, or 0 */
	uint32_t ready;				/* set by its thread once it runs */
	uint8_t timer;				/* it has tried to take its core's timer */
	unsigned tcap;				/* budget.c: its tcap, the parent of its components' */
};

struct booter {
	const struct cairn_sd_system *sd;
	const struct cairn_root *rt;
	struct cairn_alloc a;
	unsigned rcv;				/* its own receive endpoint (core[0].rcv) */
	unsigned wake;				/* a send to rcv: keepers wake the booter */
	uint64_t own_cache;			/* as bcomp.pt_cache, for itself */
	uint64_t build_tsc;			/* when cairn_boot started */
	struct bcore core[CAIRN_SD_CORES];	/* core[0]: the booter's own thread */
	uint32_t running;			/* built and initialised: the cores schedule */
	uint32_t timer;				/* it holds the timer lines (a root booter) */
	void (*settle)(struct booter *b, unsigned i, uint64_t va, int gone);	/* persist.c's:
						   persistent component i's manager page va is shared
						   or (gone) unmapped; manager.c calls it first, and
						   the capture in flight takes the page */
	uint32_t tcaps;				/* it makes its components' tcaps (budget.c) */
	struct bcomp *timer_comp;		/* the component that holds core 0's timer (the
						   RTOS, `irq = [0]`), 0: none; and the send */
	unsigned timer_line;			/* the timer's line is bound to for it */
	uint32_t timer_lent;			/* budget.c: that component is out of budget and
						   the booter holds its timer meanwhile */
	uint32_t lines_bound;			/* MSI and INTx lines devices.c bound: like `irq`
						   lines, an interrupt may wake a blocked thread */
	void (*supervise)(struct booter *b);	/* restart.c's: restarts what crashed; the boot
						   core's scheduler calls it each pass (0: none) */
	struct bcomp c[CAIRN_SD_COMPS];
	struct cairn_root red;			/* the Root being written */
	struct cairn_io io;			/* ... and its I/O page */
};

/* check.c: the tables against every limit (cairn/sysdesc.h), before anything is built:
   0, or CAIRN_EOVERFLOW after a line naming the count past its limit */
long boot_check(const struct cairn_sd_system *sd);

/* boot.c: builds what the tables describe; 0 or the first error (after a line naming it) */
long boot_build(struct booter *b);
/* boot.c: writes component i's red tape (again, after a restart) */
long boot_red_tape(struct booter *b, unsigned i);

/* devices.c: component i's PCI devices, bound and granted; listed in its red tape. */
long boot_devices(struct booter *b, unsigned i);
void boot_red_devices(const struct booter *b, unsigned i, struct cairn_io *io);

/* region.c: every data region, built and mapped into its sharers (after the components) */
long boot_regions(struct booter *b);
/* region.c: maps component i's dma regions into the I/O root in the booter's slot root */
long boot_map_dma_regions(struct booter *b, unsigned i, unsigned root, uint64_t *cache);

/* region.c: whether the kernel drives an IOMMU (its CAIRN_SLOT_IOMMU answers
   IOMMU_DETACH with something other than CAIRN_ENOTSUP: probed on the first call,
   which comes before any attach) */
int boot_has_iommu(void);
/* dma.c: device rid of component i: its I/O domain if there is an IOMMU; *master says
   whether the device may master the bus. 0, or an error (after a line naming it). */
long boot_dma(struct booter *b, unsigned i, unsigned rid, int *master);

/* region.c: whether component i shares a region */
int boot_shares_region(const struct cairn_sd_system *sd, unsigned i);
/* region.c: component i's regions as its red tape lists them, into out[CAIRN_IO_REGIONS]; how many */
unsigned boot_red_regions(const struct booter *b, unsigned i, struct cairn_region *out);

/* restart.c: the supervisor of components described with `restart = true` (sets b->supervise) */
long boot_supervise(struct booter *b);

/* report.c: the line that tells a crash of c's thread tid (what: how it ends) with the
   image's code addresses on its stack, read from sp up through the read page of core,
   the caller's: a booter thread's (space.c, boot_read) */
void boot_report_fault(struct booter *b, struct bcomp *c, const char *what, uint64_t tid,
		       uint64_t vector, uint64_t error, uint64_t rip, uint64_t sp, unsigned core);
/* report.c: reports c's stopped thread if a CPU exception stopped it and c has no keeper
   (on core's booter thread) */
void boot_report_stop(struct booter *b, struct bcomp *c, unsigned core);

/* space.c: keeps at least 16 free slots in the booter's own table (cairn_reserve_slots) */
long boot_reserve_slots(struct booter *b);
long boot_fill(struct booter *b, uint64_t frame, uint64_t off, const void *src, uint64_t len);
long boot_load(struct booter *b, unsigned pt, uint64_t *cache, const char *image,
	       uint64_t lo, uint64_t hi, uint64_t *entry);
const struct cairn_module *boot_module(const struct booter *b, const char *name);
long boot_reload(struct booter *b, unsigned pt, const char *image);
long boot_zero(struct booter *b, unsigned pt, uint64_t va, uint64_t len);
long boot_read(struct booter *b, unsigned core, unsigned pt, uint64_t va, void *dst, uint64_t len);
long boot_text(struct booter *b, const char *image, uint64_t *lo, uint64_t *hi);
struct elf_image;
long boot_image(struct booter *b, const char *image, struct elf_image *img, const char **file);
uint64_t boot_frame(unsigned pt, uint64_t va, int want_write);	/* what pt maps there, or 0 */

/* manager.c: the manager the booter serves (interfaces/manager.toml) */
long boot_manage(struct booter *b);
long boot_manager_gate(struct booter *b, unsigned client, unsigned slot, unsigned fn);
int boot_manager_serve(struct booter *b, uint64_t tid);
extern uint32_t boot_manager_posted;	/* non-zero: boot_manager_serve has work */
void boot_manager_reset(unsigned i);

/*
 * The interfaces the booter serves itself on its clients' threads (timer.c, status.c,
 * control.c; iface.c): the gate of function fn for client component i enters `entry`
 * with the badge fn << 16 | (i + 1); boot_iface_client decodes it. boot_server is the
 * booter they serve, set when the first such gate is made.
 */
extern struct booter *boot_server;
long boot_iface_gate(struct booter *b, unsigned client, unsigned slot, cairn_word entry, unsigned fn);

/* The client component a gate's badge names, its function into *fn; -1 if the badge is
 * not one the booter made. */
static inline long boot_iface_client(cairn_word badge, unsigned *fn)
{
	unsigned client = (unsigned)(badge & 0xffff) - 1;

	*fn = (unsigned)(badge >> 16);
	return boot_server && client < boot_server->sd->ncomps ? (long)client : -1;
}

/* timer.c: the timed wake-up the booter serves (interfaces/timer.toml) */
long boot_timer_gate(struct booter *b, unsigned client, unsigned slot, unsigned fn);
/* core k's scheduler: wakes its components whose deadline has come, recomputes
   k->next_wake; whether it sent any */
int boot_timer_expire(struct booter *b, struct bcore *k);
void boot_timer_reset(struct bcomp *c);		/* a restart drops the pending deadline */
void boot_timer_lower(struct bcore *k, uint64_t t);	/* core k wakes at t at the latest */

/* sched.c: the component whose first thread is tid, or 0 */
struct bcomp *boot_by_tid(struct booter *b, uint64_t tid);

/* wait.c: a server's wait on its client's thread (interfaces/wait.toml) */
long boot_wait_gate(struct booter *b, unsigned client, unsigned slot, unsigned fn);
void boot_wait_restarted(struct booter *b, unsigned i);	/* after i's generation moved: the threads
							   waiting in i return */
void boot_wait_released(struct booter *b, unsigned i);	/* i's thread was restarted: the gate
							   stack its block held goes back */

/* budget.c: each component's tcap (docs/time.md) */
int boot_tcaps(void);					/* whether it can make them */
long boot_tcap_core(struct booter *b, struct bcore *k);	/* core k's thread's own */
long boot_tcap_make(struct booter *b, struct bcomp *c);	/* before c first runs */
long boot_tcap_pause(struct booter *b, struct bcomp *c, uint64_t *left);	/* budget 0; what it had */
void boot_tcap_resume(struct booter *b, struct bcomp *c, uint64_t left);	/* gives it back */
void boot_budget_out(struct booter *b, struct bcore *k, struct bcomp *c);
void boot_budget_refill(struct booter *b, struct bcore *k);

/* Counts a crash of c (bcomp.faults), saturating: any thread may, the keeper's on any core. */
static inline void boot_count_fault(struct bcomp *c)
{
	uint32_t n = __atomic_load_n(&c->faults, __ATOMIC_RELAXED);

	while (n != ~0u && !__atomic_compare_exchange_n(&c->faults, &n, n + 1, 0, __ATOMIC_RELAXED,
							 __ATOMIC_RELAXED))
		;
}

/* status.c: the read-only view of the system the booter serves (interfaces/status.toml) */
long boot_status_gate(struct booter *b, unsigned client, unsigned slot, unsigned fn);

/* control.c: restarts asked for by an importer of interfaces/control.toml */
long boot_control_gate(struct booter *b, unsigned client, unsigned slot, unsigned fn);
/* persist.c: the persistent components' state, for the importer of interfaces/persist.toml */
long boot_persist_gate(struct booter *b, unsigned client, unsigned slot, unsigned fn);
long boot_persist_hold(struct booter *b);		/* before the initialisations: held, kept */
/*
 * manager.c, for persist.c. Posted to the booter's thread from thread tid: a page at va
 * for holder, as mem_alloc gives; a copy made again at its place; everything of holder
 * undone (capmgr_reset). 0 or the error.
 */
struct capmgr_copy;
long boot_manager_alloc_at(unsigned holder, uint64_t va, uint64_t tid);
long boot_manager_copy_again(const struct capmgr_copy *c, uint64_t tid);
long boot_manager_clear(unsigned holder, uint64_t tid);
/* Word `word` of holder's bitmap of pages it was given or shared (CAPMGR_VA + 4096 * bit). */
uint64_t boot_manager_pages(unsigned holder, unsigned word);
/*
 * The copies among persistent components (capmgr_copies), parents first, as the last
 * call of a persistent component left them (only such calls change them): *n of them.
 */
const struct capmgr_copy *boot_manager_kept(unsigned *n);

/* sched.c */
long boot_start_cores(struct booter *b);
void boot_take_timer(struct booter *b, struct bcore *k);
long boot_run(struct booter *b, struct bcomp *c);
long boot_init(struct booter *b, struct bcomp *c);	/* runs c until it blocks, on its core */
long boot_schedule(struct booter *b);

void boot_copy_name(char *dst, const char *src, unsigned size);

#endif
