/*
 * test_pci.c: libpci (lib/libpci/pci.c, bar.c, cap.c, msi.c) over a fake configuration space:
 * enumeration through bridges (including hostile ones that loop) and multi-function
 * devices; BAR decoding and sizing for I/O, 32-bit, 64-bit and prefetchable BARs, with
 * decode off while sizing and everything restored; capability walks, including loops,
 * pointers below 0x40 and pointers near 0xff; MSI and MSI-X programming, a hostile BAR
 * index refused. The fake checks that every access the
 * library makes is well formed (pci_cfg_valid). The ECAM mechanism (ecam.c) over a fake
 * ECAM buffer: where each access lands, what it refuses, enumeration through it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include <cairn/pci.h>

/* ---- the fake configuration space ---------------------------------------------------- */

#define MAX_FNS 16

struct fake_fn {
	unsigned bdf;
	uint8_t cfg[PCI_CFG_SIZE];
	uint32_t bar_rw[PCI_BARS];	/* the writable bits of each BAR register */
};

static struct fake {
	struct fake_fn fn[MAX_FNS];
	unsigned n;
	unsigned bad_access;		/* accesses pci_cfg_valid refuses */
	unsigned bar_write_decoding;	/* BAR writes while I/O or memory decode was on */
	unsigned status_writes;		/* writes touching the status register */
} F;

static struct fake_fn *find(unsigned bdf)
{
	for (unsigned i = 0; i < F.n; i++)
		if (F.fn[i].bdf == bdf)
			return &F.fn[i];
	return NULL;
}

static uint32_t get(const uint8_t *cfg, unsigned off, unsigned width)
{
	uint32_t v = 0;
	for (unsigned i = 0; i < width; i++)
		v |= (uint32_t)cfg[off + i] << (8 * i);
	return v;
}

static void put(uint8_t *cfg, unsigned off, unsigned width, uint32_t v)
{
	for (unsigned i = 0; i < width; i++)
		cfg[off + i] = (uint8_t)(v >> (8 * i));
}

static uint32_t fake_read(void *ctx, unsigned bdf, unsigned off, unsigned width)
{
	(void)ctx;
	if (!pci_cfg_valid(bdf, off, width)) {
		F.bad_access++;
		return 0xffffffffu;
	}
	struct fake_fn *f = find(bdf);
	if (!f)
		return width == 4 ? 0xffffffffu : (1u << (8 * width)) - 1;
	return get(f->cfg, off, width);
}

/* BARs take only their writable bits; everything else is plain memory. */
static void fake_write(void *ctx, unsigned bdf, unsigned off, unsigned width, uint32_t v)
{
	(void)ctx;
	struct fake_fn *f = find(bdf);
	if (!pci_cfg_valid(bdf, off, width)) {
		F.bad_access++;
		return;
	}
	if (!f)
		return;
	if (off < PCI_STATUS + 2 && off + width > PCI_STATUS)
		F.status_writes++;
	if (off >= PCI_BAR0 && off < PCI_BAR0 + 4 * PCI_BARS) {
		assert_int_equal(width, 4);
		if (get(f->cfg, PCI_COMMAND, 2) & (PCI_COMMAND_IO | PCI_COMMAND_MEMORY))
			F.bar_write_decoding++;
		uint32_t rw = f->bar_rw[(off - PCI_BAR0) / 4];
		v = (v & rw) | (get(f->cfg, off, 4) & ~rw);
	}
	put(f->cfg, off, width, v);
}

static const struct pci_cfg CFG = { .read = fake_read, .write = fake_write, .ctx = NULL };

/* Adds function bdf with its ids and header type; status 0x0000, command 0x0007. */
static struct fake_fn *add(unsigned bdf, uint16_t vendor, uint16_t device, uint32_t class_rev, uint8_t hdr)
{
	assert_true(F.n < MAX_FNS);
	struct fake_fn *f = &F.fn[F.n++];
	memset(f, 0, sizeof(*f));
	f->bdf = bdf;
	put(f->cfg, PCI_VENDOR_ID, 2, vendor);
	put(f->cfg, PCI_VENDOR_ID + 2, 2, device);
	put(f->cfg, PCI_COMMAND, 2, 0x0007);
	put(f->cfg, PCI_CLASS_REV, 4, class_rev);
	put(f->cfg, PCI_HEADER_TYPE, 1, hdr);
	return f;
}

static struct fake_fn *add_bridge(unsigned bdf, unsigned secondary)
{
	struct fake_fn *f = add(bdf, 0x8086, 0x0001, 0x06040000, PCI_HEADER_BRIDGE);
	f->cfg[PCI_SECONDARY_BUS] = (uint8_t)secondary;
	return f;
}

static int setup(void **state)
{
	(void)state;
	memset(&F, 0, sizeof(F));
	return 0;
}

static void assert_clean(void)
{
	assert_int_equal(F.bad_access, 0);
	assert_int_equal(F.bar_write_decoding, 0);
	assert_int_equal(F.status_writes, 0);
}

/* ---- enumeration ------------------------------------------------------------------- */

static int listed(const struct pci_func *fs, unsigned n, unsigned bdf)
{
	for (unsigned i = 0; i < n; i++)
		if (fs[i].bdf == bdf)
			return 1;
	return 0;
}

