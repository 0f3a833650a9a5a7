/*
 * tape_reader: reads its red tape (cairn/root.h) and checks it against its system
 * description, tests/qemu/systems/redtape.toml, which names it "reader", third, with
 * imports ["probe", "log"], a 32 KiB stack and a 16 KiB heap: if that file changes,
 * change the expectations here too.
 */
#include <iface/log.h>
#include <iface/probe.h>

#define MY_NAME  "reader"
#define MY_INDEX 3		/* its place among the description's components, from 1 */
#define STACK    (32 << 10)
#define HEAP     (16 << 10)

static int zeroed(const void *p, unsigned long n)
{
	const unsigned char *b = p;

	while (n--)
		if (*b++)
			return 0;
	return 1;
}

static void check_identity(const struct cairn_root *rt)
{
	long badge = probe_whoami();

	cairn_check("tape.1", "root_in_rdi", rt == (const struct cairn_root *)CAIRN_ROOT_VA,
		    "main got %p, the red tape is at 0x%lx", (const void *)rt, CAIRN_ROOT_VA);
	cairn_check("tape.2", "magic_and_name", rt->magic == CAIRN_ROOT_MAGIC && strcmp(rt->name, MY_NAME) == 0 &&
		    zeroed(rt->name + strlen(MY_NAME), CAIRN_NAME_MAX - strlen(MY_NAME)) && rt->generation == 1,
		    "magic 0x%lx name '%.24s' generation %u", rt->magic, rt->name, rt->generation);
	cairn_check("tape.3", "comp_id", rt->comp_id == MY_INDEX && badge == (long)rt->comp_id,
		    "comp_id %lu, want %d; the badge my gate carries is %ld", rt->comp_id, MY_INDEX, badge);
}

/* The import table: each interface, its slots and function count, and gates that work. */
static void check_imports(const struct cairn_root *rt)
{
	const struct cairn_import *p = &rt->import[0], *l = &rt->import[1];
	int table = rt->nimports == 2 && strcmp(p->name, "probe") == 0 && p->nfns == PROBE_FUNCTIONS &&
		    strcmp(l->name, "log") == 0 && l->nfns == LOG_FUNCTIONS &&
		    p->slot >= 16 && l->slot >= p->slot + p->nfns && rt->free_slot >= l->slot + l->nfns &&
		    zeroed(&rt->import[2], sizeof(rt->import) - 2 * sizeof(rt->import[0]));
	int lookup = cairn_import("probe") == p->slot && cairn_import("log") == l->slot &&
		     cairn_import("nosuch") == 0;
	/* through the slots the table names, not the stubs: whoami is probe's function 1 */
	struct cairn_ret2 who = cairn_sinv_call(p->slot + PROBE_WHOAMI, 0, 0, 0, 0);
	struct cairn_ret2 lines = cairn_sinv_call(l->slot + LOG_LINES, 0, 0, 0, 0);

	cairn_check("tape.4", "import_table", table && lookup && who.r0 == (long)rt->comp_id && lines.r0 >= 0,
		    "%u imports: '%s' slot %u x%u, '%s' slot %u x%u, free_slot %u; lookup %d; "
		    "whoami %ld, lines %ld", rt->nimports, p->name, p->slot, p->nfns, l->name, l->slot,
		    l->nfns, rt->free_slot, lookup, who.r0, lines.r0);
}

/* Stack, heap and the facts: what the description and the machine say. */
static void check_memory(const struct cairn_root *rt)
{
	volatile uint64_t here = 0;
	uint64_t sp = (uint64_t)&here;
	volatile uint64_t *h0 = (uint64_t *)rt->heap_va, *h1 = (uint64_t *)(rt->heap_end - 8);
	int stack = sp < rt->stack_top && sp >= rt->stack_top - STACK;
	int heap = rt->heap_end - rt->heap_va == HEAP && rt->heap_va > 0x10000000UL;

	if (heap) {
		*h0 = 0x1234;
		*h1 = ~0x1234UL;
		heap = *h0 == 0x1234 && *h1 == ~0x1234UL;
	}
	int rest = rt->nports == 0 && rt->nsegments == 0 && rt->nmodules == 0 && rt->mem_base == 0 &&
		   rt->mem_end == 0 && rt->cores == 1 && rt->tsc_hz > 0 && rt->boot_tsc > 0;
	cairn_check("tape.5", "stack_heap_facts", stack && heap && rest,
		    "sp 0x%lx stack_top 0x%lx; heap [0x%lx, 0x%lx); ports %u segments %u modules %u "
		    "mem [0x%lx, 0x%lx) cores %lu tsc_hz %lu", sp, rt->stack_top, rt->heap_va, rt->heap_end,
		    rt->nports, rt->nsegments, rt->nmodules, rt->mem_base, rt->mem_end, rt->cores, rt->tsc_hz);
}

int main(const struct cairn_root *rt)
{
	check_identity(rt);
	check_imports(rt);
	check_memory(rt);
	return 0;
}
