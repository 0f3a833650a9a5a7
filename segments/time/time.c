/*
 * The "time" segment (cairn/seg/time.h). Its data (the clock's scale and the trace
 * ring) is shared by every component that maps the segment; its code runs in the
 * caller's thread and address space, on the caller's stack.
 */
#include <cairn/cairn.h>
#include <cairn/seg/time.h>

#define TRACE_SLOTS 256

struct record {
	uint64_t tsc, tag;
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

	trace[i % TRACE_SLOTS] = (struct record){ 0, tag };
	__atomic_store_n(&trace[i % TRACE_SLOTS].tsc, cairn_cycles(), __ATOMIC_RELEASE);
	return i;
}

static uint64_t trace_count(void)
{
	return __atomic_load_n(&next, __ATOMIC_ACQUIRE);
}

static uint64_t trace_read(uint64_t i, uint64_t *tag)
{
	if (i >= trace_count() || i + TRACE_SLOTS < trace_count())
		return 0;
	*tag = trace[i % TRACE_SLOTS].tag;
	return __atomic_load_n(&trace[i % TRACE_SLOTS].tsc, __ATOMIC_ACQUIRE);
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
