/*
 * persist_probe: interfaces/persist.toml from its one importer, at every error it can
 * reach (tests/qemu/systems/persist_probe.toml, tests/qemu/tests.toml persist_probe).
 * The system: 0 persist_probe (where a checkpointer would be), 1 ledger (persistent,
 * stopping at sequence 3,000,000). Checks:
 *
 *   pp.1 hash: not negative, one persistent component, the same twice
 *   pp.2 before start: capture is CAIRN_EBUSY, collect 0 (nothing in flight)
 *   pp.3 restore's buffer: not page aligned, fewer pages than the table, more than
 *        2^20, not the caller's memory: CAIRN_EFAULT each
 *   pp.4 restore of tables that do not fit (a wrong magic; records all zero, every
 *        count 1..300): CAIRN_EINVAL each, and nothing written (pp.5)
 *   pp.5 start: 0, and the ledger starts fresh; start again and restore: CAIRN_EBUSY
 *   pp.6 capture with too few pages: CAIRN_ENOBUFS; into read-only memory (its own
 *        code): CAIRN_EFAULT; then whole: R records, cycles paused, the table in the
 *        buffer (its magic, R records, the thread's first, every record its own page
 *        after the table)
 *   pp.7 collect: the pages it copies and those the ledger's first writes copied make
 *        the page records; collect again, and collect(0): 0; the thread's record holds
 *        a rip in the ledger's image
 *   pp.8 a second capture (it finishes the first): R records again
 *   pp.9 once the ledger has ended (a stopped thread): capture is CAIRN_ESTALE
 */
#include <cairn/cairn.h>
#include <cairn/layout.h>
#include <cairn/persist.h>
#include <iface/persist.h>
#include <iface/timer.h>

#define PAGE 4096u
#define PAGES 256u
#define WAIT_MS 20000

static uint8_t buf[PAGES * PAGE] __attribute__((aligned(PAGE)));

static struct persist_header *table(void)
{
	return (struct persist_header *)buf;
}

static void pp1(void)
{
	cairn_word n1 = 0, n2 = 0;
	long h1 = persist_hash(&n1), h2 = persist_hash(&n2);

	cairn_check("pp.1", "hash", h1 >= 0 && h1 == h2 && n1 == 1 && n2 == 1, "hash %ld, %ld; count %lu, %lu", h1,
		    h2, n1, n2);
}

static void pp2(void)
{
	cairn_word paused = 7;
	long c = persist_capture((cairn_word)buf, PAGES, &paused), k = persist_collect(1000);

	cairn_check("pp.2", "before_start", c == CAIRN_EBUSY && k == 0, "capture %ld, collect %ld", c, k);
}

static void pp3(void)
{
	long a = persist_restore((cairn_word)buf + 8, PAGES), b = persist_restore((cairn_word)buf, PERSIST_TABLE_PAGES - 1);
	long c = persist_restore((cairn_word)buf, (1ul << 20) + 1), d = persist_restore(0x300000000000ul, PAGES);

	cairn_check("pp.3", "restore_buffer", a == CAIRN_EFAULT && b == CAIRN_EFAULT && c == CAIRN_EFAULT &&
		    d == CAIRN_EFAULT, "misaligned %ld, short %ld, huge %ld, unmapped %ld", a, b, c, d);
}

static void pp4(void)
{
	long bad = 0, first = 0;

	memset(buf, 0, PERSIST_TABLE_PAGES * PAGE);
	table()->magic = PERSIST_MAGIC ^ 1;
	table()->records = 1;
	long m = persist_restore((cairn_word)buf, PAGES);
	table()->magic = PERSIST_MAGIC;
	for (uint32_t n = 1; n <= 300; n++) {
		table()->records = n;
		long r = persist_restore((cairn_word)buf, PAGES);
		if (r != CAIRN_EINVAL && !bad++)
			first = n;
	}
	cairn_check("pp.4", "restore_unfit", m == CAIRN_EINVAL && !bad, "wrong magic %ld; %ld counts not EINVAL, "
		    "the first %ld", m, bad, first);
}

