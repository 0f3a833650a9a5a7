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
	X(EBADF,   2, "bad capability: wrong type for the operation") \
	X(ENOMEM,  3, "not enough memory") \
	X(EACCES,  4, "permission denied") \
	X(EFAULT,  5, "bad address") \
	X(EINVAL,  6, "invalid argument") \
	X(ERANGE,  7, "out of range") \
	X(ENOBUFS, 8, "no buffer space available") \
	X(ENOTSUP, 9, "not supported") \
	X(EAGAIN, 10, "try again") \
	X(ENOSYS, 11, "no such operation") \
	X(EBUSY,  12, "in use: slot occupied, object or frame still referenced") \
	X(ENOENT, 13, "nothing there: empty slot, missing table node or mapping") \
	X(EDEPTH, 14, "invocation depth exceeded") \
	X(ESTALE, 15, "stale: the component restarted since the gate or the thread entered it") \
	X(EXDEV,  16, "the thread belongs to another core") \
	X(EOVERFLOW, 17, "a count would pass its limit: refused, nothing changed") \
	X(ETIME,  18, "no time: the tcap (or one above it) has no budget left")

enum cairn_error {
#define CAIRN_X_ERROR(name, n, text) CAIRN_##name = -(n),
	CAIRN_ERRORS(CAIRN_X_ERROR)
#undef CAIRN_X_ERROR
};

/*
 * Capability types: X(name, number, what the slot holds). An operation's code carries
 * its type in bits 8..15: once the capability is found (CAIRN_ERANGE, CAIRN_ENOENT if
 * not), an operation of another type is refused with CAIRN_EBADF before any argument
 * is looked at.
 */
#define CAIRN_CAP_TYPES(X) \
	X(NONE,    0, "nothing: the null capability (slot 0) or an empty slot") \
	X(CAPTBL,  1, "a capability-table node (level 0 root, level 1 leaf)") \
	X(PGTBL,   2, "a page-table node (level 4 = the root, the top-level table, down to level 1)") \
	X(MEMORY,  3, "authority over a range of physical frames") \
	X(COMP,    4, "a component: capability table + page table + entry") \
	X(THREAD,  5, "a thread") \
	X(RCV,     6, "a thread's receive endpoint") \
	X(ASND,    7, "an asynchronous send to a receive endpoint") \
	X(SINV,    8, "a synchronous invocation gate into a component") \
	X(IRQ,     9, "the interrupt lines") \
	X(IOPORT, 10, "a range of I/O ports") \
	X(INDIR,  11, "an indirection: control of a capability handed out through it") \
	X(FWD,    12, "a forwarder: acts as the capability its indirection holds, until rescinded") \
	X(DEVMEM, 13, "authority over the device pages of a physical range (not RAM, not the kernel's)") \
	X(IOMMU,  14, "DMA translation of a range of PCI requester ids (bus << 8 | device << 3 | function)") \
	X(TCAP,   15, "a time capability: a thread's budget of time and priority")

enum cairn_cap_type {
#define CAIRN_X_CAP(name, n, text) CAIRN_CAP_##name = (n),
	CAIRN_CAP_TYPES(CAIRN_X_CAP)
#undef CAIRN_X_CAP
};

/*
 * Operations: X(name, code, capability type, arguments, result). Arguments are a0..a5
 * (rdi, rsi, rdx, r10, r8, r9); "slot" arguments are capability indices in the
 * caller's table unless they say otherwise. docs/syscalls.md has the full manual.
 */
