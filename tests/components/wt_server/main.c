/*
 * wt_server: waits on its callers' threads (interfaces/wt.toml) through the booter's
 * wait interface (interfaces/wait.toml), for tests/qemu/systems/wait.toml, whose
 * client has the checks (tests/components/wt_client). It is restarted when it crashes.
 *
 * A client restarted while it holds here leaves its gate stack of this server's pool
 * taken (as any call a restart drops: lib/libboot/restart.c, "Known limit"; the
 * booter gives back its own). The victim is restarted 40 times: 64 stacks.
 */
#define CAIRN_SERVE_WT
#include <iface/wt.h>
#include <iface/wait.h>
#include <cairn/gate.h>

CAIRN_GATE_STACKS(64);

static volatile int *volatile nowhere;

long wt_self_serve(cairn_word client)
{
	(void)client;
	return wait_self();
}

long wt_hold_serve(cairn_word client)
{
	(void)client;
	return wait_block();
}

long wt_release_serve(cairn_word thread, cairn_word client)
{
	(void)client;
	return wait_wake(thread);
}

long wt_crash_serve(cairn_word client)
{
	(void)client;
	*nowhere = 1;
	return 0;
}

int main(const struct cairn_root *rt)
{
	(void)rt;
	return 0;
}
