/*
 * pit.c: the 8254 programmable interval timer, used only as a reference clock to
 * calibrate the local APIC timer. Channel 2 is counted down with its gate on and its
 * output read back through port 0x61, so no PIT interrupt is ever taken.
 */
#include "arch.h"

#define PIT_CH2     0x42
#define PIT_CMD     0x43
#define PORT_B      0x61
#define PORTB_GATE2 0x01
#define PORTB_SPKR  0x02
#define PORTB_OUT2  0x20

void arch_pit_wait(uint16_t n)
{
	outb(PORT_B, (inb(PORT_B) & ~PORTB_SPKR) | PORTB_GATE2);
	outb(PIT_CMD, 0xb0);		/* channel 2, lobyte/hibyte, mode 0, binary */
	outb(PIT_CH2, n & 0xff);
	outb(PIT_CH2, n >> 8);
	while (!(inb(PORT_B) & PORTB_OUT2))
		cpu_relax();
}
