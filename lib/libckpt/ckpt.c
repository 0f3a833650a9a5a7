/*
 * ckpt.c: the checkpoint store (cairn/ckpt.h; docs/persistence.md). Freestanding: the
 * checkpointer links it, and so does its host test (tests/host/test_ckpt.c).
 *
 * On the disk everything is little-endian, as the structures below lay it out (x86).
 * Nothing read from it is trusted: the header's geometry, a commit record's counts and
 * places, and every directory entry are bounded before they are used, and a checkpoint
 * is taken only once every block of it checks.
 */
#include <cairn/abi.h>
#include <cairn/ckpt.h>

#define HEADER_MAGIC "CAIRNCKP"
#define COMMIT_MAGIC "CKCOMMIT"
#define MIN_AREA 3u		/* a commit record, a data block, a directory block */

/* Block 0. */
struct ckpt_header {
	char magic[8];
	uint32_t version;	/* CKPT_VERSION */
	uint32_t block;		/* CKPT_BLOCK */
	uint64_t area_blocks;	/* MIN_AREA..UINT32_MAX; 1 + 2 * area_blocks <= the device's blocks */
	uint32_t crc;		/* of the bytes before it */
};

/* An area's block 0: all zero while the area holds no checkpoint. */
struct ckpt_commit {
	char magic[8];
	uint32_t version;
	uint32_t entries;	/* directory entries */
	uint64_t gen;		/* 1, 2, ...: the newest whole one is in use */
	uint64_t desc_hash;
	uint64_t tag;
	uint32_t dir_start;	/* the directory's first block, from the area's start */
	uint32_t dir_blocks;	/* ceil(entries / CKPT_ENTRIES_PER_BLOCK) */
	uint32_t dir_crc;	/* of its dir_blocks whole blocks */
	uint32_t crc;		/* of the bytes before it */
};

/* What an area's commit record says. */
enum commit_state { EMPTY, DAMAGED, WHOLE };

/* ---- CRC-32 ---- */

/*
 * zlib's CRC-32 (reflected, polynomial 0xEDB88320), eight bytes a step ("slicing by
 * 8"): crc_table[0] is the byte-at-a-time table, crc_table[t][i] the CRC of byte i
 * followed by t zero bytes, so one step folds eight bytes with eight lookups.
 */
static uint32_t crc_table[8][256];
static uint32_t crc_ready;	/* set once the tables are whole */

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		crc_table[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			crc_table[t][i] = (crc_table[t - 1][i] >> 8) ^ crc_table[0][crc_table[t - 1][i] & 0xff];
	__atomic_store_n(&crc_ready, 1, __ATOMIC_RELEASE);
}

static inline uint32_t crc_byte(uint32_t crc, uint8_t b)
{
	return crc_table[0][(crc ^ b) & 0xff] ^ (crc >> 8);
}

uint32_t ckpt_crc32(uint32_t crc, const void *data, size_t n)
{
	const uint8_t *p = data;

	if (!__atomic_load_n(&crc_ready, __ATOMIC_ACQUIRE))
		crc_init();	/* (two first callers write the same values) */
	crc = ~crc;
	for (; n && ((uintptr_t)p & 7); n--)
		crc = crc_byte(crc, *p++);
	for (; n >= 8; n -= 8, p += 8) {
		uint64_t w;
		__builtin_memcpy(&w, p, 8);	/* (little-endian: the first byte lowest) */
		w ^= crc;
		crc = crc_table[7][w & 0xff] ^ crc_table[6][(w >> 8) & 0xff] ^ crc_table[5][(w >> 16) & 0xff] ^
		      crc_table[4][(w >> 24) & 0xff] ^ crc_table[3][(w >> 32) & 0xff] ^
		      crc_table[2][(w >> 40) & 0xff] ^ crc_table[1][(w >> 48) & 0xff] ^ crc_table[0][w >> 56];
	}
	while (n--)
		crc = crc_byte(crc, *p++);
	return ~crc;
}

