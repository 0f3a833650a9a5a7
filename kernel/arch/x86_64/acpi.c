/*
 * acpi.c: the processors of the MADT and the DMA remapping unit of the DMAR (contract
 * in acpi.h). The path is RSDP -> RSDT (32-bit entries, revision 0) or XSDT (64-bit
 * entries, revision 2 and later) -> the tables signed "APIC", "DMAR" and "MCFG". Every read
 * goes through p2v with its length.
 */
#include "acpi.h"
#include <common/string.h>

struct rsdp {
	char signature[8];		/* "RSD PTR " */
	uint8_t checksum;		/* the first 20 bytes sum to 0 */
	char oem[6];
	uint8_t revision;
	uint32_t rsdt;
	uint32_t length;		/* revision 2+: the whole structure, summing to 0 */
	uint64_t xsdt;
	uint8_t xchecksum, reserved[3];
} packed;

struct sdt {				/* every system description table's header */
	char signature[4];
	uint32_t length;		/* with the header */
	uint8_t revision, checksum;
	char oem[6], oem_table[8];
	uint32_t oem_revision, creator, creator_revision;
} packed;

struct madt {
	struct sdt h;
	uint32_t lapic, flags;
} packed;

enum { MADT_LAPIC = 0, MADT_IOAPIC = 1, MADT_LAPIC_OVERRIDE = 5, MADT_X2APIC = 9 };
#define MADT_ENABLED 1u			/* a processor's flags: usable now */
#define XAPIC_MAX_ID 255		/* 0xff is the broadcast ID */
#define RSDP_V1_LEN 20
#define RSDP_MAX 4096			/* a longer RSDP is taken as broken */
#define MAX_TABLE (1u << 20)		/* larger tables are taken as broken */

static uint8_t sum(const void *p, uint32_t len)
{
	const uint8_t *b = p;
	uint8_t s = 0;

	while (len--)
		s += *b++;
	return s;
}

/* The n-byte (at most 8) little-endian field at p, which may be unaligned. */
static uint64_t rd(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	memcpy(&v, p, n);
	return v;
}

/*
 * r, if it is a valid RSDP: the first 20 bytes sum to 0; from revision 2 on, so does
 * the whole structure, which must lie within avail bytes (those p2v gave, or the
 * loader's copy). A revision 2 RSDP in fewer bytes is taken as revision 0 (a loader's
 * old-style copy of a newer one).
 */
static bool valid_rsdp(const struct rsdp *r, uint64_t avail, bool *wide)
{
	if (!r || avail < RSDP_V1_LEN || memcmp(r->signature, "RSD PTR ", 8) || sum(r, RSDP_V1_LEN))
		return false;
	*wide = false;
	if (r->revision < 2 || avail < sizeof(*r))
		return true;
	if (r->length < sizeof(*r) || r->length > avail || sum(r, r->length))
		return false;
	*wide = r->xsdt != 0;
	return true;
}

/* The RSDP in [phys, phys + len), on a 16-byte boundary. */
static const struct rsdp *scan(uint64_t phys, uint64_t len, boot_p2v p2v, bool *wide)
{
	for (uint64_t a = phys; a + RSDP_V1_LEN <= phys + len; a += 16) {
		uint64_t avail = p2v(a, sizeof(struct rsdp)) ? sizeof(struct rsdp) : RSDP_V1_LEN;
		const struct rsdp *r = p2v(a, avail);
		if (r && r->revision >= 2 && avail == sizeof(*r) && r->length > avail &&
		    r->length <= RSDP_MAX && (r = p2v(a, r->length)))
			avail = r->length;
		if (valid_rsdp(r, avail, wide))
			return r;
	}
	return NULL;
}

static const struct rsdp *find_rsdp(const void *given, uint64_t given_len, boot_p2v p2v, bool *wide)
{
	if (given)
		return valid_rsdp(given, given_len, wide) ? given : NULL;
	const uint8_t *bda = p2v(0x40e, 2);
	uint64_t ebda = bda ? (uint64_t)(bda[0] | bda[1] << 8) << 4 : 0;
	const struct rsdp *r = ebda >= 0x400 && ebda < 0xa0000 ? scan(ebda, 1024, p2v, wide) : NULL;
	return r ? r : scan(0xe0000, 0x20000, p2v, wide);
}

/* The table at phys, whole and summing to 0, or NULL. */
static const struct sdt *table(uint64_t phys, boot_p2v p2v)
{
	const struct sdt *h = phys ? p2v(phys, sizeof(*h)) : NULL;

	if (!h || h->length < sizeof(*h) || h->length > MAX_TABLE)
		return NULL;
	h = p2v(phys, h->length);
	return h && !sum(h, h->length) ? h : NULL;
}

