/*
 * test_acpi.c: host unit tests for kernel/arch/x86_64/acpi.c (RSDP -> RSDT/XSDT ->
 * MADT, the DMAR's first remapping unit, the MCFG's ECAM) against the contract in acpi.h.
 *
 * mem[] is a fake physical address space: the first MiB (BDA, EBDA, BIOS area) and
 * 64 KiB above it where the tables go; hi[] is one page at HIGH, above 4 GiB. The test
 * p2v maps a physical range into one of the two and returns NULL for anything else.
 * The helpers build tables with right lengths and checksums; a test then breaks what
 * it means to. A table placed at the very end of mem[] has ASan's redzone right after
 * it, so a read past its end is reported; p2v_tight hands out copies followed by 0xff
 * bytes, so a read past what was asked for sees garbage.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "acpi.h"

#define MEMSZ	0x110000u	/* 1 MiB of low memory and 64 KiB of tables */
#define HIGH	0x123400000ull	/* one page above 4 GiB (its low 32 bits map nothing) */
#define HIGHSZ	0x1000u

#define BDA_EBDA 0x40eu		/* the BDA word holding the EBDA's segment */
#define EBDA	 0x9fc00u
#define STD_RSDP 0xf5b40u	/* in the BIOS area, on a 16-byte boundary */

#define RSDT_AT	 0x100000u
#define RSDT2_AT 0x100200u
#define XSDT_AT	 0x100400u
#define FACP_AT	 0x100800u
#define MADT_AT	 0x101000u
#define MADT2_AT 0x102000u
#define DMAR_AT	 0x103000u
#define MCFG_AT	 0x104000u
#define SCRATCH	 0x108000u	/* tables built here are then moved to the end of mem[] */

#define LAPIC_A	 0xfee00000u
#define LAPIC_B	 0xfed00000u
#define IOAPIC	 0xfec00000u

#define RSDP_V1_LEN 20
#define RSDP_V2_LEN 36
#define SDT_LEN	    36
#define ENABLED	    1u		/* a processor entry's flags bit 0 */

static _Alignas(16) uint8_t mem[MEMSZ];
static _Alignas(16) uint8_t hi[HIGHSZ];

static const void *p2v(uint64_t phys, uint64_t len)
{
	if (phys < MEMSZ && len <= MEMSZ - phys)
		return mem + phys;
	if (phys >= HIGH && phys - HIGH < HIGHSZ && len <= HIGHSZ - (phys - HIGH))
		return hi + (phys - HIGH);
	return NULL;
}

/* Copies p2v_tight handed out, and the RSDP copy a test passes in; freed by teardown. */
struct copy {
	struct copy *next;
	uint8_t b[];
};
static struct copy *copies;
#define TRAILER 64

static const void *p2v_tight(uint64_t phys, uint64_t len)
{
	const void *p = p2v(phys, len);
	struct copy *c;

	if (!p)
		return NULL;
	c = malloc(sizeof(*c) + len + TRAILER);
	assert_non_null(c);
	memcpy(c->b, p, len);
	memset(c->b + len, 0xff, TRAILER);
	c->next = copies;
	copies = c;
	return c->b;
}

/* A heap buffer of exactly len bytes (ASan sees reads past it). */
static uint8_t *heap(size_t len)
{
	struct copy *c = malloc(sizeof(*c) + len);

	assert_non_null(c);
	c->next = copies;
	copies = c;
	return c->b;
}

/* ---- writing the fake memory ---- */

static uint8_t *ptr(uint64_t phys, uint64_t len)
{
	const void *p = p2v(phys, len);

	assert_non_null(p);
	return (uint8_t *)p;
}

static void put8(uint64_t phys, uint8_t v)
{
	*ptr(phys, 1) = v;
}

static void put16(uint64_t phys, uint16_t v)
{
	memcpy(ptr(phys, 2), &v, 2);
}

static void put32(uint64_t phys, uint32_t v)
{
	memcpy(ptr(phys, 4), &v, 4);
}

static uint32_t get32(uint64_t phys)
{
	uint32_t v;

	memcpy(&v, ptr(phys, 4), 4);
	return v;
}

/* Sets p[at] so that the len bytes at p sum to 0 (mod 256). */
static void fix_sum(uint8_t *p, size_t len, size_t at)
{
	uint8_t s = 0;

	p[at] = 0;
	for (size_t i = 0; i < len; i++)
		s += p[i];
	p[at] = (uint8_t)-s;
}

static void set_ebda(uint32_t phys)
{
	put16(BDA_EBDA, (uint16_t)(phys >> 4));
}

static void reset(void)
{
	memset(mem, 0, sizeof(mem));
	memset(hi, 0, sizeof(hi));
	set_ebda(EBDA);
}

/* ---- RSDP ---- */

/* Writes an RSDP of the given revision into b (20 bytes, or 36 for 2+); returns its size. */
static size_t rsdp_fill(uint8_t *b, uint8_t rev, uint32_t rsdt, uint64_t xsdt)
{
	size_t len = rev >= 2 ? RSDP_V2_LEN : RSDP_V1_LEN;

	memset(b, 0, len);
	memcpy(b, "RSD PTR ", 8);
	memcpy(b + 9, "CAIRN ", 6);
	b[15] = rev;
	memcpy(b + 16, &rsdt, 4);
	if (rev >= 2) {
		uint32_t l = RSDP_V2_LEN;

		memcpy(b + 20, &l, 4);
		memcpy(b + 24, &xsdt, 8);
	}
	fix_sum(b, RSDP_V1_LEN, 8);
	if (rev >= 2)
		fix_sum(b, RSDP_V2_LEN, 32);
	return len;
}

static void put_rsdp(uint64_t phys, uint8_t rev, uint32_t rsdt, uint64_t xsdt)
{
	rsdp_fill(ptr(phys, rev >= 2 ? RSDP_V2_LEN : RSDP_V1_LEN), rev, rsdt, xsdt);
}

/* An RSDP as a multiboot2 loader copies it: on the heap, exactly its size. */
static const void *given_rsdp(uint8_t rev, uint32_t rsdt, uint64_t xsdt)
{
	uint8_t *b = heap(rev >= 2 ? RSDP_V2_LEN : RSDP_V1_LEN);

	rsdp_fill(b, rev, rsdt, xsdt);
	return b;
}

/* ---- system description tables ---- */

static uint64_t t_at, t_pos;	/* the table being built, and where its next byte goes */

static void sdt_begin(uint64_t at, const char *sig)
{
	memset(ptr(at, SDT_LEN), 0, SDT_LEN);
	memcpy(ptr(at, 4), sig, 4);
	put8(at + 8, 1);
	memcpy(ptr(at + 10, 6), "CAIRN ", 6);
	memcpy(ptr(at + 16, 8), "TESTTBL ", 8);
	t_at = at;
	t_pos = at + SDT_LEN;
}

static void emit8(uint8_t v)
{
	put8(t_pos, v);
	t_pos += 1;
}

static void emit32(uint32_t v)
{
	put32(t_pos, v);
	t_pos += 4;
}

static void emit64(uint64_t v)
{
	memcpy(ptr(t_pos, 8), &v, 8);
	t_pos += 8;
}

/* Sets the length and checksum of the table being built; returns its length. */
static uint32_t sdt_end(void)
{
	uint32_t len = (uint32_t)(t_pos - t_at);

	put32(t_at + 4, len);
	fix_sum(ptr(t_at, len), len, 9);
	return len;
}

/* Makes the table at phys sum to something other than 0. */
static void break_sum(uint64_t phys)
{
	*ptr(phys + 9, 1) += 1;
}

