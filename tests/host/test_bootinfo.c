/*
 * test_bootinfo.c: host unit tests for kernel/bootinfo.c against the contract in
 * bootinfo.h.
 *
 * Fake multiboot1 and multiboot2 information structures are built in mem[]; the test
 * p2v maps a "physical" address to the same offset in mem[] and refuses anything out
 * of range, or inside [refuse_lo, refuse_hi) when a test sets that window.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "bootinfo.h"

#define MEMSZ 0x10000u

static _Alignas(8) unsigned char mem[MEMSZ];
static uint64_t refuse_lo, refuse_hi;	/* empty when refuse_lo >= refuse_hi */

static const void *p2v(uint64_t phys, uint64_t len)
{
	if (phys > MEMSZ || len > MEMSZ - phys)
		return NULL;
	if (refuse_lo < refuse_hi && phys < refuse_hi && phys + len > refuse_lo)
		return NULL;
	return mem + phys;
}

static void reset(void)
{
	memset(mem, 0, sizeof(mem));
	refuse_lo = refuse_hi = 0;
}

static void put32(uint64_t off, uint32_t v)
{
	assert_true(off + 4 <= MEMSZ);
	memcpy(mem + off, &v, 4);
}

static void put64(uint64_t off, uint64_t v)
{
	assert_true(off + 8 <= MEMSZ);
	memcpy(mem + off, &v, 8);
}

static void putstr(uint64_t off, const char *s)
{
	assert_true(off + strlen(s) + 1 <= MEMSZ);
	memcpy(mem + off, s, strlen(s) + 1);
}

/*
 * Each test gets *state = a bootinfo on the heap with nothing around it, so ASan sees
 * writes past its end; the teardown frees it even when the test fails.
 */
static int bi_setup(void **state)
{
	struct bootinfo *bi = malloc(sizeof(*bi));

	if (!bi)
		return -1;
	memset(bi, 0xa5, sizeof(*bi));
	*state = bi;
	return 0;
}

static int bi_teardown(void **state)
{
	free(*state);
	return 0;
}

/* ---- multiboot1 ---- */

#define MB1_INFO        0x100u
#define MB1_FLAGS       0
#define MB1_CMDLINE     16
#define MB1_MODS_COUNT  20
#define MB1_MODS_ADDR   24
#define MB1_MMAP_LENGTH 44
#define MB1_MMAP_ADDR   48
#define MB1_LOADER      64
#define MB1_INFO_SIZE   116

#define MB1_F_CMDLINE (1u << 2)
#define MB1_F_MODS    (1u << 3)
#define MB1_F_MMAP    (1u << 6)
#define MB1_F_LOADER  (1u << 9)

#define MB1_CMDLINE_AT 0x1000u
#define MB1_LOADER_AT  0x1100u
#define MB1_MODSTR_AT  0x1200u
#define MB1_MODS_AT    0x2000u
#define MB1_MMAP_AT    0x3000u

static const struct boot_mmap std_mmap[] = {
	{ 0x0, 0x9fc00, 1 },
	{ 0x9fc00, 0x400, 2 },
	{ 0xf0000, 0x10000, 2 },
	{ 0x100000, 0x7ee0000, 1 },
	{ 0x7fe0000, 0x20000, 3 },
	{ 0xfffc0000, 0x40000, 2 },
	{ 0x100000000ull, 0x80000000ull, 1 },
};
#define STD_USABLE (0x9fc00ull + 0x7ee0000ull + 0x80000000ull)

static uint32_t mb1_mmap_at;	/* where the next mb1 mmap entry goes */

static void mb1_set(uint32_t field, uint32_t v)
{
	put32(MB1_INFO + field, v);
}

static void mb1_mmap_begin(uint32_t at)
{
	mb1_mmap_at = at;
	mb1_set(MB1_MMAP_ADDR, at);
	mb1_set(MB1_MMAP_LENGTH, 0);
}

/* Appends an entry whose size field is size (20 for the bare entry). */
static void mb1_mmap_entry(uint32_t size, uint64_t base, uint64_t len, uint32_t type)
{
	uint32_t total;

	put32(mb1_mmap_at, size);
	put64(mb1_mmap_at + 4, base);
	put64(mb1_mmap_at + 12, len);
	put32(mb1_mmap_at + 20, type);
	for (uint32_t i = 24; i < size + 4; i++)
		mem[mb1_mmap_at + i] = 0xee;	/* padding a parser must skip */
	mb1_mmap_at += size + 4;
	memcpy(&total, mem + MB1_INFO + MB1_MMAP_LENGTH, 4);
	mb1_set(MB1_MMAP_LENGTH, total + size + 4);
}

