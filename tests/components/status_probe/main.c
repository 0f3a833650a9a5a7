/*
 * status_probe: the booter's status interface (interfaces/status.toml, lib/libboot/
 * status.c) from a component that imports it, at its bounds and errors. Its args say
 * what to expect: `id=<prefix> components=<n> system=<name>`. Checks (<prefix>.N):
 *
 *   .1 system: n components; system_name: the system's name, words 0..2
 *   .2 its own entry (index comp_id - 1): its name, running, 1 thread, 0 restarts, 0 faults
 *   .3 every index below n: a state among STATUS_STATE_*, at most 1 thread, a name of
 *      1..23 characters whose word 2 ends it (the `next` of word 2 is 0)
 *   .4 errors: component(n), component(~0), name(n, 0), name(0, 3), name(0, ~0),
 *      system_name(3): each CAIRN_EINVAL
 *
 * The test systems give it a name of 23 characters (the most), so that every byte of
 * the words is used.
 */
#include <cairn/cairn.h>
#include <cairn/status_client.h>
#include <common/fmt.h>

static char id[16];

static const char *check_id(unsigned n)
{
	static char s[24];

	fmt_snprintf(s, sizeof s, "%s.%u", id, n);
	return s;
}

/* The name of component index (index < 0: the system's) into out[24]: 0 or an error. */
static long name_of(long index, char *out, cairn_word *last_next)
{
	return status_name_of(index, out, last_next);
}

static int same(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

int main(const struct cairn_root *rt)
{
	char v[24], sys[24], name[24];
	cairn_word restarts = 0, next = 0, faults = 0;

	if (cairn_arg(rt, "id", id, sizeof id) < 0 || cairn_arg(rt, "components", v, sizeof v) < 0 ||
	    cairn_arg(rt, "system", sys, sizeof sys) < 0) {
		cairn_printf("status_probe: args must say id=, components= and system=\n");
		return 1;
	}
	long want = 0;
	for (const char *p = v; *p; p++)
		want = want * 10 + (*p - '0');

	long n = status_system(&restarts);
	long e = name_of(-1, name, &next);
	cairn_check(check_id(1), "system_and_its_name", n == want && e == 0 && same(name, sys) && next == 0,
		    "%ld components (want %ld), %lu restarts; name '%s' (%ld, want '%s')", n, want,
		    (unsigned long)restarts, e ? "" : name, e, sys);

	long me = (long)rt->comp_id - 1;
	long info = status_component((cairn_word)me, &faults);
	e = name_of(me, name, &next);
	cairn_check(check_id(2), "its_own_entry",
		    info >= 0 && status_state(info) == STATUS_STATE_RUNNING && status_threads(info) == 1 &&
			    status_restarts(info) == 0 && faults == 0 && e == 0 && same(name, rt->name),
		    "index %ld: info %#lx faults %lu, name '%s' (%ld)", me, info, (unsigned long)faults,
		    e ? "" : name, e);

	int ok = n > 0;
	for (long i = 0; ok && i < n; i++) {
		info = status_component((cairn_word)i, &faults);
		e = name_of(i, name, &next);
		unsigned st = info < 0 ? 0 : status_state(info);
		ok = info >= 0 && st >= STATUS_STATE_RUNNING && st <= STATUS_STATE_RESTARTING &&
		     status_threads(info) <= 1 && e == 0 && name[0] && next == 0;
		cairn_printf("%s: %ld %s: %s, %u restarts, %u threads, %lu faults\n", id, i, e ? "?" : name,
			     status_state_name(st), info < 0 ? 0 : status_restarts(info),
			     info < 0 ? 0 : status_threads(info), (unsigned long)faults);
	}
	cairn_check(check_id(3), "every_component", ok, "%ld components", n);

	cairn_word r1 = 0;
	long errs[6] = {
		status_component((cairn_word)n, &r1), status_component(~(cairn_word)0, &r1),
		status_name((cairn_word)n, 0, &r1),   status_name(0, 3, &r1),
		status_name(0, ~(cairn_word)0, &r1),  status_system_name(3, &r1),
	};
	ok = 1;
	for (unsigned i = 0; i < 6; i++)
		ok &= errs[i] == CAIRN_EINVAL;
	cairn_check(check_id(4), "every_error", ok, "%ld %ld %ld %ld %ld %ld", errs[0], errs[1], errs[2], errs[3],
		    errs[4], errs[5]);
	return 0;
}
