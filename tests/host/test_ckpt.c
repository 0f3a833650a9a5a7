/*
 * test_ckpt.c: the checkpoint store (lib/libckpt, cairn/ckpt.h) on a RAM disk that
 * models a drive: a durable image behind a volatile write cache (a write is pending
 * until a flush applies it), a crash that lands any subset of the pending writes and
 * may tear one (only some of its 512-byte sectors), and read, write or flush failing
 * after k calls. Checked: the CRC; format and open; round trips of every kind of record
 * (pages, threads, objects, records of many blocks, directories of many blocks); a crash
 * after every device write and flush of a checkpoint, under every cache policy and
 * with tearing, which must leave exactly the previous checkpoint or exactly the new one;
 * a byte flipped in each block of the newest checkpoint (open falls back to the
 * previous, whole); another description; every error path; and a hostile disk (random
 * headers, commit records and directories, also with their checksums fixed up so the
 * bounds behind them are reached), which must never make open crash or read outside
 * the device (the model asserts every block number).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <cairn/abi.h>
#include <cairn/ckpt.h>

#define SECTOR  512u
#define SECTORS (CKPT_BLOCK / SECTOR)

/* --- the disk model ---------------------------------------------------------------- */

/* A write the drive has taken but not made durable. */
struct pending {
	uint64_t block;
	uint8_t data[CKPT_BLOCK];
};

enum disk_call { DISK_READ, DISK_WRITE, DISK_FLUSH, DISK_CALLS };

/*
 * A RAM disk of n blocks: img is what survives power loss; pend the volatile cache in
 * write order (reads see it: a drive answers from its cache). fail_after[k]: the call of
 * kind k after that many successful ones fails with CAIRN_EIO (-1 never). ops counts
 * the writes and flushes done; when it reaches crash_after the power is gone: every
 * later call fails and changes nothing, until disk_crash decides what landed.
 */
struct disk {
	struct ckpt_dev dev;
	uint64_t n;
	uint8_t *img;
	struct pending *pend;
	size_t npend, pend_cap;
	long calls[DISK_CALLS];
	long fail_after[DISK_CALLS];
	long ops, crash_after;
	int dead;
	uint64_t reads_total;
};

static uint8_t *disk_block(struct disk *d, uint64_t b)
{
	return d->img + b * CKPT_BLOCK;
}

/* The call of kind k may go on: the power is on and no failure is due. */
static int disk_may(struct disk *d, enum disk_call k)
{
	if (d->dead || d->calls[k] == d->fail_after[k])
		return 0;
	d->calls[k]++;
	return 1;
}

/* A write or flush done: the power goes if this was the crash point. */
static void disk_op_done(struct disk *d)
{
	if (++d->ops == d->crash_after)
		d->dead = 1;
}

/* The latest pending write of block b, or 0. */
static const struct pending *disk_cached(const struct disk *d, uint64_t b)
{
	for (size_t i = d->npend; i-- > 0;)
		if (d->pend[i].block == b)
			return &d->pend[i];
	return 0;
}

static long disk_read(void *ctx, uint64_t block, void *buf)
{
	struct disk *d = ctx;

	assert_true(block < d->n);	/* never outside the device */
	if (!disk_may(d, DISK_READ))
		return CAIRN_EIO;
	const struct pending *p = disk_cached(d, block);
	memcpy(buf, p ? p->data : disk_block(d, block), CKPT_BLOCK);
	d->reads_total++;
	return 0;
}

static long disk_write(void *ctx, uint64_t block, const void *buf)
{
	struct disk *d = ctx;

	assert_true(block < d->n);
	if (!disk_may(d, DISK_WRITE))
		return CAIRN_EIO;
	if (d->npend == d->pend_cap) {
		d->pend_cap = d->pend_cap ? 2 * d->pend_cap : 64;
		d->pend = realloc(d->pend, d->pend_cap * sizeof(*d->pend));
		assert_non_null(d->pend);
	}
	d->pend[d->npend].block = block;
	memcpy(d->pend[d->npend++].data, buf, CKPT_BLOCK);
	disk_op_done(d);
	return 0;
}

static long disk_flush(void *ctx)
{
	struct disk *d = ctx;

	if (!disk_may(d, DISK_FLUSH))
		return CAIRN_EIO;
	for (size_t i = 0; i < d->npend; i++)
		memcpy(disk_block(d, d->pend[i].block), d->pend[i].data, CKPT_BLOCK);
	d->npend = 0;
	disk_op_done(d);
	return 0;
}

/* Counters and failures back to none (the image and the cache stay). */
static void disk_rearm(struct disk *d)
{
	for (int k = 0; k < DISK_CALLS; k++) {
		d->calls[k] = 0;
		d->fail_after[k] = -1;
	}
	d->ops = 0;
	d->crash_after = -1;
	d->dead = 0;
}

/* An all-zero disk of n blocks. */
static void disk_new(struct disk *d, uint64_t n)
{
	memset(d, 0, sizeof(*d));
	d->n = n;
	d->img = calloc(n, CKPT_BLOCK);
	assert_non_null(d->img);
	d->dev = (struct ckpt_dev){ disk_read, disk_write, disk_flush, d, n };
	disk_rearm(d);
}

static void disk_free(struct disk *d)
{
	free(d->img);
	free(d->pend);
}

/* Fails the call of kind k after `after` more successful ones. */
static void disk_fail(struct disk *d, enum disk_call k, long after)
{
	disk_rearm(d);
	d->fail_after[k] = after;
}

/* The power goes after `after` more writes and flushes (0: now). */
static void disk_crash_after(struct disk *d, long after)
{
	disk_rearm(d);
	d->crash_after = after;
	d->dead = after == 0;
}

/* Which pending writes land at a crash. */
enum crash_policy { LAND_NONE, LAND_ALL, LAND_EVEN, LAND_ODD, LAND_RANDOM, LAND_POLICIES };

static uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static int lands(enum crash_policy p, size_t i, uint64_t *rng)
{
	switch (p) {
	case LAND_NONE: return 0;
	case LAND_ALL: return 1;
	case LAND_EVEN: return i % 2 == 0;
	case LAND_ODD: return i % 2 == 1;
	default: return rng_next(rng) & 1;
	}
}

/*
 * The power is lost: the pending writes land by policy p, in order; if tear is not 0,
 * the last pending write lands torn instead: only the sectors whose bits are set in
 * tear. Then the drive is back on, its cache empty.
 */
static void disk_crash(struct disk *d, enum crash_policy p, uint64_t seed, unsigned tear)
{
	uint64_t rng = seed | 1;

	for (size_t i = 0; i < d->npend; i++) {
		uint8_t *dst = disk_block(d, d->pend[i].block);
		if (tear && i + 1 == d->npend) {
			for (unsigned s = 0; s < SECTORS; s++)
				if (tear >> s & 1)
					memcpy(dst + s * SECTOR, d->pend[i].data + s * SECTOR, SECTOR);
		} else if (lands(p, i, &rng)) {
			memcpy(dst, d->pend[i].data, CKPT_BLOCK);
		}
	}
	d->npend = 0;
	disk_rearm(d);
}

/* The model itself: cache, flush, crash policies, tearing, failures, reads. */
static void disk_model_behaves(void **state)
{
	struct disk d;
	uint8_t a[CKPT_BLOCK], b[CKPT_BLOCK], r[CKPT_BLOCK];

	(void)state;
	disk_new(&d, 8);
	memset(a, 0xaa, sizeof(a));
	memset(b, 0xbb, sizeof(b));
	assert_int_equal(disk_write(&d, 3, a), 0);
	assert_int_equal(disk_read(&d, 3, r), 0);
	assert_memory_equal(r, a, CKPT_BLOCK);		/* reads see the cache */
	assert_int_equal(disk_block(&d, 3)[0], 0);	/* but it is not durable */
	disk_crash(&d, LAND_NONE, 0, 0);
	assert_int_equal(disk_read(&d, 3, r), 0);
	assert_int_equal(r[0], 0);			/* lost */
	assert_int_equal(disk_write(&d, 3, a), 0);
	assert_int_equal(disk_write(&d, 3, b), 0);
	assert_int_equal(disk_flush(&d), 0);
	assert_int_equal(disk_block(&d, 3)[0], 0xbb);	/* in order: the later wins */
	for (int i = 0; i < 4; i++)
		assert_int_equal(disk_write(&d, i, a), 0);
	disk_crash(&d, LAND_EVEN, 0, 0x0f);
	assert_int_equal(disk_block(&d, 0)[0], 0xaa);
	assert_int_equal(disk_block(&d, 1)[0], 0);
	assert_int_equal(disk_block(&d, 2)[0], 0xaa);
	assert_int_equal(disk_block(&d, 3)[0], 0xaa);	/* torn: its first half landed */
	assert_int_equal(disk_block(&d, 3)[CKPT_BLOCK - 1], 0xbb);
	disk_fail(&d, DISK_WRITE, 2);
	assert_int_equal(disk_write(&d, 5, a), 0);
	assert_int_equal(disk_write(&d, 5, a), 0);
	assert_int_equal(disk_write(&d, 5, a), CAIRN_EIO);
	assert_int_equal(d.npend, 2);
	disk_crash(&d, LAND_ALL, 0, 0);
	disk_crash_after(&d, 1);
	assert_int_equal(disk_write(&d, 6, a), 0);
	assert_int_equal(disk_flush(&d), CAIRN_EIO);	/* the power is gone */
	assert_int_equal(disk_read(&d, 6, r), CAIRN_EIO);
	disk_crash(&d, LAND_NONE, 0, 0);
	assert_int_equal(disk_block(&d, 6)[0], 0);
	disk_free(&d);
}

