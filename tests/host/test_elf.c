/*
 * test_elf.c: host unit tests for lib/libcommon/elf.c against the contract in common/elf.h.
 *
 * Images are built by hand from a header and program headers, then checked from a
 * heap copy of exactly len bytes, so ASan reports any read past the end of the file.
 * The host's <elf.h> is not used: the formats are spelt out here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <common/elf.h>

struct ehdr64 {
	unsigned char ident[16];
	uint16_t type;
	uint16_t machine;
	uint32_t version;
	uint64_t entry;
	uint64_t phoff;
	uint64_t shoff;
	uint32_t flags;
	uint16_t ehsize;
	uint16_t phentsize;
	uint16_t phnum;
	uint16_t shentsize;
	uint16_t shnum;
	uint16_t shstrndx;
};

struct phdr64 {
	uint32_t type;
	uint32_t flags;
	uint64_t offset;
	uint64_t vaddr;
	uint64_t paddr;
	uint64_t filesz;
	uint64_t memsz;
	uint64_t align;
};

_Static_assert(sizeof(struct ehdr64) == 64, "Elf64_Ehdr is 64 bytes");
_Static_assert(sizeof(struct phdr64) == 56, "Elf64_Phdr is 56 bytes");

#define PT_NULL      0
#define PT_LOAD      1
#define PT_NOTE      4
#define PT_GNU_STACK 0x6474e551u
#define ET_REL  1
#define ET_EXEC 2
#define ET_DYN  3
#define EM_386     3
#define EM_X86_64  62
#define EM_AARCH64 183

#define LO 0x400000ull
#define HI 0x800000ull
#define RX (ELF_SEG_R | ELF_SEG_X)
#define RW (ELF_SEG_R | ELF_SEG_W)

#define IMGSZ 0x4000u
#define MAXPH 24

static struct ehdr64 E;
static struct phdr64 PH[MAXPH];
static size_t img_len;
static _Alignas(8) unsigned char img[IMGSZ];
static struct elf_image out;

static void set_load(unsigned i, uint32_t flags, uint64_t off, uint64_t vaddr,
		     uint64_t filesz, uint64_t memsz)
{
	PH[i] = (struct phdr64){ PT_LOAD, flags, off, vaddr, vaddr, filesz, memsz, 0x1000 };
}

/*
 * The standard valid image: text [0x401000, +0x234) from file 0x1000, R-X;
 * data [0x402000, +0x3000) with 0x100 bytes from file 0x2000, RW-; entry in text.
 */
static void std_image(void)
{
	memset(&E, 0, sizeof(E));
	memset(PH, 0, sizeof(PH));
	memcpy(E.ident, "\177ELF", 4);
	E.ident[4] = 2;		/* ELFCLASS64 */
	E.ident[5] = 1;		/* ELFDATA2LSB */
	E.ident[6] = 1;		/* EV_CURRENT */
	E.type = ET_EXEC;
	E.machine = EM_X86_64;
	E.version = 1;
	E.entry = 0x401010;
	E.phoff = sizeof(E);
	E.ehsize = sizeof(E);
	E.phentsize = sizeof(struct phdr64);
	E.phnum = 2;
	set_load(0, RX, 0x1000, 0x401000, 0x234, 0x234);
	set_load(1, RW, 0x2000, 0x402000, 0x100, 0x3000);
	img_len = 0x2100;
}

/* Serializes E and PH[0..phnum) into img[]. */
static void build(void)
{
	memset(img, 0, sizeof(img));
	for (size_t i = 0x1000; i < IMGSZ; i++)
		img[i] = (unsigned char)(i * 7);
	memcpy(img, &E, sizeof(E));
	for (unsigned i = 0; i < E.phnum && i < MAXPH; i++) {
		uint64_t at = E.phoff + (uint64_t)i * sizeof(struct phdr64);

		if (E.phoff < IMGSZ && at + sizeof(struct phdr64) <= IMGSZ)
			memcpy(img + at, &PH[i], sizeof(PH[i]));
	}
}

