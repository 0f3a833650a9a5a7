/*
 * cairn/ledger.h: what the ledger (components/ledger, docs/persistence.md) and its
 * clients say over its two ports, `ledger_req` (a client to the ledger) and
 * `ledger_ans` (back), 32-byte slots each. The ledger keeps LEDGER_KEYS counters; a
 * request reads one (GET) or adds to it (ADD) and is answered with the counter's value
 * after it, under the request's id. The ledger is persistent: after a power loss it
 * goes on from its last checkpoint, so a client of a later boot may find a counter
 * lower than an earlier client was told (what came after the checkpoint is undone).
 */
#ifndef CAIRN_LEDGER_H
#define CAIRN_LEDGER_H

#include <stdint.h>

#define LEDGER_KEYS 16

enum ledger_op { LEDGER_GET = 1, LEDGER_ADD = 2 };

struct ledger_req {
	uint64_t id;		/* the client's: the answer carries it back */
	uint32_t op;		/* enum ledger_op */
	uint32_t key;		/* below LEDGER_KEYS */
	int64_t value;		/* ADD: what is added (any sign) */
	uint64_t reserved;
};

struct ledger_ans {
	uint64_t id;		/* the request's */
	int64_t status;		/* 0; CAIRN_EINVAL an op or key out of range; CAIRN_EOVERFLOW the add
				   would take the counter past INT64_MIN or INT64_MAX (nothing added) */
	int64_t value;		/* the counter after the request */
	uint64_t seq;		/* the ledger's sequence when it answered */
};

_Static_assert(sizeof(struct ledger_req) == 32 && sizeof(struct ledger_ans) == 32, "a slot each");

#endif
