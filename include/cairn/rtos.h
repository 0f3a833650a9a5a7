/*
 * cairn/rtos.h: the RTOS API for application programmers, as the "Sample RTOS API" of
 * ../shared/seeds/002 gives it, made into valid C (each change is listed in
 * docs/rtos.md). Calls return a negative error (the codes below, the same numbers as
 * CAIRN_E* in cairn/abi.h) or, for the *_create and *_get_* calls that return a handle,
 * 0 on error. Every pointer argument is checked before anything changes: one the call
 * may not read (or, where it writes, write) all of - NULL, in the kernel half, not
 * canonical, unmapped, running into an unmapped page, a string with no NUL before one,
 * a count whose size wraps - is EFAULT, 0 from the calls that return 0 on error, and
 * does nothing in those that return nothing. Blocking happens only in the *_take/_lock
 * calls of semaphores and mutexes, in blocking channel operations (CHAN_BLOCK), and in
 * event_wait (and port_recv_wait, which uses it).
 *
 * STATUS: all of it works (lib/librtos and components/rtos). docs/rtos.md has every
 * function's results and errors.
 */
#ifndef CAIRN_RTOS_H
#define CAIRN_RTOS_H

#include <stddef.h>
#include <stdint.h>
#include "abi.h"
#include "malloc.h"		/* malloc, free, calloc, realloc */
#include "rtos_abi.h"	/* the event kinds */
#include "sock.h"	/* the socket link's limits and errors */

/* ---- error codes ---- */
enum {
	EIO     = CAIRN_EIO,	 /* -1  I/O error */
	EBADF   = CAIRN_EBADF,	 /* -2  bad handle */
	ENOMEM  = CAIRN_ENOMEM,	 /* -3  not enough memory */
	EACCES  = CAIRN_EACCES,	 /* -4  permission denied */
	EFAULT  = CAIRN_EFAULT,	 /* -5  bad address */
	EINVAL  = CAIRN_EINVAL,	 /* -6  invalid argument */
	ERANGE  = CAIRN_ERANGE,	 /* -7  result not representable */
	ENOBUFS = CAIRN_ENOBUFS, /* -8  no buffer space available */
	ENOTSUP = CAIRN_ENOTSUP, /* -9  not supported */
	EAGAIN  = CAIRN_EAGAIN,	 /* -10 try again */
	EBUSY   = CAIRN_EBUSY,	 /* -12 in use (a port another process holds) */
	ENOENT  = CAIRN_ENOENT,	 /* -13 no such port */
	ESTALE  = CAIRN_ESTALE,	 /* -15 a port's ring was made anew, or its peer wrote this end's cursor */
	/* the sockets' own (cairn/sock.h's, as libnet's NET_E*) */
	EADDRINUSE   = SOCK_EADDRINUSE,	  /* -64 the port is taken */
	ECONNREFUSED = SOCK_ECONNREFUSED, /* -65 the peer refused the connection */
	ECONNRESET   = SOCK_ECONNRESET,	  /* -66 the connection was reset */
	ENOTCONN     = SOCK_ENOTCONN,	  /* -67 a listener, or a TCP socket never connected */
	EMSGSIZE     = SOCK_EMSGSIZE,	  /* -68 a datagram over SOCK_DGRAM_MAX (1,472) bytes */
	EPIPE        = SOCK_EPIPE,	  /* -69 a send on a connection that is gone */
	ENETDOWN     = RTOS_ENETDOWN,	  /* -70 no socket link, or the socket died in a restart of net */
};

/* ---- processes ---- */
typedef size_t proc_t;

typedef enum {
	SCHEDP_NOOP = 0,
	SCHEDP_PRIO,		/* fixed priority */
	SCHEDP_RPRIO,		/* priority relatively higher than the current thread */
	SCHEDP_RLPRIO,		/* priority relatively lower (not numerically) than current */
	SCHEDP_DEADLINE,	/* if != window; these three in microseconds (docs/rtos.md) */
	SCHEDP_BUDGET,		/* execution time */
	SCHEDP_WINDOW,		/* period */
	SCHEDP_PROPORTION,	/* percent required */
	SCHEDP_WEIGHT,		/* proportion compared to others */
	SCHEDP_IDLE,		/* idle thread: internal use only (EACCES) */
	SCHEDP_INIT,		/* initialisation threads: internal use only (EACCES) */
	SCHEDP_IPI_HANDLER,	/* IPI handler thread: internal use only (EACCES) */
	SCHEDP_TIMER,		/* timer thread: internal use only (EACCES) */
	SCHEDP_CORE_ID,		/* create the thread on the target core (docs/rtos.md) */
	SCHEDP_MAX
} sched_param_type_t;