/* Builds the image and checks a heap copy of its first len bytes. */
static int check_len(size_t len, uint64_t lo, uint64_t hi)
{
	unsigned char *copy;
	int r;

	build();
	assert_true(len <= IMGSZ);
	copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, img, len);
	memset(&out, 0xa5, sizeof(out));
	r = elf_check(copy, len, lo, hi, &out);
	free(copy);
	return r;
}

static int check(void)
{
	return check_len(img_len, LO, HI);
}

static void expect_seg(unsigned i, uint64_t vaddr, uint64_t memsz, uint64_t offset,
		       uint64_t filesz, uint32_t flags)
{
	assert_int_equal(out.seg[i].vaddr, vaddr);
	assert_int_equal(out.seg[i].memsz, memsz);
	assert_int_equal(out.seg[i].offset, offset);
	assert_int_equal(out.seg[i].filesz, filesz);
	assert_int_equal(out.seg[i].flags & (ELF_SEG_R | ELF_SEG_W | ELF_SEG_X), flags);
}

/* ---- valid images ---- */

static void elf_valid_two_segments(void **state)
{
	(void)state;
	std_image();
	assert_int_equal(check(), ELF_OK);
	assert_int_equal(out.entry, 0x401010);
	assert_int_equal(out.nseg, 2);
	expect_seg(0, 0x401000, 0x234, 0x1000, 0x234, RX);
	expect_seg(1, 0x402000, 0x3000, 0x2000, 0x100, RW);
}

static void elf_valid_unaligned_vaddr(void **state)
{
	(void)state;
	std_image();
	set_load(0, RX, 0x1010, 0x401010, 0x200, 0x200);
	set_load(1, RW, 0x2008, 0x402ab8, 0x80, 0x1000);
	E.entry = 0x401010;
	assert_int_equal(check(), ELF_OK);
	assert_int_equal(out.nseg, 2);
	expect_seg(0, 0x401010, 0x200, 0x1010, 0x200, RX);
	expect_seg(1, 0x402ab8, 0x1000, 0x2008, 0x80, RW);
}

static void elf_valid_at_window_edges(void **state)
{
	/* The first segment starts at lo; the last ends exactly at hi. */
	(void)state;
	std_image();
	set_load(0, RX, 0x1000, LO, 0x234, 0x234);
	set_load(1, RW, 0x2000, HI - 0x3000, 0x100, 0x3000);
	E.entry = LO;
	assert_int_equal(check(), ELF_OK);
	assert_int_equal(out.nseg, 2);
}

static void elf_valid_adjacent_pages(void **state)
{
	/* Text ends exactly where the data page begins: no page is shared. */
	(void)state;
	std_image();
	set_load(0, RX, 0x1000, 0x401000, 0x1000, 0x1000);
	assert_int_equal(check(), ELF_OK);
}

static void elf_valid_data_ends_at_file_end(void **state)
{
	(void)state;
	std_image();
	set_load(1, RW, 0x2000, 0x402000, img_len - 0x2000, 0x3000);
	assert_int_equal(check(), ELF_OK);
	assert_int_equal(out.seg[1].filesz, img_len - 0x2000);
}

static void elf_valid_bss_only_segment(void **state)
{
	(void)state;
	std_image();
	set_load(1, RW, 0, 0x402000, 0, 0x5000);
	assert_int_equal(check(), ELF_OK);
	expect_seg(1, 0x402000, 0x5000, 0, 0, RW);
}

static void elf_valid_entry_bounds(void **state)
{
	(void)state;
	std_image();
	E.entry = 0x401000;			/* first byte */
	assert_int_equal(check(), ELF_OK);
	E.entry = 0x401000 + 0x234 - 1;		/* last byte */
	assert_int_equal(check(), ELF_OK);
	assert_int_equal(out.entry, 0x401233);
}

