/*
 * probe_server: serves the test interface "probe" (interfaces/probe.toml). echo packs
 * its four arguments so that any reordering shows; whoami returns the badge the booter
 * put in the caller's gate; put/get keep one value, and who stored it, in this
 * component, where every client's call finds it. Its main thread only initialises.
 */
#define CAIRN_SERVE_PROBE
#include <iface/probe.h>

static cairn_word value, putter;

long probe_echo_serve(cairn_word a, cairn_word b, cairn_word c, cairn_word d, cairn_word client,
		      cairn_word *last)
{
	(void)client;
	*last = d;
	return (long)((a & 0xffff) << 32 | (b & 0xffff) << 16 | (c & 0xffff));
}

long probe_whoami_serve(cairn_word client)
{
	return (long)client;
}

long probe_put_serve(cairn_word v, cairn_word client)
{
	cairn_word old = value;

	value = v;
	putter = client;
	return (long)old;
}

long probe_get_serve(cairn_word client, cairn_word *who)
{
	(void)client;
	*who = putter;
	return (long)value;
}

int main(const struct cairn_root *rt)
{
	cairn_printf("probe_server: component %lu '%s' serves 'probe'\n", rt->comp_id, rt->name);
	return 0;
}
