/*
 * cairn/rtos_abi.h: the contract between lib/librtos (in every process) and the rtos
 * component (components/rtos), defined once: the calls a process makes into the rtos
 * component, the address-space layout the rtos component gives a process, and what a
 * process thread starts with. Application code uses cairn/rtos.h, never this.
 *
 * A process reaches the rtos component through invocation gates: call n is the gate
 * in slot RTOS_GATE_BASE + n of the process's capability table (the process has no
 * other capability). The gate's badge names the process, the kernel's thread id the
 * thread; arguments are untrusted and checked. Results are one word (negative: an
 * error of cairn/abi.h, which are the RTOS API's numbers) plus a second for some.
 * Strings and structures go through the calling thread's own message page (its TLS
 * page, struct rtos_tls.msg), which both sides map.
 */
#ifndef CAIRN_RTOS_ABI_H
#define CAIRN_RTOS_ABI_H

#include <stdint.h>
#include "layout.h"

#define RTOS_GATE_BASE 16
#define RTOS_NAME_MAX  32	/* channel and shared-memory names, with their NUL */
#define RTOS_IMAGE_MAX (256 * 1024UL)	/* an ELF image given to process_create */

/*
 * X(name, number, handler, words, family, arguments, result): the calls, listed once.
 * lib/librtos calls them by RTOS_<name>. The rtos component's handler of a call is
 * gate_<handler>, in components/rtos/gates_<family>.c (threads; processes and their
 * memory; block points and timers; channels and shared memory; event sets; sockets;
 * ports); its
 * result is `words` long (1, or 2: r0 and a second word). The component's gate
 * entries, their table and the handlers' prototypes are made from this list.
 */
