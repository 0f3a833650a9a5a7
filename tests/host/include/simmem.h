/*
 * simmem.h: simulated physical memory and its frame table, for the host tests of the
 * kernel's memory code. Include it once, from the test file: it defines host_phys and
 * host_phys_size, which the stand-in memlayout.h declares.
 *
 * sim_setup makes SIM_FRAMES frames filled with the byte fill, a frame table for them
 * in ft (all RESERVED, then UNTYPED from frame first_free on); sim_teardown frees both.
 * sim_take and sim_same snapshot everything an operation could change (memory, frame
 * table, counts) and assert it is unchanged; they need cmocka.h included first.
 */
#ifndef HOST_SIMMEM_H
#define HOST_SIMMEM_H

#include <stdlib.h>
#include <string.h>
#include "frame.h"
#include "memlayout.h"

#define SIM_FRAMES 512u

uint8_t *host_phys;
uint64_t host_phys_size;
static struct frame *fmem;

static inline int sim_setup(struct frame_table *ft, int fill, unsigned first_free)
{
	host_phys_size = (uint64_t)SIM_FRAMES * PAGE_SIZE;
	host_phys = aligned_alloc(PAGE_SIZE, host_phys_size);
	fmem = malloc(SIM_FRAMES * sizeof(*fmem));
	if (!host_phys || !fmem)
		return -1;
	memset(host_phys, fill, host_phys_size);
	memset(fmem, 0xee, SIM_FRAMES * sizeof(*fmem));	/* init must overwrite all */
	frame_table_init(ft, fmem, SIM_FRAMES);
	frame_table_set(ft, (uint64_t)first_free * PAGE_SIZE, host_phys_size, CAIRN_FRAME_UNTYPED);
	return 0;
}

static inline int sim_teardown(struct frame_table *ft)
{
	free(host_phys);
	free(fmem);
	host_phys = NULL;
	host_phys_size = 0;
	fmem = NULL;
	memset(ft, 0, sizeof(*ft));
	return 0;
}

struct sim_snap {
	uint8_t *mem;
	struct frame f[SIM_FRAMES];
	uint64_t count[4];
};

static inline void sim_take(struct sim_snap *s, const struct frame_table *ft)
{
	s->mem = malloc(host_phys_size);
	assert_non_null(s->mem);
	memcpy(s->mem, host_phys, host_phys_size);
	memcpy(s->f, fmem, sizeof(s->f));
	memcpy(s->count, ft->count, sizeof(s->count));
}

static inline void sim_same(struct sim_snap *s, const struct frame_table *ft)
{
	assert_memory_equal(fmem, s->f, sizeof(s->f));
	assert_memory_equal(ft->count, s->count, sizeof(s->count));
	assert_memory_equal(host_phys, s->mem, host_phys_size);
	free(s->mem);
	s->mem = NULL;
}

#endif
