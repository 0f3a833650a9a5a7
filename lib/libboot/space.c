/*
 * space.c: filling address spaces with capability operations only, libboot's lowest
 * layer (it calls only libcairn). The booter sees a frame it fills through a one-page
 * window in its own address space; everything it maps into a component it first
 * retypes from its MEMORY capability. Images are loaded by libcairn's cairn_load_elf,
 * pages mapped by its cairn_map, cairn_zero_map and cairn_share (lib/libcairn/map.c).
 */
#include "libboot.h"
#include <common/elf.h>

#define PAGE 4096UL

long boot_reserve_slots(struct booter *b)
{
	return cairn_reserve_slots(&b->a);
}

/* Maps frame writable at WINDOW_VA, the booter's window (ctx: the booter). */
static long window_map(void *ctx, uint64_t frame)
{
	struct booter *b = ctx;

	return cairn_map(&b->a, CAIRN_SLOT_PGTBL, &b->own_cache, WINDOW_VA, frame, CAIRN_MAP_WRITE);
}

static struct cairn_window window_of(struct booter *b)
{
	return (struct cairn_window){ .va = WINDOW_VA, .map = window_map, .ctx = b };
}

/* Copies len bytes (or zeroes if src is 0) into frame at off, through the window. */
long boot_fill(struct booter *b, uint64_t frame, uint64_t off, const void *src, uint64_t len)
{
	struct cairn_window w = window_of(b);

	return cairn_window_fill(&w, frame, off, src, len);
}

const struct cairn_module *boot_module(const struct booter *b, const char *name)
{
	for (unsigned i = 0; i < b->rt->nmodules; i++)
		if (strcmp(b->rt->module[i].name, name) == 0)
			return &b->rt->module[i];
	return 0;
}

/*
 * Gives a used frame f (a restart) the page of segment s at va again: the file's
 * bytes, everything around them zeroed.
 */
static long refill_page(struct booter *b, uint64_t f, const char *file, const struct elf_segment *s, uint64_t va)
{
	uint64_t lo, hi;

	elf_file_span(s, va, &lo, &hi);
	long r = window_map(b, f);
	char *w = (char *)WINDOW_VA;

	if (r)
		return r;
	if (lo < hi) {
		memset(w, 0, lo - va);
		memcpy(w + (lo - va), file + s->offset + (lo - s->vaddr), hi - lo);
		memset(w + (hi - va), 0, va + PAGE - hi);
	} else {
		memset(w, 0, PAGE);
	}
	return cairn_pgtbl_unmap(CAIRN_SLOT_PGTBL, WINDOW_VA);
}

/* The module `image` as a checked ELF image in [lo, hi), or an error. */
static long image_of(struct booter *b, const char *image, uint64_t lo, uint64_t hi,
		     struct elf_image *img, const char **file)
{
	const struct cairn_module *m = boot_module(b, image);

	if (!m) {
		cairn_printf("booter: no image '%s' in the boot image\n", image);
		return CAIRN_ENOENT;
	}
	if (elf_check((const void *)m->va, m->size, lo, hi, img) != ELF_OK) {
		cairn_printf("booter: '%s' is not a loadable image for [%lx, %lx)\n", image, lo, hi);
		return CAIRN_EINVAL;
	}
	*file = (const char *)m->va;
	return 0;
}

/*
 * Loads the module `image` into pt: a private copy of every loadable segment, which
 * must lie in [lo, hi). Returns 0 and the entry point, or an error.
 */
long boot_load(struct booter *b, unsigned pt, uint64_t *cache, const char *image,
	       uint64_t lo, uint64_t hi, uint64_t *entry)
{
	struct elf_image img;
	const char *file;
	long r = image_of(b, image, lo, hi, &img, &file);

	if (r)
		return r;
	struct cairn_window w = window_of(b);
	struct cairn_space t = { .a = &b->a, .pt = pt, .cache = cache };
	struct cairn_loader l = { .window = &w, .page = cairn_map_page, .ctx = &t };
	r = cairn_load_elf(&l, file, &img);
	if (!r)
		*entry = img.entry;
	return r;
}