#define RTOS_CALLS(X) \
	X(YIELD,         0, yield,         1, thread, "a = RTOS_YIELD_NO_LEASE or 0", "0; RTOS_YIELD_LOCAL: the lease is the caller's, it switches itself") \
	X(THREAD_CREATE, 1, thread_create, 1, thread, "a = entry, b = scheduling word (RTOS_SCHED), c = stack bytes, d = 1: not joinable", "handle") \
	X(THREAD_EXIT,   2, thread_exit,   1, thread, "a = status", "does not return") \
	X(THREAD_KILL,   3, thread_kill,   1, thread, "a = handle", "0") \
	X(THREAD_STATUS, 4, thread_status, 1, thread, "a = handle", "exit status (the handle is then free), EAGAIN running") \
	X(THREAD_SCHED,  5, thread_sched,  1, thread, "a = the caller's new scheduling word (RTOS_SCHED)", "0") \
	X(BLOCK,         6, block,         1, sync,   "a = block point, b = RTOS_BLOCK_LEASE or 0", "0 woken, EBADF destroyed, RTOS_YIELD_LOCAL the lease instead") \
	X(WAKE,          7, wake,          1, sync,   "a = block point", "0") \
	X(BP_CREATE,     8, bp_create,     1, sync,   "a = 1: binary (at most one stored wake-up)", "block point id") \
	X(BP_DESTROY,    9, bp_destroy,    1, sync,   "a = block point", "0; its waiters return EBADF") \
	X(PROCESS_EXIT, 10, process_exit,  1, proc,   "a = status", "does not return") \
	X(TIMER_CREATE, 11, timer_create,  1, sync,   "none", "timer id") \
	X(TIMER_SET,    12, timer_set,     1, sync,   "a = timer, b = first expiry (TSC), c = period (TSC ticks) or 0", "0") \
	X(TIMER_CANCEL, 13, timer_cancel,  1, sync,   "a = timer", "0") \
	X(TIMER_FREE,   14, timer_free,    1, sync,   "a = timer", "0") \
	X(TIMER_WAIT,   15, timer_wait,    1, sync,   "a = timer", "expiries since the last wait (blocks until one)") \
	X(SELF,         16, self,          1, thread, "none", "the caller's thread handle") \
	X(MEM_GET,      17, mem_get,       1, proc,   "a = address or 0 (any), b = bytes, c = alignment", "the address of zeroed pages") \
	X(MEM_FREE,     18, mem_free,      1, proc,   "a = address, b = bytes", "0") \
	X(STATS,        19, stats,         1, proc,   "a = what (enum rtos_stat)", "the count") \
	X(PROC_CREATE,  20, proc_create,   1, proc,   "msg = path (\"/bin/<program>\"), a = scheduling word of its main thread, b = limits (RTOS_LIMITS); the TLS page's cpu = its budget (RTOS_CPU)", "process id") \
	X(PROC_STATUS,  21, proc_status,   1, proc,   "a = process id (one the caller created)", "exit status, EAGAIN running") \
	X(CHAN_CREATE,  22, chan_create,   1, chan,   "msg = name (\"\": none), a = type size, b = queue length, c = CHAN_SPSC/MPMC", "channel") \
	X(CHAN_END,     23, chan_end,      2, chan,   "a = channel (its owner), or 0 and msg = name; b = RTOS_END_SEND/RECV; c = type size, d = queue length (by name)", "end; msg = struct rtos_chan_geom; second = where the ring is mapped") \
	X(CHAN_CLOSE,   24, chan_close,    1, chan,   "a = end", "0") \
	X(CHAN_DESTROY, 25, chan_destroy,  1, chan,   "a = channel", "0; blocked ends return EBADF") \
	X(CHAN_BLOCK,   26, chan_block,    1, chan,   "a = end, b = RTOS_BLOCK_LEASE or 0", "0 woken (look again), EBADF destroyed, RTOS_YIELD_LOCAL the lease instead") \
	X(CHAN_WAKE,    27, chan_wake,     1, chan,   "a = end, b = RTOS_WAKE_THREADS | RTOS_WAKE_WATCHERS of the other side", "0") \
	X(CHAN_STATUS,  28, chan_status,   1, chan,   "a = end", "open send ends | open receive ends << 16") \
	X(SHM_CREATE,   29, shm_create,    1, chan,   "msg = name (\"\": anonymous), a = address of the caller's pages or 0 (fresh), b = bytes", "region") \
	X(SHM_MAP,      30, shm_map,       1, chan,   "a = region, or 0 and msg = name", "the address it is mapped at") \
	X(SHM_DESTROY,  31, shm_destroy,   1, chan,   "a = region, or 0 and msg = name", "0") \
	X(WATCH,        32, watch,         1, event,  "a = source (thread, process, timer, channel end), b = block point, c = 1 add, 0 remove", "0") \
	X(POLL,         33, poll,          1, event,  "a = n, b = most to report; msg = n sources (uint64_t; a socket's: RTOS_POLL_WANT)", "ready count; msg = n event types (uint64_t; a socket's: RTOS_NET_BIT mask)") \
	X(PROC_IMAGE,   34, proc_image,    1, proc,   "a = region holding an ELF image, b = its bytes, c = scheduling word of its main thread, d = limits (RTOS_LIMITS); msg = name, the TLS page's cpu = its budget (RTOS_CPU)", "process id") \
	X(NET_OPEN,     35, net_open,      1, net,    "a = SOCK_UDP or SOCK_TCP, b = local port, c = TCP: backlog (a listener)", "socket (waits for net's answer)") \
	X(NET_CONNECT,  36, net_connect,   1, net,    "a = IPv4 address (host order), b = port", "socket, connecting (waits for net's answer)") \
	X(NET_ACCEPT,   37, net_accept,    2, net,    "a = listener", "socket; second = the peer (RTOS_NET_PEER)") \
	X(NET_SEND,     38, net_send,      1, net,    "a = socket, b = bytes in msg (at most RTOS_MSG_BYTES), c = UDP: address, d = SOCK_UDP or SOCK_TCP << 16 | UDP: port", "bytes taken") \
	X(NET_RECV,     39, net_recv,      2, net,    "a = socket, b = most bytes to write into msg, c = SOCK_UDP or SOCK_TCP", "bytes written into msg (TCP: 0 the peer closed); second = UDP: the sender (RTOS_NET_PEER)") \
	X(NET_CLOSE,    40, net_close,     1, net,    "a = socket", "0") \
	X(PORT_OPEN,    41, port_open,     1, port,   "msg = the port's name (a [[port]] of the rtos component)", "port handle") \
	X(PORT_SEND,    42, port_send,     1, port,   "a = port (the rtos's producer end), b = bytes in msg (1..slot size)", "0 (one slot put, zero-padded)") \
	X(PORT_RECV,    43, port_recv,     1, port,   "a = port (the rtos's consumer end)", "the slot size; msg = the slot") \
	X(PORT_CLOSE,   44, port_close,    1, port,   "a = port", "0")