static void add_cpu(struct acpi_info *ai, uint32_t id, uint32_t flags)
{
	if (!(flags & MADT_ENABLED))
		return;
	for (unsigned i = 0; i < ai->ncpus; i++)
		if (ai->apic_id[i] == id)
			return;	/* listed as xAPIC and as x2APIC: once */
	if (ai->ncpus == ACPI_MAX_CPUS || id >= XAPIC_MAX_ID)
		ai->cpus_dropped++;
	else
		ai->apic_id[ai->ncpus++] = id;
}

static void read_madt(struct acpi_info *ai, const struct madt *m)
{
	const uint8_t *p = (const uint8_t *)(m + 1), *end = (const uint8_t *)m + m->h.length;

	ai->lapic_base = m->lapic;
	while (p + 2 <= end && p[1] >= 2 && p + p[1] <= end) {
		if (p[0] == MADT_LAPIC && p[1] >= 8)
			add_cpu(ai, p[3], rd(p + 4, 4));
		else if (p[0] == MADT_X2APIC && p[1] >= 16)
			add_cpu(ai, rd(p + 4, 4), rd(p + 8, 4));
		else if (p[0] == MADT_IOAPIC && p[1] >= 12 && !ai->ioapic_base) {
			ai->ioapic_base = rd(p + 4, 4);
			ai->ioapic_gsi_base = rd(p + 8, 4);
		} else if (p[0] == MADT_LAPIC_OVERRIDE && p[1] >= 12)
			ai->lapic_base = rd(p + 4, 8);
		p += p[1];
	}
}

/*
 * The DMAR (Intel VT-d specification, 8.1 and 8.3): a 48-byte header, then remapping
 * structures of (type, length) 16-bit each; a DRHD (type 0) has its flags at 4, its
 * segment at 6 and its register base at 8. The first DRHD is taken if it is segment 0's,
 * else none. Its scope is not read: QEMU's lists every PCI device by path rather than
 * setting INCLUDE_PCI_ALL (flags bit 0); a machine with several units is not handled
 * (docs/devices.md, "DMA and the IOMMU").
 */
static void read_dmar(struct acpi_info *ai, const struct sdt *t)
{
	const uint8_t *p = (const uint8_t *)t + 48, *end = (const uint8_t *)t + t->length;
	uint32_t len;

	for (; p + 16 <= end && (len = rd(p, 4) >> 16) >= 4 && p + len <= end; p += len)
		if ((rd(p, 4) & 0xffff) == 0) {
			ai->dmar_base = (rd(p + 4, 4) >> 16) == 0 ? rd(p + 8, 8) : 0;
			return;
		}
}

/*
 * The MCFG (PCI Firmware specification 3.x, 4.1.2): a 44-byte header, then 16-byte
 * allocations: the base of bus 0's configuration space (64 bits), the segment (16), the
 * start and end bus (8 each), 4 reserved bytes. The first of segment 0 with a base and
 * start <= end is taken; its range is not checked here (cairn/root.h).
 */
static void read_mcfg(struct acpi_info *ai, const struct sdt *t)
{
	for (const uint8_t *p = (const uint8_t *)t + 44; p + 16 <= (const uint8_t *)t + t->length; p += 16)
		if (!ai->ecam.base && rd(p, 8) && !(rd(p + 8, 4) & 0xffff) && p[10] <= p[11])
			ai->ecam = (struct cairn_ecam){ .base = rd(p, 8), .bus_start = p[10], .bus_end = p[11] };
}

int acpi_parse(struct acpi_info *ai, const void *given, uint64_t given_len, boot_p2v p2v)
{
	bool wide = false;
	const struct rsdp *r = find_rsdp(given, given_len, p2v, &wide);

	*ai = (struct acpi_info){ 0 };
	if (!r)
		return ACPI_NO_RSDP;
	const struct sdt *root = table(wide ? r->xsdt : r->rsdt, p2v);
	if (!root || memcmp(root->signature, wide ? "XSDT" : "RSDT", 4))
		return ACPI_BAD_TABLE;
	unsigned step = wide ? 8 : 4;
	const uint8_t *e = (const uint8_t *)(root + 1);
	int status = ACPI_NO_MADT;
	for (uint32_t n = (root->length - sizeof(*root)) / step; n--; e += step) {
		const struct sdt *t = table(wide ? rd(e, 8) : rd(e, 4), p2v);
		if (t && !memcmp(t->signature, "DMAR", 4))
			read_dmar(ai, t);
		if (t && !memcmp(t->signature, "MCFG", 4))
			read_mcfg(ai, t);
		if (t && !memcmp(t->signature, "APIC", 4) && t->length >= sizeof(struct madt) && status) {
			ai->revision = r->revision;
			read_madt(ai, (const struct madt *)t);
			status = ACPI_OK;
		}
	}
	return status;
}
