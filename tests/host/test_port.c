/*
 * test_port.c: the port ring steps of lib/libcairn/port.c (cairn_port_init,
 * cairn_ring_put, cairn_ring_get): sizes, order, full and empty, cursor wrap-around,
 * exact slot copies. The waiting protocol is model-checked instead (tests/spin).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <cairn/port.h>

#define SLOT  16
#define SLOTS 8

static struct cairn_port_ring *new_ring(uint32_t slot_size, uint32_t slots)
{
	struct cairn_port_ring *r = aligned_alloc(64, cairn_port_bytes(slot_size, slots));

	assert_non_null(r);
	memset(r, 0xcc, cairn_port_bytes(slot_size, slots));
	assert_int_equal(cairn_port_init(r, slot_size, slots), 0);
	return r;
}

static void msg(uint64_t out[2], uint64_t n)
{
	out[0] = n;
	out[1] = ~n;
}

static void port_init_checks_sizes(void **state)
{
	struct cairn_port_ring r;

	(void)state;
	assert_int_equal(cairn_port_init(&r, 4, 8), CAIRN_EINVAL);
	assert_int_equal(cairn_port_init(&r, 24, 8), CAIRN_EINVAL);
	assert_int_equal(cairn_port_init(&r, 8192, 8), CAIRN_EINVAL);
	assert_int_equal(cairn_port_init(&r, 16, 1), CAIRN_EINVAL);
	assert_int_equal(cairn_port_init(&r, 16, 6), CAIRN_EINVAL);
	assert_int_equal(cairn_port_init(&r, 16, 131072), CAIRN_EINVAL);
	assert_int_equal(cairn_port_init(&r, 8, 2), 0);
	assert_int_equal(r.head, 0);
	assert_int_equal(r.tail, 0);
	assert_int_equal(sizeof(struct cairn_port_ring), 64);
	assert_int_equal(cairn_port_bytes(16, 8), 64 + 128);
}

static void port_empty_get_is_eagain(void **state)
{
	struct cairn_port_ring *r = new_ring(SLOT, SLOTS);
	uint64_t m[2] = { 7, 7 };

	(void)state;
	assert_int_equal(cairn_ring_get(r, m), CAIRN_EAGAIN);
	assert_int_equal(m[0], 7);		/* nothing copied */
	assert_int_equal(r->tail, 0);
	free(r);
}

static void port_fifo_until_full(void **state)
{
	struct cairn_port_ring *r = new_ring(SLOT, SLOTS);
	uint64_t m[2];

	(void)state;
	for (uint64_t i = 0; i < SLOTS; i++) {
		msg(m, i);
		assert_int_equal(cairn_ring_put(r, m), 0);
	}
	msg(m, 99);
	assert_int_equal(cairn_ring_put(r, m), CAIRN_EAGAIN);
	assert_int_equal(r->head, SLOTS);
	for (uint64_t i = 0; i < SLOTS; i++) {
		assert_int_equal(cairn_ring_get(r, m), 0);
		assert_int_equal(m[0], i);
		assert_int_equal(m[1], ~i);
	}
	assert_int_equal(cairn_ring_get(r, m), CAIRN_EAGAIN);
	free(r);
}

static void port_cursors_wrap_around(void **state)
{
	struct cairn_port_ring *r = new_ring(SLOT, SLOTS);
	uint64_t m[2];

	(void)state;
	r->head = r->tail = UINT32_MAX - 3;	/* the 32-bit counters wrap mid-stream */
	for (uint64_t i = 0; i < 100; i++) {
		msg(m, i);
		assert_int_equal(cairn_ring_put(r, m), 0);
		if (i % 3 == 0) {
			msg(m, 1000 + i);
			assert_int_equal(cairn_ring_put(r, m), 0);
		}
		assert_int_equal(cairn_ring_get(r, m), 0);
		if (i % 3 == 1)
			assert_int_equal(cairn_ring_get(r, m), 0);
	}
	assert_true(r->head - r->tail <= SLOTS);
	free(r);
}

static void port_full_across_wrap(void **state)
{
	struct cairn_port_ring *r = new_ring(SLOT, SLOTS);
	uint64_t m[2];

	(void)state;
	r->head = r->tail = UINT32_MAX - 1;
	for (uint64_t i = 0; i < SLOTS; i++) {
		msg(m, i);
		assert_int_equal(cairn_ring_put(r, m), 0);
	}
	assert_int_equal(cairn_ring_put(r, m), CAIRN_EAGAIN);
	for (uint64_t i = 0; i < SLOTS; i++) {
		assert_int_equal(cairn_ring_get(r, m), 0);
		assert_int_equal(m[0], i);
	}
	free(r);
}

static void port_copies_exactly_one_slot(void **state)
{
	struct cairn_port_ring *r = new_ring(64, 4);
	uint8_t in[80], out[80];

	(void)state;
	for (unsigned i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)i;
	memset(out, 0xee, sizeof(out));
	assert_int_equal(cairn_ring_put(r, in), 0);
	assert_int_equal(cairn_ring_get(r, out), 0);
	assert_memory_equal(in, out, 64);
	for (unsigned i = 64; i < sizeof(out); i++)
		assert_int_equal(out[i], 0xee);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(port_init_checks_sizes),
		cmocka_unit_test(port_empty_get_is_eagain),
		cmocka_unit_test(port_fifo_until_full),
		cmocka_unit_test(port_cursors_wrap_around),
		cmocka_unit_test(port_full_across_wrap),
		cmocka_unit_test(port_copies_exactly_one_slot),
	};

	return cmocka_run_group_tests_name("port", tests, NULL, NULL);
}
