/*
 * hostile.h: what the files of the hostile test program share: its settings, the
 * model's types and the state each file keeps. What the program tests and how:
 *
 * hostile is a hostile component. It makes `calls` system calls with random
 * operations, random capability indices and random arguments, mixed with well-formed
 * calls that build real objects (tables, page tables, components, threads, endpoints,
 * gates) so that the kernel is driven into deep states; and beside them it plays its
 * stage (stage.h), whose threads, gates and keepers run and make calls of their own.
 * It checks that:
 *
 *   hostile.1 random_calls             every call returns a result (>= 0) or one of the
 *                                      defined errors (CAIRN_ERRORS); no register but the
 *                                      documented results changes; whenever this
 *                                      program's model of its tables implies the answer
 *                                      (empty slot, wrong type, a lookup, a tcap's
 *                                      depth, parent, priority or budget, a
 *                                      THREAD_RETURN: EBUSY on our own thread, EACCES
 *                                      through a local capability, EINVAL on any other,
 *                                      which never ran and so is in no invocation,
 *                                      ...), the
 *                                      kernel gives exactly that answer; and no thread
 *                                      it never dispatched ever runs
 *   hostile.2 invariant_after          KCHECK finds nothing wrong after the calls
 *   hostile.3 memory_returned          after tearing down everything it made, the frame
 *                                      counts (untyped, kernel, user) are back to their
 *                                      start values, less the frames it knowingly kept
 *                                      (objects nothing can name any more: see below)
 *   hostile.4 invariant_after_teardown KCHECK still finds nothing wrong
 *   hostile.5 dispatch_and_gates       the controlled episodes (dispatch, block, wake,
 *                                      send-yield, a dispatch through a local thread
 *                                      capability, keeper, a return on a parked
 *                                      helper's behalf (THREAD_RETURN), 16-deep and
 *                                      confined gates, a
 *                                      spinner on a small budget: EXHAUSTED) behaved, in
 *                                      the middle of the hostile traffic
 *   hostile.6 stage_threads_calls      every call the stage's threads, gates and keepers
 *                                      made returned what their models predict
 *   hostile.7 stage_scenes             main's scenes (restarts with a thread inside,
 *                                      rescinds in use, keepers that stop, churn of an
 *                                      idle core's thread and space) behaved, each ran
 *   hostile.8 stage_returned           the stage torn down: every frame of its pool
 *                                      untyped again, KCHECK clean (and during it)
 *   hostile.9 nested_keepers_keep_records  a keeper whose call faults into another
 *                                      keeper finds its own fault record unchanged
 *                                      (issue 19 finding 6)
 *   hostile.10 idle_core_lifetime      what a core that idles keeps of its last thread
 *                                      hurts nothing: a reused frame stays intact
 *                                      (finding 1), registers and TLS survive changes
 *                                      (3), back-to-back sends run both threads (4);
 *                                      finding 2 shows as a triple fault (no TEST lines)
 *
 * It must be the first program, or one the test runner starts (it needs CAIRN_SLOT_MEMORY,
 * CAIRN_SLOT_IRQ and the root tcap in CAIRN_SLOT_TCAP: its own thread's if the kernel
 * started it, else the runner's, and then model.c gives its thread a tcap below it),
 * without "ioport" on its module line (so CAIRN_SLOT_IOPORT, slot 8, stays empty), and
 * the kernel must be booted with "ktest" (KCHECK and KCOUNT answer ENOSYS otherwise):
 *
 *   qemu-system-x86_64 -accel tcg -m 256 -display none -serial stdio -no-reboot \
 *       -device isa-debug-exit,iobase=0xf4,iosize=4 -kernel build/cairn32.elf \
 *       -initrd "build/user/hostile.elf,build/user/afterfaults.elf" -append "ktest"
 *
 * Settings: a boot module whose name ends in .args, loaded with "image" (the kernel
 * maps every module into the first one's space but starts none so marked), holds
 * "seed=<n> calls=<n>" (also stage=0|1, scenes=<mask>: main.c, read_args); without one
 * the defaults below apply. A boot module's own command line does not reach user
 * programs, hence a module. make soak writes one per run (tools/soak.py):
 *
 *   echo "seed=0x1 calls=1000000" > build/soak/x.args
 *   ... -initrd "build/user/hostile.elf,build/soak/x.args image,build/user/afterfaults.elf"
 *
 * Reproducible: all randomness comes from xorshift64* generators seeded from the seed
 * (the random traffic's, the stage's scenes', each worker job's), and on one core the
 * kernel is deterministic here (no timer is armed but by the tcap episode's budget,
 * which ends a spinner at a point that varies but changes no call; no device raises
 * the ISA lines it binds: QEMU's stay quiet, COM1's interrupts are off), so a run
 * repeats call for call; on two cores the same calls are made, but the interleaving of
 * the cores differs. On a failure the program prints the failing call's index and the last calls
 * before it; rebuild with -DHOSTILE_TRACE_FROM=<index> to print every call from there
 * on, with -DHOSTILE_KCHECK_EVERY=1 to find the first call after which the invariant
 * check fails, with -DSTAGE_DEBUG to print each stage tick:
 *
 *   rm -rf build/user/tests/qemu/progs/hostile
 *   make user CC="gcc -DHOSTILE_TRACE_FROM=12345"
 *
 * (UCFLAGS+=... on make's command line would replace the flags, not add to them).
 *
 * What is never sent, and why (each would end or stall the test, not test the kernel):
 *   - DEBUG_STOP on the null capability: it stops this thread.
 *   - THREAD_DISPATCH that could run another thread, and ASND_SEND with
 *     CAIRN_SEND_YIELD: another thread would run, possibly at an arbitrary entry with
 *     arbitrary arguments. A random dispatch of another thread is sent only if the
 *     model says it must fail (a1 is no tcap, the thread is on another core, or the
 *     tcap it would run on has an empty chain: EAGAIN, EINVAL or ETIME); of our own
 *     thread, only without a deadline. Through a local capability (THREAD_LOCAL) the
 *     same, and also whatever it refuses: any other operation, a deadline or a tcap
 *     (EACCES), a thread not in our component (EBUSY: one whose home is another; the
 *     threads random calls name never ran). Dispatch is exercised in controlled episodes
 *     instead, with a helper thread running a function of this program that
 *     dispatches back to CAIRN_SLOT_THREAD, and a spinner on a small budget.
 *   - THREAD_TCAP or THREAD_DISPATCH binding our own thread to any tcap but the root
 *     (never spent): a bind to a tcap with a budget would have the kernel preempt us
 *     when it ends (EXHAUSTED), and nothing would run us again. Such a call names the
 *     root tcap instead. Other threads are bound to any tcap: they never run.
 *   - RCV_WAIT on this thread's own endpoint: nothing would ever wake it (no timer,
 *     no device interrupt).
 *   - IRQ_BIND of line 0 (the timer): preemption would make runs unrepeatable. Lines
 *     1..63 are bound and unbound freely (line 2, the cascade, and the reserved 16..31
 *     must be ENOTSUP; an MSI line's bind returns its message, checked for its vector
 *     and the local APICs' address; no device raises one): the
 *     model knows which thread each bound line references, so a bind to a bound line
 *     must be EBUSY, an unbind of an unbound one ENOENT, and a deactivation of a bound
 *     thread EBUSY; the teardown unbinds every line (and checks the rest are unbound).
 *   - any call naming a slot of the stage's leaves (positions STAGE_POS..TRAP_POS of our
 *     table), or hooking or unhooking a leaf there: the stage's objects are its own, and
 *     its threads may be using them (on another core) at that moment.
 *   - ASND_SEND to a thread THREAD_CORE moved to another core: with no scheduler there,
 *     the send would start it.
 *   - CAPTBL_REMOVE / CAPTBL_DEACT of, or any write to, slots 1..9 (of any table): the
 *     fixed capabilities are used as arguments, never removed, and slot 8
 *     (CAIRN_SLOT_IOPORT) stays empty: this program never holds an IOPORT capability,
 *     so the IOPORT operations in the random stream must fail (EBADF on any other
 *     capability, ENOENT on slot 8, which they often aim at with ports the kernel
 *     refuses or that would end the machine). Nor do random calls write or remove slots
 *     120..127 or name two kernel frames of the pool: the episodes' own, so that every
 *     episode can run whatever state the random traffic left.
 *   - page-table changes (cons, decons, map, unmap) on this program's own page-table
 *     root outside the scratch range [SCRATCH_LO, SCRATCH_HI): it must not unmap its
 *     own code, data or stack. Roots it made take any address.
 *   - a receive endpoint for this thread with a scheduler (ACT_RCV of CAIRN_SLOT_THREAD
 *     with a parent): the scheduler would run when this program stops.
 *   - invocation gates with entries that are not gates of this program, or into
 *     components whose page table is not this program's: SINV_CALL on them would fault
 *     this thread. Every gate it makes enters echo() (or deep() in an episode) in a
 *     component using its own page-table root; random SINV_CALLs on random indices are
 *     fine and frequent.
 *   - DEBUG_WRITE of 65..4096 bytes (console noise; longer ones must fail), or from
 *     memory of its own (image, modules, stack, mapped scratch pages): such writes are
 *     cut to a few dots. Writes that reach an unmapped scratch page, an unmapped or a
 *     kernel address go through as they are and must fail; a write returns its length
 *     or an error.
 *   - loads or stores to the device pages it maps through CAIRN_SLOT_DEVMEM (the HPET,
 *     the VGA window): only the kernel's side of device memory is under test here.
 * Threads it makes but never dispatches get stray() as their argument: if one ever ran
 * (say, on an interrupt of a line bound to it), it would count itself and stop, and
 * hostile.1 fails.
 *
 * The model: to decide those exclusions (which index names its own page table, which
 * component a gate would enter) and to tear everything down afterwards, the program
 * keeps a model of every capability table, page-table node, component and thread it
 * can reach, of the interrupt lines it bound and of the range of every memory
 * capability it holds (MEM_DERIVE makes narrower ones), updated from the arguments of
 * every call that succeeds; and of each thread's tcap (made, its parent, depth and
 * priority, its budget: exact if 0 or CAIRN_TCAP_INF, neither ever spent, else at most
 * what it was given) and of the tcap it runs on. Every few thousand calls the model is
 * compared with the kernel through side-effect-free probes; a disagreement is a failure
 * and ends the random part (decisions would be unsafe).
 *
 * What may legitimately stay: the last owning capability of an object cannot be removed,
 * only deactivated, so every object stays nameable from somewhere; but "somewhere" may
 * be a table no capability this program can reach names any more (say a root whose
 * only capability was copied into one of its own leaves, then removed from ours). Such
 * an object can be neither deactivated nor retyped, nor can what it refers to. The
 * teardown computes that set from the model, and hostile.3 requires that exactly those
 * frames stay and every other one comes back, with the kernel's frame counts (untyped,
 * kernel, user) equal to the start values adjusted by the frames kept. So do threads on
 * a cycle of tcap-parent and scheduler references (A's tcap under B's, B's endpoint
 * under A's): each holds the other, and neither reference can be dropped but by a
 * deactivation (the teardown first binds every thread back to the root tcap, so that
 * the tcap a thread runs on holds nothing). Setup plants
 * one such island on purpose (plant_island()), so this accounting is exercised by
 * every run, not only when the random traffic happens to cut a table off.
 *
 * The files: main.c (settings, setup, the random phase, the checks), run.c (the one
 * path every call takes: issue, predict, check, apply), model.c (the model and its
 * probes), random.c (the generator, arguments, exclusions, random and well-formed
 * calls), episodes.c (gates, the helper thread, the controlled episodes), teardown.c
 * (destroying everything, and what may stay); the stage: stage.h, stage_build.c,
 * stage_serve.c, stage_crew.c, stage_scenes.c.
 */
