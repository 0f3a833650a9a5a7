/*
 * cairn/status.h: what the status interface (interfaces/status.toml, served by the
 * booter: lib/libboot/status.c; docs/systems.md "The status") packs into a component's
 * `info` word, and a client's helper to read a name. Defined once, here: the booter
 * packs with STATUS_INFO, clients unpack with status_state() and the rest.
 */
#ifndef CAIRN_STATUS_H
#define CAIRN_STATUS_H

#include <stdint.h>

/* A component's state, bits 0..7 of info. */
#define STATUS_STATE_RUNNING    1	/* its thread can run (running, or ready to) */
#define STATUS_STATE_WAITING    2	/* its thread waits (on its endpoint: a port, a wake) */
#define STATUS_STATE_STOPPED    3	/* its thread ended (main returned, cairn_stop) */
#define STATUS_STATE_CRASHED    4	/* it faulted and stays down: no `restart`, or it
					   faulted again in its initialisation after a
					   restart, or its generations are used up */
#define STATUS_STATE_RESTARTING 5	/* it faulted and the booter is restarting it */

#define STATUS_NAME_WORDS 3		/* a name's words: CAIRN_NAME_MAX (24) bytes, NUL included */
#define STATUS_RESTARTS_MAX 0xffffffffu	/* restarts saturate here (32 bits of info) */

#define STATUS_INFO(state, threads, restarts) \
	((uint64_t)(state) | (uint64_t)(threads) << 8 | (uint64_t)(restarts) << 16)

static inline unsigned status_state(long info) { return (unsigned)(info & 0xff); }
static inline unsigned status_threads(long info) { return (unsigned)(info >> 8 & 0xff); }
static inline uint32_t status_restarts(long info) { return (uint32_t)(info >> 16); }

/* The state's name: "running", "waiting", "stopped", "crashed", "restarting", or "?". */
static inline const char *status_state_name(unsigned state)
{
	static const char *const names[] = { "?", "running", "waiting", "stopped", "crashed", "restarting" };

	return state < sizeof(names) / sizeof(names[0]) ? names[state] : "?";
}

/* A name from its STATUS_NAME_WORDS words (`name` with word 0 gives words 0 and 1, with
 * word 2 gives word 2): into out[8 * STATUS_NAME_WORDS], NUL-terminated whatever the words say. */
static inline void status_unpack(char *out, const uint64_t w[STATUS_NAME_WORDS])
{
	for (unsigned i = 0; i < 8 * STATUS_NAME_WORDS; i++)
		out[i] = (char)(w[i / 8] >> (8 * (i % 8)));
	out[8 * STATUS_NAME_WORDS - 1] = 0;
}

#endif