/* --- records ------------------------------------------------------------------------ */

/* A record the tests write: its bytes come from fill(gen, its index). */
struct rec {
	uint16_t kind, comp;
	uint32_t len;
	uint64_t key, aux;
};

#define RECS_MAX 400

static uint8_t rbuf[CKPT_RECORD_MAX + CKPT_BLOCK], wbuf[CKPT_RECORD_MAX + CKPT_BLOCK];

/* The bytes of record i of generation gen: differ from every other record's and gen's. */
static void fill(uint8_t *p, uint32_t len, uint64_t gen, unsigned i)
{
	uint64_t s = gen * 0x9e3779b97f4a7c15ull + i * 0x632be59bd9b4e019ull + 1;

	for (uint32_t k = 0; k < len; k++)
		p[k] = (uint8_t)(rng_next(&s) >> 24);
}

/*
 * Generation gen's checkpoint for the round trip: pages, threads (short, their length
 * by gen), objects, a meta record, records of 2..64 blocks, and a page only gen has.
 */
static unsigned recs_roundtrip(uint64_t gen, struct rec *r)
{
	unsigned n = 0;

	for (unsigned i = 0; i < 6; i++)
		r[n++] = (struct rec){ CKPT_PAGE, 1, CKPT_BLOCK, 0x400000 + i * 0x1000, 3 ^ gen };
	for (unsigned i = 0; i < 3; i++)
		r[n++] = (struct rec){ CKPT_THREAD, (uint16_t)(1 + i % 2), (uint32_t)(200 + gen + i), i, 0 };
	for (unsigned i = 0; i < 2; i++)
		r[n++] = (struct rec){ CKPT_OBJECT, 0, 24, 100 + i, gen << 8 | i };
	r[n++] = (struct rec){ CKPT_META, 0, 64, 0, gen };
	r[n++] = (struct rec){ CKPT_OBJECT, 2, CKPT_RECORD_MAX, 7, 0 };
	r[n++] = (struct rec){ CKPT_META, 1, 3 * CKPT_BLOCK + 17, 1, 0 };
	r[n++] = (struct rec){ CKPT_META, 2, CKPT_BLOCK + 1, 2, 0 };
	r[n++] = (struct rec){ CKPT_PAGE, 3, CKPT_BLOCK, 0x900000 + gen * 0x1000, 1 };
	return n;
}

/* For the crash loops: 130 threads (a directory of two blocks), a few pages, one of 5 blocks. */
static unsigned recs_crash(uint64_t gen, struct rec *r)
{
	unsigned n = 0;

	for (unsigned i = 0; i < 3; i++)
		r[n++] = (struct rec){ CKPT_PAGE, 1, CKPT_BLOCK, 0x1000 * i, gen };
	for (unsigned i = 0; i < 130; i++)
		r[n++] = (struct rec){ CKPT_THREAD, 1, (uint32_t)(8 + (i + gen) % 40), i, 0 };
	r[n++] = (struct rec){ CKPT_OBJECT, 2, 5 * CKPT_BLOCK - 100, 9, gen };
	r[n++] = (struct rec){ CKPT_PAGE, 3, CKPT_BLOCK, 0x900000 + gen * 0x1000, 0 };
	return n;
}

static uint32_t blocks_of(uint32_t len)
{
	return (len + CKPT_BLOCK - 1) / CKPT_BLOCK;
}

/* Data blocks of n records. */
static uint32_t data_blocks(const struct rec *r, unsigned n)
{
	uint32_t b = 0;

	for (unsigned i = 0; i < n; i++)
		b += blocks_of(r[i].len);
	return b;
}

static uint32_t dir_blocks(unsigned entries)
{
	return (uint32_t)((entries + CKPT_ENTRIES_PER_BLOCK - 1) / CKPT_ENTRIES_PER_BLOCK);
}

static long put_rec(struct ckpt *c, const struct rec *r, uint64_t gen, unsigned i)
{
	fill(wbuf, r->len, gen, i);
	return ckpt_put(c, r->kind, r->comp, r->key, r->aux, wbuf, r->len);
}

/* Writes generation gen (records r) and commits it with tag; returns the last result. */
static long write_gen(struct ckpt *c, const struct rec *r, unsigned n, uint64_t gen, uint64_t tag)
{
	long e = ckpt_begin(c);

	for (unsigned i = 0; i < n && e == 0; i++)
		e = put_rec(c, &r[i], gen, i);
	return e ? e : ckpt_commit(c, tag);
}

/* c's checkpoint in use holds exactly records r of gen, with their bytes, aux and len. */
static void check_gen(struct ckpt *c, const struct rec *r, unsigned n, uint64_t gen)
{
	assert_int_equal(c->gen, gen);
	assert_int_equal(c->entries, n);
	for (unsigned i = 0; i < n; i++) {
		const struct ckpt_entry *e = ckpt_find(c, r[i].kind, r[i].comp, r[i].key);
		assert_non_null(e);
		assert_int_equal(e->kind, r[i].kind);
		assert_int_equal(e->comp, r[i].comp);
		assert_int_equal(e->key, r[i].key);
		assert_int_equal(e->len, r[i].len);
		assert_int_equal(e->aux, r[i].aux);
		memset(rbuf, 0x5a, r[i].len + 1);
		assert_int_equal(ckpt_read(c, e, rbuf, r[i].len), r[i].len);
		fill(wbuf, r[i].len, gen, i);
		assert_memory_equal(rbuf, wbuf, r[i].len);
		assert_int_equal(rbuf[r[i].len], 0x5a);	/* nothing past len */
	}
}

/* None of the records only other generations have (the page at 0x900000 + g pages). */
static void check_no_other_gen(const struct ckpt *c, uint64_t gen)
{
	for (uint64_t g = 1; g < 8; g++)
		if (g != gen)
			assert_null(ckpt_find(c, CKPT_PAGE, 3, 0x900000 + g * 0x1000));
}

/* --- CRC ---------------------------------------------------------------------------- */

static void crc32_is_zlibs(void **state)
{
	static const char check[] = "123456789";

	(void)state;
	assert_int_equal(ckpt_crc32(0, check, 9), 0xCBF43926u);
	assert_int_equal(ckpt_crc32(ckpt_crc32(0, check, 4), check + 4, 5), 0xCBF43926u);
	assert_int_equal(ckpt_crc32(0, check, 0), 0);
	assert_int_equal(ckpt_crc32(0x12345678u, check, 0), 0x12345678u);
	assert_int_equal(ckpt_crc32(0, "a", 1), 0xE8B7BE43u);
	/* every split of a longer buffer chains to the whole */
	fill(wbuf, 1000, 1, 1);
	uint32_t whole = ckpt_crc32(0, wbuf, 1000);
	for (unsigned k = 0; k <= 1000; k += 37)
		assert_int_equal(ckpt_crc32(ckpt_crc32(0, wbuf, k), wbuf + k, 1000 - k), whole);
}

/* --- format and open ----------------------------------------------------------------- */

#define N_BLOCKS 201			/* areas of 100 blocks */
#define HASH     0x5eed5eed5eedull

static struct ckpt_entry dir[RECS_MAX], dir2[RECS_MAX];
static struct rec recs[RECS_MAX];

