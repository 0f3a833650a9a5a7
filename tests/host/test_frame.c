/*
 * test_frame.c: host unit tests for kernel/frame.c against the contract in frame.h.
 *
 * Physical memory is a page-aligned host buffer of SIM_FRAMES frames (memlayout.h of
 * tests/host/include), filled with garbage so that zeroing shows. As on the machine,
 * frame 0 stays RESERVED and the rest is marked UNTYPED. Every refused retype must
 * leave the frame's entry, the counts and the frame's contents as they were. The last
 * test runs random retypes and reference changes against a model; its seed is printed
 * and can be set with FRAME_SEED.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "memlayout.h"
#include "simmem.h"

#define P       PAGE_SIZE
#define GARBAGE 0xa5

#define UT  CAIRN_FRAME_UNTYPED
#define KER CAIRN_FRAME_KERNEL
#define USR CAIRN_FRAME_USER
#define RES CAIRN_FRAME_RESERVED


static struct frame_table ft;

static int setup(void **state)
{
	(void)state;
	memset(&ft, 0xee, sizeof(ft));
	return sim_setup(&ft, GARBAGE, 1);
}

static int teardown(void **state)
{
	(void)state;
	return sim_teardown(&ft);
}

/* count[] agrees with the entries and adds up to nframes; UNTYPED frames have no refs. */
static void check_counts(const struct frame_table *t)
{
	uint64_t n[4] = { 0 };

	for (uint64_t i = 0; i < t->nframes; i++) {
		assert_true(t->f[i].type <= RES);
		n[t->f[i].type]++;
		if (t->f[i].type == UT)
			assert_int_equal(t->f[i].refs, 0);
	}
	for (unsigned k = 0; k < 4; k++)
		assert_int_equal(t->count[k], n[k]);
	assert_int_equal(t->count[0] + t->count[1] + t->count[2] + t->count[3], t->nframes);
}

static struct frame *F(uint64_t pa)
{
	return &fmem[pa >> PAGE_SHIFT];
}

static bool page_is(uint64_t pa, uint8_t byte)
{
	const uint8_t *p = p2v(PAGE_DOWN(pa));

	for (unsigned i = 0; i < P; i++)
		if (p[i] != byte)
			return false;
	return true;
}

static void retype_ok(uint64_t pa, uint8_t to)
{
	uint64_t before[4];
	uint8_t from = F(pa)->type;

	memcpy(before, ft.count, sizeof(before));
	assert_int_equal(frame_retype(&ft, pa, to), 0);
	assert_int_equal(F(pa)->type, to);
	assert_int_equal(F(pa)->refs, 0);
	before[from]--;
	before[to]++;
	assert_memory_equal(ft.count, before, sizeof(before));
	check_counts(&ft);
}

/* The retype fails with err and changes nothing: entry, counts, memory. */
static void retype_refused(uint64_t pa, unsigned to, int err)
{
	static uint8_t mem_before[SIM_FRAMES * P];
	struct frame ent_before[SIM_FRAMES];
	uint64_t count_before[4];

	memcpy(mem_before, host_phys, host_phys_size);
	memcpy(ent_before, fmem, sizeof(ent_before));
	memcpy(count_before, ft.count, sizeof(count_before));
	assert_int_equal(frame_retype(&ft, pa, (uint8_t)to), err);
	assert_memory_equal(fmem, ent_before, sizeof(ent_before));
	assert_memory_equal(ft.count, count_before, sizeof(count_before));
	assert_memory_equal(host_phys, mem_before, host_phys_size);
}

/* ---- init and set ---- */