/* An RSDT (step 4) or XSDT (step 8) listing n tables. */
static void root_table(uint64_t at, const char *sig, unsigned step, const uint64_t *e, size_t n)
{
	sdt_begin(at, sig);
	for (size_t i = 0; i < n; i++) {
		if (step == 4)
			emit32((uint32_t)e[i]);
		else
			emit64(e[i]);
	}
	sdt_end();
}

#define LIST(...) (const uint64_t[]){ __VA_ARGS__ }, sizeof((uint64_t[]){ __VA_ARGS__ }) / 8
#define RSDT(at, ...) root_table(at, "RSDT", 4, LIST(__VA_ARGS__))
#define XSDT(at, ...) root_table(at, "XSDT", 8, LIST(__VA_ARGS__))

/* A table that is not the MADT, its body bytes that would read as MADT entries. */
static void other_table(uint64_t at, const char *sig, unsigned body)
{
	sdt_begin(at, sig);
	for (unsigned i = 0; i < body; i++)
		emit8(i % 2 ? 8 : 0);
	sdt_end();
}

/* ---- MADT ---- */

static uint8_t uid;		/* processor UIDs, in order */

static void madt_begin(uint64_t at, uint32_t lapic)
{
	sdt_begin(at, "APIC");
	emit32(lapic);
	emit32(1);		/* PCAT_COMPAT */
	uid = 0;
}

static void madt_lapic(uint8_t id, uint32_t flags)
{
	emit8(0);
	emit8(8);
	emit8(uid++);
	emit8(id);
	emit32(flags);
}

static void madt_x2apic(uint32_t id, uint32_t flags)
{
	emit8(9);
	emit8(16);
	emit8(0);
	emit8(0);
	emit32(id);
	emit32(flags);
	emit32(uid++);
}

static void madt_ioapic(uint8_t id, uint32_t addr, uint32_t gsi)
{
	emit8(1);
	emit8(12);
	emit8(id);
	emit8(0);
	emit32(addr);
	emit32(gsi);
}

static void madt_override(uint64_t addr)
{
	emit8(5);
	emit8(12);
	emit8(0);
	emit8(0);
	emit64(addr);
}

/* An entry of any type and length, its body bytes that would read as an enabled CPU. */
static void madt_raw(uint8_t type, uint8_t len)
{
	emit8(type);
	emit8(len);
	for (unsigned i = 2; i < len; i++)
		emit8(0x01);
}

/* The usual MADT: processors 0, 1 and 6 enabled, 2 disabled; one I/O APIC; two others. */
static void std_madt(uint64_t at, uint32_t lapic)
{
	madt_begin(at, lapic);
	madt_lapic(0, ENABLED);
	madt_lapic(1, ENABLED);
	madt_lapic(2, 0);
	madt_lapic(6, ENABLED);
	madt_ioapic(8, IOAPIC, 0);
	madt_raw(2, 10);	/* interrupt source override */
	madt_raw(4, 6);		/* local APIC NMI */
	sdt_end();
}

/* Moves the finished table at phys to end at the end of mem[]; returns where it went. */
static uint64_t move_to_end(uint64_t phys)
{
	uint32_t len = get32(phys + 4);
	uint64_t to = MEMSZ - len;

	memmove(ptr(to, len), ptr(phys, len), len);
	return to;
}

/* A FACP, and an RSDT listing it and madt, at RSDT_AT. */
static void rsdt_with(uint64_t madt)
{
	other_table(FACP_AT, "FACP", 80);
	RSDT(RSDT_AT, FACP_AT, madt);
}

/* What a revision-0 PC has: the RSDT at RSDT_AT listing madt, its RSDP in the BIOS area. */
static void boot_rev0(uint64_t madt)
{
	rsdt_with(madt);
	put_rsdp(STD_RSDP, 0, RSDT_AT, 0);
}

/* ---- checking results ---- */

static int parse(struct acpi_info *ai)
{
	return acpi_parse(ai, NULL, 0, p2v);
}

static void expect_cpus(const struct acpi_info *ai, unsigned dropped, unsigned n, const uint32_t *ids)
{
	assert_int_equal(ai->ncpus, n);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(ai->apic_id[i], ids[i]);
	assert_int_equal(ai->cpus_dropped, dropped);
}

#define IDS(...) sizeof((uint32_t[]){ __VA_ARGS__ }) / 4, (const uint32_t[]){ __VA_ARGS__ }

static void expect_apics(const struct acpi_info *ai, uint64_t lapic, uint64_t ioapic, uint32_t gsi)
{
	assert_int_equal(ai->lapic_base, lapic);
	assert_int_equal(ai->ioapic_base, ioapic);
	assert_int_equal(ai->ioapic_gsi_base, gsi);
}

/* What std_madt says. */
static void expect_std(const struct acpi_info *ai, unsigned revision, uint32_t lapic)
{
	assert_int_equal(ai->revision, revision);
	expect_apics(ai, lapic, IOAPIC, 0);
	expect_cpus(ai, 0, IDS(0, 1, 6));
}

/*
 * Each test gets *state = an acpi_info on the heap filled with 0xa5, so ASan sees writes
 * past it and fields left unset show; the teardown frees it and every copy.
 */
static int ai_setup(void **state)
{
	struct acpi_info *ai = malloc(sizeof(*ai));

	if (!ai)
		return -1;
	memset(ai, 0xa5, sizeof(*ai));
	*state = ai;
	reset();
	return 0;
}

static int ai_teardown(void **state)
{
	while (copies) {
		struct copy *c = copies;

		copies = c->next;
		free(c);
	}
	free(*state);
	return 0;
}

/* ---- finding the RSDP ---- */

static void acpi_rsdp_in_ebda(void **state)
{
	/* The last 16-byte slot whose 20 bytes lie in the EBDA's first KiB. */
	struct acpi_info *ai = *state;

	std_madt(MADT_AT, LAPIC_A);
	rsdt_with(MADT_AT);
	put_rsdp(EBDA + 0x3e0, 0, RSDT_AT, 0);
	assert_int_equal(parse(ai), ACPI_OK);
	expect_std(ai, 0, LAPIC_A);
}

static void acpi_rsdp_ebda_segment_from_bda(void **state)
{
	/* The EBDA is wherever the BDA says, here 0x80000. */
	struct acpi_info *ai = *state;

	std_madt(MADT_AT, LAPIC_A);
	rsdt_with(MADT_AT);
	set_ebda(0x80000);
	put_rsdp(0x80010, 0, RSDT_AT, 0);
	assert_int_equal(parse(ai), ACPI_OK);
	expect_std(ai, 0, LAPIC_A);
}

static void acpi_rsdp_ebda_past_first_kib_ignored(void **state)
{
	struct acpi_info *ai = *state;

	std_madt(MADT_AT, LAPIC_A);
	rsdt_with(MADT_AT);
	set_ebda(0x80000);
	put_rsdp(0x80400, 0, RSDT_AT, 0);
	assert_int_equal(parse(ai), ACPI_NO_RSDP);
}

static void acpi_rsdp_ebda_searched_first(void **state)
{
	/* One RSDP in the EBDA leading to MADT A, one in the BIOS area leading to B. */
	struct acpi_info *ai = *state;

	std_madt(MADT_AT, LAPIC_A);
	std_madt(MADT2_AT, LAPIC_B);
	rsdt_with(MADT_AT);
	RSDT(RSDT2_AT, MADT2_AT);
	put_rsdp(EBDA + 0x100, 0, RSDT_AT, 0);
	put_rsdp(0xe0000, 0, RSDT2_AT, 0);
	assert_int_equal(parse(ai), ACPI_OK);
	expect_std(ai, 0, LAPIC_A);
}

static void acpi_rsdp_in_bios_area(void **state)
{
	struct acpi_info *ai = *state;

	std_madt(MADT_AT, LAPIC_A);
	boot_rev0(MADT_AT);
	assert_int_equal(parse(ai), ACPI_OK);
	expect_std(ai, 0, LAPIC_A);
}

