/*
 * regs.h (host): the machine's own layout of a thread's saved registers, for host
 * tests of code that includes obj.h (kernel/arch/x86_64/include/regs.h: pure layout,
 * nothing a host cannot compile).
 */
#include "../../../kernel/arch/x86_64/include/regs.h"