/*
 * Bus 0: a host bridge at 00:00.0; a multi-function device at 00:01 with functions 0,
 * 1 and 3; a bridge at 00:02.0 to bus 1; a single-function device at 00:03.0 with a
 * stray function 1 (not to be probed); functions 1 and 2 of 00:04 without a function 0.
 * Bus 1: a device and two hostile bridges, back to bus 0 and to bus 1 itself. Bus 5 has
 * a device no bridge reaches.
 */
static void build_tree(void)
{
	struct fake_fn *host = add(PCI_BDF(0, 0, 0), 0x8086, 0x1237, 0x06000002, 0);
	put(host->cfg, PCI_INTERRUPT, 2, 0x010b);
	add(PCI_BDF(0, 1, 0), 0x8086, 0x7000, 0x06010000, PCI_HEADER_MULTI);
	add(PCI_BDF(0, 1, 1), 0x8086, 0x7010, 0x01018000, 0);
	add(PCI_BDF(0, 1, 3), 0x8086, 0x7113, 0x06800003, 0);
	add_bridge(PCI_BDF(0, 2, 0), 1);
	add(PCI_BDF(0, 3, 0), 0x1af4, 0x1041, 0x02000001, 0);
	add(PCI_BDF(0, 3, 1), 0x1af4, 0x1041, 0x02000001, 0);
	add(PCI_BDF(0, 4, 1), 0x1234, 0x0001, 0, 0);
	add(PCI_BDF(0, 4, 2), 0x1234, 0x0002, 0, 0);
	add(PCI_BDF(1, 0, 0), 0x1af4, 0x1044, 0x00ff0001, 0);
	add_bridge(PCI_BDF(1, 1, 0), 0);
	add_bridge(PCI_BDF(1, 2, 0), 1);
	add(PCI_BDF(5, 0, 0), 0x1234, 0x0005, 0, 0);
}

static void enumerate_follows_bridges_and_functions(void **state)
{
	(void)state;
	build_tree();
	struct pci_func fs[32];
	unsigned n = pci_enumerate(&CFG, fs, 32);

	/* in order of discovery, each once: bus 1's bridges back to buses 0 and 1 make
	 * neither bus scanned again */
	static const unsigned want[] = {
		PCI_BDF(0, 0, 0), PCI_BDF(0, 1, 0), PCI_BDF(0, 1, 1), PCI_BDF(0, 1, 3),
		PCI_BDF(0, 2, 0), PCI_BDF(0, 3, 0), PCI_BDF(1, 0, 0), PCI_BDF(1, 1, 0),
		PCI_BDF(1, 2, 0),
	};
	assert_int_equal(n, 9);
	for (unsigned i = 0; i < 9; i++)
		assert_int_equal(fs[i].bdf, want[i]);
	assert_false(listed(fs, n, PCI_BDF(0, 3, 1)));	/* not multi-function */
	assert_false(listed(fs, n, PCI_BDF(0, 4, 1)));	/* no function 0 */
	assert_false(listed(fs, n, PCI_BDF(5, 0, 0)));	/* unreachable */
	assert_clean();
}

static void enumerate_records_header_fields(void **state)
{
	(void)state;
	build_tree();
	struct pci_func fs[32];
	unsigned n = pci_enumerate(&CFG, fs, 32);

	assert_true(n >= 1);
	assert_int_equal(fs[0].bdf, PCI_BDF(0, 0, 0));
	assert_int_equal(fs[0].vendor, 0x8086);
	assert_int_equal(fs[0].device, 0x1237);
	assert_int_equal(fs[0].class_code, 0x06);
	assert_int_equal(fs[0].subclass, 0x00);
	assert_int_equal(fs[0].prog_if, 0x00);
	assert_int_equal(fs[0].revision, 0x02);
	assert_int_equal(fs[0].irq_line, 0x0b);
	assert_int_equal(fs[0].irq_pin, 0x01);
	assert_int_equal(fs[0].secondary, 0);
	assert_int_equal(fs[1].header_type, PCI_HEADER_MULTI);
	assert_int_equal(fs[2].class_code, 0x01);
	assert_int_equal(fs[2].subclass, 0x01);
	assert_int_equal(fs[2].prog_if, 0x80);
	assert_int_equal(fs[4].bdf, PCI_BDF(0, 2, 0));
	assert_int_equal(fs[4].secondary, 1);
}

static void enumerate_counts_past_max(void **state)
{
	(void)state;
	build_tree();
	struct pci_func fs[3];
	memset(fs, 0, sizeof(fs));

	assert_int_equal(pci_enumerate(&CFG, fs, 2), 9);
	assert_int_equal(fs[0].bdf, PCI_BDF(0, 0, 0));
	assert_int_equal(fs[1].bdf, PCI_BDF(0, 1, 0));
	assert_int_equal(fs[2].vendor, 0);			/* untouched */
	assert_int_equal(pci_enumerate(&CFG, NULL, 0), 9);
}

static void enumerate_empty_root(void **state)
{
	(void)state;
	struct pci_func f;
	assert_int_equal(pci_enumerate(&CFG, &f, 1), 0);
	assert_int_equal(pci_read_func(&CFG, PCI_BDF(0, 0, 0), &f), CAIRN_ENOENT);
}

/* ---- BARs ---------------------------------------------------------------------------- */

/* A BAR register's initial value and writable bits. */
static void set_bar(struct fake_fn *f, unsigned i, uint32_t value, uint32_t rw)
{
	put(f->cfg, PCI_BAR0 + 4 * i, 4, value);
	f->bar_rw[i] = rw;
}

