/*
 * checkpointer: keeps its system's persistent components on a disk (docs/persistence.md).
 * At start it opens the checkpoint store (cairn/ckpt.h) on the disk behind its block
 * transport (ports blk_req and blk_resp, region blk_data: as systems/blk.toml's
 * bootcount), and gives the booter back the newest whole checkpoint of this system
 * (persist.restore: the components resume where it was taken), or starts them fresh
 * (persist.start) and says why: an empty disk, a store of another description, or a
 * checkpoint that does not fit. Then, every `every_ms` milliseconds (args; 200 if not
 * given), and whenever an importer of interfaces/checkpoint.toml asks (now, below), it
 * has the booter take their state at an instant (persist.capture, into its staging
 * buffer) and writes it as the next checkpoint; after `rounds` checkpoints (args; none:
 * for ever) it stops, with the disk driver. With `bench=N` it measures instead (bench
 * below: bench/systems/persist.toml).
 *
 * Each line it prints says what it did: a checkpoint taken, with a digest of the state
 * (CRC-32 of every record's name and bytes), then committed once the disk holds it; a
 * resume, with the digest of what it gave back. So a test can tell that a resume gave
 * back exactly the state a checkpoint took.
 */
#include <cairn/bench.h>
#include <cairn/cairn.h>
#include <cairn/ckpt.h>
#include <cairn/persist.h>
#include <cairn/sysdesc.h>
#include <cairn/xport.h>
#define CAIRN_SERVE_CHECKPOINT
#include <iface/checkpoint.h>
#include <iface/persist.h>
#include <iface/timer.h>
#include <iface/virtio_blk.h>
#include <iface/wait.h>

#define PAGE 4096u
#define RETRY_US 500		/* a capture refused (a thread in a call): tried again so soon */
#define STILL_TRIES 200		/* refusals (0.1 s of them) before the callers waiting are let go */
#define COLLECT_BATCH 16u	/* records made whole (persist.collect) at a time, as they are written */

_Static_assert(PERSIST_AREA_BLOCKS == 1 + PERSIST_ROOM + (PERSIST_ROOM * sizeof(struct ckpt_entry) + CKPT_BLOCK - 1) /
	       CKPT_BLOCK, "cairn/persist.h's area: a commit record, the records, their directory");

static uint8_t stage[PERSIST_STAGE_PAGES * PAGE] __attribute__((aligned(PAGE)));
static struct ckpt_entry dir[PERSIST_DIR_CAP];
static struct ckpt store;
static struct xport_blk_sync blk;
static uint8_t *data;		/* the region the driver reads and writes: one block at its start */
static uint64_t tsc_hz;

/* ---- the store's device: the block transport, a block at a time ---- */

static long transfer(uint32_t op, uint64_t block)
{
	struct xport_blk_resp r = xport_blk_sync_call(&blk, op, op == XPORT_BLK_FLUSH ? 0 : 1, block, 0);

	return r.status;
}

static long dev_read(void *ctx, uint64_t block, void *buf)
{
	long r = transfer(XPORT_BLK_READ, block);

	(void)ctx;
	if (!r)
		memcpy(buf, data, PAGE);
	return r;
}

static long dev_write(void *ctx, uint64_t block, const void *buf)
{
	(void)ctx;
	memcpy(data, buf, PAGE);
	return transfer(XPORT_BLK_WRITE, block);
}

static long dev_flush(void *ctx)
{
	(void)ctx;
	return transfer(XPORT_BLK_FLUSH, 0);
}

static struct ckpt_dev dev = { .read = dev_read, .write = dev_write, .flush = dev_flush };

/* ---- the staging buffer (cairn/persist.h's layout) ---- */

static struct persist_header *table(void)
{
	return (struct persist_header *)stage;
}

/* Bytes of a record of kind k (cairn/persist.h), 0: no such kind. */
static uint32_t rec_len(unsigned k)
{
	return k == PERSIST_PAGE ? PAGE : k == PERSIST_THREAD ? PERSIST_REGS * 8
		: k == PERSIST_LINK ? sizeof(struct persist_link) : 0;
}

