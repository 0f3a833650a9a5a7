/*
 * regs.h: a thread's saved user registers, in the order entry.S pushes them. The tail
 * (rip..ss) is the frame the CPU pushes on an interrupt from user mode: the TSS points
 * the CPU's stack at the end of the current thread's struct regs, so the hardware and
 * entry.S save straight into the thread and a switch copies nothing.
 * If you change this layout, change the REGS_* offsets and entry.S with it.
 *
 * Generic kernel code never names a register: it reads and writes struct regs through
 * the accessors below (system-call arguments and results, instruction and stack
 * pointer, the fault), which the include path selects, as seL4's registerset.h and
 * NOVA's arch headers do. They are static inline: the fast path pays nothing for them.
 * Pure layout and C: host tests include this file (tests/host/include/regs.h).
 */
#ifndef ARCH_REGS_H
#define ARCH_REGS_H

#define REGS_R15    0
#define REGS_R14    8
#define REGS_R13    16
#define REGS_R12    24
#define REGS_R11    32
#define REGS_R10    40
#define REGS_R9     48
#define REGS_R8     56
#define REGS_RBP    64
#define REGS_RDI    72
#define REGS_RSI    80
#define REGS_RDX    88
#define REGS_RCX    96
#define REGS_RBX    104
#define REGS_RAX    112
#define REGS_VECTOR 120
#define REGS_ERROR  128
#define REGS_RIP    136
#define REGS_CS     144
#define REGS_RFLAGS 152
#define REGS_RSP    160
#define REGS_SS     168
#define REGS_SIZE   176

/*
 * A thread's FPU/SSE state (fxsave format, 512 bytes) follows its struct regs, 16-byte
 * aligned; entry.S saves and restores it when it switches threads.
 */
#define REGS_FPU    REGS_SIZE
#define FPU_SIZE    512

/* vector of a register frame saved by the syscall instruction */
#define VECTOR_SYSCALL 0x100

#ifndef __ASSEMBLER__
#include "types.h"

struct regs {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector;	/* interrupt vector, or VECTOR_SYSCALL */
	uint64_t error;		/* CPU error code, 0 if the vector has none */
	uint64_t rip, cs, rflags, rsp, ss;
};

/*
 * Every saved register, X(NAME, field), in layout order: REGS_<NAME> is its offset
 * (checked here for each), CAIRN_REG_<NAME> its FAULT_REG number (cairn/abi.h; cpu.c
 * maps one to the other, so the ABI's numbering does not rest on this layout).
 */
#define REGS_EACH(X) \
	X(R15, r15) X(R14, r14) X(R13, r13) X(R12, r12) X(R11, r11) X(R10, r10) \
	X(R9, r9) X(R8, r8) X(RBP, rbp) X(RDI, rdi) X(RSI, rsi) X(RDX, rdx) \
	X(RCX, rcx) X(RBX, rbx) X(RAX, rax) X(VECTOR, vector) X(ERROR, error) \
	X(RIP, rip) X(CS, cs) X(RFLAGS, rflags) X(RSP, rsp) X(SS, ss)

#define REGS_X_OFFSET(name, field) \
	_Static_assert(__builtin_offsetof(struct regs, field) == REGS_##name, "regs layout: REGS_" #name);
REGS_EACH(REGS_X_OFFSET)
#undef REGS_X_OFFSET
#define REGS_X_ONE(name, field) + 1
enum { REGS_COUNT = 0 REGS_EACH(REGS_X_ONE) };	/* how many REGS_EACH lists */
#undef REGS_X_ONE
_Static_assert(REGS_COUNT * 8 == REGS_SIZE && sizeof(struct regs) == REGS_SIZE, "regs layout");

/*
 * regs_NAME(r) reads and regs_set_NAME(r, v) writes:
 *   arg0..arg5       the system-call convention's arguments a0..a5 (cairn/abi.h): rdi,
 *                    rsi, rdx, r10, r8, r9;
 *   result, result2  the status or first result (rax), the second result (rdx);
 *   ip, sp           where the thread resumes, and its stack pointer.
 * A thread that starts at an entry (a new thread, a gate, a keeper) finds its
 * arguments in a0..a5 and its thread id where a call's result goes.
 */
#define REGS_X_ACCESS(name, field) \
	static inline uint64_t regs_##name(const struct regs *r) { return r->field; } \
	static inline void regs_set_##name(struct regs *r, uint64_t v) { r->field = v; }
REGS_X_ACCESS(arg0, rdi)
REGS_X_ACCESS(arg1, rsi)
REGS_X_ACCESS(arg2, rdx)
REGS_X_ACCESS(arg3, r10)
REGS_X_ACCESS(arg4, r8)
REGS_X_ACCESS(arg5, r9)
REGS_X_ACCESS(result, rax)
REGS_X_ACCESS(result2, rdx)
REGS_X_ACCESS(ip, rip)
REGS_X_ACCESS(sp, rsp)
#undef REGS_X_ACCESS

/* Whether the thread stopped on a CPU exception; its vector and error code if so. */
static inline bool regs_is_fault(const struct regs *r) { return r->vector < 32; }
static inline uint64_t regs_fault_vector(const struct regs *r) { return r->vector; }
static inline uint64_t regs_fault_code(const struct regs *r) { return r->error; }

/*
 * A thread's user state beside its registers, embedded in the generic struct thread
 * (obj.h): its TLS base, which the FS base register holds while it runs (THREAD_TLS).
 * arch.h's arch_tls_* read and write it.
 */
struct arch_thread {
	uint64_t fs_base;
};
#endif

#endif
