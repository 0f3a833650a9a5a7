/*
 * cairn/ckpt.h: the checkpoint store (lib/libckpt; docs/persistence.md): how a
 * checkpointer writes a persistent system's state to a block device so that power lost
 * at any moment leaves the last committed checkpoint whole, and how a boot finds it.
 *
 * The disk, in blocks of CKPT_BLOCK bytes:
 *
 *   block 0          the header: the format, the geometry (written once, by ckpt_format)
 *   area 0, area 1   area_blocks each, from block 1: one checkpoint each
 *
 * An area: its block 0 the commit record, then the data blocks of the checkpoint's
 * records, then its directory (one ckpt_entry per record: what it is, where, its
 * checksum). A checkpoint is written into the area that does not hold the one in use:
 * its commit record is zeroed first (flushed), the data and the directory written,
 * flushed, and the commit record written last (flushed): until that last write lands
 * whole, the area holds no valid checkpoint and the other area's stands. Every block is
 * checksummed (CRC-32, zlib's), the commit record covers the directory, the directory
 * every data block; ckpt_open checks them all before it says a checkpoint is there, so
 * a resume never starts from a half-written or corrupted one: it takes the previous.
 *
 * What a record names is the caller's: a page by (component, virtual page), a thread
 * by (component, index), an object by what it connects. Nothing here knows a physical
 * address, and nothing read from the disk is trusted: every count and place is bounded
 * before use.
 */
#ifndef CAIRN_CKPT_H
#define CAIRN_CKPT_H

#include <stddef.h>
#include <stdint.h>

#define CKPT_BLOCK 4096u		/* bytes in a block of the store (a page) */
#define CKPT_ENTRIES_PER_BLOCK (CKPT_BLOCK / sizeof(struct ckpt_entry))
#define CKPT_RECORD_MAX (64u * CKPT_BLOCK)	/* the longest record */
#define CKPT_VERSION 1u

/* What a record is (ckpt_entry.kind). */
enum ckpt_kind {
	CKPT_PAGE = 1,		/* a page: key its virtual address, CKPT_BLOCK bytes */
	CKPT_THREAD = 2,	/* a thread's registers: key its index in the component */
	CKPT_OBJECT = 3,	/* an object made since boot: key its id, the record what it connects */
	CKPT_META = 4,		/* the checkpointer's own (its counters, the instant) */
};

/* One record of a checkpoint, as its directory holds it (32 bytes, little-endian). */
struct ckpt_entry {
	uint16_t kind;		/* enum ckpt_kind */
	uint16_t comp;		/* the component (its index in the description) */
	uint32_t len;		/* bytes, 1..CKPT_RECORD_MAX */
	uint64_t key;
	uint32_t block;		/* its first block, from the area's start */
	uint32_t crc;		/* CRC-32 of its len bytes */
	uint64_t aux;		/* the caller's (a page's rights, say) */
};

_Static_assert(sizeof(struct ckpt_entry) == 32, "a directory entry is 32 bytes");

/* The device: whole blocks; each call 0 or a negative error (CAIRN_EIO). */
struct ckpt_dev {
	long (*read)(void *ctx, uint64_t block, void *buf);
	long (*write)(void *ctx, uint64_t block, const void *buf);
	long (*flush)(void *ctx);	/* every write before it is durable when it returns */
	void *ctx;
	uint64_t blocks;		/* the device's size in blocks */
};

/* What ckpt_open found (ckpt.found). */
enum ckpt_found {
	CKPT_UNFORMATTED = 0,	/* no header: ckpt_format makes one, and there is nothing to resume */
	CKPT_NONE = 1,		/* a store without a valid checkpoint */
	CKPT_OTHER_SYSTEM = 2,	/* checkpoints, of another description (its hash differs): start fresh */
	CKPT_NEWEST = 3,	/* the newest checkpoint, whole */
	CKPT_PREVIOUS = 4,	/* the newest is damaged (ckpt.bad_gen): the one before it, whole */
};

/*
 * A store, open. The caller gives the directory's room (dir, dir_cap entries): it
 * bounds the records of one checkpoint. Filled by ckpt_open and ckpt_format; a
 * writer between ckpt_begin and ckpt_commit uses it; the fields are read-only to the
 * caller.
 */
