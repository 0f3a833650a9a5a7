/*
 * tape_scribbler: writes to its own red tape, which is mapped read-only. The kernel
 * must stop it there, and only it: before the store it puts 1 in the probe server,
 * after it (never) 2, so tape_bystander can tell how far it got.
 */
#include <iface/probe.h>

int main(const struct cairn_root *rt)
{
	probe_put(1);
	cairn_printf("tape_scribbler: writing to my red tape at %p\n", (void *)rt->name);
	*(volatile char *)rt->name = 'X';
	cairn_printf("tape_scribbler: the store went through: this line must never appear\n");
	probe_put(2);
	return 0;
}
