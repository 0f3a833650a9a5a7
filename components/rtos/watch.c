/*
 * watch.c: what event sets watch. An event set lives in its process (lib/librtos/
 * event.c) with a binary block point here to sleep on; for each source whose state
 * changes in this component - a thread or process ending, a timer firing, a channel
 * side gaining data, room or a close - the set registers a watch, and the change
 * posts the set's block point. Sources that live in the process itself (semaphores,
 * mutexes) wake the set from there. A wake-up is stored when nobody sleeps yet, so a
 * change between a set's last look and its sleep is not lost.
 *
 * A watch's key is the source's handle (cairn/rtos_abi.h). Above bp.c (it posts the
 * sets' block points); below every source that notifies. All functions are called
 * locked.
 */
#include "rtos.h"

struct watch {
	uint64_t key;
	struct bp *bp;
};

static struct watch watches[MAX_WATCH];
static unsigned nwatch;

static long find(uint64_t key, struct bp *bp)
{
	for (unsigned i = 0; i < nwatch; i++)
		if (watches[i].key == key && watches[i].bp == bp)
			return i;
	return -1;
}

/* 0; EINVAL already watched by bp; ENOMEM none left. */
long watch_add(uint64_t key, struct bp *bp)
{
	if (find(key, bp) >= 0)
		return CAIRN_EINVAL;
	if (nwatch == MAX_WATCH)
		return CAIRN_ENOMEM;
	watches[nwatch++] = (struct watch){ key, bp };
	return 0;
}

/* 0; EINVAL not watched by bp. */
long watch_remove(uint64_t key, struct bp *bp)
{
	long i = find(key, bp);

	if (i < 0)
		return CAIRN_EINVAL;
	watches[i] = watches[--nwatch];
	return 0;
}

/* The source key changed: every set watching it looks again. */
void watch_notify(uint64_t key)
{
	for (unsigned i = 0; i < nwatch; i++)
		if (watches[i].key == key)
			bp_post(watches[i].bp);
}

/* bp is going: its watches go with it. */
void watch_drop(struct bp *bp)
{
	for (unsigned i = 0; i < nwatch;)
		if (watches[i].bp == bp)
			watches[i] = watches[--nwatch];
		else
			i++;
}

/* A block point that may watch (a process's) goes: its watches first (bp_free). */
void watch_bp_free(struct bp *bp, long result)
{
	watch_drop(bp);
	bp_free(bp, result);
}

/* The source key is gone: nothing watches it any more. */
void watch_forget(uint64_t key)
{
	for (unsigned i = 0; i < nwatch;)
		if (watches[i].key == key)
			watches[i] = watches[--nwatch];
		else
			i++;
}

int watch_any(uint64_t key)
{
	for (unsigned i = 0; i < nwatch; i++)
		if (watches[i].key == key)
			return 1;
	return 0;
}

unsigned watch_count(void)
{
	return nwatch;
}