static void mb1_module(unsigned i, uint32_t start, uint32_t end, uint32_t string)
{
	put32(MB1_MODS_AT + 16 * i, start);
	put32(MB1_MODS_AT + 16 * i + 4, end);
	put32(MB1_MODS_AT + 16 * i + 8, string);
	put32(MB1_MODS_AT + 16 * i + 12, 0);
}

/* The standard multiboot1 fixture: all four fields valid, two modules. */
static void build_mb1(void)
{
	reset();
	mb1_set(MB1_FLAGS, MB1_F_CMDLINE | MB1_F_MODS | MB1_F_MMAP | MB1_F_LOADER | 1u);
	put32(MB1_INFO + 4, 639);
	put32(MB1_INFO + 8, 130048);
	putstr(MB1_CMDLINE_AT, "console=com1 debug");
	mb1_set(MB1_CMDLINE, MB1_CMDLINE_AT);
	putstr(MB1_LOADER_AT, "GRUB 2.06");
	mb1_set(MB1_LOADER, MB1_LOADER_AT);
	putstr(MB1_MODSTR_AT, "init.elf --verbose");
	mb1_module(0, 0x100000, 0x105000, MB1_MODSTR_AT);
	mb1_module(1, 0x200000, 0x200123, 0);
	mb1_set(MB1_MODS_COUNT, 2);
	mb1_set(MB1_MODS_ADDR, MB1_MODS_AT);
	mb1_mmap_begin(MB1_MMAP_AT);
	for (size_t i = 0; i < ARRAY_SIZE(std_mmap); i++)
		mb1_mmap_entry(20, std_mmap[i].base, std_mmap[i].len, std_mmap[i].type);
}

static void expect_std_mmap(const struct bootinfo *bi)
{
	assert_int_equal(bi->nmmap, ARRAY_SIZE(std_mmap));
	for (size_t i = 0; i < ARRAY_SIZE(std_mmap); i++) {
		assert_int_equal(bi->mmap[i].base, std_mmap[i].base);
		assert_int_equal(bi->mmap[i].len, std_mmap[i].len);
		assert_int_equal(bi->mmap[i].type, std_mmap[i].type);
	}
}

static int parse(struct bootinfo *bi, uint32_t magic, uint64_t info)
{
	return bootinfo_parse(bi, magic, info, p2v);
}

static void bootinfo_mb1_protocol_and_strings(void **state)
{
	struct bootinfo *bi = *state;

	build_mb1();
	assert_int_equal(parse(bi, MB1_BOOT_MAGIC, MB1_INFO), 0);
	assert_int_equal(bi->protocol, 1);
	assert_non_null(bi->cmdline);
	assert_string_equal(bi->cmdline, "console=com1 debug");
	assert_non_null(bi->loader);
	assert_string_equal(bi->loader, "GRUB 2.06");
}

static void bootinfo_mb1_mmap(void **state)
{
	struct bootinfo *bi = *state;

	build_mb1();
	assert_int_equal(parse(bi, MB1_BOOT_MAGIC, MB1_INFO), 0);
	expect_std_mmap(bi);
}

static void bootinfo_mb1_mmap_size_field(void **state)
{
	/* Each entry is followed by the next at +size+4, whatever size says. */
	struct bootinfo *bi = *state;

	build_mb1();
	mb1_mmap_begin(0x4000);
	mb1_mmap_entry(24, 0x0, 0x9f000, 1);
	mb1_mmap_entry(20, 0x100000, 0x100000, 2);
	mb1_mmap_entry(36, 0x200000, 0x300000, 1);
	mb1_mmap_entry(20, 0x500000, 0x1000, 4);
	assert_int_equal(parse(bi, MB1_BOOT_MAGIC, MB1_INFO), 0);
	assert_int_equal(bi->nmmap, 4);
	assert_int_equal(bi->mmap[0].len, 0x9f000);
	assert_int_equal(bi->mmap[1].base, 0x100000);
	assert_int_equal(bi->mmap[1].type, 2);
	assert_int_equal(bi->mmap[2].base, 0x200000);
	assert_int_equal(bi->mmap[2].len, 0x300000);
	assert_int_equal(bi->mmap[3].base, 0x500000);
	assert_int_equal(bi->mmap[3].type, 4);
}

static void bootinfo_mb1_modules(void **state)
{
	struct bootinfo *bi = *state;

	build_mb1();
	assert_int_equal(parse(bi, MB1_BOOT_MAGIC, MB1_INFO), 0);
	assert_int_equal(bi->nmod, 2);
	assert_int_equal(bi->mod[0].start, 0x100000);
	assert_int_equal(bi->mod[0].end, 0x105000);
	assert_non_null(bi->mod[0].cmdline);
	assert_string_equal(bi->mod[0].cmdline, "init.elf --verbose");
	assert_int_equal(bi->mod[1].start, 0x200000);
	assert_int_equal(bi->mod[1].end, 0x200123);
}