static void acpi_rsdp_bios_area_first_and_last_slot(void **state)
{
	struct acpi_info *ai = *state;

	std_madt(MADT_AT, LAPIC_A);
	rsdt_with(MADT_AT);
	put_rsdp(0xe0000, 0, RSDT_AT, 0);
	assert_int_equal(parse(ai), ACPI_OK);
	expect_std(ai, 0, LAPIC_A);

	memset(ptr(0xe0000, RSDP_V1_LEN), 0, RSDP_V1_LEN);
	put_rsdp(0xfffe0, 0, RSDT_AT, 0);
	assert_int_equal(parse(ai), ACPI_OK);
	expect_std(ai, 0, LAPIC_A);
}

static void acpi_rsdp_bios_area_unaligned_ignored(void **state)
{
	struct acpi_info *ai = *state;

	std_madt(MADT_AT, LAPIC_A);
	rsdt_with(MADT_AT);
	put_rsdp(0xf0008, 0, RSDT_AT, 0);
	assert_int_equal(parse(ai), ACPI_NO_RSDP);
}

static void acpi_rsdp_below_bios_area_ignored(void **state)
{
	/* Not in the EBDA's first KiB, not in 0xe0000..0xfffff. */
	struct acpi_info *ai = *state;

	std_madt(MADT_AT, LAPIC_A);
	rsdt_with(MADT_AT);
	put_rsdp(0xdfff0, 0, RSDT_AT, 0);
	put_rsdp(0x7000, 0, RSDT_AT, 0);
	assert_int_equal(parse(ai), ACPI_NO_RSDP);
}

static void acpi_rsdp_rev2_in_bios_area(void **state)
{
	struct acpi_info *ai = *state;

	std_madt(MADT_AT, LAPIC_A);
	other_table(FACP_AT, "FACP", 80);
	XSDT(XSDT_AT, FACP_AT, MADT_AT);
	put_rsdp(STD_RSDP, 2, 0, XSDT_AT);
	assert_int_equal(parse(ai), ACPI_OK);
	expect_std(ai, 2, LAPIC_A);
}

static void acpi_rsdp_given_rev0(void **state)
{
	/* The given copy is used; the RSDP in memory (leading to MADT B) is not. */
	struct acpi_info *ai = *state;

	std_madt(MADT_AT, LAPIC_A);
	std_madt(MADT2_AT, LAPIC_B);
	rsdt_with(MADT_AT);
	RSDT(RSDT2_AT, MADT2_AT);
	put_rsdp(STD_RSDP, 0, RSDT2_AT, 0);
	assert_int_equal(acpi_parse(ai, given_rsdp(0, RSDT_AT, 0), RSDP_V1_LEN, p2v), ACPI_OK);
	expect_std(ai, 0, LAPIC_A);
}

static void acpi_rsdp_given_rev2_xsdt(void **state)
{
	/*
	 * The XSDT's 64-bit entries lead to a MADT above 4 GiB; the RSDT the same RSDP
	 * names leads to MADT B, which must not be read.
	 */
	struct acpi_info *ai = *state;

	std_madt(HIGH + 0x100, LAPIC_A);
	std_madt(MADT2_AT, LAPIC_B);
	other_table(FACP_AT, "FACP", 80);
	XSDT(XSDT_AT, FACP_AT, HIGH + 0x100);
	RSDT(RSDT_AT, FACP_AT, MADT2_AT);
	assert_int_equal(acpi_parse(ai, given_rsdp(2, RSDT_AT, XSDT_AT), RSDP_V2_LEN, p2v), ACPI_OK);
	expect_std(ai, 2, LAPIC_A);
}

static void acpi_rsdp_given_rev2_short_copy(void **state)
{
	/*
	 * A loader's old-style tag holding the first 20 bytes of a revision-2 RSDP: the
	 * length and XSDT fields are not there, so the RSDT is read (MADT B).
	 */
	struct acpi_info *ai = *state;

	std_madt(HIGH + 0x100, LAPIC_A);
	std_madt(MADT2_AT, LAPIC_B);
	other_table(FACP_AT, "FACP", 80);
	XSDT(XSDT_AT, FACP_AT, HIGH + 0x100);
	RSDT(RSDT_AT, FACP_AT, MADT2_AT);
	assert_int_equal(acpi_parse(ai, given_rsdp(2, RSDT_AT, XSDT_AT), RSDP_V1_LEN, p2v), ACPI_OK);
	expect_std(ai, 2, LAPIC_B);
	assert_int_equal(acpi_parse(ai, given_rsdp(2, RSDT_AT, XSDT_AT), RSDP_V1_LEN - 1, p2v), ACPI_NO_RSDP);
}

static void acpi_rsdt_entries_are_32_bit(void **state)
{
	/* Four RSDT entries 4 bytes apart; the MADT is the last. */
	struct acpi_info *ai = *state;

	std_madt(MADT_AT, LAPIC_A);
	other_table(FACP_AT, "FACP", 80);
	other_table(FACP_AT + 0x100, "HPET", 20);
	other_table(FACP_AT + 0x200, "MCFG", 24);
	RSDT(RSDT_AT, FACP_AT, FACP_AT + 0x100, FACP_AT + 0x200, MADT_AT);
	put_rsdp(STD_RSDP, 0, RSDT_AT, 0);
	assert_int_equal(parse(ai), ACPI_OK);
	expect_std(ai, 0, LAPIC_A);
}

/* ---- MADT contents ---- */

static void acpi_madt_lapic_enabled_and_disabled(void **state)
{
	struct acpi_info *ai = *state;

	madt_begin(MADT_AT, LAPIC_A);
	madt_lapic(0, 0);
	madt_lapic(3, ENABLED);
	madt_lapic(1, 0);
	madt_lapic(2, ENABLED | 2);	/* online capable as well */
	madt_lapic(9, 2);		/* online capable, not enabled */
	madt_lapic(4, ENABLED);
	sdt_end();
	boot_rev0(MADT_AT);
	assert_int_equal(parse(ai), ACPI_OK);
	assert_int_equal(ai->revision, 0);
	expect_cpus(ai, 0, IDS(3, 2, 4));
	expect_apics(ai, LAPIC_A, 0, 0);
}

static void acpi_madt_x2apic(void **state)
{
	struct acpi_info *ai = *state;

	madt_begin(MADT_AT, LAPIC_A);
	madt_x2apic(4, ENABLED);
	madt_x2apic(5, 0);
	madt_x2apic(0, ENABLED);
	madt_x2apic(254, ENABLED);
	sdt_end();
	boot_rev0(MADT_AT);
	assert_int_equal(parse(ai), ACPI_OK);
	expect_cpus(ai, 0, IDS(4, 0, 254));
	expect_apics(ai, LAPIC_A, 0, 0);
}

static void acpi_madt_xapic_and_x2apic_counted_once(void **state)
{
	struct acpi_info *ai = *state;

	madt_begin(MADT_AT, LAPIC_A);
	madt_lapic(0, ENABLED);
	madt_lapic(1, ENABLED);
	madt_lapic(2, 0);
	madt_x2apic(1, ENABLED);
	madt_x2apic(0, ENABLED);
	madt_x2apic(2, ENABLED);	/* disabled as xAPIC, enabled here */
	madt_x2apic(7, ENABLED);
	sdt_end();
	boot_rev0(MADT_AT);
	assert_int_equal(parse(ai), ACPI_OK);
	expect_cpus(ai, 0, IDS(0, 1, 2, 7));
}

