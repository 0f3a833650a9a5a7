/*
 * boot_limits: the booter (lib/libboot) given tables past a limit of a description
 * (cairn/sysdesc.h, cairn/root.h), as no checked description makes them: cairn_boot
 * refuses each with CAIRN_EOVERFLOW and a line naming the count, before it builds
 * anything, where it used to drop what did not fit its red tape, write past its arrays
 * or fail later (issue 19, finding 16). Each case is one table built from a valid one,
 * "bl_<n>", with one count past its limit:
 *
 *   bl.1 33 components        bl.7  113 gates and sync sends   bl.13 core 1 of 1 core
 *   bl.2 49 ports             bl.8  a 24-character name        bl.14 a heap past its window
 *   bl.3 65 cores             bl.9  ... of a port              bl.15 17 images for a subsystem
 *   bl.4 25 imports           bl.10 ... of a segment           bl.16 a segment past the window
 *   bl.5 9 segments           bl.11 ... of an interface        bl.17 interrupt line 16
 *   bl.6 13 port ends         bl.12 2 threads
 *
 *   bl.20 17 regions          bl.24 a region's 24-character name  bl.28 dma by a non-sharer
 *   bl.21 a region of 256M+4K bl.25 a sharer past the components  bl.29 a size not in pages
 *   bl.22 regions past their  bl.26 a sharer named twice          bl.30 a region nobody shares
 *         4 GiB window        bl.27 dma by an untrusted component
 *   bl.23 9 regions for one component
 *   (bl.20..25: CAIRN_EOVERFLOW, as above; bl.26..30, which no count names: CAIRN_EINVAL)
 *
 *   bl.18 after all of them nothing was built: the booter's first slot is still empty
 *   bl.19 a table at every limit at once passes the check (building then fails on its
 *         missing image, CAIRN_ENOENT)
 * Run as the first boot module.
 */
#include <cairn/boot.h>
#include <cairn/cairn.h>
#include <cairn/port.h>

#define CASES 17
#define REGION_FIRST 20		/* the regions' cases: bl.20 .. bl.30 */
#define REGION_LAST 30
#define N24 "name_of_24_characters_xx"	/* CAIRN_NAME_MAX characters: one too many */
#define N23 "name_of_23_characters_x"

static struct cairn_sd_comp comps[CAIRN_SD_COMPS + 1];
static struct cairn_sd_import imports[CAIRN_ROOT_IMPORTS + 1];
static struct cairn_sd_port ports[CAIRN_SD_PORTS + 1];
static struct cairn_sd_segment segs[CAIRN_ROOT_SEGMENTS + 1];
static uint16_t seg_index[CAIRN_ROOT_SEGMENTS + 1];
static uint16_t order[CAIRN_SD_COMPS + 1];
static const char *images[CAIRN_ROOT_MODULES + 1];
static struct cairn_sd_subsystem sub = { .name = "sub", .memory = 4096, .image = images };
static uint8_t irqs[1] = { 1 };
static struct cairn_sd_region regions[CAIRN_SD_REGIONS + 1];
static uint16_t share[2][2] = { { 0, 1 }, { 1, 0 } };
static struct cairn_sd_system sys;
static char names[REGION_LAST + 1][8];

/* One valid component "a" of image "nosuch" on core 0; nothing else. */
static void valid(unsigned n)
{
	names[n][0] = 'b', names[n][1] = 'l', names[n][2] = '_';
	names[n][3] = (char)('0' + n / 10), names[n][4] = (char)('0' + n % 10);
	for (unsigned i = 0; i <= CAIRN_SD_COMPS; i++) {
		comps[i] = (struct cairn_sd_comp){ .name = "a", .image = "nosuch", .priority = 1,
						   .threads = 1, .stack = 4096, .heap = 4096, .import = imports,
						   .segment = seg_index, .irq = irqs, .subsystem = -1 };
		order[i] = 0;
	}
	for (unsigned j = 0; j <= CAIRN_ROOT_IMPORTS; j++)
		imports[j] = (struct cairn_sd_import){ .iface = "i", .server = 0, .nfns = 1 };
	for (unsigned p = 0; p <= CAIRN_SD_PORTS; p++)
		ports[p] = (struct cairn_sd_port){ .name = "p", .from = 0, .to = 1, .slot_size = 8, .slots = 2 };
	for (unsigned s = 0; s <= CAIRN_ROOT_SEGMENTS; s++) {
		segs[s] = (struct cairn_sd_segment){ .name = "s", .image = "nosuch",
						     .base = CAIRN_SD_SEGMENT_LO + s * 4096UL, .size = 4096 };
		seg_index[s] = (uint16_t)s;
	}
	for (unsigned m = 0; m <= CAIRN_ROOT_MODULES; m++)
		images[m] = "nosuch";
	irqs[0] = 1;
	for (unsigned g = 0; g <= CAIRN_SD_REGIONS; g++)
		regions[g] = (struct cairn_sd_region){ .name = "r", .size = 4096, .nshare = 1,
						       .dma = CAIRN_SD_NODMA, .share = share[0] };
	sys = (struct cairn_sd_system){ .name = names[n], .cores = 1, .ncomps = 1, .comp = comps,
					.init_order = order, .port = ports, .segment = segs, .subsystem = &sub,
					.region = regions };
}

