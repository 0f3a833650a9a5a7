/*
 * iommu: DMA confined by the IOMMU (IOMMU capabilities and I/O roots: docs/devices.md,
 * "DMA and the IOMMU"; docs/syscalls.md, "IOMMU"). It must be the first boot module,
 * with "ioport" on its line (PCI through the I/O-port mechanism), and the kernel must
 * run with "ktest" (KCHECK). Its arguments say which machine it is on:
 *
 *   vtd   q35 with intel-iommu (aw-bits=48), QEMU's edu device at 00:06.0 and a second
 *         one at 00:07.0 (its own domain over the same I/O root): edu's DMA
 *         engine copies between its 4 KiB buffer (device address 0x40000) and RAM
 *         through an I/O root the test builds: a granted frame is reached both ways; a
 *         canary frame's and a kernel frame's physical addresses, which the I/O root
 *         does not map, are not (the canary unchanged, the kernel's report line
 *         printed: tests.toml matches it); unmapping revokes at once (the IOTLB is
 *         invalidated); after IOMMU_DETACH nothing is reached; a frame mapped for DMA
 *         is not retyped; every error of the new operations; KCHECK throughout.
 *   none  no IOMMU the kernel drives (pc, q35 without intel-iommu, or a VT-d it refused):
 *         IOMMU_ATTACH and IOMMU_DETACH say CAIRN_ENOTSUP, the rest works the same.
 */
#include <cairn/build.h>
#include <cairn/cairn.h>
#include <cairn/pci.h>
#include <cairn/root.h>

#define MEM   CAIRN_SLOT_MEMORY
#define CT    CAIRN_SLOT_CAPTBL
#define PT    CAIRN_SLOT_PGTBL
#define DEV   CAIRN_SLOT_DEVMEM
#define MMU   CAIRN_SLOT_IOMMU
#define PAGE  4096UL

#define BAR_VA   0x200000000UL		/* edu's registers, in our space */
#define BUF_VA   0x200200000UL		/* our view of the frames the test uses */
#define IOVA     0xc000000UL		/* where the granted frame is for the device (edu
					   reaches only 28-bit addresses: below 256 MiB, and
					   above this machine's 128 MiB of RAM) */
#define IOVA2    (IOVA + PAGE)		/* mapped, used, unmapped: revoked */
#define KERNEL_PA 0x100000UL		/* the kernel image */
#define CANARY_PA 0x3000000UL		/* a frame of ours at a known address (48 MiB: free
					   RAM; cairn_frame takes from 32 MiB on, a few) */
#define IOMMU_REGS 0xfed90000UL		/* QEMU's VT-d registers */

/* QEMU's edu device (docs/specs/edu.rst in QEMU). */
#define EDU_VENDOR 0x1234
#define EDU_DEVICE 0x11e8
#define EDU_ID     0x00			/* 0x010000ed */
#define EDU_DMA_SRC 0x80
#define EDU_DMA_DST 0x88
#define EDU_DMA_CNT 0x90
#define EDU_DMA_CMD 0x98		/* bit 0 start (clear when done), bit 1 device -> RAM */
#define EDU_BUF     0x40000UL
#define DMA_LEN     (PAGE - 1)		/* QEMU 7.2's edu refuses a range ending at its buffer's end */
#define PCI_COMMAND_MASTER 0x4

static const struct cairn_root *R;
static struct cairn_alloc A = { .mem = MEM, .ct = CT, .cursor = 32UL << 20, .end = 0,
				.next_slot = CAIRN_SLOT_FREE, .last_slot = 128 };
static struct pci_cfg cfg;
static struct pci_ports ports;
static volatile uint64_t *edu;
static unsigned bdf, io;		/* edu's requester id; the I/O root's slot */
static unsigned bdf2;			/* the second edu's, 0 if none */
static volatile uint64_t *edu2;
static uint64_t granted, canary, spare;	/* frames: at BUF_VA, + PAGE, + 2 * PAGE */
static unsigned narrowed;		/* an IOMMU capability over edu's id only */
static int vtd;