static void frame_init_all_reserved(void **state)
{
	(void)state;
	for (unsigned i = 0; i < SIM_FRAMES; i++) {
		assert_int_equal(fmem[i].type, i == 0 ? RES : UT);
		assert_int_equal(fmem[i].refs, 0);
	}
	memset(fmem, 0xee, SIM_FRAMES * sizeof(*fmem));
	frame_table_init(&ft, fmem, SIM_FRAMES);
	assert_ptr_equal(ft.f, fmem);
	assert_int_equal(ft.nframes, SIM_FRAMES);
	for (unsigned i = 0; i < SIM_FRAMES; i++) {
		assert_int_equal(fmem[i].type, RES);
		assert_int_equal(fmem[i].refs, 0);
		assert_int_equal(fmem[i].obj, OBJ_NONE);
		assert_int_equal(fmem[i].used, 0);
	}
	assert_int_equal(ft.count[UT], 0);
	assert_int_equal(ft.count[KER], 0);
	assert_int_equal(ft.count[USR], 0);
	assert_int_equal(ft.count[RES], SIM_FRAMES);
	check_counts(&ft);
}

static void frame_init_resets_counts(void **state)
{
	(void)state;
	retype_ok(5 * P, KER);
	retype_ok(6 * P, USR);
	frame_table_init(&ft, fmem, 100);
	assert_int_equal(ft.nframes, 100);
	assert_int_equal(ft.count[RES], 100);
	assert_int_equal(ft.count[UT] + ft.count[KER] + ft.count[USR], 0);
	check_counts(&ft);
}

static void frame_init_zero_frames(void **state)
{
	(void)state;
	frame_table_init(&ft, fmem, 0);
	for (unsigned k = 0; k < 4; k++)
		assert_int_equal(ft.count[k], 0);
	assert_null(frame_get(&ft, 0));
	assert_int_equal(frame_retype(&ft, 0, KER), CAIRN_ERANGE);
	frame_table_set(&ft, 0, 4 * P, UT);
	for (unsigned k = 0; k < 4; k++)
		assert_int_equal(ft.count[k], 0);
}

static void frame_get_bounds(void **state)
{
	(void)state;
	assert_ptr_equal(frame_get(&ft, 0), &fmem[0]);
	assert_ptr_equal(frame_get(&ft, 0xfff), &fmem[0]);
	assert_ptr_equal(frame_get(&ft, 7 * P + 0x10), &fmem[7]);
	assert_ptr_equal(frame_get(&ft, (uint64_t)SIM_FRAMES * P - 1), &fmem[SIM_FRAMES - 1]);
	assert_null(frame_get(&ft, (uint64_t)SIM_FRAMES * P));
	assert_null(frame_get(&ft, (uint64_t)SIM_FRAMES * P + 0x123));
	assert_null(frame_get(&ft, UINT64_MAX));
}

static void frame_table_set_marks_range(void **state)
{
	(void)state;
	frame_table_init(&ft, fmem, SIM_FRAMES);
	frame_table_set(&ft, 3 * P, 7 * P, UT);
	for (unsigned i = 0; i < SIM_FRAMES; i++)
		assert_int_equal(fmem[i].type, (i >= 3 && i < 7) ? UT : RES);
	assert_int_equal(ft.count[UT], 4);
	assert_int_equal(ft.count[RES], SIM_FRAMES - 4);
	check_counts(&ft);
}

static void frame_table_set_stops_at_table_end(void **state)
{
	(void)state;
	frame_table_init(&ft, fmem, SIM_FRAMES);
	frame_table_set(&ft, (uint64_t)(SIM_FRAMES - 2) * P, (uint64_t)(SIM_FRAMES + 50) * P, UT);
	assert_int_equal(ft.count[UT], 2);
	assert_int_equal(fmem[SIM_FRAMES - 3].type, RES);
	assert_int_equal(fmem[SIM_FRAMES - 2].type, UT);
	assert_int_equal(fmem[SIM_FRAMES - 1].type, UT);
	check_counts(&ft);
}

static void frame_table_set_empty_range(void **state)
{
	(void)state;
	frame_table_init(&ft, fmem, SIM_FRAMES);
	frame_table_set(&ft, 9 * P, 9 * P, UT);
	assert_int_equal(ft.count[RES], SIM_FRAMES);
	assert_int_equal(fmem[9].type, RES);
	check_counts(&ft);
}

