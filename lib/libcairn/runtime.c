/*
 * runtime.c: the gate-stack pool of entry.S (cairn/gate.h), libcairn's default of 32
 * stacks. Its two symbols are weak: a component's CAIRN_GATE_STACKS(n) takes their
 * place, whether or not this file is linked in.
 */
#include <cairn/gate.h>
#include <cairn/root.h>
#include <stddef.h>

#pragma weak cairn_stack_map
#pragma weak cairn_stacks
CAIRN_GATE_STACKS(32);

_Static_assert(CAIRN_GATE_STACK_SIZE == 1 << 13, "entry.S: STACK_SHIFT");

/* The call words entry.S spells out as numbers. */
_Static_assert(CAIRN_CALL(0, CAIRN_OP_DEBUG_STOP) == 0x0000000200000000, "entry.S");
_Static_assert(CAIRN_CALL(0, CAIRN_OP_RETURN) == 0x0000000300000000, "entry.S");
_Static_assert(CAIRN_CALL(0, CAIRN_OP_SINV_CALL) == 0x0000080000000000, "entry.S");
_Static_assert(offsetof(struct cairn_root, stack_top) == 104, "entry.S: ROOT_STACK_TOP");