#define CHECK(id, name, cond, ...) cairn_check(id, name, (cond), __VA_ARGS__)

static uint8_t *view(unsigned i) { return (uint8_t *)(BUF_VA + i * PAGE); }

static void fill(uint8_t *p, uint8_t v) { for (unsigned i = 0; i < PAGE; i++) p[i] = v; }

/* Whether the bytes one DMA moves are all v. */
static int all(const uint8_t *p, uint8_t v)
{
	for (unsigned i = 0; i < DMA_LEN; i++)
		if (p[i] != v)
			return 0;
	return 1;
}

static int none_is(const uint8_t *p, uint8_t v)
{
	for (unsigned i = 0; i < DMA_LEN; i++)
		if (p[i] == v)
			return 0;
	return 1;
}

/* One DMA by the edu at d: to_ram (device buffer -> addr) or from addr; 0 done, -1 timed out. */
static int dma_by(volatile uint64_t *edu, uint64_t addr, int to_ram)
{
	edu[EDU_DMA_SRC / 8] = to_ram ? EDU_BUF : addr;
	edu[EDU_DMA_DST / 8] = to_ram ? addr : EDU_BUF;
	edu[EDU_DMA_CNT / 8] = DMA_LEN;
	edu[EDU_DMA_CMD / 8] = 1 | (to_ram ? 2 : 0);
	for (uint64_t end = cairn_cycles() + 5 * R->tsc_hz; cairn_cycles() < end;)
		if (!(edu[EDU_DMA_CMD / 8] & 1))
			return 0;
	return -1;
}

static int dma(uint64_t addr, int to_ram) { return dma_by(edu, addr, to_ram); }

