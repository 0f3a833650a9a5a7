/*
 * rr_probe: the rtos component's "rtos" interface (interfaces/rtos.toml,
 * components/rtos/run.c) called raw, at every error, from a component that imports it.
 * The system (tests/qemu/systems/rtos_run.toml) is: 0 rr_probe, 1 rr_probe again with
 * args "mode=none", which does not import it, and the rtos component (exports "rtos";
 * its programs rtos_child, the first, which ends at once and prints nothing, and
 * greeter, so greeter's lines are the runs'). Checks:
 *
 *   rr.1 in its initialisation, before the rtos component's (init order: it comes
 *        last): run is CAIRN_EAGAIN (not started)
 *   rr.2 names refused with CAIRN_EINVAL: empty, a byte after its NUL, '/', a space, a
 *        byte above 0x7f, a control byte
 *   rr.3 result with nothing asked: CAIRN_EBADF
 *   rr.4 run greeter: 0; at once again CAIRN_EBUSY, result CAIRN_EAGAIN (S_0 has not
 *        run: same priority, no time slices); then result 0 with a process handle,
 *        and again CAIRN_EBADF (collected); greeter's line shows it ran
 *   rr.5 a name of 32 bytes (no NUL) is taken whole: result CAIRN_ENOENT (no program);
 *        run nosuch: result CAIRN_ENOENT
 *   rr.6 a second greeter: another handle; an outcome not collected is dropped by the
 *        next run (not CAIRN_EBUSY)
 *   rr.7 (the second instance) without the import: CAIRN_ENOENT
 *   rr.8 bye: 0; run then CAIRN_ENOTSUP; the RTOS ends with its last process
 */
#include <cairn/cairn.h>
#include <iface/rtos.h>

#define WAIT_MS 2000

/* run of the name at s (at most 32 bytes, NUL-padded) */
static long run(const char *s, unsigned len)
{
	cairn_word w[4] = { 0 };

	memcpy(w, s, len > sizeof(w) ? sizeof(w) : len);
	return rtos_run(w[0], w[1], w[2], w[3]);
}

/* Waits (yielding, at most WAIT_MS) for the outcome: result's. */
static long outcome(const struct cairn_root *rt, cairn_word *pid)
{
	uint64_t end = cairn_cycles() + rt->tsc_hz / 1000 * WAIT_MS;
	long r;

	while ((r = rtos_result(pid)) == CAIRN_EAGAIN && cairn_cycles() < end)
		cairn_yield();
	return r;
}

static void names(void)
{
	const char *bad[] = { "", "gre\0eter", "bin/greeter", "greet er", "gre\377ter", "gre\001ter" };
	const unsigned len[] = { 0, 8, 11, 8, 8, 8 };
	int ok = 1;

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		long r = run(bad[i], len[i]);
		if (r != CAIRN_EINVAL) {
			cairn_printf("rr_probe: name %u: %ld\n", i, r);
			ok = 0;
		}
	}
	cairn_word pid = 0;
	long r = rtos_result(&pid);
	cairn_check("rr.2", "bad_names", ok, "see above");
	cairn_check("rr.3", "nothing_to_collect", r == CAIRN_EBADF, "%ld", r);
}

static void greeter(const struct cairn_root *rt)
{
	cairn_word pid = 0, again = 0;
	long a = run("greeter", 7), b = run("greeter", 7), c = rtos_result(&pid);
	long d = outcome(rt, &pid), e = rtos_result(&again);

	cairn_check("rr.4", "run_greeter", a == 0 && b == CAIRN_EBUSY && c == CAIRN_EAGAIN && d == 0 && pid > 0 &&
		    e == CAIRN_EBADF, "run %ld, again %ld, result %ld then %ld (pid 0x%lx), again %ld", a, b, c, d, pid, e);

	cairn_word x = 0;
	long f = run("abcdefghijklmnopqrstuvwxyz012345", 32), g = outcome(rt, &x);
	long h = run("nosuch", 6), i = outcome(rt, &x);
	cairn_check("rr.5", "no_such_program", f == 0 && g == CAIRN_ENOENT && h == 0 && i == CAIRN_ENOENT,
		    "32 bytes: %ld then %ld; nosuch: %ld then %ld", f, g, h, i);

	cairn_word pid2 = 0;
	long j = run("greeter", 7);
	for (int k = 0; k < 50; k++)
		cairn_yield();	/* S_0 starts it; its outcome is not collected */
	long k = run("greeter", 7), l = outcome(rt, &pid2);
	cairn_check("rr.6", "second_run", j == 0 && k == 0 && l == 0 && pid2 > 0 && pid2 != pid,
		    "run %ld, then %ld: %ld (pid 0x%lx, the first 0x%lx)", j, k, l, pid2, pid);
}

int main(const struct cairn_root *rt)
{
	char mode[8];

	if (cairn_arg(rt, "mode", mode, sizeof mode) >= 0) {	/* mode=none: no import */
		long r = run("greeter", 7);
		cairn_check("rr.7", "without_the_import", r == CAIRN_ENOENT, "%ld", r);
		return 0;
	}
	long r = run("greeter", 7);
	cairn_check("rr.1", "before_the_rtos_starts", r == CAIRN_EAGAIN, "%ld", r);
	cairn_yield();	/* ends its initialisation; the rtos component's follows */
	names();
	greeter(rt);
	long a = rtos_bye(), b = run("greeter", 7);
	cairn_check("rr.8", "bye", a == 0 && b == CAIRN_ENOTSUP, "bye %ld, then run %ld", a, b);
	return 0;
}
