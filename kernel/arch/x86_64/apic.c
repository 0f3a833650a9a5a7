/*
 * apic.c: the local APIC in xAPIC mode, through its MMIO page in the direct map (QEMU's
 * TCG has neither x2APIC nor the TSC-deadline timer). The legacy 8259 PICs are remapped
 * to vectors 0xe0..0xef and masked, so every interrupt comes through the APICs.
 * The timer runs in one-shot mode with divide-by-1; its rate is measured against the
 * PIT once at boot.
 */
#include "arch.h"

#define APIC_ID         0x020
#define APIC_TPR        0x080
#define APIC_EOI        0x0b0
#define APIC_SVR        0x0f0
#define APIC_ISR        0x100	/* in service: 8 registers of 32 vectors, 16 bytes apart */
#define APIC_ICR_LOW    0x300
#define APIC_ICR_HIGH   0x310
#define ICR_PENDING     (1u << 12)
#define ICR_INIT        0x00000500u	/* delivery modes */
#define ICR_STARTUP     0x00000600u
#define ICR_ASSERT      (1u << 14)	/* level: 1 for everything but INIT de-assert */
#define ICR_LEVEL       (1u << 15)	/* trigger mode */
#define APIC_LVT_TIMER  0x320
#define APIC_TIMER_INIT 0x380
#define APIC_TIMER_CUR  0x390
#define APIC_TIMER_DIV  0x3e0
#define APIC_ENABLE     (1u << 8)
#define LVT_MASKED      (1u << 16)
#define APIC_BASE_ENABLE (1u << 11)

#define CALIBRATE_PIT_TICKS 11932	/* 10 ms */

static volatile uint32_t *apic;
static const uint32_t no_isr;
const volatile uint32_t *apic_isr0 = &no_isr;	/* vectors 0..31 in service (entry.S) */
static uint64_t timer_hz, tsc_hz;

static uint32_t apic_read(unsigned reg) { return apic[reg / 4]; }
static void apic_write(unsigned reg, uint32_t v) { apic[reg / 4] = v; }

void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

bool apic_in_service(uint64_t vector)
{
	return vector < 256 && apic && apic_read(APIC_ISR + (vector / 32) * 16) >> (vector % 32) & 1;
}

static void pic_disable(void)
{
	static const uint8_t init[][2] = {
		{ 0x20, 0x11 }, { 0xa0, 0x11 },	/* ICW1: init, ICW4 follows */
		{ 0x21, 0xe0 }, { 0xa1, 0xe8 },	/* ICW2: vectors 0xe0..0xef, out of the way */
		{ 0x21, 0x04 }, { 0xa1, 0x02 },	/* ICW3: cascade on IRQ2 */
		{ 0x21, 0x01 }, { 0xa1, 0x01 },	/* ICW4: 8086 mode */
		{ 0x21, 0xff }, { 0xa1, 0xff },	/* mask everything */
	};
	for (unsigned i = 0; i < ARRAY_SIZE(init); i++)
		outb(init[i][0], init[i][1]);
}

/* Measures the APIC timer and the TSC over the same PIT interval. */
static void calibrate(void)
{
	apic_write(APIC_LVT_TIMER, LVT_MASKED);
	apic_write(APIC_TIMER_INIT, 0xffffffff);
	uint64_t t0 = rdtsc();
	arch_pit_wait(CALIBRATE_PIT_TICKS);
	uint64_t t1 = rdtsc();
	uint32_t elapsed = 0xffffffff - apic_read(APIC_TIMER_CUR);
	apic_write(APIC_TIMER_INIT, 0);
	timer_hz = (uint64_t)elapsed * PIT_HZ / CALIBRATE_PIT_TICKS;
	tsc_hz = (t1 - t0) * PIT_HZ / CALIBRATE_PIT_TICKS;
}

/* Enables this core's local APIC: every core does it for itself. */
void apic_init_core(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
	apic = p2v(base & ~0xfffULL);	/* the same address on every core */
	apic_isr0 = apic + APIC_ISR / 4;
	apic_write(APIC_TPR, 0);
	apic_write(APIC_SVR, APIC_ENABLE | SPURIOUS_VECTOR);
	apic_write(APIC_TIMER_DIV, 0xb);	/* divide by 1 */
}

uint64_t apic_page(void)
{
	return apic ? v2p((const void *)apic) : 0;
}

uint32_t apic_id(void)
{
	return apic_read(APIC_ID) >> 24;
}

static void apic_ipi(uint32_t dest, uint32_t icr)
{
	apic_write(APIC_ICR_HIGH, dest << 24);
	apic_write(APIC_ICR_LOW, icr);
	while (apic_read(APIC_ICR_LOW) & ICR_PENDING)
		cpu_relax();
}

/* INIT (assert, then de-assert: older APICs need it, newer ignore it) to dest. */
void apic_send_init(uint32_t dest)
{
	apic_ipi(dest, ICR_INIT | ICR_ASSERT | ICR_LEVEL);
	apic_ipi(dest, ICR_INIT | ICR_LEVEL);
}

/* STARTUP: dest starts in real mode at page (below 1 MiB), cs = page >> 4, ip = 0. */
void apic_send_startup(uint32_t dest, uint64_t page)
{
	apic_ipi(dest, ICR_STARTUP | ICR_ASSERT | (uint32_t)(page >> 12));
}

void arch_send_ipi(unsigned k, uint8_t vector)
{
	apic_ipi(cpus[k].apic_id, ICR_ASSERT | vector);	/* fixed delivery, edge */
}

void arch_timer_init(void)
{
	pic_disable();
	apic_init_core();
	calibrate();
}

uint64_t arch_timer_hz(void)
{
	return timer_hz;
}

uint64_t arch_tsc_hz(void)
{
	return tsc_hz;
}

void arch_timer_deadline(uint64_t tsc)
{
	uint64_t now = rdtsc();
	uint64_t delta = tsc > now ? tsc - now : 0;
	uint64_t hz = tsc_hz ? tsc_hz : 1;
	uint64_t ticks = delta / hz * timer_hz + (delta % hz * timer_hz + hz - 1) / hz;	/* rounded up: never
					   before the deadline (a scheduler that finds nothing due would not
					   set it again); no overflow below 4 GHz */

	if (!ticks)
		ticks = 1;	/* 0 would stop the timer */
	apic_write(APIC_LVT_TIMER, TIMER_VECTOR);	/* one-shot mode, unmasked */
	apic_write(APIC_TIMER_INIT, ticks > 0xffffffff ? 0xffffffff : (uint32_t)ticks);
}
