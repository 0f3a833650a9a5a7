/*
 * cairn/persist.h: the buffer of interfaces/persist.toml, between the booter, which
 * takes and gives back the persistent components' state (lib/libboot/persist.c), and
 * their checkpointer, which keeps it on a disk (components/checkpointer, with the
 * checkpoint store of cairn/ckpt.h). docs/persistence.md explains the whole.
 *
 * The buffer, in pages: its first PERSIST_TABLE_PAGES hold the header and the table of
 * records; each record's bytes then take whole pages of their own, at `page` pages
 * from the buffer's start. A record is a page of a component's memory, named by its
 * virtual address, or a thread's registers (PERSIST_REGS words, THREAD_REG's indices:
 * the general registers, then the FPU/SSE area), named by the thread's number in its
 * component (0: its first). Never a physical address.
 */
#ifndef CAIRN_PERSIST_H
#define CAIRN_PERSIST_H

#include <stdint.h>
#include <cairn/abi.h>

#define PERSIST_MAGIC 0x3154534953524550ULL	/* "PERSIST1" */
#define PERSIST_TABLE_PAGES 4u
#define PERSIST_REGS CAIRN_REG_END		/* words of a thread record */

enum persist_kind {
	PERSIST_PAGE = 1,	/* key: the page's virtual address; 4096 bytes */
	PERSIST_THREAD = 2,	/* key: the thread's number; PERSIST_REGS * 8 bytes */
	PERSIST_LINK = 3,	/* key: the copy's slot or page address; a struct persist_link */
};

/*
 * A copy of a PERSIST_LINK record, held by the record's component at its key: copied
 * from component `from`'s slot or page at from_key (cairn/capmgr.h). A capability's
 * key is a slot of the manager's delegated range; a page's, a page of the manager's
 * range, and it was copied from a page the manager gave `from` or shared to it. The
 * records are in the order the copies are made again: each after the one it was
 * copied from.
 */
enum { PERSIST_LINK_CAP = 1, PERSIST_LINK_PAGE = 2 };

struct persist_link {
	uint16_t what;		/* PERSIST_LINK_CAP or PERSIST_LINK_PAGE */
	uint16_t from;		/* the component copied from: its number in the description */
	uint32_t reserved;	/* 0 */
	uint64_t from_key;
};

struct persist_rec {
	uint16_t kind;		/* enum persist_kind (the same numbers as cairn/ckpt.h's kinds) */
	uint16_t comp;		/* the component's number in the description */
	uint32_t page;		/* where its bytes are: pages from the buffer's start */
	uint64_t key;
};

struct persist_header {
	uint64_t magic;		/* PERSIST_MAGIC */
	uint32_t records;
	uint32_t reserved;
	struct persist_rec rec[];
};

/* The most records a buffer's table holds. */
#define PERSIST_RECORDS_MAX \
	((PERSIST_TABLE_PAGES * 4096u - sizeof(struct persist_header)) / sizeof(struct persist_rec))

/*
 * The checkpointer's buffer (components/checkpointer), in pages: the table and
 * PERSIST_ROOM records (1 MiB). PERSIST_ROOM is what one checkpoint holds: the
 * persistent components' threads, pages and copies past it make every capture fail
 * (CAIRN_ENOBUFS), so tools/sysgen.py refuses a system whose persistent components could
 * need more (tools/limits.py reads it here).
 */
#define PERSIST_STAGE_PAGES 256u
#define PERSIST_ROOM (PERSIST_STAGE_PAGES - PERSIST_TABLE_PAGES)
_Static_assert(PERSIST_ROOM <= PERSIST_RECORDS_MAX, "the table holds a record for every page of the buffer");

/*
 * The checkpointer's directory (cairn/ckpt.h's dir_cap): a checkpoint of more entries
 * is damaged to it (ckpt_open), one of more than PERSIST_ROOM does not fit. An area of
 * the store holds a checkpoint of PERSIST_ROOM records, each a block, if it has
 * PERSIST_AREA_BLOCKS blocks: theirs, the directory's (32-byte entries) and the commit
 * record's. tools/ckpt.py and tools/qemu.py (`make run`'s disk) read these.
 */
#define PERSIST_DIR_CAP 1024u
#define PERSIST_AREA_BLOCKS (1u + PERSIST_ROOM + (PERSIST_ROOM * 32u + 4095u) / 4096u)

#endif