#define CAIRN_OPS(X) \
	X(NULL,            0x0000, NONE,   "none", "0") \
	X(DEBUG_WRITE,     0x0001, NONE,   "a0 = address, a1 = length", "length written") \
	X(DEBUG_STOP,      0x0002, NONE,   "a0 = status", "does not return") \
	X(RETURN,          0x0003, NONE,   "a0, a1 = results", "returns to the caller of the gate") \
	X(FAULT_REG,       0x0004, NONE,   "a0 = register (CAIRN_REG_*), a1 = CAIRN_REG_WRITE or 0, a2 = value", "0; the value in rdx") \
	X(KCHECK,          0x0005, NONE,   "none", "inconsistencies found (0: none)") \
	X(KCOUNT,          0x0006, NONE,   "none", "system calls this core has taken") \
	X(CORE,            0x0007, NONE,   "none", "the number of the core the caller runs on") \
	X(CAPTBL_COPY,     0x0100, CAPTBL, "a0 = slot here, a1 = source table, a2 = source slot", "0") \
	X(CAPTBL_REMOVE,   0x0101, CAPTBL, "a0 = slot here", "0") \
	X(CAPTBL_CONS,     0x0102, CAPTBL, "a0 = root position, a1 = leaf table", "0") \
	X(CAPTBL_DECONS,   0x0103, CAPTBL, "a0 = root position", "0") \
	X(CAPTBL_DEACT,    0x0104, CAPTBL, "a0 = slot here", "0") \
	X(CAPTBL_ACT_CAPTBL, 0x0110, CAPTBL, "a0 = slot, a1 = memory, a2 = frame, a3 = level", "0") \
	X(CAPTBL_ACT_PGTBL,  0x0111, CAPTBL, "a0 = slot, a1 = memory, a2 = frame, a3 = level", "0") \
	X(CAPTBL_ACT_COMP,   0x0112, CAPTBL, "a0 = slot, a1 = memory, a2 = frame, a3 = captbl, a4 = pgtbl, a5 = entry", "0") \
	X(CAPTBL_ACT_THREAD, 0x0113, CAPTBL, "a0 = slot, a1 = memory, a2 = frame, a3 = component, a4 = argument", "thread id") \
	X(CAPTBL_ACT_RCV,    0x0114, CAPTBL, "a0 = slot, a1 = thread, a2 = parent rcv or 0", "0") \
	X(CAPTBL_ACT_ASND,   0x0115, CAPTBL, "a0 = slot, a1 = rcv", "0") \
	X(CAPTBL_ACT_SINV,   0x0116, CAPTBL, "a0 = slot, a1 = component, a2 = entry, a3 = badge, a4 = flags", "0") \
	X(CAPTBL_ACT_INDIR,  0x0117, CAPTBL, "a0 = slot, a1 = memory, a2 = frame", "0") \
	X(CAPTBL_ACT_TCAP,   0x0118, CAPTBL, "a0 = slot, a1 = thread, a2 = parent tcap", "0") \
	X(PGTBL_CONS,      0x0200, PGTBL,  "a0 = virtual address, a1 = child table", "0") \
	X(PGTBL_DECONS,    0x0201, PGTBL,  "a0 = virtual address, a1 = child level", "0") \
	X(PGTBL_MAP,       0x0202, PGTBL,  "a0 = virtual address, a1 = memory or device memory, a2 = frame, a3 = rights", "0") \
	X(PGTBL_UNMAP,     0x0203, PGTBL,  "a0 = virtual address", "0") \
	X(PGTBL_LOOKUP,    0x0204, PGTBL,  "a0 = virtual address", "frame | rights") \
	X(MEM_RETYPE,      0x0300, MEMORY, "a0 = frame, a1 = new type", "0") \
	X(MEM_COUNT,       0x0301, MEMORY, "a0 = frame type", "frames of that type in the range") \
	X(MEM_DERIVE,      0x0302, MEMORY, "a0 = slot here, a1 = base, a2 = end", "0") \
	X(COMP_KEEPER,     0x0400, COMP,   "a0 = invocation gate or 0", "0") \
	X(COMP_RESTART,    0x0401, COMP,   "none", "the new generation") \
	X(COMP_READY,      0x0402, COMP,   "none", "the generation") \
	X(THREAD_DISPATCH, 0x0500, THREAD, "a0 = deadline (timestamp counter) or 0, a1 = tcap or 0", "0 when the caller runs again") \
	X(THREAD_TLS,      0x0501, THREAD, "a0 = fs base", "0") \
	X(THREAD_RESTART,  0x0502, THREAD, "a0 = argument (rsi at entry)", "0") \
	X(THREAD_CORE,     0x0503, THREAD, "a0 = core", "0") \
	X(THREAD_REG,      0x0504, THREAD, "a0 = register (CAIRN_REG_*), a1 = CAIRN_REG_WRITE | CAIRN_REG_LIVE or less, a2 = value", "0; the value in rdx") \
	X(THREAD_TCAP,     0x0505, THREAD, "a0 = tcap", "0") \
	X(THREAD_LOCAL,    0x0506, THREAD, "a0 = destination table, a1 = slot there", "0") \
	X(THREAD_RETURN,   0x0507, THREAD, "a0, a1 = its two results", "0") \
	X(RCV_WAIT,        0x0600, RCV,    "none", "activations consumed") \
	X(RCV_EVENT,       0x0601, RCV,    "none", "thread id, event kind in rdx") \
	X(ASND_SEND,       0x0700, ASND,   "a0 = flags (CAIRN_SEND_YIELD)", "0") \
	X(SINV_CALL,       0x0800, SINV,   "a1..a4 = arguments", "the callee's two results (rax, rdx)") \
	X(SINV_RENEW,      0x0801, SINV,   "none", "the component's generation") \
	X(IRQ_BIND,        0x0900, IRQ,    "a0 = line, a1 = asynchronous send, a2 = mode", "0, or an MSI line's message") \
	X(IRQ_UNBIND,      0x0901, IRQ,    "a0 = line", "0") \
	X(IRQ_NARROW,      0x0902, IRQ,    "a0 = slot here, a1 = mask of lines", "0") \
	X(IRQ_ACK,         0x0903, IRQ,    "a0 = line", "0") \
	X(IOPORT_IN,       0x0a00, IOPORT, "a0 = port, a1 = width (1, 2, 4)", "the value read") \
	X(IOPORT_OUT,      0x0a01, IOPORT, "a0 = port, a1 = width (1, 2, 4), a2 = value", "0") \
	X(IOPORT_NARROW,   0x0a02, IOPORT, "a0 = slot here, a1 = first port, a2 = end", "0") \
	X(INDIR_SET,       0x0b00, INDIR,  "a0 = source table, a1 = source slot", "0") \
	X(INDIR_MINT,      0x0b01, INDIR,  "a0 = slot here", "0") \
	X(INDIR_RESCIND,   0x0b02, INDIR,  "none", "0") \
	X(DEVMEM_DERIVE,   0x0d00, DEVMEM, "a0 = slot here, a1 = base, a2 = end", "0") \
	X(IOMMU_ATTACH,    0x0e00, IOMMU,  "a0 = requester id, a1 = I/O root (PGTBL)", "0") \
	X(IOMMU_DETACH,    0x0e01, IOMMU,  "a0 = requester id", "0") \
	X(IOMMU_NARROW,    0x0e02, IOMMU,  "a0 = slot here, a1 = first requester id, a2 = end", "0") \
	X(TCAP_DELEGATE,   0x0f00, TCAP,   "a0 = child tcap, a1 = budget (cycles), a2 = priority", "0") \
	X(TCAP_BUDGET,     0x0f01, TCAP,   "none", "the budget left; the priority in rdx")

