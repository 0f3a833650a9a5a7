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
import random
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import echo  # noqa: E402


def tcp_ten(port):
    n = 10
    results = [None] * n
    datas = [random.Random(40 + i).randbytes(128 << 10) for i in range(n)]

    def one(i):
        got = echo.echo_stream(port, datas[i])[0]
        results[i] = got == datas[i] or f"{len(got)} bytes, first difference {echo.first_difference(got, datas[i])}"
    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(6 * echo.WAIT)
    return all(r is True for r in results), f"intact: {results}"


def after(port):
    ok, detail = echo.udp_rtt(port)
    data = random.Random(50).randbytes(256 << 10)
    got, secs = echo.echo_stream(port, data)
    ok2, detail2 = echo.stream_result(data, got, secs)
    return ok and ok2, f"{detail}; {detail2}"


def main():
    port = int(sys.argv[1])
    echo.run([("se.1", "udp_sizes", echo.udp_sizes), ("se.2", "tcp_1mib", echo.tcp_1mib),
              ("se.3", "tcp_ten", tcp_ten), ("se.4", "tcp_stalled", echo.tcp_stalled),
              ("se.5", "after", after), ("se.6", "quit_app", echo.quit_)], port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