typedef struct {
	sched_param_type_t type;
	uint16_t val;
} sched_param_t;

/* Priorities (SCHEDP_PRIO): 0 is the most urgent. */
#define RTOS_PRIO_HIGHEST 0
#define RTOS_PRIO_LOWEST  255
#define RTOS_PRIO_DEFAULT 128

/* process and thread flags */
#define THREAD_STACK_4K 1
#define THREAD_STACK_1M 2
#define THREAD_NO_JOIN  4

/*
 * process_create*'s resources (Cairn's reading of the seed's unspecified array):
 * resources[RTOS_RES_PAGES] is the most pages of memory the process may have mapped
 * at once (image, stacks, heap, the shared memory it maps), resources[RTOS_RES_THREADS]
 * the most threads it may have alive. A 0 or missing entry: no limit beyond the
 * RTOS's own. A call that would go past one fails with ENOMEM (thread_create: 0).
 * resources[RTOS_RES_CEILING] is its priority ceiling: the most urgent priority
 * (0..255) its threads may have; 0 or missing: its creator's. A ceiling more urgent
 * than the creator's own, or a priority more urgent than the process's ceiling
 * (thread_create, thread_set_params, process_create* for the main thread), is
 * refused with EACCES (the creating calls return 0). The first process's is 0.
 * resources[RTOS_RES_CPU_BUDGET] and [RTOS_RES_CPU_PERIOD] (microseconds, both or
 * neither; the budget no longer than the period, the period at most
 * RTOS_CPU_PERIOD_MAX_US) give the process a budget of processor time per period,
 * which the kernel holds (a time capability, docs/time.md): its threads, and the
 * processes it creates, run at most that long in each period, all together. 0 or
 * missing: none of its own (it shares its creator's, if that has one). A budget for
 * a process whose creator has one is refused with EACCES.
 */
enum { RTOS_RES_PAGES, RTOS_RES_THREADS, RTOS_RES_CEILING, RTOS_RES_CPU_BUDGET, RTOS_RES_CPU_PERIOD,
       RTOS_RES_COUNT };

/* From a program in the read-only file system built into the image; 0 on error (a bad
 * pointer included). */
proc_t process_create_fs(const char *elf_image_path, const sched_param_t *params, size_t num_params,
			 const size_t *resources, size_t num_resources, size_t flags);
/* From an ELF image in memory; 0 on error (a bad pointer included). */
proc_t process_create(const void *elf_image, size_t elf_length, const char *name,
		      const sched_param_t *params, size_t num_params, const size_t *resources,
		      size_t num_resources, size_t flags);
void process_exit(int status) __attribute__((__noreturn__));
/* The exit status of a process the caller created; EBADF, EAGAIN (still running), EINVAL. */
int process_get_exit_status(proc_t pid);

/* ---- threads ---- */
typedef size_t thread_t;

/* 0 on error (a bad pointer, an entry outside the program's image, or a priority more
 * urgent than the process's ceiling included). */
thread_t thread_create(void (*entry_point)(void), const sched_param_t *params, size_t num, size_t flags);
/* Sets the calling thread's parameters; EFAULT, EINVAL, EACCES (more urgent than the
 * process's ceiling, or an internal kind), ENOTSUP. */
int thread_set_params(const sched_param_t *params, size_t num);
/* EINVAL, EBADF. */
int thread_kill(thread_t tid);
void thread_exit(int status) __attribute__((__noreturn__));
/* EBADF, EAGAIN (still running), EINVAL. */
int thread_get_exit_status(thread_t tid);
/* Cairn additions: gives the core to the next ready thread of the caller's priority
 * (if any); the caller's own handle. */
void thread_yield(void);
thread_t thread_self(void);

/* ---- channels ---- */
typedef size_t chan_t;
typedef size_t chan_s_t;
typedef size_t chan_r_t;

typedef enum {
	CHAN_SPSC  = 1,
	CHAN_MPMC  = 2,
	CHAN_BLOCK = 4
} chan_flags_t;

struct channel_status {
	size_t type_size;	/* bytes per message */
	size_t queue_length;	/* messages it holds */
	size_t queued;		/* messages in it now */
	uint32_t senders;	/* open send ends */
	uint32_t receivers;	/* open receive ends */
};