static void bars_decoded_and_sized(void **state)
{
	(void)state;
	struct fake_fn *f = add(PCI_BDF(0, 3, 0), 0x1af4, 0x1041, 0x02000001, 0);
	set_bar(f, 0, 0x0000c041, 0x0000ffe0);		/* I/O, 32 ports, 16-bit decoder */
	set_bar(f, 1, 0xfeb01000, 0xfffff000);		/* 32-bit memory, 4 KiB */
	set_bar(f, 2, 0x0000400c, 0xffffc000);		/* 64-bit prefetchable, 16 KiB ... */
	set_bar(f, 3, 0x00000008, 0xffffffff);		/* ... at 0x8_0000_4000 */
	set_bar(f, 4, 0, 0);				/* not implemented */
	set_bar(f, 5, 0xfe000008, 0xfff00000);		/* 32-bit prefetchable, 1 MiB */
	uint8_t before[PCI_CFG_SIZE];
	memcpy(before, f->cfg, sizeof(before));
	struct pci_bar b[PCI_BARS];

	assert_int_equal(pci_bars(&CFG, f->bdf, b), 4);
	assert_int_equal(b[0].kind, PCI_BAR_IO);
	assert_int_equal(b[0].base, 0xc040);
	assert_int_equal(b[0].size, 0x20);
	assert_int_equal(b[1].kind, PCI_BAR_MEM32);
	assert_int_equal(b[1].base, 0xfeb01000);
	assert_int_equal(b[1].size, 0x1000);
	assert_false(b[1].prefetchable);
	assert_int_equal(b[2].kind, PCI_BAR_MEM64);
	assert_int_equal(b[2].base, 0x800004000ull);
	assert_int_equal(b[2].size, 0x4000);
	assert_true(b[2].prefetchable);
	assert_int_equal(b[3].kind, PCI_BAR_NONE);		/* the upper half */
	assert_int_equal(b[4].kind, PCI_BAR_NONE);
	assert_int_equal(b[4].size, 0);
	assert_int_equal(b[5].kind, PCI_BAR_MEM32);
	assert_int_equal(b[5].base, 0xfe000000);
	assert_int_equal(b[5].size, 0x100000);
	assert_true(b[5].prefetchable);
	assert_memory_equal(before, f->cfg, sizeof(before));	/* command and BARs restored */
	assert_clean();
}

static void bar_64bit_above_4g_size(void **state)
{
	(void)state;
	struct fake_fn *f = add(PCI_BDF(0, 5, 0), 0x1234, 0x0001, 0, 0);
	set_bar(f, 0, 0x0000000c, 0x00000000);		/* 64-bit, 8 GiB: the low half fixed */
	set_bar(f, 1, 0x00000004, 0xfffffffe);
	struct pci_bar b[PCI_BARS];

	assert_int_equal(pci_bars(&CFG, f->bdf, b), 1);
	assert_int_equal(b[0].kind, PCI_BAR_MEM64);
	assert_int_equal(b[0].base, 0x400000000ull);
	assert_int_equal(b[0].size, 0x200000000ull);
	assert_clean();
}

static void bar_hostile_masks(void **state)
{
	(void)state;
	struct fake_fn *f = add(PCI_BDF(0, 5, 0), 0x1234, 0x0001, 0, 0);
	set_bar(f, 0, 0x00000000, 0xf0f0f000);		/* holes: the lowest bit counts */
	set_bar(f, 1, 0x00000006, 0xffffffff);		/* reserved memory type */
	set_bar(f, 2, 0x00000001, 0x00000000);		/* I/O that decodes nothing */
	set_bar(f, 5, 0x00000004, 0xffffff00);		/* 64-bit in the last slot */
	uint8_t before[PCI_CFG_SIZE];
	memcpy(before, f->cfg, sizeof(before));
	struct pci_bar b[PCI_BARS];

	assert_int_equal(pci_bars(&CFG, f->bdf, b), 1);
	assert_int_equal(b[0].kind, PCI_BAR_MEM32);
	assert_int_equal(b[0].size, 0x1000);
	assert_int_equal(b[1].kind, PCI_BAR_BAD);
	assert_int_equal(b[2].kind, PCI_BAR_NONE);
	assert_int_equal(b[5].kind, PCI_BAR_BAD);
	assert_memory_equal(before, f->cfg, sizeof(before));
	assert_clean();
}

static void bars_refused_for_bridge_and_absent(void **state)
{
	(void)state;
	struct fake_fn *br = add_bridge(PCI_BDF(0, 2, 0), 1);
	struct pci_bar b[PCI_BARS];
	memset(b, 0x5a, sizeof(b));
	struct pci_bar copy[PCI_BARS];
	memcpy(copy, b, sizeof(b));

	assert_int_equal(pci_bars(&CFG, br->bdf, b), CAIRN_ENOTSUP);
	assert_int_equal(pci_bars(&CFG, PCI_BDF(0, 9, 0), b), CAIRN_ENOENT);
	assert_memory_equal(copy, b, sizeof(b));
	assert_int_equal(get(br->cfg, PCI_COMMAND, 2), 0x0007);
}

/* ---- capability lists ---------------------------------------------------------------- */

/* A function with a capability list starting at first (status bit 4 set). */
static struct fake_fn *with_caps(unsigned first)
{
	struct fake_fn *f = add(PCI_BDF(0, 3, 0), 0x1af4, 0x1041, 0x02000001, 0);
	put(f->cfg, PCI_STATUS, 2, PCI_STATUS_CAPS);
	f->cfg[PCI_CAP_PTR] = (uint8_t)first;
	return f;
}

