/*
 * gates.h: serving the calls (cairn/rtos_abi.h RTOS_CALLS). Each call has a handler,
 * gate_<handler>, in gates_<family>.c: it takes the calling thread (authenticated by
 * gate_enter) and the call's arguments, decodes and checks them, and only then
 * invokes the layers below. Its result is one word (a long), or two (struct
 * cairn_ret2) for a call whose `words` is 2.
 *
 * A family's file defines RTOS_IF_<family>(m, ...) as m(__VA_ARGS__) before it
 * includes this, and ends with RTOS_SERVE_FAMILY: the list then gives it its
 * handlers' prototypes and, for each, the gate entry entry_<handler> (gates.c makes
 * the table of them). So the handler is static and the entry calls it directly.
 */
#ifndef RTOS_GATES_H
#define RTOS_GATES_H

#include "rtos.h"
#include "handle.h"
#include <cairn/gate.h>

#ifndef RTOS_IF_thread
#define RTOS_IF_thread(m, ...)
#endif
#ifndef RTOS_IF_proc
#define RTOS_IF_proc(m, ...)
#endif
#ifndef RTOS_IF_sync
#define RTOS_IF_sync(m, ...)
#endif
#ifndef RTOS_IF_chan
#define RTOS_IF_chan(m, ...)
#endif
#ifndef RTOS_IF_event
#define RTOS_IF_event(m, ...)
#endif
#ifndef RTOS_IF_net
#define RTOS_IF_net(m, ...)
#endif
#ifndef RTOS_IF_port
#define RTOS_IF_port(m, ...)
#endif

/* A call's four argument words, as the caller passed them: untrusted. */
struct rtos_args {
	cairn_word a, b, c, d;
};

typedef struct cairn_ret2 ret2;
#define RTOS_RESULT_1 long
#define RTOS_RESULT_2 ret2

/* The prototypes of this family's handlers. */
#define RTOS_HANDLER(handler, words) \
	static RTOS_RESULT_##words gate_##handler(struct rthread *t, const struct rtos_args *a);
#define RTOS_X_HANDLER(name, n, handler, words, family, doc, result) RTOS_IF_##family(RTOS_HANDLER, handler, words)
RTOS_CALLS(RTOS_X_HANDLER)

static inline ret2 r1(long r)
{
	return (ret2){ r, 0 };
}

/* t leaves with a one-word result (leave_1) or a two-word one (leave_2). */
static inline ret2 leave_1(struct rthread *t, long r)
{
	t->in_rtos = 0;
	return r1(r);
}

static inline ret2 leave_2(struct rthread *t, ret2 r)
{
	t->in_rtos = 0;
	return r;
}

/*
 * For each handler: serve_<handler>, what the kernel enters with (the four arguments,
 * the badge, the thread id), and its gate entry entry_<handler>. A caller that is not
 * a thread of the badge's process gets CAIRN_EBADF.
 */
#define RTOS_SERVE(handler, words)                                                               \
	static ret2 serve_##handler(cairn_word a, cairn_word b, cairn_word c, cairn_word d,        \
				    cairn_word badge, cairn_word tid)                              \
	{                                                                                          \
		const struct rtos_args args = { a, b, c, d };                                      \
		struct rthread *t = gate_enter(badge, tid);                                        \
		if (!t)                                                                            \
			return r1(CAIRN_EBADF);                                                    \
		return leave_##words(t, gate_##handler(t, &args));                                 \
	}                                                                                          \
	CAIRN_GATE(entry_##handler, serve_##handler)
#define RTOS_X_SERVE(name, n, handler, words, family, doc, result) RTOS_IF_##family(RTOS_SERVE, handler, words)
#define RTOS_SERVE_FAMILY RTOS_CALLS(RTOS_X_SERVE)

/* gates_proc.c: the keeper's decision on a fault of t (CAIRN_FAULT_RESUME, or t's process ends). */
long gate_fault(struct rthread *t, cairn_word vector, cairn_word error, cairn_word addr, cairn_word rip);

#endif
