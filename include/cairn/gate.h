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

#define CAIRN_GATE(name, handler)                                              \
	extern char name[];                                                    \
	__asm__(".text\n.globl " #name "\n" #name ":\n"                         \
		"\tlea " #handler "(%rip), %r11\n"                             \
		"\tjmp cairn_gate_enter\n");                                   \
	static cairn_gate_fn name##_keep __attribute__((used)) = handler;

/* Invokes a gate; saves and restores the caller's callee-saved registers (entry.S). */
struct cairn_ret2 cairn_sinv_call(unsigned gate, cairn_word a, cairn_word b, cairn_word c, cairn_word d);

#endif