/* The ELF image of the module `image` (its file in *file): 0, or an error. */
long boot_image(struct booter *b, const char *image, struct elf_image *img, const char **file)
{
	return image_of(b, image, IMAGE_LO, IMAGE_HI, img, file);
}

/* The frame pt maps at va, if it is mapped writable (want_write) or at all; else 0. */
uint64_t boot_frame(unsigned pt, uint64_t va, int want_write)
{
	long e = cairn_pgtbl_lookup(pt, va);

	if (e < 0 || (want_write && !(e & CAIRN_MAP_WRITE)))
		return 0;
	return (uint64_t)e & ~(PAGE - 1);
}


/*
 * Gives the writable segments of `image`, loaded into pt by boot_load, their first
 * contents again, in the same frames (a restart: the read-only ones cannot have
 * changed).
 */
long boot_reload(struct booter *b, unsigned pt, const char *image)
{
	struct elf_image img;
	const char *file;
	long r = image_of(b, image, IMAGE_LO, IMAGE_HI, &img, &file);

	for (unsigned i = 0; !r && i < img.nseg; i++) {
		const struct elf_segment *s = &img.seg[i];
		if (!(s->flags & ELF_SEG_W))
			continue;
		for (uint64_t va = s->vaddr & ~(PAGE - 1); !r && va < s->vaddr + s->memsz; va += PAGE) {
			uint64_t f = boot_frame(pt, va, 0);
			r = f ? refill_page(b, f, file, s, va) : CAIRN_ENOENT;
		}
	}
	return r;
}

/* Zeroes the frames pt maps in [va, va + len). */
long boot_zero(struct booter *b, unsigned pt, uint64_t va, uint64_t len)
{
	for (uint64_t p = va; p < va + len; p += PAGE) {
		uint64_t f = boot_frame(pt, p, 0);
		long r = f ? boot_fill(b, f, 0, 0, PAGE) : CAIRN_ENOENT;
		if (r)
			return r;
	}
	return 0;
}

/*
 * Copies len bytes at va in pt into dst, through core's read page (a crash report reads
 * a stopped component's stack: report.c), on the booter's thread of that core, which
 * alone uses it; [va, va + len) lies within one page. The page's table is the fill
 * window's, made when the first image was loaded: mapping needs no allocation (which
 * only the boot core's thread may do). 0, or CAIRN_ENOENT if pt maps no frame there.
 */
long boot_read(struct booter *b, unsigned core, unsigned pt, uint64_t va, void *dst, uint64_t len)
{
	uint64_t f = boot_frame(pt, va, 0), page = CAIRN_BOOT_READ_VA + (uint64_t)core * PAGE;
	long r = f ? cairn_pgtbl_map(CAIRN_SLOT_PGTBL, page, b->a.mem, f, 0) : CAIRN_ENOENT;

	if (r)
		return r;
	memcpy(dst, (const char *)page + (va & (PAGE - 1)), len);
	return cairn_pgtbl_unmap(CAIRN_SLOT_PGTBL, page);
}

/* The executable segment [*lo, *hi) of the module `image` (the first one), or an error. */
long boot_text(struct booter *b, const char *image, uint64_t *lo, uint64_t *hi)
{
	struct elf_image img;
	const char *file;
	long r = image_of(b, image, IMAGE_LO, IMAGE_HI, &img, &file);

	for (unsigned i = 0; !r && i < img.nseg; i++)
		if (img.seg[i].flags & ELF_SEG_X) {
			*lo = img.seg[i].vaddr;
			*hi = img.seg[i].vaddr + img.seg[i].memsz;
			return 0;
		}
	return r ? r : CAIRN_ENOENT;
}

void boot_copy_name(char *dst, const char *src, unsigned size)
{
	unsigned i = 0;

	for (; src[i] && i + 1 < size; i++)
		dst[i] = src[i];
	for (; i < size; i++)
		dst[i] = 0;
}