static void acpi_madt_ids_from_255_dropped(void **state)
{
	struct acpi_info *ai = *state;

	madt_begin(MADT_AT, LAPIC_A);
	madt_lapic(0, ENABLED);
	madt_lapic(0xff, ENABLED);	/* the broadcast ID */
	madt_x2apic(254, ENABLED);
	madt_x2apic(255, ENABLED);
	madt_x2apic(256, ENABLED);
	madt_x2apic(0xffffffffu, ENABLED);
	madt_x2apic(1000, 0);		/* disabled: neither kept nor dropped */
	madt_lapic(5, ENABLED);
	sdt_end();
	boot_rev0(MADT_AT);
	assert_int_equal(parse(ai), ACPI_OK);
	expect_cpus(ai, 4, IDS(0, 254, 5));
}

static void acpi_madt_more_than_max_cpus(void **state)
{
	struct acpi_info *ai = *state;
	uint32_t ids[ACPI_MAX_CPUS];

	madt_begin(MADT_AT, LAPIC_A);
	for (unsigned i = 0; i < ACPI_MAX_CPUS + 6; i++)
		madt_lapic((uint8_t)(2 * i), ENABLED);
	for (unsigned i = 0; i < 3; i++)
		madt_lapic((uint8_t)(2 * i + 1), 0);	/* disabled: not dropped */
	madt_x2apic(300, ENABLED);
	sdt_end();
	boot_rev0(MADT_AT);
	assert_int_equal(parse(ai), ACPI_OK);
	for (unsigned i = 0; i < ACPI_MAX_CPUS; i++)
		ids[i] = 2 * i;
	expect_cpus(ai, 7, ACPI_MAX_CPUS, ids);
}

static void acpi_madt_max_cpus_listed_twice_none_dropped(void **state)
{
	/*
	 * ACPI_MAX_CPUS processors, each listed as xAPIC and again as x2APIC: all are
	 * kept, and the second listings are the same processors, not ones dropped.
	 */
	struct acpi_info *ai = *state;
	uint32_t ids[ACPI_MAX_CPUS];

	madt_begin(MADT_AT, LAPIC_A);
	for (unsigned i = 0; i < ACPI_MAX_CPUS; i++)
		madt_lapic((uint8_t)i, ENABLED);
	for (unsigned i = 0; i < ACPI_MAX_CPUS; i++)
		madt_x2apic(i, ENABLED);
	sdt_end();
	boot_rev0(MADT_AT);
	assert_int_equal(parse(ai), ACPI_OK);
	for (unsigned i = 0; i < ACPI_MAX_CPUS; i++)
		ids[i] = i;
	expect_cpus(ai, 0, ACPI_MAX_CPUS, ids);
}

static void acpi_madt_lapic_address_override(void **state)
{
	struct acpi_info *ai = *state;

	madt_begin(MADT_AT, LAPIC_A);
	madt_lapic(0, ENABLED);
	madt_override(0x123456789000ull);
	madt_lapic(1, ENABLED);
	sdt_end();
	boot_rev0(MADT_AT);
	assert_int_equal(parse(ai), ACPI_OK);
	expect_cpus(ai, 0, IDS(0, 1));
	expect_apics(ai, 0x123456789000ull, 0, 0);
}

static void acpi_madt_lapic_address_override_first(void **state)
{
	struct acpi_info *ai = *state;

	madt_begin(MADT_AT, LAPIC_A);
	madt_override(0xfee00000ull + 0x100000000ull);
	madt_lapic(0, ENABLED);
	sdt_end();
	boot_rev0(MADT_AT);
	assert_int_equal(parse(ai), ACPI_OK);
	expect_cpus(ai, 0, IDS(0));
	expect_apics(ai, 0x1fee00000ull, 0, 0);
}

static void acpi_madt_first_ioapic_only(void **state)
{
	struct acpi_info *ai = *state;

	madt_begin(MADT_AT, LAPIC_A);
	madt_lapic(0, ENABLED);
	madt_ioapic(1, 0xfec10000u, 24);
	madt_ioapic(2, IOAPIC, 0);
	madt_ioapic(3, 0xfec20000u, 48);
	sdt_end();
	boot_rev0(MADT_AT);
	assert_int_equal(parse(ai), ACPI_OK);
	expect_cpus(ai, 0, IDS(0));
	expect_apics(ai, LAPIC_A, 0xfec10000u, 24);
}

static void acpi_madt_unknown_types_skipped(void **state)
{
	struct acpi_info *ai = *state;

	madt_begin(MADT_AT, LAPIC_A);
	madt_raw(2, 10);
	madt_lapic(0, ENABLED);
	madt_raw(3, 8);
	madt_raw(4, 6);
	madt_lapic(1, ENABLED);
	madt_raw(0x7f, 40);
	madt_raw(0xff, 2);
	madt_raw(10, 12);		/* local x2APIC NMI */
	madt_x2apic(3, ENABLED);
	madt_raw(0x11, 255);
	madt_ioapic(4, IOAPIC, 0);
	sdt_end();
	boot_rev0(MADT_AT);
	assert_int_equal(parse(ai), ACPI_OK);
	expect_cpus(ai, 0, IDS(0, 1, 3));
	expect_apics(ai, LAPIC_A, IOAPIC, 0);
}

static void acpi_madt_no_entries(void **state)
{
	struct acpi_info *ai = *state;

	madt_begin(MADT_AT, LAPIC_A);
	sdt_end();
	boot_rev0(MADT_AT);
	assert_int_equal(parse(ai), ACPI_OK);
	assert_int_equal(ai->revision, 0);
	expect_cpus(ai, 0, 0, NULL);
	expect_apics(ai, LAPIC_A, 0, 0);
}

static void acpi_madt_entry_length_0_stops(void **state)
{
	struct acpi_info *ai = *state;

	madt_begin(MADT_AT, LAPIC_A);
	madt_lapic(0, ENABLED);
	madt_lapic(1, ENABLED);
	emit8(0);
	emit8(0);			/* length 0 */
	madt_lapic(2, ENABLED);
	madt_ioapic(1, IOAPIC, 0);
	sdt_end();
	boot_rev0(MADT_AT);
	assert_int_equal(parse(ai), ACPI_OK);
	expect_cpus(ai, 0, IDS(0, 1));
	expect_apics(ai, LAPIC_A, 0, 0);
}

static void acpi_madt_entry_length_1_stops(void **state)
{
	/* At the very end of memory, so ASan sees any read past the table. */
	struct acpi_info *ai = *state;
	uint64_t madt;

	madt_begin(SCRATCH, LAPIC_A);
	madt_lapic(0, ENABLED);
	emit8(0);
	emit8(1);			/* length 1 */
	madt_lapic(2, ENABLED);
	sdt_end();
	madt = move_to_end(SCRATCH);
	boot_rev0(madt);
	assert_int_equal(parse(ai), ACPI_OK);
	expect_cpus(ai, 0, IDS(0));
}

static void acpi_madt_entry_header_past_end(void **state)
{
	/* One byte of an entry left: its length byte is past the table (and memory). */
	struct acpi_info *ai = *state;
	uint64_t madt;

	madt_begin(SCRATCH, LAPIC_A);
	madt_lapic(0, ENABLED);
	emit8(0);
	sdt_end();
	madt = move_to_end(SCRATCH);
	boot_rev0(madt);
	assert_int_equal(parse(ai), ACPI_OK);
	expect_cpus(ai, 0, IDS(0));
}

static void acpi_madt_lapic_entry_past_end(void **state)
{
	/* The last local APIC entry says 8 bytes; the table (and memory) ends after 4. */
	struct acpi_info *ai = *state;
	uint64_t madt;

	madt_begin(SCRATCH, LAPIC_A);
	madt_lapic(0, ENABLED);
	madt_lapic(1, ENABLED);
	t_pos -= 4;
	sdt_end();
	madt = move_to_end(SCRATCH);
	boot_rev0(madt);
	assert_int_equal(parse(ai), ACPI_OK);
	expect_cpus(ai, 0, IDS(0));
}

