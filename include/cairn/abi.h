/*
 * cairn/abi.h: the Cairn system call ABI, defined once. The kernel's dispatcher, the
 * user library's wrappers (cairn/syscall.h) and docs/syscalls.md are all written
 * against the tables below; tools/check_abi.py fails the build when the manual and
 * this file disagree.
 *
 * Every system call is one `syscall` instruction: an operation on a capability.
 *
 *   in   rax  CAIRN_CALL(cap, op): capability index in bits 0..31, operation code in
 *             bits 32..47, bits 48..63 zero
 *        rdi, rsi, rdx, r10, r8, r9: arguments 0..5
 *   out  rax  status: >= 0 success (the result), < 0 an error (enum cairn_error)
 *        rdx  second result, for the operations that have one
 *        rcx and r11 are destroyed (the syscall instruction uses them); every other
 *        register keeps its value.
 *
 * Capability index 0 is the null capability: operations on it need no capability and
 * are the only ones that exist before capability tables do.
 */
#ifndef CAIRN_ABI_H
#define CAIRN_ABI_H

/*
 * Errors: X(name, number, meaning). The first ten are the RTOS API's, with its numbers;
 * a call returns -number.
 */
#define CAIRN_ERRORS(X) \
	X(EIO,     1, "input/output error") \
	X(EBADF,   2, "bad capability or handle") \
	X(ENOMEM,  3, "not enough memory") \
	X(EACCES,  4, "permission denied") \
	X(EFAULT,  5, "bad address") \
	X(EINVAL,  6, "invalid argument") \
	X(ERANGE,  7, "out of range") \
	X(ENOBUFS, 8, "no buffer space available") \
	X(ENOTSUP, 9, "not supported") \
	X(EAGAIN, 10, "try again") \
	X(ENOSYS, 11, "no such operation")

enum cairn_error {
#define CAIRN_X_ERROR(name, n, text) CAIRN_##name = -(n),
	CAIRN_ERRORS(CAIRN_X_ERROR)
#undef CAIRN_X_ERROR
};

/* Operations on the null capability: X(name, code, arguments, result). */
#define CAIRN_NULL_OPS(X) \
	X(NULL,        0x0000, "none", "0") \
	X(DEBUG_WRITE, 0x0001, "rdi = address, rsi = length", "length written") \
	X(DEBUG_STOP,  0x0002, "rdi = status", "does not return")

enum cairn_op {
#define CAIRN_X_OP(name, code, args, result) CAIRN_OP_##name = (code),
	CAIRN_NULL_OPS(CAIRN_X_OP)
#undef CAIRN_X_OP
};

#define CAIRN_CAP_NULL 0u

/* The rax value of a call. */
#define CAIRN_CALL(cap, op) (((unsigned long)(op) << 32) | (unsigned)(cap))
#define CAIRN_CALL_CAP(rax) ((unsigned)(rax))
#define CAIRN_CALL_OP(rax)  ((unsigned long)(rax) >> 32)

/* Limits. */
#define CAIRN_DEBUG_WRITE_MAX 4096	/* longest DEBUG_WRITE */

#endif
