/*
 * wt_server: waits on its callers' threads (interfaces/wt.toml) through the booter's
 * wait interface (interfaces/wait.toml), for tests/qemu/systems/wait.toml, whose
 * client has the checks (tests/components/wt_client). It is restarted when it crashes.
 */
#define CAIRN_SERVE_WT
#include <iface/wt.h>
#include <iface/wait.h>

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
