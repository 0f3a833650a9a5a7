#!/usr/bin/env python3
"""halfopen.py: the host side of the test net_halfopen (tests/qemu/tests.toml,
tests/qemu/systems/echo_probe.toml; docs/network.md "Robustness"): connections that
never complete, are abandoned, or never read. lwIP has 8 pcbs for connections
(MEMP_NUM_TCP_PCB), a listen backlog of 4 (TCP_DEFAULT_LISTEN_BACKLOG: connections in
SYN_RCVD), and drops a SYN_RCVD pcb after 20 s (TCP_SYN_RCVD_TIMEOUT); its timers run
only while frames come, so a datagram goes every 0.2 s throughout (frames.py's wire).

  ho.1 syn_flood     300 SYNs from as many ports put on the wire from 10.0.2.77, whose
                     ARP requests no one answers, so that no SYN-ACK leaves and none
                     completes: 4 pcbs are taken (the backlog); meanwhile UDP and an
                     established connection echo; then, while the flood goes on at 20
                     SYNs a second, a new connection gets in within 8 s (the listener
                     gives way its oldest half-open connection: lib/liblwip/listen.c;
                     without it none would for 20 s); the half-open pcbs are gone
                     within 60 s (the figure: when)
  ho.2 abandoned     8 connections opened through the forward, used once and then left
                     open and silent (every pcb taken): a ninth gets in within 30 s
                     (net_probe's inner_echo.c gives way the longest idle after 5 s), and the one evicted
                     sees a reset
  ho.3 never_read    8 connections that send and never read (each stalls itself): a
                     new one gets in within 30 s likewise, and echoes 64 KiB intact
                     (whether the evicted one's host socket sees the reset within 3 s
                     is a figure: slirp still holds the echo it could not deliver)
  ho.4 quit          "quit" (on the wire) is echoed; the system then ends

    halfopen.py PORT
"""
import random
import select
import socket
import sys
import threading
import time

import echo
import frames as fr
import robust

HOST = echo.HOST
LONER = bytes([10, 0, 2, 77])   # on the guest's subnet, answering no ARP request: its SYN-ACKs never leave


class Ticker:
    """A datagram on the wire every 0.2 s, so that lwIP's timers run."""

    def __init__(self, wire):
        self.wire, self.stop = wire, False
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _run(self):
        while not self.stop:
            self.wire.send(fr.eth(fr.ipv4(fr.udp(b"tick", sport=5009))))
            time.sleep(0.2)

    def close(self):
        self.stop = True
        self.t.join(1)


def syn_flood(port):
    wire = robust.wire
    m = wire.mark()
    before = robust.stats(port)
    base = 20000
    for i in range(300):
        wire.send(fr.eth(fr.ipv4(fr.tcp(base + i, seq=7 * i, src=LONER), proto=fr.TCP, src=LONER)))
    time.sleep(1.0)
    asked = sum(1 for f in wire.since(m) if f[12:14] == b"\x08\x06" and f[38:42] == LONER)
    answered = {fr.from_guest_tcp(f, to=LONER)[4] for f in wire.since(m)
                if fr.from_guest_tcp(f, flags=0x12, to=LONER) and base <= fr.from_guest_tcp(f, to=LONER)[4] < base + 300}
    mid = robust.stats(port)
    d = b"during the SYN flood"
    udp_ok = wire.ask(fr.eth(fr.ipv4(fr.udp(d, sport=5002))),
                      lambda f: fr.from_guest_udp(f, dport=5002, data=d), robust.WAIT) is not None
    data = random.Random(61).randbytes(16 << 10)
    tcp_ok = echo.echo_stream(port, data, robust.long_conn)[0] == data
    flood = Flood(wire, base + 300)
    took = echo.connect_within(port, 8)
    flood.close()
    t, used = time.monotonic(), mid["pool.tcp_pcb_used"]
    while used > 1 and time.monotonic() - t < 60:
        time.sleep(1.0)
        used = robust.stats(port)["pool.tcp_pcb_used"]
    lived = time.monotonic() - t
    after = robust.stats(port)
    robust.long_conn.close()
    return (not answered and asked > 0 and mid["pool.tcp_pcb_used"] >= 5 and udp_ok and tcp_ok and used <= 1 and
            took is not None,
            f"{len(answered)} SYN-ACKs sent (none can be: no one answers ARP for the source), {asked} ARP requests "
            f"for it; pcbs in use {mid['pool.tcp_pcb_used']} (the established connection and the backlog's 4); "
            f"meanwhile UDP echoed {udp_ok}, the established connection echoed 16 KiB {tcp_ok}; during a flood of "
            f"{flood.sent} more SYNs a new connection " +
            (f"got in after {took:.1f} s" if took is not None else "did not get in within 8 s") +
            f"; the half-open pcbs were gone {lived:.0f} s later (pcbs in use {used}, then {after['pool.tcp_pcb_used']})")