static void elf_valid_entry_in_second_exec_segment(void **state)
{
	(void)state;
	std_image();
	E.phnum = 3;
	set_load(2, RX, 0x1000, 0x410000, 0x100, 0x100);
	E.entry = 0x410020;
	assert_int_equal(check(), ELF_OK);
	assert_int_equal(out.nseg, 3);
	assert_int_equal(out.entry, 0x410020);
}

static void elf_valid_max_segments(void **state)
{
	(void)state;
	std_image();
	E.phnum = ELF_MAX_SEGMENTS;
	for (unsigned i = 0; i < ELF_MAX_SEGMENTS; i++)
		set_load(i, i == 0 ? RX : RW, 0x1000, 0x401000 + 0x2000 * i, 0x10, 0x1000);
	assert_int_equal(check(), ELF_OK);
	assert_int_equal(out.nseg, ELF_MAX_SEGMENTS);
	expect_seg(ELF_MAX_SEGMENTS - 1, 0x401000 + 0x2000 * (ELF_MAX_SEGMENTS - 1), 0x1000,
		   0x1000, 0x10, RW);
}

static void elf_non_load_ignored(void **state)
{
	/* Headers other than PT_LOAD are ignored, however odd their fields. */
	(void)state;
	std_image();
	E.phnum = 6;
	PH[0] = (struct phdr64){ PT_NOTE, ELF_SEG_R, 0x100000, 0x10, 0, 0x500, 0x10, 4 };
	set_load(1, RX, 0x1000, 0x401000, 0x234, 0x234);
	PH[2] = (struct phdr64){ PT_NULL, 0, ~0ull, ~0ull, 0, ~0ull, 0, 0 };
	PH[3] = (struct phdr64){ PT_GNU_STACK, RW, 0, 0, 0, 0, 0, 16 };
	set_load(4, RW, 0x2000, 0x402000, 0x100, 0x3000);
	PH[5] = (struct phdr64){ 0x70000003u, 0, 0x3000, 0x1000, 0, 0x40, 0x40, 1 };
	assert_int_equal(check(), ELF_OK);
	assert_int_equal(out.nseg, 2);
	expect_seg(0, 0x401000, 0x234, 0x1000, 0x234, RX);
	expect_seg(1, 0x402000, 0x3000, 0x2000, 0x100, RW);
}

static void elf_non_load_not_counted(void **state)
{
	/* ELF_MAX_SEGMENTS loads plus other headers are not too many. */
	(void)state;
	std_image();
	E.phnum = ELF_MAX_SEGMENTS + 4;
	for (unsigned i = 0; i < ELF_MAX_SEGMENTS; i++)
		set_load(i, i == 0 ? RX : RW, 0x1000, 0x401000 + 0x2000 * i, 0x10, 0x1000);
	for (unsigned i = ELF_MAX_SEGMENTS; i < E.phnum; i++)
		PH[i] = (struct phdr64){ PT_NOTE, 0, 0x1000, 0, 0, 0x10, 0x10, 4 };
	assert_int_equal(check(), ELF_OK);
	assert_int_equal(out.nseg, ELF_MAX_SEGMENTS);
}

/* ---- ELF_ETRUNC ---- */

static void elf_truncated_header(void **state)
{
	(void)state;
	std_image();
	assert_int_equal(check_len(0, LO, HI), ELF_ETRUNC);
	assert_int_equal(check_len(4, LO, HI), ELF_ETRUNC);
	assert_int_equal(check_len(sizeof(struct ehdr64) - 1, LO, HI), ELF_ETRUNC);
}

static void elf_phdrs_beyond_file(void **state)
{
	(void)state;
	std_image();
	E.phoff = img_len - 2 * sizeof(struct phdr64) + 8;
	assert_int_equal(check(), ELF_ETRUNC);
}

static void elf_phnum_beyond_file(void **state)
{
	(void)state;
	std_image();
	E.phnum = 1000;
	assert_int_equal(check(), ELF_ETRUNC);
}

static void elf_phoff_beyond_file(void **state)
{
	(void)state;
	std_image();
	E.phoff = img_len + 0x1000;
	assert_int_equal(check(), ELF_ETRUNC);
}

