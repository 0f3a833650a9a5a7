/*
 * devmem: device memory (DEVMEM capabilities, docs/syscalls.md "Device memory"): every
 * error of DEVMEM_DERIVE and of PGTBL_MAP through a DEVMEM capability; RAM, the
 * kernel's own APIC pages, executable and unaligned mappings refused; a real device
 * read (QEMU's HPET at 0xfed00000: its capabilities register names Intel and a counter
 * period); a device page the frame table describes (the VGA hole at 0xa0000) stays
 * RESERVED; unmapping and tearing down the table that held a device page leave the
 * kernel consistent. It must be the first boot module (it uses CAIRN_SLOT_DEVMEM) and
 * the kernel must run with "ktest" (KCHECK). tests.toml boots it with and without the
 * fast path.
 */
#include <cairn/build.h>
#include <cairn/cairn.h>
#include <cairn/root.h>

#define MEM  CAIRN_SLOT_MEMORY
#define CT   CAIRN_SLOT_CAPTBL
#define PT   CAIRN_SLOT_PGTBL
#define DEV  CAIRN_SLOT_DEVMEM
#define ME   CAIRN_SLOT_THREAD

#define VA     0x200000000UL		/* device mappings */
#define HPET   0xfed00000UL		/* QEMU pc and q35: the HPET's registers */
#define LAPIC  0xfee00000UL		/* the kernel's */
#define IOAPIC 0xfec00000UL		/* the kernel's */
#define VGA    0xa0000UL		/* not RAM, inside the frame table */
#define PAGE   4096UL

static const struct cairn_root *R;
static struct cairn_alloc A = { .mem = MEM, .ct = CT, .cursor = 32UL << 20, .end = 0,
				.next_slot = CAIRN_SLOT_FREE, .last_slot = 128 };

#define CHECK(id, name, cond, ...) cairn_check(id, name, (cond), __VA_ARGS__)

static unsigned hpet;	/* a DEVMEM capability over the HPET's page only */

/* DEVMEM_DERIVE: a narrower copy, and every error, as MEM_DERIVE's. */
static void test_derive(void)
{
	unsigned e = cairn_slot(&A);

	hpet = cairn_slot(&A);
	long r = cairn_devmem_derive(DEV, hpet, HPET, HPET + PAGE);
	long w = cairn_devmem_derive(hpet, e, HPET, HPET + 2 * PAGE);		/* wider than its own */
	long b = cairn_devmem_derive(hpet, e, HPET - PAGE, HPET + PAGE);
	long n = cairn_devmem_derive(hpet, e, HPET, HPET + PAGE);		/* as wide: fine */
	long rm = cairn_captbl_remove(CT, e);
	CHECK("dev.1", "derive_narrows", r == 0 && w == CAIRN_ERANGE && b == CAIRN_ERANGE && n == 0 && rm == 0,
	      "derive %ld wider %ld below %ld same %ld remove %ld", r, w, b, n, rm);

	long e1 = cairn_devmem_derive(DEV, e, HPET + 8, HPET + PAGE);		/* unaligned */
	long e2 = cairn_devmem_derive(DEV, e, HPET, HPET + 12);
	long e3 = cairn_devmem_derive(DEV, e, HPET, HPET);			/* empty */
	long e4 = cairn_devmem_derive(DEV, e, HPET + PAGE, HPET);		/* inverted */
	long e5 = cairn_devmem_derive(DEV, e, 0, ~0xfffUL);			/* past the limit */
	CHECK("dev.2", "derive_bad_ranges", e1 == CAIRN_EINVAL && e2 == CAIRN_EINVAL && e3 == CAIRN_EINVAL &&
	      e4 == CAIRN_EINVAL && e5 == CAIRN_ERANGE, "%ld %ld %ld %ld %ld", e1, e2, e3, e4, e5);

	e1 = cairn_devmem_derive(DEV, hpet, HPET, HPET + PAGE);			/* occupied */
	e2 = cairn_devmem_derive(DEV, 0, HPET, HPET + PAGE);			/* the null slot */
	e3 = cairn_devmem_derive(DEV, CAIRN_CAPTBL_MAX, HPET, HPET + PAGE);	/* out of range */
	e4 = cairn_devmem_derive(DEV, 3 * 128, HPET, HPET + PAGE);		/* absent leaf */
	e5 = cairn_devmem_derive(MEM, e, HPET, HPET + PAGE);			/* not device memory */
	long e6 = cairn_devmem_derive(CAIRN_CAP_NULL, e, HPET, HPET + PAGE);
	long e7 = cairn_mem_derive(DEV, e, HPET, HPET + PAGE);			/* not memory */
	long e8 = cairn_mem_retype(DEV, HPET, CAIRN_FRAME_USER);
	long e9 = cairn_devmem_derive(e, ME, HPET, HPET + PAGE);		/* nothing was made */
	CHECK("dev.3", "derive_bad_slot_or_cap", e1 == CAIRN_EBUSY && e2 == CAIRN_EINVAL && e3 == CAIRN_ERANGE &&
	      e4 == CAIRN_ENOENT && e5 == CAIRN_EBADF && e6 == CAIRN_ENOSYS && e7 == CAIRN_EBADF &&
	      e8 == CAIRN_EBADF && e9 == CAIRN_ENOENT, "%ld %ld %ld %ld %ld %ld %ld %ld %ld",
	      e1, e2, e3, e4, e5, e6, e7, e8, e9);
	cairn_slot_put(&A, e);
}

