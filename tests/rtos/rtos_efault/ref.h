/*
 * ref.h: the bad-pointer conformance program (tests/rtos/rtos_efault) shares these:
 * the kinds of bad pointer, the fixtures every row's calls use, and the table of rows
 * (rows.c). A row is one pointer argument of one RTOS call; ref.c runs each row in a
 * process of its own, with that argument set to each bad kind that applies to it.
 */
#ifndef REF_H
#define REF_H

#include <cairn/cairn.h>
#include <cairn/rtos.h>
#include <cairn/rtos_abi.h>

#define PAGE 4096UL

/* The kinds of bad pointer (ref.c's place() makes each). */
enum kind {
	K_NULL,		/* 0 */
	K_KERNEL,	/* the kernel half: 0xffff800000000000 */
	K_NONCANON,	/* not canonical: 0x0000800000000000 */
	K_UNMAPPED,	/* a user page with nothing mapped */
	K_STRADDLE,	/* starts on a mapped page, runs into an unmapped one */
	K_UNTERM,	/* a string with no NUL before an unmapped page */
	K_READONLY,	/* a read-only page (the Root page), where the call writes */
	K_WRAP,		/* an array whose count times its element size wraps */
	NKINDS
};

#define KB(k) (1u << (k))
#define RD    (KB(K_NULL) | KB(K_KERNEL) | KB(K_NONCANON) | KB(K_UNMAPPED) | KB(K_STRADDLE))
#define WR    (RD | KB(K_READONLY))				/* an object the call writes */
#define ARR   (RD | KB(K_WRAP))					/* an array with a count */
#define STR   (KB(K_NULL) | KB(K_KERNEL) | KB(K_NONCANON) | KB(K_UNMAPPED) | KB(K_UNTERM))
#define NAME  (STR & ~KB(K_NULL))				/* a string where NULL means none */
#define CODE  (KB(K_NULL) | KB(K_KERNEL) | KB(K_NONCANON) | KB(K_UNMAPPED) | KB(K_READONLY))
/* An address naming a place, not read or written by the call: NULL there means "any place"
 * and an unmapped page is a place it may take, so neither is bad for every such call. */
#define PLACE (KB(K_KERNEL) | KB(K_NONCANON) | KB(K_READONLY))

/* What a call that returns nothing returns in the table. */
#define VOIDED 0x7e57L

#define MSG 16			/* the fixture channel's message bytes */

/* The objects the rows' calls use; made afresh in each row's process (ref.c). */
struct fixtures {
	sched_param_t params[2];	/* valid for every call taking them */
	size_t res[2];			/* no limits */
	struct time time, period;
	char msg[MSG], buf[MSG];
	struct channel_status st;
	struct event_info ev[1];
	chan_t c;			/* "ref.chan", MSG bytes, 4 long, one message in it */
	chan_s_t s;
	chan_r_t r;
	timer_t t;			/* never started */
	event_t e;			/* a semaphore with a free unit: always ready */
	sem_t sem;
	char *spare;			/* a page of the caller's own, for the mem_* calls */
	char *lo, *hole;		/* a mapped page and the unmapped page right after it */
};
extern struct fixtures fx;

extern const char child_image[], child_image_end[];	/* image.c: rtos_child's ELF */

/*
 * One row: id (its TEST id), the bad kinds that apply, the good object's bytes (size:
 * K_STRADDLE and K_WRAP copy them to the end of fx.lo) and count n (an array's: the
 * count the call is given, but K_WRAP's), the call with P the pointer under test and N
 * the count, whether its result R with a good pointer is success, what it returns
 * with a bad one, and how to undo the good call.
 */
struct row {
	const char *id;
	unsigned kinds;
	size_t size, n;
	void *(*good)(void);
	long (*call)(void *P, size_t N);
	int (*ok)(long R);
	long bad;
	void (*undo)(long R);
};
extern const struct row rows[];
extern const unsigned nrows;

#endif