static void acpi_madt_x2apic_entry_past_end(void **state)
{
	struct acpi_info *ai = *state;
	uint64_t madt;

	madt_begin(SCRATCH, LAPIC_A);
	madt_lapic(0, ENABLED);
	madt_x2apic(1, ENABLED);
	t_pos -= 4;			/* flags there, UID missing */
	sdt_end();
	madt = move_to_end(SCRATCH);
	boot_rev0(madt);
	assert_int_equal(parse(ai), ACPI_OK);
	expect_cpus(ai, 0, IDS(0));
}

static void acpi_madt_override_entry_past_end(void **state)
{
	struct acpi_info *ai = *state;
	uint64_t madt;

	madt_begin(SCRATCH, LAPIC_A);
	madt_lapic(0, ENABLED);
	madt_override(0x123456789000ull);
	t_pos -= 2;
	sdt_end();
	madt = move_to_end(SCRATCH);
	boot_rev0(madt);
	assert_int_equal(parse(ai), ACPI_OK);
	expect_cpus(ai, 0, IDS(0));
	expect_apics(ai, LAPIC_A, 0, 0);
}

static void acpi_madt_entries_past_length_ignored(void **state)
{
	/* Entries after the length the header gives are not the table's. */
	struct acpi_info *ai = *state;

	madt_begin(MADT_AT, LAPIC_A);
	madt_lapic(0, ENABLED);
	sdt_end();
	madt_lapic(1, ENABLED);
	madt_ioapic(1, IOAPIC, 0);
	boot_rev0(MADT_AT);
	assert_int_equal(parse(ai), ACPI_OK);
	expect_cpus(ai, 0, IDS(0));
	expect_apics(ai, LAPIC_A, 0, 0);
}

/* ---- errors ---- */

static void acpi_no_rsdp(void **state)
{
	struct acpi_info *ai = *state;

	std_madt(MADT_AT, LAPIC_A);
	rsdt_with(MADT_AT);
	assert_int_equal(parse(ai), ACPI_NO_RSDP);
	set_ebda(0);
	assert_int_equal(parse(ai), ACPI_NO_RSDP);
}

static const void *p2v_none(uint64_t phys, uint64_t len)
{
	(void)phys;
	(void)len;
	return NULL;
}

static void acpi_no_rsdp_low_memory_unreadable(void **state)
{
	/* p2v maps nothing: no BDA, no EBDA, no BIOS area (the RSDP there is unseen). */
	struct acpi_info *ai = *state;

	std_madt(MADT_AT, LAPIC_A);
	boot_rev0(MADT_AT);
	assert_int_equal(acpi_parse(ai, NULL, 0, p2v_none), ACPI_NO_RSDP);
}

static void acpi_rsdp_bad_checksum(void **state)
{
	struct acpi_info *ai = *state;
	uint8_t *b;

	std_madt(MADT_AT, LAPIC_A);
	boot_rev0(MADT_AT);
	mem[STD_RSDP + 8] += 1;
	assert_int_equal(parse(ai), ACPI_NO_RSDP);

	b = (uint8_t *)given_rsdp(0, RSDT_AT, 0);
	b[19] ^= 0x40;
	assert_int_equal(acpi_parse(ai, b, RSDP_V1_LEN, p2v), ACPI_NO_RSDP);
}

static void acpi_rsdp_bad_signature(void **state)
{
	struct acpi_info *ai = *state;

	std_madt(MADT_AT, LAPIC_A);
	boot_rev0(MADT_AT);
	mem[STD_RSDP + 7] = '\0';		/* "RSD PTR\0" */
	fix_sum(mem + STD_RSDP, RSDP_V1_LEN, 8);
	assert_int_equal(parse(ai), ACPI_NO_RSDP);
}

static void acpi_rsdp_rev2_bad_extended_checksum(void **state)
{
	struct acpi_info *ai = *state;
	uint8_t *b;

	std_madt(MADT_AT, LAPIC_A);
	other_table(FACP_AT, "FACP", 80);
	XSDT(XSDT_AT, FACP_AT, MADT_AT);
	RSDT(RSDT_AT, FACP_AT, MADT_AT);
	put_rsdp(STD_RSDP, 2, RSDT_AT, XSDT_AT);
	mem[STD_RSDP + 32] += 1;		/* the first 20 bytes still sum to 0 */
	assert_int_equal(parse(ai), ACPI_NO_RSDP);

	b = (uint8_t *)given_rsdp(2, RSDT_AT, XSDT_AT);
	b[35] = 0x5a;
	assert_int_equal(acpi_parse(ai, b, RSDP_V2_LEN, p2v), ACPI_NO_RSDP);
}

static void acpi_rsdp_rev2_bad_first_checksum(void **state)
{
	/* The whole 36 bytes sum to 0, the first 20 do not. */
	struct acpi_info *ai = *state;

	std_madt(MADT_AT, LAPIC_A);
	other_table(FACP_AT, "FACP", 80);
	XSDT(XSDT_AT, FACP_AT, MADT_AT);
	put_rsdp(STD_RSDP, 2, 0, XSDT_AT);
	mem[STD_RSDP + 8] += 1;
	fix_sum(mem + STD_RSDP, RSDP_V2_LEN, 32);
	assert_int_equal(parse(ai), ACPI_NO_RSDP);
}

static void acpi_rsdt_bad_checksum(void **state)
{
	struct acpi_info *ai = *state;

	std_madt(MADT_AT, LAPIC_A);
	boot_rev0(MADT_AT);
	break_sum(RSDT_AT);
	assert_int_equal(parse(ai), ACPI_BAD_TABLE);
}

static void acpi_rsdt_wrong_signature(void **state)
{
	/* A revision-0 RSDP naming a table signed XSDT (checksum right). */
	struct acpi_info *ai = *state;

	std_madt(MADT_AT, LAPIC_A);
	XSDT(RSDT_AT, MADT_AT);
	put_rsdp(STD_RSDP, 0, RSDT_AT, 0);
	assert_int_equal(parse(ai), ACPI_BAD_TABLE);

	memcpy(mem + RSDT_AT, "APIC", 4);
	fix_sum(mem + RSDT_AT, get32(RSDT_AT + 4), 9);
	assert_int_equal(parse(ai), ACPI_BAD_TABLE);
}

static void acpi_xsdt_bad_checksum(void **state)
{
	struct acpi_info *ai = *state;

	std_madt(MADT_AT, LAPIC_A);
	XSDT(XSDT_AT, MADT_AT);
	break_sum(XSDT_AT);
	assert_int_equal(acpi_parse(ai, given_rsdp(2, 0, XSDT_AT), RSDP_V2_LEN, p2v), ACPI_BAD_TABLE);
}

static void acpi_xsdt_wrong_signature(void **state)
{
	/* A revision-2 RSDP whose XSDT address names an RSDT. */
	struct acpi_info *ai = *state;

	std_madt(MADT_AT, LAPIC_A);
	RSDT(RSDT_AT, MADT_AT);
	assert_int_equal(acpi_parse(ai, given_rsdp(2, RSDT_AT, RSDT_AT), RSDP_V2_LEN, p2v), ACPI_BAD_TABLE);
}

static void acpi_rsdt_outside_memory(void **state)
{
	struct acpi_info *ai = *state;
	static const uint32_t bad[] = { 0, MEMSZ, MEMSZ - 20, 0x200000, 0xfffffff0u };

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(ptr(STD_RSDP, RSDP_V1_LEN), 0, RSDP_V1_LEN);
		put_rsdp(STD_RSDP, 0, bad[i], 0);
		assert_int_equal(parse(ai), ACPI_BAD_TABLE);
	}
}

static void acpi_xsdt_outside_memory(void **state)
{
	struct acpi_info *ai = *state;
	static const uint64_t bad[] = { HIGH + HIGHSZ, HIGH + HIGHSZ - 8, HIGH - SDT_LEN / 2,
					0xffffffffffffffc0ull };

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(acpi_parse(ai, given_rsdp(2, 0, bad[i]), RSDP_V2_LEN, p2v), ACPI_BAD_TABLE);
}

