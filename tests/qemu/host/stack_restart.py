#!/usr/bin/env python3
"""stack_restart.py: the host side of the test net_restart (tests/qemu/tests.toml,
tests/qemu/systems/echo_netrestart.toml; docs/network.md "Robustness"): the stack
component itself (net, built as tests/components/net_probe, `restart = true`) crashes
under the echo application (components/sock_echo) on the datagram "net_probe:crash" to
the echo's port, and the booter restarts it; the new instance tells the echo RESTARTED
and the echo opens its sockets again. New UDP and TCP echo must work after, and a
connection opened before must end, not hang (its state died with the old instance). Datagrams go on the wire (frames.py: the UDP forward's answers do not
reach the host under restrict=on), connections through the TCP forward.

  sr.1 before       50 datagrams are echoed (one at a time: the time, a figure), and a
                    TCP connection echoes 64 KiB intact
  sr.2 restarted    after "net_probe:crash", echo answers again (a probe every 0.5 s)
  sr.3 udp_after    200 datagrams of 1 to 1,472 bytes, one at a time: each echoed intact
                    (the time, a figure: as before the crash, about 20 ms each, the
                    script's polling)
  sr.4 tcp_after    a new connection echoes 1 MiB byte for byte, as fast as a fresh
                    instance: the driver refused none of the new instance's receive
                    buffers (exact: none is given while the driver holds it, by the
                    reset handshake), under 5 s, fewer than 16 segments retransmitted
                    on the wire (both loose; about 11 s and 80 before the handshake)
  sr.5 old_conn     the connection opened before the crash: what the host sees when it
                    sends on it (the new instance answers with a reset: the host sees
                    the connection reset or ended within 15 s, never an echo)
  sr.6 quit         "quit" is echoed; the system then ends

    stack_restart.py PORT
"""
import random
import socket
import struct
import sys
import time

import echo
import frames as fr
import robust

HOST = echo.HOST
old = None


def udp_once(data, sport, secs):
    """1 if data put on the wire from SRC_IP:sport comes back within secs."""
    w = robust.wire
    m = w.mark()
    w.send(fr.eth(fr.ipv4(fr.udp(data, sport=sport))))
    return w.wait_for(lambda f: fr.from_guest_udp(f, dport=sport, data=data), secs, m) is not None


def before(port):
    global old
    t = time.monotonic()
    ok = all(udp_once(echo.datagram(i, 512), 5010, robust.WAIT) for i in range(50))
    secs = time.monotonic() - t
    old = socket.create_connection((HOST, port), timeout=echo.WAIT)
    data = random.Random(70).randbytes(64 << 10)
    tok, tdetail = echo.stream_result(data, *echo.echo_stream(port, data, old))
    return ok and tok, f"50 datagrams echoed one at a time in {secs:.2f} s: {ok}; tcp: {tdetail}"


def restarted(port):
    robust.wire.send(fr.eth(fr.ipv4(fr.udp(b"net_probe:crash", sport=5011))))
    t = time.monotonic()
    n = 0
    while time.monotonic() - t < 30:
        n += 1
        if udp_once(b"probe %d" % n, 5012, 0.5):
            return True, f"echo again after {time.monotonic() - t:.2f} s ({n} probes)"
    return False, "no echo within 30 s of the crash datagram"


def udp_after(port):
    bad, t = [], time.monotonic()
    for i in range(200):
        size = [1, 64, 512, 1472][i % 4]
        d = echo.datagram(i, size)
        if not udp_once(d, 5013, 2.0):
            bad.append((i, size))
    secs = time.monotonic() - t
    return not bad, (f"200 datagrams echoed intact, one at a time in {secs:.2f} s" if not bad
                     else f"{len(bad)} not echoed: {bad[:6]}")


def tcp_segments(frames, port=7007):
    """The TCP segments with data to or from the guest's port in frames, as the hub
    carried them: (way, seq, len), way the (source, destination) ports."""
    segs = []
    for f in frames:
        if len(f) < 54 or f[12:14] != b"\x08\x00" or f[23] != fr.TCP:
            continue
        ihl = (f[14] & 15) * 4
        total = struct.unpack("!H", f[16:18])[0]
        sp, dp, seq = struct.unpack("!HHI", f[14 + ihl:22 + ihl])
        doff = (f[14 + ihl + 12] >> 4) * 4
        n = total - ihl - doff
        if n > 0 and port in (sp, dp):
            segs.append(((sp, dp), seq, n))
    return segs


def resent(segs):
    """How many of segs (tcp_segments) begin before the furthest byte already sent
    their way (modulo 2^32): retransmissions."""
    top, n = {}, 0
    for way, seq, ln in segs:
        t = top.get(way)
        if t is not None and ((seq - t) & 0xffffffff) >= 1 << 31:
            n += 1
        end = (seq + ln) & 0xffffffff
        if t is None or ((end - t) & 0xffffffff) < 1 << 31:
            top[way] = end
    return n


def tcp_after(port):
    """sr.4: 1 MiB echoed intact, at the rate of a fresh instance. The exact check: the
    driver refused no receive buffer the new instance gave (link.rx_refused: a buffer
    given while the driver still held the old instance's buffer at that offset is
    refused, and before the reset handshake every one of the 48 was, in a loop); the
    loose ones: under 5 s (it took about 11 s before the fix) and fewer than 16 TCP
    segments retransmitted, counted on the wire (about 80 before the fix, 0 now; a
    loaded host may delay a few)."""
    m = robust.wire.mark()
    data = random.Random(22).randbytes(1 << 20)
    got, secs = echo.echo_stream(port, data)
    ok, detail = echo.stream_result(data, got, secs)
    s1 = robust.stats(port)
    n = resent(tcp_segments(robust.wire.since(m)))
    refused = s1["link.rx_refused"]
    return (ok and refused == 0 and secs < 5 and n < 16,
            f"{detail}; {n} segments retransmitted; rx buffers refused by the driver since the restart: {refused}")


def old_conn(port):
    return echo.ends_after_restart(old)


def quit_(port):
    s = robust.stats(port)
    ok, detail = robust.quit_(port)
    return ok and s["link.restarts"] == 0, f"{detail}; the new instance's counts: {s['link.rx_frames']} frames " \
        f"received, driver restarts {s['link.restarts']}"


def main():
    port = int(sys.argv[1])
    robust.wire = fr.Wire(port)
    try:
        echo.run([("sr.1", "before", before), ("sr.2", "restarted", restarted), ("sr.3", "udp_after", udp_after),
                  ("sr.4", "tcp_after", tcp_after), ("sr.5", "old_conn", old_conn), ("sr.6", "quit", quit_)], port)
    finally:
        robust.wire.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
