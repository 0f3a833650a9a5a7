/*
 * cairn/romfs.h: the read-only file system image ("romfs") the build puts into the
 * boot image (tools/romfs.py writes it), from which programs are loaded by path. The
 * format is defined here, once:
 *
 *   struct cairn_romfs_header                 24 bytes, at the image's start
 *   struct cairn_romfs_entry[nfiles]          128 bytes each, sorted by path in
 *                                             strcmp order, paths unique
 *   file data                                 each file at a multiple of 16 bytes
 *                                             from the start
 *
 * All integers are little-endian. A path is absolute ("/bin/consumer"), at most
 * CAIRN_ROMFS_PATH_MAX - 1 bytes and NUL-terminated within the entry.
 *
 * The image is untrusted in principle: the functions below check it before using it
 * and never read outside [image, image + image_len), whatever its bytes are.
 */
#ifndef CAIRN_ROMFS_H
#define CAIRN_ROMFS_H

#include <stdint.h>

#define CAIRN_ROMFS_MAGIC    "CNROMFS1"	/* 8 bytes, no NUL in the image */
#define CAIRN_ROMFS_PATH_MAX 112	/* bytes of an entry's path, NUL included */
#define CAIRN_ROMFS_ALIGN    16		/* of every file's offset */

struct cairn_romfs_header {
	char magic[8];			/* CAIRN_ROMFS_MAGIC */
	uint32_t nfiles;
	uint32_t reserved;		/* written as zero, not checked */
	uint64_t size;			/* total bytes of the image */
};

struct cairn_romfs_entry {
	char path[CAIRN_ROMFS_PATH_MAX];
	uint64_t offset;		/* of the file's data, from the image's start */
	uint64_t size;			/* of the file's data, in bytes */
};

_Static_assert(sizeof(struct cairn_romfs_header) == 24, "romfs header is 24 bytes");
_Static_assert(sizeof(struct cairn_romfs_entry) == 128, "romfs entry is 128 bytes");

/*
 * Looks up path in the image of image_len bytes at image (8-byte aligned).
 * Returns 0 with *data and *len set to the file's bytes (inside the image);
 * CAIRN_ENOENT if there is no such file; CAIRN_EINVAL if path is NULL, empty or longer
 * than CAIRN_ROMFS_PATH_MAX - 1 bytes, or if the image is malformed: NULL or
 * misaligned, shorter than its header, a bad magic, a header size above image_len, an
 * entry table past that size, an entry whose data lies past it (or whose offset + size
 * overflows), a path not NUL-terminated within its entry, or entries not strictly
 * sorted. *data and *len are written only on success.
 */
long cairn_romfs_find(const void *image, uint64_t image_len, const char *path,
		      const void **data, uint64_t *len);

/*
 * Sets *e to the image's entry i (in path order), for listing. Returns 0;
 * CAIRN_ENOENT if i >= nfiles; CAIRN_EINVAL if the image is malformed (as above).
 */
long cairn_romfs_entry_at(const void *image, uint64_t image_len, uint32_t i,
			  const struct cairn_romfs_entry **e);

#endif
