/*
 * bootinfo.c: reads a multiboot1 or multiboot2 information structure (contract in
 * bootinfo.h). Every read goes through p2v with its length, so a structure that points
 * outside readable memory is refused rather than followed.
 */
#include "bootinfo.h"

/* Multiboot1 (the Multiboot Specification 0.6.96, section 3.3). */
#define MB1_FLAG_CMDLINE (1u << 2)
#define MB1_FLAG_MODS    (1u << 3)
#define MB1_FLAG_MMAP    (1u << 6)
#define MB1_FLAG_LOADER  (1u << 9)

struct mb1_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
	uint32_t mods_count, mods_addr, syms[4], mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr, config_table, boot_loader_name;
} packed;

struct mb1_module {
	uint32_t start, end, string, reserved;
} packed;

struct mb1_mmap {
	uint32_t size;	/* of the rest of the entry */
	uint64_t base, len;
	uint32_t type;
} packed;

/* Multiboot2 (Multiboot2 Specification 1.0, section 3.6). */
enum { MB2_END = 0, MB2_CMDLINE = 1, MB2_LOADER = 2, MB2_MODULE = 3, MB2_MMAP = 6,
       MB2_ACPI_OLD = 14, MB2_ACPI_NEW = 15 };
#define RSDP_V1_LEN 20		/* an RSDP copy shorter than this is ignored */
#define RSDP_V2_LEN 36

struct mb2_tag {
	uint32_t type, size;
} packed;

struct mb2_module {
	struct mb2_tag tag;
	uint32_t start, end;
	char string[];
} packed;

struct mb2_mmap {
	struct mb2_tag tag;
	uint32_t entry_size, entry_version;
} packed;

struct mb2_mmap_entry {
	uint64_t base, len;
	uint32_t type, reserved;
} packed;

#define MAX_STRING 4096

/* A NUL-terminated string at phys of at most MAX_STRING bytes, or "" if unreadable. */
static const char *string_at(uint64_t phys, boot_p2v p2v)
{
	for (uint64_t len = 1; phys && len <= MAX_STRING; len++) {
		const char *s = p2v(phys, len);
		if (!s)
			break;
		if (s[len - 1] == '\0')
			return s;
	}
	return "";
}

static void add_mmap(struct bootinfo *bi, uint64_t base, uint64_t len, uint32_t type)
{
	if (bi->nmmap < BOOT_MAX_MMAP)
		bi->mmap[bi->nmmap++] = (struct boot_mmap){ base, len, type };
	else if (bi->nmmap_dropped < UINT32_MAX)
		bi->nmmap_dropped++;
}

static void add_module(struct bootinfo *bi, uint64_t start, uint64_t end, const char *cmdline)
{
	if (start > end)
		return;
	if (bi->nmod < BOOT_MAX_MODULES)
		bi->mod[bi->nmod++] = (struct boot_module){ start, end, cmdline };
	else
		bi->nmod_dropped++;	/* cannot wrap: multiboot counts modules in 32 bits */
}

static int parse_mb1(struct bootinfo *bi, uint64_t info, boot_p2v p2v)
{
	const struct mb1_info *mb = p2v(info, sizeof(*mb));

	if (!mb || !(mb->flags & MB1_FLAG_MMAP))
		return -1;
	bi->info_end = info + sizeof(*mb);
	if (mb->flags & MB1_FLAG_CMDLINE)
		bi->cmdline = string_at(mb->cmdline, p2v);
	if (mb->flags & MB1_FLAG_LOADER)
		bi->loader = string_at(mb->boot_loader_name, p2v);
	const struct mb1_module *mods = mb->flags & MB1_FLAG_MODS ?
		p2v(mb->mods_addr, (uint64_t)mb->mods_count * sizeof(*mods)) : NULL;
	for (uint32_t i = 0; mods && i < mb->mods_count; i++)
		add_module(bi, mods[i].start, mods[i].end, string_at(mods[i].string, p2v));
	for (uint64_t off = 0; off + sizeof(struct mb1_mmap) <= mb->mmap_length;) {
		const struct mb1_mmap *e = p2v(mb->mmap_addr + off, sizeof(*e));
		if (!e || e->size < sizeof(*e) - 4)
			return -1;
		add_mmap(bi, e->base, e->len, e->type);
		off += e->size + 4;
	}
	return 0;
}

