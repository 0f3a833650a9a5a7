/*
 * cairn/syscall.h: the user side of the system call ABI (cairn/abi.h). One inline
 * function issues any call; one wrapper per operation names its arguments.
 * tools/check_abi.py checks that every operation has its wrapper here.
 */
#ifndef CAIRN_SYSCALL_H
#define CAIRN_SYSCALL_H

#include "abi.h"

typedef unsigned long cairn_word;

struct cairn_ret2 {
	long r0;		/* rax */
	cairn_word r1;		/* rdx */
};

/* The one system call: cap and op in rax, a0..a5 in rdi, rsi, rdx, r10, r8, r9. */
static inline struct cairn_ret2 cairn_call6(unsigned cap, unsigned op, cairn_word a0, cairn_word a1,
					     cairn_word a2, cairn_word a3, cairn_word a4, cairn_word a5)
{
	register cairn_word r10 __asm__("r10") = a3;
	register cairn_word r8 __asm__("r8") = a4;
	register cairn_word r9 __asm__("r9") = a5;
	register cairn_word rdx __asm__("rdx") = a2;
	long rax;

	__asm__ volatile("syscall"
			 : "=a"(rax), "+d"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)
			 : "a"(CAIRN_CALL(cap, op)), "D"(a0), "S"(a1)
			 : "rcx", "r11", "memory");
	return (struct cairn_ret2){ rax, rdx };
}

static inline long cairn_call(unsigned cap, unsigned op, cairn_word a0, cairn_word a1, cairn_word a2,
			      cairn_word a3, cairn_word a4, cairn_word a5)
{
	return cairn_call6(cap, op, a0, a1, a2, a3, a4, a5).r0;
}

/* Two-argument form, kept for the simplest calls. */
static inline long cairn_syscall2(unsigned long call, unsigned long a0, unsigned long a1)
{
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(call), "D"(a0), "S"(a1) : "rcx", "r11", "memory");
	return ret;
}

#define CAIRN_N CAIRN_CAP_NULL

/* ---- the null capability ---- */
static inline long cairn_null(void)
{ return cairn_syscall2(CAIRN_CALL(CAIRN_N, CAIRN_OP_NULL), 0, 0); }
static inline long cairn_debug_write(const char *s, unsigned long len)
{ return cairn_syscall2(CAIRN_CALL(CAIRN_N, CAIRN_OP_DEBUG_WRITE), (cairn_word)s, len); }
static inline __attribute__((__noreturn__)) void cairn_debug_stop(long status)
{
	cairn_syscall2(CAIRN_CALL(CAIRN_N, CAIRN_OP_DEBUG_STOP), (cairn_word)status, 0);
	__builtin_unreachable();
}
/*
 * From a gate's code: back to the caller, whose call returns r0 (rax) and r1 (rdx).
 * Returns only on error: CAIRN_EINVAL when there is no invocation to return from.
 */
static inline long cairn_return(cairn_word r0, cairn_word r1)
{
	return cairn_call(CAIRN_N, CAIRN_OP_RETURN, r0, r1, 0, 0, 0, 0);
}
/* Inside a keeper: reads (write = 0) or writes register idx of the faulting thread. */
static inline struct cairn_ret2 cairn_fault_reg(unsigned idx, int write, cairn_word value)
{ return cairn_call6(CAIRN_N, CAIRN_OP_FAULT_REG, idx, (cairn_word)write, value, 0, 0, 0); }
static inline long cairn_kcheck(void)
{ return cairn_call(CAIRN_N, CAIRN_OP_KCHECK, 0, 0, 0, 0, 0, 0); }
/* Test mode: how many system calls this core has taken, this one included. */
static inline long cairn_kcount(void)
{ return cairn_call(CAIRN_N, CAIRN_OP_KCOUNT, 0, 0, 0, 0, 0, 0); }
/* The core the calling thread runs on (0: the boot core). */
static inline long cairn_core(void)
{ return cairn_call(CAIRN_N, CAIRN_OP_CORE, 0, 0, 0, 0, 0, 0); }