static void cap(struct fake_fn *f, unsigned off, unsigned id, unsigned next)
{
	f->cfg[off] = (uint8_t)id;
	f->cfg[off + 1] = (uint8_t)next;
}

/* Walks f's list into offs/ids; returns the count, *bad the iterator's flag. */
static unsigned walk(struct fake_fn *f, unsigned *offs, unsigned *ids, unsigned max, int *bad)
{
	struct pci_cap_iter it;
	struct pci_cap c;
	unsigned n = 0;

	pci_cap_begin(&CFG, f->bdf, &it);
	while (pci_cap_next(&it, &c)) {
		assert_true(n < max);
		offs[n] = c.offset;
		ids[n++] = c.id;
	}
	*bad = it.bad;
	return n;
}

static void caps_walk_and_find(void **state)
{
	(void)state;
	struct fake_fn *f = with_caps(0x43);		/* low bits ignored */
	cap(f, 0x40, PCI_CAP_MSIX, 0x50);
	cap(f, 0x50, PCI_CAP_VENDOR, 0x62);
	cap(f, 0x60, PCI_CAP_VENDOR, 0x00);
	unsigned offs[8], ids[8];
	int bad;

	assert_int_equal(walk(f, offs, ids, 8, &bad), 3);
	assert_false(bad);
	assert_int_equal(offs[0], 0x40);
	assert_int_equal(ids[0], PCI_CAP_MSIX);
	assert_int_equal(offs[1], 0x50);
	assert_int_equal(offs[2], 0x60);
	assert_int_equal(ids[2], PCI_CAP_VENDOR);
	assert_int_equal(pci_cap_find(&CFG, f->bdf, PCI_CAP_MSIX), 0x40);
	assert_int_equal(pci_cap_find(&CFG, f->bdf, PCI_CAP_VENDOR), 0x50);
	assert_int_equal(pci_cap_find(&CFG, f->bdf, PCI_CAP_MSI), 0);
	assert_clean();
}

static void caps_loop_is_cut(void **state)
{
	(void)state;
	struct fake_fn *f = with_caps(0x40);
	cap(f, 0x40, PCI_CAP_MSIX, 0x50);
	cap(f, 0x50, PCI_CAP_VENDOR, 0x41);		/* back to 0x40 */
	unsigned offs[8], ids[8];
	int bad;

	assert_int_equal(walk(f, offs, ids, 8, &bad), 2);
	assert_true(bad);
	assert_int_equal(pci_cap_find(&CFG, f->bdf, PCI_CAP_MSI), 0);

	cap(f, 0x50, PCI_CAP_VENDOR, 0x50);		/* to itself */
	assert_int_equal(walk(f, offs, ids, 8, &bad), 2);
	assert_true(bad);
	assert_clean();
}

static void caps_pointer_below_0x40_is_cut(void **state)
{
	(void)state;
	struct fake_fn *f = with_caps(0x40);
	cap(f, 0x40, PCI_CAP_MSIX, 0x3c);
	unsigned offs[8], ids[8];
	int bad;

	assert_int_equal(walk(f, offs, ids, 8, &bad), 1);
	assert_true(bad);

	f->cfg[PCI_CAP_PTR] = 0x10;			/* the first pointer, too */
	assert_int_equal(walk(f, offs, ids, 8, &bad), 0);
	assert_true(bad);
	assert_clean();
}

static void caps_pointer_to_0xff_stays_inside(void **state)
{
	(void)state;
	struct fake_fn *f = with_caps(0x40);
	cap(f, 0x40, PCI_CAP_MSI, 0xff);		/* reads as 0xfc */
	cap(f, 0xfc, PCI_CAP_VENDOR, 0x00);
	unsigned offs[8], ids[8];
	int bad;

	assert_int_equal(walk(f, offs, ids, 8, &bad), 2);
	assert_false(bad);
	assert_int_equal(offs[1], 0xfc);
	assert_int_equal(ids[1], PCI_CAP_VENDOR);

	cap(f, 0xfc, PCI_CAP_VENDOR, 0xff);		/* the last entry naming itself */
	assert_int_equal(walk(f, offs, ids, 8, &bad), 2);
	assert_true(bad);
	assert_clean();
}

static void caps_longest_chain_ends(void **state)
{
	(void)state;
	struct fake_fn *f = with_caps(0x40);
	for (unsigned off = 0x40; off < 0x100; off += 4)
		cap(f, off, 0x09, off + 4 < 0x100 ? off + 4 : 0x40);	/* every dword, then a loop */
	unsigned offs[PCI_CAP_STEPS], ids[PCI_CAP_STEPS];
	int bad;

	assert_int_equal(walk(f, offs, ids, PCI_CAP_STEPS, &bad), PCI_CAP_STEPS);
	assert_true(bad);
	assert_clean();
}

static void caps_absent_without_status_bit(void **state)
{
	(void)state;
	struct fake_fn *f = with_caps(0x40);
	cap(f, 0x40, PCI_CAP_MSIX, 0);
	put(f->cfg, PCI_STATUS, 2, 0);
	unsigned offs[8], ids[8];
	int bad;

	assert_int_equal(walk(f, offs, ids, 8, &bad), 0);
	assert_false(bad);
	assert_int_equal(pci_cap_find(&CFG, PCI_BDF(0, 9, 0), PCI_CAP_MSIX), 0);	/* no function */
	assert_clean();
}