enum cairn_op {
#define CAIRN_X_OP(name, code, type, args, result) CAIRN_OP_##name = (code),
	CAIRN_OPS(CAIRN_X_OP)
#undef CAIRN_X_OP
};

#define CAIRN_OP_TYPE(op) (((op) >> 8) & 0xff)

/*
 * The operations' wrappers, as data: X(name, form, parameters). tools/abi.py generates
 * one inline cairn_<name>() per row into build/gen/cairn/wrappers.h (included by
 * cairn/syscall.h); tools/check_abi.py checks each row against CAIRN_OPS and the
 * manual's Arguments and Wrapper lines. An operation on a capability takes it first
 * (its index in the caller's table); the other parameters are a0, a1, ... in order.
 * form says how the call is made:
 *   long   all six argument registers (0 past the parameters); returns rax
 *   ret2   the same; returns struct cairn_ret2 (rax, rdx)
 *   short  only rdi and rsi; returns rax (the null capability's cheapest calls)
 *   stop   short, and does not return
 *   stub   not generated: an out-of-line stub in lib/libcairn (cairn/gate.h)
 */
#define CAIRN_OP_ARGS(X) \
	X(NULL,            short, void) \
	X(DEBUG_WRITE,     short, const char *s, unsigned long len) \
	X(DEBUG_STOP,      stop,  long status) \
	X(RETURN,          long,  cairn_word r0, cairn_word r1) \
	X(FAULT_REG,       ret2,  unsigned idx, int write, cairn_word value) \
	X(KCHECK,          long,  void) \
	X(KCOUNT,          long,  void) \
	X(CORE,            long,  void) \
	X(CAPTBL_COPY,     long,  unsigned ct, unsigned slot, unsigned src_ct, unsigned src_slot) \
	X(CAPTBL_REMOVE,   long,  unsigned ct, unsigned slot) \
	X(CAPTBL_CONS,     long,  unsigned ct, unsigned pos, unsigned leaf) \
	X(CAPTBL_DECONS,   long,  unsigned ct, unsigned pos) \
	X(CAPTBL_DEACT,    long,  unsigned ct, unsigned slot) \
	X(CAPTBL_ACT_CAPTBL, long, unsigned ct, unsigned slot, unsigned mem, cairn_word frame, unsigned level) \
	X(CAPTBL_ACT_PGTBL,  long, unsigned ct, unsigned slot, unsigned mem, cairn_word frame, unsigned level) \
	X(CAPTBL_ACT_COMP,   long, unsigned ct, unsigned slot, unsigned mem, cairn_word frame, unsigned captbl, unsigned pgtbl, cairn_word entry) \
	X(CAPTBL_ACT_THREAD, long, unsigned ct, unsigned slot, unsigned mem, cairn_word frame, unsigned comp, cairn_word arg) \
	X(CAPTBL_ACT_RCV,    long, unsigned ct, unsigned slot, unsigned thread, unsigned parent) \
	X(CAPTBL_ACT_ASND,   long, unsigned ct, unsigned slot, unsigned rcv) \
	X(CAPTBL_ACT_SINV,   long, unsigned ct, unsigned slot, unsigned comp, cairn_word entry, cairn_word badge, unsigned flags) \
	X(CAPTBL_ACT_INDIR,  long, unsigned ct, unsigned slot, unsigned mem, cairn_word frame) \
	X(CAPTBL_ACT_TCAP,   long, unsigned ct, unsigned slot, unsigned thread, unsigned parent) \
	X(PGTBL_CONS,      long,  unsigned pt, cairn_word va, unsigned child) \
	X(PGTBL_DECONS,    long,  unsigned pt, cairn_word va, unsigned level) \
	X(PGTBL_MAP,       long,  unsigned pt, cairn_word va, unsigned mem, cairn_word frame, unsigned rights) \
	X(PGTBL_UNMAP,     long,  unsigned pt, cairn_word va) \
	X(PGTBL_LOOKUP,    long,  unsigned pt, cairn_word va) \
	X(MEM_RETYPE,      long,  unsigned mem, cairn_word frame, unsigned type) \
	X(MEM_COUNT,       long,  unsigned mem, unsigned type) \
	X(MEM_DERIVE,      long,  unsigned mem, unsigned slot, cairn_word base, cairn_word end) \
	X(COMP_KEEPER,     long,  unsigned comp, unsigned gate) \
	X(COMP_RESTART,    long,  unsigned comp) \
	X(COMP_READY,      long,  unsigned comp) \
	X(THREAD_DISPATCH, long,  unsigned thread, cairn_word deadline, unsigned tcap) \
	X(THREAD_TLS,      long,  unsigned thread, cairn_word fs_base) \
	X(THREAD_RESTART,  long,  unsigned thread, cairn_word arg) \
	X(THREAD_CORE,     long,  unsigned thread, unsigned core) \
	X(THREAD_REG,      ret2,  unsigned thread, unsigned idx, int write, cairn_word value) \
	X(THREAD_TCAP,     long,  unsigned thread, unsigned tcap) \
	X(THREAD_LOCAL,    long,  unsigned thread, unsigned captbl, unsigned slot) \
	X(THREAD_RETURN,   long,  unsigned thread, cairn_word r0, cairn_word r1) \
	X(RCV_WAIT,        long,  unsigned rcv) \
	X(RCV_EVENT,       ret2,  unsigned rcv) \
	X(ASND_SEND,       long,  unsigned asnd, unsigned flags) \
	X(SINV_CALL,       stub,  unsigned gate, cairn_word a, cairn_word b, cairn_word c, cairn_word d) \
	X(SINV_RENEW,      long,  unsigned gate) \
	X(IRQ_BIND,        long,  unsigned irq, unsigned line, unsigned asnd, unsigned mode) \
	X(IRQ_UNBIND,      long,  unsigned irq, unsigned line) \
	X(IRQ_NARROW,      long,  unsigned irq, unsigned slot, cairn_word lines) \
	X(IRQ_ACK,         long,  unsigned irq, unsigned line) \
	X(IOPORT_IN,       long,  unsigned io, unsigned port, unsigned width) \
	X(IOPORT_OUT,      long,  unsigned io, unsigned port, unsigned width, cairn_word value) \
	X(IOPORT_NARROW,   long,  unsigned io, unsigned slot, unsigned first, unsigned end) \
	X(INDIR_SET,       long,  unsigned ind, unsigned src_ct, unsigned src_slot) \
	X(INDIR_MINT,      long,  unsigned ind, unsigned slot) \
	X(INDIR_RESCIND,   long,  unsigned ind) \
	X(DEVMEM_DERIVE,   long,  unsigned dev, unsigned slot, cairn_word base, cairn_word end) \
	X(IOMMU_ATTACH,    long,  unsigned iommu, unsigned rid, unsigned root) \
	X(IOMMU_DETACH,    long,  unsigned iommu, unsigned rid) \
	X(IOMMU_NARROW,    long,  unsigned iommu, unsigned slot, unsigned first, unsigned end) \
	X(TCAP_DELEGATE,   long,  unsigned tcap, unsigned child, cairn_word budget, unsigned prio) \
	X(TCAP_BUDGET,     ret2,  unsigned tcap)