static void format_then_open(void **state)
{
	struct disk d;
	struct ckpt c;

	(void)state;
	disk_new(&d, N_BLOCKS);
	assert_int_equal(ckpt_open(&c, &d.dev, dir, RECS_MAX, HASH), 0);
	assert_int_equal(c.found, CKPT_UNFORMATTED);
	assert_int_equal(c.gen, 0);
	assert_int_equal(ckpt_format(&c, &d.dev, dir, RECS_MAX, HASH), 0);
	assert_int_equal(c.found, CKPT_NONE);
	assert_int_equal(c.area_blocks, (N_BLOCKS - 1) / 2);
	assert_int_equal(d.npend, 0);			/* flushed */
	memset(&c, 0x77, sizeof(c));
	assert_int_equal(ckpt_open(&c, &d.dev, dir, RECS_MAX, HASH), 0);
	assert_int_equal(c.found, CKPT_NONE);
	assert_int_equal(c.gen, 0);
	assert_int_equal(c.area, -1);
	assert_int_equal(c.entries, 0);
	assert_int_equal(c.area_blocks, (N_BLOCKS - 1) / 2);
	assert_null(ckpt_find(&c, CKPT_PAGE, 0, 0));
	disk_free(&d);
}

/* dir_cap 0, and devices too small for two areas of a data and a directory block each. */
static void format_refuses_bad_geometry(void **state)
{
	struct disk d;
	struct ckpt c;

	(void)state;
	disk_new(&d, N_BLOCKS);
	assert_int_equal(ckpt_format(&c, &d.dev, dir, 0, HASH), CAIRN_EINVAL);
	for (uint64_t n = 0; n < 7; n++) {	/* 1 + 2 * (commit, data, directory) */
		struct ckpt_dev small = d.dev;
		small.blocks = n;
		assert_int_equal(ckpt_format(&c, &small, dir, RECS_MAX, HASH), CAIRN_EINVAL);
	}
	assert_int_equal(d.calls[DISK_WRITE], 0);	/* nothing written */
	struct ckpt_dev seven = d.dev;
	seven.blocks = 7;
	assert_int_equal(ckpt_format(&c, &seven, dir, RECS_MAX, HASH), 0);
	assert_int_equal(c.area_blocks, 3);
	/* the smallest store holds a checkpoint of one record of one block */
	recs[0] = (struct rec){ CKPT_PAGE, 0, CKPT_BLOCK, 0, 0 };
	assert_int_equal(write_gen(&c, recs, 1, 1, 0), 0);
	assert_int_equal(ckpt_open(&c, &seven, dir, RECS_MAX, HASH), 0);
	assert_int_equal(c.found, CKPT_NEWEST);
	check_gen(&c, recs, 1, 1);
	disk_free(&d);
}

/* --- round trip ---------------------------------------------------------------------- */

/* Generations 1, 2, 3, each reopened: the newest whole, nothing of an older one. */
static void round_trip(void **state)
{
	struct disk d;
	struct ckpt c;

	(void)state;
	disk_new(&d, N_BLOCKS);
	assert_int_equal(ckpt_format(&c, &d.dev, dir, RECS_MAX, HASH), 0);
	for (uint64_t g = 1; g <= 3; g++) {
		unsigned n = recs_roundtrip(g, recs);
		assert_int_equal(write_gen(&c, recs, n, g, 0x7a60 + g), 0);
		assert_int_equal(c.found, CKPT_NEWEST);
		assert_int_equal(c.gen, g);
		assert_int_equal(d.npend, 0);		/* durable when commit returns */
		check_gen(&c, recs, n, g);		/* readable without a reopen */
		memset(&c, 0, sizeof(c));
		memset(dir, 0xee, sizeof(dir));
		assert_int_equal(ckpt_open(&c, &d.dev, dir, RECS_MAX, HASH), 0);
		assert_int_equal(c.found, CKPT_NEWEST);
		assert_int_equal(c.tag, 0x7a60 + g);
		assert_int_equal(c.last_gen, g);
		assert_int_equal(c.area, (int)((g - 1) % 2));	/* the areas alternate */
		check_gen(&c, recs, n, g);
		check_no_other_gen(&c, g);
		assert_null(ckpt_find(&c, CKPT_PAGE, 1, 0x123000));	/* absent key */
		assert_null(ckpt_find(&c, CKPT_THREAD, 1, 0x400000));	/* a page's key, another kind */
		assert_null(ckpt_find(&c, CKPT_PAGE, 2, 0x400000));	/* another component */
	}
	disk_free(&d);
}

/* 300 records: a directory of three blocks; and a checkpoint of none at all. */
static void directory_of_many_blocks(void **state)
{
	struct disk d;
	struct ckpt c;
	unsigned n = 300;

	(void)state;
	disk_new(&d, 1 + 2 * 320);
	assert_int_equal(ckpt_format(&c, &d.dev, dir, RECS_MAX, HASH), 0);
	for (unsigned i = 0; i < n; i++)
		recs[i] = (struct rec){ CKPT_THREAD, (uint16_t)(i % 7), 1 + i % 97, i, i * 3 };
	assert_int_equal(write_gen(&c, recs, n, 1, 1), 0);
	assert_int_equal(ckpt_open(&c, &d.dev, dir, RECS_MAX, HASH), 0);
	assert_int_equal(c.found, CKPT_NEWEST);
	check_gen(&c, recs, n, 1);
	assert_int_equal(write_gen(&c, recs, 0, 2, 2), 0);
	assert_int_equal(ckpt_open(&c, &d.dev, dir, RECS_MAX, HASH), 0);
	assert_int_equal(c.found, CKPT_NEWEST);
	assert_int_equal(c.gen, 2);
	assert_int_equal(c.entries, 0);
	assert_null(ckpt_find(&c, CKPT_THREAD, 0, 0));
	disk_free(&d);
}

/* --- crash injection ------------------------------------------------------------------ */

#define N_CRASH (1 + 2 * 142)		/* room for recs_crash: 1 + 139 data + 2 directory */

static const unsigned tears[] = { 0, 0x0f, 0xf0 };	/* none; the first half landed; the second */
#define NTEARS (sizeof(tears) / sizeof(tears[0]))

/*
 * What a crash after k of the ops writes and flushes of a checkpoint must leave: 0 the
 * previous, 1 the new one, 2 either. The commit record is op ops - 1, the last flush op ops.
 */
static int crash_expect(long k, long ops, enum crash_policy p, unsigned tear)
{
	if (k < ops - 1)
		return 0;
	if (k == ops)
		return 1;
	if (!tear && p == LAND_NONE)
		return 0;
	if (!tear && p == LAND_ALL)
		return 1;
	return 2;
}

/* A store with recs_crash checkpoints 1..g; its image copied to *saved. */
static void crash_store(struct disk *d, struct ckpt *c, uint64_t g, uint8_t **saved)
{
	static struct rec r[RECS_MAX];

	disk_new(d, N_CRASH);
	assert_int_equal(ckpt_format(c, &d->dev, dir, RECS_MAX, HASH), 0);
	for (uint64_t h = 1; h <= g; h++)
		assert_int_equal(write_gen(c, r, recs_crash(h, r), h, h), 0);
	*saved = malloc(N_CRASH * CKPT_BLOCK);
	assert_non_null(*saved);
	memcpy(*saved, d->img, N_CRASH * CKPT_BLOCK);
}

/* The image back to *saved, the cache empty, c open on it with gen g in use. */
static void crash_restore(struct disk *d, struct ckpt *c, const uint8_t *saved, uint64_t g)
{
	memcpy(d->img, saved, N_CRASH * CKPT_BLOCK);
	d->npend = 0;
	disk_rearm(d);
	assert_int_equal(ckpt_open(c, &d->dev, dir, RECS_MAX, HASH), 0);
	assert_int_equal(c->found, CKPT_NEWEST);
	assert_int_equal(c->gen, g);
}

/* After a crash that left generation gen in use: the next checkpoint is written and found. */
static void write_after_crash(struct disk *d, struct ckpt *c)
{
	static struct rec r[RECS_MAX];
	uint64_t next = c->gen + 1;
	unsigned n = recs_crash(next, r);

	assert_int_equal(write_gen(c, r, n, next, next), 0);
	assert_int_equal(ckpt_open(c, &d->dev, dir, RECS_MAX, HASH), 0);
	assert_int_equal(c->found, CKPT_NEWEST);
	check_gen(c, r, n, next);
}

/*
 * Checkpoint g in use, g + 1 written with the power lost after each of its writes and
 * flushes in turn (and before the first), under every cache policy, whole or with the
 * last write torn: open finds exactly g or exactly g + 1, never a mix, never none.
 */