/* ---- the device ---- */

static inline uint64_t blocks_of(uint64_t len)
{
	return (len + CKPT_BLOCK - 1) / CKPT_BLOCK;
}

/* Block b of area a (b < area_blocks, checked by the caller). */
static inline uint64_t at(const struct ckpt *c, int a, uint64_t b)
{
	return 1 + (uint64_t)a * c->area_blocks + b;
}

static long dev_read(const struct ckpt *c, uint64_t block, void *buf)
{
	return block < c->dev->blocks ? c->dev->read(c->dev->ctx, block, buf) : CAIRN_EIO;
}

static long dev_write(const struct ckpt *c, uint64_t block, const void *buf)
{
	return block < c->dev->blocks ? c->dev->write(c->dev->ctx, block, buf) : CAIRN_EIO;
}

/* Writes a block of zeros. */
static long dev_zero(struct ckpt *c, uint64_t block)
{
	__builtin_memset(c->buf, 0, CKPT_BLOCK);
	return dev_write(c, block, c->buf);
}

/* ---- opening ---- */

static void reset(struct ckpt *c, const struct ckpt_dev *dev, struct ckpt_entry *dir, uint32_t dir_cap,
		  uint64_t desc_hash)
{
	c->dev = dev;
	c->dir = dir;
	c->dir_cap = dir_cap;
	c->entries = 0;
	c->area_blocks = 0;
	c->desc_hash = desc_hash;
	c->found = CKPT_UNFORMATTED;
	c->area = -1;
	c->gen = c->tag = c->bad_gen = c->last_gen = 0;
	c->writing = -1;
	c->stale = 0;
	c->next_block = 0;
}

/* c's area size from block 0, if it holds a whole header that fits the device (else 0); the device's errors. */
static long read_header(struct ckpt *c)
{
	struct ckpt_header h;
	long r = dev_read(c, 0, c->buf);

	if (r)
		return r;
	__builtin_memcpy(&h, c->buf, sizeof(h));
	if (__builtin_memcmp(h.magic, HEADER_MAGIC, 8) || h.version != CKPT_VERSION || h.block != CKPT_BLOCK ||
	    h.crc != ckpt_crc32(0, &h, __builtin_offsetof(struct ckpt_header, crc)) ||
	    h.area_blocks < MIN_AREA || h.area_blocks > UINT32_MAX ||
	    h.area_blocks > (c->dev->blocks - 1) / 2)
		return 0;
	c->area_blocks = h.area_blocks;
	return 0;
}

/* Area a's commit record into *m: EMPTY (zeros), DAMAGED, or WHOLE (its bounds hold); the device's errors. */
static long read_commit(struct ckpt *c, int a, struct ckpt_commit *m)
{
	long r = dev_read(c, at(c, a, 0), c->buf);

	if (r)
		return r;
	__builtin_memcpy(m, c->buf, sizeof(*m));
	int zero = 1;
	for (unsigned i = 0; i < CKPT_BLOCK && zero; i++)
		zero = c->buf[i] == 0;
	if (zero)
		return EMPTY;
	if (__builtin_memcmp(m->magic, COMMIT_MAGIC, 8) || m->version != CKPT_VERSION || m->gen == 0 ||
	    m->crc != ckpt_crc32(0, m, __builtin_offsetof(struct ckpt_commit, crc)) ||
	    m->dir_blocks != blocks_of((uint64_t)m->entries * sizeof(struct ckpt_entry)) || m->dir_start < 1 ||
	    (uint64_t)m->dir_start + m->dir_blocks > c->area_blocks)
		return DAMAGED;
	return WHOLE;
}

/* Entry e of a directory whose data ends before block end: whether its fields are in bounds. */
static int entry_sane(const struct ckpt_entry *e, uint64_t end)
{
	return e->kind >= CKPT_PAGE && e->kind <= CKPT_META && e->len >= 1 && e->len <= CKPT_RECORD_MAX &&
	       e->block >= 1 && (uint64_t)e->block + blocks_of(e->len) <= end;
}