/* Component 0 at every limit of its red tape and slots; two components. */
static void at_limits(void)
{
	sys.ncomps = 2;
	comps[0].name = N23;
	comps[0].nimports = CAIRN_ROOT_IMPORTS;
	imports[0].nfns = CAIRN_SD_GRANTED_SLOTS - CAIRN_ROOT_PORTS - (CAIRN_ROOT_IMPORTS - 1);
	imports[1].iface = N23;
	comps[0].nsegments = CAIRN_ROOT_SEGMENTS;
	sys.nsegments = CAIRN_ROOT_SEGMENTS;
	segs[0].name = N23;
	segs[CAIRN_ROOT_SEGMENTS - 1].base = CAIRN_SD_SEGMENT_HI - 4096;
	sys.nports = CAIRN_ROOT_PORTS;		/* sync: a send each end */
	for (unsigned p = 0; p < CAIRN_ROOT_PORTS; p++)
		ports[p].mode = CAIRN_PORT_SYNC;
	ports[0].name = N23;
	comps[0].heap = CAIRN_SD_HEAP_MAX;
	comps[0].nirqs = 1;
	irqs[0] = CAIRN_IRQ_LINES - 1;
	sys.nregions = CAIRN_SD_REGIONS;	/* 8 each; the window full, guard pages and all */
	for (unsigned g = 0; g < CAIRN_SD_REGIONS; g++) {
		regions[g].share = share[g % 2];
		regions[g].size = CAIRN_SD_REGION_SPACE / CAIRN_SD_REGIONS - 4096;
	}
	regions[0].name = N23;
	regions[3].size = CAIRN_SD_REGION_MAX;
	regions[4].size -= CAIRN_SD_REGION_MAX - (CAIRN_SD_REGION_SPACE / CAIRN_SD_REGIONS - 4096);
	regions[5].dma = 1;
	comps[1].dma_trusted = 1;
}

/* Region case n (REGION_FIRST..REGION_LAST): two components, one region, one thing wrong. */
static void past_region(unsigned n)
{
	valid(n);
	sys.ncomps = 2;
	sys.nregions = 1;
	switch (n) {
	case 20: sys.nregions = CAIRN_SD_REGIONS + 1; break;
	case 21: regions[0].size = CAIRN_SD_REGION_MAX + 4096; break;
	case 22: sys.nregions = CAIRN_SD_REGIONS;
		for (unsigned g = 0; g < sys.nregions; g++)
			regions[g].size = CAIRN_SD_REGION_SPACE / CAIRN_SD_REGIONS, regions[g].share = share[g % 2];
		break;
	case 23: sys.nregions = CAIRN_IO_REGIONS + 1; break;
	case 24: regions[0].name = N24; break;
	case 25: regions[0].share = share[0]; share[0][0] = 2; break;
	case 26: regions[0].nshare = 2; regions[0].share = share[0]; share[0][1] = 0; break;
	case 27: regions[0].dma = 0; break;
	case 28: regions[0].dma = 1; comps[1].dma_trusted = 1; break;
	case 29: regions[0].size = 4096 + 8; break;
	case 30: regions[0].nshare = 0; break;
	}
}

static const char *const region_names[REGION_LAST - REGION_FIRST + 1] = {
	"regions_17", "region_256m_4k", "regions_past_window", "comp_regions_9", "region_name_24",
	"region_sharer_index", "region_sharer_twice", "region_dma_untrusted", "region_dma_not_sharer",
	"region_size_not_pages", "region_no_sharer",
};