static void crash_at_every_point(uint64_t g)
{
	static struct rec old[RECS_MAX], new[RECS_MAX];
	struct disk d;
	struct ckpt c;
	uint8_t *saved;
	unsigned n_old = recs_crash(g, old), n_new = recs_crash(g + 1, new);
	long ops = 2 + data_blocks(new, n_new) + dir_blocks(n_new) + 3;	/* begin, puts, commit */
	long cases = 0, outcome[2] = { 0, 0 };

	crash_store(&d, &c, g, &saved);
	crash_restore(&d, &c, saved, g);
	assert_int_equal(c.area, (int)((g - 1) % 2));
	assert_int_equal(write_gen(&c, new, n_new, g + 1, g + 1), 0);
	assert_int_equal(d.ops, ops);		/* the write sequence the header describes */
	assert_int_equal(c.area, (int)(g % 2));	/* into the other area */
	for (int p = 0; p < LAND_POLICIES; p++)
		for (unsigned t = 0; t < NTEARS; t++)
			for (long k = 0; k <= ops; k++) {
				crash_restore(&d, &c, saved, g);
				disk_crash_after(&d, k);
				long r = write_gen(&c, new, n_new, g + 1, g + 1);
				assert_int_equal(r, k >= ops ? 0 : CAIRN_EIO);
				disk_crash(&d, p, (uint64_t)k * 131 + (uint64_t)p, tears[t]);
				assert_int_equal(ckpt_open(&c, &d.dev, dir, RECS_MAX, HASH), 0);
				assert_int_equal(c.found, CKPT_NEWEST);
				assert_true(c.gen == g || c.gen == g + 1);
				int got = c.gen == g + 1, want = crash_expect(k, ops, p, tears[t]);
				if (want != 2)
					assert_int_equal(got, want);
				check_gen(&c, got ? new : old, got ? n_new : n_old, c.gen);
				check_no_other_gen(&c, c.gen);
				assert_int_equal(c.tag, c.gen);
				if (p == LAND_RANDOM)
					write_after_crash(&d, &c);
				outcome[got]++;
				cases++;
			}
	assert_int_equal(cases, LAND_POLICIES * NTEARS * (ops + 1));
	assert_true(outcome[0] > 0 && outcome[1] > 0);
	print_message("# crashes writing generation %lu: %ld points (%ld writes and flushes, 5 policies, "
		      "3 tears): %ld left %lu, %ld left %lu\n", (unsigned long)(g + 1), cases, ops, outcome[0],
		      (unsigned long)g, outcome[1], (unsigned long)(g + 1));
	free(saved);
	disk_free(&d);
}

/* Area 1 written (area 0 holds generation 1). */
static void crash_writing_gen2(void **state)
{
	(void)state;
	crash_at_every_point(1);
}

/* Area 0 written over generation 1 (area 1 holds generation 2). */
static void crash_writing_gen3(void **state)
{
	(void)state;
	crash_at_every_point(2);
}

/* --- corruption ------------------------------------------------------------------------ */

/* ckpt.c's private layout (struct ckpt_header in block 0, struct ckpt_commit in an area's block 0). */
struct disk_header {
	char magic[8];
	uint32_t version, block;
	uint64_t area_blocks;
	uint32_t crc;			/* of the bytes before it */
};

struct disk_commit {
	char magic[8];
	uint32_t version, entries;
	uint64_t gen, desc_hash, tag;
	uint32_t dir_start, dir_blocks, dir_crc;
	uint32_t crc;			/* of the bytes before it */
};

_Static_assert(sizeof(struct disk_commit) == 56, "ckpt.c's commit record");

static struct disk_header *header_of(struct disk *d)
{
	return (struct disk_header *)disk_block(d, 0);
}

static struct disk_commit *commit_of(struct disk *d, uint64_t area_blocks, int a)
{
	return (struct disk_commit *)disk_block(d, 1 + (uint64_t)a * area_blocks);
}

/* The entry of n whose blocks hold area block b, or 0. */
static const struct ckpt_entry *owner(const struct ckpt_entry *e, unsigned n, uint64_t b)
{
	for (unsigned i = 0; i < n; i++)
		if (b >= e[i].block && b < e[i].block + blocks_of(e[i].len))
			return &e[i];
	return 0;
}

/* Opens d: found f, and the round-trip checkpoint gen (bad_gen bad) in use. */
static void expect_rt(struct disk *d, enum ckpt_found f, uint64_t gen, uint64_t bad)
{
	static struct rec r[RECS_MAX];
	struct ckpt c;

	assert_int_equal(ckpt_open(&c, &d->dev, dir, RECS_MAX, HASH), 0);
	assert_int_equal(c.found, f);
	assert_int_equal(c.bad_gen, bad);
	check_gen(&c, r, recs_roundtrip(gen, r), gen);
	check_no_other_gen(&c, gen);
}

/* Generations 1 (area 0) and 2 (area 1) of the round trip; the image in *saved, gen 2's directory in dir2. */
static void two_gens(struct disk *d, uint8_t **saved, uint64_t *area_blocks)
{
	struct ckpt c;

	disk_new(d, N_BLOCKS);
	assert_int_equal(ckpt_format(&c, &d->dev, dir, RECS_MAX, HASH), 0);
	for (uint64_t g = 1; g <= 2; g++)
		assert_int_equal(write_gen(&c, recs, recs_roundtrip(g, recs), g, g), 0);
	assert_int_equal(c.area, 1);
	memcpy(dir2, dir, c.entries * sizeof(*dir));
	*area_blocks = c.area_blocks;
	*saved = malloc(N_BLOCKS * CKPT_BLOCK);
	assert_non_null(*saved);
	memcpy(*saved, d->img, N_BLOCKS * CKPT_BLOCK);
}

/*
 * A byte flipped in each block of the newest checkpoint's area in turn: in a data block
 * (within its record's len) or a directory block, open takes the previous (CKPT_PREVIOUS,
 * bad_gen 2); in a block the checkpoint does not use, the newest stands.
 */
static void corrupt_each_block_of_newest(void **state)
{
	struct disk d;
	uint8_t *saved;
	uint64_t ab;
	unsigned data = 0, dirs = 0, unused = 0, n = recs_roundtrip(2, recs);

	(void)state;
	two_gens(&d, &saved, &ab);
	struct disk_commit m = *commit_of(&d, ab, 1);
	for (uint64_t b = 1; b < ab; b++) {
		const struct ckpt_entry *e = owner(dir2, n, b);
		size_t off = (b * 97) % CKPT_BLOCK;
		int damaged = 1;
		if (e) {
			uint64_t used = e->len - (b - e->block) * CKPT_BLOCK;
			off = (b * 97) % (used < CKPT_BLOCK ? used : CKPT_BLOCK);
			data++;
		} else if (b >= m.dir_start && b < m.dir_start + m.dir_blocks) {
			dirs++;		/* anywhere in it: the commit record's CRC covers whole blocks */
		} else {
			damaged = 0;
			unused++;
		}
		memcpy(d.img, saved, N_BLOCKS * CKPT_BLOCK);
		disk_block(&d, 1 + ab + b)[off] ^= 0x20;
		if (damaged)
			expect_rt(&d, CKPT_PREVIOUS, 1, 2);
		else
			expect_rt(&d, CKPT_NEWEST, 2, 0);
	}
	assert_int_equal(data, data_blocks(recs, n));
	assert_int_equal(dirs, dir_blocks(n));
	assert_int_equal(unused, ab - 1 - data - dirs);
	free(saved);
	disk_free(&d);
}

/*
 * The commit record: each byte of it flipped gives the previous, CKPT_PREVIOUS with
 * bad_gen 0 (the damaged record's generation cannot be trusted; ckpt.h's ckpt_open says
 * so). Bytes of its block past the record, and of a record's last block past its len,
 * are no part of any checksum: the newest stands.
 */
static void corrupt_commit_record(void **state)
{
	struct disk d;
	uint8_t *saved;
	uint64_t ab;

	(void)state;
	two_gens(&d, &saved, &ab);
	for (size_t off = 0; off < sizeof(struct disk_commit); off++) {
		memcpy(d.img, saved, N_BLOCKS * CKPT_BLOCK);
		disk_block(&d, 1 + ab)[off] ^= 0x01;
		expect_rt(&d, CKPT_PREVIOUS, 1, 0);
	}
	memcpy(d.img, saved, N_BLOCKS * CKPT_BLOCK);
	disk_block(&d, 1 + ab)[sizeof(struct disk_commit)] ^= 0x01;
	expect_rt(&d, CKPT_NEWEST, 2, 0);
	memcpy(d.img, saved, N_BLOCKS * CKPT_BLOCK);
	const struct ckpt_entry *e = &dir2[recs_roundtrip(2, recs) - 2];	/* CKPT_BLOCK + 1 bytes */
	assert_int_equal(e->len, CKPT_BLOCK + 1);
	disk_block(&d, 1 + ab + e->block + 1)[1] ^= 0x01;
	expect_rt(&d, CKPT_NEWEST, 2, 0);
	free(saved);
	disk_free(&d);
}