/* The HPET mapped read-only through its own capability: Intel's, with a period. */
static void test_map_read(void)
{
	long p = cairn_pgtbl_path(&A, PT, VA);
	long m = cairn_pgtbl_map(PT, VA, hpet, HPET, 0);
	uint64_t caps = m ? 0 : *(volatile const uint64_t *)VA;
	long look = cairn_pgtbl_lookup(PT, VA + 8);
	long k = cairn_kcheck();
	CHECK("dev.4", "hpet_maps_and_reads", p == 0 && m == 0 && ((caps >> 16) & 0xffff) == 0x8086 &&
	      (caps >> 32) != 0 && look == (long)(HPET | CAIRN_MAP_DEVICE) && k == 0,
	      "path %ld map %ld capabilities %lx lookup %lx kcheck %ld", p, m, (unsigned long)caps, look, k);
	long dw = cairn_debug_write((const char *)VA, 8);	/* the kernel reads no device memory */
	CHECK("dev.5", "kernel_reads_no_device_page", dw == CAIRN_EFAULT, "debug_write %ld", dw);
}

/* Everything PGTBL_MAP refuses through a DEVMEM capability. */
static void test_map_refused(void)
{
	uint64_t root_frame = (uint64_t)cairn_pgtbl_lookup(PT, CAIRN_ROOT_VA) & ~0xfffUL;
	uint64_t untyped = A.cursor + 64 * PAGE;
	uint64_t va = VA + PAGE;
	long r1 = cairn_pgtbl_map(PT, va, DEV, 0x100000, 0);			/* the kernel image: RAM */
	long r2 = cairn_pgtbl_map(PT, va, DEV, root_frame, 0);			/* our Root page: RAM */
	long r3 = cairn_pgtbl_map(PT, va, DEV, untyped, CAIRN_MAP_WRITE);	/* untyped RAM */
	long r4 = cairn_pgtbl_map(PT, va, DEV, LAPIC, 0);			/* the kernel's */
	long r5 = cairn_pgtbl_map(PT, va, DEV, IOAPIC, CAIRN_MAP_WRITE);	/* the kernel's */
	long r6 = cairn_pgtbl_map(PT, va, DEV, 0, 0);				/* low RAM */
	CHECK("dev.6", "ram_and_kernel_pages_refused", r1 == CAIRN_EACCES && r2 == CAIRN_EACCES &&
	      r3 == CAIRN_EACCES && r4 == CAIRN_EACCES && r5 == CAIRN_EACCES && r6 == CAIRN_EACCES && root_frame,
	      "%ld %ld %ld %ld %ld %ld (root frame %lx)", r1, r2, r3, r4, r5, r6, (unsigned long)root_frame);

	long e1 = cairn_pgtbl_map(PT, va, DEV, HPET, CAIRN_MAP_EXEC);		/* never executable */
	long e2 = cairn_pgtbl_map(PT, va, DEV, HPET + 8, 0);			/* unaligned frame */
	long e3 = cairn_pgtbl_map(PT, va, hpet, HPET + PAGE, 0);		/* outside its range */
	long e4 = cairn_pgtbl_map(PT, va, hpet, HPET - PAGE, 0);
	long e5 = cairn_pgtbl_map(PT, va, DEV, HPET, 8);			/* bad rights */
	long e6 = cairn_pgtbl_map(PT, VA, hpet, HPET, 0);			/* already mapped */
	long e7 = cairn_pgtbl_map(PT, va + 12, hpet, HPET, 0);			/* misaligned address */
	long e8 = cairn_pgtbl_map(PT, VA + (1UL << 30), hpet, HPET, 0);		/* no table there */
	long e9 = cairn_pgtbl_map(PT, va, MEM, HPET, 0);			/* memory maps no device */
	long e10 = cairn_pgtbl_map(PT, va, ME, HPET, 0);			/* neither memory kind */
	long e11 = cairn_pgtbl_lookup(PT, va);					/* nothing was mapped */
	CHECK("dev.7", "map_errors", e1 == CAIRN_EACCES && e2 == CAIRN_EINVAL && e3 == CAIRN_ERANGE &&
	      e4 == CAIRN_ERANGE && e5 == CAIRN_EINVAL && e6 == CAIRN_EBUSY && e7 == CAIRN_EFAULT &&
	      e8 == CAIRN_ENOENT && (e9 == CAIRN_ERANGE || e9 == CAIRN_EACCES) && e10 == CAIRN_EBADF &&
	      e11 == CAIRN_ENOENT, "%ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld",
	      e1, e2, e3, e4, e5, e6, e7, e8, e9, e10, e11);
}

