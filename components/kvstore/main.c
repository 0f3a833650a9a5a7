/*
 * kvstore: serves the "kv" interface (interfaces/kv.toml), the complete server of
 * docs/systems.md ("A component, whole"). Every call runs on its client's thread
 * (thread migration): main only says it is ready and returns, and the gates go on
 * serving. Each client has its own keys, found by the gate's badge.
 */
#define CAIRN_SERVE_KV
#include <iface/kv.h>

#define KV_CLIENTS 32		/* badges are component numbers: CAIRN_SD_COMPS */
#define KV_KEYS    8		/* keys per client */

static struct {
	cairn_word key, value;	/* key 0: a free entry */
} store[KV_CLIENTS][KV_KEYS];

/* The entry of `key` in the client's store, or a free one (key 0), or none. */
static int find(cairn_word client, cairn_word key)
{
	int free = -1;

	for (int i = 0; i < KV_KEYS; i++) {
		if (store[client][i].key == key)
			return i;
		if (!store[client][i].key && free < 0)
			free = i;
	}
	return free;
}

long kv_put_serve(cairn_word key, cairn_word value, cairn_word client)
{
	if (!key || client >= KV_CLIENTS)
		return CAIRN_EINVAL;
	int i = find(client, key);
	if (i < 0)
		return CAIRN_ENOBUFS;
	cairn_word old = store[client][i].key ? store[client][i].value : 0;
	store[client][i].key = key;
	store[client][i].value = value;
	return (long)old;
}

/* Two results: the first is the return value, the second goes through the pointer,
 * which comes after the badge. */
long kv_get_serve(cairn_word key, cairn_word client, cairn_word *value)
{
	if (!key || client >= KV_CLIENTS)
		return CAIRN_EINVAL;
	int i = find(client, key);
	if (i < 0 || store[client][i].key != key)
		return CAIRN_ENOENT;
	*value = store[client][i].value;
	return 0;
}

int main(const struct cairn_root *rt)
{
	cairn_printf("kvstore: component %lu serves 'kv'\n", rt->comp_id);
	return 0;
}
