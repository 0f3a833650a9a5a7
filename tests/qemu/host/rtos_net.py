#!/usr/bin/env python3
"""rtos_net.py: the host side of the test rtos_net (tests/qemu/tests.toml): drives
examples/net_echo, an RTOS program serving UDP and TCP echo through the RTOS's socket
calls (docs/network.md "Sockets for RTOS programs"), through QEMU's forwards of PORT
(UDP and TCP, to the guest's 7009). One TEST line per check:

  rn.1 udp_sizes      datagrams of 1, 64, 512 and 1472 bytes, at most 8 unanswered: each
                      answered once, intact (the program's socket has 12 buffers at net
                      to receive into: a burst beyond them is dropped, as UDP allows)
  rn.2 tcp_256k       256 KiB sent while reading: the same bytes back, byte for byte
  rn.3 tcp_five       five connections at once, 64 KiB each, each intact
  rn.4 tcp_stalled    a connection that sends and never reads stalls, and meanwhile
                      another echoes 64 KiB intact
  rn.5 after          UDP round trips and a new 256 KiB connection still work
  rn.6 quit_app       "quit" to 7009 is echoed (net_echo then ends, and the RTOS, which
                      says BYE: net ends, and the system; tests.toml's output checks)

    rtos_net.py PORT
"""
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import echo  # noqa: E402


def udp_sizes(port):
    return echo.udp_sizes_of(port, [(1, 200), (64, 100), (512, 100), (1472, 100)], window=8)


def tcp_256k(port):
    data = random.Random(61).randbytes(256 << 10)
    return echo.stream_result(data, *echo.echo_stream(port, data))


def tcp_five(port):
    return echo.tcp_parallel(port, 5, 64 << 10, 70)


def after(port):
    return echo.after(port, 80)


def main():
    port = int(sys.argv[1])
    echo.run([("rn.1", "udp_sizes", udp_sizes), ("rn.2", "tcp_256k", tcp_256k),
              ("rn.3", "tcp_five", tcp_five), ("rn.4", "tcp_stalled", echo.tcp_stalled),
              ("rn.5", "after", after), ("rn.6", "quit_app", echo.quit_)], port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