static void elf_phoff_overflow(void **state)
{
	/* phoff + phnum * phentsize wraps: data beyond the file (elf.h also allows
	 * ELF_ERANGE for "an overflow"). */
	(void)state;
	std_image();
	E.phoff = ~0ull - 7;
	assert_in_set(check(), ((LargestIntegralType[]){ (LargestIntegralType)ELF_ETRUNC,
							 (LargestIntegralType)ELF_ERANGE }), 2);
}

static void elf_segment_data_beyond_file(void **state)
{
	(void)state;
	std_image();
	set_load(1, RW, 0x2000, 0x402000, img_len - 0x2000 + 1, 0x3000);
	assert_int_equal(check(), ELF_ETRUNC);
}

static void elf_segment_offset_beyond_file(void **state)
{
	(void)state;
	std_image();
	set_load(1, RW, img_len + 0x1000, 0x402000, 0x10, 0x3000);
	assert_int_equal(check(), ELF_ETRUNC);
}

static void elf_segment_offset_overflow(void **state)
{
	/* offset + filesz wraps around to a small number. */
	(void)state;
	std_image();
	set_load(1, RW, ~0ull - 0xf, 0x402000, 0x100, 0x3000);
	assert_in_set(check(), ((LargestIntegralType[]){ (LargestIntegralType)ELF_ETRUNC,
							 (LargestIntegralType)ELF_ERANGE }), 2);
}

/* ---- ELF_EMAGIC ---- */

static void elf_bad_magic(void **state)
{
	(void)state;
	std_image();
	E.ident[0] = 0x7e;
	assert_int_equal(check(), ELF_EMAGIC);
	std_image();
	E.ident[3] = 'G';
	assert_int_equal(check(), ELF_EMAGIC);
}

static void elf_class32(void **state)
{
	(void)state;
	std_image();
	E.ident[4] = 1;		/* ELFCLASS32 */
	assert_int_equal(check(), ELF_EMAGIC);
	E.ident[4] = 0;
	assert_int_equal(check(), ELF_EMAGIC);
}

static void elf_big_endian(void **state)
{
	(void)state;
	std_image();
	E.ident[5] = 2;		/* ELFDATA2MSB */
	assert_int_equal(check(), ELF_EMAGIC);
	E.ident[5] = 0;
	assert_int_equal(check(), ELF_EMAGIC);
}

static void elf_wrong_machine(void **state)
{
	(void)state;
	std_image();
	E.machine = EM_386;
	assert_int_equal(check(), ELF_EMAGIC);
	E.machine = EM_AARCH64;
	assert_int_equal(check(), ELF_EMAGIC);
}

static void elf_dyn_rejected(void **state)
{
	(void)state;
	std_image();
	E.type = ET_DYN;
	assert_int_equal(check(), ELF_EMAGIC);
}

static void elf_rel_rejected(void **state)
{
	(void)state;
	std_image();
	E.type = ET_REL;
	assert_int_equal(check(), ELF_EMAGIC);
}

/* ---- ELF_EBADSEG ---- */

static void elf_filesz_gt_memsz(void **state)
{
	(void)state;
	std_image();
	set_load(1, RW, 0x2000, 0x402000, 0x100, 0xff);
	assert_int_equal(check(), ELF_EBADSEG);
}

static void elf_segments_share_page(void **state)
{
	(void)state;
	std_image();
	set_load(1, RW, 0x2000, 0x401800, 0x100, 0x100);	/* text's page */
	assert_int_equal(check(), ELF_EBADSEG);
}

static void elf_segments_share_last_page(void **state)
{
	/* Text ends one byte into page 0x402000; data starts at the top of it. */
	(void)state;
	std_image();
	set_load(0, RX, 0x1000, 0x401000, 0x1001, 0x1001);
	set_load(1, RW, 0x2000, 0x402fff, 0x1, 0x1);
	assert_int_equal(check(), ELF_EBADSEG);
}