/* ---- capability tables ---- */
static inline long cairn_captbl_copy(unsigned ct, unsigned slot, unsigned src_ct, unsigned src_slot)
{ return cairn_call(ct, CAIRN_OP_CAPTBL_COPY, slot, src_ct, src_slot, 0, 0, 0); }
static inline long cairn_captbl_remove(unsigned ct, unsigned slot)
{ return cairn_call(ct, CAIRN_OP_CAPTBL_REMOVE, slot, 0, 0, 0, 0, 0); }
static inline long cairn_captbl_cons(unsigned ct, unsigned pos, unsigned leaf)
{ return cairn_call(ct, CAIRN_OP_CAPTBL_CONS, pos, leaf, 0, 0, 0, 0); }
static inline long cairn_captbl_decons(unsigned ct, unsigned pos)
{ return cairn_call(ct, CAIRN_OP_CAPTBL_DECONS, pos, 0, 0, 0, 0, 0); }
static inline long cairn_captbl_deact(unsigned ct, unsigned slot)
{ return cairn_call(ct, CAIRN_OP_CAPTBL_DEACT, slot, 0, 0, 0, 0, 0); }
static inline long cairn_captbl_act_captbl(unsigned ct, unsigned slot, unsigned mem, cairn_word frame, unsigned level)
{ return cairn_call(ct, CAIRN_OP_CAPTBL_ACT_CAPTBL, slot, mem, frame, level, 0, 0); }
static inline long cairn_captbl_act_pgtbl(unsigned ct, unsigned slot, unsigned mem, cairn_word frame, unsigned level)
{ return cairn_call(ct, CAIRN_OP_CAPTBL_ACT_PGTBL, slot, mem, frame, level, 0, 0); }
static inline long cairn_captbl_act_comp(unsigned ct, unsigned slot, unsigned mem, cairn_word frame,
					 unsigned captbl, unsigned pgtbl, cairn_word entry)
{ return cairn_call(ct, CAIRN_OP_CAPTBL_ACT_COMP, slot, mem, frame, captbl, pgtbl, entry); }
static inline long cairn_captbl_act_thread(unsigned ct, unsigned slot, unsigned mem, cairn_word frame,
					   unsigned comp, cairn_word arg)
{ return cairn_call(ct, CAIRN_OP_CAPTBL_ACT_THREAD, slot, mem, frame, comp, arg, 0); }
static inline long cairn_captbl_act_rcv(unsigned ct, unsigned slot, unsigned thread, unsigned parent)
{ return cairn_call(ct, CAIRN_OP_CAPTBL_ACT_RCV, slot, thread, parent, 0, 0, 0); }
static inline long cairn_captbl_act_asnd(unsigned ct, unsigned slot, unsigned rcv)
{ return cairn_call(ct, CAIRN_OP_CAPTBL_ACT_ASND, slot, rcv, 0, 0, 0, 0); }
static inline long cairn_captbl_act_sinv(unsigned ct, unsigned slot, unsigned comp, cairn_word entry,
					 cairn_word badge, unsigned flags)
{ return cairn_call(ct, CAIRN_OP_CAPTBL_ACT_SINV, slot, comp, entry, badge, flags, 0); }
static inline long cairn_captbl_act_indir(unsigned ct, unsigned slot, unsigned mem, cairn_word frame)
{ return cairn_call(ct, CAIRN_OP_CAPTBL_ACT_INDIR, slot, mem, frame, 0, 0, 0); }

/* ---- page tables (operations on a root) ---- */
static inline long cairn_pgtbl_cons(unsigned pt, cairn_word va, unsigned child)
{ return cairn_call(pt, CAIRN_OP_PGTBL_CONS, va, child, 0, 0, 0, 0); }
static inline long cairn_pgtbl_decons(unsigned pt, cairn_word va, unsigned level)
{ return cairn_call(pt, CAIRN_OP_PGTBL_DECONS, va, level, 0, 0, 0, 0); }
static inline long cairn_pgtbl_map(unsigned pt, cairn_word va, unsigned mem, cairn_word frame, unsigned rights)
{ return cairn_call(pt, CAIRN_OP_PGTBL_MAP, va, mem, frame, rights, 0, 0); }
static inline long cairn_pgtbl_unmap(unsigned pt, cairn_word va)
{ return cairn_call(pt, CAIRN_OP_PGTBL_UNMAP, va, 0, 0, 0, 0, 0); }
static inline long cairn_pgtbl_lookup(unsigned pt, cairn_word va)
{ return cairn_call(pt, CAIRN_OP_PGTBL_LOOKUP, va, 0, 0, 0, 0, 0); }

/* ---- memory ---- */
static inline long cairn_mem_retype(unsigned mem, cairn_word frame, unsigned type)
{ return cairn_call(mem, CAIRN_OP_MEM_RETYPE, frame, type, 0, 0, 0, 0); }
static inline long cairn_mem_count(unsigned mem, unsigned type)
{ return cairn_call(mem, CAIRN_OP_MEM_COUNT, type, 0, 0, 0, 0, 0); }
static inline long cairn_mem_derive(unsigned mem, unsigned slot, cairn_word base, cairn_word end)
{ return cairn_call(mem, CAIRN_OP_MEM_DERIVE, slot, base, end, 0, 0, 0); }