/* The null capability: index 0 in every table; its operations need no capability. */
#define CAIRN_CAP_NULL 0u

/* The rax value of a call. */
#define CAIRN_CALL(cap, op) (((unsigned long)(op) << 32) | (unsigned)(cap))
#define CAIRN_CALL_CAP(rax) ((unsigned)(rax))
#define CAIRN_CALL_OP(rax)  ((unsigned long)(rax) >> 32)

/* Frame types (MEM_RETYPE, MEM_COUNT). */
#define CAIRN_FRAME_UNTYPED  0	/* free: may become kernel or user memory */
#define CAIRN_FRAME_KERNEL   1	/* may hold one kernel object; never mapped */
#define CAIRN_FRAME_USER     2	/* may be mapped; never a kernel object */
#define CAIRN_FRAME_RESERVED 3	/* firmware, kernel image, holes: never retyped */

/*
 * CAPTBL_ACT_PGTBL's level 4 | CAIRN_PGTBL_IO: an I/O root, the top of a device's DMA
 * translation (IOMMU_ATTACH), never a component's page table and with no kernel half.
 */
#define CAIRN_PGTBL_IO 0x10

/* Page rights (PGTBL_MAP); readable is implied. */
#define CAIRN_MAP_WRITE 1
#define CAIRN_MAP_EXEC  2
/* PGTBL_LOOKUP only: the page is a device page, mapped uncached (a DEVMEM capability). */
#define CAIRN_MAP_DEVICE 4

