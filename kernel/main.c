/*
 * main.c: the kernel's start. kmain runs once, on the boot core, with the boot page
 * tables of boot.S: it reads what the boot loader found, takes stock of memory, sets
 * up the CPU and the timer, prints the banner and starts the programs it was given.
 */
#include "acpi.h"
#include "arch.h"
#include <common/cmdline.h>
#include "console.h"
#include "core.h"
#include "devmem.h"
#include <common/fmt.h>
#include "frame.h"
#include "boot.h"
#include <common/string.h>
#include "syscall.h"

#define CAIRN_VERSION "0.1"

static struct pmem kmem_free;	/* free memory until the frame table takes over */
static struct bootinfo boot;
struct acpi_info acpi;
static int acpi_status;
static char cmdline[256], loader[64];

/* n physically contiguous zeroed frames for the kernel at boot: the first, or 0. */
static uint64_t kmem_alloc_contig(uint64_t n)
{
	uint64_t f = pmem_alloc_contig(&kmem_free, n);

	if (f == PMEM_NONE)
		return 0;
	memset(p2v(f), 0, n * PAGE_SIZE);
	return f;
}

/* Boot information lies below 4 GiB: boot.S maps that much. */
static const void *boot_phys(uint64_t phys, uint64_t len)
{
	if (phys + len < phys || phys + len > BOOT_DIRECT_MAP)
		return NULL;
	return p2v(phys);
}

/* Returns the end of the highest usable region. */
static uint64_t memory_init(void)
{
	uint64_t top = 0;

	pmem_init(&kmem_free);
	for (unsigned i = 0; i < boot.nmmap; i++) {
		const struct boot_mmap *m = &boot.mmap[i];
		if (m->type != BOOT_MEM_USABLE || m->base >= DIRECT_MAP_MAX)
			continue;
		uint64_t len = m->len < DIRECT_MAP_MAX - m->base ? m->len : DIRECT_MAP_MAX - m->base;
		if (pmem_add(&kmem_free, m->base, len))
			kprintf("memory: too many regions, ignoring 0x%lx+0x%lx\n", m->base, len);
		if (m->base + len > top)
			top = m->base + len;
	}
	pmem_reserve(&kmem_free, 0, LOW_MEMORY_END);
	pmem_reserve(&kmem_free, KERNEL_LOAD_PHYS, v2p(_kernel_end) - KERNEL_LOAD_PHYS);
	pmem_reserve(&kmem_free, boot.info_start, boot.info_end - boot.info_start);
	boot_reserve(&kmem_free);
	return top;
}

static void banner(void)
{
	uint64_t hz = arch_timer_hz();

	kprintf("Cairn %s (x86_64), booted by %s via multiboot%d\n", CAIRN_VERSION,
		loader[0] ? loader : "an unnamed loader", boot.protocol);
	kprintf("memory: %lu KiB usable in %u map entries, %lu KiB untyped for user level\n",
		bootinfo_usable_bytes(&boot) >> 10, boot.nmmap, frames.count[CAIRN_FRAME_UNTYPED] << 2);
	for (unsigned i = 0; i < boot.nmmap; i++)
		kprintf("  [0x%012lx-0x%012lx) %s\n", boot.mmap[i].base, boot.mmap[i].base + boot.mmap[i].len,
			boot.mmap[i].type == BOOT_MEM_USABLE ? "usable" : "reserved");
	kprintf("timer: local APIC one-shot at %lu.%03lu MHz (calibrated against the PIT)\n",
		hz / 1000000, hz / 1000 % 1000);
	if (acpi_status)
		kprintf("cores: 1 online (no usable ACPI MADT: error %d)\n", acpi_status);
	else
		kprintf("cores: %u online of %u in the MADT\n", arch_cores_online(), arch_cores_listed());
	kprintf("modules: %u, command line: \"%s\"\n", boot.nmod, cmdline);
	if (boot.nmod_dropped)
		kprintf("modules: %u more left off (at most %u)\n", boot.nmod_dropped, BOOT_MAX_MODULES);
}

uint64_t boot_tsc;		/* the time stamp counter at kmain: "boot" in every Root */

/*
 * The boot flags (docs/testing.md): "ktest" turns on test mode (KCHECK, KCOUNT),
 * "nofastpath" with it sends every call through syscall_dispatch, and "kfault" makes
 * the kernel take a CPU exception of its own on purpose (the test that one is reported
 * and halts the machine).
 */
static struct regs *(*handler_uncounted)(uint64_t call, struct regs *r);

/* Test mode's system call entry: each call counted on its core (KCOUNT), then handled. */
static struct regs *syscall_counted(uint64_t call, struct regs *r)
{
	this_cpu()->syscalls++;
	return handler_uncounted(call, r);
}

static void boot_flags(void)
{
	kernel_test_mode = cmdline_get(cmdline, "ktest", NULL, 0);
	if (kernel_test_mode && cmdline_get(cmdline, "nofastpath", NULL, 0))
		syscall_handler = syscall_dispatch;
	handler_uncounted = syscall_handler;
	if (kernel_test_mode)
		syscall_handler = syscall_counted;
	if (cmdline_get(cmdline, "kfault", NULL, 0)) {
		kprintf("kfault: trapping in the kernel\n");
		__builtin_trap();
	}
}

noreturn void kmain(uint32_t magic, uint32_t info)
{
	boot_tsc = arch_cycles();
	arch_console_init();
	if (bootinfo_parse(&boot, magic, info, boot_phys))
		panic("no usable boot information (magic 0x%x)", magic);
	/* Copy what we keep of the loader's memory before any frame is handed out. */
	fmt_snprintf(cmdline, sizeof(cmdline), "%s", boot.cmdline);
	fmt_snprintf(loader, sizeof(loader), "%s", boot.loader);
	boot_register(&boot);

	uint64_t top = memory_init();
	devmem_init(&devmem, &boot, arch_phys_limit());
	arch_cpu_init();
	arch_vm_init(top, kmem_alloc_contig);
	acpi_status = acpi_parse(&acpi, boot.rsdp, boot.rsdp_len, boot_phys);
	arch_smp_prepare(acpi_status ? NULL : &acpi, &boot, kmem_alloc_contig);
	arch_iommu_init(acpi_status ? 0 : acpi.dmar_base, kmem_alloc_contig);
	boot_frames_init(&kmem_free, top);
	arch_timer_init();
	arch_smp_start();
	arch_ioapic_init(acpi_status || acpi.ioapic_gsi_base ? 0 : acpi.ioapic_base);
	banner();
	boot_flags();
	core_start(arch_cores_online());
	boot_start();
}