/* CRC-32 of the staged state: every record's kind, component, key and bytes, in order. */
static uint32_t digest(void)
{
	const struct persist_header *h = table();
	uint32_t crc = 0;

	for (uint32_t i = 0; i < h->records; i++) {
		const struct persist_rec *e = &h->rec[i];
		uint64_t name[2] = { (uint64_t)e->kind << 16 | e->comp, e->key };
		crc = ckpt_crc32(crc, name, sizeof(name));
		crc = ckpt_crc32(crc, stage + (uint64_t)e->page * PAGE, rec_len(e->kind));
	}
	return crc;
}

/* Stages the checkpoint in use: 0, or CAIRN_EINVAL (a record the booter could not take back). */
static long stage_checkpoint(void)
{
	struct persist_header *h = table();

	memset(stage, 0, PERSIST_TABLE_PAGES * PAGE);
	h->magic = PERSIST_MAGIC;
	if (store.entries > PERSIST_ROOM)
		return CAIRN_EINVAL;
	for (uint32_t i = 0; i < store.entries; i++) {
		const struct ckpt_entry *e = &store.dir[i];
		uint32_t page = PERSIST_TABLE_PAGES + i;
		if (!rec_len(e->kind) || e->len != rec_len(e->kind))
			return CAIRN_EINVAL;
		long r = ckpt_read(&store, e, stage + (uint64_t)page * PAGE, PAGE);
		if (r < 0)
			return r;
		h->rec[i] = (struct persist_rec){ .kind = e->kind, .comp = e->comp, .page = page, .key = e->key };
	}
	h->records = store.entries;
	return 0;
}

/*
 * Writes the captured state as the next checkpoint's records (not committed yet): each
 * page made whole in the staging buffer (persist.collect) just before it is written, so
 * the components run while the disk works, and a page they write first is copied then
 * (copy-on-write). 0, or an error (the checkpoint abandoned). *first: the pages their
 * first writes copied.
 */
static long put_records(long *first)
{
	const struct persist_header *h = table();
	long r = ckpt_begin(&store);
	uint32_t whole = 0, pages = 0;
	long copied = 0;

	for (uint32_t i = 0; !r && i < h->records; i++) {
		const struct persist_rec *e = &h->rec[i];
		if (i == whole) {
			whole = h->records - i > COLLECT_BATCH ? i + COLLECT_BATCH : h->records;
			long c = persist_collect(whole);
			r = c < 0 ? c : 0;
			copied += c;
		}
		pages += e->kind == PERSIST_PAGE;
		if (!r)
			r = ckpt_put(&store, e->kind, e->comp, e->key, 0, stage + (uint64_t)e->page * PAGE, rec_len(e->kind));
	}
	if (r)
		ckpt_abort(&store);
	*first = (long)pages - copied;
	return r;
}

/* ---- starting ---- */

static const char *const why_fresh[] = {
	[CKPT_UNFORMATTED] = "the disk held no store (formatted now)",
	[CKPT_NONE] = "the store holds no whole checkpoint",
	[CKPT_OTHER_SYSTEM] = "the store's checkpoints are of another description",
};