static void frame_table_set_other_types(void **state)
{
	/* boot.c also marks module images USER; the counts must follow any type. */
	(void)state;
	frame_table_set(&ft, 10 * P, 14 * P, USR);
	assert_int_equal(ft.count[USR], 4);
	assert_int_equal(ft.count[UT], SIM_FRAMES - 1 - 4);
	frame_table_set(&ft, 12 * P, 16 * P, RES);
	assert_int_equal(ft.count[USR], 2);
	assert_int_equal(ft.count[RES], 1 + 4);
	assert_int_equal(fmem[11].type, USR);
	assert_int_equal(fmem[12].type, RES);
	check_counts(&ft);
}

/* ---- allowed retypes ---- */

static void frame_retype_untyped_to_kernel(void **state)
{
	(void)state;
	retype_ok(8 * P, KER);
	assert_int_equal(ft.count[KER], 1);
	assert_int_equal(fmem[8].obj, OBJ_NONE);
	assert_int_equal(fmem[8].used, 0);
}

static void frame_retype_untyped_to_user(void **state)
{
	(void)state;
	retype_ok(8 * P, USR);
	assert_int_equal(ft.count[USR], 1);
}

static void frame_retype_kernel_to_untyped(void **state)
{
	(void)state;
	retype_ok(8 * P, KER);
	retype_ok(8 * P, UT);
	assert_int_equal(ft.count[KER], 0);
	assert_int_equal(ft.count[UT], SIM_FRAMES - 1);
}

static void frame_retype_user_to_untyped(void **state)
{
	(void)state;
	retype_ok(8 * P, USR);
	retype_ok(8 * P, UT);
	assert_int_equal(ft.count[USR], 0);
	assert_int_equal(ft.count[UT], SIM_FRAMES - 1);
}

static void frame_retype_round_trips(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 3; i++) {
		retype_ok(20 * P, KER);
		retype_ok(20 * P, UT);
		retype_ok(20 * P, USR);
		retype_ok(20 * P, UT);
	}
	assert_int_equal(ft.count[UT], SIM_FRAMES - 1);
}

static void frame_retype_first_and_last_frame(void **state)
{
	(void)state;
	retype_ok(P, USR);
	retype_ok((uint64_t)(SIM_FRAMES - 1) * P, KER);
	assert_true(page_is((uint64_t)(SIM_FRAMES - 1) * P, 0));
	assert_true(page_is(P, 0));
}

static void frame_retype_clears_object_state(void **state)
{
	/* check.c: an UNTYPED frame must not claim an object. */
	(void)state;
	retype_ok(8 * P, KER);
	fmem[8].obj = OBJ_CAPTBL_LEAF;
	retype_ok(8 * P, UT);
	assert_int_equal(fmem[8].obj, OBJ_NONE);
	assert_int_equal(fmem[8].used, 0);
}

/* ---- refused retypes ---- */

static void frame_retype_same_type_einval(void **state)
{
	(void)state;
	retype_ok(9 * P, KER);
	retype_ok(10 * P, USR);
	retype_refused(8 * P, UT, CAIRN_EINVAL);
	retype_refused(9 * P, KER, CAIRN_EINVAL);
	retype_refused(10 * P, USR, CAIRN_EINVAL);
	retype_refused(0, RES, CAIRN_EINVAL);
}

static void frame_retype_from_reserved_einval(void **state)
{
	(void)state;
	retype_refused(0, UT, CAIRN_EINVAL);
	retype_refused(0, KER, CAIRN_EINVAL);
	retype_refused(0, USR, CAIRN_EINVAL);
	frame_table_set(&ft, 30 * P, 31 * P, RES);
	retype_refused(30 * P, UT, CAIRN_EINVAL);
	retype_refused(30 * P, KER, CAIRN_EINVAL);
	retype_refused(30 * P, USR, CAIRN_EINVAL);
}