static void bootinfo_mb1_module_without_cmdline(void **state)
{
	struct bootinfo *bi = *state;

	build_mb1();
	assert_int_equal(parse(bi, MB1_BOOT_MAGIC, MB1_INFO), 0);
	assert_int_equal(bi->nmod, 2);
	assert_non_null(bi->mod[1].cmdline);
	assert_string_equal(bi->mod[1].cmdline, "");
}

static void bootinfo_mb1_no_cmdline_flag(void **state)
{
	/* Bit 2 clear: the cmdline field must not be used, even if it looks valid. */
	struct bootinfo *bi = *state;

	build_mb1();
	mb1_set(MB1_FLAGS, MB1_F_MODS | MB1_F_MMAP | MB1_F_LOADER);
	putstr(0x1300, "must not be read");
	mb1_set(MB1_CMDLINE, 0x1300);
	assert_int_equal(parse(bi, MB1_BOOT_MAGIC, MB1_INFO), 0);
	assert_non_null(bi->cmdline);
	assert_string_equal(bi->cmdline, "");
	assert_string_equal(bi->loader, "GRUB 2.06");
}

static void bootinfo_mb1_no_loader_flag(void **state)
{
	struct bootinfo *bi = *state;

	build_mb1();
	mb1_set(MB1_FLAGS, MB1_F_CMDLINE | MB1_F_MODS | MB1_F_MMAP);
	putstr(0x1300, "must not be read");
	mb1_set(MB1_LOADER, 0x1300);
	assert_int_equal(parse(bi, MB1_BOOT_MAGIC, MB1_INFO), 0);
	assert_non_null(bi->loader);
	assert_string_equal(bi->loader, "");
	assert_string_equal(bi->cmdline, "console=com1 debug");
}

static void bootinfo_mb1_no_mods_flag_garbage(void **state)
{
	struct bootinfo *bi = *state;

	build_mb1();
	mb1_set(MB1_FLAGS, MB1_F_CMDLINE | MB1_F_MMAP | MB1_F_LOADER);
	mb1_set(MB1_MODS_COUNT, 1000);
	mb1_set(MB1_MODS_ADDR, 0xdeadbeef);
	assert_int_equal(parse(bi, MB1_BOOT_MAGIC, MB1_INFO), 0);
	assert_int_equal(bi->nmod, 0);
}

static void bootinfo_mb1_no_mods_flag(void **state)
{
	/* Bit 3 clear: mods_count and mods_addr must not be used, even if they look valid. */
	struct bootinfo *bi = *state;

	build_mb1();
	mb1_set(MB1_FLAGS, MB1_F_CMDLINE | MB1_F_MMAP | MB1_F_LOADER);
	assert_int_equal(parse(bi, MB1_BOOT_MAGIC, MB1_INFO), 0);
	assert_int_equal(bi->nmod, 0);
	expect_std_mmap(bi);
}

static void bootinfo_mb1_zero_modules(void **state)
{
	struct bootinfo *bi = *state;

	build_mb1();
	mb1_set(MB1_MODS_COUNT, 0);
	assert_int_equal(parse(bi, MB1_BOOT_MAGIC, MB1_INFO), 0);
	assert_int_equal(bi->nmod, 0);
}

static void bootinfo_mb1_no_mmap_flag(void **state)
{
	struct bootinfo *bi = *state;

	build_mb1();
	mb1_set(MB1_FLAGS, MB1_F_CMDLINE | MB1_F_MODS | MB1_F_LOADER);
	assert_int_equal(parse(bi, MB1_BOOT_MAGIC, MB1_INFO), -1);
}

static void bootinfo_mb1_info_refused(void **state)
{
	struct bootinfo *bi = *state;

	build_mb1();
	assert_int_equal(parse(bi, MB1_BOOT_MAGIC, MEMSZ - 8), -1);
	assert_int_equal(parse(bi, MB1_BOOT_MAGIC, 0x7fffffff0000ull), -1);
	refuse_lo = MB1_INFO;
	refuse_hi = MB1_INFO + 4;
	assert_int_equal(parse(bi, MB1_BOOT_MAGIC, MB1_INFO), -1);
}

static void bootinfo_mb1_mmap_refused(void **state)
{
	struct bootinfo *bi = *state;

	build_mb1();
	refuse_lo = MB1_MMAP_AT;
	refuse_hi = MB1_MMAP_AT + 0x1000;
	assert_int_equal(parse(bi, MB1_BOOT_MAGIC, MB1_INFO), -1);
}

