/*
 * devmem.c: the RAM of the boot memory map, kept so that a DEVMEM capability maps only
 * pages that are not RAM (the rule is in devmem.h). Pure code: no architecture here.
 */
#include "devmem.h"

#define MMAP_ACPI_RECLAIMABLE 3	/* memory map types (both multiboot protocols) */
#define MMAP_ACPI_NVS         4

struct devmem_map devmem;

static bool is_ram(uint32_t type)
{
	return type == BOOT_MEM_USABLE || type == MMAP_ACPI_RECLAIMABLE || type == MMAP_ACPI_NVS;
}

void devmem_init(struct devmem_map *m, const struct bootinfo *bi, uint64_t limit)
{
	m->n = 0;
	m->limit = bi->nmmap_dropped ? 0 : PAGE_DOWN(limit);
	for (unsigned i = 0; i < bi->nmmap && i < BOOT_MAX_MMAP; i++) {
		const struct boot_mmap *e = &bi->mmap[i];
		if (!is_ram(e->type) || !e->len)
			continue;
		uint64_t last = e->len - 1 > UINT64_MAX - e->base ? UINT64_MAX : e->base + (e->len - 1);
		/* the end is 0 if it wrapped: to the top */
		m->ram[m->n++] = (struct devmem_ram){ PAGE_DOWN(e->base), PAGE_DOWN(last) + PAGE_SIZE };
	}
}

bool devmem_not_ram(const struct devmem_map *m, uint64_t pa)
{
	if (pa & (PAGE_SIZE - 1) || pa >= m->limit)
		return false;
	for (unsigned i = 0; i < m->n; i++)
		if (pa >= m->ram[i].base && (m->ram[i].end == 0 || pa < m->ram[i].end))
			return false;
	return true;
}