/*
 * A thread's scheduling parameters in one word: its priority (0 most urgent, 8 bits),
 * the core it runs on (8 bits: core + 1; 0 is the creator's core), and, for
 * earliest-deadline-first, its budget, window (period) and relative deadline in
 * microseconds, all three 0 for a fixed-priority thread; a fixed-priority thread with
 * a weight has it in the budget's place (window and deadline 0: RTOS_SCHED_WEIGHT). The core is a placement,
 * not a parameter the thread keeps: the rtos strips it (threads do not migrate).
 */
#define RTOS_SCHED(prio, budget, window, deadline) \
	((uint64_t)(prio) | (uint64_t)(budget) << 16 | (uint64_t)(window) << 32 | (uint64_t)(deadline) << 48)
#define RTOS_SCHED_ON(w, core) ((w) | (uint64_t)((core) + 1) << 8)	/* w placed on core */
#define RTOS_SCHED_PRIO(w)     ((unsigned)((w) & 0xff))
#define RTOS_SCHED_CORE(w)     ((unsigned)((w) >> 8 & 0xff))	/* core + 1, 0: none named */
#define RTOS_SCHED_NO_CORE(w)  ((w) & ~(uint64_t)0xff00)
#define RTOS_SCHED_BUDGET(w)   ((unsigned)((w) >> 16 & 0xffff))
#define RTOS_SCHED_WINDOW(w)   ((unsigned)((w) >> 32 & 0xffff))
#define RTOS_SCHED_DEADLINE(w) ((unsigned)((w) >> 48 & 0xffff))

/*
 * SCHEDP_PROPORTION p: an EDF thread with a budget of p percent of every window of
 * RTOS_PROP_WINDOW_US microseconds (deadline = window), admitted as any EDF thread.
 */
#define RTOS_PROP_WINDOW_US 10000

/*
 * SCHEDP_WEIGHT w (1..RTOS_WEIGHT_MAX): a fixed-priority thread whose round-robin
 * slice is w * RTOS_WEIGHT_SLICE_US, so the threads of a level share what its EDF
 * threads leave in proportion to their weights; without one a thread's slice is that
 * of RTOS_WEIGHT_DEFAULT.
 */
#define RTOS_WEIGHT_MAX      100
#define RTOS_WEIGHT_DEFAULT  10
#define RTOS_WEIGHT_SLICE_US 200
#define RTOS_SCHED_WEIGHT(w) (RTOS_SCHED_WINDOW(w) ? 0 : RTOS_SCHED_BUDGET(w))	/* 0: none */

/*
 * A process's limits in one word: pages mapped and threads alive at most (0: none),
 * and its priority ceiling, the most urgent priority its threads may have (0: its
 * creator's; never more urgent than the creator's: EACCES). The top 8 bits are 0.
 */
#define RTOS_LIMITS(pages, threads, ceiling) \
	((uint64_t)(uint32_t)(pages) | (uint64_t)(uint16_t)(threads) << 32 | (uint64_t)(uint8_t)(ceiling) << 48)
#define RTOS_LIMIT_PAGES(w)   ((uint32_t)(w))
#define RTOS_LIMIT_THREADS(w) ((uint16_t)((w) >> 32))
#define RTOS_LIMIT_CEILING(w) ((uint8_t)((w) >> 48))
#define RTOS_LIMITS_VALID(w)  ((uint64_t)(w) >> 56 == 0)

/*
 * A new process's processor budget in one word (cairn/rtos.h, RTOS_RES_CPU_BUDGET):
 * microseconds of budget per period, both 0 for none. process_create* pass it in the
 * caller's TLS page (struct rtos_tls, cpu).
 */
#define RTOS_CPU(budget_us, period_us) ((uint64_t)(uint32_t)(budget_us) | (uint64_t)(uint32_t)(period_us) << 32)
#define RTOS_CPU_BUDGET(w)    ((uint32_t)(w))
#define RTOS_CPU_PERIOD(w)    ((uint32_t)((uint64_t)(w) >> 32))
#define RTOS_CPU_PERIOD_MAX_US 10000000u	/* 10 s */

enum rtos_call {
#define RTOS_X_CALL(name, n, handler, words, family, args, result) RTOS_##name = (n),
	RTOS_CALLS(RTOS_X_CALL)
#undef RTOS_X_CALL
	RTOS_NCALLS
};

