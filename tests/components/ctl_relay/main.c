/*
 * ctl_relay: serves the test interface ctl_relay (tests/qemu/interfaces/ctl_relay.toml)
 * for tests/components/ctl_probe: its gate calls the booter's control on its client's
 * thread, which the control must refuse (only an importer's own thread may ask). Its
 * main thread only initialises.
 */
#define CAIRN_SERVE_CTL_RELAY
#include <iface/control.h>
#include <iface/ctl_relay.h>

long ctl_relay_restart_serve(cairn_word index, cairn_word client)
{
	(void)client;
	return control_restart(index);
}

int main(const struct cairn_root *rt)
{
	(void)rt;
	return 0;
}
