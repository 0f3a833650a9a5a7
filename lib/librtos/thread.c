/*
 * thread.c: threads and processes of the RTOS API (cairn/rtos.h), through the rtos
 * component (cairn/rtos_abi.h).
 */
#include "call.h"
#include <cairn/malloc.h>

int main(void);
extern char rtos_probe_read[], rtos_probe_write[], rtos_probe_fixup[];

/* Every thread of a process starts here (entry.S): main, or a thread's entry. */
__attribute__((noreturn)) void rtos_thread_start(struct rtos_tls *tls)
{
	tls->probe_read = (uint64_t)rtos_probe_read;
	tls->probe_write = (uint64_t)rtos_probe_write;
	tls->probe_fixup = (uint64_t)rtos_probe_fixup;
	rtos_probing = 1;
	if (!tls->entry)
		process_exit(main());
	((void (*)(void))tls->entry)();
	thread_exit(0);
}

/*
 * The scheduling word (RTOS_SCHED) the parameters ask for, starting from *w (the
 * caller's priority): EINVAL or ENOTSUP if they ask for nothing valid, EACCES for a
 * kind for internal use only. A budget or window makes an earliest-deadline-first
 * thread (both needed, with budget <= deadline <= window; the deadline defaults to
 * the window); so does a proportion, 1..100 percent of every RTOS_PROP_WINDOW_US
 * (not with a budget, window or deadline); without them the thread is
 * fixed-priority, with a weight (1..RTOS_WEIGHT_MAX, alone) if one is given. (The process's priority ceiling is the rtos component's to check.)
 */
static int params(const sched_param_t *p, size_t n, uint64_t *w)
{
	unsigned prio = RTOS_SCHED_PRIO(*w), budget = 0, window = 0, deadline = 0, core = 0, share = 0;
	unsigned weight = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned v = p[i].val;
		switch (p[i].type) {
		case SCHEDP_NOOP:
			break;
		case SCHEDP_CORE_ID:	/* the rtos checks it against the cores it runs */
			if (v >= ((const struct cairn_root *)CAIRN_ROOT_VA)->cores)
				return EINVAL;
			core = v + 1;
			break;
		case SCHEDP_PRIO:
			if (v > RTOS_PRIO_LOWEST)
				return EINVAL;
			prio = v;
			break;
		case SCHEDP_RPRIO:	/* v levels more urgent than the caller */
			if (v > prio)
				return EINVAL;
			prio -= v;
			break;
		case SCHEDP_RLPRIO:	/* v levels less urgent */
			if (prio + v > RTOS_PRIO_LOWEST)
				return EINVAL;
			prio += v;
			break;
		case SCHEDP_DEADLINE:
			deadline = v;
			break;
		case SCHEDP_BUDGET:
			budget = v;
			break;
		case SCHEDP_WINDOW:
			window = v;
			break;
		case SCHEDP_PROPORTION:
			if (!v || v > 100)
				return EINVAL;
			share = v;
			break;
		case SCHEDP_WEIGHT:
			if (!v || v > RTOS_WEIGHT_MAX)
				return EINVAL;
			weight = v;
			break;
		case SCHEDP_IDLE:
		case SCHEDP_INIT:
		case SCHEDP_IPI_HANDLER:
		case SCHEDP_TIMER:
			return EACCES;
		default:
			return EINVAL;
		}
	}
	if ((share && (budget || window || deadline)) || (weight && (share || budget || window || deadline)))
		return EINVAL;
	if (share) {
		budget = share * (RTOS_PROP_WINDOW_US / 100);
		window = RTOS_PROP_WINDOW_US;
	}
	if (budget || window || deadline) {
		if (!deadline)
			deadline = window;
		if (!budget || !window || budget > deadline || deadline > window)
			return EINVAL;
	}
	*w = RTOS_SCHED(prio, weight ? weight : budget, window, deadline);
	if (core)
		*w = RTOS_SCHED_ON(*w, core - 1);
	return 0;
}

/* The caller's scheduling word with only its priority (what new threads start from). */
static uint64_t my_prio(void)
{
	return RTOS_SCHED_PRIO(rtos_tls()->sched);
}

thread_t thread_create(void (*entry)(void), const sched_param_t *p, size_t n, size_t flags)
{
	uint64_t w = my_prio();
	uint64_t stack = (flags & THREAD_STACK_1M) ? (1UL << 20) : (flags & THREAD_STACK_4K) ? 4096 : RTOS_STACK_DEFAULT;

	if (!entry || rtos_check_array(p, n, sizeof(*p), 0) ||
	    (flags & ~(size_t)(THREAD_STACK_4K | THREAD_STACK_1M | THREAD_NO_JOIN)) || params(p, n, &w))
		return 0;
	long h = rtos_call((enum rtos_call)RTOS_THREAD_CREATE, (cairn_word)entry, w, stack,
			   (flags & THREAD_NO_JOIN) != 0).r0;
	return h > 0 ? (thread_t)h : 0;
}

/* The parameters state the caller's whole policy: without a budget it is fixed-priority. */
int thread_set_params(const sched_param_t *p, size_t n)
{
	uint64_t w = my_prio();

	if (rtos_check_array(p, n, sizeof(*p), 0))
		return EFAULT;
	int r = params(p, n, &w);
	if (r)
		return r;
	if (w == rtos_tls()->sched)
		return 0;
	r = (int)rtos_call1(RTOS_THREAD_SCHED, w);
	if (!r)
		rtos_tls()->sched = RTOS_SCHED_NO_CORE(w);
	return r;
}

int thread_kill(thread_t tid)
{
	return (int)rtos_call1(RTOS_THREAD_KILL, tid);
}