static void elf_segments_share_top_page(void **state)
{
	/*
	 * Two segments in the last page of the address space, the window reaching the
	 * top: rounding the first one's end up to a page must not wrap to 0.
	 */
	(void)state;
	std_image();
	E.phnum = 3;
	set_load(1, RW, 0x2000, 0xfffffffffffff000ull, 0x10, 0x800);
	set_load(2, RW, 0x2000, 0xfffffffffffff900ull, 0x10, 0x100);
	assert_int_equal(check_len(img_len, LO, ~0ull), ELF_EBADSEG);
}

static void elf_segments_overlap(void **state)
{
	(void)state;
	std_image();
	set_load(0, RX, 0x1000, 0x401000, 0x234, 0x3000);
	set_load(1, RW, 0x2000, 0x402000, 0x100, 0x1000);
	assert_int_equal(check(), ELF_EBADSEG);
}

static void elf_unsorted_segments(void **state)
{
	/*
	 * elf.h requires sorted segments but names no code for the breach: either
	 * ELF_EBADSEG (a relation between segments) or ELF_ERANGE is accepted.
	 */
	struct phdr64 t;

	(void)state;
	std_image();
	t = PH[0];
	PH[0] = PH[1];
	PH[1] = t;
	assert_in_set(check(), ((LargestIntegralType[]){ (LargestIntegralType)ELF_EBADSEG,
							 (LargestIntegralType)ELF_ERANGE }), 2);
}

/* ---- ELF_ERANGE ---- */

static void elf_segment_below_lo(void **state)
{
	(void)state;
	std_image();
	set_load(0, RX, 0x1000, LO - 0x1000, 0x234, 0x234);
	E.entry = LO - 0x1000;
	assert_int_equal(check(), ELF_ERANGE);
}

static void elf_segment_straddles_lo(void **state)
{
	(void)state;
	std_image();
	set_load(0, RX, 0x1000, LO - 0x10, 0x234, 0x234);
	E.entry = LO + 0x10;
	assert_int_equal(check(), ELF_ERANGE);
}

static void elf_segment_past_hi(void **state)
{
	(void)state;
	std_image();
	set_load(1, RW, 0x2000, HI - 0x3000, 0x100, 0x3001);
	assert_int_equal(check(), ELF_ERANGE);
}

static void elf_segment_at_hi(void **state)
{
	(void)state;
	std_image();
	set_load(1, RW, 0x2000, HI, 0x100, 0x1000);
	assert_int_equal(check(), ELF_ERANGE);
}

static void elf_segment_vaddr_overflow(void **state)
{
	/* vaddr + memsz wraps around; the window reaches the top of the address space. */
	(void)state;
	std_image();
	set_load(1, RW, 0x2000, 0xfffffffffffff000ull, 0x100, 0x2000);
	assert_int_equal(check_len(img_len, LO, ~0ull), ELF_ERANGE);
}

static void elf_segment_vaddr_overflow_huge_memsz(void **state)
{
	(void)state;
	std_image();
	set_load(1, RW, 0x2000, 0x402000, 0x100, ~0ull - 0xfff);
	assert_int_equal(check_len(img_len, LO, ~0ull), ELF_ERANGE);
}

static void elf_entry_outside_segments(void **state)
{
	(void)state;
	std_image();
	E.entry = 0x400800;		/* in the window, in no segment */
	assert_int_equal(check(), ELF_ERANGE);
	E.entry = HI + 0x1000;		/* outside the window */
	assert_int_equal(check(), ELF_ERANGE);
	E.entry = 0;
	assert_int_equal(check(), ELF_ERANGE);
}

static void elf_entry_at_segment_end(void **state)
{
	(void)state;
	std_image();
	E.entry = 0x401000 + 0x234;	/* one past the text */
	assert_int_equal(check(), ELF_ERANGE);
}

static void elf_entry_in_data_segment(void **state)
{
	(void)state;
	std_image();
	E.entry = 0x402010;		/* RW-, not executable */
	assert_int_equal(check(), ELF_ERANGE);
}

