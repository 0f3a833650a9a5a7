/*
 * load.c: loading a checked ELF image into an address space being built, with
 * capability operations only (see cairn/build.h). The one loader of user level: the
 * booter (lib/libboot/space.c) and the RTOS's process manager (components/rtos) differ
 * only in how a page is got and mapped and where their window is, which they pass in.
 * The kernel's loader (kernel/boot.c) runs before capabilities exist and stays apart;
 * all three take the rights from elf_rights (common/elf.h).
 */
#include <cairn/build.h>
#include <cairn/root.h>
#include <common/elf.h>
#include <common/string.h>

long cairn_window_fill(const struct cairn_window *w, uint64_t frame, uint64_t off, const void *src,
		       uint64_t len)
{
	long r = w->map(w->ctx, frame);

	if (r)
		return r;
	if (src)
		memcpy((char *)w->va + off, src, len);
	else
		memset((char *)w->va + off, 0, len);
	return cairn_pgtbl_unmap(CAIRN_SLOT_PGTBL, w->va);
}

long cairn_load_elf(const struct cairn_loader *l, const char *file, const struct elf_image *img)
{
	for (unsigned i = 0; i < img->nseg; i++) {
		const struct elf_segment *s = &img->seg[i];
		for (uint64_t va = s->vaddr & ~(ELF_PAGE - 1); va < s->vaddr + s->memsz; va += ELF_PAGE) {
			uint64_t f, lo, hi;
			long r = l->page(l->ctx, va, elf_rights(s), &f);
			elf_file_span(s, va, &lo, &hi);
			if (!r && lo < hi)
				r = cairn_window_fill(l->window, f, lo - va, file + s->offset + (lo - s->vaddr), hi - lo);
			if (r)
				return r;
		}
	}
	return 0;
}
