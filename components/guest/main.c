/*
 * guest: the component inside the vault's subsystem. Its red tape lists the one
 * interface it was granted; every other slot it tries is empty, so it cannot reach the
 * parent system. Last, it writes to its own red tape, which is read-only: the kernel
 * stops it, and only it.
 */
#include <cairn/logprint.h>

int main(const struct cairn_root *rt)
{
	log_printf("guest: my red tape lists %u import(s): '%s' at slot %u\n",
		   rt->nimports, rt->nimports ? rt->import[0].name : "-", rt->nimports ? rt->import[0].slot : 0);
	unsigned denied = 0, tried = 0;
	for (unsigned s = 1; s < 128; s++) {
		if (rt->nimports && s >= rt->import[0].slot && s < rt->import[0].slot + rt->import[0].nfns)
			continue;
		if (s == CAIRN_SLOT_THREAD || s == CAIRN_SLOT_RCV || s == CAIRN_SLOT_SCHED)
			continue;
		tried++;
		denied += cairn_sinv_call(s, 0, 0, 0, 0).r0 < 0;
	}
	log_printf("guest: %u other slots tried as gates, %u refused: nothing else to call\n", tried, denied);
	log_printf("guest: now I write to my read-only red tape; the kernel will stop me alone\n");
	*(volatile uint32_t *)&rt->generation = 99;
	log_printf("guest: this line must never appear\n");
	return 1;
}
