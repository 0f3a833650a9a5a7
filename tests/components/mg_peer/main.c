/*
 * mg_peer: a peer for the manager test (tests/qemu/systems/manager.toml runs two of
 * it, mg_peer_a and mg_peer_b; each serves its own interface, mgpeer_a or mgpeer_b,
 * with the same functions). It calls the manager as itself and reads and writes its
 * own address space, so the driver (tests/components/mg_driver) sees what reached it
 * and what was taken back. It is supervised: touching a page that was taken back
 * faults, the booter restarts it, and the driver's call returns CAIRN_ESTALE.
 */
#define CAIRN_SERVE_MGPEER_A
#define CAIRN_SERVE_MGPEER_B
#include <iface/manager.h>
#include <iface/mgpeer_a.h>
#include <iface/mgpeer_b.h>
#include <cairn/root.h>

static long id(void)
{
	return (long)((const struct cairn_root *)CAIRN_ROOT_VA)->comp_id;
}

static long call(cairn_word slot)
{
	return slot > UINT32_MAX ? CAIRN_ERANGE : cairn_sinv_call((unsigned)slot, 0, 0, 0, 0).r0;
}

static long peek(cairn_word va)
{
	return *(volatile long *)va;
}

static long poke(cairn_word va, cairn_word value)
{
	*(volatile long *)va = (long)value;
	return 0;
}

static long pages(void)
{
	cairn_word budget;
	return manager_status(&budget);
}

/* Both interfaces, one implementation. */
#define SERVE(x)                                                                                   \
	long mgpeer_##x##_id_serve(cairn_word client) { (void)client; return id(); }             \
	long mgpeer_##x##_call_serve(cairn_word slot, cairn_word client)                           \
	{ (void)client; return call(slot); }                                                       \
	long mgpeer_##x##_pass_serve(cairn_word slot, cairn_word to, cairn_word client)            \
	{ (void)client; return manager_delegate(slot, to); }                                       \
	long mgpeer_##x##_revoke_serve(cairn_word slot, cairn_word client)                         \
	{ (void)client; return manager_revoke(slot); }                                             \
	long mgpeer_##x##_peek_serve(cairn_word va, cairn_word client)                             \
	{ (void)client; return peek(va); }                                                         \
	long mgpeer_##x##_poke_serve(cairn_word va, cairn_word value, cairn_word client)           \
	{ (void)client; return poke(va, value); }                                                  \
	long mgpeer_##x##_share_serve(cairn_word va, cairn_word to, cairn_word client)             \
	{ (void)client; return manager_share(va, to); }                                            \
	long mgpeer_##x##_alloc_serve(cairn_word n, cairn_word client)                             \
	{ (void)client; return manager_alloc(n); }                                                 \
	long mgpeer_##x##_pages_serve(cairn_word client) { (void)client; return pages(); }

SERVE(a)
SERVE(b)

int main(const struct cairn_root *rt)
{
	(void)rt;
	return 0;
}