/* These five: 0 on error. ch_name may be NULL for channel_create (no name). */
chan_t channel_create(size_t type_size, size_t queue_length, const char *ch_name, chan_flags_t flags);
chan_r_t channel_get_recv(chan_t cid);
chan_s_t channel_get_send(chan_t cid);
chan_r_t channel_retrieve_recv(size_t type_size, size_t queue_length, const char *ch_name);
chan_s_t channel_retrieve_send(size_t type_size, size_t queue_length, const char *ch_name);
int channel_close(size_t end);			/* a send or receive end; EBADF */
int channel_destroy(chan_t cid);		/* EBADF */
/* Bytes sent; EBADF, EFAULT, EINVAL, ENOBUFS (full: not blocking, or no receive end). */
int channel_send(chan_s_t scid, const void *data, size_t len, chan_flags_t flags);
/* Bytes received, 0 at the end of the stream; EBADF, EFAULT, EINVAL, EAGAIN (empty and
 * not blocking). */
int channel_recv(chan_r_t rcid, void *buf, size_t len, chan_flags_t flags);
int channel_get_status(size_t end, struct channel_status *status);	/* EBADF, EFAULT */

/* ---- time and timers ---- */
typedef size_t timer_t;

struct time {
	uint64_t sec;
	uint32_t usec;
};

/* These two write nothing through a pointer they may not write. */
void time_current(struct time *result);
void time_create(struct time *a, uint64_t sec, uint32_t usec);
int time_add(struct time *a, const struct time *b);	/* a += b; ERANGE, EFAULT */
int time_sub(struct time *a, const struct time *b);	/* a -= b; ERANGE, EFAULT */
uint32_t timer_precision(void);				/* nanoseconds */
timer_t timer_create(void);				/* 0 on error */
int timer_start(timer_t tid, const struct time *time);	/* EBADF, EFAULT, EINVAL */
/* First expiry at offset from now (relative), then offset + period, offset + 2 period, ...;
 * EBADF, EFAULT, EINVAL. */
int timer_periodic(timer_t tid, const struct time *offset, const struct time *period);
int timer_cancel(timer_t tid);				/* EBADF */
int timer_free(timer_t tid);				/* EBADF */
/* Cairn addition: blocks until the timer fires (at once if it has); the expiries since
 * the last wait; EBADF, EAGAIN (not started, so it would never fire). */
int timer_wait(timer_t tid);

/* ---- synchronisation ---- */
typedef size_t sem_t;

#define MUTEX_RECURSIVE 0x0001
#define RTOS_MUTEX_DEPTH_MAX 16384	/* levels a recursive mutex may be locked to: ERANGE past them */

sem_t semaphore_create(size_t init_value, size_t flags);	/* 0 on error */
int semaphore_take(sem_t sid);				/* EBADF */
int semaphore_try_take(sem_t sid);			/* EBADF, EAGAIN */
int semaphore_give(sem_t sid);				/* EBADF */
int semaphore_destroy(sem_t sid);			/* EBADF */

typedef size_t mutex_t;

mutex_t mutex_create(size_t flags);			/* 0 on error */
/* EINVAL from these two: the owner locks a mutex that is not MUTEX_RECURSIVE again. */
int mutex_lock(mutex_t mid);				/* EBADF, EINVAL, ERANGE */
int mutex_try_lock(mutex_t mid);			/* EBADF, EAGAIN, EINVAL, ERANGE */
int mutex_unlock(mutex_t mid);				/* EBADF, EACCES (not the owner) */
int mutex_destroy(mutex_t mid);				/* EBADF */

/* ---- memory ---- */
/*
 * at_addr names a place in the caller's heap (NULL: any place, or for the shared
 * creators fresh pages); nothing is read or written there, and a bad place is the
 * call's EINVAL (or 0), as the seed gives it.
 */
void *mem_get_pages(void *at_addr, size_t length, size_t flags);	/* 0 on error */
int mem_free_pages(void *at_addr, size_t length);			/* EINVAL */
/* EINVAL, EFAULT (name), ENOMEM */
int mem_shared_create_named(void *at_addr, size_t length, const char *name, size_t flags);
void *mem_shared_map_named(const char *name, size_t flags);		/* 0 on error */
int mem_shared_destroy_named(const char *name);				/* EINVAL, EFAULT */
size_t mem_shared_create_anon(void *at_addr, size_t length, size_t flags);	/* 0 on error */
void *mem_shared_map_anon(size_t id, size_t flags);			/* 0 on error */
int mem_shared_destroy_anon(size_t id);					/* EINVAL */

/* Cairn addition: the rtos component's counts (enum rtos_stat in cairn/rtos_abi.h), for
 * tests that check nothing leaks. */
