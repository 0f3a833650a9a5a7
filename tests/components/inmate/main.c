/*
 * inmate: the one component of the subsystem the warden boots (tests/qemu/systems/
 * sub/cell.toml). It was granted "probe" only: the probe gates answer, with its
 * parent's badge; every other slot is refused; the stub of "log", which its parent
 * imports but did not grant, returns CAIRN_ENOENT.
 */
#include <iface/log.h>
#include <iface/probe.h>

#define WARDEN_MARK 0x3a0000UL	/* as in tests/components/warden */
#define INMATE_MARK 0x1a7e00UL

static void check_tape(const struct cairn_root *rt)
{
	cairn_check("nest.1", "child_red_tape", rt->magic == CAIRN_ROOT_MAGIC && strcmp(rt->name, "inmate") == 0 &&
		    rt->comp_id == 1 && rt->nimports == 1 && strcmp(rt->import[0].name, "probe") == 0 &&
		    rt->import[0].nfns == PROBE_FUNCTIONS && rt->nmodules == 0 && rt->mem_end == 0 &&
		    rt->nports == 0 && rt->nsegments == 0,
		    "'%.24s' id %lu, %u imports (first '%.24s' x%u), %u modules, mem_end 0x%lx",
		    rt->name, rt->comp_id, rt->nimports, rt->import[0].name, rt->import[0].nfns,
		    rt->nmodules, rt->mem_end);
}

/*
 * One operation on a slot: SINV_CALL through its own stub (a callee may clobber
 * anything); CAPTBL_REMOVE of slot 200 in "table slot", which only a table could do.
 */
static long try_op(unsigned slot, unsigned op)
{
	if (op == CAIRN_OP_SINV_CALL)
		return cairn_sinv_call(slot, 0, 0, 0, 0).r0;
	return cairn_call6(slot, op, op == CAIRN_OP_CAPTBL_REMOVE ? 200 : 0, 0, 0, 0, 0, 0).r0;
}

/* Every slot but its own three and the probe gates: nothing answers. */
static void check_slots(const struct cairn_root *rt)
{
	static const unsigned ops[] = { CAIRN_OP_SINV_CALL, CAIRN_OP_ASND_SEND, CAIRN_OP_PGTBL_LOOKUP,
					CAIRN_OP_MEM_COUNT, CAIRN_OP_CAPTBL_REMOVE };
	unsigned g = rt->import[0].slot, n = rt->import[0].nfns, tried = 0, refused = 0, first = 0;

	for (unsigned s = 1; s < 256; s++) {
		if (s == CAIRN_SLOT_THREAD || s == CAIRN_SLOT_RCV || s == CAIRN_SLOT_SCHED || (s >= g && s < g + n))
			continue;
		for (unsigned k = 0; k < sizeof(ops) / sizeof(ops[0]); k++, tried++) {
			long r = try_op(s, ops[k]);
			if (r >= 0 && refused == tried)
				first = s;
			refused += r < 0;
		}
	}
	unsigned want = (255 - 3 - n) * (sizeof(ops) / sizeof(ops[0]));
	cairn_check("nest.2", "child_ungranted_slots_refused", tried == want && refused == tried,
		    "%u of %u calls refused (want %u); the first slot to answer: %u", refused, tried, want, first);
}

int main(const struct cairn_root *rt)
{
	check_tape(rt);
	check_slots(rt);

	long w = log_write(0x6e776f6e6b6e75UL, 0, 0, 0), l = log_lines();
	cairn_check("nest.3", "ungranted_stub_enoent", w == CAIRN_ENOENT && l == CAIRN_ENOENT &&
		    cairn_import("log") == 0,
		    "log_write %ld, log_lines %ld, cairn_import(\"log\") %u; want %d", w, l,
		    cairn_import("log"), CAIRN_ENOENT);

	cairn_word last = 0, putter = 0;
	long mix = probe_echo(0xa1, 0xb2, 0xc3, 0xd4d4d4d4d4d4d4d4UL, &last);
	long who = probe_whoami();
	long mark = probe_get(&putter);
	cairn_check("nest.4", "granted_probe_works", mix == (long)(0xa1UL << 32 | 0xb2UL << 16 | 0xc3) &&
		    last == 0xd4d4d4d4d4d4d4d4UL,
		    "echo gave (0x%lx, 0x%lx)", mix, last);
	cairn_check("nest.5", "child_calls_with_parent_badge", who > 0 && mark == (long)WARDEN_MARK + who &&
		    (long)putter == who,
		    "whoami %ld; the warden left 0x%lx under badge %lu", who, mark, putter);
	probe_put(INMATE_MARK);
	return 0;
}