/* The older damaged: the newest stands. Both damaged: none. The header damaged: unformatted. */
static void corrupt_both_and_header(void **state)
{
	struct disk d;
	struct ckpt c;
	uint8_t *saved;
	uint64_t ab;

	(void)state;
	two_gens(&d, &saved, &ab);
	disk_block(&d, 1 + 1)[5] ^= 0x80;		/* area 0's first data block */
	expect_rt(&d, CKPT_NEWEST, 2, 0);
	disk_block(&d, 1 + ab + 1)[5] ^= 0x80;		/* and area 1's */
	assert_int_equal(ckpt_open(&c, &d.dev, dir, RECS_MAX, HASH), 0);
	assert_int_equal(c.found, CKPT_NONE);
	assert_int_equal(c.gen, 0);
	assert_int_equal(c.area, -1);
	assert_int_equal(c.entries, 0);
	assert_int_equal(c.last_gen, 2);
	assert_null(ckpt_find(&c, CKPT_PAGE, 1, 0x400000));
	memcpy(d.img, saved, N_BLOCKS * CKPT_BLOCK);
	disk_block(&d, 1 + 1)[5] ^= 0x80;		/* area 0 damaged, area 1's commit record */
	disk_block(&d, 1 + ab)[20] ^= 0x80;
	assert_int_equal(ckpt_open(&c, &d.dev, dir, RECS_MAX, HASH), 0);
	assert_int_equal(c.found, CKPT_NONE);
	for (size_t off = 0; off < offsetof(struct disk_header, crc) + 4; off++) {
		memcpy(d.img, saved, N_BLOCKS * CKPT_BLOCK);
		((uint8_t *)header_of(&d))[off] ^= 0x04;
		assert_int_equal(ckpt_open(&c, &d.dev, dir, RECS_MAX, HASH), 0);
		assert_int_equal(c.found, CKPT_UNFORMATTED);
		assert_int_equal(c.area, -1);
		assert_null(ckpt_find(&c, CKPT_PAGE, 1, 0x400000));
	}
	free(saved);
	disk_free(&d);
}

/* --- another description ---------------------------------------------------------- */

#define HASH2 0xa1b2c3d4e5f60718ull

static void another_description(void **state)
{
	struct disk d;
	struct ckpt c;
	static struct rec r[RECS_MAX];

	(void)state;
	disk_new(&d, N_BLOCKS);
	assert_int_equal(ckpt_format(&c, &d.dev, dir, RECS_MAX, HASH), 0);
	for (uint64_t g = 1; g <= 2; g++)
		assert_int_equal(write_gen(&c, recs, recs_roundtrip(g, recs), g, g), 0);
	assert_int_equal(ckpt_open(&c, &d.dev, dir, RECS_MAX, HASH2), 0);
	assert_int_equal(c.found, CKPT_OTHER_SYSTEM);
	assert_int_equal(c.gen, 0);
	assert_int_equal(c.area, -1);
	assert_int_equal(c.entries, 0);
	assert_null(ckpt_find(&c, CKPT_PAGE, 1, 0x400000));
	unsigned n = recs_roundtrip(3, r);
	assert_int_equal(write_gen(&c, r, n, 3, 33), 0);	/* a fresh start for HASH2 */
	assert_int_equal(ckpt_open(&c, &d.dev, dir, RECS_MAX, HASH2), 0);
	assert_int_equal(c.found, CKPT_NEWEST);
	assert_int_equal(c.tag, 33);
	check_gen(&c, r, n, 3);
	expect_rt(&d, CKPT_NEWEST, 2, 0);			/* HASH's newest is still there */
	assert_int_equal(ckpt_open(&c, &d.dev, dir, RECS_MAX, HASH2), 0);
	n = recs_roundtrip(4, r);
	assert_int_equal(write_gen(&c, r, n, 4, 44), 0);	/* over HASH's */
	assert_int_equal(ckpt_open(&c, &d.dev, dir, RECS_MAX, HASH), 0);
	assert_int_equal(c.found, CKPT_OTHER_SYSTEM);
	assert_int_equal(ckpt_open(&c, &d.dev, dir, RECS_MAX, HASH2), 0);
	assert_int_equal(c.found, CKPT_NEWEST);
	check_gen(&c, r, n, 4);
	disk_free(&d);
}

/* --- error paths --------------------------------------------------------------------- */

#define N_SMALL (1 + 2 * 20)

/* A small checkpoint: a page, a thread, an object of three blocks, a page only gen has. */
static unsigned recs_small(uint64_t gen, struct rec *r)
{
	unsigned n = 0;

	r[n++] = (struct rec){ CKPT_PAGE, 1, CKPT_BLOCK, 0x1000, gen };
	r[n++] = (struct rec){ CKPT_THREAD, 1, (uint32_t)(100 + gen), 0, 0 };
	r[n++] = (struct rec){ CKPT_OBJECT, 2, 2 * CKPT_BLOCK + 5, 3, 0 };
	r[n++] = (struct rec){ CKPT_PAGE, 3, CKPT_BLOCK, 0x900000 + gen * 0x1000, 0 };
	return n;
}

/* A store of small checkpoints 1..gens, c open on it (dir_cap cap), the counters zero. */
static void small_store(struct disk *d, struct ckpt *c, uint64_t gens, uint32_t cap)
{
	disk_new(d, N_SMALL);
	assert_int_equal(ckpt_format(c, &d->dev, dir, cap, HASH), 0);
	for (uint64_t g = 1; g <= gens; g++)
		assert_int_equal(write_gen(c, recs, recs_small(g, recs), g, g), 0);
	disk_rearm(d);
}

/* The store on d has small checkpoint gen in use (one of gen and alt, if alt). */
static void expect_small(struct disk *d, uint64_t gen, uint64_t alt)
{
	static struct rec r[RECS_MAX];
	struct ckpt c;
	long calls[DISK_CALLS];

	memcpy(calls, d->calls, sizeof(calls));
	d->calls[DISK_READ] = 0;
	d->fail_after[DISK_READ] = -1;
	assert_int_equal(ckpt_open(&c, &d->dev, dir2, RECS_MAX, HASH), 0);
	assert_int_equal(c.found, CKPT_NEWEST);
	if (alt && c.gen == alt)
		gen = alt;
	check_gen(&c, r, recs_small(gen, r), gen);
	check_no_other_gen(&c, gen);
	memcpy(d->calls, calls, sizeof(calls));
}

/* put and commit without begin, begin on a store never opened or unformatted: EINVAL, nothing written. */
static void calls_out_of_order(void **state)
{
	struct disk d;
	struct ckpt c, z;

	(void)state;
	small_store(&d, &c, 1, RECS_MAX);
	assert_int_equal(ckpt_put(&c, CKPT_PAGE, 1, 0x1000, 0, wbuf, CKPT_BLOCK), CAIRN_EINVAL);
	assert_int_equal(ckpt_commit(&c, 9), CAIRN_EINVAL);
	assert_int_equal(d.calls[DISK_WRITE] + d.calls[DISK_FLUSH], 0);
	assert_int_equal(c.gen, 1);
	assert_non_null(ckpt_find(&c, CKPT_PAGE, 1, 0x1000));	/* c still reads it */
	expect_small(&d, 1, 0);
	memset(&z, 0, sizeof(z));
	assert_int_equal(ckpt_begin(&z), CAIRN_EINVAL);
	disk_free(&d);
	disk_new(&d, N_SMALL);
	assert_int_equal(ckpt_open(&c, &d.dev, dir, RECS_MAX, HASH), 0);
	assert_int_equal(c.found, CKPT_UNFORMATTED);
	assert_int_equal(ckpt_begin(&c), CAIRN_EINVAL);
	assert_int_equal(d.calls[DISK_WRITE] + d.calls[DISK_FLUSH], 0);
	assert_int_equal(ckpt_open(&c, &d.dev, 0, RECS_MAX, HASH), CAIRN_EINVAL);
	assert_int_equal(ckpt_open(&c, &d.dev, dir, 0, HASH), CAIRN_EINVAL);
	disk_free(&d);
}

/* begin twice: EBUSY, nothing written; the first goes on; while it does c reads nothing. */
static void begin_twice(void **state)
{
	struct disk d;
	struct ckpt c;

	(void)state;
	small_store(&d, &c, 1, RECS_MAX);
	assert_int_equal(ckpt_begin(&c), 0);
	assert_null(ckpt_find(&c, CKPT_PAGE, 1, 0x1000));	/* c no longer reads generation 1 */
	long w = d.calls[DISK_WRITE], f = d.calls[DISK_FLUSH];
	assert_int_equal(ckpt_begin(&c), CAIRN_EBUSY);
	assert_int_equal(d.calls[DISK_WRITE], w);
	assert_int_equal(d.calls[DISK_FLUSH], f);
	unsigned n = recs_small(2, recs);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(put_rec(&c, &recs[i], 2, i), 0);
	assert_int_equal(ckpt_commit(&c, 2), 0);
	assert_int_equal(c.gen, 2);
	expect_small(&d, 2, 0);
	disk_free(&d);
}