static void frame_retype_to_reserved_einval(void **state)
{
	(void)state;
	retype_ok(9 * P, KER);
	retype_ok(10 * P, USR);
	retype_refused(8 * P, RES, CAIRN_EINVAL);
	retype_refused(9 * P, RES, CAIRN_EINVAL);
	retype_refused(10 * P, RES, CAIRN_EINVAL);
}

static void frame_retype_kernel_to_user_einval(void **state)
{
	(void)state;
	retype_ok(9 * P, KER);
	retype_refused(9 * P, USR, CAIRN_EINVAL);
}

static void frame_retype_user_to_kernel_einval(void **state)
{
	(void)state;
	retype_ok(9 * P, USR);
	retype_refused(9 * P, KER, CAIRN_EINVAL);
}

static void frame_retype_type_out_of_range_einval(void **state)
{
	static const unsigned bad[] = { 4, 5, 0x7f, 0x80, 0xff };

	(void)state;
	retype_ok(9 * P, KER);
	retype_ok(10 * P, USR);
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		retype_refused(0, bad[i], CAIRN_EINVAL);
		retype_refused(8 * P, bad[i], CAIRN_EINVAL);
		retype_refused(9 * P, bad[i], CAIRN_EINVAL);
		retype_refused(10 * P, bad[i], CAIRN_EINVAL);
	}
}

static void frame_retype_misaligned_einval(void **state)
{
	static const uint64_t off[] = { 1, 8, 0x800, 0xfff };

	(void)state;
	retype_ok(9 * P, KER);
	for (unsigned i = 0; i < ARRAY_SIZE(off); i++) {
		retype_refused(8 * P + off[i], KER, CAIRN_EINVAL);
		retype_refused(8 * P + off[i], USR, CAIRN_EINVAL);
		retype_refused(9 * P + off[i], UT, CAIRN_EINVAL);
	}
}

static void frame_retype_past_table_erange(void **state)
{
	(void)state;
	retype_refused((uint64_t)SIM_FRAMES * P, KER, CAIRN_ERANGE);
	retype_refused((uint64_t)(SIM_FRAMES + 1) * P, USR, CAIRN_ERANGE);
	retype_refused((uint64_t)SIM_FRAMES * P, UT, CAIRN_ERANGE);
	retype_refused(1ull << 40, KER, CAIRN_ERANGE);
	retype_refused(PAGE_DOWN(UINT64_MAX), KER, CAIRN_ERANGE);
}

static void frame_retype_referenced_kernel_ebusy(void **state)
{
	(void)state;
	retype_ok(9 * P, KER);
	fmem[9].refs = 1;
	retype_refused(9 * P, UT, CAIRN_EBUSY);
	fmem[9].refs = 0xffffffffu;
	retype_refused(9 * P, UT, CAIRN_EBUSY);
}

static void frame_retype_referenced_user_ebusy(void **state)
{
	(void)state;
	retype_ok(9 * P, USR);
	fmem[9].refs = 2;
	retype_refused(9 * P, UT, CAIRN_EBUSY);
}

static void frame_retype_after_last_reference(void **state)
{
	(void)state;
	retype_ok(9 * P, USR);
	fmem[9].refs = 2;
	retype_refused(9 * P, UT, CAIRN_EBUSY);
	fmem[9].refs--;
	retype_refused(9 * P, UT, CAIRN_EBUSY);
	fmem[9].refs--;
	retype_ok(9 * P, UT);
}

/* ---- zeroing ---- */

static void frame_retype_zeroes_kernel(void **state)
{
	(void)state;
	memset(p2v(40 * P), 0x5a, P);
	retype_ok(40 * P, KER);
	assert_true(page_is(40 * P, 0));
	assert_true(page_is(39 * P, GARBAGE));
	assert_true(page_is(41 * P, GARBAGE));
}

static void frame_retype_zeroes_user(void **state)
{
	(void)state;
	memset(p2v(40 * P), 0xff, P);
	retype_ok(40 * P, USR);
	assert_true(page_is(40 * P, 0));
	assert_true(page_is(39 * P, GARBAGE));
	assert_true(page_is(41 * P, GARBAGE));
}

