/*
 * stage.h: the hostile program's stage: a world of components it builds apart from
 * the random model's tables, whose threads run and make calls of their own. The
 * random traffic (hostile.h) never runs a thread it makes; the stage is where threads,
 * gates and keepers run, every result predicted.
 *
 * The world (stage_build.c), all in frames of its own pool and in hidden leaves of
 * main's table (positions STAGE_POS.., which the random traffic never names):
 *
 *   spaces   every component has its own capability table and page-table root (a
 *            separate address space) mapping this program's image, so code and data
 *            are shared, plus an identity page of its own at STAGE_ID_VA
 *   A        a server: table operations of its own, returns (x + 1, its identity)
 *   B        a server that calls itself n times through its own gate, then A (or P):
 *            nested invocations, EDEPTH at the limit
 *   F, F3    servers that fault (ud2); F's keeper K1 resumes (or stops) the thread,
 *            and for a NEST fault calls F3, whose fault goes to K2: nested keepers
 *   P        a server that parks the calling thread (dispatches main) inside it
 *   workers  NWORK threads, each in a component and address space of its own, with a
 *            MEMORY capability over a private block: each runs jobs of random calls on
 *            its own tables and through the gates (stage_crew.c); on two cores they
 *            live on core 1 and run while main's random traffic runs on core 0
 *   V        a thread main drives one command at a time (the scenes)
 *   indA     an indirection to A's gate: the workers' forwarders
 *   indP     an indirection to P's gate: V's forwarder
 *
 * The scenes (stage_scenes.c), one per tick of the random phase: restarts with a
 * thread inside (ESTALE), rescinds while in use, keepers that stop and nest, and the
 * churn that the two-core kernel must survive: a worker's thread destroyed on core 1's
 * idle current and its frame reused, its whole address space destroyed, TLS and core
 * changes of an idle core's thread, sends back to back to one idle core.
 *
 * Predictions: a stage thread's results are exact when nothing else runs (one core:
 * main runs a worker's job to its end); on two cores what another core may change at
 * the same time (a restart, a rescind) widens a prediction to a small set, and
 * everything the thread owns alone stays exact. Where another helper's kernel change
 * decides a result, the prediction is one function of stage_serve.c or stage_scenes.c
 * (the "kernel contract" functions: keeper_records_nest(), restart_next_gen(),
 * sends_all_start()).
 */
#ifndef STAGE_H
#define STAGE_H

#include "hostile.h"

/* ---- main's hidden leaves (hostile.h: STAGE_POS..TRAP_POS, never named by random calls) ---- */

#define BOOT_SLOT    (EP_SLOT + 7)		/* borrowed from the episodes while the stage is built */

/* ---- the crew: stage threads, each with a stack of its own in the shared image ---- */

#define NWORK       3
#define V_IDX       NWORK		/* V's crew index */
#define NCREW       (NWORK + 1)
#define STACK_SHIFT 15			/* 32 KiB per thread; nested calls and keepers go below */

/* ---- frames and addresses ---- */

#define STAGE_PA     (96UL << 20)	/* the stage's pool */
#define STAGE_FRAMES 1536
#define WBLK_PA      (STAGE_PA + STAGE_FRAMES * PAGE)	/* the workers' private blocks */
#define WBLK_FRAMES  16
#define TRAP_PA      (WBLK_PA + (NWORK + 1) * WBLK_FRAMES * PAGE)	/* never typed: the trap's range */
#define TRAP_FRAMES  4
#define STAGE_MEM_END (TRAP_PA + TRAP_FRAMES * PAGE)

#define STAGE_ID_VA  0x10000UL		/* each space's identity page */
#define WORK_VA      0x100000UL		/* a worker's own mappings: WORK_VA + j pages */
#define STAGE_WIN    0x380000000UL	/* main's window onto stage pages (main's own space) */

/* ---- spaces (components), and the slots of their own tables ---- */

enum { SP_A, SP_B, SP_F, SP_F3, SP_K1, SP_K2, SP_P, SP_V, SP_W0, NSPACES = SP_W0 + NWORK };