static void elf_no_load_segments(void **state)
{
	(void)state;
	std_image();
	E.phnum = 0;
	assert_int_equal(check(), ELF_ERANGE);
	E.phnum = 1;
	PH[0] = (struct phdr64){ PT_NOTE, 0, 0x1000, 0, 0, 0x10, 0x10, 4 };
	assert_int_equal(check(), ELF_ERANGE);
}

/* ---- ELF_ETOOMANY ---- */

static void elf_too_many_segments(void **state)
{
	(void)state;
	std_image();
	E.phnum = ELF_MAX_SEGMENTS + 1;
	for (unsigned i = 0; i < E.phnum; i++)
		set_load(i, i == 0 ? RX : RW, 0x1000, 0x401000 + 0x2000 * i, 0x10, 0x1000);
	assert_int_equal(check(), ELF_ETOOMANY);
}

static void elf_far_too_many_segments(void **state)
{
	(void)state;
	std_image();
	E.phnum = MAXPH;
	for (unsigned i = 0; i < E.phnum; i++)
		set_load(i, i == 0 ? RX : RW, 0x1000, 0x401000 + 0x2000 * i, 0x10, 0x1000);
	assert_int_equal(check(), ELF_ETOOMANY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(elf_valid_two_segments),
		cmocka_unit_test(elf_valid_unaligned_vaddr),
		cmocka_unit_test(elf_valid_at_window_edges),
		cmocka_unit_test(elf_valid_adjacent_pages),
		cmocka_unit_test(elf_valid_data_ends_at_file_end),
		cmocka_unit_test(elf_valid_bss_only_segment),
		cmocka_unit_test(elf_valid_entry_bounds),
		cmocka_unit_test(elf_valid_entry_in_second_exec_segment),
		cmocka_unit_test(elf_valid_max_segments),
		cmocka_unit_test(elf_non_load_ignored),
		cmocka_unit_test(elf_non_load_not_counted),
		cmocka_unit_test(elf_truncated_header),
		cmocka_unit_test(elf_phdrs_beyond_file),
		cmocka_unit_test(elf_phnum_beyond_file),
		cmocka_unit_test(elf_phoff_beyond_file),
		cmocka_unit_test(elf_phoff_overflow),
		cmocka_unit_test(elf_segment_data_beyond_file),
		cmocka_unit_test(elf_segment_offset_beyond_file),
		cmocka_unit_test(elf_segment_offset_overflow),
		cmocka_unit_test(elf_bad_magic),
		cmocka_unit_test(elf_class32),
		cmocka_unit_test(elf_big_endian),
		cmocka_unit_test(elf_wrong_machine),
		cmocka_unit_test(elf_dyn_rejected),
		cmocka_unit_test(elf_rel_rejected),
		cmocka_unit_test(elf_filesz_gt_memsz),
		cmocka_unit_test(elf_segments_share_page),
		cmocka_unit_test(elf_segments_share_last_page),
		cmocka_unit_test(elf_segments_share_top_page),
		cmocka_unit_test(elf_segments_overlap),
		cmocka_unit_test(elf_unsorted_segments),
		cmocka_unit_test(elf_segment_below_lo),
		cmocka_unit_test(elf_segment_straddles_lo),
		cmocka_unit_test(elf_segment_past_hi),
		cmocka_unit_test(elf_segment_at_hi),
		cmocka_unit_test(elf_segment_vaddr_overflow),
		cmocka_unit_test(elf_segment_vaddr_overflow_huge_memsz),
		cmocka_unit_test(elf_entry_outside_segments),
		cmocka_unit_test(elf_entry_at_segment_end),
		cmocka_unit_test(elf_entry_in_data_segment),
		cmocka_unit_test(elf_no_load_segments),
		cmocka_unit_test(elf_too_many_segments),
		cmocka_unit_test(elf_far_too_many_segments),
	};

	return cmocka_run_group_tests_name("elf", tests, NULL, NULL);
}
