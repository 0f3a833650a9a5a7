#!/usr/bin/env python3
"""echo_restart.py: the host side of the test echo_restart (tests/qemu/tests.toml,
tests/qemu/systems/echo_restart.toml): the echo service of components/net while its
driver (tests/components/net_crashy) crashes and is restarted. The echo of a datagram
that begins with "net_crashy:crash" is the frame that crashes the driver.

  er.1 before        UDP echo works, and a TCP connection echoes 64 KiB intact
  er.2 restarted     after the crash datagram, echo answers again (probes every 0.5 s)
  er.3 udp_after     datagrams of 1..1472 bytes as in echo.py's en.1, none lost
  er.4 tcp_survives  the connection opened before the crash echoes 64 KiB more intact
  er.5 tcp_after     a new connection echoes 1 MiB byte for byte
  er.6 quit          "quit" is echoed (the system then ends)

    echo_restart.py PORT
"""
import random
import select
import socket
import sys
import time

import echo

conn = None


def before(port):
    global conn
    ok, detail = echo.udp_sizes_of(port, [(512, 20)])
    conn = socket.create_connection((echo.HOST, port), timeout=echo.WAIT)
    data = random.Random(40).randbytes(64 << 10)
    tok, tdetail = echo.stream_result(data, *echo.echo_stream(port, data, conn))
    return ok and tok, f"udp: {detail}; tcp: {tdetail}"


def restarted(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((echo.HOST, port))
    s.send(b"net_crashy:crash " + bytes(100))
    t = time.monotonic()
    while time.monotonic() - t < 30:
        probe = f"probe {time.monotonic()}".encode()
        s.send(probe)
        r, _, _ = select.select([s], [], [], 0.5)
        while r:
            if s.recv(2048) == probe:
                return True, f"echo again after {time.monotonic() - t:.2f} s"
            r, _, _ = select.select([s], [], [], 0.1)
    return False, "no echo within 30 s of the crash datagram"


def udp_after(port):
    return echo.udp_sizes(port)


def tcp_survives(port):
    data = random.Random(41).randbytes(64 << 10)
    got, secs = echo.echo_stream(port, data, conn)
    conn.close()
    return echo.stream_result(data, got, secs)


def main():
    echo.run([("er.1", "before", before), ("er.2", "restarted", restarted), ("er.3", "udp_after", udp_after),
              ("er.4", "tcp_survives", tcp_survives), ("er.5", "tcp_after", echo.tcp_1mib),
              ("er.6", "quit", echo.quit_)], int(sys.argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
