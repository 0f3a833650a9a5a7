/*
 * intx_edu: the driver of tests/qemu/systems/intx_edu.toml: QEMU's edu device (1234:11e8;
 * BAR0: 0x24 interrupt status, 0x60 raise, 0x64 acknowledge) bound with msi = false, so
 * the booter leaves its MSI off and binds its INTx line to this thread, level-triggered
 * (pc: the ISA line the firmware routed it to, 10 or 11; q35: a pin 20..23), and grants
 * an IRQ capability over that line alone to acknowledge it.
 *
 *   intx.3  the I/O page lists the INTx line (no MSI), level mode, its capability; the
 *           capability covers that line alone
 *   intx.4  ROUNDS raises, each: one activation; acknowledged (IRQ_ACK) while the device
 *           still asserts, it fires once more; quietened, then acknowledged: quiet
 */
#include <cairn/cairn.h>
#include <cairn/root.h>

#define EDU_STATUS 0x24
#define EDU_RAISE  0x60
#define EDU_ACK    0x64
#define ROUNDS     3

int main(const struct cairn_root *rt)
{
	const struct cairn_device *d = cairn_device(0);
	unsigned line = d ? d->irq_line : 0, other = line == 10 ? 11 : 10, s = rt->free_slot;

	long own = d ? cairn_irq_narrow(d->irq_slot, s, 1ull << line) : -1;
	long not = d ? cairn_irq_narrow(d->irq_slot, s + 1, 1ull << other) : -1;
	int where = (line >= 20 && line <= 23) || line == 10 || line == 11;	/* q35's pins; pc's lines */
	cairn_check("intx.3", "intx_line_bound", d && where && d->irq_mode == CAIRN_IRQ_LEVEL && d->irq_slot &&
		    d->msi_kind == CAIRN_MSI_KIND_NONE && d->nmsi == 0 && own == 0 && not == CAIRN_EINVAL,
		    "line %u mode %u slot %u, msi kind %u n %u; narrow to it %ld, to %u %ld",
		    line, d ? d->irq_mode : 0, d ? d->irq_slot : 0, d ? d->msi_kind : 0, d ? d->nmsi : 0,
		    own, other, not);

	volatile uint32_t *edu = d ? cairn_device_bar(d, 0) : 0;
	long good = 0;
	for (unsigned i = 0; edu && i < ROUNDS; i++) {
		uint32_t v = 1u << i;
		edu[EDU_RAISE / 4] = v;
		long w1 = cairn_rcv_wait(CAIRN_SLOT_RCV);
		uint32_t st = edu[EDU_STATUS / 4];
		long a1 = cairn_irq_ack(d->irq_slot, line);	/* still asserted: fires again */
		long w2 = cairn_rcv_wait(CAIRN_SLOT_RCV);
		edu[EDU_ACK / 4] = v;
		long a2 = cairn_irq_ack(d->irq_slot, line);
		good += w1 == 1 && st == v && a1 == 0 && w2 == 1 && a2 == 0;
		if (w1 != 1 || st != v || a1 || w2 != 1 || a2)
			cairn_printf("intx_edu: round %u: wake %ld status %#x ack %ld wake %ld ack %ld\n",
				     i, w1, st, a1, w2, a2);
	}
	cairn_check("intx.4", "level_intx_wakes_the_driver", good == ROUNDS,
		    "BAR0 at %p: %ld of %u rounds right", (void *)edu, good, ROUNDS);
	return 0;
}
