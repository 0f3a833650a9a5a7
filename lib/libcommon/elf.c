/*
 * elf.c: checks an ELF64 executable (contract in common/elf.h). Decode only: nothing
 * is loaded here, so the loader that follows a successful check cannot fail on the image.
 */
#include <common/elf.h>

#define EI_NIDENT 16
#define ET_EXEC 2
#define EM_X86_64 62
#define PT_LOAD 1

struct elf64_ehdr {
	uint8_t ident[EI_NIDENT];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

static bool header_ok(const struct elf64_ehdr *h)
{
	return h->ident[0] == 0x7f && h->ident[1] == 'E' && h->ident[2] == 'L' &&
	       h->ident[3] == 'F' && h->ident[4] == 2 /* 64-bit */ &&
	       h->ident[5] == 1 /* little-endian */ && h->type == ET_EXEC &&
	       h->machine == EM_X86_64 && h->phentsize == sizeof(struct elf64_phdr);
}

static int check_segment(const struct elf64_phdr *ph, size_t len, uint64_t lo, uint64_t hi)
{
	if (ph->offset > len || ph->filesz > len - ph->offset)
		return ELF_ETRUNC;
	if (ph->filesz > ph->memsz)
		return ELF_EBADSEG;
	if (ph->vaddr + ph->memsz < ph->vaddr || ph->vaddr < lo || ph->vaddr + ph->memsz > hi)
		return ELF_ERANGE;
	return ELF_OK;
}

static int add_segment(struct elf_image *out, const struct elf64_phdr *ph)
{
	if (out->nseg == ELF_MAX_SEGMENTS)
		return ELF_ETOOMANY;
	if (out->nseg) {
		const struct elf_segment *prev = &out->seg[out->nseg - 1];
		/* Page numbers, not rounded addresses: rounding up could wrap. */
		if ((prev->vaddr + prev->memsz - 1) >> ELF_PAGE_SHIFT >= ph->vaddr >> ELF_PAGE_SHIFT)
			return ELF_EBADSEG;	/* unsorted, overlapping or sharing a page */
	}
	out->seg[out->nseg++] = (struct elf_segment){
		.vaddr = ph->vaddr, .memsz = ph->memsz, .offset = ph->offset,
		.filesz = ph->filesz, .flags = ph->flags & (ELF_SEG_R | ELF_SEG_W | ELF_SEG_X),
	};
	return ELF_OK;
}

static bool entry_ok(const struct elf_image *img)
{
	for (unsigned i = 0; i < img->nseg; i++) {
		const struct elf_segment *s = &img->seg[i];
		if ((s->flags & ELF_SEG_X) && img->entry >= s->vaddr && img->entry < s->vaddr + s->memsz)
			return true;
	}
	return false;
}

int elf_check(const void *img, size_t len, uint64_t lo, uint64_t hi, struct elf_image *out)
{
	const struct elf64_ehdr *h = img;

	*out = (struct elf_image){ 0 };
	if (len < sizeof(*h))
		return ELF_ETRUNC;
	if (!header_ok(h))
		return ELF_EMAGIC;
	if (h->phoff > len || (uint64_t)h->phnum * sizeof(struct elf64_phdr) > len - h->phoff)
		return ELF_ETRUNC;
	out->entry = h->entry;
	for (unsigned i = 0; i < h->phnum; i++) {
		struct elf64_phdr ph;
		__builtin_memcpy(&ph, (const char *)img + h->phoff + i * sizeof(ph), sizeof(ph));
		if (ph.type != PT_LOAD || ph.memsz == 0)
			continue;
		int err = check_segment(&ph, len, lo, hi);
		if (err == ELF_OK)
			err = add_segment(out, &ph);
		if (err != ELF_OK)
			return err;
	}
	return entry_ok(out) ? ELF_OK : ELF_ERANGE;
}
