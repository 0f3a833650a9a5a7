/*
 * romfs.c: finding files in a romfs image (format in cairn/romfs.h). Every call first
 * checks the whole image, header and entry table, against image_len, so a lookup's
 * result never depends on which entries a search happened to visit, and no read
 * leaves [image, image + image_len). Freestanding: no libc, tested on the host
 * (tests/host/test_romfs.c).
 */
#include <stddef.h>
#include <stdint.h>
#include <cairn/abi.h>
#include <cairn/romfs.h>

/* The length of s if it is NUL-terminated within max bytes, else max. */
static uint64_t romfs_strnlen(const char *s, uint64_t max)
{
	uint64_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

/* strcmp order, bytes compared as unsigned; both strings are NUL-terminated. */
static int romfs_strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

static int romfs_magic_ok(const char *magic)
{
	for (int i = 0; i < 8; i++)
		if (magic[i] != CAIRN_ROMFS_MAGIC[i])
			return 0;
	return 1;
}

/* Whether e's path is terminated and its data lies within the first size bytes. */
static int romfs_entry_ok(const struct cairn_romfs_entry *e, uint64_t size)
{
	return romfs_strnlen(e->path, CAIRN_ROMFS_PATH_MAX) < CAIRN_ROMFS_PATH_MAX &&
	       e->offset <= size && e->size <= size - e->offset;
}

/*
 * The entry table of the image, with its length in *n, if the whole image is well
 * formed (see cairn_romfs_find); NULL otherwise. Each field is read only once the
 * bytes holding it are known to lie within image_len.
 */
static const struct cairn_romfs_entry *romfs_table(const void *image, uint64_t image_len,
						   uint32_t *n)
{
	const struct cairn_romfs_header *h = image;
	const struct cairn_romfs_entry *e;

	if (!image || ((uintptr_t)image & 7) || image_len < sizeof(*h))
		return NULL;
	if (!romfs_magic_ok(h->magic) || h->size > image_len ||
	    h->size < sizeof(*h) + (uint64_t)h->nfiles * sizeof(*e))
		return NULL;
	e = (const struct cairn_romfs_entry *)(h + 1);
	for (uint32_t i = 0; i < h->nfiles; i++) {
		if (!romfs_entry_ok(&e[i], h->size))
			return NULL;
		if (i > 0 && romfs_strcmp(e[i - 1].path, e[i].path) >= 0)
			return NULL;	/* unsorted or duplicate: search would miss */
	}
	*n = h->nfiles;
	return e;
}

long cairn_romfs_find(const void *image, uint64_t image_len, const char *path,
		      const void **data, uint64_t *len)
{
	const struct cairn_romfs_entry *e;
	uint32_t lo = 0, hi;

	if (!path || !path[0] ||
	    romfs_strnlen(path, CAIRN_ROMFS_PATH_MAX) == CAIRN_ROMFS_PATH_MAX)
		return CAIRN_EINVAL;
	if (!(e = romfs_table(image, image_len, &hi)))
		return CAIRN_EINVAL;
	while (lo < hi) {	/* the answer, if any, lies in e[lo..hi) */
		uint32_t mid = lo + (hi - lo) / 2;
		int c = romfs_strcmp(path, e[mid].path);

		if (c == 0) {
			*data = (const char *)image + e[mid].offset;
			*len = e[mid].size;
			return 0;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return CAIRN_ENOENT;
}

long cairn_romfs_entry_at(const void *image, uint64_t image_len, uint32_t i,
			  const struct cairn_romfs_entry **e)
{
	const struct cairn_romfs_entry *table;
	uint32_t n;

	if (!(table = romfs_table(image, image_len, &n)))
		return CAIRN_EINVAL;
	if (i >= n)
		return CAIRN_ENOENT;
	*e = &table[i];
	return 0;
}
