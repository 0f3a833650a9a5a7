/*
 * gates.c: the table of the gate entries that each process's gates lead to (proc.c),
 * made from RTOS_CALLS (the entries themselves: gates_<family>.c, gates.h), and the
 * keeper's entry: a fault of a process's thread. The calls are listed once.
 *
 * The top of the component's layers but for main.c.
 */
#include "gates.h"

#define RTOS_X_DECLARE(name, n, handler, words, family, doc, result) extern char entry_##handler[];
RTOS_CALLS(RTOS_X_DECLARE)
#undef RTOS_X_DECLARE

/* Gate entries in call order. */
static const uint64_t rtos_gate_entry[RTOS_NCALLS] = {
#define RTOS_X_ENTRY(name, n, handler, words, family, doc, result) [RTOS_##name] = (uint64_t)entry_##handler,
	RTOS_CALLS(RTOS_X_ENTRY)
#undef RTOS_X_ENTRY
};

/*
 * The keeper of every process: a fault ends the faulting thread's process (only
 * it: nothing else is touched) and is reported on the console - unless it is
 * librtos's pointer probe (struct rtos_tls), which is resumed with EFAULT.
 */
static ret2 keeper(cairn_word vector, cairn_word error, cairn_word addr, cairn_word rip, cairn_word badge,
		   cairn_word tid)
{
	struct rthread *t = gate_enter(badge, tid);

	if (!t)
		return r1(CAIRN_FAULT_STOP);
	return leave_1(t, gate_fault(t, vector, error, addr, rip));
}
CAIRN_GATE(rtos_keeper_entry, keeper)

/* What each process's gates and keeper lead to (proc.c). */
void gates_init(void)
{
	proc_gates(rtos_gate_entry, (uint64_t)rtos_keeper_entry);
}