/* Kinds 0 and 5, lengths 0 and CKPT_RECORD_MAX + 1: EINVAL, nothing written, the checkpoint still open. */
static void bad_records(void **state)
{
	struct disk d;
	struct ckpt c;

	(void)state;
	small_store(&d, &c, 1, RECS_MAX);
	assert_int_equal(ckpt_begin(&c), 0);
	long w = d.calls[DISK_WRITE];
	assert_int_equal(ckpt_put(&c, 0, 1, 1, 0, wbuf, 8), CAIRN_EINVAL);
	assert_int_equal(ckpt_put(&c, 5, 1, 1, 0, wbuf, 8), CAIRN_EINVAL);
	assert_int_equal(ckpt_put(&c, CKPT_THREAD, 1, 1, 0, wbuf, 0), CAIRN_EINVAL);
	assert_int_equal(ckpt_put(&c, CKPT_THREAD, 1, 1, 0, wbuf, CKPT_RECORD_MAX + 1), CAIRN_EINVAL);
	assert_int_equal(d.calls[DISK_WRITE], w);
	assert_int_equal(c.entries, 0);
	unsigned n = recs_small(2, recs);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(put_rec(&c, &recs[i], 2, i), 0);
	assert_int_equal(ckpt_commit(&c, 2), 0);
	expect_small(&d, 2, 0);
	disk_free(&d);
}

/*
 * dir_cap records fit, one more is EOVERFLOW (nothing written, the checkpoint still
 * open and committed whole). Opened with a smaller dir_cap it counts as damaged.
 */
static void directory_full(void **state)
{
	struct disk d;
	struct ckpt c;
	unsigned n = recs_small(2, recs);

	(void)state;
	disk_new(&d, N_SMALL);
	assert_int_equal(ckpt_format(&c, &d.dev, dir, 4, HASH), 0);
	assert_int_equal(write_gen(&c, recs, 2, 1, 1), 0);	/* generation 1: two records */
	assert_int_equal(ckpt_begin(&c), 0);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(put_rec(&c, &recs[i], 2, i), 0);
	long w = d.calls[DISK_WRITE];
	assert_int_equal(ckpt_put(&c, CKPT_META, 0, 0, 0, wbuf, 1), CAIRN_EOVERFLOW);
	assert_int_equal(d.calls[DISK_WRITE], w);
	assert_int_equal(c.entries, n);
	assert_int_equal(ckpt_commit(&c, 2), 0);
	assert_int_equal(ckpt_open(&c, &d.dev, dir, 4, HASH), 0);
	assert_int_equal(c.found, CKPT_NEWEST);
	check_gen(&c, recs, n, 2);
	assert_int_equal(ckpt_open(&c, &d.dev, dir, 3, HASH), 0);
	assert_int_equal(c.found, CKPT_PREVIOUS);
	assert_int_equal(c.bad_gen, 2);
	check_gen(&c, recs, 2, 1);	/* recs[0..1] of generation 1's are those written */
	assert_int_equal(ckpt_open(&c, &d.dev, dir, 1, HASH), 0);
	assert_int_equal(c.found, CKPT_NONE);
	disk_free(&d);
}

/*
 * count one-block records in an area of `area` blocks: ENOBUFS exactly when its data
 * and the directory it would then need pass the area (nothing written); what fit commits.
 */
static void fill_area(uint64_t area, unsigned fit)
{
	struct disk d;
	struct ckpt c;
	unsigned i;

	disk_new(&d, 1 + 2 * area);
	assert_int_equal(ckpt_format(&c, &d.dev, dir, RECS_MAX, HASH), 0);
	assert_int_equal(ckpt_begin(&c), 0);
	for (i = 0; i < fit; i++) {
		recs[i] = (struct rec){ CKPT_THREAD, 0, 1 + i % 50, i, i };
		assert_int_equal(put_rec(&c, &recs[i], 1, i), 0);
	}
	long w = d.calls[DISK_WRITE];
	assert_int_equal(ckpt_put(&c, CKPT_THREAD, 0, 999, 0, wbuf, 1), CAIRN_ENOBUFS);
	assert_int_equal(d.calls[DISK_WRITE], w);
	assert_int_equal(ckpt_commit(&c, 1), 0);
	assert_int_equal(ckpt_open(&c, &d.dev, dir, RECS_MAX, HASH), 0);
	assert_int_equal(c.found, CKPT_NEWEST);
	check_gen(&c, recs, fit, 1);
	disk_free(&d);
}

static void area_full(void **state)
{
	struct disk d;
	struct ckpt c;

	(void)state;
	fill_area(130, 128);	/* 1 + 128 + 1: exactly */
	fill_area(131, 128);	/* a 129th would need a second directory block */
	fill_area(132, 129);
	fill_area(3, 1);	/* the smallest area */
	disk_new(&d, 1 + 2 * 10);	/* a record of 9 blocks does not fit in 10, one of 8 does */
	assert_int_equal(ckpt_format(&c, &d.dev, dir, RECS_MAX, HASH), 0);
	assert_int_equal(ckpt_begin(&c), 0);
	assert_int_equal(ckpt_put(&c, CKPT_OBJECT, 0, 0, 0, wbuf, 8 * CKPT_BLOCK + 1), CAIRN_ENOBUFS);
	recs[0] = (struct rec){ CKPT_OBJECT, 0, 8 * CKPT_BLOCK, 0, 0 };
	assert_int_equal(put_rec(&c, &recs[0], 1, 0), 0);
	assert_int_equal(ckpt_commit(&c, 1), 0);
	assert_int_equal(ckpt_open(&c, &d.dev, dir, RECS_MAX, HASH), 0);
	check_gen(&c, recs, 1, 1);
	disk_free(&d);
}

/* cap < len: ERANGE, nothing copied; a block damaged after open: EIO; the device's error. */
static void read_errors(void **state)
{
	struct disk d;
	struct ckpt c;

	(void)state;
	small_store(&d, &c, 1, RECS_MAX);
	assert_int_equal(ckpt_open(&c, &d.dev, dir, RECS_MAX, HASH), 0);
	const struct ckpt_entry *e = ckpt_find(&c, CKPT_OBJECT, 2, 3);
	assert_non_null(e);
	memset(rbuf, 0x5a, e->len);
	assert_int_equal(ckpt_read(&c, e, rbuf, e->len - 1), CAIRN_ERANGE);
	for (uint32_t i = 0; i < e->len; i++)
		assert_int_equal(rbuf[i], 0x5a);
	assert_int_equal(ckpt_read(&c, e, rbuf, e->len), e->len);
	disk_fail(&d, DISK_READ, 1);
	assert_int_equal(ckpt_read(&c, e, rbuf, e->len), CAIRN_EIO);
	disk_rearm(&d);
	disk_block(&d, 1 + c.area_blocks * (uint64_t)c.area + e->block + 1)[7] ^= 1;
	assert_int_equal(ckpt_read(&c, e, rbuf, e->len), CAIRN_EIO);
	assert_non_null(ckpt_find(&c, CKPT_PAGE, 1, 0x1000));
	e = ckpt_find(&c, CKPT_PAGE, 1, 0x1000);
	assert_int_equal(ckpt_read(&c, e, rbuf, CKPT_RECORD_MAX), CKPT_BLOCK);	/* the others still read */
	disk_free(&d);
}

/* abort: the store holds the previous (reopened), and c can begin again. */
static void abort_then_reopen(void **state)
{
	struct disk d;
	struct ckpt c;

	(void)state;
	small_store(&d, &c, 1, RECS_MAX);
	unsigned n = recs_small(2, recs);
	assert_int_equal(ckpt_begin(&c), 0);
	for (unsigned i = 0; i < 2; i++)
		assert_int_equal(put_rec(&c, &recs[i], 2, i), 0);
	ckpt_abort(&c);
	expect_small(&d, 1, 0);
	assert_int_equal(write_gen(&c, recs, n, 2, 2), 0);
	assert_int_equal(c.gen, 2);
	expect_small(&d, 2, 0);
	disk_free(&d);
}

/* The steps whose device errors are checked, each from the state its predecessors leave. */
enum step { S_FORMAT, S_OPEN, S_BEGIN, S_PUT, S_COMMIT, STEPS };

/* The state just before step s: a blank disk for format; else generation 1 in use (and 2 begun, its records before s put). */
static void before_step(struct disk *d, struct ckpt *c, enum step s)
{
	if (s == S_FORMAT) {
		disk_new(d, N_SMALL);
		return;
	}
	small_store(d, c, 1, RECS_MAX);
	unsigned n = recs_small(2, recs);
	if (s >= S_PUT)
		assert_int_equal(ckpt_begin(c), 0);
	for (unsigned i = 0; s >= S_PUT && i < (s == S_PUT ? 2 : n); i++)
		assert_int_equal(put_rec(c, &recs[i], 2, i), 0);
	disk_rearm(d);
}

