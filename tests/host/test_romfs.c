/*
 * test_romfs.c: romfs lookup (lib/libcairn/romfs.c): files found at their data and
 * size, missing files, bad path arguments, listing, and every malformed image refused
 * with CAIRN_EINVAL. Each image sits in a heap buffer of exactly image_len bytes, so
 * AddressSanitizer catches any read past it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <cairn/abi.h>
#include <cairn/romfs.h>

struct file {
	const char *path;
	const char *data;
};

#define LONG_STEM "/a/" \
	"123456789012345678901234567890123456789012345678901234567890" \
	"12345678901234567890123456789012345678901234567"	/* 110 bytes */
#define LONG_PATH LONG_STEM "S"		/* the longest a path may be */

/* Sorted by path, as in an image; one empty file, one path of the maximum length. */
static const struct file files[] = {
	{ "/a/", "" },
	{ LONG_PATH, "long" },
	{ "/bin/consumer", "consumer's ELF" },
	{ "/bin/producer", "producer, seventeen+ bytes" },
	{ "/etc/empty", "" },
	{ "/etc/motd", "hello" },
};
#define NFILES (sizeof(files) / sizeof(files[0]))

static uint64_t align16(uint64_t n)
{
	return (n + 15) & ~(uint64_t)15;
}

/* A copy of the first len bytes of img in a buffer of exactly len bytes. */
static uint8_t *clip(const uint8_t *img, uint64_t len)
{
	uint8_t *p = malloc(len ? len : 1);

	assert_non_null(p);
	memcpy(p, img, len);
	return p;
}

/* A well-formed image of the n (sorted) files, laid out as tools/romfs.py does. */
static uint8_t *build(const struct file *f, uint32_t n, uint64_t *len)
{
	uint64_t off = align16(sizeof(struct cairn_romfs_header) +
			       n * sizeof(struct cairn_romfs_entry));
	uint8_t buf[4096] = { 0 };
	struct cairn_romfs_header *h = (void *)buf;
	struct cairn_romfs_entry *e = (void *)(h + 1);

	memcpy(h->magic, CAIRN_ROMFS_MAGIC, 8);
	h->nfiles = n;
	for (uint32_t i = 0; i < n; i++) {
		assert_true(strlen(f[i].path) < CAIRN_ROMFS_PATH_MAX);
		memcpy(e[i].path, f[i].path, strlen(f[i].path) + 1);
		e[i].offset = off;
		e[i].size = strlen(f[i].data);
		assert_true(off + e[i].size <= sizeof(buf));
		memcpy(buf + off, f[i].data, e[i].size);
		off = align16(off + e[i].size);
	}
	h->size = *len = off;
	return clip(buf, off);
}

static struct cairn_romfs_header *hdr(uint8_t *img)
{
	return (struct cairn_romfs_header *)img;
}

static struct cairn_romfs_entry *ent(uint8_t *img, uint32_t i)
{
	return (struct cairn_romfs_entry *)(img + sizeof(struct cairn_romfs_header)) + i;
}

/* Both calls refuse the image with CAIRN_EINVAL and leave their outputs alone. */
static void assert_malformed(const uint8_t *img, uint64_t len)
{
	const void *data = &data;
	uint64_t size = 77;
	const struct cairn_romfs_entry *e = (const void *)&e;

	assert_int_equal(cairn_romfs_find(img, len, "/etc/motd", &data, &size), CAIRN_EINVAL);
	assert_int_equal(cairn_romfs_find(img, len, "/nope", &data, &size), CAIRN_EINVAL);
	assert_int_equal(cairn_romfs_entry_at(img, len, 0, &e), CAIRN_EINVAL);
	assert_ptr_equal(data, &data);
	assert_int_equal(size, 77);
	assert_ptr_equal(e, &e);
}

static void romfs_finds_every_file(void **state)
{
	uint64_t len, size;
	uint8_t *img = build(files, NFILES, &len);
	const void *data;

	(void)state;
	for (unsigned i = 0; i < NFILES; i++) {	/* first, middle, last, empty ones */
		assert_int_equal(cairn_romfs_find(img, len, files[i].path, &data, &size), 0);
		assert_int_equal(size, strlen(files[i].data));
		assert_memory_equal(data, files[i].data, size);
		assert_int_equal(((const uint8_t *)data - img) % CAIRN_ROMFS_ALIGN, 0);
		assert_true((const uint8_t *)data + size <= img + len);
	}
	free(img);
}