/* CRC-32 of record e's bytes as the disk holds them now (copied into out, if not 0); 0 or the device's error. */
static long record_crc(struct ckpt *c, int a, const struct ckpt_entry *e, uint32_t *crc, uint8_t *out)
{
	uint32_t left = e->len, x = 0;

	for (uint64_t b = e->block; left; b++) {
		uint32_t n = left < CKPT_BLOCK ? left : CKPT_BLOCK;
		long r = dev_read(c, at(c, a, b), c->buf);
		if (r)
			return r;
		x = ckpt_crc32(x, c->buf, n);
		if (out) {
			__builtin_memcpy(out, c->buf, n);
			out += n;
		}
		left -= n;
	}
	*crc = x;
	return 0;
}

/*
 * Whether area a's checkpoint (commit m, whole) checks in every block: 1 (its directory
 * is then c's), 0 not; the device's errors.
 */
static long verify(struct ckpt *c, int a, const struct ckpt_commit *m)
{
	uint32_t crc = 0;
	long r;

	if (m->entries > c->dir_cap)
		return 0;
	for (uint32_t i = 0; i < m->dir_blocks; i++) {
		if ((r = dev_read(c, at(c, a, m->dir_start + i), c->buf)))
			return r;
		crc = ckpt_crc32(crc, c->buf, CKPT_BLOCK);
		uint32_t first = i * (uint32_t)CKPT_ENTRIES_PER_BLOCK, n = m->entries - first;
		if (n > CKPT_ENTRIES_PER_BLOCK)
			n = CKPT_ENTRIES_PER_BLOCK;
		__builtin_memcpy(&c->dir[first], c->buf, n * sizeof(struct ckpt_entry));
	}
	if (crc != m->dir_crc)
		return 0;
	for (uint32_t i = 0; i < m->entries; i++) {
		const struct ckpt_entry *e = &c->dir[i];
		uint32_t x;
		if (!entry_sane(e, m->dir_start))
			return 0;
		if ((r = record_crc(c, a, e, &x, 0)))
			return r;
		if (x != e->crc)
			return 0;
	}
	return 1;
}

/* An open that met the device's error r: c is not open (ckpt_begin refuses it). */
static long failed(struct ckpt *c, long r)
{
	c->area_blocks = 0;
	c->found = CKPT_UNFORMATTED;
	c->entries = 0;
	return r;
}

/* c takes area a's checkpoint (verified) as the one in use. */
static void take(struct ckpt *c, int a, const struct ckpt_commit *m)
{
	c->area = a;
	c->gen = m->gen;
	c->tag = m->tag;
	c->entries = m->entries;
}

long ckpt_open(struct ckpt *c, const struct ckpt_dev *dev, struct ckpt_entry *dir, uint32_t dir_cap,
	       uint64_t desc_hash)
{
	struct ckpt_commit m[2];
	long s[2], r;
	int others = 0;

	reset(c, dev, dir, dir_cap, desc_hash);
	if (!dir || !dir_cap)
		return CAIRN_EINVAL;
	if ((r = read_header(c)) || !c->area_blocks)
		return failed(c, r);	/* (none: CKPT_UNFORMATTED) */
	c->found = CKPT_NONE;
	for (int a = 0; a < 2; a++) {
		if ((s[a] = read_commit(c, a, &m[a])) < 0)
			return failed(c, s[a]);
		if (s[a] == WHOLE && m[a].gen > c->last_gen)
			c->last_gen = m[a].gen;
		if (s[a] == WHOLE && m[a].desc_hash != desc_hash) {
			others = 1;
			s[a] = EMPTY;	/* not this system's: not a candidate, not damage */
		}
	}
	int first = s[1] == WHOLE && (s[0] != WHOLE || m[1].gen > m[0].gen);	/* the newer candidate first */
	for (int i = 0; i < 2; i++) {
		int a = i ? !first : first;
		if (s[a] != WHOLE)
			continue;
		if ((r = verify(c, a, &m[a])) < 0)
			return failed(c, r);
		if (r) {
			take(c, a, &m[a]);
			c->found = c->bad_gen || s[!a] == DAMAGED ? CKPT_PREVIOUS : CKPT_NEWEST;
			return 0;
		}
		if (!c->bad_gen)
			c->bad_gen = m[a].gen;	/* the newest of this system's is damaged */
	}
	if (others && !c->bad_gen)
		c->found = CKPT_OTHER_SYSTEM;
	return 0;
}