static void bootinfo_mb1_mmap_out_of_range(void **state)
{
	struct bootinfo *bi = *state;

	build_mb1();
	mb1_set(MB1_MMAP_ADDR, MEMSZ - 8);
	assert_int_equal(parse(bi, MB1_BOOT_MAGIC, MB1_INFO), -1);
}

static void bootinfo_mb1_mods_refused(void **state)
{
	/*
	 * p2v refuses the module table. bootinfo.h does not say whether that fails the
	 * parse or only loses the modules; either way nothing may be read from it.
	 */
	struct bootinfo *bi = *state;
	int r;

	build_mb1();
	refuse_lo = MB1_MODS_AT;
	refuse_hi = MB1_MODS_AT + 0x100;
	memset(mem + MB1_MODS_AT, 0xee, 0x100);	/* what a parser reading it would see */
	r = parse(bi, MB1_BOOT_MAGIC, MB1_INFO);
	assert_true(r == 0 || r == -1);
	if (r == 0)
		assert_int_equal(bi->nmod, 0);
}

static void bootinfo_mb1_cmdline_refused(void **state)
{
	/* p2v refuses the command line string: -1, or "" (never a pointer into it). */
	struct bootinfo *bi = *state;
	int r;

	build_mb1();
	refuse_lo = MB1_CMDLINE_AT;
	refuse_hi = MB1_CMDLINE_AT + 0x100;
	r = parse(bi, MB1_BOOT_MAGIC, MB1_INFO);
	assert_true(r == 0 || r == -1);
	if (r == 0) {
		assert_non_null(bi->cmdline);
		assert_string_equal(bi->cmdline, "");
		assert_string_equal(bi->loader, "GRUB 2.06");
	}
}

static void bootinfo_mb1_too_many_mmap(void **state)
{
	struct bootinfo *bi = *state;
	const unsigned n = BOOT_MAX_MMAP + 6;

	build_mb1();
	mb1_mmap_begin(0x4000);
	for (unsigned i = 0; i < n; i++)
		mb1_mmap_entry(20, 0x100000ull * i, 0x1000 * (i + 1), 1 + i % 2);
	assert_int_equal(parse(bi, MB1_BOOT_MAGIC, MB1_INFO), 0);
	assert_int_equal(bi->nmmap, BOOT_MAX_MMAP);
	for (unsigned i = 0; i < BOOT_MAX_MMAP; i++) {
		assert_int_equal(bi->mmap[i].base, 0x100000ull * i);
		assert_int_equal(bi->mmap[i].len, 0x1000 * (i + 1));
	}
	assert_int_equal(bi->nmod, 2);	/* follows mmap[] in the struct */
	assert_string_equal(bi->mod[0].cmdline, "init.elf --verbose");
}

static void bootinfo_mb1_too_many_modules(void **state)
{
	struct bootinfo *bi = *state;
	const unsigned n = BOOT_MAX_MODULES + 4;

	build_mb1();
	for (unsigned i = 0; i < n; i++)
		mb1_module(i, 0x1000000 + 0x10000 * i, 0x1000000 + 0x10000 * i + 0x100,
			   i % 2 ? 0 : MB1_MODSTR_AT);
	mb1_set(MB1_MODS_COUNT, n);
	assert_int_equal(parse(bi, MB1_BOOT_MAGIC, MB1_INFO), 0);
	assert_int_equal(bi->nmod, BOOT_MAX_MODULES);
	assert_int_equal(bi->nmod_dropped, 4);
	for (unsigned i = 0; i < BOOT_MAX_MODULES; i++) {
		assert_int_equal(bi->mod[i].start, 0x1000000 + 0x10000 * i);
		assert_int_equal(bi->mod[i].end, 0x1000000 + 0x10000 * i + 0x100);
		assert_string_equal(bi->mod[i].cmdline, i % 2 ? "" : "init.elf --verbose");
	}
	assert_true(bi->info_start <= MB1_INFO);
}

static void bootinfo_mb1_info_extent(void **state)
{
	struct bootinfo *bi = *state;

	build_mb1();
	assert_int_equal(parse(bi, MB1_BOOT_MAGIC, MB1_INFO), 0);
	assert_true(bi->info_start <= MB1_INFO);
	/* At least every field up to and including boot_loader_name. */
	assert_true(bi->info_end >= MB1_INFO + MB1_LOADER + 4);
	assert_true(bi->info_start < bi->info_end);
}

static void bootinfo_mb1_usable_bytes(void **state)
{
	struct bootinfo *bi = *state;

	build_mb1();
	assert_int_equal(parse(bi, MB1_BOOT_MAGIC, MB1_INFO), 0);
	assert_int_equal(bootinfo_usable_bytes(bi), STD_USABLE);
}