static void acpi_rsdt_length_past_memory(void **state)
{
	/* The header is readable; the length it gives runs past the end of memory. */
	struct acpi_info *ai = *state;
	uint64_t rsdt;

	std_madt(MADT_AT, LAPIC_A);
	RSDT(SCRATCH, MADT_AT);
	rsdt = move_to_end(SCRATCH);
	put32(rsdt + 4, 0x1000);
	fix_sum(mem + rsdt, MEMSZ - rsdt, 9);	/* what memory there is sums to 0 */
	put_rsdp(STD_RSDP, 0, (uint32_t)rsdt, 0);
	assert_int_equal(parse(ai), ACPI_BAD_TABLE);
}

static void acpi_rsdt_length_below_header(void **state)
{
	struct acpi_info *ai = *state;

	std_madt(MADT_AT, LAPIC_A);
	boot_rev0(MADT_AT);
	put32(RSDT_AT + 4, 20);
	fix_sum(mem + RSDT_AT, 20, 9);
	assert_int_equal(parse(ai), ACPI_BAD_TABLE);
	put32(RSDT_AT + 4, 0);
	fix_sum(mem + RSDT_AT, SDT_LEN, 9);
	assert_int_equal(parse(ai), ACPI_BAD_TABLE);
}

static void acpi_no_madt_listed(void **state)
{
	struct acpi_info *ai = *state;

	std_madt(MADT_AT, LAPIC_A);	/* in memory, but not listed */
	other_table(FACP_AT, "FACP", 80);
	other_table(FACP_AT + 0x100, "HPET", 20);
	RSDT(RSDT_AT, FACP_AT, FACP_AT + 0x100);
	put_rsdp(STD_RSDP, 0, RSDT_AT, 0);
	assert_int_equal(parse(ai), ACPI_NO_MADT);
}

static void acpi_empty_rsdt(void **state)
{
	struct acpi_info *ai = *state;

	std_madt(MADT_AT, LAPIC_A);
	root_table(RSDT_AT, "RSDT", 4, NULL, 0);
	put_rsdp(STD_RSDP, 0, RSDT_AT, 0);
	assert_int_equal(parse(ai), ACPI_NO_MADT);
}

static void acpi_madt_bad_checksum(void **state)
{
	struct acpi_info *ai = *state;

	std_madt(MADT_AT, LAPIC_A);
	boot_rev0(MADT_AT);
	break_sum(MADT_AT);
	assert_int_equal(parse(ai), ACPI_NO_MADT);
}

static void acpi_madt_too_short(void **state)
{
	/* Signed APIC, checksum right, but shorter than a MADT's fixed fields. */
	struct acpi_info *ai = *state;

	sdt_begin(MADT_AT, "APIC");
	emit32(LAPIC_A);
	sdt_end();
	boot_rev0(MADT_AT);
	assert_int_equal(parse(ai), ACPI_NO_MADT);
}

static void acpi_madt_length_past_memory(void **state)
{
	struct acpi_info *ai = *state;
	uint64_t madt;

	std_madt(SCRATCH, LAPIC_A);
	madt = move_to_end(SCRATCH);
	put32(madt + 4, 0x2000);
	fix_sum(mem + madt, MEMSZ - madt, 9);
	boot_rev0(madt);
	assert_int_equal(parse(ai), ACPI_NO_MADT);
}

static void acpi_bad_madts_skipped_for_good_one(void **state)
{
	/*
	 * Listed first: an address outside memory, a MADT with a bad checksum, one whose
	 * length runs past memory. Then a good MADT, which is the one used.
	 */
	struct acpi_info *ai = *state;
	uint64_t tail;

	std_madt(MADT_AT, LAPIC_B);
	break_sum(MADT_AT);
	std_madt(SCRATCH, LAPIC_B);
	tail = move_to_end(SCRATCH);
	put32(tail + 4, 0x2000);
	fix_sum(mem + tail, MEMSZ - tail, 9);
	std_madt(MADT2_AT, LAPIC_A);
	other_table(FACP_AT, "FACP", 80);
	RSDT(RSDT_AT, 0xdead0000u, MADT_AT, FACP_AT, tail, MADT2_AT);
	put_rsdp(STD_RSDP, 0, RSDT_AT, 0);
	assert_int_equal(parse(ai), ACPI_OK);
	expect_std(ai, 0, LAPIC_A);
}

/* ---- reads stay within what p2v gave ---- */

static void acpi_tight_rev0_search(void **state)
{
	struct acpi_info *ai = *state;

	std_madt(MADT_AT, LAPIC_A);
	boot_rev0(MADT_AT);
	assert_int_equal(acpi_parse(ai, NULL, 0, p2v_tight), ACPI_OK);
	expect_std(ai, 0, LAPIC_A);
}

static void acpi_tight_rev2_given(void **state)
{
	struct acpi_info *ai = *state;

	std_madt(HIGH + 0x100, LAPIC_A);
	other_table(FACP_AT, "FACP", 80);
	XSDT(XSDT_AT, FACP_AT, HIGH + 0x100);
	assert_int_equal(acpi_parse(ai, given_rsdp(2, 0, XSDT_AT), RSDP_V2_LEN, p2v_tight), ACPI_OK);
	expect_std(ai, 2, LAPIC_A);
}

static void acpi_tight_rev2_search(void **state)
{
	/* A revision-2 RSDP found by the search: its length field is past byte 20. */
	struct acpi_info *ai = *state;

	std_madt(MADT_AT, LAPIC_A);
	other_table(FACP_AT, "FACP", 80);
	XSDT(XSDT_AT, FACP_AT, MADT_AT);
	put_rsdp(STD_RSDP, 2, 0, XSDT_AT);
	assert_int_equal(acpi_parse(ai, NULL, 0, p2v_tight), ACPI_OK);
	expect_std(ai, 2, LAPIC_A);
}

/* ---- DMAR (Intel VT-d specification, 8) ---- */

#define VTD_A 0xfed90000u
#define VTD_B 0xfed91000u

/* A DMAR header: host address width 47 (48 bits), flags 0, 10 reserved bytes. */
static void dmar_begin(uint64_t at)
{
	sdt_begin(at, "DMAR");
	emit8(47);
	emit8(0);
	for (unsigned i = 0; i < 10; i++)
		emit8(0);
}

/* A structure of type and length, its first 12 body bytes flags, segment and a base. */
static void dmar_struct(uint16_t type, uint16_t len, uint8_t flags, uint16_t segment, uint64_t base)
{
	uint64_t end = t_pos + len;

	emit32(type | (uint32_t)len << 16);
	emit8(flags);
	emit8(0);
	put16(t_pos, segment);
	t_pos += 2;
	emit64(base);
	while (t_pos < end)
		emit8(0);
}

/* An RSDT listing the standard MADT and the DMAR being finished; rev-0 RSDP. */
static void boot_dmar(void)
{
	sdt_end();
	std_madt(MADT_AT, LAPIC_A);
	other_table(FACP_AT, "FACP", 80);
	RSDT(RSDT_AT, FACP_AT, DMAR_AT, MADT_AT);
	put_rsdp(STD_RSDP, 0, RSDT_AT, 0);
}

static void acpi_dmar_first_unit(void **state)
{
	/* QEMU's: no INCLUDE_PCI_ALL, a device scope after the base; a second unit ignored */
	struct acpi_info *ai = *state;

	dmar_begin(DMAR_AT);
	dmar_struct(0, 24, 0, 0, VTD_A);
	dmar_struct(0, 16, 1, 0, VTD_B);
	boot_dmar();
	assert_int_equal(parse(ai), ACPI_OK);
	assert_int_equal(ai->dmar_base, VTD_A);
	expect_std(ai, 0, LAPIC_A);
}

