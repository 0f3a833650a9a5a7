/*
 * probe_client: a client of "probe" (tests/qemu/systems/probe.toml runs two of it, named
 * probe_a and probe_b; its TEST ids start with its name, so each copy reports once).
 * It checks what a call carries (arguments in order, two results, its badge), that the
 * server keeps state across clients, and that nothing but the gates of its one import
 * answers: every other slot is refused, and the stub of an interface it does not
 * import returns CAIRN_ENOENT.
 */
#include <iface/log.h>
#include <iface/probe.h>
#include <common/fmt.h>

#define MARK 0x5a0000UL		/* what a client puts: MARK + its badge, */
#define DONE 0x5d0000UL		/* then DONE + its badge */

static char id_buf[48];

/* "<my name>.<n>": ids unique per copy of this program. */
static const char *id(const struct cairn_root *rt, int n)
{
	fmt_snprintf(id_buf, sizeof(id_buf), "%s.%d", rt->name, n);
	return id_buf;
}

/* echo with two argument sets: each argument must land in its own parameter. */
static void check_echo(const struct cairn_root *rt)
{
	cairn_word last = 0, last2 = 0;
	long mix = probe_echo(0x1111, 0x2222, 0x3333, 0xfedcba9876543210UL, &last);
	long want = (long)(0x1111UL << 32 | 0x2222UL << 16 | 0x3333UL);
	long mix2 = probe_echo(rt->comp_id, 0xbeef, 7, rt->comp_id << 40, &last2);
	long want2 = (long)((rt->comp_id & 0xffff) << 32 | 0xbeefUL << 16 | 7);

	cairn_check(id(rt, 1), "echo_args_in_order", mix == want && last == 0xfedcba9876543210UL &&
		    mix2 == want2 && last2 == rt->comp_id << 40,
		    "echo gave (0x%lx, 0x%lx) want (0x%lx, 0xfedcba9876543210); then (0x%lx, 0x%lx) want (0x%lx, 0x%lx)",
		    mix, last, want, mix2, last2, want2, rt->comp_id << 40);
}

/*
 * put/get: the value lives in the server. probe_a puts first and then marks itself
 * done; probe_b waits (yielding) for that mark, finds it stored under another badge,
 * and only then puts its own: each one's put-then-get is undisturbed.
 */
static void check_state(const struct cairn_root *rt, long me)
{
	int second = strcmp(rt->name, "probe_b") == 0;
	cairn_word first_who = 0, who = 0;
	long first = 0;

	for (int k = 0; second && k < 1000; k++) {
		first = probe_get(&first_who);
		if (first == (long)(DONE + first_who))
			break;
		cairn_yield();
	}
	if (second)
		cairn_check("probe.badges", "two_clients_two_badges", first == (long)(DONE + first_who) &&
			    (long)first_who != me && first_who >= 1,
			    "found 0x%lx put by badge %lu (want DONE + that badge); my badge is %ld",
			    first, first_who, me);
	long before = probe_get(&who);
	long old = probe_put(MARK + (cairn_word)me);
	long now = probe_get(&who);

	cairn_check(id(rt, 3), "put_get", old == before && now == (long)(MARK + me) && (long)who == me,
		    "get before %ld, put returned %ld, get after (%ld, putter %lu), want (%ld, %ld)",
		    before, old, now, who, (long)(MARK + me), me);
	probe_put(DONE + (cairn_word)me);
}

/* One operation on a slot; SINV_CALL through its own stub (a callee may clobber anything). */
static long try_op(unsigned slot, unsigned op)
{
	if (op == CAIRN_OP_SINV_CALL)
		return cairn_sinv_call(slot, 0, 0, 0, 0).r0;
	return cairn_call6(slot, op, 0, 0, 0, 0, 0, 0).r0;
}

/* Every slot but the fixed ones and my gates: no operation on it may succeed. */
static void check_slots(const struct cairn_root *rt)
{
	static const unsigned ops[] = { CAIRN_OP_SINV_CALL, CAIRN_OP_ASND_SEND, CAIRN_OP_PGTBL_LOOKUP,
					CAIRN_OP_MEM_COUNT, CAIRN_OP_RCV_EVENT };
	static const unsigned far[] = { 128, 255, 4096, 1u << 20, 0xffffffffu };
	unsigned g = rt->import[0].slot, n = rt->import[0].nfns, tried = 0, refused = 0, bad_slot = 0;
	long bad = 0;

	for (unsigned s = 1; s < 128 + sizeof(far) / sizeof(far[0]); s++) {
		unsigned slot = s < 128 ? s : far[s - 128];
		if (slot == CAIRN_SLOT_THREAD || slot == CAIRN_SLOT_RCV || slot == CAIRN_SLOT_SCHED ||
		    (slot >= g && slot < g + n))
			continue;
		for (unsigned k = 0; k < sizeof(ops) / sizeof(ops[0]); k++, tried++) {
			long r = try_op(slot, ops[k]);
			refused += r < 0;
			if (r >= 0 && refused == tried)
				bad = r, bad_slot = slot;	/* the first one that answered */
		}
	}
	unsigned want = (127 - 3 - n + sizeof(far) / sizeof(far[0])) * (sizeof(ops) / sizeof(ops[0]));
	cairn_check(id(rt, 4), "ungranted_slots_refused", tried == want && refused == tried,
		    "%u of %u calls refused (want %u); the first to answer: slot %u with %ld",
		    refused, tried, want, bad_slot, bad);

	long t = try_op(CAIRN_SLOT_THREAD, CAIRN_OP_SINV_CALL);
	long r = try_op(CAIRN_SLOT_RCV, CAIRN_OP_SINV_CALL);
	long a = try_op(CAIRN_SLOT_SCHED, CAIRN_OP_SINV_CALL);
	cairn_check(id(rt, 5), "fixed_slots_are_no_gates", t == CAIRN_EBADF && r == CAIRN_EBADF && a == CAIRN_EBADF,
		    "SINV_CALL on thread/rcv/sched slots gave %ld %ld %ld, want %d", t, r, a, CAIRN_EBADF);
}

/* log is declared (interfaces/log.toml) but not imported: its stubs must refuse. */
static void check_unimported(const struct cairn_root *rt)
{
	long w = log_write(0x6e776f6e6b6e75UL, 0, 0, 0);
	long l = log_lines();
	unsigned slot = cairn_import("log");

	cairn_check(id(rt, 6), "unimported_stub_enoent", w == CAIRN_ENOENT && l == CAIRN_ENOENT && slot == 0,
		    "log_write %ld, log_lines %ld, cairn_import(\"log\") %u; want %d, %d, 0",
		    w, l, slot, CAIRN_ENOENT, CAIRN_ENOENT);
}

int main(const struct cairn_root *rt)
{
	if (!cairn_check(id(rt, 0), "imports_probe_only", rt->nimports == 1 &&
			 strcmp(rt->import[0].name, "probe") == 0 && rt->import[0].nfns == PROBE_FUNCTIONS &&
			 cairn_import("probe") == rt->import[0].slot,
			 "%u imports, the first '%s' with %u functions", rt->nimports, rt->import[0].name,
			 rt->import[0].nfns))
		return 1;
	check_echo(rt);
	long me = probe_whoami();
	cairn_check(id(rt, 2), "badge_is_comp_id", me > 0 && (cairn_word)me == rt->comp_id,
		    "whoami %ld, my comp_id %lu", me, rt->comp_id);
	check_state(rt, me);
	check_slots(rt);
	check_unimported(rt);
	return 0;
}