/* MSI, 32- and 64-bit: the message where the capability's layout puts it, one vector. */
static void msi_enable_writes_the_message(void **state)
{
	(void)state;
	struct fake_fn *f = with_caps(0x50);
	cap(f, 0x50, PCI_CAP_MSI, 0x60);
	put(f->cfg, 0x52, 2, 0x0076);		/* 32-bit; 8 vectors asked, 8 enabled */
	cap(f, 0x60, PCI_CAP_MSI, 0);
	put(f->cfg, 0x62, 2, 0x0180);		/* 64-bit, per-vector masking */
	put(f->cfg, 0x68, 4, 0xdeadbeef);
	put(f->cfg, 0x70, 4, 0x3);		/* vectors 0 and 1 masked */

	pci_msi_enable(&CFG, f->bdf, 0x50, 0xfee01000, 0x45);
	assert_int_equal(get(f->cfg, 0x52, 2), 0x0007);	/* enabled, one vector */
	assert_int_equal(get(f->cfg, 0x54, 4), 0xfee01000);
	assert_int_equal(get(f->cfg, 0x58, 2), 0x45);
	pci_msi_enable(&CFG, f->bdf, 0x60, 0xfee00000, 0x5f);
	assert_int_equal(get(f->cfg, 0x62, 2), 0x0181);
	assert_int_equal(get(f->cfg, 0x64, 4), 0xfee00000);
	assert_int_equal(get(f->cfg, 0x68, 4), 0);		/* the address's high half */
	assert_int_equal(get(f->cfg, 0x6c, 2), 0x5f);
	assert_int_equal(get(f->cfg, 0x70, 4), 0x2);		/* vector 0 unmasked, the rest as they were */
	assert_clean();
}

/* MSI-X: the table's and the array's BAR and offset, the size; a BAR index past 5 refused. */
static void msix_read_and_hostile_bir(void **state)
{
	(void)state;
	struct fake_fn *f = with_caps(0x40);
	struct pci_msix m;
	cap(f, 0x40, PCI_CAP_MSIX, 0);
	put(f->cfg, 0x42, 2, 0x07ff);		/* 2048 entries */
	put(f->cfg, 0x44, 4, 0x00002001);	/* BAR1 + 0x2000 */
	put(f->cfg, 0x48, 4, 0x00003004);	/* BAR4 + 0x3000 */

	assert_int_equal(pci_msix_read(&CFG, f->bdf, 0x40, &m), 0);
	assert_int_equal(m.size, 2048);
	assert_int_equal(m.table_bar, 1);
	assert_int_equal(m.table_off, 0x2000);
	assert_int_equal(m.pba_bar, 4);
	assert_int_equal(m.pba_off, 0x3000);
	put(f->cfg, 0x44, 4, 0x00002006);	/* BAR index 6 */
	assert_int_equal(pci_msix_read(&CFG, f->bdf, 0x40, &m), CAIRN_EINVAL);
	put(f->cfg, 0x44, 4, 0x1);
	put(f->cfg, 0x48, 4, 0x7);		/* the array's, 7 */
	assert_int_equal(pci_msix_read(&CFG, f->bdf, 0x40, &m), CAIRN_EINVAL);

	put(f->cfg, 0x42, 2, 0x0003);
	pci_msix_control(&CFG, f->bdf, 0x40, PCI_MSIX_ENABLE | PCI_MSIX_MASKALL, 0);
	assert_int_equal(get(f->cfg, 0x42, 2), 0xc003);
	pci_msix_control(&CFG, f->bdf, 0x40, 0, PCI_MSIX_MASKALL);
	assert_int_equal(get(f->cfg, 0x42, 2), 0x8003);
	assert_clean();
}

/* pci_cfg_copy: a function's copied configuration space reads as the live one did,
 * refuses what pci_cfg_valid refuses, reads other functions as absent, ignores writes;
 * a capability walk over it finds what the walk over the live space found. */
static void copy_reads_and_refuses(void **state)
{
	(void)state;
	struct fake_fn *f = with_caps(0x40);
	cap(f, 0x40, PCI_CAP_VENDOR, 0x60);
	cap(f, 0x60, PCI_CAP_MSIX, 0);
	uint8_t bytes[PCI_CFG_SIZE];
	memcpy(bytes, f->cfg, sizeof bytes);
	struct pci_cfg c;
	struct pci_copy copy;
	pci_cfg_copy(&c, &copy, bytes, f->bdf);

	assert_int_equal(pci_read32(&c, f->bdf, 0), get(f->cfg, 0, 4));
	assert_int_equal(pci_read16(&c, f->bdf, PCI_STATUS), get(f->cfg, PCI_STATUS, 2));
	assert_int_equal(pci_read8(&c, f->bdf, 0xff), f->cfg[0xff]);
	assert_int_equal(c.read(c.ctx, f->bdf, 0xfd, 4), 0xffffffffu);		/* misaligned */
	assert_int_equal(c.read(c.ctx, f->bdf, 0x100, 1), 0xffu);		/* past the end */
	assert_int_equal(c.read(c.ctx, f->bdf, 0xfe, 4), 0xffffffffu);
	assert_int_equal(c.read(c.ctx, f->bdf, 0, 3), 0xffffffu);		/* no such width */
	assert_int_equal(c.read(c.ctx, 0x10000, 0, 2), 0xffffu);
	assert_int_equal(pci_read16(&c, f->bdf ^ 8, 0), PCI_VENDOR_NONE);	/* another function */
	pci_write32(&c, f->bdf, 0x40, 0);
	assert_memory_equal(bytes, f->cfg, sizeof bytes);			/* nothing written */
	assert_int_equal(pci_cap_find(&c, f->bdf, PCI_CAP_MSIX), 0x60);
	assert_int_equal(pci_cap_find(&c, f->bdf, PCI_CAP_VENDOR), 0x40);
	assert_clean();
}

