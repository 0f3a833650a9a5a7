/*
 * runtime.c: the stack pool of entry.S. Bits 0..CAIRN_STACKS-1 of the map are the
 * stacks (1 = taken); the bits above are set for good.
 */
#include <cairn/gate.h>
#include <cairn/root.h>
#include <stddef.h>

#define CAIRN_STACKS 32
#define STACK_SIZE   8192

uint64_t cairn_stack_map = ~0ULL << CAIRN_STACKS;
char cairn_stacks[CAIRN_STACKS][STACK_SIZE] __attribute__((aligned(16)));

/* The call words entry.S spells out as numbers. */
_Static_assert(CAIRN_CALL(0, CAIRN_OP_DEBUG_STOP) == 0x0000000200000000, "entry.S");
_Static_assert(CAIRN_CALL(0, CAIRN_OP_RETURN) == 0x0000000300000000, "entry.S");
_Static_assert(CAIRN_CALL(0, CAIRN_OP_SINV_CALL) == 0x0000080000000000, "entry.S");
_Static_assert(offsetof(struct cairn_root, stack_top) == 104, "entry.S: ROOT_STACK_TOP");