enum {
	S_CT = 1, S_PT, S_COMP, S_THR,	/* own root, page-table root, comp; W, V: the thread */
	S_MEM,		/* W: a MEMORY capability over its private block */
	S_RCV,		/* W: its receive endpoint */
	S_LEAF,		/* the leaf holding slots 0..127 */
	S_SELF,		/* W: a send to itself */
	S_GA,		/* W, V, B: gate to A */
	S_GB,		/* W, V, B: gate to B (B's own: its nested calls) */
	S_FWD,		/* W: forwarder of indA; V: forwarder of indP */
	S_GF,		/* W, V: gate to F; K1: gate to F3 */
	S_PEER,		/* W: a send to the next worker */
	S_GAC,		/* W, V: confined gate to A */
	S_GP,		/* V, B: gate to P */
	S_MAIN,		/* V, P: main's thread (to dispatch it) */
	S_NSLOTS,
	S_SCR = 32,	/* A: S_SCR + caller; W: its own scratch slots */
};

#define W_SLOTS  24	/* a worker's scratch slots: S_SCR .. S_SCR + W_SLOTS - 1 */
#define W_MAPS   8	/* a worker's own mappings at WORK_VA .. */

/* Roles, in the low byte of a gate's badge. */
enum { R_A = 1, R_B, R_F, R_F3, R_P, R_K1, R_K2 };
#define BADGE(role) (0xba0000UL | (role))

/* Server operations (argument b of F, c of B, d of P). */
enum { F_RESUME, F_STOP, F_NEST };
#define F_MAGIC   0x5eedf00dUL
#define TAG(k)    (0x7a6700UL | (k))	/* rbx at a fault: who faulted, and what the keeper does */
#define STOP_TAG  0x5709UL
#define NEST_TAG  0x4e5700UL
#define SPACE_ID(s) (0x1d000000UL | (s))

/* ---- shared state (bss: the same frames in every space) ---- */

/* One stage thread: main's orders and its report. */
struct crew {
	/* main writes, then bumps job */
	uint64_t seed, ncalls;		/* the job: its random stream and length */
	uint64_t tls_tag;		/* nonzero: fs:0 must read this after a wait */
	int stop;			/* stop (DEBUG_STOP) after the job instead of waiting */
	unsigned core;			/* the core it must find itself on */
	volatile uint64_t job;
	/* the thread writes */
	volatile uint64_t started, done;	/* the last job begun, and ended */
	volatile uint64_t progress;		/* calls so far (main's watchdog) */
	uint64_t calls, gate_calls, keeper_calls;	/* made by it, by gates and keepers on it */
	uint64_t waits, jobs, nests;		/* nests: nested keeper invocations on it */
	/* V's commands (main writes cmd, V answers) */
	volatile uint64_t cmd_seq, ack_seq;
	unsigned cmd_slot, cmd_op;
	uint64_t cmd_a[4];
	struct cairn_ret2 res;
	volatile uint64_t parked;	/* P: the thread is parked inside it */
};

/* What predictions need: generations of components and of every gate copy. */
struct world {
	volatile uint32_t cgen[NSPACES], cdown[NSPACES];	/* main writes */
	volatile uint32_t ggen[NSPACES][S_NSLOTS];		/* the copy at (space, slot) */
	volatile uint32_t hgen[NSPACES];			/* main's hidden gate into each */
	volatile uint32_t fwd_gen[2], fwd_live[2];		/* indA, indP: their target's gen */
	volatile uint32_t peer_ok[NWORK];			/* worker k's S_PEER slot is filled */
	uint64_t id_page[NSPACES];				/* each space's identity frame */
	int live;			/* other cores run: widen what they may change */
};

extern struct crew crew[NCREW];
extern struct world W;
extern char stage_stacks[NCREW][1UL << STACK_SHIFT];
extern int stage_on;
extern uint64_t stage_scene_mask;	/* the scenes to play (bit i: scene i); main.c's args */
extern unsigned stage_cores;	/* cores the kernel runs threads on */

/*
 * Failures (any thread records; k = NCREW is main): counted, each kind kept once with
 * what was expected. stage_failf names the issue-19 finding a failure shows, counted
 * apart (finding_fails), so that hostile.9 and hostile.10 say which one.
 */