/* ---- the ECAM mechanism (ecam.c) over a fake buffer ---------------------------------- */

#define ECAM_BUSES 2			/* the fake holds buses ecam_first .. ecam_first + 1 */
#define ECAM_FN    4096u

static uint8_t *ecam_buf;		/* ECAM_BUSES MiB, all ones: no function answers */
static unsigned ecam_first;		/* the bus ecam_buf starts at */
static unsigned ecam_calls, ecam_hole = ~0u;	/* page() calls; a bdf it has no page for */

static volatile void *ecam_page(void *ctx, unsigned bdf)
{
	assert_ptr_equal(ctx, &ecam_first);
	assert_true(PCI_BUS(bdf) >= ecam_first && PCI_BUS(bdf) < ecam_first + ECAM_BUSES);
	ecam_calls++;
	return bdf == ecam_hole ? NULL : ecam_buf + (size_t)(bdf - (ecam_first << 8)) * ECAM_FN;
}

static uint8_t *ecam_fn(unsigned bdf)
{
	return ecam_buf + (size_t)(bdf - (ecam_first << 8)) * ECAM_FN;
}

/* A fresh fake of buses first.. first + 1 behind *cfg, its range start..end. */
static void ecam_setup(struct pci_cfg *cfg, struct pci_ecam *e, unsigned first, unsigned start, unsigned end)
{
	static uint8_t buf[ECAM_BUSES << 20];

	memset(buf, 0xff, sizeof(buf));
	ecam_buf = buf;
	ecam_first = first;
	ecam_calls = 0;
	ecam_hole = ~0u;
	pci_cfg_ecam(cfg, e, start, end, ecam_page, &ecam_first);
}

static void ecam_function(unsigned bdf, uint16_t vendor, uint16_t device, uint32_t class_rev, uint8_t hdr)
{
	uint8_t *c = ecam_fn(bdf);

	memset(c, 0, PCI_CFG_SIZE);
	put(c, PCI_VENDOR_ID, 2, vendor);
	put(c, PCI_VENDOR_ID + 2, 2, device);
	put(c, PCI_CLASS_REV, 4, class_rev);
	put(c, PCI_HEADER_TYPE, 1, hdr);
}

static void ecam_reads_land_in_the_functions_page(void **state)
{
	(void)state;
	struct pci_cfg cfg;
	struct pci_ecam e;
	unsigned bdf = PCI_BDF(1, 17, 5);

	ecam_setup(&cfg, &e, 0, 0, 1);
	for (unsigned i = 0; i < PCI_CFG_SIZE; i++)
		ecam_fn(bdf)[i] = (uint8_t)(i ^ 0x5a);
	assert_int_equal(pci_read8(&cfg, bdf, 0x00), 0x5a);
	assert_int_equal(pci_read8(&cfg, bdf, 0xff), 0xff ^ 0x5a);
	assert_int_equal(pci_read16(&cfg, bdf, 0x10), (0x10 ^ 0x5a) | (0x11 ^ 0x5a) << 8);
	assert_int_equal(pci_read32(&cfg, bdf, 0xfc), (0xfcu ^ 0x5a) | (0xfdu ^ 0x5a) << 8 |
			 (0xfeu ^ 0x5a) << 16 | (0xffu ^ 0x5a) << 24);
	assert_int_equal(cfg.read(cfg.ctx, bdf, 0x3e, 2), (0x3e ^ 0x5a) | (0x3f ^ 0x5a) << 8);
	assert_int_equal(ecam_calls, 5);
	assert_int_equal(pci_read32(&cfg, PCI_BDF(1, 17, 4), 0), 0xffffffffu);	/* its neighbour */
	assert_int_equal(pci_read32(&cfg, PCI_BDF(0, 0, 0), 0), 0xffffffffu);
}

static void ecam_writes_change_only_their_bytes(void **state)
{
	(void)state;
	struct pci_cfg cfg;
	struct pci_ecam e;
	unsigned bdf = PCI_BDF(0, 3, 0);
	uint8_t want[ECAM_FN];

	ecam_setup(&cfg, &e, 0, 0, 1);
	memset(ecam_fn(bdf), 0, ECAM_FN);
	memset(want, 0, sizeof(want));
	pci_write32(&cfg, bdf, 0x10, 0x11223344);
	pci_write16(&cfg, bdf, 0x04, 0xbeef);
	cfg.write(cfg.ctx, bdf, 0xff, 1, 0x1a7);		/* the low byte only */
	cfg.write(cfg.ctx, bdf, 0x42, 2, 0xabcd1234);
	put(want, 0x10, 4, 0x11223344);
	put(want, 0x04, 2, 0xbeef);
	want[0xff] = 0xa7;
	put(want, 0x42, 2, 0x1234);
	assert_memory_equal(ecam_fn(bdf), want, ECAM_FN);
	assert_true(ecam_fn(bdf - 1)[ECAM_FN - 1] == 0xff && ecam_fn(bdf + 1)[0] == 0xff);
}