/* Gate flags (CAPTBL_ACT_SINV). */
#define CAIRN_SINV_CONFINED 1	/* on return, every register but the results is cleared */

/*
 * A THREAD capability's flags: local (THREAD_LOCAL) allows only THREAD_DISPATCH with
 * a0 = a1 = 0 while the thread executes in the caller's current component.
 */
#define CAIRN_THREAD_LOCAL 1

/* Send flags (ASND_SEND). */
#define CAIRN_SEND_YIELD 1	/* switch to the woken thread now */

/* Scheduler events (RCV_EVENT, in rdx). */
#define CAIRN_EVENT_NONE    0
#define CAIRN_EVENT_BLOCK   1	/* the thread blocked on its receive endpoint */
#define CAIRN_EVENT_WAKE    2	/* the thread was activated */
#define CAIRN_EVENT_TIMEOUT 3	/* an interrupt preempted the thread */
#define CAIRN_EVENT_STOP    4	/* the thread faulted with no keeper, or stopped */
#define CAIRN_EVENT_OVERFLOW 5	/* events were lost (rax: how many): look at every thread again */
#define CAIRN_EVENT_EXHAUSTED 6	/* the named thread's tcap ran out of budget (told its parent's thread) */

/* Saved registers, as FAULT_REG and THREAD_REG number them. */
#define CAIRN_REG_R15 0
#define CAIRN_REG_R14 1
#define CAIRN_REG_R13 2
#define CAIRN_REG_R12 3
#define CAIRN_REG_R11 4
#define CAIRN_REG_R10 5
#define CAIRN_REG_R9  6
#define CAIRN_REG_R8  7
#define CAIRN_REG_RBP 8
#define CAIRN_REG_RDI 9
#define CAIRN_REG_RSI 10
#define CAIRN_REG_RDX 11
#define CAIRN_REG_RCX 12
#define CAIRN_REG_RBX 13
#define CAIRN_REG_RAX 14
#define CAIRN_REG_VECTOR 15	/* read only */
#define CAIRN_REG_ERROR  16	/* read only */
#define CAIRN_REG_RIP    17	/* below the top of user space */
#define CAIRN_REG_CS     18	/* read only */
#define CAIRN_REG_RFLAGS 19	/* only the arithmetic flags, TF and DF can change */
#define CAIRN_REG_RSP    20	/* below the top of user space */
#define CAIRN_REG_SS     21	/* read only */
#define CAIRN_REG_COUNT  22	/* the registers above */
#define CAIRN_REG_FPU    22	/* 22..73: the FPU/SSE state, fxsave's first 416 bytes (x87, MXCSR, */
#define CAIRN_REG_MXCSR  25	/* xmm0-15) as 52 words; MXCSR: its low half (DAZ and the reserved */
#define CAIRN_REG_END    74	/* bits stay clear). Indices are below CAIRN_REG_END */