/*
 * Handles: every handle names its kind, so that one namespace (an event set's
 * sources) can hold them all: kind << 32 | generation << 16 | (index + 1). Never 0.
 */
enum rtos_kind {
	RTOS_K_THREAD = 1, RTOS_K_PROC, RTOS_K_TIMER, RTOS_K_BP, RTOS_K_CHAN, RTOS_K_SEND,
	RTOS_K_RECV, RTOS_K_SHM, RTOS_K_SEM, RTOS_K_MUTEX, RTOS_K_EVENT, RTOS_K_SOCK, RTOS_K_PORT,
};
#define RTOS_HANDLE(kind, gen, index) \
	(((uint64_t)(kind) << 32) | ((uint64_t)(uint16_t)(gen) << 16) | ((uint64_t)(index) + 1))
#define RTOS_HANDLE_KIND(h) ((unsigned)((uint64_t)(h) >> 32))
#define RTOS_HANDLE_GEN(h)  ((uint16_t)((uint64_t)(h) >> 16))

/*
 * CHAN_CREATE: its kind (c; cairn/rtos.h's CHAN_SPSC and CHAN_MPMC are these), and the
 * largest message and queue length (the ring, besides, fits in a shared region).
 */
#define RTOS_CHAN_SPSC      1
#define RTOS_CHAN_MPMC      2
#define RTOS_CHAN_MSG_MAX   4096
#define RTOS_CHAN_SLOTS_MAX 65536

/* Channel ends (CHAN_END) and what a wake-up is for (CHAN_WAKE). */
#define RTOS_END_SEND 1
#define RTOS_END_RECV 2
#define RTOS_WAKE_THREADS  1
#define RTOS_WAKE_WATCHERS 2

/*
 * A channel's memory, mapped into every process holding an end of it: this header,
 * then `slots` cells of (uint64_t sequence, message rounded up to 8 bytes). The cells
 * are a bounded ring whose sequence numbers let several senders and receivers claim
 * cells (MPMC) or a single pair simply follow the cursors (SPSC). The geometry is
 * never read from here (a peer may scribble on shared memory): CHAN_END gives it.
 */
struct rtos_chan_hdr {
	volatile uint32_t state;		/* RTOS_CHAN_*: written by the rtos component */
	volatile uint32_t recv_waiters;		/* receivers blocked or about to block */
	volatile uint32_t send_waiters;		/* senders likewise */
	volatile uint32_t recv_watch;		/* event sets waiting to read */
	volatile uint32_t send_watch;		/* event sets waiting to write */
	uint32_t pad0[11];
	volatile uint64_t head;			/* the next cell to fill (senders) */
	uint64_t pad1[7];
	volatile uint64_t tail;			/* the next cell to empty (receivers) */
	uint64_t pad2[15];
};						/* 256 bytes; cells follow */

#define RTOS_CHAN_DESTROYED    1
#define RTOS_CHAN_NO_SENDERS   2	/* every send end opened so far is closed */
#define RTOS_CHAN_NO_RECEIVERS 4	/* likewise receive ends */

/* What CHAN_END writes into the caller's msg. */
struct rtos_chan_geom {
	uint64_t type_size;		/* bytes per message */
	uint64_t slots;			/* the queue length */
	uint64_t stride;		/* bytes per cell: 8 + type_size rounded up to 8 */
	uint64_t flags;			/* RTOS_CHAN_SPSC or RTOS_CHAN_MPMC */
	uint64_t bytes;			/* the whole mapping */
};

/* The kinds of event an event set reports (cairn/rtos.h event_wait). */
typedef enum {
	EVT_NONE = 0,
	EVT_ERROR = 1,
	EVT_CHAN_READ = 2,
	EVT_CHAN_WRITE = 3,
	EVT_CHAN_CLOSE = 4,
	EVT_TIMER = 5,
	EVT_PROC_TERM = 6,
	EVT_THREAD_TERM = 7,
	EVT_SEM_TAKE = 8,
	EVT_SEM_GIVE = 9,
	EVT_SEM_DEST = 10,
	EVT_MUTEX_LOCK = 11,
	EVT_MUTEX_UNLOCK = 12,
	EVT_MUTEX_DEST = 13,
	EVT_NET_READ = 14,	/* a socket: data, the peer's close, or a connection to accept waits */
	EVT_NET_WRITE = 15,	/* a socket: a send can go */
	EVT_NET_CLOSE = 16,	/* a socket: the connection is reset or refused, or the peer closed and all is read */
	EVT_PORT_READ = 17,	/* a port's consumer end: port_recv would not answer EAGAIN */
	EVT_PORT_WRITE = 18,	/* a port's producer end: port_send would not answer EAGAIN */
} event_type_t;