static void romfs_missing_is_enoent(void **state)
{
	static const char *const missing[] = {
		"/", "/0", "/a", "/bin", "/bin/", "/bin/consume", "/bin/consumerx",
		"/bin/q", "/etc/motd/", "/zzz", "bin/consumer", "\xff",
		LONG_STEM "T",		/* 111 bytes, not in the image */
	};
	uint64_t len, size = 77;
	uint8_t *img = build(files, NFILES, &len);
	const void *data = NULL;

	(void)state;
	for (unsigned i = 0; i < sizeof(missing) / sizeof(missing[0]); i++)
		assert_int_equal(cairn_romfs_find(img, len, missing[i], &data, &size),
				 CAIRN_ENOENT);
	assert_null(data);
	assert_int_equal(size, 77);
	free(img);
	img = build(files, 0, &len);		/* an empty file system */
	assert_int_equal(cairn_romfs_find(img, len, "/etc/motd", &data, &size), CAIRN_ENOENT);
	free(img);
}

static void romfs_bad_path_is_einval(void **state)
{
	uint64_t len, size = 77;
	uint8_t *img = build(files, NFILES, &len);
	const void *data = NULL;

	(void)state;
	assert_int_equal(cairn_romfs_find(img, len, NULL, &data, &size), CAIRN_EINVAL);
	assert_int_equal(cairn_romfs_find(img, len, "", &data, &size), CAIRN_EINVAL);
	assert_int_equal(cairn_romfs_find(img, len, LONG_PATH "S", &data, &size), CAIRN_EINVAL);
	assert_null(data);
	assert_int_equal(size, 77);
	free(img);
}

static void romfs_lists_entries_in_order(void **state)
{
	uint64_t len;
	uint8_t *img = build(files, NFILES, &len);
	const struct cairn_romfs_entry *e = NULL;

	(void)state;
	for (uint32_t i = 0; i < NFILES; i++) {
		assert_int_equal(cairn_romfs_entry_at(img, len, i, &e), 0);
		assert_string_equal(e->path, files[i].path);
		assert_int_equal(e->size, strlen(files[i].data));
	}
	e = NULL;
	assert_int_equal(cairn_romfs_entry_at(img, len, NFILES, &e), CAIRN_ENOENT);
	assert_int_equal(cairn_romfs_entry_at(img, len, UINT32_MAX, &e), CAIRN_ENOENT);
	assert_null(e);
	free(img);
	img = build(files, 0, &len);
	assert_int_equal(cairn_romfs_entry_at(img, len, 0, &e), CAIRN_ENOENT);
	free(img);
}

static void romfs_short_image_is_einval(void **state)
{
	uint64_t len;
	uint8_t *img = build(files, NFILES, &len), *p;

	(void)state;
	for (uint64_t n = 0; n < len; n++) {	/* every prefix, header size unchanged */
		p = clip(img, n);
		assert_malformed(p, n);
		free(p);
	}
	assert_malformed(NULL, len);
	free(img);
}

static void romfs_bad_magic_is_einval(void **state)
{
	uint64_t len;
	uint8_t *img = build(files, NFILES, &len);

	(void)state;
	for (int i = 0; i < 8; i++) {
		hdr(img)->magic[i] ^= 0x20;
		assert_malformed(img, len);
		hdr(img)->magic[i] ^= 0x20;
	}
	free(img);
}

static void romfs_size_past_image_is_einval(void **state)
{
	uint64_t len;
	uint8_t *img = build(files, NFILES, &len);

	(void)state;
	hdr(img)->size = len + 1;
	assert_malformed(img, len);
	hdr(img)->size = UINT64_MAX;
	assert_malformed(img, len);
	free(img);
}

static void romfs_table_past_end_is_einval(void **state)
{
	static const uint32_t counts[] = { NFILES + 1, 1000, UINT32_MAX };
	uint64_t len;
	uint8_t *img = build(files, NFILES, &len), *p;

	(void)state;
	for (unsigned i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		hdr(img)->nfiles = counts[i];
		assert_malformed(img, len);
	}
	free(img);
	img = build(files, 2, &len);		/* header size cut inside the table */
	for (uint64_t n = sizeof(struct cairn_romfs_header);
	     n < sizeof(struct cairn_romfs_header) + 2 * sizeof(struct cairn_romfs_entry); n++) {
		hdr(img)->size = n;
		p = clip(img, n);
		assert_malformed(p, n);
		free(p);
	}
	free(img);
}