#define FINDINGS 20
void stage_fail(unsigned k, const char *what, long got, long want);
void stage_failf(unsigned k, unsigned finding, const char *what, long got, long want);
extern volatile uint64_t stage_fails;
extern uint64_t finding_fails[FINDINGS];

/* ---- stage_serve.c: what runs in the stage's components ---- */

extern char stage_thread_entry[], stage_gate_entry[], stage_keeper_entry[];
struct cairn_ret2 stage_sinv(unsigned gate, cairn_word a, cairn_word b, cairn_word c, cairn_word d);
long stage_wait(unsigned rcv, uint64_t pattern, uint64_t *diff);
uint64_t space_id(void);			/* the identity of the space the caller runs in */
int keeper_records_nest(void);			/* kernel contract: see stage_serve.c */
long predict_a(unsigned holder, unsigned slot, unsigned target, uint64_t x, uint64_t *r1, int fwd);
long predict_b(unsigned holder, unsigned n, uint64_t x, int bottom_p, uint64_t *r1, int fresh);
long predict_renew(unsigned target);
extern char stage_fault_site[];

/* ---- stage_crew.c: the threads' own code ---- */

void stage_thread_main(unsigned k, cairn_word tid);

/* ---- stage_build.c: the world ---- */

struct space {
	unsigned ct, leaf, pt, comp;		/* hidden slots */
	uint64_t fct, fleaf, fpt, fcomp;	/* their frames */
	unsigned node[8];			/* page-table nodes: hidden slots */
	uint64_t fnode[8], nva[8];
	uint8_t nlevel[8];
	unsigned nnodes;
	uint32_t own;				/* own-table slots main filled (bit s) */
	int built;
};

struct sthread {
	unsigned thr, rcv, snd;		/* hidden slots (rcv, snd: workers only) */
	uint64_t frame;
	long tid;
	unsigned core;
	int alive;
};

extern struct space sp[NSPACES];
extern struct sthread st[NCREW];
extern unsigned g_hidden[NSPACES];	/* hidden gate into each server (0: none) */
extern unsigned g_conf;			/* hidden confined gate to A */
extern unsigned ind_a, ind_p;		/* hidden indirections */
extern unsigned trap_mem;		/* the trap's MEMORY capability, a hidden slot */
extern uint64_t stage_main_calls;

long mcall(long want, unsigned cap, uint32_t op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
	   uint64_t a4, uint64_t a5);
long mcall_any(unsigned cap, uint32_t op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
	       uint64_t a4, uint64_t a5);
long mcall_busy(unsigned cap, uint32_t op, uint64_t a0, uint64_t a1);
unsigned hslot(void);
void hslot_put(unsigned s);
uint64_t sframe(unsigned type);
void sframe_put(uint64_t pa);
void sframe_claim(uint64_t pa);
int space_build(unsigned s);
void space_destroy(unsigned s);
void own_put(unsigned s, unsigned slot, unsigned from);	/* copy a hidden capability into (s, slot) */
void own_clear(unsigned s, unsigned slot);
int thread_build(unsigned k);
void thread_destroy(unsigned k);
void ind_arm(int which);
void ind_rescind(int which);
void fwd_put(unsigned k);			/* a worker's forwarder of indA, if it is armed */
void worker_table(unsigned k);
uint64_t thread_destroy_keep(unsigned k);
void stage_print_fails(void);
extern uint64_t thread_fails, main_fails;
int stage_build(void);
void stage_teardown(void);
void window_map(unsigned i, uint64_t pa);
void window_unmap(unsigned i);

/* ---- stage_scenes.c: main's side ---- */

void stage_setup(void);		/* after main's setup: builds the world */
void stage_tick(void);		/* one scene, and the workers' jobs */
void stage_finish(void);	/* the workers quiet, everything destroyed, frames back */
void stage_checks(void);	/* the TEST lines */
void stage_summary(void);
uint64_t stage_calls(void);	/* every call the stage made: main's, its threads', gates', keepers' */

#endif