void thread_exit(int status)
{
	alloc_thread_exit(alloc_thread_cache());	/* its cached objects back to the pool */
	rtos_call1(RTOS_THREAD_EXIT, (cairn_word)(long)status);
	__builtin_unreachable();
}

int thread_get_exit_status(thread_t tid)
{
	return (int)rtos_call1(RTOS_THREAD_STATUS, tid);
}

/*
 * Within its process's lease by itself (local.c), else through the rtos, which may
 * grant the lease for this yield (RTOS_YIELD_LOCAL); a lease lost again before the
 * switch: through the rtos after all.
 */
void thread_yield(void)
{
	if (rtos_local_yield() && rtos_call1(RTOS_YIELD, 0) == RTOS_YIELD_LOCAL && rtos_local_yield())
		rtos_call1(RTOS_YIELD, RTOS_YIELD_NO_LEASE);
}

thread_t thread_self(void)
{
	return rtos_self();
}

void process_exit(int status)
{
	rtos_call1(RTOS_PROCESS_EXIT, (cairn_word)(long)status);
	__builtin_unreachable();
}

/* The whole string is checked before any of it is written: a bad one prints nothing. */
void io_print(const char *msg)
{
	long len = msg ? rtos_str_len(msg) : 0;
	size_t n = len > 0 ? (size_t)len : 0;

	for (size_t at = 0; at < n; at += CAIRN_DEBUG_WRITE_MAX)
		cairn_debug_write(msg + at, n - at < CAIRN_DEBUG_WRITE_MAX ? n - at : CAIRN_DEBUG_WRITE_MAX);
}

/*
 * The limits word (RTOS_LIMITS) of a resources array, and its budget word (RTOS_CPU)
 * into the caller's TLS page for the call; -1 if it is not valid. A count past what
 * the word holds is no limit the RTOS could reach: it is held at the most. The
 * budget's bounds are the rtos component's to check.
 */
static int64_t limits(const size_t *res, size_t n)
{
	static const size_t most[RTOS_RES_COUNT] = { UINT32_MAX, UINT16_MAX, SIZE_MAX, SIZE_MAX, SIZE_MAX };
	size_t v[RTOS_RES_COUNT] = { 0 };

	if (n > RTOS_RES_COUNT || rtos_check_array(res, n, sizeof(*res), 0))
		return -1;
	for (size_t i = 0; i < n; i++)
		v[i] = res[i] > most[i] ? most[i] : res[i];
	if (v[RTOS_RES_CEILING] > RTOS_PRIO_LOWEST || v[RTOS_RES_CPU_BUDGET] > UINT32_MAX ||
	    v[RTOS_RES_CPU_PERIOD] > UINT32_MAX)
		return -1;
	rtos_tls()->cpu = RTOS_CPU(v[RTOS_RES_CPU_BUDGET], v[RTOS_RES_CPU_PERIOD]);
	return (int64_t)RTOS_LIMITS(v[RTOS_RES_PAGES], v[RTOS_RES_THREADS], v[RTOS_RES_CEILING]);
}

/* A new process's main thread with limits lim starts at 128, or its ceiling if less urgent. */
static uint64_t main_prio(int64_t lim)
{
	unsigned c = RTOS_LIMIT_CEILING(lim) ? RTOS_LIMIT_CEILING(lim) : (unsigned)rtos_tls()->ceiling;

	return c > RTOS_PRIO_DEFAULT ? c : RTOS_PRIO_DEFAULT;
}

proc_t process_create_fs(const char *path, const sched_param_t *p, size_t n, const size_t *resources,
			 size_t num_resources, size_t flags)
{
	long len = rtos_str_copy(rtos_tls()->msg, path, RTOS_MSG_BYTES);	/* the call's path */
	int64_t lim = limits(resources, num_resources);
	uint64_t w = main_prio(lim);

	if (len <= 0 || rtos_check_array(p, n, sizeof(*p), 0) || flags || params(p, n, &w) || lim < 0)
		return 0;
	long r = rtos_call(RTOS_PROC_CREATE, w, (cairn_word)lim, 0, 0).r0;
	return r > 0 ? (proc_t)r : 0;
}

/*
 * The image goes to the rtos component in a region of fresh pages shared for the
 * call (it copies what it loads); the pages go again after.
 */
proc_t process_create(const void *elf, size_t len, const char *name, const sched_param_t *p, size_t n,
		      const size_t *resources, size_t num_resources, size_t flags)
{
	size_t bytes = (len + 4095) & ~4095UL;
	char nm[RTOS_NAME_MAX];
	long nlen = rtos_str_copy(nm, name, sizeof(nm));
	int64_t lim = limits(resources, num_resources);
	uint64_t w = main_prio(lim);

	if (!len || len > RTOS_IMAGE_MAX || nlen <= 0 || rtos_check_array(p, n, sizeof(*p), 0) || flags ||
	    params(p, n, &w) || lim < 0 || rtos_check(elf, len, 0))
		return 0;
	char *copy = mem_get_pages(0, bytes, 0);
	size_t rid = copy ? (memcpy(copy, elf, len), mem_shared_create_anon(copy, bytes, 0)) : 0;
	long r = 0;
	if (rid) {
		memcpy(rtos_tls()->msg, nm, (size_t)nlen + 1);	/* the call's name */
		r = rtos_call(RTOS_PROC_IMAGE, rid, len, w, (cairn_word)lim).r0;
		mem_shared_destroy_anon(rid);
	}
	if (copy)
		mem_free_pages(copy, bytes);
	return r > 0 ? (proc_t)r : 0;
}

int process_get_exit_status(proc_t pid)
{
	return (int)rtos_call1(RTOS_PROC_STATUS, pid);
}
