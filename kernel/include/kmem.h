/*
 * kmem.h: the frames the kernel takes for itself at boot (page tables of the first
 * programs, the direct map beyond 4 GiB). Everything else stays free for user level.
 */
#ifndef KERNEL_KMEM_H
#define KERNEL_KMEM_H

#include "pmem.h"

extern struct pmem kmem_free;
/* A zeroed frame, or 0 when memory is exhausted. */
uint64_t kmem_alloc_frame(void);

#endif
