#!/usr/bin/env python3
"""sock_echo.py: the host side of the test sock_echo (tests/qemu/tests.toml): drives
components/sock_echo, an echo application on the socket link (docs/network.md
"Sockets"), through QEMU's forwards of PORT (UDP and TCP, to the guest's 7008). One
TEST line per check:

  se.1 udp_sizes      datagrams of 1, 64, 512 and 1472 bytes, at most 16 unanswered: each
                      answered once, intact (echo.py's udp_sizes)
  se.2 tcp_1mib       1 MiB sent while reading: the same bytes back, byte for byte
  se.3 tcp_ten        ten connections at once, 128 KiB each, each intact
  se.4 tcp_stalled    a connection that sends and never reads stalls, and meanwhile
                      another echoes 64 KiB intact
  se.5 after          UDP round trips and a new 256 KiB connection still work
  se.6 quit_app       "quit" is echoed (sock_echo then ends and says BYE; net ends once
                      sock_probe has said it too: the test's output checks)

    sock_echo.py PORT
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import echo  # noqa: E402


def tcp_ten(port):
    return echo.tcp_parallel(port, 10, 128 << 10, 40)


def after(port):
    return echo.after(port, 50)


def main():
    port = int(sys.argv[1])
    echo.run([("se.1", "udp_sizes", echo.udp_sizes), ("se.2", "tcp_1mib", echo.tcp_1mib),
              ("se.3", "tcp_ten", tcp_ten), ("se.4", "tcp_stalled", echo.tcp_stalled),
              ("se.5", "after", after), ("se.6", "quit_app", echo.quit_)], port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
