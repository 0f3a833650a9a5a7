/*
 * net_probe: components/net (main.c, link.c, sock.c, addr*.c compiled here unchanged,
 * one wrapper file each) with test hooks on received UDP datagrams (probe.h: a
 * datagram that begins NET_PROBE_STATS is answered with the component's counts, one
 * that begins NET_PROBE_CRASH makes it execute ud2) and, where the description gives
 * it no socket link, an echo inside the stack (inner_echo.c, the test-only successor of
 * net's first service). For the robustness tests (tests/qemu/systems/echo_probe.toml:
 * robust.py, halfopen.py; tests/qemu/systems/echo_netrestart.toml: stack_restart.py
 * under the echo application; docs/network.md "Robustness"): only the test image has
 * them. A file components/net gains needs a wrapper here too.
 */
#include "lwip/init.h"
#include "../../../components/net/main.c"