/* A device page inside the frame table is RESERVED: it maps, and is never retyped. */
static void test_reserved_hole(void)
{
	uint64_t va = VA + 2 * PAGE;
	long before = cairn_mem_count(MEM, CAIRN_FRAME_RESERVED);
	long m = cairn_pgtbl_map(PT, va, DEV, VGA, CAIRN_MAP_WRITE);
	long look = cairn_pgtbl_lookup(PT, va);
	long t1 = cairn_mem_retype(MEM, VGA, CAIRN_FRAME_UNTYPED);
	long t2 = cairn_mem_retype(MEM, VGA, CAIRN_FRAME_USER);
	long u = cairn_pgtbl_unmap(PT, va);
	long k = cairn_kcheck();
	CHECK("dev.8", "hole_maps_never_retyped", m == 0 && look == (long)(VGA | CAIRN_MAP_WRITE | CAIRN_MAP_DEVICE) &&
	      t1 == CAIRN_EINVAL && t2 == CAIRN_EINVAL && u == 0 && k == 0 &&
	      cairn_mem_count(MEM, CAIRN_FRAME_RESERVED) == before, "map %ld lookup %lx retype %ld %ld unmap %ld "
	      "kcheck %ld", m, look, t1, t2, u, k);
}

/* Unmapping counts no frame; the table that held a device page comes down cleanly. */
static void test_unmap_teardown(void)
{
	long u = cairn_pgtbl_unmap(PT, VA);
	long gone = cairn_pgtbl_lookup(PT, VA);
	long again = cairn_pgtbl_unmap(PT, VA);
	long k1 = cairn_kcheck();
	CHECK("dev.9", "unmap", u == 0 && gone == CAIRN_ENOENT && again == CAIRN_ENOENT && k1 == 0,
	      "unmap %ld lookup %ld again %ld kcheck %ld", u, gone, again, k1);

	long m = cairn_pgtbl_map(PT, VA, hpet, HPET, CAIRN_MAP_WRITE);
	long busy = cairn_pgtbl_decons(PT, VA, 1);		/* the table maps a device page */
	long k2 = cairn_kcheck();
	long un = cairn_pgtbl_unmap(PT, VA);
	long d = cairn_pgtbl_decons(PT, VA, 1);
	long k3 = cairn_kcheck();
	CHECK("dev.10", "table_teardown", m == 0 && busy == CAIRN_EBUSY && k2 == 0 && un == 0 && d == 0 && k3 == 0,
	      "map %ld decons %ld kcheck %ld unmap %ld decons %ld kcheck %ld", m, busy, k2, un, d, k3);
}

int main(const void *root)
{
	R = root;
	A.end = R->mem_end;
	test_derive();
	test_map_read();
	test_map_refused();
	test_reserved_hole();
	test_unmap_teardown();
	return 0;
}
