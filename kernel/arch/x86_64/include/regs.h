/*
 * regs.h: a thread's saved user registers, in the order entry.S pushes them. The tail
 * (rip..ss) is the frame the CPU pushes on an interrupt from user mode: the TSS points
 * the CPU's stack at the end of the current thread's struct regs, so the hardware and
 * entry.S save straight into the thread and a switch copies nothing.
 * If you change this layout, change the REGS_* offsets and entry.S with it.
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

_Static_assert(__builtin_offsetof(struct regs, rax) == REGS_RAX, "regs layout");
_Static_assert(__builtin_offsetof(struct regs, rbx) == REGS_RBX, "regs layout");
_Static_assert(__builtin_offsetof(struct regs, rdi) == REGS_RDI, "regs layout");
_Static_assert(__builtin_offsetof(struct regs, r12) == REGS_R12, "regs layout");
_Static_assert(__builtin_offsetof(struct regs, vector) == REGS_VECTOR, "regs layout");
_Static_assert(__builtin_offsetof(struct regs, rip) == REGS_RIP, "regs layout");
_Static_assert(__builtin_offsetof(struct regs, rsp) == REGS_RSP, "regs layout");
_Static_assert(sizeof(struct regs) == REGS_SIZE, "regs layout");
/* cairn/abi.h numbers the registers for FAULT_REG in this order. */
_Static_assert(__builtin_offsetof(struct regs, rip) / 8 == 17, "CAIRN_REG_RIP");
_Static_assert(__builtin_offsetof(struct regs, rflags) / 8 == 19, "CAIRN_REG_RFLAGS");
_Static_assert(sizeof(struct regs) / 8 == 22, "CAIRN_REG_COUNT");
#endif

#endif