static void romfs_data_past_end_is_einval(void **state)
{
	struct { uint64_t offset, size; } bad[4];
	uint64_t len;
	uint8_t *img = build(files, NFILES, &len);

	(void)state;
	bad[0].offset = len - 16, bad[0].size = 17;
	bad[1].offset = len + 1, bad[1].size = 0;
	bad[2].offset = UINT64_MAX, bad[2].size = 1;		/* offset + size wraps to 0 */
	bad[3].offset = 16, bad[3].size = UINT64_MAX - 15;	/* and here too */
	for (uint32_t i = 0; i < NFILES; i++) {
		struct cairn_romfs_entry saved = *ent(img, i);

		for (unsigned j = 0; j < 4; j++) {
			ent(img, i)->offset = bad[j].offset;
			ent(img, i)->size = bad[j].size;
			assert_malformed(img, len);
		}
		*ent(img, i) = saved;
	}
	free(img);
}

static void romfs_unterminated_path_is_einval(void **state)
{
	uint64_t len;
	uint8_t *img = build(files, NFILES, &len);

	(void)state;
	for (uint32_t i = 0; i < NFILES; i++) {
		struct cairn_romfs_entry saved = *ent(img, i);

		memset(ent(img, i)->path, '/', CAIRN_ROMFS_PATH_MAX);
		assert_malformed(img, len);
		*ent(img, i) = saved;
	}
	free(img);
}

/* An image ending with its one entry: well formed, then with its path unterminated. */
static void romfs_unterminated_last_path_is_einval(void **state)
{
	const uint64_t len = sizeof(struct cairn_romfs_header) +
			     sizeof(struct cairn_romfs_entry);
	const struct cairn_romfs_entry *e = NULL;
	uint64_t ignored;
	uint8_t *img = build(files, 1, &ignored), *p;

	(void)state;
	hdr(img)->size = len;
	ent(img, 0)->offset = len;
	ent(img, 0)->size = 0;
	p = clip(img, len);
	assert_int_equal(cairn_romfs_entry_at(p, len, 0, &e), 0);
	memset(ent(p, 0)->path, 'z', CAIRN_ROMFS_PATH_MAX);
	assert_malformed(p, len);
	free(p);
	free(img);
}

static void romfs_unsorted_is_einval(void **state)
{
	uint64_t len;
	uint8_t *img = build(files, NFILES, &len);
	struct cairn_romfs_entry t = *ent(img, 2);

	(void)state;
	*ent(img, 2) = *ent(img, 3);		/* swapped */
	*ent(img, 3) = t;
	assert_malformed(img, len);
	*ent(img, 3) = *ent(img, 2);		/* duplicated */
	assert_malformed(img, len);
	free(img);
}

static void romfs_misaligned_is_einval(void **state)
{
	uint64_t len;
	uint8_t *img = build(files, NFILES, &len), *p = malloc(len + 1);

	(void)state;
	assert_non_null(p);
	memcpy(p + 1, img, len);
	assert_malformed(p + 1, len);
	free(p);
	free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(romfs_finds_every_file),
		cmocka_unit_test(romfs_missing_is_enoent),
		cmocka_unit_test(romfs_bad_path_is_einval),
		cmocka_unit_test(romfs_lists_entries_in_order),
		cmocka_unit_test(romfs_short_image_is_einval),
		cmocka_unit_test(romfs_bad_magic_is_einval),
		cmocka_unit_test(romfs_size_past_image_is_einval),
		cmocka_unit_test(romfs_table_past_end_is_einval),
		cmocka_unit_test(romfs_data_past_end_is_einval),
		cmocka_unit_test(romfs_unterminated_path_is_einval),
		cmocka_unit_test(romfs_unterminated_last_path_is_einval),
		cmocka_unit_test(romfs_unsorted_is_einval),
		cmocka_unit_test(romfs_misaligned_is_einval),
	};

	return cmocka_run_group_tests_name("romfs", tests, NULL, NULL);
}