static void acpi_dmar_other_structures_skipped(void **state)
{
	struct acpi_info *ai = *state;

	dmar_begin(DMAR_AT);
	dmar_struct(1, 24, 0, 0, 0x1000);	/* an RMRR */
	dmar_struct(3, 20, 0, 0, 0x2000);	/* an RHSA */
	dmar_struct(0, 16, 1, 0, VTD_B);
	boot_dmar();
	assert_int_equal(parse(ai), ACPI_OK);
	assert_int_equal(ai->dmar_base, VTD_B);
}

static void acpi_dmar_other_segment_none(void **state)
{
	struct acpi_info *ai = *state;

	dmar_begin(DMAR_AT);
	dmar_struct(0, 16, 1, 1, VTD_A);
	boot_dmar();
	assert_int_equal(parse(ai), ACPI_OK);
	assert_int_equal(ai->dmar_base, 0);
}

static void acpi_dmar_malformed_none(void **state)
{
	/* a unit past the table's end; a structure of length 0 (which would loop) before one */
	struct acpi_info *ai = *state;

	dmar_begin(DMAR_AT);
	dmar_struct(0, 16, 1, 0, VTD_A);
	put16(t_pos - 14, 17);			/* its length now runs 1 byte past the end */
	boot_dmar();
	assert_int_equal(parse(ai), ACPI_OK);
	assert_int_equal(ai->dmar_base, 0);

	dmar_begin(DMAR_AT);
	dmar_struct(1, 16, 0, 0, 0);
	put16(t_pos - 14, 0);
	dmar_struct(0, 16, 1, 0, VTD_A);
	boot_dmar();
	assert_int_equal(parse(ai), ACPI_OK);
	assert_int_equal(ai->dmar_base, 0);
}

static void acpi_dmar_bad_checksum_or_absent(void **state)
{
	struct acpi_info *ai = *state;

	dmar_begin(DMAR_AT);
	dmar_struct(0, 16, 1, 0, VTD_A);
	boot_dmar();
	break_sum(DMAR_AT);
	assert_int_equal(parse(ai), ACPI_OK);
	assert_int_equal(ai->dmar_base, 0);

	std_madt(MADT_AT, LAPIC_A);
	boot_rev0(MADT_AT);
	assert_int_equal(parse(ai), ACPI_OK);
	assert_int_equal(ai->dmar_base, 0);
}

static void acpi_dmar_at_the_end_of_memory(void **state)
{
	/* the DMAR ends at the end of mem[]: no read past it (ASan, p2v_tight) */
	struct acpi_info *ai = *state;

	dmar_begin(DMAR_AT);
	dmar_struct(1, 24, 0, 0, 0x1000);
	dmar_struct(0, 16, 1, 0, VTD_A);
	sdt_end();
	uint64_t at = move_to_end(DMAR_AT);
	std_madt(MADT_AT, LAPIC_A);
	other_table(FACP_AT, "FACP", 80);
	RSDT(RSDT_AT, at, MADT_AT);
	put_rsdp(STD_RSDP, 0, RSDT_AT, 0);
	assert_int_equal(acpi_parse(ai, NULL, 0, p2v_tight), ACPI_OK);
	assert_int_equal(ai->dmar_base, VTD_A);
	assert_int_equal(parse(ai), ACPI_OK);
	assert_int_equal(ai->dmar_base, VTD_A);
}

/* ---- MCFG (PCI Firmware specification 3.x, 4.1.2) ---- */

#define ECAM_A 0xb0000000u
#define ECAM_B 0xe0000000u

/* An MCFG header: the common one and 8 reserved bytes. */
static void mcfg_begin(uint64_t at)
{
	sdt_begin(at, "MCFG");
	emit64(0);
}

/* One allocation: base, segment, start and end bus, 4 reserved bytes. */
static void mcfg_alloc(uint64_t base, uint16_t segment, uint8_t start, uint8_t end)
{
	emit64(base);
	put16(t_pos, segment);
	t_pos += 2;
	emit8(start);
	emit8(end);
	emit32(0);
}

/* An RSDT listing the standard MADT and the MCFG being finished; rev-0 RSDP. */
static void boot_mcfg(void)
{
	sdt_end();
	std_madt(MADT_AT, LAPIC_A);
	other_table(FACP_AT, "FACP", 80);
	RSDT(RSDT_AT, FACP_AT, MCFG_AT, MADT_AT);
	put_rsdp(STD_RSDP, 0, RSDT_AT, 0);
}

static void expect_ecam(const struct acpi_info *ai, uint64_t base, unsigned start, unsigned end)
{
	assert_int_equal(ai->ecam.base, base);
	assert_int_equal(ai->ecam.bus_start, start);
	assert_int_equal(ai->ecam.bus_end, end);
}

static void acpi_mcfg_first_segment0(void **state)
{
	/* QEMU q35's: one allocation, buses 0..255; a second one for segment 0 ignored */
	struct acpi_info *ai = *state;

	mcfg_begin(MCFG_AT);
	mcfg_alloc(ECAM_A, 0, 0, 255);
	mcfg_alloc(ECAM_B, 0, 0, 15);
	boot_mcfg();
	assert_int_equal(parse(ai), ACPI_OK);
	expect_ecam(ai, ECAM_A, 0, 255);
	expect_std(ai, 0, LAPIC_A);
}

static void acpi_mcfg_other_segments_skipped(void **state)
{
	struct acpi_info *ai = *state;

	mcfg_begin(MCFG_AT);
	mcfg_alloc(ECAM_A, 1, 0, 255);
	mcfg_alloc(ECAM_B, 0, 2, 7);
	boot_mcfg();
	assert_int_equal(parse(ai), ACPI_OK);
	expect_ecam(ai, ECAM_B, 2, 7);

	mcfg_begin(MCFG_AT);
	mcfg_alloc(ECAM_A, 0x100, 0, 255);	/* segment 256: its low byte is 0 */
	mcfg_alloc(ECAM_B, 2, 0, 255);
	boot_mcfg();
	assert_int_equal(parse(ai), ACPI_OK);
	expect_ecam(ai, 0, 0, 0);
}

static void acpi_mcfg_one_bus(void **state)
{
	/* start == end is a range of one bus, and a range may start above 0 */
	struct acpi_info *ai = *state;

	mcfg_begin(MCFG_AT);
	mcfg_alloc(ECAM_A, 0, 0, 0);
	boot_mcfg();
	assert_int_equal(parse(ai), ACPI_OK);
	expect_ecam(ai, ECAM_A, 0, 0);

	mcfg_begin(MCFG_AT);
	mcfg_alloc(ECAM_A, 0, 255, 255);
	boot_mcfg();
	assert_int_equal(parse(ai), ACPI_OK);
	expect_ecam(ai, ECAM_A, 255, 255);
}

static void acpi_mcfg_malformed_allocations_skipped(void **state)
{
	/* end bus below start, or no base: not taken; a later good one is */
	struct acpi_info *ai = *state;

	mcfg_begin(MCFG_AT);
	mcfg_alloc(ECAM_A, 0, 8, 7);
	mcfg_alloc(0, 0, 0, 255);
	boot_mcfg();
	assert_int_equal(parse(ai), ACPI_OK);
	expect_ecam(ai, 0, 0, 0);

	mcfg_begin(MCFG_AT);
	mcfg_alloc(ECAM_A, 0, 255, 0);
	mcfg_alloc(0, 0, 0, 255);
	mcfg_alloc(ECAM_B, 0, 1, 254);
	boot_mcfg();
	assert_int_equal(parse(ai), ACPI_OK);
	expect_ecam(ai, ECAM_B, 1, 254);
}

