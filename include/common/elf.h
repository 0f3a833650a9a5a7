/*
 * common/elf.h: checking an ELF64 executable before it is loaded (lib/libcommon/elf.c),
 * and what every loader (the kernel's, libcairn's cairn_load_elf) reads of a checked
 * one. Pure code. An image passes only if every loadable segment lies inside the
 * window the caller allows, so a bad image is refused before anything is mapped.
 */
#ifndef COMMON_ELF_H
#define COMMON_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cairn/abi.h>

#define ELF_MAX_SEGMENTS 8
#define ELF_PAGE_SHIFT   12	/* loaders map whole 4 KiB pages: segments may not share one */
#define ELF_PAGE         (1UL << ELF_PAGE_SHIFT)

#define ELF_SEG_R 4	/* the ELF p_flags bits */
#define ELF_SEG_W 2
#define ELF_SEG_X 1

struct elf_segment {
	uint64_t vaddr;		/* may be unaligned; the loader maps whole pages */
	uint64_t memsz;
	uint64_t offset;	/* in the file */
	uint64_t filesz;	/* <= memsz; the rest is zero */
	uint32_t flags;		/* ELF_SEG_* */
};

struct elf_image {
	uint64_t entry;
	unsigned nseg;
	struct elf_segment seg[ELF_MAX_SEGMENTS];
};

enum elf_error {
	ELF_OK = 0,
	ELF_ETRUNC = -1,	/* header or segment data beyond the file */
	ELF_EMAGIC = -2,	/* not ELF, not 64-bit little-endian, not x86-64, not ET_EXEC */
	ELF_ERANGE = -3,	/* a segment or the entry outside [lo, hi), or an overflow */
	ELF_ETOOMANY = -4,	/* more than ELF_MAX_SEGMENTS loadable segments */
	ELF_EBADSEG = -5,	/* filesz > memsz, or two loadable segments share a page */
};

/*
 * Checks the image of len bytes and fills out. Loadable segments must lie inside
 * [lo, hi), be sorted by address and not share a page; the entry must lie inside an
 * executable segment. Returns ELF_OK or an elf_error.
 */
int elf_check(const void *img, size_t len, uint64_t lo, uint64_t hi, struct elf_image *out);

/* The rights (CAIRN_MAP_*) a loader maps segment s's pages with: readable always. */
static inline unsigned elf_rights(const struct elf_segment *s)
{
	return ((s->flags & ELF_SEG_W) ? CAIRN_MAP_WRITE : 0) | ((s->flags & ELF_SEG_X) ? CAIRN_MAP_EXEC : 0);
}

/*
 * The part [*lo, *hi) of the page at va (a page of segment s) that holds bytes of the
 * file, at file offset s->offset + (*lo - s->vaddr); *lo >= *hi: none. The rest of
 * the page is zero.
 */
static inline void elf_file_span(const struct elf_segment *s, uint64_t va, uint64_t *lo, uint64_t *hi)
{
	*lo = va > s->vaddr ? va : s->vaddr;
	*hi = va + ELF_PAGE < s->vaddr + s->filesz ? va + ELF_PAGE : s->vaddr + s->filesz;
}

#endif
