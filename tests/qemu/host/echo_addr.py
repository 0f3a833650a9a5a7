#!/usr/bin/env python3
"""echo_addr.py: the host side of the tests echo_dhcp and echo_static
(tests/qemu/tests.toml): the echo application (components/sock_echo) over components/net
at the address net's args gave it (DHCP's, or a static one), reached through a forward
to that address alone, so every answer shows the address was taken. It starts once a
datagram comes back (with DHCP, net may have its address before the echo has opened
its socket, or after). Fewer bytes than echo.py's sys_echo: the
address is what is tested here, not the stack.

  ea.1 udp      datagrams of 1, 64, 512 and 1472 bytes (20 of each), each answered
                once, intact
  ea.2 tcp      a connection echoes 256 KiB byte for byte
  ea.3 quit     "quit" is echoed (the system then ends)

    echo_addr.py PORT
"""
import random
import sys

import echo


def udp(port):
    return echo.udp_sizes_of(port, [(1, 20), (64, 20), (512, 20), (1472, 20)])


def tcp(port):
    data = random.Random(50).randbytes(256 << 10)
    return echo.stream_result(data, *echo.echo_stream(port, data))


def main():
    echo.wait_ready(int(sys.argv[1]))
    echo.run([("ea.1", "udp", udp), ("ea.2", "tcp", tcp), ("ea.3", "quit", echo.quit_)], int(sys.argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