/* FAULT_REG and THREAD_REG: a1. */
#define CAIRN_REG_WRITE  1	/* write a2, then read */
#define CAIRN_REG_LIVE   2	/* THREAD_REG: a thread that runs nowhere, in its own component, stopped or not */

/* Keeper results (RETURN a0 from a keeper invocation). */
#define CAIRN_FAULT_RESUME 0	/* resume the thread with its (possibly changed) registers */
#define CAIRN_FAULT_STOP   1	/* stop the thread */

/*
 * Interrupt lines (IRQ_BIND): 0 is the core's timer, 1..31 I/O APIC pins (1..15 the ISA
 * interrupts, 16..31 PCI INTx: those the machine has), 32..63 MSI lines. An IRQ
 * capability covers a mask of lines, bit n for line n. A pin is bound in a mode: edge
 * and active high (0, ISA's), or with these bits (PCI INTx: level, and active low
 * where ACPI says so); a level line is masked when it fires until IRQ_ACK.
 */
#define CAIRN_IRQ_TIMER    0
#define CAIRN_IRQ_ISA_END  16	/* lines 1..15: ISA */
#define CAIRN_IRQ_MSI      32	/* the first MSI line */
#define CAIRN_IRQ_LINES    64
#define CAIRN_IRQ_ALL      (~0ull)	/* an IRQ capability's mask of every line */
#define CAIRN_IRQ_LEVEL      1u	/* mode: level-triggered */
#define CAIRN_IRQ_ACTIVE_LOW 2u	/* mode: asserted low */
#define CAIRN_IRQ_MODES      3u	/* every mode bit */
/* IRQ_BIND of an MSI line returns the message that raises it: address and data. */
#define CAIRN_MSI_ADDR(r)  ((unsigned)(r))		/* the address's low 32 bits (high: 0) */
#define CAIRN_MSI_DATA(r)  ((unsigned)((unsigned long)(r) >> 32))	/* the data word */

/* I/O ports (IOPORT_*): 0 .. CAIRN_IOPORT_END - 1; an IOPORT capability covers [a, b). */
#define CAIRN_IOPORT_END 0x10000
#define CAIRN_CONSOLE_PORT 0x3f8	/* COM1: the kernel writes its console there (115200 8N1) */

/*
 * IOMMU (IOMMU_*): the kernel translates the requester ids of buses 0 .. BUSES - 1; the
 * first program's IOMMU capability covers [0, CAIRN_IOMMU_RIDS).
 */
#define CAIRN_IOMMU_BUSES 8
#define CAIRN_IOMMU_RIDS  (CAIRN_IOMMU_BUSES * 256)

/* Limits. */
#define CAIRN_DEBUG_WRITE_MAX 4096	/* longest DEBUG_WRITE */
#define CAIRN_CAPTBL_LEAF_SLOTS 128	/* slots per leaf node */
#define CAIRN_CAPTBL_ROOT_SLOTS 512	/* leaves per root node */
#define CAIRN_CAPTBL_MAX (CAIRN_CAPTBL_LEAF_SLOTS * CAIRN_CAPTBL_ROOT_SLOTS)
#define CAIRN_MAX_CORES 64		/* cores the kernel runs (0 .. 63); more are reported and left off */
#define CAIRN_INV_DEPTH 16		/* nested invocations a thread may make */
#define CAIRN_TCAP_DEPTH 8		/* tcaps below the root on a delegation chain */
#define CAIRN_TCAP_INF (~0ull)		/* a budget that is never spent (the root's; TCAP_BUDGET: INT64_MAX) */
#define CAIRN_KEEPER_DEPTH 2		/* of which keeper invocations (a fault past them stops the thread) */

#endif