/* ---- magic ---- */

static void bootinfo_unknown_magic(void **state)
{
	struct bootinfo *bi = *state;

	build_mb1();
	assert_int_equal(parse(bi, 0, MB1_INFO), -1);
	assert_int_equal(parse(bi, 0x12345678, MB1_INFO), -1);
	assert_int_equal(parse(bi, 0xe85250d6, MB1_INFO), -1);	/* mb2 header magic */
	assert_int_equal(parse(bi, 0x1badb002, MB1_INFO), -1);	/* mb1 header magic */
}

/* ---- multiboot2 ---- */

#define MB2_INFO 0x1000u

static uint64_t mb2_pos;

static uint64_t align8(uint64_t x)
{
	return (x + 7) & ~7ull;
}

static void mb2_begin(void)
{
	reset();
	put32(MB2_INFO + 4, 0);		/* reserved */
	mb2_pos = MB2_INFO + 8;
}

/* Starts a tag of the given type; its payload begins at the returned offset + 8. */
static uint64_t tag_begin(uint32_t type)
{
	uint64_t t = mb2_pos;

	put32(t, type);
	return t;
}

static void tag_end(uint64_t t, uint32_t size)
{
	put32(t + 4, size);
	for (uint64_t i = t + size; i < align8(t + size); i++)
		mem[i] = 0xee;		/* padding */
	mb2_pos = align8(t + size);
}

static void tag_string(uint32_t type, const char *s)
{
	uint64_t t = tag_begin(type);

	putstr(t + 8, s);
	tag_end(t, 8 + (uint32_t)strlen(s) + 1);
}

static void tag_module(uint32_t start, uint32_t end, const char *s)
{
	uint64_t t = tag_begin(3);

	put32(t + 8, start);
	put32(t + 12, end);
	if (s) {
		putstr(t + 16, s);
		tag_end(t, 16 + (uint32_t)strlen(s) + 1);
	} else {
		tag_end(t, 16);
	}
}

static void tag_mmap(uint32_t entry_size, const struct boot_mmap *e, unsigned n)
{
	uint64_t t = tag_begin(6);

	put32(t + 8, entry_size);
	put32(t + 12, 0);
	for (unsigned i = 0; i < n; i++) {
		uint64_t at = t + 16 + (uint64_t)i * entry_size;

		put64(at, e[i].base);
		put64(at + 8, e[i].len);
		put32(at + 16, e[i].type);
		put32(at + 20, 0);
		for (uint32_t k = 24; k < entry_size; k++)
			mem[at + k] = 0xee;
	}
	tag_end(t, 16 + n * entry_size);
}

static void tag_raw(uint32_t type, uint32_t size)
{
	uint64_t t = tag_begin(type);

	for (uint32_t i = 8; i < size; i++)
		mem[t + i] = (unsigned char)(0x40 + i);
	tag_end(t, size);
}

/* Writes the end tag and total_size; returns total_size. */
static uint32_t mb2_finish(void)
{
	uint64_t t = tag_begin(0);
	uint32_t total;

	tag_end(t, 8);
	total = (uint32_t)(mb2_pos - MB2_INFO);
	put32(MB2_INFO, total);
	return total;
}

/* The standard multiboot2 fixture. */
static uint32_t build_mb2(void)
{
	mb2_begin();
	tag_string(1, "root=/dev/ram0 quiet");
	tag_string(2, "GRUB 2.12");
	tag_raw(4, 16);			/* basic meminfo */
	tag_module(0x300000, 0x304000, "init.elf a=b");
	tag_module(0x400000, 0x400fff, "");
	tag_mmap(24, std_mmap, ARRAY_SIZE(std_mmap));
	tag_raw(21, 12);		/* load base address: size not a multiple of 8 */
	return mb2_finish();
}

static void bootinfo_mb2_protocol_and_strings(void **state)
{
	struct bootinfo *bi = *state;

	build_mb2();
	assert_int_equal(parse(bi, MB2_BOOT_MAGIC, MB2_INFO), 0);
	assert_int_equal(bi->protocol, 2);
	assert_non_null(bi->cmdline);
	assert_string_equal(bi->cmdline, "root=/dev/ram0 quiet");
	assert_non_null(bi->loader);
	assert_string_equal(bi->loader, "GRUB 2.12");
}

static void bootinfo_mb2_mmap(void **state)
{
	struct bootinfo *bi = *state;

	build_mb2();
	assert_int_equal(parse(bi, MB2_BOOT_MAGIC, MB2_INFO), 0);
	expect_std_mmap(bi);
}