#ifndef HOSTILE_H
#define HOSTILE_H

#include <cairn/cairn.h>
#include <cairn/gate.h>
#include <cairn/root.h>

/* ---- configuration ---- */

#ifndef HOSTILE_CALLS
#define HOSTILE_CALLS 200000UL		/* default: random and well-formed calls (episodes come on top) */
#endif
#ifndef HOSTILE_SEED
#define HOSTILE_SEED 0x5eed0fca1a5ULL	/* default seed */
#endif
#ifndef HOSTILE_TRACE_FROM
#define HOSTILE_TRACE_FROM (~0UL)	/* print every call from this index on */
#endif

#define EPISODE_EVERY   2500		/* calls between controlled episodes */
#define PROGRESS_EVERY  20000		/* calls between progress lines (to place a hang) */
#define VALIDATE_EVERY  4096		/* calls between checks of the model against the kernel */
#ifndef HOSTILE_KCHECK_EVERY
#define HOSTILE_KCHECK_EVERY 2048	/* calls between invariant checks (1: after every call) */
#endif
#define MAX_FAULTERS    6		/* fault episodes (each leaks one stack of the pool) */
#define EP_SLOT         120		/* slots 120..127: the episodes' own (see safe()) */
#define OWN_TCAP        (EP_SLOT + 6)	/* our tcap under a runner's root (model.c); the stage borrows + 7 */