static long do_step(struct disk *d, struct ckpt *c, enum step s)
{
	switch (s) {
	case S_FORMAT: return ckpt_format(c, &d->dev, dir, RECS_MAX, HASH);
	case S_OPEN: return ckpt_open(c, &d->dev, dir, RECS_MAX, HASH);
	case S_BEGIN: return ckpt_begin(c);
	case S_PUT: return put_rec(c, &recs[2], 2, 2);	/* the object of three blocks */
	default: return ckpt_commit(c, 2);
	}
}

/* After step s failed: what the contract promises. */
static void after_failed_step(struct disk *d, struct ckpt *c, enum step s)
{
	unsigned n = recs_small(2, recs);

	disk_rearm(d);
	switch (s) {
	case S_FORMAT:
		return;
	case S_OPEN:
	case S_BEGIN:
		expect_small(d, 1, 0);
		if (s == S_BEGIN)	/* tried again */
			assert_int_equal(write_gen(c, recs, n, 2, 2), 0);
		return;
	case S_PUT:	/* the checkpoint stays open */
		assert_int_equal(c->entries, 2);
		for (unsigned i = 2; i < n; i++)
			assert_int_equal(put_rec(c, &recs[i], 2, i), 0);
		assert_int_equal(ckpt_commit(c, 2), 0);
		expect_small(d, 2, 0);
		return;
	default:	/* the previous or this, also once the cache is lost */
		expect_small(d, 1, 2);
		disk_crash(d, LAND_NONE, 0, 0);
		expect_small(d, 1, 2);
		return;
	}
}

/* Reads, writes and flushes each step makes (format and commit write and flush; open reads 10). */
static const long step_calls[STEPS][DISK_CALLS] = {
	[S_FORMAT] = { 0, 3, 2 },	/* two commit records, flushed; the header, flushed */
	[S_OPEN] = { 10, 0, 0 },	/* header, two commit records, a directory, 6 data blocks */
	[S_BEGIN] = { 0, 1, 1 },
	[S_PUT] = { 0, 3, 0 },
	[S_COMMIT] = { 0, 2, 2 },	/* directory, commit record */
};

/* A read, write or flush failing after k calls, each k a step makes: its error comes back. */
static void device_errors_propagate(void **state)
{
	struct disk d;
	struct ckpt c;
	long tested = 0;

	(void)state;
	for (int s = 0; s < STEPS; s++) {
		before_step(&d, &c, s);
		assert_int_equal(do_step(&d, &c, s), 0);
		for (int k = 0; k < DISK_CALLS; k++)
			assert_int_equal(d.calls[k], step_calls[s][k]);
		disk_free(&d);
		for (int k = 0; k < DISK_CALLS; k++)
			for (long j = 0; j < step_calls[s][k]; j++) {
				before_step(&d, &c, s);
				disk_fail(&d, k, j);
				assert_int_equal(do_step(&d, &c, s), CAIRN_EIO);
				after_failed_step(&d, &c, s);
				disk_free(&d);
				tested++;
			}
	}
	assert_int_equal(tested, 3 + 2 + 10 + 1 + 1 + 3 + 2 + 2);
}

/*
 * An open that failed on the device after the header left c not open: begin is
 * CAIRN_EINVAL (ckpt.h: "CAIRN_EINVAL c is not open") and writes nothing: it must not
 * zero a commit record of a store it could not read.
 */
static void begin_after_failed_open(void **state)
{
	struct disk d;
	struct ckpt c;

	(void)state;
	for (long j = 1; j < step_calls[S_OPEN][DISK_READ]; j++) {
		small_store(&d, &c, 2, RECS_MAX);
		disk_fail(&d, DISK_READ, j);
		assert_int_equal(ckpt_open(&c, &d.dev, dir, RECS_MAX, HASH), CAIRN_EIO);
		disk_rearm(&d);
		assert_int_equal(ckpt_begin(&c), CAIRN_EINVAL);
		assert_int_equal(d.calls[DISK_WRITE], 0);
		expect_small(&d, 2, 0);
		disk_free(&d);
	}
}

/* --- a hostile disk ------------------------------------------------------------------ */

#define N_FUZZ   (1 + 2 * 24)
#define FUZZ_CAP 16
#define FUZZ_ITERATIONS 3000

/* Values at and either side of every bound open checks. */
static const uint64_t odd_values[] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 15, 16, 17, 22, 23, 24, 25, 48, 49, 127, 128, 129, 4095, 4096, 4097,
	CKPT_RECORD_MAX - 1, CKPT_RECORD_MAX, CKPT_RECORD_MAX + 1, 0x7fffffff, 0x80000000, 0xfffffffe,
	0xffffffff, 0x100000000ull, 0x100000001ull, 0x7fffffffffffffffull, 0xffffffffffffffffull,
};
#define NODD (sizeof(odd_values) / sizeof(odd_values[0]))

/* Mostly a value at a bound, else any. */
static uint64_t pick(uint64_t *rng)
{
	return rng_next(rng) % 4 ? odd_values[rng_next(rng) % NODD] : rng_next(rng);
}

/* Random bytes at random places of the first `span` bytes of block b. */
static void scribble(struct disk *d, uint64_t b, size_t span, uint64_t *rng)
{
	for (unsigned k = 1 + rng_next(rng) % 4; k; k--)
		disk_block(d, b)[rng_next(rng) % span] = (uint8_t)rng_next(rng);
}

/* CRC of `len` bytes from area block b on, as the disk holds them; 0 if they pass the device. */
static uint32_t crc_on_disk(struct disk *d, uint64_t first, uint64_t len)
{
	uint32_t x = 0;

	if (first + blocks_of((uint32_t)(len > CKPT_RECORD_MAX ? 0 : len)) > d->n || len > CKPT_RECORD_MAX)
		return 0;
	for (uint64_t b = first; len; b++) {
		uint64_t n = len < CKPT_BLOCK ? len : CKPT_BLOCK;
		x = ckpt_crc32(x, disk_block(d, b), n);
		len -= n;
	}
	return x;
}

/* Commit record m of the area at block base: its directory's CRC and its own made right again. */
static void fix_commit(struct disk *d, uint64_t base, struct disk_commit *m)
{
	uint64_t first = base + m->dir_start;

	m->dir_crc = first + m->dir_blocks <= d->n && m->dir_blocks < 64
			     ? crc_on_disk(d, first, (uint64_t)m->dir_blocks * CKPT_BLOCK) : m->dir_crc;
	m->crc = ckpt_crc32(0, m, offsetof(struct disk_commit, crc));
}

static void fix_header(struct disk_header *h)
{
	h->crc = ckpt_crc32(0, h, offsetof(struct disk_header, crc));
}

/* One field of commit record m set to a value at a bound (dir_blocks kept consistent at times). */
static void bend_commit(struct disk_commit *m, uint64_t *rng)
{
	uint64_t v = pick(rng);

	switch (rng_next(rng) % 6) {
	case 0: m->entries = (uint32_t)v; break;
	case 1: m->dir_start = (uint32_t)v; break;
	case 2: m->dir_blocks = (uint32_t)v; break;
	case 3: m->gen = v; break;
	case 4: m->version = (uint32_t)v; break;
	default: m->desc_hash = rng_next(rng) % 2 ? v : HASH; m->gen = v; break;
	}
	if (rng_next(rng) % 2)
		m->dir_blocks = dir_blocks(m->entries);
}

/* One field of entry e set to a value at a bound, its CRC made right if its bytes are on the device. */
static void bend_entry(struct disk *d, uint64_t base, struct ckpt_entry *e, uint64_t *rng)
{
	uint64_t v = pick(rng);

	switch (rng_next(rng) % 4) {
	case 0: e->kind = (uint16_t)v; break;
	case 1: e->len = (uint32_t)v; break;
	case 2: e->block = (uint32_t)v; break;
	default: e->block = (uint32_t)v; e->len = (uint32_t)pick(rng); break;
	}
	e->crc = crc_on_disk(d, base + e->block, e->len);
}

/*
 * What any open of any disk must give: 0 and a sane c. A checkpoint taken has at most
 * dir_cap entries, each in bounds and readable (it was checked); none taken, nothing found.
 */