/*
 * Ports (the PORT_* calls, docs/rtos.md "Ports"): the rtos component's ends of the
 * [[port]]s its description gives it, lent to one process at a time. A slot passes
 * through the calling thread's msg, so a port whose slot is larger than RTOS_MSG_BYTES
 * cannot be opened (tools/system.py refuses such a description).
 */

/*
 * Sockets (the NET_* calls, docs/network.md "Sockets for RTOS programs"). POLL answers
 * a socket source with a mask of its ready events, bit RTOS_NET_BIT(EVT_NET_*) each;
 * event_add's flags for a socket choose which of them the set reports (0: read and
 * close). A peer's address and port in one word (NET_ACCEPT, NET_RECV's second word).
 */
#define RTOS_NET_BIT(evt)       (0x100u << ((evt) - EVT_NET_READ))	/* never EVT_ERROR's 1 */
#define RTOS_NET_SOCKS   8		/* sockets a process holds at most (accepted, not yet taken, included) */
#define RTOS_NET_BUFS    64		/* link buffers (2 KiB) a process's sockets hold at most */
#define RTOS_ENETDOWN    (-70)		/* no socket link (libnet's NET_ENETDOWN) */
#define RTOS_POLL_WANT(src, bits) ((uint64_t)(src) | (uint64_t)(bits) << 48)	/* POLL: a socket and the events asked for */
#define RTOS_POLL_SRC(w)          ((uint64_t)(w) & 0xffffffffffffULL)
#define RTOS_POLL_BITS(w)         ((unsigned)((uint64_t)(w) >> 48) & RTOS_NET_ALL)
#define RTOS_NET_ALL     (RTOS_NET_BIT(EVT_NET_READ) | RTOS_NET_BIT(EVT_NET_WRITE) | RTOS_NET_BIT(EVT_NET_CLOSE))
#define RTOS_NET_PEER(addr, port) ((uint64_t)(uint32_t)(addr) | (uint64_t)(uint16_t)(port) << 32)
#define RTOS_NET_PEER_ADDR(w)   ((uint32_t)(w))
#define RTOS_NET_PEER_PORT(w)   ((uint16_t)((w) >> 32))

/* What RTOS_STATS counts (for tests: leaks show as counts that do not come back). */
enum rtos_stat {
	RTOS_STAT_UNTYPED,	/* untyped frames left in the rtos component's memory */
	RTOS_STAT_SLOTS,	/* capability slots free in its table */
	RTOS_STAT_THREADS,	/* thread records in use */
	RTOS_STAT_PROCS,	/* processes */
	RTOS_STAT_PAGES,	/* pages mapped into the caller's process */
	RTOS_STAT_CHANS,	/* channels, channel ends and shared regions alive */
	RTOS_STAT_WATCHES,	/* event-set watches registered */
	RTOS_STAT_SOCKS,	/* sockets of the caller's process (accepted ones not yet taken included) */
	RTOS_STAT_NET_BUFS,	/* the link's buffers in use (lent to net or holding data), all processes */
	RTOS_STAT_PORTS,	/* ports the caller's process holds */
};

/* Where mem_get_pages puts pages it places itself. */
#define RTOS_HEAP_BASE CAIRN_HEAP_VA
#define RTOS_HEAP_END  (CAIRN_HEAP_VA + CAIRN_HEAP_MAX)

/*
 * A process's address space (cairn/layout.h: besides its image and its Root page):
 * thread i's area is RTOS_THREAD_AREA(i): its stack grows down from the area's TLS
 * page, the area's last page; below the stack nothing is mapped (a guard).
 */