#define CT    CAIRN_SLOT_CAPTBL
#define PT    CAIRN_SLOT_PGTBL
#define COMP0 CAIRN_SLOT_COMP
#define ME    CAIRN_SLOT_THREAD
#define MEM   CAIRN_SLOT_MEMORY
#define IRQ   CAIRN_SLOT_IRQ
#define FREE  CAIRN_SLOT_FREE	/* slots 1..FREE-1 are fixed (and slot 8, the IOPORT one, empty) */
#define DEV   CAIRN_SLOT_DEVMEM	/* device memory: [0, devmem_limit()), mrange[1] */
#define MMU   CAIRN_SLOT_IOMMU	/* requester ids [0, CAIRN_IOMMU_RIDS), mrange[2]; the
				   hostile machine (pc) has no IOMMU: attach and detach
				   end in CAIRN_ENOTSUP (tests/qemu/progs/iommu.c has
				   DMA); I/O roots are built and mapped as roots are */
#define IO_ROOT (4 | CAIRN_PGTBL_IO)	/* an I/O root's level (a PGTBL capability's flags);
					   its object is a K_PT of level 4 */

#define PAGE        4096UL
#define POOL_START  (32UL << 20)	/* where the pool's frames are looked for */
#define POOL_KERNEL 64
#define POOL_USER   64
#define SCRATCH_LO  0x200000000UL	/* our own page table may change only here */
#define SCRATCH_HI  0x280000000UL
#define FAULT_VA    0x300000000UL	/* never mapped: a helper faults here */
#define KERNEL_VA   0xffffffff80100000UL
#define USER_TOP_VA 0x7ffffffff000UL

