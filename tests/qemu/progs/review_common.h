/*
 * review_common.h: helpers shared by smp_life and the review_* programs (issue 19:
 * what an idle core keeps): threads placed on a core, waiting on flags with a bound
 * in guest time.
 */
#ifndef REVIEW_COMMON_H
#define REVIEW_COMMON_H

#include <cairn/build.h>
#include <cairn/cairn.h>
#include <cairn/gate.h>
#include <cairn/root.h>

#define MEM  CAIRN_SLOT_MEMORY
#define CT   CAIRN_SLOT_CAPTBL
#define PT   CAIRN_SLOT_PGTBL
#define ME   CAIRN_SLOT_THREAD
#define COMP CAIRN_SLOT_COMP
#define K    CAIRN_FRAME_KERNEL
#define U    CAIRN_FRAME_USER

#define CHECK(id, name, cond, ...) cairn_check(id, name, (cond), __VA_ARGS__)

extern char _start[], _end[];

static const struct cairn_root *R;
static struct cairn_alloc A = { .mem = MEM, .ct = CT, .cursor = 32UL << 20, .end = 0,
				.next_slot = CAIRN_SLOT_FREE, .last_slot = 128 };

/* A thread with a receive endpoint and a send to it. */
struct remote {
	unsigned thr, rcv, snd;
	uint64_t frame;
	long tid;
};

static __attribute__((unused)) unsigned slot(void)
{
	return cairn_reserve_slots(&A) ? 0 : cairn_slot(&A);
}

/* A thread of comp running fn on core `core`; its endpoint's scheduler is `parent` (0: none). */
static __attribute__((unused)) long make_thread(struct remote *w, unsigned comp, void (*fn)(cairn_word), unsigned core,
			unsigned parent)
{
	w->thr = slot();
	w->rcv = slot();
	w->snd = slot();
	w->frame = cairn_frame(&A, K);
	long r = cairn_captbl_act_thread(CT, w->thr, MEM, w->frame, comp, (cairn_word)fn);
	if (r < 0)
		return r;
	w->tid = r;
	r = cairn_thread_core(w->thr, core);
	if (r == 0)
		r = cairn_captbl_act_rcv(CT, w->rcv, w->thr, parent);
	if (r == 0)
		r = cairn_captbl_act_asnd(CT, w->snd, w->rcv);
	return r;
}

/* Until *flag >= value or `ms` milliseconds of guest time pass; true if it got there. */
static __attribute__((unused)) int await_ms(volatile long *flag, long value, unsigned ms)
{
	uint64_t end = cairn_cycles() + R->tsc_hz / 1000 * ms;

	while (__atomic_load_n(flag, __ATOMIC_ACQUIRE) < value)
		if (cairn_cycles() > end)
			return 0;
	return 1;
}

static __attribute__((unused)) int await(volatile long *flag, long value)
{
	return await_ms(flag, value, 2000);
}

/* Polls the endpoint rcv until it reports (tid, kind) or two seconds pass; true if it did. */
static __attribute__((unused)) int await_event(unsigned rcv, long tid, long kind)
{
	uint64_t end = cairn_cycles() + 2 * R->tsc_hz;

	while (cairn_cycles() < end) {
		struct cairn_ret2 e = cairn_rcv_event(rcv);
		if (e.r0 == tid && (long)e.r1 == kind)
			return 1;
	}
	return 0;
}

static __attribute__((unused)) void pause_ms(unsigned ms)
{
	for (uint64_t end = cairn_cycles() + R->tsc_hz / 1000 * ms; cairn_cycles() < end;)
		;
}

static __attribute__((unused)) void review_init(const void *root)
{
	R = root;
	A.end = R->mem_end;
}

#endif