static void ecam_refuses_malformed_and_out_of_range(void **state)
{
	/* what pci_cfg_valid refuses, and buses outside the range: all ones, no page asked for */
	(void)state;
	struct pci_cfg cfg;
	struct pci_ecam e;

	ecam_setup(&cfg, &e, 4, 5, 5);		/* the fake holds buses 4 and 5; the range is 5 */
	memset(ecam_fn(PCI_BDF(4, 0, 0)), 0, ECAM_BUSES << 20);
	assert_int_equal(cfg.read(cfg.ctx, PCI_BDF(5, 0, 0), 0x01, 2), 0xffff);	/* misaligned */
	assert_int_equal(cfg.read(cfg.ctx, PCI_BDF(5, 0, 0), 0x02, 4), 0xffffffffu);
	assert_int_equal(cfg.read(cfg.ctx, PCI_BDF(5, 0, 0), 0x00, 3), 0xffffffu);	/* width 3: 3 bytes of ones */
	assert_int_equal(cfg.read(cfg.ctx, PCI_BDF(5, 0, 0), 0x00, 8), 0xffffffffu);
	assert_int_equal(cfg.read(cfg.ctx, PCI_BDF(5, 0, 0), 0x100, 1), 0xff);	/* past 256 */
	assert_int_equal(cfg.read(cfg.ctx, PCI_BDF(5, 0, 0), 0xfe, 4), 0xffffffffu);
	assert_int_equal(cfg.read(cfg.ctx, 0x10000 | PCI_BDF(5, 0, 0), 0, 4), 0xffffffffu);
	assert_int_equal(cfg.read(cfg.ctx, PCI_BDF(4, 0, 0), 0, 4), 0xffffffffu);	/* below the range */
	assert_int_equal(cfg.read(cfg.ctx, PCI_BDF(6, 0, 0), 0, 1), 0xff);		/* above it */
	assert_int_equal(ecam_calls, 0);
	cfg.write(cfg.ctx, PCI_BDF(5, 0, 0), 0x01, 2, 0);
	cfg.write(cfg.ctx, PCI_BDF(5, 0, 0), 0xfe, 4, 0x12345678);
	cfg.write(cfg.ctx, PCI_BDF(5, 0, 0), 0x00, 3, 0x12345678);
	cfg.write(cfg.ctx, PCI_BDF(5, 0, 0), 0x100, 1, 0x12);
	cfg.write(cfg.ctx, 0x10000 | PCI_BDF(5, 0, 0), 0, 4, 0x12345678);
	cfg.write(cfg.ctx, PCI_BDF(4, 31, 7), 0, 4, 0x12345678);
	assert_int_equal(ecam_calls, 0);
	for (size_t i = 0; i < (size_t)ECAM_BUSES << 20; i++)
		if (ecam_buf[i])
			fail_msg("byte %#zx written", i);
	assert_int_equal(pci_read32(&cfg, PCI_BDF(5, 0, 0), 0), 0);		/* inside: read */
	assert_int_equal(ecam_calls, 1);
}

static void ecam_unmapped_function_reads_all_ones(void **state)
{
	(void)state;
	struct pci_cfg cfg;
	struct pci_ecam e;

	ecam_setup(&cfg, &e, 0, 0, 1);
	ecam_function(PCI_BDF(0, 2, 0), 0x1af4, 0x1041, 0x02000001, 0);
	ecam_hole = PCI_BDF(0, 2, 0);
	assert_int_equal(pci_read32(&cfg, PCI_BDF(0, 2, 0), 0), 0xffffffffu);
	pci_write16(&cfg, PCI_BDF(0, 2, 0), PCI_VENDOR_ID, 0);
	assert_int_equal(ecam_calls, 2);
	ecam_hole = ~0u;
	assert_int_equal(pci_read32(&cfg, PCI_BDF(0, 2, 0), 0), 0x10411af4u);
}

static void ecam_enumerates_within_its_range(void **state)
{
	/* bus 0 and bus 1 behind a bridge; a second bridge names bus 2, outside the range */
	(void)state;
	struct pci_cfg cfg;
	struct pci_ecam e;
	struct pci_func out[8];

	ecam_setup(&cfg, &e, 0, 0, 1);
	ecam_function(PCI_BDF(0, 0, 0), 0x8086, 0x29c0, 0x06000002, 0);
	ecam_function(PCI_BDF(0, 1, 0), 0x1b36, 0x000c, 0x06040000, PCI_HEADER_BRIDGE | PCI_HEADER_MULTI);
	put(ecam_fn(PCI_BDF(0, 1, 0)), PCI_SECONDARY_BUS, 1, 1);
	ecam_function(PCI_BDF(0, 1, 1), 0x1b36, 0x000c, 0x06040000, PCI_HEADER_BRIDGE);
	put(ecam_fn(PCI_BDF(0, 1, 1)), PCI_SECONDARY_BUS, 1, 2);
	ecam_function(PCI_BDF(1, 0, 0), 0x1af4, 0x1044, 0x00ff0001, 0);
	assert_int_equal(pci_enumerate(&cfg, out, 8), 4);
	assert_int_equal(out[0].bdf, PCI_BDF(0, 0, 0));
	assert_int_equal(out[1].bdf, PCI_BDF(0, 1, 0));
	assert_int_equal(out[1].secondary, 1);
	assert_int_equal(out[2].bdf, PCI_BDF(0, 1, 1));
	assert_int_equal(out[2].secondary, 2);
	assert_int_equal(out[3].bdf, PCI_BDF(1, 0, 0));
	assert_int_equal(out[3].vendor, 0x1af4);
	assert_int_equal(out[3].device, 0x1044);
	assert_int_equal(out[3].class_code, 0x00);
	assert_int_equal(out[3].subclass, 0xff);
}

