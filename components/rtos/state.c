/*
 * state.c: the component's state, at the bottom of its layers (rtos.h): the Root
 * page, the memory allocator, the file system of programs, and the tables of
 * scheduling, threads, processes, block points, timers and sharing. Nothing here
 * calls into another file of the component; every other file may use what is here.
 */
#include "rtos.h"

const struct cairn_root *root;
struct cairn_alloc mem;

static uint64_t free_frames[4096];
static unsigned free_slots[4096];

/* The gate-stack pool: one stack for every thread the component can have inside. */
CAIRN_GATE_STACKS(64);

struct sched sched;
struct rthread threads[MAX_THREADS];
struct rproc procs[MAX_PROCS];
struct bp bps[MAX_BPS];
struct rtimer timers[MAX_TIMERS];
struct shm shms[MAX_SHM];
struct chan chans[MAX_CHANS];
struct chend ends[MAX_ENDS];

/* The file system the build made of the programs (tools/sysgen.py build_romfs). */
static const struct cairn_module *romfs;

void state_init(const struct cairn_root *rt)
{
	root = rt;
	mem = (struct cairn_alloc){ .mem = CAIRN_SLOT_MEMORY, .ct = CAIRN_SLOT_CAPTBL,
				    .cursor = rt->mem_base, .end = rt->mem_end,
				    .next_slot = rt->free_slot, .last_slot = CAIRN_CAPTBL_LEAF_SLOTS,
				    .free_frame = free_frames, .free_slot = free_slots,
				    .free_cap = sizeof(free_slots) / sizeof(free_slots[0]) };
	for (unsigned i = 0; i < rt->nmodules; i++)
		if (!strcmp(rt->module[i].name, ROMFS_MODULE))
			romfs = &rt->module[i];
}

long rtos_file(const char *path, const void **data, uint64_t *len)
{
	if (!romfs)
		return CAIRN_ENOENT;
	return cairn_romfs_find((const void *)romfs->va, romfs->size, path, data, len);
}
