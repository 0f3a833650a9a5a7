/*
 * ktest.c: the kernel's own checks (see ktest.h). They use only what kmain has set up
 * and leave the machine as they found it, so the programs still run afterwards.
 */
#include "ktest.h"
#include "arch.h"
#include "cmdline.h"
#include "console.h"
#include "cpu.h"
#include "percpu.h"
#include "boot.h"
#include "frame.h"
#include <common/fmt.h>
#include <common/string.h>
#include "syscall.h"

#define RATE_HZ        1000
#define RATE_PIT_TICKS 59659	/* 50 ms */
#define RATE_EXPECTED  50

static volatile uint64_t ticks;
static volatile uint64_t rearm;	/* non-zero: re-arm the one-shot timer with this count */

static void result(const char *id, const char *name, bool ok, const char *why)
{
	if (ok)
		kprintf("TEST %s %s PASS\n", id, name);
	else
		kprintf("TEST %s %s FAIL %s\n", id, name, why);
}

void ktest_timer_tick(void)
{
	ticks++;
	if (rearm)
		arch_timer_oneshot(rearm);
}

static void test_memory_total(const char *cmdline, const struct bootinfo *bi)
{
	uint64_t mib, usable = bootinfo_usable_bytes(bi);
	char why[96];

	if (!cmdline_get_u64(cmdline, "mem", &mib)) {
		result("boot.1", "memory_total", false, "no mem=<MiB> on the command line");
		return;
	}
	uint64_t want = mib << 20, diff = usable > want ? usable - want : want - usable;
	fmt_snprintf(why, sizeof(why), "usable %lu KiB, QEMU has %lu KiB", usable >> 10, want >> 10);
	result("boot.1", "memory_total", diff * 20 <= want, why);
}

/* Usable regions must not overlap, and the kernel image must lie in one of them. */
static void test_memory_map(const struct bootinfo *bi)
{
	bool ok = bi->nmmap > 0, kernel_inside = false;
	uint64_t kend = v2p(_kernel_end);

	for (unsigned i = 0; i < bi->nmmap; i++) {
		const struct boot_mmap *a = &bi->mmap[i];
		if (a->type != BOOT_MEM_USABLE)
			continue;
		kernel_inside |= a->base <= KERNEL_LOAD_PHYS && a->base + a->len >= kend;
		for (unsigned j = i + 1; j < bi->nmmap; j++) {
			const struct boot_mmap *b = &bi->mmap[j];
			if (b->type == BOOT_MEM_USABLE && a->base < b->base + b->len && b->base < a->base + a->len)
				ok = false;
		}
	}
	result("boot.2", "memory_map", ok && kernel_inside,
	       !ok ? "usable regions overlap" : "kernel image not in usable memory");
}

/* Boot frames are distinct, aligned, outside the kernel and low memory, and writable. */
static void test_frames(void)
{
	uint64_t f[16], kend = v2p(_kernel_end), untyped = frames.count[CAIRN_FRAME_UNTYPED];
	bool ok = true;

	for (unsigned i = 0; i < ARRAY_SIZE(f); i++) {
		f[i] = boot_frame(CAIRN_FRAME_KERNEL);
		ok &= f[i] && !(f[i] & (PAGE_SIZE - 1)) && f[i] >= LOW_MEMORY_END &&
		      (f[i] >= kend || f[i] + PAGE_SIZE <= KERNEL_LOAD_PHYS) &&
		      frame_get(&frames, f[i])->type == CAIRN_FRAME_KERNEL;
		for (unsigned j = 0; ok && j < i; j++)
			ok = f[j] != f[i];
		if (ok) {
			memset(p2v(f[i]), 0xa5, PAGE_SIZE);
			ok = ((volatile uint8_t *)p2v(f[i]))[PAGE_SIZE - 1] == 0xa5;
		}
	}
	for (unsigned i = 0; i < ARRAY_SIZE(f); i++)
		ok &= f[i] && frame_retype(&frames, f[i], CAIRN_FRAME_UNTYPED) == 0;
	ok &= frames.count[CAIRN_FRAME_UNTYPED] == untyped;
	result("boot.3", "frame_alloc", ok, "a frame is repeated, misplaced, not writable or lost");
}