#define RTOS_AREA_BASE   CAIRN_RTOS_AREA_BASE
#define RTOS_AREA_SIZE   0x200000UL		/* 2 MiB: stacks up to 1 MiB + guard */
#define RTOS_THREAD_AREA(i) (RTOS_AREA_BASE + (uint64_t)(i) * RTOS_AREA_SIZE)
#define RTOS_TLS_VA(i)   (RTOS_THREAD_AREA(i) + RTOS_AREA_SIZE - 4096)
#define RTOS_STACK_TOP(i) RTOS_TLS_VA(i)
#define RTOS_STACK_DEFAULT (16 * 1024UL)
#define RTOS_MSG_BYTES   2048

/*
 * The TLS page (fs base): the rtos component writes the start fields before the
 * thread first runs; the rest is the thread's own. Nothing in it is trusted by the
 * rtos component.
 */
struct rtos_tls {
	struct rtos_tls *self;		/* fs:0 */
	uint64_t entry;			/* start: the function, 0 for the process's main */
	uint64_t handle;		/* start: the thread's handle */
	uint64_t proc;			/* start: the process id */
	uint64_t sched;			/* its scheduling word, RTOS_SCHED (librtos keeps it current) */
	uint64_t ceiling;		/* start: its process's priority ceiling (RTOS_LIMITS) */
	/*
	 * librtos's pointer probe: a fault at probe_read or probe_write (the one
	 * instruction that touches the probed byte) resumes at probe_fixup with rax =
	 * CAIRN_EFAULT, instead of ending the process (components/rtos keeper).
	 */
	uint64_t probe_read, probe_write, probe_fixup;
	uint64_t stack_lo;		/* start: the lowest byte of its stack */
	uint64_t cpu;			/* process_create*: the new process's budget (RTOS_CPU) */
	uint64_t core;			/* start: the core it runs on, for its life */
	uint64_t ran_since;		/* when a local switch gave it the core (TSC; librtos writes it,
					   the rtos bounds it: components/rtos/sched.c, slice_claim) */
	char msg[RTOS_MSG_BYTES];	/* strings and structures passed to calls */
	uint64_t local[64];		/* librtos's per-thread state */
};

/*
 * Local switches (docs/rtos.md, *Switching inside a process*). Slot RTOS_LOCAL_SLOT(i)
 * of a process's capability table holds a local THREAD capability to its thread i
 * (the index of its handle): one that only switches to the thread, and only while it
 * executes in the process (CAIRN_OP_THREAD_LOCAL). The view, mapped read-only at
 * CAIRN_RTOS_VIEW_VA in every process, says per core which process may switch
 * between which of its threads without asking the rtos component: a lease, granted
 * when the rtos runs one of its threads at a level where every other ready thread of
 * the core is the process's own, none more urgent and none EDF. It holds while seq is
 * unchanged: the rtos moves seq (odd while it writes) whenever that core's ready
 * threads change. What a process switches to is learnt from the kernel (the thread an
 * interrupt preempts, the thread that calls a gate), never from the process.
 */
#define RTOS_LOCAL_BASE   64
#define RTOS_LOCAL_SLOTS  64
#define RTOS_LOCAL_SLOT(i) (RTOS_LOCAL_BASE + (unsigned)(i))
#define RTOS_LEASE_MAX    12	/* a process's other ready threads a lease names, at most */
#define RTOS_YIELD_LOCAL   1	/* RTOS_YIELD's result: the lease is the caller's, it switches itself */
#define RTOS_YIELD_NO_LEASE 1	/* RTOS_YIELD's a: switch, grant no lease */
#define RTOS_BLOCK_LEASE   1	/* RTOS_BLOCK's b: the lease, if it can be had, instead of blocking
				   (RTOS_YIELD_LOCAL; the caller hands its core on itself) */
_Static_assert(RTOS_GATE_BASE + RTOS_NCALLS <= RTOS_LOCAL_BASE, "the local capabilities follow the gates");

struct rtos_core_view {
	volatile uint32_t seq;		/* odd while the rtos writes; a lease holds while unchanged */
	volatile uint8_t proc;		/* the process the lease is for (its index + 1); 0: none */
	volatile uint8_t prio;		/* the level it runs at */
	volatile uint8_t n;		/* its other ready threads there, in round-robin order */
	uint8_t pad;
	volatile uint8_t thread[RTOS_LEASE_MAX];	/* their indices */
};

#define RTOS_VIEW_CORES 8	/* CAIRN_SD_RTOS_CORES (components/rtos checks) */

struct rtos_view {
	struct rtos_core_view core[RTOS_VIEW_CORES];
};

#endif
