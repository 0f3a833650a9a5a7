/*
 * vtd.c: DMA remapping with Intel VT-d (Intel VT-d specification, rev. 4: 3 "DMA
 * remapping", 9 "translation structure formats", 10 "register descriptions"), the
 * arch half of iommu.c. The first remapping unit of ACPI's DMAR table (acpi.c), if it
 * is PCI segment 0's, is taken to translate every PCI device (as QEMU's one unit does;
 * its device scope is not read), set up at boot and never turned off. Nothing the
 * firmware left enabled is kept (GCMD is written with one command bit at a time):
 *
 *   - one root table and one context table per bus for buses 0 .. CAIRN_IOMMU_BUSES - 1,
 *     taken at boot (contiguous, so requester id rid's context entry is context[rid]);
 *     no context entry is present, so from the moment translation is on, every device
 *     can DMA nowhere, and a device on a later bus never can;
 *   - a device attached (arch_iommu_attach) has a present context entry: legacy mode,
 *     translation type 0 (untranslated requests through second-level tables), 4-level
 *     tables (AW 2: 48 bits), the I/O root's frame as the table pointer, and the domain
 *     id rid + 1: each device its own, fixed, so no two devices ever share an id with
 *     different tables (CAP.ND must allow 12 bits; id 0 is left alone, as caching mode
 *     reserves it);
 *   - every change to the context entries, and every removal from an I/O table
 *     (arch_iommu_flush), invalidates globally through the register interface: the
 *     context cache (CCMD) and the IOTLB (IOTLB register at ECAP.IRO, asking it to drain
 *     the DMA reads and writes it translated before), waiting until the unit says each
 *     is done. Global, because one I/O root may serve several devices
 *     (domains), and removals are rare next to DMA;
 *   - faults (a blocked DMA) raise IOMMU_VECTOR on the boot core; arch_iommu_fault
 *     prints each fault record and clears it.
 * The registers are one page (QEMU's are 0x230 bytes), read through the direct map as
 * the APICs' are (the firmware's MTRRs make that range uncached), and never a user's
 * (arch_device_page_kernel). Not done (docs/devices.md): interrupt remapping, queued
 * invalidation, flushing table writes on units without coherent walks (ECAP.C = 0,
 * which QEMU's emulation does not need), units past the first, segments past 0.
 */
#include "arch.h"
#include "console.h"

/* Registers (offsets), 64-bit unless named 32. */
enum { CAP = 0x08, ECAP = 0x10, GCMD32 = 0x18, GSTS32 = 0x1c, RTADDR = 0x20, CCMD = 0x28,
       FSTS32 = 0x34, FECTL32 = 0x38, FEDATA32 = 0x3c, FEADDR32 = 0x40 };
#define GCMD_TE      (1u << 31)		/* translation enable */
#define GCMD_SRTP    (1u << 30)		/* set root table pointer */
#define BUSY         (1ULL << 63)	/* CCMD.ICC, IOTLB.IVT: cleared when done; FRCD.F */
#define GLOBAL_CC    (1ULL << 61)	/* CCMD: global invalidation */
#define GLOBAL_IOTLB (1ULL << 60 | 3ULL << 48)	/* IOTLB: global, draining reads and writes
						   in flight (ignored without CAP.DRD/DWD) */
#define CAP_OK(cap)  ((cap) & (1 << 10) && ((cap) & 7) >= 4)	/* SAGAW 4-level; ND >= 12 bits */
#define REG(off)     (*(volatile uint64_t *)(regs + (off)))
#define REG32(off)   (*(volatile uint32_t *)(regs + (off)))

static volatile uint8_t *regs;		/* NULL: no IOMMU in use */
static volatile uint64_t *context;	/* 2 words per requester id: lo (P, root), hi (AW, DID) */
static uint64_t cap;
static unsigned iotlb;			/* the IOTLB register: 8 past ECAP.IRO * 16 */

/* Writes a global command bit and waits for its status bit. */
static void command(uint32_t bit)
{
	REG32(GCMD32) = bit;
	while (!(REG32(GSTS32) & bit))
		cpu_relax();
}

/* Writes an invalidation request and waits until the unit has done it. */
static void invalidate(unsigned off, uint64_t request)
{
	REG(off) = BUSY | request;
	while (REG(off) & BUSY)
		cpu_relax();
}