static void parse_mb2_tag(struct bootinfo *bi, const struct mb2_tag *tag)
{
	const char *body = (const char *)(tag + 1);
	uint32_t blen = tag->size - sizeof(*tag);

	switch (tag->type) {
	case MB2_CMDLINE:
	case MB2_LOADER:	/* a string, taken if it ends inside the tag */
		if (blen && body[blen - 1] == '\0')
			*(tag->type == MB2_CMDLINE ? &bi->cmdline : &bi->loader) = body;
		break;
	case MB2_MODULE: {
		const struct mb2_module *m = (const void *)tag;
		if (tag->size < sizeof(*m))
			break;
		bool terminated = tag->size > sizeof(*m) && ((const char *)tag)[tag->size - 1] == '\0';
		add_module(bi, m->start, m->end, terminated ? m->string : "");
		break;
	}
	case MB2_ACPI_OLD:	/* a copy of the RSDP: the new one wins, whatever the order */
	case MB2_ACPI_NEW:
		if (tag->type == MB2_ACPI_NEW ? blen >= RSDP_V2_LEN : (blen >= RSDP_V1_LEN && !bi->rsdp)) {
			bi->rsdp = body;
			bi->rsdp_len = blen;
		}
		break;
	case MB2_MMAP: {
		const struct mb2_mmap *mm = (const void *)tag;
		if (tag->size < sizeof(*mm) || mm->entry_size < sizeof(struct mb2_mmap_entry))
			break;
		for (uint32_t off = sizeof(*mm); off + mm->entry_size <= tag->size; off += mm->entry_size) {
			const struct mb2_mmap_entry *e = (const void *)((const char *)tag + off);
			add_mmap(bi, e->base, e->len, e->type);
		}
		break;
	}
	}
}

static int parse_mb2(struct bootinfo *bi, uint64_t info, boot_p2v p2v)
{
	const uint32_t *head = p2v(info, 8);
	uint32_t total = head ? head[0] : 0;
	const char *all = total >= 16 ? p2v(info, total) : NULL;

	if (!all)
		return -1;
	bi->info_end = info + total;
	bool have_mmap = false;
	for (uint32_t off = 8; off + sizeof(struct mb2_tag) <= total;) {
		const struct mb2_tag *tag = (const void *)(all + off);
		if (tag->size < sizeof(*tag) || tag->size > total - off)
			return -1;
		if (tag->type == MB2_END)
			return have_mmap ? 0 : -1;
		have_mmap |= tag->type == MB2_MMAP;
		parse_mb2_tag(bi, tag);
		off += (tag->size + 7) & ~7u;
	}
	return -1;	/* no end tag */
}

int bootinfo_parse(struct bootinfo *bi, uint32_t magic, uint64_t info, boot_p2v p2v)
{
	*bi = (struct bootinfo){ .cmdline = "", .loader = "", .info_start = info, .info_end = info };
	if (magic != MB1_BOOT_MAGIC && magic != MB2_BOOT_MAGIC)
		return -1;
	bi->protocol = magic == MB1_BOOT_MAGIC ? 1 : 2;
	return bi->protocol == 1 ? parse_mb1(bi, info, p2v) : parse_mb2(bi, info, p2v);
}

uint64_t bootinfo_usable_bytes(const struct bootinfo *bi)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < bi->nmmap; i++)
		if (bi->mmap[i].type == BOOT_MEM_USABLE)
			sum += bi->mmap[i].len;
	return sum;
}
