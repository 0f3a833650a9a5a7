/*
 * args_reader: reads its args (cairn_root.args) with cairn_arg and cairn_args_known
 * (lib/libcairn/args.c) and checks them against tests/qemu/systems/args.toml, which runs
 * it twice: "full", with the longest args a description may give (FULL_ARGS, 63
 * characters), supervised, and "bare", with none. "full" checks its args (args.1), ends
 * its initialisation, crashes, and in generation 2 checks them again (args.3): the
 * booter writes them at every start. "bare" finds none (args.2).
 */
#include <cairn/cairn.h>
#include <cairn/root.h>

#define FULL_ARGS "address=10.0.2.15/24 dhcp k=v=w  pad=xxxxxxxxxxxxxxxxxxxxxxxxxx"

static volatile int zero;

static int same(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* The field from the NUL at `from` on is zero: nothing past the args. */
static int zero_after(const struct cairn_root *rt, unsigned from)
{
	for (unsigned i = from; i < CAIRN_MODULE_ARGS_MAX; i++)
		if (rt->args[i])
			return 0;
	return 1;
}

/* FULL_ARGS as cairn_arg sees them: each value, a bare key, an absent key, a buffer one
 * byte short, and every key known. */
static void check_full(const struct cairn_root *rt, const char *id, const char *name)
{
	static const char *const known[] = { "address", "dhcp", "k", "pad" };
	char a[32] = "", d[1] = "x", k[8] = "", pad[32] = "", bad[16] = "";
	long na = cairn_arg(rt, "address", a, sizeof(a));
	long nd = cairn_arg(rt, "dhcp", d, sizeof(d));
	long nk = cairn_arg(rt, "k", k, sizeof(k));
	long np = cairn_arg(rt, "pad", pad, sizeof(pad));
	long short_ = cairn_arg(rt, "address", a + 20, 12);	/* 12 bytes for 12 characters */
	long absent = cairn_arg(rt, "gateway", a, sizeof(a));
	long ok_known = cairn_args_known(rt, known, 4, bad, sizeof(bad));
	long not_known = cairn_args_known(rt, known, 3, bad, sizeof(bad));
	int exact = sizeof(FULL_ARGS) == CAIRN_MODULE_ARGS_MAX && same(rt->args, FULL_ARGS) &&
		    zero_after(rt, sizeof(FULL_ARGS) - 1);

	cairn_check(id, name, exact && na == 12 && same(a, "10.0.2.15/24") && nd == 0 && !d[0] && nk == 3 &&
		    same(k, "v=w") && np == 26 && short_ == CAIRN_ERANGE && absent == CAIRN_ENOENT &&
		    ok_known == 0 && not_known == CAIRN_EINVAL && same(bad, "pad=xxxxxxxxxxx"),
		    "generation %u args '%.64s' (exact %d); address %ld '%s', dhcp %ld, k %ld '%s', pad %ld, "
		    "short %ld, gateway %ld, known %ld, unknown %ld '%s'", rt->generation, rt->args, exact,
		    na, a, nd, nk, k, np, short_, absent, ok_known, not_known, bad);
}

static void check_bare(const struct cairn_root *rt)
{
	char v[8] = "x";
	long n = cairn_arg(rt, "dhcp", v, sizeof(v));
	long known = cairn_args_known(rt, 0, 0, 0, 0);

	cairn_check("args.2", "no_args", zero_after(rt, 0) && n == CAIRN_ENOENT && same(v, "x") && known == 0,
		    "args '%.64s', cairn_arg %ld, cairn_args_known %ld", rt->args, n, known);
}

int main(const struct cairn_root *rt)
{
	if (same(rt->name, "bare")) {
		check_bare(rt);
		return 0;
	}
	if (rt->generation == 1) {
		check_full(rt, "args.1", "args_seen");
		cairn_yield();			/* the end of its initialisation */
		*(volatile long *)(uintptr_t)zero = 1;
	}
	check_full(rt, "args.3", "args_after_restart");
	return 0;
}