struct ckpt {
	const struct ckpt_dev *dev;
	struct ckpt_entry *dir;
	uint32_t dir_cap;
	uint32_t entries;		/* records of the checkpoint in use (or being written) */
	uint64_t area_blocks;
	uint64_t desc_hash;		/* the description's, as the caller gave it */
	enum ckpt_found found;
	int area;			/* the area of the checkpoint in use; -1 none */
	uint64_t gen;			/* its generation (counts from 1); 0 none */
	uint64_t tag;			/* what its writer stamped on it (ckpt_commit) */
	uint64_t bad_gen;		/* CKPT_PREVIOUS: the damaged newest's generation */
	uint64_t last_gen;		/* the highest generation any commit record names */
	int writing;			/* between ckpt_begin and ckpt_commit: the area written; else -1 */
	int stale;			/* dir no longer the one in use's (ckpt_begin, a failed commit) */
	uint32_t next_block;		/* the next free data block there */
	uint8_t buf[CKPT_BLOCK] __attribute__((aligned(16)));
};

/* CRC-32 (zlib's: reflected 0xEDB88320, initial and final inversion) of n bytes, from crc (0 to start). */
uint32_t ckpt_crc32(uint32_t crc, const void *data, size_t n);

/*
 * Writes an empty store on dev: the header, and both areas' commit records zeroed,
 * flushed. Then c is open on it (found CKPT_NONE). CAIRN_EINVAL: dir_cap 0, or the
 * device too small for two areas of a data block and a directory block each;
 * the device's errors.
 */
long ckpt_format(struct ckpt *c, const struct ckpt_dev *dev, struct ckpt_entry *dir, uint32_t dir_cap,
		 uint64_t desc_hash);

/*
 * Opens the store on dev for the description desc_hash names: reads the header and
 * both areas, and takes the newest checkpoint whose every block checks, of this
 * description (c->found says what it found, c->gen which). Reads every block of the
 * checkpoints it looks at. 0 (whatever it found); CAIRN_EINVAL no directory room (dir
 * 0 or dir_cap 0); the device's errors. A checkpoint with more records than dir_cap
 * counts as damaged. CKPT_PREVIOUS: a newer one of this description was damaged
 * (bad_gen its generation), or the other area's commit record is (bad_gen 0: a crash
 * while it was written, or worse).
 */
long ckpt_open(struct ckpt *c, const struct ckpt_dev *dev, struct ckpt_entry *dir, uint32_t dir_cap,
	       uint64_t desc_hash);

/* The checkpoint in use: the record (kind, comp, key), or 0. */
const struct ckpt_entry *ckpt_find(const struct ckpt *c, unsigned kind, unsigned comp, uint64_t key);

/*
 * Reads record e of the checkpoint in use into buf (cap bytes): its length. CAIRN_ERANGE
 * cap < e->len; CAIRN_EIO its checksum fails now (or the device's error).
 */
long ckpt_read(struct ckpt *c, const struct ckpt_entry *e, void *buf, size_t cap);

/*
 * Starts a checkpoint, the next generation: in the area the one in use is not in,
 * whose commit record is zeroed and flushed first. The one in use stays on the disk
 * until ckpt_commit, but c no longer reads it (c->dir fills with the new directory).
 * CAIRN_EBUSY one is started already; CAIRN_EINVAL c is not open (never, or its open or
 * format failed); CAIRN_EOVERFLOW a commit record names generation 2^64 - 1 (the store
 * takes no more: format it); the device's errors.
 */
long ckpt_begin(struct ckpt *c);

/*
 * Adds a record (len bytes of data, 1..CKPT_RECORD_MAX) to the checkpoint started:
 * written at once. CAIRN_EINVAL no checkpoint started, kind unknown, len out of range;
 * CAIRN_EOVERFLOW the directory is full (dir_cap); CAIRN_ENOBUFS the area is full; the
 * device's errors. On an error the checkpoint started stays open (the caller may
 * ckpt_abort).
 */
long ckpt_put(struct ckpt *c, unsigned kind, unsigned comp, uint64_t key, uint64_t aux, const void *data,
	      uint32_t len);

/*
 * Commits the checkpoint started: writes its directory, flushes, writes its commit
 * record (stamped with tag), flushes. Then it is the one in use (c->found CKPT_NEWEST,
 * c->gen the next generation). CAIRN_EINVAL none started; CAIRN_ENOBUFS no room for
 * the directory; the device's errors (the store then holds the previous one, or this).
 */
long ckpt_commit(struct ckpt *c, uint64_t tag);

/*
 * Gives up the checkpoint started. The store still holds the previous one, but c's
 * directory no longer does: ckpt_open it again to read it.
 */
void ckpt_abort(struct ckpt *c);

#endif