class Flood:
    """SYNs from LONER at 20 a second, each from a new port, until closed."""

    def __init__(self, wire, first_port):
        self.wire, self.port, self.sent, self.stop = wire, first_port, 0, False
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _run(self):
        while not self.stop and self.sent < 2000:
            p = self.port + self.sent
            self.wire.send(fr.eth(fr.ipv4(fr.tcp(p, seq=11 * p, src=LONER), proto=fr.TCP, src=LONER)))
            self.sent += 1
            time.sleep(0.05)

    def close(self):
        self.stop = True
        self.t.join(1)


def fill(port, stalled):
    """8 connections through the forward, one after the other (each accepted before the
    next: a burst of more SYNs than the backlog on a slow guest would have the first
    ones given way, docs/network.md "Robustness"): each echoes 100 bytes once and is
    left silent, or (stalled) sends without ever reading until it stalls."""
    conns = []
    for i in range(8):
        c = socket.create_connection((HOST, port), timeout=5)
        if stalled:
            c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            c.setblocking(False)
            end = time.monotonic() + 10     # (a connect returns once slirp has it)
            while robust.stats(port)["echo.conns"] < i + 1 and time.monotonic() < end:
                time.sleep(0.05)
        else:
            c.sendall(b"%03d" % i + b"." * 97)
            got = b""
            while len(got) < 100:
                chunk = c.recv(100 - len(got))
                if not chunk:
                    break           # (closed: the step's counts show it)
                got += chunk
        conns.append(c)
    if stalled:
        chunk = bytes(65536)
        end = time.monotonic() + 3.0
        while time.monotonic() < end:
            for c in conns:
                try:
                    c.send(chunk)
                except (BlockingIOError, OSError):
                    pass
            time.sleep(0.05)
    return conns


def reset_seen(conns, secs=3.0):
    """How many of conns the guest reset (or ended) within secs, reading all they hold:
    their recv gives an error or EOF."""
    live, n, end = list(conns), 0, time.monotonic() + secs
    for c in live:
        c.setblocking(False)
    while live and time.monotonic() < end:
        r, _, _ = select.select(live, [], [], 0.1)
        for c in r:
            try:
                if c.recv(65536):
                    continue
            except BlockingIOError:
                continue
            except OSError:
                pass
            n += 1
            live.remove(c)
    return n


def free_slots(port, secs=10.0):
    """The counts once the earlier steps' connections have left their slots (the host
    closed them, but slirp may bring their ends to the guest after the next step's
    first connections: one would find every slot taken and be refused). Waits at most
    secs; what is left then shows in the step's figure."""
    now, end = robust.stats(port), time.monotonic() + secs
    while now["echo.conns"] and time.monotonic() < end:
        time.sleep(0.1)
        now = robust.stats(port)
    return now


def crowded(port, stalled):
    before = free_slots(port)
    conns = fill(port, stalled)
    full, end = robust.stats(port), time.monotonic() + 10
    while full["echo.conns"] < 8 and time.monotonic() < end:   # (a connect returns once slirp has
        time.sleep(0.1)                                       # it: the guest accepts it later)
        full = robust.stats(port)
    data = random.Random(60).randbytes(64 << 10)
    took = echo.connect_within(port, 30, data if stalled else b"y" * 512)
    after = robust.stats(port)
    gone = reset_seen(conns)
    for c in conns:
        c.close()
    ev = after["echo.evicted"] - before["echo.evicted"]
    return (before["echo.conns"] == 0 and full["echo.conns"] == 8 and took is not None and ev >= 1 and
            (stalled or gone >= 1),
            f"slots taken before {before['echo.conns']}, then {full['echo.conns']}, pcbs {full['pool.tcp_pcb_used']}; a new connection " +
            (f"got in after {took:.1f} s" if took is not None else "did not get in within 30 s") +
            f"; {ev} evicted; {gone} of the 8 saw a reset or an end")


def main():
    port = int(sys.argv[1])
    robust.wire = fr.Wire(port)
    robust.long_conn = socket.create_connection((HOST, port), timeout=echo.WAIT)
    tick = Ticker(robust.wire)
    try:
        echo.run([("ho.1", "syn_flood", syn_flood),
                  ("ho.2", "abandoned", lambda p: crowded(p, False)),
                  ("ho.3", "never_read", lambda p: crowded(p, True)),
                  ("ho.4", "quit", robust.quit_)], port)
    finally:
        tick.close()
        robust.wire.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