void arch_iommu_flush(void)
{
	if (regs)
		invalidate(iotlb, GLOBAL_IOTLB);
}

static void flush_all(void)
{
	invalidate(CCMD, GLOBAL_CC);
	arch_iommu_flush();
}

void arch_iommu_init(uint64_t base, uint64_t (*alloc_contig)(uint64_t n))
{
	uint64_t c = base && base < BOOT_DIRECT_MAP ? *(volatile uint64_t *)p2v(base + CAP) : 0;
	uint64_t t = CAP_OK(c) ? alloc_contig(1 + CAIRN_IOMMU_BUSES) : 0;

	if (base && !t)
		kprintf("iommu: VT-d at 0x%lx unused (CAP 0x%lx: no 4-level tables or 12-bit domain ids)\n", base, c);
	if (!t)
		return;
	for (unsigned b = 0; b < CAIRN_IOMMU_BUSES; b++)
		((uint64_t *)p2v(t))[2 * b] = (t + (b + 1) * PAGE_SIZE) | 1;	/* present */
	context = p2v(t + PAGE_SIZE);
	regs = p2v(base);
	cap = c;
	iotlb = ((REG(ECAP) >> 8) & 0x3ff) * 16 + 8;
	REG(RTADDR) = t;
	command(GCMD_SRTP);
	flush_all();
	REG32(FEDATA32) = IOMMU_VECTOR;
	REG32(FEADDR32) = MSI_ADDRESS | cpu_initial_apic_id() << 12;	/* the boot core's APIC, physical */
	REG32(FECTL32) = 0;
	command(GCMD_TE);
	kprintf("iommu: VT-d at 0x%lx: DMA of buses 0..%u translated, blocked until attached\n", base,
		CAIRN_IOMMU_BUSES - 1);
}

bool arch_iommu_regs(uint64_t pa)
{
	return regs && pa == v2p((const void *)regs);
}

long arch_iommu_attach(unsigned rid, uint64_t *root)
{
	if (!regs)
		return CAIRN_ENOTSUP;
	if (context[2 * rid] & 1)
		return CAIRN_EBUSY;
	context[2 * rid + 1] = 2 | (uint64_t)(rid + 1) << 8;	/* AW 2: 4-level; domain id rid + 1 */
	context[2 * rid] = v2p(root) | 1;			/* present, translation type 0 */
	flush_all();
	return 0;
}

uint64_t *arch_iommu_root(unsigned rid)
{
	return regs && context[2 * rid] & 1 ? p2v(context[2 * rid] & PTE_ADDR) : NULL;
}

long arch_iommu_detach(unsigned rid, uint64_t **root)
{
	if (!regs)
		return CAIRN_ENOTSUP;
	if (!(*root = arch_iommu_root(rid)))
		return CAIRN_ENOENT;
	context[2 * rid] = 0;
	flush_all();
	return 0;
}

/*
 * Each fault recording register (CAP.NFR + 1 of them from CAP.FRO * 16) is 128 bits:
 * lo the page address; hi bits 0..15 the requester id, 32..39 the reason, 62 set for a
 * read, 63 (F) set while it holds a fault, written 1 to clear. FSTS.PFO (bit 0): faults
 * were lost for want of a free register.
 */
/* Faults reported on the console, at most: a device that faults without end could
 * otherwise hold every core behind the console (the reports are made under the lock). */
#define FAULTS_REPORTED 64

void arch_iommu_fault(void)
{
	static unsigned reported;

	for (unsigned i = 0, off = ((cap >> 24) & 0x3ff) * 16; regs && i <= ((cap >> 40) & 0xff); i++, off += 16) {
		uint64_t hi = REG(off + 8);
		if (!(hi & BUSY))
			continue;
		if (reported < FAULTS_REPORTED && ++reported == FAULTS_REPORTED)
			kprintf("iommu: %u faults reported: no more will be\n", FAULTS_REPORTED);
		else if (reported < FAULTS_REPORTED)
			kprintf("iommu: DMA blocked: device %02lx:%02lx.%lu %s at 0x%lx (reason %lu)\n", (hi >> 8) & 0xff,
			(hi >> 3) & 31, hi & 7, hi & (1ULL << 62) ? "read" : "write", REG(off) & PTE_ADDR, (hi >> 32) & 0xff);
		REG32(off + 12) = 1u << 31;
	}
	if (regs)
		REG32(FSTS32) = 1;
}
