/*
 * simmem.h: simulated physical memory and its frame table, for the host tests of the
 * kernel's memory code. Include it once, from the test file: it defines host_phys and
 * host_phys_size, which the stand-in memlayout.h declares.
 *
 * sim_setup makes SIM_FRAMES frames filled with the byte fill, a frame table for them
 * in ft (all RESERVED, then UNTYPED from frame first_free on); sim_teardown frees both.
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

static int sim_setup(struct frame_table *ft, int fill, unsigned first_free)
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

static int sim_teardown(struct frame_table *ft)
{
	free(host_phys);
	free(fmem);
	host_phys = NULL;
	host_phys_size = 0;
	fmem = NULL;
	memset(ft, 0, sizeof(*ft));
	return 0;
}

#endif