#define LEAF_SLOTS CAIRN_CAPTBL_LEAF_SLOTS
#define ROOT_SLOTS CAIRN_CAPTBL_ROOT_SLOTS
#define ANY        0x7fffffffL		/* predict(): no particular result implied */

/*
 * The stage's (stage.h) leaves in our table, at positions STAGE_POS..TRAP_POS: random
 * calls never name a slot there nor hook or unhook a leaf there, and the model's probes
 * leave them alone.
 */
#define STAGE_POS    100
#define STAGE_LEAVES 4
#define TRAP_POS     (STAGE_POS + STAGE_LEAVES)
#define HIDDEN_LO    (STAGE_POS * LEAF_SLOTS)
#define HIDDEN_HI    ((TRAP_POS + 1) * LEAF_SLOTS)
#define HIDDEN(idx)  ((idx) >= HIDDEN_LO && (idx) < HIDDEN_HI)

/* The run's settings: the args module's (main.c), or the defaults above. */
extern uint64_t hostile_seed, hostile_calls;
extern unsigned hostile_cores;		/* cores the kernel runs threads on (the Root page's) */

extern char _start[];

/* ---- the model: what this program believes the kernel holds (model.c) ---- */

enum kind { K_NONE, K_ROOT, K_LEAF, K_PT, K_COMP, K_THREAD };

#define MAX_OBJ 256
enum { O_R0 = 1, O_L0, O_P0, O_C0, O_T0, O_RT, O_FIRST };	/* the boot objects; then frames */
/*
 * O_RT: the thread holding the root tcap (CAIRN_SLOT_TCAP) when it is not ours: a test
 * runner started us (its first thread's); then model_init makes our thread's own tcap,
 * its child. root_tc is the root tcap's thread: O_T0 or O_RT; our thread runs on it.
 */