static void frame_retype_untyped_keeps_contents(void **state)
{
	(void)state;
	retype_ok(40 * P, KER);
	memset(p2v(40 * P), 0x3c, P);
	retype_ok(40 * P, UT);
	assert_true(page_is(40 * P, 0x3c));
	retype_ok(41 * P, USR);
	memset(p2v(41 * P), 0xc3, P);
	retype_ok(41 * P, UT);
	assert_true(page_is(41 * P, 0xc3));
}

static void frame_retype_refused_keeps_contents(void **state)
{
	(void)state;
	retype_ok(40 * P, KER);
	memset(p2v(40 * P), 0x77, P);
	fmem[40].refs = 1;
	retype_refused(40 * P, UT, CAIRN_EBUSY);	/* also checks the memory */
	retype_refused(40 * P, USR, CAIRN_EINVAL);
	assert_true(page_is(40 * P, 0x77));
}

/* ---- random operations against a model ---- */

#define RND_STEPS 20000

static uint64_t rng_state;

static uint64_t rng(void)
{
	/* xorshift64*: the same sequence on every host. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}

static uint64_t rng_below(uint64_t n)
{
	return n ? rng() % n : 0;
}

struct model {
	uint8_t type[SIM_FRAMES];
	uint32_t refs[SIM_FRAMES];
	uint8_t fill[SIM_FRAMES];	/* every byte of the frame */
};

static bool model_allowed(uint8_t from, unsigned to)
{
	if (from == UT)
		return to == KER || to == USR;
	if (from == KER || from == USR)
		return to == UT;
	return false;
}

static void check_model(const struct model *m, unsigned step)
{
	uint64_t n[4] = { 0 };

	for (unsigned i = 0; i < SIM_FRAMES; i++) {
		if (fmem[i].type != m->type[i] || fmem[i].refs != m->refs[i])
			print_error("frame %u differs from the model after step %u\n", i, step);
		assert_int_equal(fmem[i].type, m->type[i]);
		assert_int_equal(fmem[i].refs, m->refs[i]);
		n[m->type[i]]++;
	}
	for (unsigned k = 0; k < 4; k++)
		assert_int_equal(ft.count[k], n[k]);
	check_counts(&ft);
}

/* Results seen, by kind: 0 ok, 1 EINVAL, 2 ERANGE, 3 EBUSY. */
static unsigned rnd_seen[4];

static void rnd_retype(struct model *m)
{
	unsigned i = (unsigned)rng_below(SIM_FRAMES + 8), to = (unsigned)rng_below(4);
	uint64_t pa = (uint64_t)i * P;
	int want, alt, r;

	if (rng_below(32) == 0)
		to = 4 + (unsigned)rng_below(252);
	if (i < SIM_FRAMES && rng_below(32) == 0)
		pa += 1 + rng_below(P - 1);
	if ((pa & (P - 1)) || to > RES)
		want = alt = CAIRN_EINVAL;
	else if (i >= SIM_FRAMES)
		want = alt = CAIRN_ERANGE;
	else if (!model_allowed(m->type[i], to))
		/* frame.h does not order "not allowed" against "referenced" */
		want = CAIRN_EINVAL, alt = m->refs[i] ? CAIRN_EBUSY : CAIRN_EINVAL;
	else if (m->refs[i])
		want = alt = CAIRN_EBUSY;
	else
		want = alt = 0;

	r = frame_retype(&ft, pa, (uint8_t)to);
	if (r != want && r != alt)
		print_error("retype(%#llx, %u) = %d, want %d\n", (unsigned long long)pa, to, r, want);
	assert_true(r == want || r == alt);
	rnd_seen[r == 0 ? 0 : r == CAIRN_EINVAL ? 1 : r == CAIRN_ERANGE ? 2 : 3]++;
	if (i >= SIM_FRAMES)
		return;
	if (r == 0) {
		m->type[i] = (uint8_t)to;
		if (to != UT) {
			assert_true(page_is(pa, 0));
			m->fill[i] = (uint8_t)(1 + rng_below(255));	/* the new owner writes */
			memset(p2v(pa), m->fill[i], P);
		}
	}
	assert_true(page_is(PAGE_DOWN(pa), m->fill[i]));
}