static void bootinfo_mb2_mmap_entry_size(void **state)
{
	/* Entries are entry_size apart, even when that is more than 24. */
	struct bootinfo *bi = *state;

	mb2_begin();
	tag_mmap(40, std_mmap, ARRAY_SIZE(std_mmap));
	mb2_finish();
	assert_int_equal(parse(bi, MB2_BOOT_MAGIC, MB2_INFO), 0);
	expect_std_mmap(bi);
}

static void bootinfo_mb2_modules(void **state)
{
	struct bootinfo *bi = *state;

	build_mb2();
	assert_int_equal(parse(bi, MB2_BOOT_MAGIC, MB2_INFO), 0);
	assert_int_equal(bi->nmod, 2);
	assert_int_equal(bi->mod[0].start, 0x300000);
	assert_int_equal(bi->mod[0].end, 0x304000);
	assert_string_equal(bi->mod[0].cmdline, "init.elf a=b");
	assert_int_equal(bi->mod[1].start, 0x400000);
	assert_int_equal(bi->mod[1].end, 0x400fff);
	assert_non_null(bi->mod[1].cmdline);
	assert_string_equal(bi->mod[1].cmdline, "");
}

static void bootinfo_mb2_module_without_string(void **state)
{
	/* A module tag of size 16 has no string bytes at all: its cmdline is "". */
	struct bootinfo *bi = *state;

	mb2_begin();
	tag_module(0x500000, 0x501000, NULL);
	tag_mmap(24, std_mmap, ARRAY_SIZE(std_mmap));
	mb2_finish();
	assert_int_equal(parse(bi, MB2_BOOT_MAGIC, MB2_INFO), 0);
	assert_int_equal(bi->nmod, 1);
	assert_int_equal(bi->mod[0].start, 0x500000);
	assert_int_equal(bi->mod[0].end, 0x501000);
	assert_non_null(bi->mod[0].cmdline);
	assert_string_equal(bi->mod[0].cmdline, "");
}

static void bootinfo_mb2_no_cmdline_no_loader(void **state)
{
	struct bootinfo *bi = *state;

	mb2_begin();
	tag_mmap(24, std_mmap, ARRAY_SIZE(std_mmap));
	mb2_finish();
	assert_int_equal(parse(bi, MB2_BOOT_MAGIC, MB2_INFO), 0);
	assert_non_null(bi->cmdline);
	assert_string_equal(bi->cmdline, "");
	assert_non_null(bi->loader);
	assert_string_equal(bi->loader, "");
	assert_int_equal(bi->nmod, 0);
}

static void bootinfo_mb2_unknown_tags_skipped(void **state)
{
	struct bootinfo *bi = *state;

	mb2_begin();
	tag_raw(21, 12);
	tag_raw(5, 20);
	tag_string(1, "a");
	tag_raw(8, 37);
	tag_raw(14, 28);
	tag_mmap(24, std_mmap, ARRAY_SIZE(std_mmap));
	tag_raw(1000, 9);
	tag_string(2, "loader with a longer name");
	mb2_finish();
	assert_int_equal(parse(bi, MB2_BOOT_MAGIC, MB2_INFO), 0);
	assert_string_equal(bi->cmdline, "a");
	assert_string_equal(bi->loader, "loader with a longer name");
	expect_std_mmap(bi);
	assert_int_equal(bi->nmod, 0);
}

/*
 * Builds a structure with n ACPI tags ({type, payload bytes}) and a memory map, and
 * parses it: where tag k's payload is in mem[] goes to at[k].
 */
static void parse_acpi_tags(struct bootinfo *bi, const uint32_t tags[][2], unsigned n, uint64_t *at)
{
	mb2_begin();
	for (unsigned k = 0; k < n; k++) {
		at[k] = mb2_pos + 8;
		tag_raw(tags[k][0], 8 + tags[k][1]);
	}
	tag_mmap(24, std_mmap, ARRAY_SIZE(std_mmap));
	mb2_finish();
	assert_int_equal(parse(bi, MB2_BOOT_MAGIC, MB2_INFO), 0);
	expect_std_mmap(bi);
}

/* The RSDP copies of the ACPI tags (14 old, 15 new): the new one wins in either order. */
static void bootinfo_mb2_acpi_tags(void **state)
{
	struct bootinfo *bi = *state;
	uint64_t at[2];

	parse_acpi_tags(bi, NULL, 0, at);
	assert_null(bi->rsdp);

	parse_acpi_tags(bi, (const uint32_t[][2]){ { 14, 20 } }, 1, at);
	assert_ptr_equal(bi->rsdp, mem + at[0]);
	assert_int_equal(bi->rsdp_len, 20);

	parse_acpi_tags(bi, (const uint32_t[][2]){ { 14, 20 }, { 15, 36 } }, 2, at);
	assert_ptr_equal(bi->rsdp, mem + at[1]);
	assert_int_equal(bi->rsdp_len, 36);

	parse_acpi_tags(bi, (const uint32_t[][2]){ { 15, 36 }, { 14, 20 } }, 2, at);
	assert_ptr_equal(bi->rsdp, mem + at[0]);

	/* too short to hold an RSDP: ignored */
	parse_acpi_tags(bi, (const uint32_t[][2]){ { 14, 19 }, { 15, 35 } }, 2, at);
	assert_null(bi->rsdp);
}

