/*
 * cairn/seg/time.h: the "time" segment (segments/time): reading time without a kernel
 * entry, and a trace buffer shared by every component that maps the segment. Each call
 * goes through the segment's transfer vector; a component that does not name the
 * segment in its description gets 0 from every call.
 */
#ifndef CAIRN_SEG_TIME_H
#define CAIRN_SEG_TIME_H

#include <stdint.h>
#include "../segment.h"

enum {
	TIME_NOW_NS,		/* uint64_t (void): nanoseconds since the kernel started */
	TIME_CYCLES,		/* uint64_t (void): the time stamp counter */
	TIME_STAMP,		/* uint64_t (uint64_t tag): records (now, tag); its index */
	TIME_TRACE_COUNT,	/* uint64_t (void): records made so far, by anyone */
	TIME_TRACE_READ,	/* uint64_t (uint64_t index, uint64_t *tag): its time, 0 if gone */
	TIME_INIT_COUNT,	/* uint64_t (void): how many times init ran */
	TIME_ENTRIES
};

static inline const struct cairn_segment_tv *time__tv(void)
{
	static const struct cairn_segment_tv *tv;

	if (__builtin_expect(!tv, 0))
		tv = cairn_segment("time");
	return tv;
}

#define TIME__CALL(type, i, ...) (time__tv() ? ((type)time__tv()->entry[i])(__VA_ARGS__) : 0)

static inline uint64_t time_now_ns(void) { return TIME__CALL(uint64_t (*)(void), TIME_NOW_NS); }
static inline uint64_t time_cycles(void) { return TIME__CALL(uint64_t (*)(void), TIME_CYCLES); }
static inline uint64_t time_stamp(uint64_t tag) { return TIME__CALL(uint64_t (*)(uint64_t), TIME_STAMP, tag); }
static inline uint64_t time_trace_count(void) { return TIME__CALL(uint64_t (*)(void), TIME_TRACE_COUNT); }
static inline uint64_t time_trace_read(uint64_t i, uint64_t *tag)
{ return TIME__CALL(uint64_t (*)(uint64_t, uint64_t *), TIME_TRACE_READ, i, tag); }
static inline uint64_t time_init_count(void) { return TIME__CALL(uint64_t (*)(void), TIME_INIT_COUNT); }

#endif
