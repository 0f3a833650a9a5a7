/*
 * test_comp.c: host unit tests for kernel/comp.c: the generations COMP_RESTART moves
 * on (obj.h). A generation never wraps: at COMP_GEN_MAX a restart is refused with
 * CAIRN_EOVERFLOW and changes nothing, so a gate or thread of an old generation can
 * never be current again (on the machine 2^32 restarts would take days; here the
 * component is set up at its last generations directly).
 *
 * Components and their tables live in frames of a simulated physical memory
 * (simmem.h); the calls comp.c makes into other files are stubs below.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "memlayout.h"
#include "simmem.h"
#include "syscall.h"

static uint64_t next_frame;
static struct thread *self;	/* the calling thread (host memory: comp.c only reads it) */
static unsigned stale_calls;	/* sinv_stale_self calls */

/* ---- stubs for what comp.c calls elsewhere ---- */

long memory_activate(struct call *c, struct cap *slot, uint8_t obj, uint8_t type, uint8_t flags, void **out)
{
	(void)c, (void)slot, (void)obj, (void)type, (void)flags, (void)out;
	return CAIRN_ENOSYS;	/* not used: these tests make components with comp_init */
}

int cap_of_type(struct call *c, uint64_t idx, uint8_t type, struct cap **out)
{
	(void)c, (void)idx, (void)type, (void)out;
	return CAIRN_ENOENT;
}

long sinv_stale_self(struct call *c)
{
	(void)c;
	stale_calls++;
	return CAIRN_ESTALE;
}

/* ---- set-up ---- */

static int setup(void **state)
{
	(void)state;
	next_frame = 1;
	stale_calls = 0;
	self = calloc(1, sizeof(*self));
	return self ? sim_setup(&frames, 0xa5, 1) : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(self);
	return sim_teardown(&frames);
}

static void *kobj(uint8_t kind)
{
	uint64_t pa = next_frame++ * PAGE_SIZE;

	assert_int_equal(frame_retype(&frames, pa, CAIRN_FRAME_KERNEL), 0);
	frame_get(&frames, pa)->obj = kind;
	return p2v(pa);
}

/* A component as CAPTBL_ACT_COMP makes it, at generation gen; *cap names it. */
static struct comp *new_comp(uint32_t gen, struct cap *cap)
{
	struct comp *c = kobj(OBJ_COMP);

	comp_init(c, kobj(OBJ_CAPTBL_ROOT), kobj(OBJ_PGTBL4), 0x400000);
	c->gen = gen;
	*cap = (struct cap){ .type = CAIRN_CAP_COMP, .obj = c };
	return c;
}

/* comp_invoke as the system call makes it, by a thread running in `in`. */
static long invoke(struct cap *cap, unsigned op, struct comp *in)
{
	struct regs r = { 0 };
	struct call c = { self, &r, NULL, &r };

	self->comp = in;
	return comp_invoke(&c, cap, op);
}

/* ---- tests ---- */

static void comp_restart_moves_generation(void **state)
{
	struct cap cap;
	struct comp *c = new_comp(0, &cap), *other = new_comp(0, &(struct cap){ 0 });

	(void)state;
	assert_int_equal(invoke(&cap, CAIRN_OP_COMP_RESTART, other), 1);
	assert_int_equal(c->gen, 1);
	assert_int_equal(c->down, 1);
	assert_int_equal(invoke(&cap, CAIRN_OP_COMP_READY, other), 1);
	assert_int_equal(c->down, 0);
	assert_int_equal(stale_calls, 0);
}

/* The last generation is reached; past it the restart is refused, nothing changed. */
static void comp_restart_at_last_generation_eoverflow(void **state)
{
	struct cap cap, gate;
	struct comp *c = new_comp(COMP_GEN_MAX - 1, &cap), *other = new_comp(0, &(struct cap){ 0 });
	struct sim_snap s;

	(void)state;
	gate = (struct cap){ .type = CAIRN_CAP_SINV, .obj = c, .gen = 0 };	/* minted at generation 0 */
	assert_int_equal(invoke(&cap, CAIRN_OP_COMP_RESTART, other), (long)COMP_GEN_MAX);
	assert_int_equal(invoke(&cap, CAIRN_OP_COMP_READY, other), (long)COMP_GEN_MAX);
	sim_take(&s, &frames);
	assert_int_equal(invoke(&cap, CAIRN_OP_COMP_RESTART, other), CAIRN_EOVERFLOW);
	assert_int_equal(invoke(&cap, CAIRN_OP_COMP_RESTART, other), CAIRN_EOVERFLOW);
	sim_same(&s, &frames);		/* the component (its frame) and every count as they were */
	assert_int_equal(c->gen, COMP_GEN_MAX);
	assert_int_equal(c->down, 0);
	assert_true(gate.gen != c->gen);	/* the old gate stays stale */
	assert_int_equal(invoke(&cap, CAIRN_OP_COMP_READY, other), (long)COMP_GEN_MAX);
}

/* A caller inside the component is unwound by a restart, but not by a refused one. */
static void comp_restart_of_own_component(void **state)
{
	struct cap cap;
	struct comp *c = new_comp(COMP_GEN_MAX - 1, &cap);
	struct sim_snap s;

	(void)state;
	assert_int_equal(invoke(&cap, CAIRN_OP_COMP_RESTART, c), CAIRN_ESTALE);
	assert_int_equal(stale_calls, 1);
	assert_int_equal(c->gen, COMP_GEN_MAX);
	sim_take(&s, &frames);
	assert_int_equal(invoke(&cap, CAIRN_OP_COMP_RESTART, c), CAIRN_EOVERFLOW);
	sim_same(&s, &frames);
	assert_int_equal(stale_calls, 1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(comp_restart_moves_generation),
		T(comp_restart_at_last_generation_eoverflow),
		T(comp_restart_of_own_component),
	};

	return cmocka_run_group_tests_name("comp", tests, NULL, NULL);
}