static void bootinfo_mb2_stops_at_end_tag(void **state)
{
	/* Bytes after the end tag are not tags. */
	struct bootinfo *bi = *state;

	build_mb2();
	tag_string(1, "after the end");
	tag_module(0x900000, 0x901000, "ghost");
	assert_int_equal(parse(bi, MB2_BOOT_MAGIC, MB2_INFO), 0);
	assert_string_equal(bi->cmdline, "root=/dev/ram0 quiet");
	assert_int_equal(bi->nmod, 2);
}

static void bootinfo_mb2_no_mmap(void **state)
{
	struct bootinfo *bi = *state;

	mb2_begin();
	tag_string(1, "x");
	tag_module(0x300000, 0x304000, "m");
	mb2_finish();
	assert_int_equal(parse(bi, MB2_BOOT_MAGIC, MB2_INFO), -1);
}

static void bootinfo_mb2_info_refused(void **state)
{
	struct bootinfo *bi = *state;

	build_mb2();
	assert_int_equal(parse(bi, MB2_BOOT_MAGIC, MEMSZ - 4), -1);
	assert_int_equal(parse(bi, MB2_BOOT_MAGIC, 0x7fffffff0000ull), -1);
	refuse_lo = MB2_INFO;
	refuse_hi = MB2_INFO + 8;
	assert_int_equal(parse(bi, MB2_BOOT_MAGIC, MB2_INFO), -1);
}

static void bootinfo_mb2_tail_refused(void **state)
{
	/* p2v refuses the last bytes of the structure (the end tag). */
	struct bootinfo *bi = *state;
	uint32_t total;

	total = build_mb2();
	refuse_lo = MB2_INFO + total - 8;
	refuse_hi = MB2_INFO + total;
	assert_int_equal(parse(bi, MB2_BOOT_MAGIC, MB2_INFO), -1);
}

static void bootinfo_mb2_too_many_mmap(void **state)
{
	struct bootinfo *bi = *state;
	struct boot_mmap e[BOOT_MAX_MMAP + 6];

	for (unsigned i = 0; i < ARRAY_SIZE(e); i++) {
		e[i].base = 0x200000ull * i;
		e[i].len = 0x1000ull * (i + 1);
		e[i].type = 1 + i % 3;
	}
	mb2_begin();
	tag_mmap(24, e, ARRAY_SIZE(e));
	tag_module(0x300000, 0x304000, "after mmap");
	mb2_finish();
	assert_int_equal(parse(bi, MB2_BOOT_MAGIC, MB2_INFO), 0);
	assert_int_equal(bi->nmmap, BOOT_MAX_MMAP);
	for (unsigned i = 0; i < BOOT_MAX_MMAP; i++) {
		assert_int_equal(bi->mmap[i].base, e[i].base);
		assert_int_equal(bi->mmap[i].len, e[i].len);
		assert_int_equal(bi->mmap[i].type, e[i].type);
	}
	assert_int_equal(bi->nmod, 1);
	assert_string_equal(bi->mod[0].cmdline, "after mmap");
}

static void bootinfo_mb2_too_many_modules(void **state)
{
	struct bootinfo *bi = *state;
	const unsigned n = BOOT_MAX_MODULES + 4;

	mb2_begin();
	for (unsigned i = 0; i < n; i++)
		tag_module(0x1000000 + 0x10000 * i, 0x1000000 + 0x10000 * i + 0x80,
			   i % 2 ? "odd" : "even");
	tag_mmap(24, std_mmap, ARRAY_SIZE(std_mmap));
	mb2_finish();
	assert_int_equal(parse(bi, MB2_BOOT_MAGIC, MB2_INFO), 0);
	assert_int_equal(bi->nmod, BOOT_MAX_MODULES);
	assert_int_equal(bi->nmod_dropped, 4);
	for (unsigned i = 0; i < BOOT_MAX_MODULES; i++) {
		assert_int_equal(bi->mod[i].start, 0x1000000 + 0x10000 * i);
		assert_int_equal(bi->mod[i].end, 0x1000000 + 0x10000 * i + 0x80);
		assert_string_equal(bi->mod[i].cmdline, i % 2 ? "odd" : "even");
	}
	expect_std_mmap(bi);	/* the mmap after the dropped modules is still read */
}