/* The highest usable frame is reachable through the direct map (above 4 GiB too). */
static void test_direct_map_top(const struct bootinfo *bi)
{
	uint64_t top = 0;
	char why[96];

	for (unsigned i = 0; i < bi->nmmap; i++) {
		const struct boot_mmap *m = &bi->mmap[i];
		uint64_t end = PAGE_DOWN(m->base + m->len);
		if (m->type == BOOT_MEM_USABLE && end <= DIRECT_MAP_MAX && end > top && end - PAGE_SIZE >= m->base)
			top = end;
	}
	volatile uint64_t *w = p2v(top - PAGE_SIZE);
	uint64_t old = *w;
	*w = 0x5a5a5a5a12345678;
	bool ok = *w == 0x5a5a5a5a12345678;
	*w = old;
	fmt_snprintf(why, sizeof(why), "frame 0x%lx is not read back", top - PAGE_SIZE);
	result("boot.4", "direct_map_top", ok, why);
}

static void test_timer(void)
{
	uint64_t hz = arch_timer_hz();
	char why[96];

	fmt_snprintf(why, sizeof(why), "calibrated %lu Hz", hz);
	result("timer.1", "calibrated", hz >= 1000000 && hz <= 100000000000ULL, why);

	ticks = 0;
	rearm = hz / RATE_HZ;
	arch_timer_oneshot(rearm);
	irq_enable();
	arch_pit_wait(RATE_PIT_TICKS);
	irq_disable();
	rearm = 0;
	arch_timer_oneshot(0);
	uint64_t n = ticks;
	fmt_snprintf(why, sizeof(why), "%lu interrupts in 50 ms at %d Hz, want %d +-2%%", n, RATE_HZ, RATE_EXPECTED);
	result("timer.2", "rate", n * 100 >= RATE_EXPECTED * 98 && n * 100 <= RATE_EXPECTED * 102, why);
}

/*
 * Every core QEMU was given ("cores=<n>") is in the MADT and checked in; each one set
 * up its own per-core state (GS base to its own percpu, its own stacks) and read its
 * own local APIC, whose ID is the one the MADT gave it.
 */
static void test_cores(const char *cmdline)
{
	uint64_t want = 0;
	unsigned n = arch_cores_online(), bad = CAIRN_MAX_CORES;
	char why[96];

	if (!cmdline_get_u64(cmdline, "cores", &want))
		want = 0;
	fmt_snprintf(why, sizeof(why), "%u online, %u in the MADT, QEMU has %lu", n, arch_cores_listed(), want);
	result("smp.1", "every_core_checks_in", n == want && arch_cores_listed() == want, why);
	for (unsigned k = 0; k < n && bad == CAIRN_MAX_CORES; k++) {
		const struct percpu *c = &cpus[k];
		bool alone = true;
		for (unsigned j = 0; j < k; j++)
			alone = alone && cpus[j].apic_id != c->apic_id && cpus[j].kstack_top != c->kstack_top;
		if (c->self != c || c->id != k || c->apic_id != arch_core_expected_apic_id(k) || !alone)
			bad = k;
	}
	fmt_snprintf(why, sizeof(why), "core %u: self %p, id %u, APIC ID %u (MADT %u)", bad,
		     bad < n ? (void *)cpus[bad].self : NULL, bad < n ? cpus[bad].id : 0,
		     bad < n ? cpus[bad].apic_id : 0, arch_core_expected_apic_id(bad));
	result("smp.2", "each_core_has_its_own_state", bad == CAIRN_MAX_CORES, why);
}

void ktest_run(const char *cmdline, const struct bootinfo *bi)
{
	char list[64];

	if (!cmdline_get(cmdline, "ktest", list, sizeof(list)))
		return;
	kernel_test_mode = true;
	if (cmdline_get(cmdline, "nofastpath", NULL, 0))
		syscall_handler = syscall_dispatch;
	if (cmdline_list_has(list, "boot")) {
		test_memory_total(cmdline, bi);
		test_memory_map(bi);
		test_frames();
		test_direct_map_top(bi);
	}
	if (cmdline_list_has(list, "timer"))
		test_timer();
	if (cmdline_list_has(list, "smp"))
		test_cores(cmdline);
	if (cmdline_list_has(list, "kfault")) {
		kprintf("ktest: executing ud2 in the kernel\n");
		__asm__ volatile("ud2");
	}
}
