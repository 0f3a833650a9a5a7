/*
 * pe_stuck: a persistent component that stays in a call (tests/qemu/systems/
 * persist_eagain.toml): it holds in wt_server (interfaces/wt.toml, blocked there:
 * nothing releases it), so every capture is refused (a thread inside a call cannot be
 * taken) until wt_server restarts and the kernel unwinds it out; then it stops.
 */
#include <iface/wt.h>

CAIRN_GATE_STACKS(1);	/* no gates, one thread: one stack */

int main(const struct cairn_root *rt)
{
	(void)rt;
	while (wt_hold() == 0)
		;	/* (a spurious return: hold again) */
	cairn_printf("pe_stuck: out of its call\n");
	return 0;
}