long ckpt_format(struct ckpt *c, const struct ckpt_dev *dev, struct ckpt_entry *dir, uint32_t dir_cap,
		 uint64_t desc_hash)
{
	struct ckpt_header h = { .magic = HEADER_MAGIC, .version = CKPT_VERSION, .block = CKPT_BLOCK };
	long r;

	reset(c, dev, dir, dir_cap, desc_hash);
	if (!dir || !dir_cap || dev->blocks < 1 + 2 * MIN_AREA)
		return CAIRN_EINVAL;
	h.area_blocks = (dev->blocks - 1) / 2;
	if (h.area_blocks > UINT32_MAX)
		h.area_blocks = UINT32_MAX;
	h.crc = ckpt_crc32(0, &h, __builtin_offsetof(struct ckpt_header, crc));
	c->area_blocks = h.area_blocks;
	if ((r = dev_zero(c, at(c, 0, 0))) || (r = dev_zero(c, at(c, 1, 0))) || (r = dev->flush(dev->ctx)))
		return failed(c, r);	/* (the header last: no old commit record outlives it) */
	__builtin_memset(c->buf, 0, CKPT_BLOCK);
	__builtin_memcpy(c->buf, &h, sizeof(h));
	if ((r = dev_write(c, 0, c->buf)) || (r = dev->flush(dev->ctx)))
		return failed(c, r);
	c->found = CKPT_NONE;
	return 0;
}

/* ---- reading ---- */

const struct ckpt_entry *ckpt_find(const struct ckpt *c, unsigned kind, unsigned comp, uint64_t key)
{
	if (c->area < 0 || c->stale)
		return 0;
	for (uint32_t i = 0; i < c->entries; i++) {
		const struct ckpt_entry *e = &c->dir[i];
		if (e->kind == kind && e->comp == comp && e->key == key)
			return e;
	}
	return 0;
}

long ckpt_read(struct ckpt *c, const struct ckpt_entry *e, void *buf, size_t cap)
{
	uint32_t crc;

	if (c->area < 0 || c->stale || e < c->dir || e >= c->dir + c->entries)
		return CAIRN_EINVAL;
	if (cap < e->len)
		return CAIRN_ERANGE;
	long r = record_crc(c, c->area, e, &crc, buf);
	if (r)
		return r;
	return crc == e->crc ? (long)e->len : CAIRN_EIO;
}

/* ---- writing ---- */

long ckpt_begin(struct ckpt *c)
{
	if (!c->area_blocks)
		return CAIRN_EINVAL;
	if (c->writing >= 0)
		return CAIRN_EBUSY;
	if (c->last_gen == UINT64_MAX)
		return CAIRN_EOVERFLOW;	/* (a commit record names the last generation) */
	int a = c->area >= 0 ? !c->area : 0;
	c->stale = 1;
	long r = dev_zero(c, at(c, a, 0));
	if (!r)
		r = c->dev->flush(c->dev->ctx);
	if (r)
		return r;
	c->writing = a;
	c->entries = 0;
	c->next_block = 1;
	return 0;
}

/* Directory blocks n entries need. */
static inline uint64_t dir_blocks(uint64_t n)
{
	return blocks_of(n * sizeof(struct ckpt_entry));
}

