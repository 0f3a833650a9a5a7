/*
 * net_probe: components/net (main.c, link.c, echo.c compiled here unchanged, one
 * wrapper file each) with two test hooks on the UDP echo (echo.c here): a datagram
 * that begins NET_PROBE_STATS is answered with the component's counts instead of
 * being echoed, and one that begins NET_PROBE_CRASH makes it execute ud2. For the
 * robustness tests (tests/qemu/systems/echo_probe.toml, tests/qemu/host/robust.py,
 * net_restart.py; docs/network.md "Robustness"): only the test image has them.
 * A file components/net gains needs a wrapper here too.
 */
#include "lwip/init.h"
#include "../../../components/net/main.c"
