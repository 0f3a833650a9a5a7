/*
 * ioport.c: I/O port capabilities, for user-level drivers. An IOPORT capability names
 * the ports [a, b), with a < b <= CAIRN_IOPORT_END; each access is a system call (as
 * in seL4), so no I/O bitmap follows threads around. The first program gets the whole
 * range if it asks (boot.c); IOPORT_NARROW makes copies that cover less, which is how
 * a booter hands each driver exactly the ranges its description names. A capability's
 * range is the whole grant: the kernel keeps no list of dangerous ports beyond its own
 * (docs/syscalls.md says why). The ports the kernel drives itself are refused to
 * everyone: the PICs, the PIT and port B (timer calibration) and QEMU's exit port (a
 * user must not end the machine with a status of its choosing). COM1, where the kernel
 * writes its console, is not among them: a description may grant it to a driver for
 * the console's input (docs/devices.md, "Serial (16550)"). Whatever that driver does
 * to the UART, the kernel's writes stay bounded (arch_console_putc); what the console
 * then shows is the description's business.
 */
#include "arch.h"
#include "syscall.h"

static const struct { uint16_t lo, hi; } kernel_ports[] = {
	{ 0x20, 0x21 }, { 0xa0, 0xa1 }, { 0x40, 0x43 }, { 0x61, 0x61 }, { 0xf4, 0xf7 },
};

/*
 * True if [first, first + n) lies inside the capability's [a, b). No sum is formed:
 * first and n come from the caller, and first + n can wrap past 2^64 to a small
 * number. Since b <= CAIRN_IOPORT_END, a port that passes fits in 16 bits.
 */
static bool inside(const struct cap *cap, uint64_t first, uint64_t n)
{
	return first >= cap->a && first <= cap->b && n <= cap->b - first;
}

static long check(struct cap *cap, uint64_t port, uint64_t width)
{
	if (width != 1 && width != 2 && width != 4)
		return CAIRN_EINVAL;
	if (!inside(cap, port, width))
		return CAIRN_ERANGE;
	for (unsigned i = 0; i < ARRAY_SIZE(kernel_ports); i++)
		if (port <= kernel_ports[i].hi && port + width - 1 >= kernel_ports[i].lo)
			return CAIRN_EACCES;
	return 0;
}

/* a0 = slot here, a1 = first port, a2 = end: a copy of cap over [a1, a2) only. */
static long narrow(struct call *c, struct cap *cap)
{
	struct cap *dst;
	uint64_t first = A1(c), end = A2(c);
	long err = captbl_get_free(c->ct, A0(c), &dst);

	if (err)
		return err;
	if (first >= end || !inside(cap, first, end - first))
		return CAIRN_EINVAL;
	cap_copy(dst, &(struct cap){ .type = CAIRN_CAP_IOPORT, .a = first, .b = end });
	return 0;
}

long ioport_invoke(struct call *c, struct cap *cap, unsigned op)
{
	uint64_t port = A0(c), width = A1(c);

	if (op == CAIRN_OP_IOPORT_NARROW)
		return narrow(c, cap);
	if (op != CAIRN_OP_IOPORT_IN && op != CAIRN_OP_IOPORT_OUT)
		return CAIRN_ENOSYS;
	long err = check(cap, port, width);
	if (err)
		return err;
	if (op == CAIRN_OP_IOPORT_IN)
		return (long)arch_port_in((uint16_t)port, (unsigned)width);
	arch_port_out((uint16_t)port, (unsigned)width, (uint32_t)A2(c));
	return 0;
}