/* Case n (1..CASES): a valid table with one count past its limit. */
static void past_limit(unsigned n)
{
	valid(n);
	switch (n) {
	case 1: sys.ncomps = CAIRN_SD_COMPS + 1; break;
	case 2: sys.ncomps = 10; sys.nports = CAIRN_SD_PORTS + 1;
		for (unsigned p = 0; p < sys.nports; p++)
			ports[p].from = (uint16_t)(p % 10), ports[p].to = (uint16_t)((p + 1) % 10);
		break;
	case 3: sys.cores = CAIRN_SD_CORES + 1; break;
	case 4: comps[0].nimports = CAIRN_ROOT_IMPORTS + 1; break;
	case 5: comps[0].nsegments = CAIRN_ROOT_SEGMENTS + 1; sys.nsegments = CAIRN_ROOT_SEGMENTS + 1; break;
	case 6: sys.ncomps = 2; sys.nports = CAIRN_ROOT_PORTS + 1; break;
	case 7: at_limits(); imports[0].nfns++; break;
	case 8: comps[0].name = N24; break;
	case 9: sys.ncomps = 2; sys.nports = 1; ports[0].name = N24; break;
	case 10: sys.nsegments = 1; segs[0].name = N24; break;
	case 11: comps[0].nimports = 1; imports[0].iface = N24; break;
	case 12: comps[0].threads = CAIRN_SD_THREADS + 1; break;
	case 13: comps[0].core = 1; break;
	case 14: comps[0].heap = CAIRN_SD_HEAP_MAX + 4096; break;
	case 15: comps[0].subsystem = 0; sys.nsubsystems = 1; sub.nimages = CAIRN_ROOT_MODULES + 1; break;
	case 16: sys.nsegments = 1; segs[0].base = CAIRN_SD_SEGMENT_HI - 4096; segs[0].size = 8192; break;
	case 17: comps[0].nirqs = 1; irqs[0] = CAIRN_IRQ_LINES; break;
	}
}

static const char *const case_names[CASES + 1] = {
	"", "components_33", "ports_49", "cores_65", "imports_25", "segments_9", "port_ends_13",
	"gates_113", "comp_name_24", "port_name_24", "segment_name_24", "iface_name_24", "threads_2",
	"core_past_cores", "heap_past_window", "subsystem_images_17", "segment_past_window", "irq_line_16",
};

int main(const struct cairn_root *rt)
{
	for (unsigned n = 1; n <= CASES; n++) {
		char id[8] = { 'b', 'l', '.', (char)('0' + n / 10), (char)('0' + n % 10), 0 };
		if (n < 10)
			id[3] = id[4], id[4] = 0;		/* bl.1 .. bl.9 */
		past_limit(n);
		long r = cairn_boot(&sys, rt);
		cairn_check(id, case_names[n], r == CAIRN_EOVERFLOW, "cairn_boot returned %ld, want CAIRN_EOVERFLOW (%d)",
			    r, CAIRN_EOVERFLOW);
	}
	for (unsigned n = REGION_FIRST; n <= REGION_LAST; n++) {
		char id[6] = { 'b', 'l', '.', (char)('0' + n / 10), (char)('0' + n % 10), 0 };
		long want = n <= 25 ? CAIRN_EOVERFLOW : CAIRN_EINVAL;
		past_region(n);
		long r = cairn_boot(&sys, rt);
		cairn_check(id, region_names[n - REGION_FIRST], r == want, "cairn_boot returned %ld, want %ld", r, want);
		share[0][0] = 0, share[0][1] = 1;
	}
	long slot = cairn_syscall2(CAIRN_CALL(rt->free_slot, CAIRN_OP_NULL), 0, 0);	/* ENOENT: empty */
	cairn_check("bl.18", "nothing_built", slot == CAIRN_ENOENT,
		    "slot %u, the booter's first, answers %ld: something was built there", rt->free_slot, slot);
	valid(CASES + 1);
	at_limits();
	long r = cairn_boot(&sys, rt);
	cairn_check("bl.19", "at_limits_pass", r == CAIRN_ENOENT,
		    "cairn_boot returned %ld, want CAIRN_ENOENT (%d) from loading image 'nosuch'", r, CAIRN_ENOENT);
	return 0;
}
