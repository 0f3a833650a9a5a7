/*
 * test_devmem.c: host unit tests for kernel/devmem.c against the rule in devmem.h: a
 * page is a device page only if it is below the limit and no byte of it lies in a RAM
 * range of the memory map (usable, ACPI reclaimable, ACPI NVS); ranges that end
 * mid-page or wrap past 2^64 count whole pages; a truncated map grants nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "devmem.h"

#define P PAGE_SIZE

static struct bootinfo bi;
static struct devmem_map m;

static void add(uint64_t base, uint64_t len, uint32_t type)
{
	bi.mmap[bi.nmmap++] = (struct boot_mmap){ base, len, type };
}

/* A PC's map, as QEMU's firmware gives it. */
static void pc_map(void)
{
	bi = (struct bootinfo){ 0 };
	add(0, 0x9fc00, 1);			/* low RAM, ending mid-page */
	add(0x9fc00, 0x400, 2);			/* EBDA: reserved, but shares a page with RAM */
	add(0xf0000, 0x10000, 2);		/* BIOS: reserved, not RAM */
	add(0x100000, 0x7ee0000, 1);
	add(0x7fe0000, 0x10000, 3);		/* ACPI tables: reclaimable, RAM */
	add(0x7ff0000, 0x10000, 4);		/* ACPI NVS: RAM */
	add(0xfffc0000, 0x40000, 2);		/* flash */
	devmem_init(&m, &bi, 1ULL << 40);
}

static void ram_is_not_device(void **state)
{
	(void)state;
	pc_map();
	assert_false(devmem_not_ram(&m, 0));
	assert_false(devmem_not_ram(&m, 0x9f000));	/* RAM up to 0x9fc00: the page is RAM */
	assert_false(devmem_not_ram(&m, 0x100000));
	assert_false(devmem_not_ram(&m, 0x7fe0000));	/* reclaimable */
	assert_false(devmem_not_ram(&m, 0x7fff000));	/* NVS */
}

static void holes_and_reserved_are_device(void **state)
{
	(void)state;
	pc_map();
	assert_true(devmem_not_ram(&m, 0xa0000));		/* VGA: in no range */
	assert_true(devmem_not_ram(&m, 0xf0000));		/* reserved is not RAM */
	assert_true(devmem_not_ram(&m, 0x8000000));		/* just past the last RAM */
	assert_true(devmem_not_ram(&m, 0xfed00000));
	assert_true(devmem_not_ram(&m, 0xfffff000));
	assert_true(devmem_not_ram(&m, (1ULL << 40) - P));	/* the last page below the limit */
}

static void limit_and_alignment(void **state)
{
	(void)state;
	pc_map();
	assert_false(devmem_not_ram(&m, 1ULL << 40));
	assert_false(devmem_not_ram(&m, ~0xfffULL));
	assert_false(devmem_not_ram(&m, 0xfed00008));	/* not a page */
	devmem_init(&m, &bi, (1ULL << 40) + 0x800);	/* a limit mid-page counts whole pages */
	assert_int_equal(m.limit, 1ULL << 40);
}

static void ranges_grow_to_whole_pages(void **state)
{
	(void)state;
	bi = (struct bootinfo){ 0 };
	add(0x10800, 0x1000, 1);		/* [0x10800, 0x11800): pages 0x10000 and 0x11000 */
	add(~0ULL - 0x1fff, 0x10000, 1);	/* wraps past 2^64: to the top */
	add(0x50000, 0, 1);			/* empty: nothing */
	devmem_init(&m, &bi, ~0ULL);
	assert_true(devmem_not_ram(&m, 0xf000));
	assert_false(devmem_not_ram(&m, 0x10000));
	assert_false(devmem_not_ram(&m, 0x11000));
	assert_true(devmem_not_ram(&m, 0x12000));
	assert_true(devmem_not_ram(&m, 0x50000));
	assert_false(devmem_not_ram(&m, ~0xfffULL - P));
	assert_true(devmem_not_ram(&m, ~0xfffULL - 2 * P));
}

static void truncated_map_grants_nothing(void **state)
{
	(void)state;
	pc_map();
	bi.nmmap_dropped = 1;
	devmem_init(&m, &bi, 1ULL << 40);
	assert_false(devmem_not_ram(&m, 0xfed00000));
	assert_false(devmem_not_ram(&m, 0xa0000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ram_is_not_device),
		cmocka_unit_test(holes_and_reserved_are_device),
		cmocka_unit_test(limit_and_alignment),
		cmocka_unit_test(ranges_grow_to_whole_pages),
		cmocka_unit_test(truncated_map_grants_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