/* Resumes the newest whole checkpoint, or starts the persistent components fresh. The checkpoints' count. */
static uint64_t resume(uint64_t hash)
{
	long r = ckpt_open(&store, &dev, dir, PERSIST_DIR_CAP, hash);
	enum ckpt_found found = store.found;

	if (!r && found == CKPT_UNFORMATTED)
		r = ckpt_format(&store, &dev, dir, PERSIST_DIR_CAP, hash) ? CAIRN_EIO : 0;
	if (r) {
		cairn_printf("checkpointer: the disk failed (%ld): the persistent components start fresh, "
			     "and nothing is kept\n", r);
		persist_start();
		return 0;
	}
	if (store.found != CKPT_NEWEST && store.found != CKPT_PREVIOUS) {
		cairn_printf("checkpointer: a fresh start: %s\n", why_fresh[found]);
		persist_start();
		return 0;
	}
	if ((r = stage_checkpoint())) {
		cairn_printf("checkpointer: a fresh start: checkpoint %lu cannot be read (%ld)\n", store.tag, r);
		persist_start();
		return 0;
	}
	r = persist_restore((cairn_word)stage, PERSIST_STAGE_PAGES);
	if (r == CAIRN_EINVAL || r == CAIRN_EFAULT) {	/* nothing written */
		cairn_printf("checkpointer: a fresh start: checkpoint %lu does not fit (%ld)\n", store.tag, r);
		persist_start();
		return 0;
	}
	if (r) {	/* the booter was writing it: the components stay stopped, never half-restored */
		cairn_printf("checkpointer: resuming checkpoint %lu failed (%ld): the persistent components stay "
			     "stopped\n", store.tag, r);
		return store.tag;
	}
	if (store.found == CKPT_PREVIOUS)
		cairn_printf("checkpointer: the newest checkpoint (generation %lu) is damaged: the one before\n",
			     store.bad_gen);
	cairn_printf("checkpointer: resumed checkpoint %lu (generation %lu, %u records, digest %08x)\n",
		     store.tag, store.gen, table()->records, digest());
	return store.tag;
}

/* ---- checkpoints on request (interfaces/checkpoint.toml) ---- */

/*
 * A caller of checkpoint.now, on its own thread in this component, takes a ticket
 * (asked), wakes this component's thread through the booter's timer (a deadline of now
 * replaces its nap's), and waits until the checkpoints done cover its ticket
 * (answered): the first checkpoint taken after it asked. `answer` is that checkpoint's
 * number or error (a later one's, if several went by: also taken after it asked).
 * Once this thread takes no more checkpoints, `closed` answers CAIRN_ESTALE.
 *
 * It waits blocked (interfaces/wait.toml, if imported): its thread's id in a place of
 * waiter[], which this thread wakes after each answer (woke). It publishes its place,
 * then looks at answered; this thread publishes answered, then looks at the places
 * (both sequentially consistent): one sees the other, and a wake before the block
 * makes it return at once. A thread the booter did not make (wait.self refuses it),
 * or one that cannot block (a scheduler's: a nested booter, the RTOS) yields instead,
 * as every caller did before: above a persistent component of its core it would
 * starve it (tools/system.py refuses such callers it can see; a thread a component
 * made, or a gate delegated at run time, escapes that check: STILL_TRIES below).
 */
#define WAITERS CAIRN_SD_COMPS	/* a place for each component's first thread */

static uint64_t asked, answered;
static long answer;
static uint32_t closed;
static cairn_word waiter[WAITERS];	/* blocked callers' thread ids, 0: a free place */

/*
 * A place in waiter[] for thread tid (> 0): its index, or -1 if none is free. A place
 * tid holds already is its own again: one its component's restart left (ids stay).
 */
