/*
 * control.c: the booter serves interfaces/control.toml to the components that import it
 * (docs/systems.md, "The control"): restart(index) restarts a component described
 * `restart = true` by the path a crash takes (restart.c). The call enters the booter on
 * the client's own thread through one gate (the badge says who calls and which
 * function) and does here what the keeper does for a crash: the kernel half of the
 * restart (COMP_RESTART: every thread inside the component and every gate into it is
 * stale), marks the component crashed, with who asked (bcomp.requested), and wakes the
 * booter's thread, which restarts it (restart.c: fresh memory, its initialisation,
 * COMP_READY) and counts the generation as a restart. The call does not wait for that.
 *
 * Every argument is checked: an index past the end or the caller itself is
 * CAIRN_EINVAL; a component not described `restart = true` is CAIRN_EACCES (the booter
 * is not its keeper, so nothing would restart it), as is a call on any thread but the
 * caller's own first thread (on another's thread, the thread could be inside the
 * component named, and COMP_RESTART would unwind it here); one already crashed,
 * restarting or down is CAIRN_EBUSY; before the keepers are set (the system's
 * initialisation) CAIRN_EAGAIN.
 */
#include "libboot.h"
#include <cairn/gate.h>
#include <iface/control.h>


/* Whether c is between a crash (or a request) and the end of its restart, or down. */
static int busy(const struct bcomp *c)
{
	return __atomic_load_n(&c->down, __ATOMIC_ACQUIRE) || __atomic_load_n(&c->crashed, __ATOMIC_ACQUIRE) ||
	       __atomic_load_n(&c->restarting, __ATOMIC_ACQUIRE);
}

/* Component `by` asks, on its own thread, for component i's restart. */
static long restart(struct booter *b, unsigned by, cairn_word i, cairn_word tid)
{
	if (i >= b->sd->ncomps || i == by)
		return CAIRN_EINVAL;
	struct bcomp *c = &b->c[i];
	if (!c->sd->restart || tid != b->c[by].tid)
		return CAIRN_EACCES;
	if (!b->supervise)
		return CAIRN_EAGAIN;	/* the keepers are not set yet: no one would restart it */
	if (busy(c))
		return CAIRN_EBUSY;
	long r = cairn_comp_restart(c->comp);
	if (r < 0)
		return r;	/* CAIRN_EOVERFLOW: its generations are used up; nothing changed */
	__atomic_store_n(&c->requested, by + 1, __ATOMIC_RELEASE);
	__atomic_store_n(&c->crashed, 1, __ATOMIC_RELEASE);
	cairn_asnd_send(b->wake, CAIRN_SEND_YIELD);	/* the booter's thread restarts it */
	return 0;
}

static struct cairn_ret2 gate(cairn_word a, cairn_word b_, cairn_word c_, cairn_word d, cairn_word badge,
			      cairn_word tid)
{
	unsigned fn;
	long client = boot_iface_client(badge, &fn);

	(void)b_, (void)c_, (void)d;
	if (client < 0)
		return (struct cairn_ret2){ CAIRN_EINVAL, 0 };	/* not a badge we made */
	if (fn != CONTROL_RESTART)
		return (struct cairn_ret2){ CAIRN_ENOSYS, 0 };
	return (struct cairn_ret2){ restart(boot_server, (unsigned)client, a, tid), 0 };
}
CAIRN_GATE(boot_control_entry, gate)

long boot_control_gate(struct booter *b, unsigned client, unsigned slot, unsigned fn)
{
	return boot_iface_gate(b, client, slot, (cairn_word)boot_control_entry, fn);
}
