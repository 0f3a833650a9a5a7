/*
 * The "time" segment (cairn/seg/time.h). Its data (the clock's scale and the trace
 * ring) is shared by every component that maps the segment; its code runs in the
 * caller's thread and address space, on the caller's stack.
 */
#include <cairn/cairn.h>
#include <cairn/seg/time.h>

#define TRACE_SLOTS 256

/*
 * A record is valid while seq is its index + 1; a writer sets seq to 0 before it
 * changes the record and to index + 1 after, so a reader that sees the same seq before
 * and after its reads has read one whole record (per record a sequence lock).
 */
struct record {
	uint64_t seq, tsc, tag;
};

static uint64_t boot_tsc, ns_mult;	/* ns = ((tsc - boot_tsc) * ns_mult) >> 32 */
static uint64_t inits;
static uint64_t next;			/* records made; the ring keeps the last TRACE_SLOTS */
static struct record trace[TRACE_SLOTS];

static uint64_t cycles(void)
{
	return cairn_cycles();
}

static uint64_t now_ns(void)
{
	return (uint64_t)(((unsigned __int128)(cairn_cycles() - boot_tsc) * ns_mult) >> 32);
}

static uint64_t stamp(uint64_t tag)
{
	uint64_t i = __atomic_fetch_add(&next, 1, __ATOMIC_RELAXED);
	struct record *r = &trace[i % TRACE_SLOTS];

	__atomic_store_n(&r->seq, 0, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&r->tag, tag, __ATOMIC_RELAXED);
	__atomic_store_n(&r->tsc, cairn_cycles(), __ATOMIC_RELAXED);
	__atomic_store_n(&r->seq, i + 1, __ATOMIC_RELEASE);
	return i;
}

static uint64_t trace_count(void)
{
	return __atomic_load_n(&next, __ATOMIC_ACQUIRE);
}

/*
 * Record i, if it is whole and still there: every mapper can write the ring, so a
 * record being written, overwritten meanwhile, or garbled (its seq not i + 1) reads
 * as gone (0), and *tag is then untouched.
 */
static uint64_t trace_read(uint64_t i, uint64_t *tag)
{
	const struct record *r = &trace[i % TRACE_SLOTS];

	if (i >= trace_count() || i + 1 == 0 || __atomic_load_n(&r->seq, __ATOMIC_ACQUIRE) != i + 1)
		return 0;
	uint64_t tsc = __atomic_load_n(&r->tsc, __ATOMIC_RELAXED), g = __atomic_load_n(&r->tag, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (__atomic_load_n(&r->seq, __ATOMIC_RELAXED) != i + 1)
		return 0;
	*tag = g;
	return tsc;
}

static uint64_t init_count(void)
{
	return inits;
}

void cairn_segment_init(const struct cairn_root *booter, struct cairn_segment_tv *tv)
{
	boot_tsc = booter->boot_tsc;
	ns_mult = booter->tsc_hz ? (1000000000ULL << 32) / booter->tsc_hz : 0;
	inits++;
	tv->inits = inits;
	tv->init_tsc = cairn_cycles();
	tv->entry[TIME_NOW_NS] = (void *)now_ns;
	tv->entry[TIME_CYCLES] = (void *)cycles;
	tv->entry[TIME_STAMP] = (void *)stamp;
	tv->entry[TIME_TRACE_COUNT] = (void *)trace_count;
	tv->entry[TIME_TRACE_READ] = (void *)trace_read;
	tv->entry[TIME_INIT_COUNT] = (void *)init_count;
	tv->nentries = TIME_ENTRIES;
	tv->magic = CAIRN_SEG_MAGIC;
}