static void check_sane(struct disk *d, struct ckpt *c)
{
	assert_true(c->found <= CKPT_PREVIOUS);
	if (c->found != CKPT_NEWEST && c->found != CKPT_PREVIOUS) {
		assert_int_equal(c->area, -1);
		assert_int_equal(c->gen, 0);
		assert_null(ckpt_find(c, CKPT_PAGE, 1, 0x1000));
		return;
	}
	assert_true(c->area == 0 || c->area == 1);
	assert_true(c->gen >= 1 && c->gen <= c->last_gen);
	assert_true(c->entries <= FUZZ_CAP);
	assert_true(c->area_blocks >= 3 && 1 + 2 * c->area_blocks <= d->n);
	for (uint32_t i = 0; i < c->entries; i++) {
		const struct ckpt_entry *e = &c->dir[i];
		assert_true(e->kind >= CKPT_PAGE && e->kind <= CKPT_META);
		assert_true(e->len >= 1 && e->len <= CKPT_RECORD_MAX);
		assert_true(e->block >= 1 && e->block + blocks_of(e->len) < c->area_blocks);
		assert_int_equal(ckpt_read(c, e, rbuf, CKPT_RECORD_MAX), e->len);
	}
}

/*
 * On whatever open made of the disk, a checkpoint can be written and is then the one
 * found; but not when a commit record names the last generation (generation_at_the_limit
 * checks that case alone).
 */
static void write_on_hostile(struct disk *d, struct ckpt *c)
{
	if (c->found == CKPT_UNFORMATTED || c->last_gen == UINT64_MAX)
		return;
	recs[0] = (struct rec){ CKPT_PAGE, 1, 100, 0x1000, 0 };
	uint64_t gen = c->last_gen + 1;
	assert_int_equal(write_gen(c, recs, 1, gen, 5), 0);
	assert_int_equal(ckpt_open(c, &d->dev, c->dir, FUZZ_CAP, HASH), 0);
	assert_true(c->found == CKPT_NEWEST || (c->found == CKPT_PREVIOUS && c->bad_gen == 0));
	check_gen(c, recs, 1, gen);
}

/*
 * A commit record (checksum right) naming generation 2^64 - 1, the newest: a checkpoint
 * written after it must either be refused or be the one open then finds (ckpt_commit:
 * "Then it is the one in use"); a generation that wraps to 0 is neither.
 */
static void generation_at_the_limit(void **state)
{
	struct disk d;
	struct ckpt c;

	(void)state;
	small_store(&d, &c, 2, RECS_MAX);
	struct disk_commit *m = commit_of(&d, c.area_blocks, 1);
	m->gen = UINT64_MAX;
	fix_commit(&d, 1 + c.area_blocks, m);
	assert_int_equal(ckpt_open(&c, &d.dev, dir, RECS_MAX, HASH), 0);
	assert_int_equal(c.found, CKPT_NEWEST);
	assert_int_equal(c.gen, UINT64_MAX);
	recs[0] = (struct rec){ CKPT_PAGE, 1, 100, 0x1000, 0 };
	long r = write_gen(&c, recs, 1, 0, 5);
	if (r == 0) {
		assert_int_equal(ckpt_open(&c, &d.dev, dir, RECS_MAX, HASH), 0);
		assert_int_equal(c.tag, 5);	/* the one just committed */
	} else {
		assert_int_equal(r, CAIRN_EOVERFLOW);
	}
	disk_free(&d);
}

enum fuzz_mode { F_HEADER, F_COMMIT, F_DIR, F_HEADER_FIXED, F_COMMIT_FIXED, F_DIR_FIXED, F_MODES };

/* Mode f's damage to the image (two small checkpoints, areas of ab blocks) of iteration rng. */
static void damage(struct disk *d, enum fuzz_mode f, uint64_t ab, uint64_t *rng)
{
	int a = rng_next(rng) & 1;
	uint64_t base = 1 + a * ab;
	struct disk_commit *m = commit_of(d, ab, a);
	uint64_t dirb = base + m->dir_start;

	switch (f) {
	case F_HEADER: scribble(d, 0, sizeof(struct disk_header), rng); break;
	case F_COMMIT: scribble(d, base, sizeof(struct disk_commit), rng); break;
	case F_DIR: scribble(d, dirb, 4 * sizeof(struct ckpt_entry), rng); break;
	case F_HEADER_FIXED:
		header_of(d)->area_blocks = pick(rng);
		if (rng_next(rng) % 8 == 0)
			header_of(d)->block = (uint32_t)pick(rng);
		fix_header(header_of(d));
		break;
	case F_COMMIT_FIXED:
		bend_commit(m, rng);
		fix_commit(d, base, m);
		break;
	default:
		bend_entry(d, base, (struct ckpt_entry *)disk_block(d, dirb) + rng_next(rng) % m->entries, rng);
		if (rng_next(rng) % 8 == 0) {	/* more entries than dir_cap, or than the directory holds */
			m->entries = FUZZ_CAP + (uint32_t)(rng_next(rng) % 2 ? 1 : 200);
			m->dir_blocks = dir_blocks(m->entries);
		}
		fix_commit(d, base, m);
		break;
	}
}

/*
 * A few thousand disks, each two good checkpoints with one thing bent: random bytes in
 * the header, a commit record or a directory, and the same with their checksums made
 * right so the bounds behind them are reached. open returns 0 and a sane c, reads
 * only inside the device (the model asserts), and a checkpoint can then be written.
 */
static void hostile_disk(void **state)
{
	static struct rec r[RECS_MAX];
	struct disk d;
	struct ckpt c;
	uint8_t *saved;
	uint64_t rng = 0x5eed, ab;
	long found[F_MODES][5] = { { 0 } }, bad[F_MODES] = { 0 };
	struct ckpt_entry *fdir = malloc(FUZZ_CAP * sizeof(*fdir));	/* ASan watches its end */

	(void)state;
	assert_non_null(fdir);
	disk_new(&d, N_FUZZ);
	assert_int_equal(ckpt_format(&c, &d.dev, dir, FUZZ_CAP, HASH), 0);
	for (uint64_t g = 1; g <= 2; g++)
		assert_int_equal(write_gen(&c, r, recs_small(g, r), g, g), 0);
	ab = c.area_blocks;
	saved = malloc(N_FUZZ * CKPT_BLOCK);
	assert_non_null(saved);
	memcpy(saved, d.img, N_FUZZ * CKPT_BLOCK);
	for (unsigned i = 0; i < FUZZ_ITERATIONS; i++) {
		enum fuzz_mode f = i % F_MODES;
		memcpy(d.img, saved, N_FUZZ * CKPT_BLOCK);
		disk_rearm(&d);
		damage(&d, f, ab, &rng);
		assert_int_equal(ckpt_open(&c, &d.dev, fdir, FUZZ_CAP, HASH), 0);
		check_sane(&d, &c);
		found[f][c.found]++;
		bad[f] += c.bad_gen != 0;
		if (i % 4 == 0)
			write_on_hostile(&d, &c);
	}
	for (int f = 0; f < F_MODES; f++)
		print_message("# hostile mode %d: unformatted %ld, none %ld, other %ld, newest %ld, previous %ld "
			      "(%ld with a damaged newest)\n", f, found[f][0], found[f][1], found[f][2], found[f][3],
			      found[f][4], bad[f]);
	/* the fixed-up modes reached past the checksums: some disks were taken, some refused */
	assert_true(found[F_HEADER_FIXED][CKPT_UNFORMATTED] > 0 && found[F_HEADER_FIXED][CKPT_NEWEST] > 0);
	assert_true(found[F_COMMIT_FIXED][CKPT_PREVIOUS] > 0 && found[F_COMMIT_FIXED][CKPT_NEWEST] > 0);
	assert_true(bad[F_DIR_FIXED] > 0 && found[F_DIR_FIXED][CKPT_NEWEST] > 0);
	free(fdir);
	free(saved);
	disk_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(disk_model_behaves),
		cmocka_unit_test(crc32_is_zlibs),
		cmocka_unit_test(format_then_open),
		cmocka_unit_test(format_refuses_bad_geometry),
		cmocka_unit_test(round_trip),
		cmocka_unit_test(directory_of_many_blocks),
		cmocka_unit_test(crash_writing_gen2),
		cmocka_unit_test(crash_writing_gen3),
		cmocka_unit_test(corrupt_each_block_of_newest),
		cmocka_unit_test(corrupt_commit_record),
		cmocka_unit_test(corrupt_both_and_header),
		cmocka_unit_test(another_description),
		cmocka_unit_test(calls_out_of_order),
		cmocka_unit_test(begin_twice),
		cmocka_unit_test(bad_records),
		cmocka_unit_test(directory_full),
		cmocka_unit_test(area_full),
		cmocka_unit_test(read_errors),
		cmocka_unit_test(abort_then_reopen),
		cmocka_unit_test(device_errors_propagate),
		cmocka_unit_test(begin_after_failed_open),
		cmocka_unit_test(hostile_disk),
		cmocka_unit_test(generation_at_the_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
