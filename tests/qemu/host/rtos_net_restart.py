#!/usr/bin/env python3
"""rtos_net_restart.py: the host side of the test rtos_net_restart (tests/qemu/tests.toml,
tests/qemu/systems/rtos_net_restart.toml; docs/network.md "Sockets for RTOS programs"):
the stack component (net, built as tests/components/net_probe, `restart = true`)
crashes under the RTOS program examples/net_echo (UDP and TCP echo on 7009) on the
datagram "net_probe:crash" to 7009, and the booter restarts it; the new instance tells
the rtos component RESTARTED, which fails the program's sockets and says HELLO; the
program opens its sockets again. Through QEMU's forwards of PORT (UDP and TCP, to the
guest's 7009). One TEST line per check:

  rr.1 before       UDP round trips, and a TCP connection (kept open) echoes 64 KiB intact
  rr.2 restarted    after "net_probe:crash", UDP echo answers again within 30 s (a probe
                    every 0.5 s; the time, a figure)
  rr.3 udp_after    datagrams of 1, 64, 512 and 1472 bytes, at most 8 unanswered: each
                    answered once, intact
  rr.4 tcp_after    a NEW connection echoes 256 KiB byte for byte
  rr.5 old_conn     the connection opened before the crash ends (EOF or reset at the
                    host) within 15 s of sending on it, never an echo, never a hang
  rr.6 again        a second crash (net's generation 3): UDP echo answers again, and a
                    new connection echoes 64 KiB intact
  rr.7 quit_app     "quit" to 7009 is echoed (net_echo ends, the RTOS says BYE, net
                    ends and the system: tests.toml's output checks)

    rtos_net_restart.py PORT
"""
import os
import random
import select
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import echo  # noqa: E402

old = None


def udp_once(port, data, secs):
    """True if data sent to port comes back within secs."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect((echo.HOST, port))
        try:
            s.send(data)
            end = time.monotonic() + secs
            while True:
                r, _, _ = select.select([s], [], [], max(0.0, end - time.monotonic()))
                if not r:
                    return False
                if s.recv(2048) == data:
                    return True
        except OSError:         # an ICMP unreachable while the port is closed
            time.sleep(min(secs, 0.2))
            return False


def before(port):
    global old
    ok, detail = echo.udp_rtt(port)
    old = socket.create_connection((echo.HOST, port), timeout=echo.WAIT)
    data = random.Random(90).randbytes(64 << 10)
    tok, tdetail = echo.stream_result(data, *echo.echo_stream(port, data, old))
    return ok and tok, f"udp: {detail}; tcp: {tdetail}"


def crash_and_wait(port):
    """Sends the crash datagram to port and probes until UDP echo answers: (ok, detail)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect((echo.HOST, port))
        s.send(b"net_probe:crash")
    t = time.monotonic()
    n = 0
    while time.monotonic() - t < 30:
        n += 1
        if udp_once(port, b"probe %d" % n, 0.5):
            return True, f"echo again after {time.monotonic() - t:.2f} s ({n} probes)"
    return False, "no echo within 30 s of the crash datagram"


def restarted(port):
    return crash_and_wait(port)


def again(port):
    ok, detail = crash_and_wait(port)
    if not ok:
        return ok, detail
    data = random.Random(92).randbytes(64 << 10)
    tok, tdetail = echo.stream_result(data, *echo.echo_stream(port, data))
    return tok, f"{detail}; tcp: {tdetail}"


def udp_after(port):
    return echo.udp_sizes_of(port, [(1, 50), (64, 50), (512, 50), (1472, 50)], window=8)


def tcp_after(port):
    data = random.Random(91).randbytes(256 << 10)
    return echo.stream_result(data, *echo.echo_stream(port, data))


def old_conn(port):
    return echo.ends_after_restart(old)


def main():
    port = int(sys.argv[1])
    echo.run([("rr.1", "before", before), ("rr.2", "restarted", restarted), ("rr.3", "udp_after", udp_after),
              ("rr.4", "tcp_after", tcp_after), ("rr.5", "old_conn", old_conn), ("rr.6", "again", again),
              ("rr.7", "quit_app", echo.quit_)],
             port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