static void bootinfo_mb2_info_extent(void **state)
{
	struct bootinfo *bi = *state;
	uint32_t total;

	total = build_mb2();
	assert_int_equal(parse(bi, MB2_BOOT_MAGIC, MB2_INFO), 0);
	assert_true(bi->info_start <= MB2_INFO);
	assert_true(bi->info_end >= MB2_INFO + total);
}

static void bootinfo_mb2_usable_bytes(void **state)
{
	struct bootinfo *bi = *state;

	build_mb2();
	assert_int_equal(parse(bi, MB2_BOOT_MAGIC, MB2_INFO), 0);
	assert_int_equal(bootinfo_usable_bytes(bi), STD_USABLE);
}

/* ---- bootinfo_usable_bytes on its own ---- */

static void bootinfo_usable_bytes_only_type1(void **state)
{
	struct bootinfo *bi = *state;

	bi->nmmap = 5;
	bi->mmap[0] = (struct boot_mmap){ 0x0, 0x1000, 1 };
	bi->mmap[1] = (struct boot_mmap){ 0x1000, 0x100000, 2 };
	bi->mmap[2] = (struct boot_mmap){ 0x200000, 0x300000000ull, BOOT_MEM_USABLE };
	bi->mmap[3] = (struct boot_mmap){ 0x400000000ull, 0x5000, 3 };
	bi->mmap[4] = (struct boot_mmap){ 0x500000000ull, 0x7000, 5 };
	bi->mmap[5] = (struct boot_mmap){ 0x600000000ull, 0x7000, 1 };	/* past nmmap */
	assert_int_equal(bootinfo_usable_bytes(bi), 0x1000 + 0x300000000ull);
}

static void bootinfo_usable_bytes_empty(void **state)
{
	struct bootinfo *bi = *state;

	bi->nmmap = 0;
	assert_int_equal(bootinfo_usable_bytes(bi), 0);
}

#define BI_TEST(f) cmocka_unit_test_setup_teardown(f, bi_setup, bi_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		BI_TEST(bootinfo_mb1_protocol_and_strings),
		BI_TEST(bootinfo_mb1_mmap),
		BI_TEST(bootinfo_mb1_mmap_size_field),
		BI_TEST(bootinfo_mb1_modules),
		BI_TEST(bootinfo_mb1_module_without_cmdline),
		BI_TEST(bootinfo_mb1_no_cmdline_flag),
		BI_TEST(bootinfo_mb1_no_loader_flag),
		BI_TEST(bootinfo_mb1_no_mods_flag),
		BI_TEST(bootinfo_mb1_no_mods_flag_garbage),
		BI_TEST(bootinfo_mb1_zero_modules),
		BI_TEST(bootinfo_mb1_no_mmap_flag),
		BI_TEST(bootinfo_mb1_info_refused),
		BI_TEST(bootinfo_mb1_mmap_refused),
		BI_TEST(bootinfo_mb1_mmap_out_of_range),
		BI_TEST(bootinfo_mb1_mods_refused),
		BI_TEST(bootinfo_mb1_cmdline_refused),
		BI_TEST(bootinfo_mb1_too_many_mmap),
		BI_TEST(bootinfo_mb1_too_many_modules),
		BI_TEST(bootinfo_mb1_info_extent),
		BI_TEST(bootinfo_mb1_usable_bytes),
		BI_TEST(bootinfo_unknown_magic),
		BI_TEST(bootinfo_mb2_protocol_and_strings),
		BI_TEST(bootinfo_mb2_mmap),
		BI_TEST(bootinfo_mb2_mmap_entry_size),
		BI_TEST(bootinfo_mb2_modules),
		BI_TEST(bootinfo_mb2_module_without_string),
		BI_TEST(bootinfo_mb2_no_cmdline_no_loader),
		BI_TEST(bootinfo_mb2_unknown_tags_skipped),
		BI_TEST(bootinfo_mb2_acpi_tags),
		BI_TEST(bootinfo_mb2_stops_at_end_tag),
		BI_TEST(bootinfo_mb2_no_mmap),
		BI_TEST(bootinfo_mb2_info_refused),
		BI_TEST(bootinfo_mb2_tail_refused),
		BI_TEST(bootinfo_mb2_too_many_mmap),
		BI_TEST(bootinfo_mb2_too_many_modules),
		BI_TEST(bootinfo_mb2_info_extent),
		BI_TEST(bootinfo_mb2_usable_bytes),
		BI_TEST(bootinfo_usable_bytes_only_type1),
		BI_TEST(bootinfo_usable_bytes_empty),
	};

	return cmocka_run_group_tests_name("bootinfo", tests, NULL, NULL);
}
