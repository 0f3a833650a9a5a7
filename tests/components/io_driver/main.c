/*
 * io_driver: a component granted I/O ports by its description,
 * tests/qemu/systems/ioports.toml: `ioports = [[0x70, 0x71], 0x80]` (keep the two in
 * step). Its red tape lists the two ranges and their slots; each slot reaches exactly
 * its range; the ports that reset the machine and the slot the first program's whole
 * range lives in are refused.
 */
#include <cairn/cairn.h>

#define IN  CAIRN_OP_IOPORT_IN
#define OUT CAIRN_OP_IOPORT_OUT

static long in(unsigned io, cairn_word port, cairn_word width)
{
	return cairn_call(io, IN, port, width, 0, 0, 0, 0);
}

static long out(unsigned io, cairn_word port, cairn_word width, cairn_word v)
{
	return cairn_call(io, OUT, port, width, v, 0, 0, 0);
}

static int zeroed(const void *p, unsigned long n)
{
	const unsigned char *b = p;

	while (n--)
		if (*b++)
			return 0;
	return 1;
}

static void check_tape(const struct cairn_root *rt)
{
	const struct cairn_ioport_range *a = &rt->ioport[0], *b = &rt->ioport[1];

	cairn_check("iop.1", "red_tape_lists_the_grants", rt->nioports == 2 && a->first == 0x70 && a->end == 0x72 &&
		    b->first == 0x80 && b->end == 0x81 && a->slot >= 16 && b->slot == a->slot + 1 &&
		    rt->free_slot > b->slot && zeroed(&rt->ioport[2], sizeof(rt->ioport) - 2 * sizeof(*a)),
		    "%u ranges: [0x%x, 0x%x) in %u, [0x%x, 0x%x) in %u; free_slot %u",
		    rt->nioports, a->first, a->end, a->slot, b->first, b->end, b->slot, rt->free_slot);
}

/* Each slot reaches its own range, and nothing beside it. */
static void check_ranges(const struct cairn_root *rt)
{
	unsigned cmos = rt->ioport[0].slot, post = rt->ioport[1].slot;
	long idx = out(cmos, 0x70, 1, 0x80 | 0x0a), reg = in(cmos, 0x71, 1), p80 = out(post, 0x80, 1, 0);
	cairn_check("iop.2", "granted_ports_work", idx == 0 && reg >= 0 && reg <= 0xff && p80 == 0,
		    "out 0x70 %ld, in 0x71 %ld, out 0x80 %ld", idx, reg, p80);

	long e[] = {
		in(cmos, 0x6f, 1), in(cmos, 0x72, 1), in(cmos, 0x71, 2), in(cmos, 0x80, 1),
		in(post, 0x7f, 1), in(post, 0x81, 1), in(post, 0x80, 2), out(post, 0x70, 1, 0),
		in(cmos, ~0UL, 1), in(post, ~0UL - 3, 4),
		cairn_ioport_narrow(cmos, rt->free_slot, 0x70, 0x73),	/* nothing widens */
		in(CAIRN_SLOT_IOPORT, 0x70, 1),			/* the whole range: the booter's only */
	};
	long want[] = { CAIRN_ERANGE, CAIRN_ERANGE, CAIRN_ERANGE, CAIRN_ERANGE, CAIRN_ERANGE, CAIRN_ERANGE,
			CAIRN_ERANGE, CAIRN_ERANGE, CAIRN_ERANGE, CAIRN_ERANGE, CAIRN_EINVAL, CAIRN_ENOENT };
	unsigned n = sizeof(e) / sizeof(e[0]), bad = n;
	for (unsigned i = 0; i < n && bad == n; i++)
		if (e[i] != want[i])
			bad = i;
	cairn_check("iop.3", "exactly_the_described_ranges", bad == n, "access %u: got %ld, want %ld",
		    bad, bad < n ? e[bad] : 0, bad < n ? want[bad] : 0);
}

/* Reset control (0xcf9), the keyboard controller (0x64), port A (0x92): not granted. */
static void check_reset(const struct cairn_root *rt)
{
	long r[6];
	int ok = 1;

	for (unsigned k = 0; k < 2; k++) {
		unsigned s = rt->ioport[k].slot;
		r[3 * k] = out(s, 0xcf9, 1, 6);
		r[3 * k + 1] = out(s, 0x64, 1, 0xfe);
		r[3 * k + 2] = out(s, 0x92, 1, 1);
	}
	for (unsigned k = 0; k < 6; k++)
		ok &= r[k] == CAIRN_ERANGE;
	cairn_check("iop.4", "reset_ports_not_granted", ok, "%ld %ld %ld / %ld %ld %ld",
		    r[0], r[1], r[2], r[3], r[4], r[5]);
}

int main(const struct cairn_root *rt)
{
	check_tape(rt);
	if (rt->nioports == 2) {
		check_ranges(rt);
		check_reset(rt);
	}
	return 0;
}