/* ---- pci_intx_route (intx.c) ---- */

/* f as pci_read_func would fill it: pin, line. */
static struct pci_func func_at(unsigned bdf, unsigned pin, unsigned line)
{
	return (struct pci_func){ .bdf = (uint16_t)bdf, .irq_pin = (uint8_t)pin, .irq_line = (uint8_t)line };
}

static void intx_ich9_pins(void **state)
{
	(void)state;
	unsigned mode = 99;
	add(PCI_BDF(0, 0x1f, 0), 0x8086, 0x2918, 0x06010002, 0x80);	/* q35's LPC bridge */
	struct pci_func a = func_at(PCI_BDF(0, 3, 0), 1, 11), d = func_at(PCI_BDF(0, 3, 0), 4, 11);
	struct pci_func s0 = func_at(PCI_BDF(0, 0, 0), 1, 10), s24 = func_at(PCI_BDF(0, 24, 0), 2, 10);
	assert_int_equal(pci_intx_route(&CFG, &a, &mode), 16 + 4 + 3);		/* PIRQ H */
	assert_int_equal(mode, CAIRN_IRQ_LEVEL);
	assert_int_equal(pci_intx_route(&CFG, &d, &mode), 16 + 4 + 2);		/* (3 + 3) mod 4: G */
	assert_int_equal(pci_intx_route(&CFG, &s0, &mode), 16 + 4);		/* E */
	assert_int_equal(pci_intx_route(&CFG, &s24, &mode), 16 + 4 + 1);	/* F */
	struct pci_func own = func_at(PCI_BDF(0, 0x1d, 0), 1, 10), behind = func_at(PCI_BDF(1, 0, 0), 1, 10);
	struct pci_func none = func_at(PCI_BDF(0, 3, 0), 0, 11), five = func_at(PCI_BDF(0, 3, 0), 5, 11);
	assert_int_equal(pci_intx_route(&CFG, &own, &mode), CAIRN_ENOTSUP);	/* the chipset's slots */
	assert_int_equal(pci_intx_route(&CFG, &behind, &mode), CAIRN_ENOTSUP);	/* behind a bridge */
	assert_int_equal(pci_intx_route(&CFG, &none, &mode), CAIRN_ENOENT);	/* no pin */
	assert_int_equal(pci_intx_route(&CFG, &five, &mode), CAIRN_ENOENT);	/* no such pin */
}

static void intx_firmware_line(void **state)
{
	(void)state;
	unsigned mode = 99;
	add(PCI_BDF(0, 1, 0), 0x8086, 0x7000, 0x06010000, 0x80);	/* pc's PIIX3 */
	struct pci_func ten = func_at(PCI_BDF(0, 3, 0), 1, 10), eleven = func_at(PCI_BDF(0, 4, 0), 2, 11);
	assert_int_equal(pci_intx_route(&CFG, &ten, &mode), 10);
	assert_int_equal(mode, CAIRN_IRQ_LEVEL);
	assert_int_equal(pci_intx_route(&CFG, &eleven, &mode), 11);
	unsigned bad[] = { 0, 2, 16, 0xff };	/* none, the cascade, past ISA, "not routed" */
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct pci_func f = func_at(PCI_BDF(0, 3, 0), 1, bad[i]);
		assert_int_equal(pci_intx_route(&CFG, &f, &mode), CAIRN_ENOENT);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(enumerate_follows_bridges_and_functions, setup),
		cmocka_unit_test_setup(intx_ich9_pins, setup),
		cmocka_unit_test_setup(intx_firmware_line, setup),
		cmocka_unit_test_setup(enumerate_records_header_fields, setup),
		cmocka_unit_test_setup(enumerate_counts_past_max, setup),
		cmocka_unit_test_setup(enumerate_empty_root, setup),
		cmocka_unit_test_setup(bars_decoded_and_sized, setup),
		cmocka_unit_test_setup(bar_64bit_above_4g_size, setup),
		cmocka_unit_test_setup(bar_hostile_masks, setup),
		cmocka_unit_test_setup(bars_refused_for_bridge_and_absent, setup),
		cmocka_unit_test_setup(caps_walk_and_find, setup),
		cmocka_unit_test_setup(caps_loop_is_cut, setup),
		cmocka_unit_test_setup(caps_pointer_below_0x40_is_cut, setup),
		cmocka_unit_test_setup(caps_pointer_to_0xff_stays_inside, setup),
		cmocka_unit_test_setup(caps_longest_chain_ends, setup),
		cmocka_unit_test_setup(caps_absent_without_status_bit, setup),
		cmocka_unit_test_setup(msi_enable_writes_the_message, setup),
		cmocka_unit_test_setup(msix_read_and_hostile_bir, setup),
		cmocka_unit_test_setup(copy_reads_and_refuses, setup),
		cmocka_unit_test(ecam_reads_land_in_the_functions_page),
		cmocka_unit_test(ecam_writes_change_only_their_bytes),
		cmocka_unit_test(ecam_refuses_malformed_and_out_of_range),
		cmocka_unit_test(ecam_unmapped_function_reads_all_ones),
		cmocka_unit_test(ecam_enumerates_within_its_range),
	};

	return cmocka_run_group_tests_name("pci", tests, NULL, NULL);
}