long ckpt_put(struct ckpt *c, unsigned kind, unsigned comp, uint64_t key, uint64_t aux, const void *data,
	      uint32_t len)
{
	const uint8_t *p = data;
	uint32_t crc = 0;

	if (c->writing < 0 || kind < CKPT_PAGE || kind > CKPT_META || comp > UINT16_MAX || len < 1 ||
	    len > CKPT_RECORD_MAX || !data)
		return CAIRN_EINVAL;
	if (c->entries >= c->dir_cap)
		return CAIRN_EOVERFLOW;
	uint64_t n = blocks_of(len);
	if (c->next_block + n + dir_blocks(c->entries + 1ull) > c->area_blocks)
		return CAIRN_ENOBUFS;
	for (uint64_t b = 0; b < n; b++) {
		uint32_t k = len - (uint32_t)b * CKPT_BLOCK;
		if (k > CKPT_BLOCK)
			k = CKPT_BLOCK;
		__builtin_memset(c->buf, 0, CKPT_BLOCK);
		__builtin_memcpy(c->buf, p, k);
		crc = ckpt_crc32(crc, p, k);
		p += k;
		long r = dev_write(c, at(c, c->writing, c->next_block + b), c->buf);
		if (r)
			return r;
	}
	c->dir[c->entries++] = (struct ckpt_entry){ .kind = (uint16_t)kind, .comp = (uint16_t)comp, .len = len,
						    .key = key, .block = c->next_block, .crc = crc, .aux = aux };
	c->next_block += (uint32_t)n;
	return 0;
}

long ckpt_commit(struct ckpt *c, uint64_t tag)
{
	struct ckpt_commit m = { .magic = COMMIT_MAGIC, .version = CKPT_VERSION, .entries = c->entries,
				 .gen = c->last_gen + 1, .desc_hash = c->desc_hash, .tag = tag,
				 .dir_start = c->next_block };
	int a = c->writing;
	long r = 0;

	if (a < 0)
		return CAIRN_EINVAL;
	m.dir_blocks = (uint32_t)dir_blocks(c->entries);
	if ((uint64_t)m.dir_start + m.dir_blocks > c->area_blocks)
		return CAIRN_ENOBUFS;	/* (ckpt_put keeps the room: not reached) */
	for (uint32_t i = 0; i < m.dir_blocks && !r; i++) {
		uint32_t first = i * (uint32_t)CKPT_ENTRIES_PER_BLOCK, n = c->entries - first;
		if (n > CKPT_ENTRIES_PER_BLOCK)
			n = CKPT_ENTRIES_PER_BLOCK;
		__builtin_memset(c->buf, 0, CKPT_BLOCK);
		__builtin_memcpy(c->buf, &c->dir[first], n * sizeof(struct ckpt_entry));
		m.dir_crc = ckpt_crc32(m.dir_crc, c->buf, CKPT_BLOCK);
		r = dev_write(c, at(c, a, m.dir_start + i), c->buf);
	}
	if (!r)
		r = c->dev->flush(c->dev->ctx);
	m.crc = ckpt_crc32(0, &m, __builtin_offsetof(struct ckpt_commit, crc));
	if (!r) {
		__builtin_memset(c->buf, 0, CKPT_BLOCK);
		__builtin_memcpy(c->buf, &m, sizeof(m));
		r = dev_write(c, at(c, a, 0), c->buf);
	}
	if (!r)
		r = c->dev->flush(c->dev->ctx);
	c->writing = -1;
	if (r)
		return r;	/* c->area keeps the previous one's area: the next begin writes over this */
	c->area = a;
	c->gen = c->last_gen = m.gen;
	c->tag = tag;
	c->found = CKPT_NEWEST;
	c->bad_gen = 0;
	c->stale = 0;
	return 0;
}

void ckpt_abort(struct ckpt *c)
{
	c->writing = -1;
}
