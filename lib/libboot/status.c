/*
 * status.c: the booter serves interfaces/status.toml, a read-only view of the live
 * system, to the components that import it (docs/systems.md, "The status"): how many
 * components, each one's name, state, threads, restarts and faults, the system's name.
 * A call enters the booter on the client's thread through one gate (the badge says who
 * calls and which function), reads the booter's tables and returns; it waits for
 * nothing and writes nothing. The fields it reads are written by the booter's threads
 * (sched.c: state; restart.c: generation, crashed, restarting, down, faults), so each is
 * read once, atomically: a result is a snapshot as of some moment of the call, never a
 * torn word. Every argument is checked against the tables: an index past the end, or a
 * name word past the name, is CAIRN_EINVAL.
 */
#include "libboot.h"
#include <cairn/gate.h>
#include <cairn/status.h>
#include <iface/status.h>


/* Bytes 8w..8w+7 of name s (at most CAIRN_NAME_MAX - 1 characters read), NUL-padded. */
static cairn_word name_word(const char *s, unsigned w)
{
	cairn_word v = 0;
	unsigned i = 0;

	while (i < 8 * w && i < CAIRN_NAME_MAX - 1 && s[i])
		i++;
	if (i < 8 * w)
		return 0;	/* the name ended before this word */
	for (unsigned j = 0; j < 8 && i + j < CAIRN_NAME_MAX - 1 && s[i + j]; j++)
		v |= (cairn_word)(uint8_t)s[i + j] << (8 * j);
	return v;
}

static struct cairn_ret2 name_words(const char *s, cairn_word w)
{
	if (w >= STATUS_NAME_WORDS)
		return (struct cairn_ret2){ CAIRN_EINVAL, 0 };
	return (struct cairn_ret2){ (long)name_word(s, (unsigned)w), name_word(s, (unsigned)w + 1) };
}

static uint32_t restarts_of(const struct bcomp *c)
{
	uint32_t g = __atomic_load_n(&c->generation, __ATOMIC_RELAXED);

	return g ? g - 1 : 0;
}

/* Component c's state (cairn/status.h), from what the booter's threads last wrote. */
static unsigned state_of(const struct bcomp *c)
{
	if (__atomic_load_n(&c->down, __ATOMIC_ACQUIRE))
		return STATUS_STATE_CRASHED;
	if (__atomic_load_n(&c->crashed, __ATOMIC_ACQUIRE) || __atomic_load_n(&c->restarting, __ATOMIC_ACQUIRE))
		return STATUS_STATE_RESTARTING;
	switch (__atomic_load_n(&c->state, __ATOMIC_RELAXED)) {
	case T_RUNNABLE:
		return STATUS_STATE_RUNNING;
	case T_BLOCKED:
		return STATUS_STATE_WAITING;
	default:
		return STATUS_STATE_STOPPED;
	}
}

static struct cairn_ret2 component(struct booter *b, cairn_word index)
{
	if (index >= b->sd->ncomps)
		return (struct cairn_ret2){ CAIRN_EINVAL, 0 };
	const struct bcomp *c = &b->c[index];
	unsigned st = state_of(c);
	unsigned threads = st == STATUS_STATE_STOPPED || st == STATUS_STATE_CRASHED ? 0 : 1;	/* its first */
	return (struct cairn_ret2){ (long)STATUS_INFO(st, threads, restarts_of(c)),
				    __atomic_load_n(&c->faults, __ATOMIC_RELAXED) };
}

static struct cairn_ret2 gate(cairn_word a, cairn_word b_, cairn_word c_, cairn_word d, cairn_word badge,
			      cairn_word tid)
{
	struct booter *b = boot_server;
	unsigned fn;

	(void)c_, (void)d, (void)tid;
	if (boot_iface_client(badge, &fn) < 0)
		return (struct cairn_ret2){ CAIRN_EINVAL, 0 };	/* not a badge we made */
	switch (fn) {
	case STATUS_SYSTEM: {
		uint64_t restarts = 0;
		for (unsigned i = 0; i < b->sd->ncomps; i++)
			restarts += restarts_of(&b->c[i]);
		return (struct cairn_ret2){ b->sd->ncomps, restarts };
	}
	case STATUS_COMPONENT:
		return component(b, a);
	case STATUS_NAME:
		if (a >= b->sd->ncomps)
			return (struct cairn_ret2){ CAIRN_EINVAL, 0 };
		return name_words(b->sd->comp[a].name, b_);
	case STATUS_SYSTEM_NAME:
		return name_words(b->sd->name, a);
	default:
		return (struct cairn_ret2){ CAIRN_ENOSYS, 0 };
	}
}
CAIRN_GATE(boot_status_entry, gate)

long boot_status_gate(struct booter *b, unsigned client, unsigned slot, unsigned fn)
{
	return boot_iface_gate(b, client, slot, (cairn_word)boot_status_entry, fn);
}
