/*
 * kvclient: a client of the "kv" interface (interfaces/kv.toml), the complete client of
 * docs/systems.md ("A component, whole"). It stores, reads back and overwrites a few
 * keys, and shows the errors; two instances of it (systems/kv.toml) see only their own
 * keys.
 */
#include <iface/kv.h>

int main(const struct cairn_root *rt)
{
	cairn_word id = rt->comp_id, value = 0;

	long old = kv_put(1, 100 + id);		/* a first value: the old one is 0 */
	long again = kv_put(1, 200 + id);	/* overwritten: the old one comes back */
	long st = kv_get(1, &value);		/* two results: status, and value by pointer */
	cairn_printf("kvclient %lu: put 1 -> old %ld, put 1 -> old %ld, get 1 -> %ld, value %lu\n",
		     id, old, again, st, value);

	st = kv_get(2, &value);
	cairn_printf("kvclient %lu: get 2 -> %ld (ENOENT is %d)\n", id, st, CAIRN_ENOENT);
	long full = 0;
	for (cairn_word k = 2; k <= 9 && full >= 0; k++)
		full = kv_put(k, k);
	cairn_printf("kvclient %lu: ninth key -> %ld (ENOBUFS is %d), key 0 -> %ld (EINVAL is %d)\n",
		     id, full, CAIRN_ENOBUFS, kv_put(0, 1), CAIRN_EINVAL);
	return 0;
}
