/*
 * run.c: the "rtos" interface (interfaces/rtos.toml): components the description gives
 * the import ask for programs of the file system to be started as processes. A call
 * runs on the caller's thread (thread migration), which is not an RTOS thread: it must
 * never take the scheduler lock (the booter may preempt it holding the lock, and every
 * S would spin). So a call only posts into the caller's mailbox (atomics; one request
 * per client, by the gate's badge, which it cannot forge) and wakes S_0 with a send to
 * its endpoint; S_0 takes the request at its next pass, locked (run_take), starts the
 * process and posts the outcome, which the caller's `result` collects.
 *
 * A mailbox moves FREE -> FILLING (run, its claim) -> POSTED -> TAKEN (S_0) -> DONE ->
 * FREE (result), or DONE -> FILLING (a run dropping an outcome never collected). Only
 * the client moves it out of FREE and DONE, only S_0 out of POSTED and TAKEN, each with
 * a compare-and-swap.
 *
 * Between main.c (S_0 calls run_take and run_kept) and life.c (proc_start).
 */
#define CAIRN_SERVE_RTOS
#include <iface/rtos.h>
#include "handle.h"

enum { RUN_FREE, RUN_FILLING, RUN_POSTED, RUN_TAKEN, RUN_DONE };

#define RUN_NAME 32		/* bytes of a program's name: the call's four words */

static struct {
	uint32_t state;
	char name[RUN_NAME + 1];
	long status;		/* DONE: 0 or the start's error */
	uint64_t pid;		/* DONE with status 0 */
} box[CAIRN_SD_COMPS];		/* by badge - 1 */

enum { SERVE_NOT_YET, SERVE_UP, SERVE_BYE, SERVE_ENDED };
static uint32_t serving;	/* SERVE_*: moved by S_0 but for bye */
static uint32_t posted;		/* a run was posted since S_0 last looked */
static int exported;		/* the description exports the interface: S_0 stays */

/* The gate's badge as a mailbox, or 0: the booter's badges are component numbers 1..CAIRN_SD_COMPS. */
static uint32_t *box_of(cairn_word client)
{
	return client >= 1 && client <= CAIRN_SD_COMPS ? &box[client - 1].state : 0;
}

/* The name in w[4] into out[RUN_NAME + 1]: 0, or CAIRN_EINVAL (empty, a bad byte, a byte after its end). */
static long name_of(const cairn_word w[4], char *out)
{
	const char *s = (const char *)w;
	unsigned n = 0;

	while (n < RUN_NAME && s[n])
		n++;
	for (unsigned i = n; i < RUN_NAME; i++)
		if (s[i])
			return CAIRN_EINVAL;
	for (unsigned i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
		      c == '.' || c == '-'))
			return CAIRN_EINVAL;
	}
	memcpy(out, s, n);
	out[n] = 0;
	return n ? 0 : CAIRN_EINVAL;
}

long rtos_run_serve(cairn_word w0, cairn_word w1, cairn_word w2, cairn_word w3, cairn_word client)
{
	const cairn_word w[4] = { w0, w1, w2, w3 };
	char name[RUN_NAME + 1];
	uint32_t *st = box_of(client), free_ = RUN_FREE, done = RUN_DONE;
	uint32_t up = __atomic_load_n(&serving, __ATOMIC_ACQUIRE);

	if (!st || name_of(w, name))
		return CAIRN_EINVAL;
	if (up == SERVE_NOT_YET)
		return CAIRN_EAGAIN;
	if (up != SERVE_UP)
		return CAIRN_ENOTSUP;
	if (!__atomic_compare_exchange_n(st, &free_, RUN_FILLING, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED) &&
	    !__atomic_compare_exchange_n(st, &done, RUN_FILLING, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return CAIRN_EBUSY;
	memcpy(box[client - 1].name, name, sizeof(name));
	__atomic_store_n(st, RUN_POSTED, __ATOMIC_RELEASE);
	__atomic_store_n(&posted, 1, __ATOMIC_RELEASE);
	cairn_asnd_send(sched.core[0].wake, 0);	/* S_0 looks at its next pass */
	return 0;
}

long rtos_result_serve(cairn_word client, cairn_word *pid)
{
	uint32_t *st = box_of(client), done = RUN_DONE;

	if (!st)
		return CAIRN_EBADF;
	uint32_t now = __atomic_load_n(st, __ATOMIC_ACQUIRE);
	if (now == RUN_FREE)
		return CAIRN_EBADF;
	if (now != RUN_DONE)
		return CAIRN_EAGAIN;
	long status = box[client - 1].status;
	*pid = box[client - 1].pid;
	if (!__atomic_compare_exchange_n(st, &done, RUN_FREE, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		return CAIRN_EBADF;	/* a concurrent call of the same client collected it */
	return status;
}

long rtos_bye_serve(cairn_word client)
{
	uint32_t up = __atomic_load_n(&serving, __ATOMIC_ACQUIRE);

	(void)client;
	while ((up == SERVE_NOT_YET || up == SERVE_UP) &&
	       !__atomic_compare_exchange_n(&serving, &up, SERVE_BYE, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		;	/* (S_0 moved it meanwhile: at most twice) */
	if (up == SERVE_UP)
		cairn_asnd_send(sched.core[0].wake, 0);	/* S_0 ends if no process is left */
	return 0;
}

/* S_0, once it can be woken (its send made): runs are served, and kept says whether they are exported. */
void run_serve(void)
{
	uint32_t not_yet = SERVE_NOT_YET;

	exported = cairn_arg_flag(root, "serve");
	__atomic_compare_exchange_n(&serving, &not_yet, SERVE_UP, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED);
}

/* S_0, as the RTOS ends: runs are refused from now on (CAIRN_ENOTSUP). */
void run_end(void)
{
	__atomic_store_n(&serving, SERVE_ENDED, __ATOMIC_RELEASE);
}

/*
 * S_0: whether it stays when no process is left. So while the description exports the
 * interface (tools/system.py gives the rtos component the argument "serve") and no
 * bye came: an importer can still ask.
 */
int run_kept(void)
{
	return exported && __atomic_load_n(&serving, __ATOMIC_ACQUIRE) == SERVE_UP;
}

/* Locked, S_0: starts every posted program, as /etc/init's (PROC_DEFAULT_PRIO on core 0, ceiling 0, no limits). */
void run_take(void)
{
	if (!__atomic_exchange_n(&posted, 0, __ATOMIC_ACQUIRE))
		return;
	for (unsigned i = 0; i < CAIRN_SD_COMPS; i++) {
		uint32_t was = RUN_POSTED;
		if (!__atomic_compare_exchange_n(&box[i].state, &was, RUN_TAKEN, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			continue;
		char path[RUN_NAME + 6] = "/bin/";
		memcpy(path + 5, box[i].name, RUN_NAME + 1);
		long err = 0;
		const struct proc_args a = { .sched_word = PROC_DEFAULT_PRIO };
		struct rproc *p = proc_start(path, &a, &err);
		box[i].status = p ? 0 : err;
		box[i].pid = p ? proc_handle(p) : 0;
		__atomic_store_n(&box[i].state, RUN_DONE, __ATOMIC_RELEASE);
	}
}