/* ---- components, threads, endpoints, gates, interrupts ---- */
static inline long cairn_comp_keeper(unsigned comp, unsigned gate)
{ return cairn_call(comp, CAIRN_OP_COMP_KEEPER, gate, 0, 0, 0, 0, 0); }
static inline long cairn_comp_restart(unsigned comp)
{ return cairn_call(comp, CAIRN_OP_COMP_RESTART, 0, 0, 0, 0, 0, 0); }
static inline long cairn_comp_ready(unsigned comp)
{ return cairn_call(comp, CAIRN_OP_COMP_READY, 0, 0, 0, 0, 0, 0); }
static inline long cairn_thread_restart(unsigned thread, cairn_word arg)
{ return cairn_call(thread, CAIRN_OP_THREAD_RESTART, arg, 0, 0, 0, 0, 0); }
static inline long cairn_sinv_renew(unsigned gate)
{ return cairn_call(gate, CAIRN_OP_SINV_RENEW, 0, 0, 0, 0, 0, 0); }
static inline long cairn_thread_dispatch(unsigned thread, cairn_word deadline)
{ return cairn_call(thread, CAIRN_OP_THREAD_DISPATCH, deadline, 0, 0, 0, 0, 0); }
static inline long cairn_thread_core(unsigned thread, unsigned core)
{ return cairn_call(thread, CAIRN_OP_THREAD_CORE, core, 0, 0, 0, 0, 0); }
/* A stopped thread's saved register idx, read (write = 0) or written: .r0 status, .r1 value. */
static inline struct cairn_ret2 cairn_thread_reg(unsigned thread, unsigned idx, int write, cairn_word value)
{ return cairn_call6(thread, CAIRN_OP_THREAD_REG, idx, (cairn_word)write, value, 0, 0, 0); }
static inline long cairn_thread_tls(unsigned thread, cairn_word fs_base)
{ return cairn_call(thread, CAIRN_OP_THREAD_TLS, fs_base, 0, 0, 0, 0, 0); }
static inline long cairn_rcv_wait(unsigned rcv)
{ return cairn_call(rcv, CAIRN_OP_RCV_WAIT, 0, 0, 0, 0, 0, 0); }
static inline struct cairn_ret2 cairn_rcv_event(unsigned rcv)
{ return cairn_call6(rcv, CAIRN_OP_RCV_EVENT, 0, 0, 0, 0, 0, 0); }
static inline long cairn_asnd_send(unsigned asnd, unsigned flags)
{ return cairn_call(asnd, CAIRN_OP_ASND_SEND, flags, 0, 0, 0, 0, 0); }
/* cairn_sinv_call (SINV_CALL) is in cairn/gate.h: it needs its own stub. */
static inline long cairn_irq_bind(unsigned irq, unsigned line, unsigned asnd)
{ return cairn_call(irq, CAIRN_OP_IRQ_BIND, line, asnd, 0, 0, 0, 0); }
static inline long cairn_irq_unbind(unsigned irq, unsigned line)
{ return cairn_call(irq, CAIRN_OP_IRQ_UNBIND, line, 0, 0, 0, 0, 0); }
static inline long cairn_irq_narrow(unsigned irq, unsigned slot, unsigned lines)
{ return cairn_call(irq, CAIRN_OP_IRQ_NARROW, slot, lines, 0, 0, 0, 0); }
static inline long cairn_ioport_in(unsigned io, unsigned port, unsigned width)
{ return cairn_call(io, CAIRN_OP_IOPORT_IN, port, width, 0, 0, 0, 0); }
static inline long cairn_ioport_out(unsigned io, unsigned port, unsigned width, cairn_word value)
{ return cairn_call(io, CAIRN_OP_IOPORT_OUT, port, width, value, 0, 0, 0); }
static inline long cairn_ioport_narrow(unsigned io, unsigned slot, unsigned first, unsigned end)
{ return cairn_call(io, CAIRN_OP_IOPORT_NARROW, slot, first, end, 0, 0, 0); }

/* ---- indirections (rescindable forwarders) ---- */
static inline long cairn_indir_set(unsigned ind, unsigned src_ct, unsigned src_slot)
{ return cairn_call(ind, CAIRN_OP_INDIR_SET, src_ct, src_slot, 0, 0, 0, 0); }
static inline long cairn_indir_mint(unsigned ind, unsigned slot)
{ return cairn_call(ind, CAIRN_OP_INDIR_MINT, slot, 0, 0, 0, 0, 0); }
static inline long cairn_indir_rescind(unsigned ind)
{ return cairn_call(ind, CAIRN_OP_INDIR_RESCIND, 0, 0, 0, 0, 0, 0); }

#endif
