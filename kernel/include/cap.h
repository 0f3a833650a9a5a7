/*
 * cap.h: capabilities and capability tables.
 *
 * A capability table is a two-level radix trie: a root node of CAIRN_CAPTBL_ROOT_SLOTS
 * leaf pointers, each leaf CAIRN_CAPTBL_LEAF_SLOTS slots of 32 bytes; both nodes fill
 * one KERNEL frame. Index i lives in leaf i / LEAF_SLOTS, slot i % LEAF_SLOTS. Slot 0
 * of every table is the null capability: it never holds anything.
 *
 * Every capability with an object (obj != NULL) holds one reference on the frame of
 * that object (frame.h). So a slot never points at freed memory: an object is destroyed
 * only when its last reference goes (CAPTBL_DEACT), and its frame can be retyped only
 * after that.
 *
 * Quiescence: a slot that was emptied, and an object that was destroyed, may be reused
 * only after every core has left the kernel since (no operation that looked the slot
 * up can still be running). The kernel is not preemptible and every operation finishes
 * before its core returns to user mode, so on one core this holds at the next system
 * call; the multicore kernel enforces it with per-core quiescence counters.
 */
#ifndef KERNEL_CAP_H
#define KERNEL_CAP_H

#include "types.h"
#include <cairn/abi.h>

struct cap {
	uint8_t type;		/* enum cairn_cap_type */
	uint8_t flags;		/* table nodes: level; gates: CAIRN_SINV_*; threads: CAIRN_THREAD_LOCAL */
	uint16_t reserved0;
	uint32_t gen;		/* gates: the component generation they call (obj.h) */
	void *obj;		/* the object referenced, or NULL */
	uint64_t a, b;		/* type-specific words (docs/objects.md) */
};

_Static_assert(sizeof(struct cap) == 32, "a slot is 32 bytes");

struct captbl_leaf {
	struct cap slot[CAIRN_CAPTBL_LEAF_SLOTS];
};

struct captbl_root {
	struct captbl_leaf *leaf[CAIRN_CAPTBL_ROOT_SLOTS];
};

_Static_assert(sizeof(struct captbl_leaf) == 4096, "a leaf is one frame");
_Static_assert(sizeof(struct captbl_root) == 4096, "a root is one frame");

/* The slot for index idx, or NULL if idx is out of range or its leaf is absent. */
static inline struct cap *captbl_lookup(struct captbl_root *t, uint64_t idx)
{
	if (unlikely(idx >= CAIRN_CAPTBL_MAX))
		return NULL;
	struct captbl_leaf *leaf = t->leaf[idx / CAIRN_CAPTBL_LEAF_SLOTS];
	return likely(leaf) ? &leaf->slot[idx % CAIRN_CAPTBL_LEAF_SLOTS] : NULL;
}

/*
 * Looks idx up for an operation: CAIRN_ERANGE past the table, CAIRN_ENOENT for an
 * absent leaf or an empty slot, else 0 with *out set.
 */
int captbl_get(struct captbl_root *t, uint64_t idx, struct cap **out);
/* As captbl_get, but a forwarder gives its target (CAIRN_ENOENT once rescinded). */
int captbl_get_fwd(struct captbl_root *t, uint64_t idx, struct cap **out);
/* As captbl_get, but the slot must be empty and not slot 0: CAIRN_EBUSY if it is used. */
int captbl_get_free(struct captbl_root *t, uint64_t idx, struct cap **out);

/* True for the capabilities that own their object (frame.h: caps); a local THREAD one does not. */
static inline bool cap_owns(const struct cap *c)
{
	return c->type == CAIRN_CAP_CAPTBL || c->type == CAIRN_CAP_PGTBL || c->type == CAIRN_CAP_COMP ||
	       (c->type == CAIRN_CAP_THREAD && !c->flags) || c->type == CAIRN_CAP_INDIR;
}

/*
 * An indirection (Keykos's rescindable forwarder): a capability, its target, handed
 * out as forwarders (FWD capabilities: obj = the indirection, a = its generation when
 * minted). A forwarder acts as the target wherever a capability is named, invoked or
 * passed, as long as the indirection holds a target at the forwarder's generation.
 * Rescinding empties the target and moves the generation on: every forwarder ever
 * minted, and every copy of one, is void at once, in constant work, without finding
 * them. The indirection's frame stays referenced by the void forwarders until they are
 * removed (no slot points at freed memory); it can take a new target meanwhile.
 */
struct indir {
	struct cap target;	/* NONE: empty (fresh or rescinded) */
	uint64_t gen;
};

/* What a forwarder acts as: its indirection's target, or NULL if rescinded. */
static inline struct cap *fwd_target(const struct cap *fwd)
{
	struct indir *x = fwd->obj;
	return likely(x->gen == fwd->a && x->target.type != CAIRN_CAP_NONE) ? &x->target : NULL;
}

/* The frame table entry of an object's frame: its references and owning capabilities (frame.h). */
struct frame *obj_frame(const void *obj);

/* References on the frame of an object (frame.h). */
void obj_ref(void *obj);
void obj_unref(void *obj);

/*
 * Decode steps for what adds a reference (limits in frame.h): 0 if obj (NULL: none)
 * may gain one more reference, and src be copied once more (its object one more
 * reference and, for an owning capability, one more owner); else CAIRN_EOVERFLOW.
 */
int obj_ref_check(const void *obj);
int cap_copy_check(const struct cap *src);

/*
 * Hooks leaf (a fresh, unhooked leaf node) under root at pos: CAIRN_ERANGE past the
 * root, CAIRN_EBUSY position used or leaf hooked already, CAIRN_EOVERFLOW the leaf has
 * FRAME_REFS_MAX references.
 */
int captbl_cons(struct captbl_root *root, uint64_t pos, struct captbl_leaf *leaf);
/*
 * Unhooks the leaf at pos; it must hold no capabilities. A leaf that no capability
 * names is destroyed with it (its frame is free for MEM_RETYPE).
 */
int captbl_decons(struct captbl_root *root, uint64_t pos);
/*
 * Copies the capability in src to the empty slot dst; the object gains a reference
 * (the caller checked cap_copy_check, or src is a new object's first capability).
 */
void cap_copy(struct cap *dst, const struct cap *src);
/* Empties the slot: the object loses this reference. */
void cap_clear(struct cap *c);

#endif