long rtos_stats(unsigned what);

/* ---- console ---- */
/* Prints nothing of a string it may not read all of, up to its NUL. */
void io_print(const char *msg);

/* ---- events ---- */
/* event_type_t, EVT_*: in cairn/rtos_abi.h (the rtos component reports them too) */

struct event_info {
	size_t event_src_id;
	size_t event_type;	/* event_type_t */
};

typedef size_t event_t;	/* a handle to an event set */

event_t event_create(uint32_t n_sources);			/* 0 on error */
int event_add(event_t eid, size_t src, size_t flags);		/* EBADF, EINVAL, ENOMEM */
int event_remove(event_t eid, size_t src, size_t flags);	/* EBADF, EINVAL */
int event_delete(event_t eid);					/* EBADF */
/* Ready events into events[0..num); how many. Blocks until one; EBADF, EFAULT, EINVAL. */
int event_wait(event_t eid, struct event_info *events, size_t num);
/* The same without blocking (0 if none is ready); EBADF, EFAULT, EINVAL. */
int event_check(event_t eid, struct event_info *events, size_t num);

/* ---- sockets (docs/rtos.md "Sockets") ---- */
/*
 * Sockets over the rtos component's socket link to `net`, with libnet's names
 * (cairn/libnet.h) and meaning, in the RTOS's style: a socket is a handle of the
 * process that opened (or accepted) it, every call is non-blocking (EAGAIN: not now;
 * event_wait tells when), flags must be 0 (EINVAL). Calls that make a socket return
 * its handle (> 0) or a negative error; the open calls wait for net's answer, never
 * for the network. A process holds at most RTOS_NET_SOCKS sockets; they close when it
 * ends. Every error of every call: docs/rtos.md.
 */
typedef size_t net_sock_t;

/* An IPv4 address and port, host order (as libnet's). */
struct net_addr {
	uint32_t addr;
	uint16_t port;
};

#define NET_ADDR(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

/* event_add's flags for a socket: which of its events the set reports (0: read and close). */
#define EVF_NET_READ  RTOS_NET_BIT(EVT_NET_READ)
#define EVF_NET_WRITE RTOS_NET_BIT(EVT_NET_WRITE)
#define EVF_NET_CLOSE RTOS_NET_BIT(EVT_NET_CLOSE)

long net_udp_open(uint16_t port, int flags);				/* a UDP socket bound to port (0: any) */
long net_tcp_listen(uint16_t port, int backlog, int flags);		/* a listener on port, backlog 1..8 */
long net_tcp_accept(net_sock_t listener, struct net_addr *peer, int flags);	/* the next connection */
long net_tcp_connect(const struct net_addr *to, int flags);		/* a connection, being made */
long net_send(net_sock_t s, const void *buf, size_t len, int flags);	/* TCP: the bytes taken */
long net_send_to(net_sock_t s, const void *buf, size_t len, const struct net_addr *to, int flags);	/* UDP */
long net_recv(net_sock_t s, void *buf, size_t len, int flags);		/* TCP: bytes; 0 the peer closed */
long net_recv_from(net_sock_t s, void *buf, size_t len, struct net_addr *from, int flags);	/* UDP */
int net_close(net_sock_t s);

/* ---- ports (docs/rtos.md "Ports") ---- */
/*
 * The rtos component's ends of the [[port]]s its description gives it (from = "rtos" or
 * to = "rtos": a ring of fixed-size slots shared with another component, cairn/port.h).
 * A process opens one by name and holds it alone until it closes it or ends. Every
 * call is non-blocking (EAGAIN: not now; event_wait tells when: EVT_PORT_READ on a
 * consumer end, EVT_PORT_WRITE on a producer end). EIO: the peer broke the ring
 * (its cursor says more than the ring holds); ESTALE: the ring was made anew or the
 * peer wrote this end's cursor (this end now stands where the ring says). Every error
 * of every call: docs/rtos.md.
 */
typedef size_t port_t;

#define PORT_WAIT_FOREVER UINT64_MAX	/* port_recv_wait's timeout: none */

long port_open(const char *name);				/* a handle (> 0) */
long port_send(port_t h, const void *msg, size_t len);		/* 0: one slot, zero-padded */
long port_recv(port_t h, void *buf, size_t cap);		/* the slot size; min(it, cap) bytes copied */
long port_close(port_t h);
/* port_recv, waiting up to timeout_us microseconds for a slot (an event set and a timer). */
long port_recv_wait(port_t h, void *buf, size_t cap, uint64_t timeout_us);

#endif