static void acpi_mcfg_short_or_empty_none(void **state)
{
	/* no allocation; a table cut inside its reserved bytes or inside its allocation */
	struct acpi_info *ai = *state;

	mcfg_begin(MCFG_AT);
	boot_mcfg();
	assert_int_equal(parse(ai), ACPI_OK);
	expect_ecam(ai, 0, 0, 0);

	mcfg_begin(MCFG_AT);
	t_pos -= 8;				/* the common header only */
	mcfg_alloc(ECAM_A, 0, 0, 255);	/* then cut: the length stops at 36 */
	t_pos = MCFG_AT + SDT_LEN;
	boot_mcfg();
	assert_int_equal(parse(ai), ACPI_OK);
	expect_ecam(ai, 0, 0, 0);

	mcfg_begin(MCFG_AT);
	mcfg_alloc(ECAM_A, 0, 0, 255);
	t_pos -= 1;				/* 15 bytes of the allocation */
	boot_mcfg();
	assert_int_equal(parse(ai), ACPI_OK);
	expect_ecam(ai, 0, 0, 0);
}

static void acpi_mcfg_bad_checksum_or_absent(void **state)
{
	struct acpi_info *ai = *state;

	mcfg_begin(MCFG_AT);
	mcfg_alloc(ECAM_A, 0, 0, 255);
	boot_mcfg();
	break_sum(MCFG_AT);
	assert_int_equal(parse(ai), ACPI_OK);
	expect_ecam(ai, 0, 0, 0);

	std_madt(MADT_AT, LAPIC_A);
	boot_rev0(MADT_AT);
	assert_int_equal(parse(ai), ACPI_OK);
	expect_ecam(ai, 0, 0, 0);
}

static void acpi_mcfg_without_madt(void **state)
{
	/* the MCFG is read whatever the MADT: ecam holds even when parse fails for it */
	struct acpi_info *ai = *state;

	mcfg_begin(MCFG_AT);
	mcfg_alloc(ECAM_A, 0, 0, 255);
	sdt_end();
	RSDT(RSDT_AT, MCFG_AT);
	put_rsdp(STD_RSDP, 0, RSDT_AT, 0);
	assert_int_equal(parse(ai), ACPI_NO_MADT);
	expect_ecam(ai, ECAM_A, 0, 255);
}

static void acpi_mcfg_at_the_end_of_memory(void **state)
{
	/* the MCFG ends at the end of mem[]: no read past it (ASan, p2v_tight) */
	struct acpi_info *ai = *state;

	mcfg_begin(MCFG_AT);
	mcfg_alloc(ECAM_A, 1, 0, 255);
	mcfg_alloc(ECAM_B, 0, 0, 63);
	sdt_end();
	uint64_t at = move_to_end(MCFG_AT);
	std_madt(MADT_AT, LAPIC_A);
	RSDT(RSDT_AT, at, MADT_AT);
	put_rsdp(STD_RSDP, 0, RSDT_AT, 0);
	assert_int_equal(acpi_parse(ai, NULL, 0, p2v_tight), ACPI_OK);
	expect_ecam(ai, ECAM_B, 0, 63);
	assert_int_equal(parse(ai), ACPI_OK);
	expect_ecam(ai, ECAM_B, 0, 63);
}

#define AI_TEST(f) cmocka_unit_test_setup_teardown(f, ai_setup, ai_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		AI_TEST(acpi_rsdp_in_ebda),
		AI_TEST(acpi_dmar_first_unit),
		AI_TEST(acpi_dmar_other_structures_skipped),
		AI_TEST(acpi_dmar_other_segment_none),
		AI_TEST(acpi_dmar_malformed_none),
		AI_TEST(acpi_dmar_bad_checksum_or_absent),
		AI_TEST(acpi_dmar_at_the_end_of_memory),
		AI_TEST(acpi_mcfg_first_segment0),
		AI_TEST(acpi_mcfg_other_segments_skipped),
		AI_TEST(acpi_mcfg_one_bus),
		AI_TEST(acpi_mcfg_malformed_allocations_skipped),
		AI_TEST(acpi_mcfg_short_or_empty_none),
		AI_TEST(acpi_mcfg_bad_checksum_or_absent),
		AI_TEST(acpi_mcfg_without_madt),
		AI_TEST(acpi_mcfg_at_the_end_of_memory),
		AI_TEST(acpi_rsdp_ebda_segment_from_bda),
		AI_TEST(acpi_rsdp_ebda_past_first_kib_ignored),
		AI_TEST(acpi_rsdp_ebda_searched_first),
		AI_TEST(acpi_rsdp_in_bios_area),
		AI_TEST(acpi_rsdp_bios_area_first_and_last_slot),
		AI_TEST(acpi_rsdp_bios_area_unaligned_ignored),
		AI_TEST(acpi_rsdp_below_bios_area_ignored),
		AI_TEST(acpi_rsdp_rev2_in_bios_area),
		AI_TEST(acpi_rsdp_given_rev0),
		AI_TEST(acpi_rsdp_given_rev2_xsdt),
		AI_TEST(acpi_rsdp_given_rev2_short_copy),
		AI_TEST(acpi_rsdt_entries_are_32_bit),
		AI_TEST(acpi_madt_lapic_enabled_and_disabled),
		AI_TEST(acpi_madt_x2apic),
		AI_TEST(acpi_madt_xapic_and_x2apic_counted_once),
		AI_TEST(acpi_madt_ids_from_255_dropped),
		AI_TEST(acpi_madt_more_than_max_cpus),
		AI_TEST(acpi_madt_max_cpus_listed_twice_none_dropped),
		AI_TEST(acpi_madt_lapic_address_override),
		AI_TEST(acpi_madt_lapic_address_override_first),
		AI_TEST(acpi_madt_first_ioapic_only),
		AI_TEST(acpi_madt_unknown_types_skipped),
		AI_TEST(acpi_madt_no_entries),
		AI_TEST(acpi_madt_entry_length_0_stops),
		AI_TEST(acpi_madt_entry_length_1_stops),
		AI_TEST(acpi_madt_entry_header_past_end),
		AI_TEST(acpi_madt_lapic_entry_past_end),
		AI_TEST(acpi_madt_x2apic_entry_past_end),
		AI_TEST(acpi_madt_override_entry_past_end),
		AI_TEST(acpi_madt_entries_past_length_ignored),
		AI_TEST(acpi_no_rsdp),
		AI_TEST(acpi_no_rsdp_low_memory_unreadable),
		AI_TEST(acpi_rsdp_bad_checksum),
		AI_TEST(acpi_rsdp_bad_signature),
		AI_TEST(acpi_rsdp_rev2_bad_extended_checksum),
		AI_TEST(acpi_rsdp_rev2_bad_first_checksum),
		AI_TEST(acpi_rsdt_bad_checksum),
		AI_TEST(acpi_rsdt_wrong_signature),
		AI_TEST(acpi_xsdt_bad_checksum),
		AI_TEST(acpi_xsdt_wrong_signature),
		AI_TEST(acpi_rsdt_outside_memory),
		AI_TEST(acpi_xsdt_outside_memory),
		AI_TEST(acpi_rsdt_length_past_memory),
		AI_TEST(acpi_rsdt_length_below_header),
		AI_TEST(acpi_no_madt_listed),
		AI_TEST(acpi_empty_rsdt),
		AI_TEST(acpi_madt_bad_checksum),
		AI_TEST(acpi_madt_too_short),
		AI_TEST(acpi_madt_length_past_memory),
		AI_TEST(acpi_bad_madts_skipped_for_good_one),
		AI_TEST(acpi_tight_rev0_search),
		AI_TEST(acpi_tight_rev2_given),
		AI_TEST(acpi_tight_rev2_search),
	};

	return cmocka_run_group_tests_name("acpi", tests, NULL, NULL);
}
