/*
 * sock_byer: a socket client that is done at once (tests/qemu/systems/echo_netrestart.toml,
 * test net_restart; docs/network.md "Robustness"): it says BYE (libnet's first call
 * says HELLO) and ends. net then crashes and is restarted under the echo application:
 * the new instance must count this link's BYE, said to the old one (cairn/sock.h:
 * the last event of the link is its DONE), or it would wait for this client for ever
 * once the echo says BYE too.
 */
#include <cairn/cairn.h>
#include <cairn/libnet.h>

int main(const struct cairn_root *rt)
{
	(void)rt;
	int r = net_bye();

	cairn_printf("sock_byer: BYE said (%d)\n", r);
	return r == 0 ? 0 : 1;
}
