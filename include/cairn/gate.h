/*
 * cairn/gate.h: serving and making synchronous invocations (thread migration).
 *
 * A server defines a gate entry for each function it exports:
 *
 *     static struct cairn_ret2 add(cairn_word a, cairn_word b, cairn_word c, cairn_word d,
 *                                  cairn_word badge, cairn_word tid) { ... }
 *     CAIRN_GATE(add_entry, add)
 *
 * and whoever builds the system makes an invocation gate (CAPTBL_ACT_SINV) whose entry
 * is add_entry. A client calls it with cairn_sinv_call(gate, a, b, c, d), which returns
 * the handler's two results. The calling thread itself runs the handler, on a stack of
 * the server's pool; the kernel keeps where to return.
 */
#ifndef CAIRN_GATE_H
#define CAIRN_GATE_H

#include <stdint.h>
#include "syscall.h"

typedef struct cairn_ret2 (*cairn_gate_fn)(cairn_word a, cairn_word b, cairn_word c, cairn_word d,
					   cairn_word badge, cairn_word tid);

/* A gate entry `name`: r11 = handler, then the common tail `enter` (entry.S). */
#define CAIRN_GATE_ENTRY(name, handler, enter, fn_type)                        \
	extern char name[];                                                    \
	__asm__(".text\n.globl " #name "\n" #name ":\n"                         \
		"\tlea " #handler "(%rip), %r11\n"                             \
		"\tjmp " #enter "\n");                                         \
	static fn_type name##_keep __attribute__((used)) = handler;

#define CAIRN_GATE(name, handler) CAIRN_GATE_ENTRY(name, handler, cairn_gate_enter, cairn_gate_fn)

/*
 * A gate for generated interface code (tools/sysgen.py): handler(root, a, b, c, d,
 * badge) is called with the registers the kernel enters with, so the entry moves one.
 */
typedef struct cairn_ret2 (*cairn_iface_fn)(cairn_word root, cairn_word a, cairn_word b, cairn_word c,
					    cairn_word d, cairn_word badge);

#define CAIRN_IFACE_GATE(name, handler) CAIRN_GATE_ENTRY(name, handler, cairn_iface_enter, cairn_iface_fn)

/*
 * The gate-stack pool (lib/libcairn/entry.S): gates, interface gates and threads made
 * with a function to run take a stack from it, CAIRN_GATE_STACK_SIZE bytes each, and
 * give it back when they return; with none free, the taker faults. libcairn's pool
 * holds 32 (lib/libcairn/runtime.c). A component that needs more at once (at most 64)
 * declares its own, once, at file scope:
 *
 *     CAIRN_GATE_STACKS(64);
 *
 * Bits 0..n-1 of cairn_stack_map are the stacks (1 = taken); the bits above are set
 * for good.
 */
#define CAIRN_GATE_STACK_SIZE 8192	/* entry.S: STACK_SHIFT */
#define CAIRN_GATE_STACKS(n)                                                            \
	_Static_assert((n) >= 1 && (n) <= 64, "a gate-stack pool holds 1 to 64 stacks"); \
	uint64_t cairn_stack_map = (n) == 64 ? 0 : ~0ULL << ((n) % 64);                  \
	char cairn_stacks[n][CAIRN_GATE_STACK_SIZE] __attribute__((aligned(16)))

extern uint64_t cairn_stack_map;
extern char cairn_stacks[][CAIRN_GATE_STACK_SIZE];

/*
 * After a call returned CAIRN_ESTALE (the server restarted: docs/syscalls.md,
 * Restart): renews the n gates from slot first, so the next calls reach the new
 * generation. A gate whose server is still restarting stays stale (its calls return
 * CAIRN_ESTALE again, and renew again). Generated client stubs call it.
 */
void cairn_renew_gates(unsigned first, unsigned n);

/* Invokes a gate; saves and restores the caller's callee-saved registers (entry.S). */
struct cairn_ret2 cairn_sinv_call(unsigned gate, cairn_word a, cairn_word b, cairn_word c, cairn_word d);

/*
 * The same, inline: the callee may change every register but rsp (SSE registers
 * included: an ordinary gate leaves them as the callee did), so all are named as
 * clobbered and the compiler keeps live values wherever it likes (in a loop, it saves
 * them once, outside). What generated interface stubs use.
 */
static inline struct cairn_ret2 cairn_sinv_inline(unsigned gate, cairn_word a, cairn_word b, cairn_word c,
						  cairn_word d)
{
	register cairn_word r10 __asm__("r10") = c;
	register cairn_word r8 __asm__("r8") = d;
	register cairn_word rdx __asm__("rdx") = b;
	long rax;

	CAIRN_SYSCALL_ASM(("=a"(rax), "+d"(rdx), "+r"(r10), "+r"(r8), "+S"(a)),
			  ("a"(CAIRN_CALL(gate, CAIRN_OP_SINV_CALL))),
			  "rbx", "rdi", "rbp", "r9", "r12", "r13", "r14", "r15",
			  "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
			  "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
	return (struct cairn_ret2){ rax, rdx };
}

#endif