static int wait_place(cairn_word tid)
{
	for (int i = 0; i < WAITERS; i++)
		if (__atomic_load_n(&waiter[i], __ATOMIC_SEQ_CST) == tid)
			return i;
	for (int i = 0; i < WAITERS; i++) {
		cairn_word free = 0;
		if (__atomic_compare_exchange_n(&waiter[i], &free, tid, 0, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
			return i;
	}
	return -1;
}

/* Wakes every caller blocked in now (after answered or closed moved). */
static void woke(void)
{
	for (int i = 0; i < WAITERS; i++) {
		cairn_word tid = __atomic_load_n(&waiter[i], __ATOMIC_SEQ_CST);
		if (tid)
			wait_wake(tid);
	}
}

long checkpoint_now_serve(cairn_word client)
{
	(void)client;
	if (__atomic_load_n(&closed, __ATOMIC_SEQ_CST))
		return CAIRN_ESTALE;
	uint64_t ticket = __atomic_add_fetch(&asked, 1, __ATOMIC_SEQ_CST);
	long self = wait_self();
	int place = self > 0 ? wait_place((cairn_word)self) : -1;
	long r;

	timer_wake_at(cairn_cycles());	/* (this component's thread: it looks now) */
	for (;;) {
		if (__atomic_load_n(&answered, __ATOMIC_SEQ_CST) >= ticket) {
			r = __atomic_load_n(&answer, __ATOMIC_RELAXED);
			break;
		}
		if (__atomic_load_n(&closed, __ATOMIC_SEQ_CST)) {
			r = CAIRN_ESTALE;
			break;
		}
		if (place < 0 || wait_block() < 0)
			cairn_yield();
	}
	if (place >= 0)
		__atomic_store_n(&waiter[place], 0, __ATOMIC_SEQ_CST);
	return r;
}

/* Whether a caller waits for a checkpoint. */
static int asked_for(void)
{
	return __atomic_load_n(&asked, __ATOMIC_SEQ_CST) != __atomic_load_n(&answered, __ATOMIC_RELAXED);
}

/* The checkpoint asked for up to `upto` is done: r, its number or error (answered never goes back). */
static void answer_upto(uint64_t upto, long r)
{
	if (upto <= __atomic_load_n(&answered, __ATOMIC_RELAXED))
		return;
	__atomic_store_n(&answer, r, __ATOMIC_RELAXED);
	__atomic_store_n(&answered, upto, __ATOMIC_SEQ_CST);
	woke();
}

/* ---- running ---- */

/*
 * Waits us microseconds (the booter's timer); with or_asked, less if a caller asks for
 * a checkpoint. The deadline is armed again at each wake: a caller's (now) replaces it.
 * Without a timer (an RTOS takes it) it looks at the clock between yields: the
 * components of its priority run meanwhile (one held a moment ago leaves the call it
 * was in), and those above it whenever they are ready.
 */
static void nap(uint64_t us, int or_asked)
{
	uint64_t due = cairn_cycles() + cairn_us_ticks(tsc_hz, us);

	while (cairn_cycles() < due && !(or_asked && asked_for())) {
		if (timer_wake_at(due) < 0)
			cairn_yield();
		else
			cairn_rcv_wait(CAIRN_SLOT_RCV);
	}
}

/*
 * Takes and writes checkpoint n: 0 once committed; CAIRN_ESTALE once a persistent
 * component has stopped (none to take); or the error of the capture or the store.
 */
static long checkpoint(uint64_t n)
{
	cairn_word paused = 0;
	long records, first = 0;

	for (unsigned tries = 1; (records = persist_capture((cairn_word)stage, PERSIST_STAGE_PAGES, &paused)) ==
	     CAIRN_EAGAIN; tries++) {
		/* A caller waiting (yielding) above a persistent component of its core may be what
		 * keeps it in its call: let the callers go (CAIRN_EAGAIN), and go on trying. */
		if (tries % STILL_TRIES == 0)
			answer_upto(__atomic_load_n(&asked, __ATOMIC_SEQ_CST), CAIRN_EAGAIN);
		nap(RETRY_US, 0);
	}
	if (records == CAIRN_ESTALE) {
		cairn_printf("checkpointer: a persistent component has stopped: no more checkpoints (the disk "
			     "keeps checkpoint %lu)\n", store.tag);
		return CAIRN_ESTALE;
	}
	if (records >= 0)
		cairn_printf("checkpointer: checkpoint %lu taken (%ld records, %lu cycles paused)\n", n, records,
			     (unsigned long)paused);
	long r = records < 0 ? records : put_records(&first);
	if (!r) {
		cairn_printf("checkpointer: checkpoint %lu written (digest %08x, %ld pages copied at a first write)\n",
			     n, digest(), first);
		r = ckpt_commit(&store, n);
	}
	if (records == CAIRN_ENOBUFS)
		cairn_printf("checkpointer: checkpoint %lu failed (%ld): the persistent components' pages, threads "
			     "and copies are more than %u records (pages the manager gave them count)\n", n, r,
			     (unsigned)PERSIST_ROOM);
	else if (r)
		cairn_printf("checkpointer: checkpoint %lu failed (%ld)\n", n, r);
	else
		cairn_printf("checkpointer: checkpoint %lu committed (generation %lu)\n", n, store.gen);
	return r;
}

/*
 * args bench=N: the work of persistence measured, under -icount shift=0 in guest
 * instructions (cairn/bench.h), for bench/systems/persist.toml: the pause's fixed part
 * and its part per page made read-only (two captures at once), then N captures back to
 * back (the pause per checkpoint and per page), each collected 200 µs later (the ledger
 * runs meanwhile, and times its first writes: components/ledger) with the copy of every
 * page it has not written since, then written to a store in memory (the store's own work,
 * checksums and copies, per checkpoint and per page: the disk's is the block
 * benchmark's), then that store opened and its newest checkpoint read back as a resume
 * does, 5 times.
 */
#define BENCH_MAX 64
#define BENCH_RUN_US 200	/* the ledger runs between a capture and its collect */
#define RAM_BLOCKS 256u
static uint8_t ram[RAM_BLOCKS][PAGE] __attribute__((aligned(PAGE)));

static long ram_read(void *ctx, uint64_t block, void *buf)
{
	(void)ctx;
	memcpy(buf, ram[block], PAGE);
	return 0;
}

static long ram_write(void *ctx, uint64_t block, const void *buf)
{
	(void)ctx;
	memcpy(ram[block], buf, PAGE);
	return 0;
}

static long ram_flush(void *ctx)
{
	(void)ctx;
	return 0;
}

static void bench(uint64_t n, uint64_t hash)
{
	static const struct ckpt_dev mem = { .read = ram_read, .write = ram_write, .flush = ram_flush,
					     .blocks = RAM_BLOCKS };
	static uint64_t pause[BENCH_MAX], pause_page[BENCH_MAX], copy[BENCH_MAX], copy_page[BENCH_MAX];
	static uint64_t write[BENCH_MAX], write_page[BENCH_MAX], back[5];
	long records = 0, first;

	n = n > BENCH_MAX ? BENCH_MAX : n;
	if (ckpt_format(&store, &mem, dir, PERSIST_DIR_CAP, hash))
		return;
	/*
	 * The pause's parts: the first capture makes every page read-only (all are
	 * writable), the next at once none (the ledger has not run since: all are read-only
	 * still). Their difference over the pages is a page's share; the second is the rest.
	 */
	static uint64_t fixed[1], per_page[1];
	cairn_word all = 0, none = 0;
	long pages = 0;
	if ((records = persist_capture((cairn_word)stage, PERSIST_STAGE_PAGES, &all)) <= 0 ||
	    persist_collect((cairn_word)records) < 0 ||
	    persist_capture((cairn_word)stage, PERSIST_STAGE_PAGES, &none) != records || persist_collect((cairn_word)records) < 0)
		return;
	for (long i = 0; i < records; i++)
		pages += table()->rec[i].kind == PERSIST_PAGE;
	fixed[0] = none;
	per_page[0] = (all - none) / (uint64_t)pages;
	for (uint64_t k = 0; k < n; k++) {
		cairn_word paused = 0;
		while ((records = persist_capture((cairn_word)stage, PERSIST_STAGE_PAGES, &paused)) == CAIRN_EAGAIN)
			nap(RETRY_US, 0);	/* (the ledger inside the booter's keeper: it must run to leave) */
		nap(BENCH_RUN_US, 0);	/* the ledger runs: its first writes (it times them) */
		uint64_t t0 = bench_rdtsc();
		long copied = records > 0 ? persist_collect((cairn_word)records) : -1;	/* (the ledger waits: its priority) */
		uint64_t t1 = bench_rdtsc();
		if (copied <= 0 || put_records(&first) || ckpt_commit(&store, k + 1))
			return;
		write[k] = bench_rdtsc() - t1;
		copy[k] = t1 - t0;
		pause[k] = paused;
		pause_page[k] = paused / (uint64_t)records;
		copy_page[k] = copy[k] / (uint64_t)copied;
		write_page[k] = write[k] / (uint64_t)records;
	}
	for (unsigned k = 0; k < 5; k++) {
		uint64_t t0 = bench_rdtsc();
		if (ckpt_open(&store, &mem, dir, PERSIST_DIR_CAP, hash) || store.found != CKPT_NEWEST || stage_checkpoint())
			return;
		back[k] = bench_rdtsc() - t0;
	}
	cairn_printf("checkpointer: %ld records a checkpoint\n", records);
	bench_report("persist_pause", bench_summarize(pause, (unsigned)n), "checkpoint");
	bench_report("persist_pause_page", bench_summarize(pause_page, (unsigned)n), "page");
	bench_report("persist_pause_fixed", bench_summarize(fixed, 1), "checkpoint");
	bench_report("persist_pause_per_page", bench_summarize(per_page, 1), "page");
	bench_report("persist_collect", bench_summarize(copy, (unsigned)n), "checkpoint");
	bench_report("persist_collect_page", bench_summarize(copy_page, (unsigned)n), "page");
	bench_report("persist_write", bench_summarize(write, (unsigned)n), "checkpoint");
	bench_report("persist_write_page", bench_summarize(write_page, (unsigned)n), "page");
	bench_report("persist_resume_read", bench_summarize(back, 5), "checkpoint");
}

/* args every_ms=N, rounds=N and bench=N: 0 (*v as it is if the key is absent), or -1 (not a number above 0). */
static int arg(const struct cairn_root *rt, const char *key, uint64_t *v)
{
	uint64_t x = 0;
	long r = cairn_arg_u64(rt, key, &x);

	if (r == CAIRN_ENOENT)
		return 0;
	if (r || x == 0)
		return -1;
	*v = x;
	return 0;
}

/* Checkpoints every `every` ms and on request, until `rounds` (0: for ever) or a stopped component. */
static void run(uint64_t n, uint64_t every, uint64_t rounds)
{
	uint64_t k = 0;

	while (!rounds || k < rounds) {
		nap(every * 1000, 1);
		uint64_t upto = __atomic_load_n(&asked, __ATOMIC_SEQ_CST);	/* (asked before the capture) */
		long c = checkpoint(++n);
		answer_upto(upto, c ? c : (long)n);
		if (c == CAIRN_ESTALE)
			break;
		k++;
	}
	cairn_printf("checkpointer: %lu checkpoints written: it stops\n", k);
	virtio_blk_stop();
	cairn_asnd_send(blk.req_port.peer, 0);	/* the driver stops at its next wake */
}

/* Takes checkpoints (run) with the disk, or measures (bench): 0, or 1 if it cannot. */
static int start(const struct cairn_root *rt)
{
	static const char *const known[] = { "every_ms", "rounds", "bench" };
	const struct cairn_region *region = cairn_region("blk_data");
	uint64_t every = 200, rounds = 0, cap = 0, benches = 0;
	cairn_word count = 0;

	tsc_hz = rt->tsc_hz;
	if (cairn_args_known(rt, known, 3, 0, 0) || arg(rt, "every_ms", &every) || arg(rt, "rounds", &rounds) ||
	    arg(rt, "bench", &benches)) {
		cairn_printf("checkpointer: args: every_ms=N, rounds=N and bench=N (N > 0), each once\n");
		persist_start();
		return 1;
	}
	long hash = persist_hash(&count);
	if (benches) {
		persist_start();
		bench(benches, (uint64_t)hash);
		return 0;
	}
	long r = !region || region->size < PAGE ? CAIRN_ENOENT : xport_blk_sync_open(&blk, "blk_req", "blk_resp");
	if (!r) {
		struct xport_blk_resp c = xport_blk_sync_call(&blk, XPORT_BLK_CAPACITY, 0, 0, 0);
		r = c.status;
		cap = c.count;
	}
	data = region ? (uint8_t *)region->va : 0;
	dev.blocks = cap;
	uint64_t n = r ? 0 : resume((uint64_t)hash);
	if (r) {
		cairn_printf("checkpointer: no disk (%ld): the persistent components start fresh\n", r);
		persist_start();
		return 1;
	}
	if (timer_wake_at(0) < 0)	/* (0: no wake; only asks whether there is a timer) */
		cairn_printf("checkpointer: no timer here (an RTOS takes it): it looks at the clock between yields\n");
	run(n, every, rounds);
	return 0;
}

int main(const struct cairn_root *rt)
{
	int r = start(rt);

	__atomic_store_n(&closed, 1, __ATOMIC_SEQ_CST);	/* no more checkpoints: callers get CAIRN_ESTALE */
	woke();
	return r;
}