static void pp5(void)
{
	long a = persist_start(), b = persist_start(), c = persist_restore((cairn_word)buf, PAGES);

	cairn_check("pp.5", "start", a == 0 && b == CAIRN_EBUSY && c == CAIRN_EBUSY, "start %ld, again %ld, "
		    "restore %ld", a, b, c);
}

/* A capture into buf, retried while the ledger is busy: its records, or an error. */
static long capture(cairn_word pages, cairn_word *paused)
{
	long r;

	for (int i = 0; i < 1000 && (r = persist_capture((cairn_word)buf, pages, paused)) == CAIRN_EAGAIN; i++)
		cairn_yield();
	return r;
}

/* Whether buf's table is a capture's of n records: the thread's first, each its own page. */
static int table_ok(long n)
{
	const struct persist_header *h = table();

	if (h->magic != PERSIST_MAGIC || h->records != (uint32_t)n || h->rec[0].kind != PERSIST_THREAD)
		return 0;
	for (uint32_t i = 0; i < h->records; i++)
		if (h->rec[i].page != PERSIST_TABLE_PAGES + i || h->rec[i].comp != 1 ||
		    (h->rec[i].kind != PERSIST_PAGE && h->rec[i].kind != PERSIST_THREAD))
			return 0;
	return 1;
}

static long pp6(void)
{
	cairn_word paused = 0;
	long a = capture(PERSIST_TABLE_PAGES + 1, &paused);
	long b = persist_capture((cairn_word)((uintptr_t)&pp6 & ~(uintptr_t)(PAGE - 1)), PAGES, &paused);
	long n = capture(PAGES, &paused);

	cairn_check("pp.6", "capture", a == CAIRN_ENOBUFS && b == CAIRN_EFAULT && n > 2 && paused > 0 && table_ok(n),
		    "too few pages %ld, read-only %ld, whole %ld (paused %lu)", a, b, n, paused);
	return n;
}

static void pp7(long n)
{
	long pages = 0;

	for (long i = 0; i < n; i++)
		pages += table()->rec[i].kind == PERSIST_PAGE;
	long c = persist_collect((cairn_word)n), again = persist_collect((cairn_word)n), zero = persist_collect(0);
	const uint64_t *regs = (const uint64_t *)(buf + (uint64_t)table()->rec[0].page * PAGE);
	uint64_t rip = regs[CAIRN_REG_RIP];
	cairn_check("pp.7", "collect", c >= 0 && c <= pages && again == 0 && zero == 0 && rip >= CAIRN_IMAGE_BASE &&
		    rip < CAIRN_IMAGE_TOP, "collect %ld of %ld pages, again %ld, collect(0) %ld, rip %#lx", c, pages,
		    again, zero, rip);
}

int main(const struct cairn_root *rt)
{
	cairn_word paused = 0;

	pp1();
	pp2();
	pp3();
	pp4();
	pp5();
	long n = pp6();
	if (n > 0)
		pp7(n);
	long m = capture(PAGES, &paused);
	cairn_check("pp.8", "capture_again", n > 0 && m == n && table_ok(m), "records %ld, then %ld", n, m);
	uint64_t end = cairn_cycles() + rt->tsc_hz / 1000 * WAIT_MS;
	long s;
	while ((s = persist_capture((cairn_word)buf, PAGES, &paused)) != CAIRN_ESTALE && cairn_cycles() < end) {
		uint64_t due = cairn_cycles() + rt->tsc_hz / 1000;	/* a millisecond: the ledger runs */
		if (timer_wake_at(due) == 0)
			while (cairn_cycles() < due)
				cairn_rcv_wait(CAIRN_SLOT_RCV);
	}
	cairn_check("pp.9", "capture_stopped", s == CAIRN_ESTALE, "capture %ld after %d ms", s, WAIT_MS);
	return 0;
}