extern unsigned root_tc;

struct mcap {
	uint8_t type, flags;	/* as in the kernel's slot: type; level or gate flags */
	uint16_t obj;		/* the object named; memory, devmem: its range, mrange[obj]; irq: its lines, irq_mask[obj] */
};

/*
 * The range [base, end) of MEMORY and DEVMEM capabilities: 0 is CAIRN_SLOT_MEMORY's, 1
 * CAIRN_SLOT_DEVMEM's, the rest derived.
 */
struct mrange {
	uint64_t base, end;
};

#define MAX_RANGES 512

/* One per frame this program tracks (and the five boot objects): the object id. */
struct obj {
	uint64_t pa;		/* the frame; 0 for boot objects (not ours to return) */
	uint8_t orig, type;	/* frame type at the start, and now */
	uint8_t kind, level;	/* the object in a KERNEL frame, and its table level */
	uint8_t hooked;		/* leaf or page-table node hooked under a root */
	uint8_t has_rcv;	/* thread: its receive endpoint exists */
	uint8_t reserved;	/* a frame kept for the episodes: random calls never name it */
	uint8_t core;		/* thread: the core it belongs to (THREAD_CORE) */
	uint16_t parent, pos;	/* hooked: the root (and, for a leaf, its position) */
	uint64_t va;		/* hooked page-table node: va aligned to its reach */
	uint16_t ct, pt, keeper;	/* component: its tables and its keeper's component */
	uint16_t home, sched;		/* thread: its component and scheduler thread */
	uint8_t tmade, tdepth;		/* thread: it owns a tcap; its depth (0: the root, root_tc's) */
	uint16_t tparent, on;		/* thread: its tcap's parent's thread (0: none); whose tcap it runs on */
	uint32_t tprio;			/* thread: its tcap's priority */
	uint64_t tbud;			/* thread: its tcap's budget: exact if 0 or CAIRN_TCAP_INF (neither
					   is ever spent), else at most this (time may have been spent) */
};

struct mapping {
	uint16_t root;
	uint8_t rights;		/* CAIRN_MAP_*, with CAIRN_MAP_DEVICE for a device page */
	uint64_t va, pa;
};

#define MAX_MAPS 4096

/* One call, as issued and as it came back (run.c). */
struct call {
	uint64_t n;		/* index in the run */
	char src;		/* r random, w well-formed, e episode, s setup, t teardown */
	uint8_t gated;		/* an invocation that entered one of our gates */
	uint16_t changed;	/* registers that came back changed (bit i: regs_io index i) */
	unsigned cap;
	uint32_t op;
	uint64_t a[6];
	long ret;
	uint64_t rdx;
};

/* main.c */
extern const struct cairn_root *R;	/* what the kernel or the test runner gave us */
extern uint64_t island;			/* the frame of the root setup cut off on purpose */

/* random.c: every random decision draws from rnd(), in a fixed order (reproducibility) */
void rnd_seed(uint64_t seed);
uint64_t rnd(void);
uint64_t below(uint64_t n);		/* 0..n-1 (0 if n is 0) */
int chance(unsigned percent);
uint64_t pick_frame(int type, int empty);
int safe(struct call *c);		/* makes a drawn call safe, or says to drop it (0) */
void random_call(struct call *c);
void well_formed(struct call *c);
extern long own_code_lookup;		/* PGTBL_LOOKUP of our code page in our own root */