/* Finds edu, maps its registers, lets it master the bus; 0 or why not. */
static const char *find_edu(void)
{
	static struct pci_func funcs[64];
	struct pci_bar bar[PCI_BARS];

	pci_cfg_ports(&cfg, &ports, CAIRN_SLOT_IOPORT);
	unsigned n = pci_enumerate(&cfg, funcs, 64);
	unsigned found[2], k = 0;

	for (unsigned i = 0; i < n && i < 64; i++)
		if (funcs[i].vendor == EDU_VENDOR && funcs[i].device == EDU_DEVICE && k < 2)
			found[k++] = funcs[i].bdf;
	if (!k)
		return "no edu device";
	if (cairn_pgtbl_path(&A, PT, BAR_VA))
		return "no table for BAR0";
	for (unsigned i = 0; i < k; i++) {
		uint64_t va = BAR_VA + i * PAGE;
		if (pci_bars(&cfg, found[i], bar) < 1 || bar[0].kind != PCI_BAR_MEM32)
			return "no memory BAR0";
		if (cairn_pgtbl_map(PT, va, DEV, bar[0].base, CAIRN_MAP_WRITE))
			return "BAR0 does not map";
		pci_write16(&cfg, found[i], PCI_COMMAND, pci_read16(&cfg, found[i], PCI_COMMAND) |
			    PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
		if ((*(volatile uint32_t *)va & 0xff) != 0xed)
			return "BAR0 is not edu's";
	}
	bdf = found[0];
	edu = (volatile uint64_t *)BAR_VA;
	bdf2 = k > 1 ? found[1] : 0;
	edu2 = k > 1 ? (volatile uint64_t *)(BAR_VA + PAGE) : NULL;
	return NULL;
}

/* Three user frames we see at BUF_VA, and an I/O root with granted at IOVA. */
static long setup(void)
{
	long r = cairn_pgtbl_path(&A, PT, BUF_VA);
	uint64_t *f[] = { &granted, &canary, &spare };

	for (unsigned i = 0; i < 3 && !r; i++) {
		*f[i] = i == 1 ? CANARY_PA : cairn_frame(&A, CAIRN_FRAME_USER);
		if (i == 1)
			r = cairn_mem_retype(MEM, CANARY_PA, CAIRN_FRAME_USER);
		if (!r)
			r = cairn_pgtbl_map(PT, BUF_VA + i * PAGE, MEM, *f[i], CAIRN_MAP_WRITE);
	}
	io = cairn_slot(&A);
	if (!r)
		r = cairn_captbl_act_pgtbl(CT, io, MEM, cairn_frame(&A, CAIRN_FRAME_KERNEL), 4 | CAIRN_PGTBL_IO);
	if (!r)
		r = cairn_pgtbl_path(&A, io, IOVA);
	if (!r)
		r = cairn_pgtbl_map(io, IOVA, MEM, granted, CAIRN_MAP_WRITE);
	return r;
}

/* The I/O root: built as a CPU root is, holds only what it should, KCHECK clean. */
static void test_io_root(long setup_err)
{
	long look = cairn_pgtbl_lookup(io, IOVA);
	long none = cairn_pgtbl_lookup(io, IOVA + 2 * PAGE);
	long kernel = cairn_pgtbl_lookup(io, 0xffff800000000000UL);	/* no kernel half */
	long k = cairn_kcheck();
	CHECK("iommu.1", "io_root_built", setup_err == 0 && look == (long)(granted | CAIRN_MAP_WRITE) &&
	      none == CAIRN_ENOENT && kernel == CAIRN_EFAULT && k == 0,
	      "setup %ld lookup %lx none %ld kernel half %ld kcheck %ld", setup_err, look, none, kernel, k);
}

/* Every error of making and using an I/O root, and of the IOMMU operations. */
static void test_errors(void)
{
	unsigned s = cairn_slot(&A), sub = cairn_slot(&A);
	uint64_t f = cairn_frame(&A, CAIRN_FRAME_KERNEL);
	long l1 = cairn_captbl_act_pgtbl(CT, s, MEM, f, 3 | CAIRN_PGTBL_IO);	/* only a root */
	long l2 = cairn_captbl_act_pgtbl(CT, s, MEM, f, CAIRN_PGTBL_IO);
	long l3 = cairn_captbl_act_pgtbl(CT, s, MEM, f, 5 | CAIRN_PGTBL_IO);
	long l4 = cairn_captbl_act_pgtbl(CT, s, MEM, f, 4 | CAIRN_PGTBL_IO | 0x100);
	long lk = cairn_captbl_act_pgtbl(CT, s, MEM, f, 3);			/* a CPU node */
	CHECK("iommu.2", "io_root_levels", l1 == CAIRN_EINVAL && l2 == CAIRN_EINVAL && l3 == CAIRN_EINVAL &&
	      l4 == CAIRN_EINVAL && lk == 0, "%ld %ld %ld %ld %ld", l1, l2, l3, l4, lk);

	long c1 = cairn_pgtbl_cons(PT, BUF_VA + (1UL << 39), io);		/* an I/O root under a CPU root */
	long c2 = cairn_pgtbl_cons(io, IOVA + (1UL << 39), PT);			/* a CPU root under an I/O root */
	long c3 = cairn_pgtbl_cons(io, IOVA + (1UL << 39), io);			/* itself */
	long c4 = cairn_pgtbl_cons(io, IOVA, s);				/* the level 3 entry is in use */
	long cp = cairn_captbl_act_comp(CT, sub, MEM, cairn_frame(&A, CAIRN_FRAME_KERNEL), CT, io, 0x400000);
	CHECK("iommu.3", "io_root_not_a_cpu_root", c1 == CAIRN_EINVAL && c2 == CAIRN_EINVAL && c3 == CAIRN_EINVAL &&
	      c4 == CAIRN_EBUSY && cp == CAIRN_EINVAL, "cons %ld %ld %ld %ld comp %ld", c1, c2, c3, c4, cp);

	uint64_t va = IOVA + 2 * PAGE;
	long m1 = cairn_pgtbl_map(io, va, DEV, 0xfed00000UL, 0);		/* device memory: the HPET */
	long m2 = cairn_pgtbl_map(io, va, MEM, spare, CAIRN_MAP_EXEC);		/* a device executes nothing */
	long m3 = cairn_pgtbl_map(io, va, MEM, spare, CAIRN_MAP_WRITE | CAIRN_MAP_EXEC);
	long m4 = cairn_pgtbl_map(io, va, MEM, spare, 8);
	long m5 = cairn_pgtbl_map(io, 0x800000000000UL, MEM, spare, 0);		/* past user space */
	long m6 = cairn_pgtbl_map(io, IOVA, MEM, spare, 0);			/* in use */
	long m7 = cairn_pgtbl_map(io, va, MEM, f, 0);				/* a KERNEL frame */
	long m8 = cairn_pgtbl_lookup(io, va);
	long m9 = cairn_pgtbl_map(PT, BUF_VA + 3 * PAGE, DEV, IOMMU_REGS, 0);	/* the kernel's registers */
	CHECK("iommu.4", "io_map_errors", m1 == CAIRN_EBADF && m2 == CAIRN_EINVAL && m3 == CAIRN_EINVAL &&
	      m4 == CAIRN_EINVAL && m5 == CAIRN_EFAULT && m6 == CAIRN_EBUSY && m7 == CAIRN_EACCES &&
	      m8 == CAIRN_ENOENT && (m9 == CAIRN_EACCES || !vtd), "%ld %ld %ld %ld %ld %ld %ld %ld %ld",
	      m1, m2, m3, m4, m5, m6, m7, m8, m9);

	long a1 = cairn_iommu_attach(MMU, bdf, PT);				/* a CPU root */
	long a2 = cairn_iommu_attach(MMU, bdf, s);				/* a level 3 node */
	long a3 = cairn_iommu_attach(MMU, bdf, MEM);				/* not a table */
	long a4 = cairn_iommu_attach(MMU, bdf, sub);				/* empty */
	long a5 = cairn_iommu_attach(MMU, CAIRN_IOMMU_RIDS, io);		/* past the range */
	long a6 = cairn_iommu_attach(MMU, ~0u, io);
	long a7 = cairn_iommu_attach(MEM, bdf, io);				/* not an IOMMU capability */
	long a8 = cairn_iommu_detach(MMU, CAIRN_IOMMU_RIDS);
	long a9 = cairn_iommu_detach(PT, bdf);
	CHECK("iommu.5", "attach_errors", a1 == CAIRN_EINVAL && a2 == CAIRN_EINVAL && a3 == CAIRN_EBADF &&
	      a4 == CAIRN_ENOENT && a5 == CAIRN_ERANGE && a6 == CAIRN_ERANGE && a7 == CAIRN_EBADF &&
	      a8 == CAIRN_ERANGE && a9 == CAIRN_EBADF, "%ld %ld %ld %ld %ld %ld %ld %ld %ld",
	      a1, a2, a3, a4, a5, a6, a7, a8, a9);

	unsigned e = cairn_slot(&A);
	long n1 = cairn_iommu_narrow(MMU, sub, bdf, bdf + 1);
	long n2 = cairn_iommu_attach(sub, bdf + 1, io);				/* outside the narrowed range */
	long n3 = cairn_iommu_narrow(sub, e, bdf, bdf + 2);			/* wider than its own */
	long n4 = cairn_iommu_narrow(sub, e, bdf, bdf);				/* empty */
	long n5 = cairn_iommu_narrow(MMU, e, 0, CAIRN_IOMMU_RIDS + 1);		/* past the first program's */
	long n6 = cairn_iommu_narrow(MMU, sub, 0, 1);				/* occupied */
	long n7 = cairn_iommu_narrow(MMU, 0, 0, 1);				/* the null slot */
	long n8 = cairn_iommu_narrow(MMU, CAIRN_CAPTBL_MAX, 0, 1);		/* out of range */
	long n9 = cairn_iommu_narrow(MEM, e, 0, 1);
	long n10 = cairn_iommu_detach(sub, bdf + 1);
	CHECK("iommu.6", "narrow", n1 == 0 && n2 == CAIRN_ERANGE && n3 == CAIRN_EINVAL && n4 == CAIRN_EINVAL &&
	      n5 == CAIRN_EINVAL && n6 == CAIRN_EBUSY && n7 == CAIRN_EINVAL && n8 == CAIRN_ERANGE &&
	      n9 == CAIRN_EBADF && n10 == CAIRN_ERANGE, "%ld %ld %ld %ld %ld %ld %ld %ld %ld %ld",
	      n1, n2, n3, n4, n5, n6, n7, n8, n9, n10);

	long d1 = cairn_captbl_deact(CT, s), d2 = cairn_frame_put(&A, f);
	long k = cairn_kcheck();
	CHECK("iommu.7", "errors_change_nothing", d1 == 0 && d2 == 0 && k == 0 &&
	      cairn_pgtbl_lookup(io, IOVA) == (long)(granted | CAIRN_MAP_WRITE), "deact %ld put %ld kcheck %ld",
	      d1, d2, k);
	cairn_slot_put(&A, e);
	narrowed = sub;		/* edu's requester id only: the DMA tests attach through it */
}

/* Without an IOMMU the kernel drives: attach and detach are not supported, nothing changes. */
static void test_none(void)
{
	long a = cairn_iommu_attach(narrowed, bdf, io);
	long d = cairn_iommu_detach(MMU, 0);
	long x = cairn_captbl_deact(CT, io);	/* not attached: only its tables hold it */
	long k = cairn_kcheck();
	CHECK("iommu.8", "no_iommu_attach_unsupported", a == CAIRN_ENOTSUP && d == CAIRN_ENOTSUP &&
	      x == CAIRN_EBUSY && k == 0, "attach %ld detach %ld deact %ld kcheck %ld", a, d, x, k);
}

/* A granted frame is reached both ways; an address the root does not map is not. */
static void test_dma(void)
{
	long a = cairn_iommu_attach(narrowed, bdf, io);
	long again = cairn_iommu_attach(MMU, bdf, io);		/* attached already */
	long busy = cairn_captbl_deact(CT, io);			/* attached: held */
	long k = cairn_kcheck();
	CHECK("iommu.8", "attach", a == 0 && again == CAIRN_EBUSY && busy == CAIRN_EBUSY && k == 0,
	      "attach %ld again %ld deact %ld kcheck %ld", a, again, busy, k);

	fill(view(0), 0xa5);
	int t1 = dma(IOVA, 0);					/* granted -> device */
	fill(view(0), 0);
	int t2 = dma(IOVA, 1);					/* device -> granted */
	CHECK("iommu.9", "granted_frame_both_ways", !t1 && !t2 && all(view(0), 0xa5),
	      "dma %d %d, granted[0] %02x", t1, t2, view(0)[0]);

	fill(view(1), 0x5a);
	int t3 = dma(canary, 1);				/* device -> the canary's address */
	int t4 = dma(KERNEL_PA, 1);				/* device -> the kernel */
	int t5 = dma(canary, 0);				/* the canary -> device */
	fill(view(0), 0);
	int t6 = dma(IOVA, 1);					/* what the device got */
	k = cairn_kcheck();
	CHECK("iommu.10", "other_addresses_blocked", !t3 && !t4 && !t5 && !t6 && all(view(1), 0x5a) &&
	      none_is(view(0), 0x5a) && k == 0, "dma %d %d %d %d canary[0] %02x device[0] %02x kcheck %ld",
	      t3, t4, t5, t6, view(1)[0], view(0)[0], k);
}

/* Unmapping revokes at once; a frame mapped for DMA is not retyped; detach blocks all. */
static void test_revoke(void)
{
	fill(view(0), 0xa5);
	int t0 = dma(IOVA, 0);					/* the device holds 0xa5 again */
	fill(view(2), 0x33);
	long m = cairn_pgtbl_map(io, IOVA2, MEM, spare, CAIRN_MAP_WRITE);
	int t1 = dma(IOVA2, 1);					/* 0xa5 arrives */
	int got = all(view(2), 0xa5);
	long r1 = cairn_mem_retype(MEM, spare, CAIRN_FRAME_UNTYPED);
	long u = cairn_pgtbl_unmap(PT, BUF_VA + 2 * PAGE);	/* only the I/O root maps it now */
	long r2 = cairn_mem_retype(MEM, spare, CAIRN_FRAME_UNTYPED);
	long k = cairn_kcheck();
	CHECK("iommu.11", "dma_frame_not_retyped", m == 0 && !t0 && !t1 && got && r1 == CAIRN_EBUSY && u == 0 &&
	      r2 == CAIRN_EBUSY && k == 0, "map %ld dma %d %d arrived %d retype %ld unmap %ld retype %ld kcheck %ld",
	      m, t0, t1, got, r1, u, r2, k);

	long io_u = cairn_pgtbl_unmap(io, IOVA2);
	long r3 = cairn_mem_retype(MEM, spare, CAIRN_FRAME_UNTYPED);
	long r4 = cairn_mem_retype(MEM, spare, CAIRN_FRAME_USER);	/* zeroed on the way */
	long mm = cairn_pgtbl_map(PT, BUF_VA + 2 * PAGE, MEM, spare, CAIRN_MAP_WRITE);
	int t2 = dma(IOVA2, 1);					/* no longer mapped: blocked */
	CHECK("iommu.12", "unmap_revokes_dma", io_u == 0 && r3 == 0 && r4 == 0 && mm == 0 && !t2 &&
	      all(view(2), 0), "unmap %ld retype %ld %ld map %ld dma %d spare[0] %02x", io_u, r3, r4, mm,
	      t2, view(2)[0]);

	fill(view(0), 0x11);
	long d = cairn_iommu_detach(narrowed, bdf);
	long d2 = cairn_iommu_detach(MMU, bdf);			/* not attached */
	int t3 = dma(IOVA, 1);					/* no context entry: blocked */
	k = cairn_kcheck();
	CHECK("iommu.13", "detached_reaches_nothing", d == 0 && d2 == CAIRN_ENOENT && !t3 && all(view(0), 0x11) &&
	      k == 0, "detach %ld %ld dma %d granted[0] %02x kcheck %ld", d, d2, t3, view(0)[0], k);

	long a2 = bdf2 ? cairn_iommu_attach(MMU, bdf2, io) : -100;	/* the same root, its own domain */
	fill(view(0), 0x77);
	int t4 = edu2 ? dma_by(edu2, IOVA, 0) : -1;
	fill(view(0), 0);
	int t5 = edu2 ? dma_by(edu2, IOVA, 1) : -1;		/* 0x77 arrives */
	int t6 = dma(IOVA, 1);					/* the first one stays detached */
	long d3 = bdf2 ? cairn_iommu_detach(MMU, bdf2) : -100;
	k = cairn_kcheck();
	CHECK("iommu.15", "second_device_own_domain", a2 == 0 && !t4 && !t5 && !t6 && all(view(0), 0x77) &&
	      d3 == 0 && k == 0, "attach %ld dma %d %d %d granted[0] %02x detach %ld kcheck %ld", a2, t4, t5, t6,
	      view(0)[0], d3, k);

	long x1 = cairn_pgtbl_unmap(io, IOVA);
	long x2 = cairn_pgtbl_decons(io, IOVA, 1), x3 = cairn_pgtbl_decons(io, IOVA, 2);
	long x4 = cairn_pgtbl_decons(io, IOVA, 3), x5 = cairn_captbl_deact(CT, io);
	k = cairn_kcheck();
	CHECK("iommu.14", "io_root_torn_down", !x1 && !x2 && !x3 && !x4 && !x5 && k == 0,
	      "unmap %ld decons %ld %ld %ld deact %ld kcheck %ld", x1, x2, x3, x4, x5, k);
}

int main(const void *root)
{
	R = root;
	A.end = R->mem_end;
	vtd = cairn_arg_flag(R, "vtd");
	const char *why = find_edu();
	CHECK("iommu.0", "edu_found", !why, "%s", why ? why : "");
	if (why)
		return 1;
	test_io_root(setup());
	test_errors();
	if (!vtd) {
		test_none();
		return 0;
	}
	test_dma();
	test_revoke();
	return 0;
}