static void rnd_ref(struct model *m)
{
	unsigned i = (unsigned)rng_below(SIM_FRAMES);

	if (m->type[i] == KER || m->type[i] == USR) {
		m->refs[i]++;
		fmem[i].refs++;
	}
}

static void rnd_unref(struct model *m)
{
	unsigned i = (unsigned)rng_below(SIM_FRAMES);

	if (m->refs[i]) {
		m->refs[i]--;
		fmem[i].refs--;
	}
}

static void frame_random_vs_model(void **state)
{
	static struct model m;
	unsigned seed = 0xF4A3Eu;
	const char *env = getenv("FRAME_SEED");

	(void)state;
	if (env)
		seed = (unsigned)strtoul(env, NULL, 0);
	printf("# frame_random_vs_model seed=%#x (set FRAME_SEED to change)\n", seed);
	fflush(stdout);
	rng_state = 0x9E3779B97F4A7C15ull ^ seed;
	if (rng_state == 0)
		rng_state = 1;

	memset(rnd_seen, 0, sizeof(rnd_seen));
	for (unsigned i = 0; i < SIM_FRAMES; i++) {
		m.type[i] = i == 0 ? RES : UT;
		m.refs[i] = 0;
		m.fill[i] = GARBAGE;
	}
	check_model(&m, 0);
	for (unsigned step = 0; step < RND_STEPS; step++) {
		unsigned op = (unsigned)rng_below(100);

		if (op < 60)
			rnd_retype(&m);
		else if (op < 80)
			rnd_ref(&m);
		else
			rnd_unref(&m);
		check_model(&m, step);
	}
	printf("# frame_random_vs_model: %u ok, %u EINVAL, %u ERANGE, %u EBUSY; "
	       "%llu untyped, %llu kernel, %llu user at the end\n",
	       rnd_seen[0], rnd_seen[1], rnd_seen[2], rnd_seen[3],
	       (unsigned long long)ft.count[UT], (unsigned long long)ft.count[KER],
	       (unsigned long long)ft.count[USR]);
	for (unsigned k = 0; k < 4; k++)
		assert_true(rnd_seen[k] > 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(frame_init_all_reserved),
		T(frame_init_resets_counts),
		T(frame_init_zero_frames),
		T(frame_get_bounds),
		T(frame_table_set_marks_range),
		T(frame_table_set_stops_at_table_end),
		T(frame_table_set_empty_range),
		T(frame_table_set_other_types),
		T(frame_retype_untyped_to_kernel),
		T(frame_retype_untyped_to_user),
		T(frame_retype_kernel_to_untyped),
		T(frame_retype_user_to_untyped),
		T(frame_retype_round_trips),
		T(frame_retype_first_and_last_frame),
		T(frame_retype_clears_object_state),
		T(frame_retype_same_type_einval),
		T(frame_retype_from_reserved_einval),
		T(frame_retype_to_reserved_einval),
		T(frame_retype_kernel_to_user_einval),
		T(frame_retype_user_to_kernel_einval),
		T(frame_retype_type_out_of_range_einval),
		T(frame_retype_misaligned_einval),
		T(frame_retype_past_table_erange),
		T(frame_retype_referenced_kernel_ebusy),
		T(frame_retype_referenced_user_ebusy),
		T(frame_retype_after_last_reference),
		T(frame_retype_zeroes_kernel),
		T(frame_retype_zeroes_user),
		T(frame_retype_untyped_keeps_contents),
		T(frame_retype_refused_keeps_contents),
		T(frame_random_vs_model),
	};

	return cmocka_run_group_tests_name("frame", tests, NULL, NULL);
}