/* model.c: objects are indices into ob[]; leaf_slot[o] and root_leaf[o] are their contents */
extern struct obj ob[MAX_OBJ];
extern unsigned nobj;
extern struct mcap leaf_slot[MAX_OBJ][LEAF_SLOTS];
extern uint16_t root_leaf[MAX_OBJ][ROOT_SLOTS];
extern uint16_t r0_pos[ROOT_SLOTS];
extern unsigned n_r0_pos;
extern uint16_t line_thread[CAIRN_IRQ_LINES];	/* the thread each bound line references, or 0 */
extern uint8_t line_mode[CAIRN_IRQ_LINES];	/* the mode each bound line was bound in */
extern struct mapping maps[MAX_MAPS];
extern unsigned nmaps;
extern struct mrange mrange[MAX_RANGES];
extern unsigned nranges;
#define MAX_MASKS 256
extern uint64_t irq_mask[MAX_MASKS];	/* IRQ capabilities' lines: 0 is CAIRN_SLOT_IRQ's, all */
extern unsigned nmasks;
int find_mask(uint64_t lines);		/* its index in irq_mask[], or -1 */
/* Line 2 (the cascade) and the pin lines past the I/O APIC's pins: ENOTSUP. */
#define IOAPIC_PINS 24	/* QEMU's I/O APIC (pc and q35), where the hostile model runs */
static inline int irq_line_reserved(uint64_t n)
{
	return n == 2 || (n >= IOAPIC_PINS && n < CAIRN_IRQ_MSI);
}
extern uint64_t nprobes;
uint64_t devmem_limit(void);		/* CAIRN_SLOT_DEVMEM's end: the physical limit */
uint64_t reach(unsigned level);		/* bytes a page-table node of this level covers */
int owning(unsigned type);
int owns(const struct mcap *m);		/* owning(type), but a local THREAD capability owns nothing */
int names_object(unsigned type);
unsigned owning_type(unsigned kind);
struct mcap *mcap(uint64_t idx);	/* a non-empty slot of our own table, or NULL */
struct mcap *mcap_of(uint64_t idx, unsigned type);
struct mcap *mslot(unsigned root, uint64_t idx);	/* slot idx of any root (empty too), or NULL */
int bound(unsigned thread);			/* a line is bound to this thread */
int tcap_held(unsigned thread);			/* another live thread's tcap is its child, or runs on its tcap */
int chain_time(unsigned thread);		/* its tcap's chain: 0 no time left, 1 never spent, 2 unknown */
unsigned obj_at(uint64_t pa);
int find_map(unsigned root, uint64_t va);
int find_range(uint64_t base, uint64_t end);	/* its index in mrange[], or -1 */
unsigned root_cap_slot(unsigned root);
void model_init(void);
void apply(const struct call *c);	/* the model after a call that succeeded */
void validate(int full);		/* probes: a disagreement stops the random calls */

/* run.c: every call of the program goes through run() (call() builds one) */
extern uint64_t ncalls;
extern uint64_t nsrc[5], nret[20];
extern uint64_t ntcap[4];		/* tcaps made, delegations, binds, dispatches: that succeeded */
extern uint64_t nlocal[4];		/* local thread capabilities made; their uses: succeeded, EBUSY, else */
extern unsigned tcap_deepest;		/* the deepest tcap made (CAIRN_TCAP_DEPTH: EDEPTH reachable) */
extern uint64_t nfail, fail_at, kcheck_bad_at;
extern const char *fail_what;
extern int stop_random;			/* the model is wrong: random calls would be unsafe */
extern uint64_t exec_always;		/* CAIRN_MAP_EXEC if the CPU has no NX */
void fail(const struct call *c, const char *what);
void diverge(const struct call *c, const char *what);
long run(struct call *c);
long call(char src, unsigned cap, uint32_t op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
	  uint64_t a4, uint64_t a5);

/* episodes.c */
extern char echo_entry[];		/* the gate every random SINV reaches: returns (a1, a2) */
extern volatile uint64_t echo_calls, deep_calls, keeper_calls, stray_runs;
extern volatile cairn_word main_tid;
extern unsigned episodes;
extern unsigned spin_runs, spin_retries;	/* the tcap episode's spinner: runs to the end, retries */
extern unsigned return_runs;		/* return episodes (THREAD_RETURN) that ran to the end */
extern uint64_t episode_fail_at;
extern const char *episode_what;
void stray(cairn_word tid);		/* the argument of threads never dispatched */
uint64_t free_kframe(int reserved);
long make_gate(char src, const unsigned *s, uint64_t entry, unsigned flags, int reserved);
void episode(void);

/* teardown.c */
extern unsigned kept, kept_unreachable, kept_cycles, surprises;
void teardown(void);
void explain_kept(void);		/* counts the frames kept; surprises: not as the model says */

#endif
