/*
 * seg_user: a component of tests/qemu/systems/segment.toml that maps the "time" segment
 * (segments/time). Named "writer", it stamps records into the segment's shared trace;
 * named "reader" it waits for them there (yielding) and stamps its own,
 * which the writer then finds. Both check that the segment's init ran once, before
 * either, and that calls go through the transfer vector into the segment's code. The
 * reader also outlives seg_scribbler, which faults on the read-only transfer vector.
 */
#include <cairn/seg/time.h>
#include <cairn/cairn.h>

#define SEG_BASE 0x20000000UL	/* as the description places it */
#define SEG_SIZE (32UL << 10)
#define WRITER_TAG 0x5e6a0000UL	/* + 0..7 */
#define READER_TAG 0x5e6b0000UL
#define SCRIBBLE_BEFORE 0x5c0001UL	/* seg_scribbler's marks, before and after its store */
#define SCRIBBLE_AFTER  0x5c0002UL
#define WRITES 8

/* The index of the first trace record with this tag, or -1. */
static long find(uint64_t tag)
{
	uint64_t n = time_trace_count();

	for (uint64_t i = 0; i < n; i++) {
		uint64_t t = ~0UL;
		if (time_trace_read(i, &t) && t == tag)
			return (long)i;
	}
	return -1;
}

/* Yields until a record with this tag appears (at most `most` times); its index or -1. */
static long wait_for(uint64_t tag, int most)
{
	long i;

	while ((i = find(tag)) < 0 && most-- > 0)
		cairn_yield();
	return i;
}

static void check_init(const char *id, const struct cairn_segment_tv *tv, uint64_t t0,
		       const struct cairn_root *rt)
{
	uint64_t count = time_init_count();

	cairn_check(id, "segment_init_once_before_me", tv && tv->magic == CAIRN_SEG_MAGIC &&
		    tv->inits == 1 && count == 1 && tv->init_tsc > rt->boot_tsc && tv->init_tsc < t0,
		    "tv %p inits %lu, init_count() %lu, init at tsc %lu, boot %lu, my first tsc %lu",
		    (const void *)tv, tv ? tv->inits : 0, count, tv ? tv->init_tsc : 0, rt->boot_tsc, t0);
}

/* The red tape's segment, the transfer vector, and where its entries point. */
static void check_vector(const char *id, const struct cairn_segment_tv *tv, const struct cairn_root *rt)
{
	const struct cairn_segment_map *m = &rt->segment[0];
	int map = rt->nsegments == 1 && strcmp(m->name, "time") == 0 && m->base == SEG_BASE &&
		  m->size == SEG_SIZE && tv == (const struct cairn_segment_tv *)m->base;
	int entries = tv && tv->nentries == TIME_ENTRIES;

	for (unsigned i = 0; entries && i < CAIRN_SEG_ENTRIES; i++) {
		uint64_t e = (uint64_t)tv->entry[i];
		entries = i < TIME_ENTRIES ? e >= m->base + 4096 && e < m->base + m->size : e == 0;
	}
	/* the call the header makes, by hand: the same entry, the same shared trace */
	uint64_t (*stamp)(uint64_t) = entries ? (uint64_t (*)(uint64_t))tv->entry[TIME_STAMP] : 0;
	uint64_t tag = 0, i = stamp ? stamp(READER_TAG + 0x100 + rt->comp_id) : ~0UL;
	int call = stamp && time_trace_read(i, &tag) != 0 && tag == READER_TAG + 0x100 + rt->comp_id;

	cairn_check(id, "calls_through_the_vector", map && entries && call,
		    "%u segments, '%s' at 0x%lx size 0x%lx, tv %p; entries in [base+4K, base+size): %d; "
		    "a call through entry[TIME_STAMP] %p: %d", rt->nsegments, m->name, m->base, m->size,
		    (const void *)tv, entries, stamp ? tv->entry[TIME_STAMP] : 0, call);
}

static void writer(void)
{
	for (uint64_t k = 0; k < WRITES; k++)
		time_stamp(WRITER_TAG + k);
	long r = wait_for(READER_TAG, 1000);
	cairn_check("seg.3", "writer_reads_reader_record", r >= WRITES,
		    "the reader's record 0x%lx: index %ld (want >= %d)", READER_TAG, r, WRITES);
}

static void reader(void)
{
	long last = wait_for(WRITER_TAG + WRITES - 1, 1000);	/* the writer may be preempted */
	uint64_t n = time_trace_count(), prev = 0;
	long first = find(WRITER_TAG);
	int ok = first >= 0 && last == first + WRITES - 1;

	for (uint64_t k = 0; ok && k < WRITES; k++) {
		uint64_t tag = 0, tsc = time_trace_read((uint64_t)first + k, &tag);
		ok = tag == WRITER_TAG + k && tsc >= prev && tsc > cairn_segment("time")->init_tsc;
		prev = tsc;
	}
	cairn_check("seg.5", "reader_reads_writer_records", ok,
		    "%lu records; the writer's first at %ld, its last at %ld", n, first, last);
	time_stamp(READER_TAG);

	/* seg_scribbler stamps, then stores to the vector and is stopped; we run on */
	long before = wait_for(SCRIBBLE_BEFORE, 1000);
	for (int k = 0; k < 8; k++)
		cairn_yield();
	long after = find(SCRIBBLE_AFTER);
	cairn_check("seg.7", "tv_fault_stops_only_the_faulter", before >= 0 && after < 0,
		    "the scribbler's mark before its store at %ld, after it at %ld (want >= 0, -1)",
		    before, after);
}

int main(const struct cairn_root *rt)
{
	uint64_t t0 = cairn_cycles();		/* first thing: the segment's init must be earlier */
	const struct cairn_segment_tv *tv = cairn_segment("time");
	int is_writer = strcmp(rt->name, "writer") == 0;

	check_init(is_writer ? "seg.1" : "seg.4", tv, t0, rt);
	check_vector(is_writer ? "seg.2" : "seg.6", tv, rt);
	if (is_writer)
		writer();
	else
		reader();
	return 0;
}
