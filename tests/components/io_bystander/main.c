/*
 * io_bystander: a component whose description grants no I/O ports
 * (tests/qemu/systems/ioports.toml). Its red tape lists none, and no slot of its
 * table holds an IOPORT capability: an I/O-port operation on each is refused as on
 * another type (CAIRN_EBADF) or an empty slot (CAIRN_ENOENT), never reaching a range
 * check or a port.
 */
#include <cairn/cairn.h>

#define SLOTS 128	/* its leaf 0: every slot the booter could have filled */

int main(const struct cairn_root *rt)
{
	unsigned held = 0, first = 0;
	long got = 0;

	for (unsigned s = 1; s < SLOTS; s++) {
		long in = cairn_call(s, CAIRN_OP_IOPORT_IN, 0x70, 1, 0, 0, 0, 0);
		long cf9 = cairn_call(s, CAIRN_OP_IOPORT_OUT, 0xcf9, 1, 6, 0, 0, 0);
		if ((in != CAIRN_EBADF && in != CAIRN_ENOENT) || (cf9 != CAIRN_EBADF && cf9 != CAIRN_ENOENT)) {
			if (!held++)
				first = s, got = in;
		}
	}
	cairn_check("iop.5", "no_ports_without_a_grant", rt->nioports == 0 && held == 0,
		    "%u ranges in the red tape; %u slots answer I/O-port calls, the first %u (%ld)",
		    rt->nioports, held, first, got);
	return 0;
}
