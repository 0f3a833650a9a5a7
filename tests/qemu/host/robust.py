#!/usr/bin/env python3
"""robust.py: the host side of the test net_robust (tests/qemu/tests.toml,
tests/qemu/systems/echo_probe.toml; docs/network.md "Robustness"): raw frames put on
the guest's network (frames.py: a dgram netdev on the NIC's hub) while the echo keeps
being checked through QEMU's forwards. After each case the UDP echo answers, a TCP
connection opened at the start still echoes, a new one echoes, and the component's
counts (net_probe's "net_probe:stats" datagram) moved where they should: each case
checks the counters that must grow, and that the frames meant to be dropped were
not echoed.

  rb.1  inject       a well-formed datagram put on the hub is echoed back onto it, and a
                     SYN gets a SYN-ACK (the way in works: the cases below can fail)
  rb.2  runts        frames of 1, 6 and 13 bytes (the driver drops them) and of 14
                     (an Ethernet header alone: lwIP's etharp.proterr)
  rb.3  ip_header    IPv4 version 6, IHL 4, IHL past the frame, total length past the
                     frame, a header cut short, a bad header checksum, fragments (MF,
                     an offset): dropped, counted; options and a total length shorter
                     than the frame (the rest trimmed) are accepted
  rb.4  udp          a bad checksum, a header cut short: dropped, counted; a length
                     field that lies (longer, shorter) with a right checksum: lwIP goes
                     by the IP length (echoed whole)
  rb.5  tcp          a data offset under 5 and past the segment, a bad checksum, a
                     header cut short: dropped, counted, no answer
  rb.6  oversized    frames of 1,515, 2,000, 9,000 and 65,000 bytes holding a datagram
                     for the echo: none reaches the guest (the device drops them)
  rb.7  arp          a wrong hardware type, a wrong protocol length, an ARP packet cut
                     short: dropped (etharp.proterr); a right request is answered
  rb.8  broadcast    2,000 broadcast ARP requests for other addresses and 2,000
                     broadcast datagrams to a closed port
  rb.9  flood        10,000 frames as fast as the host sends them (datagrams for the
                     echo, runts, garbage): echo works during it (at least one UDP
                     round trip through the forward) and after
  rb.10 survivors    the TCP connection opened first still echoes; no restart of the
                     driver (link.restarts 0); then "quit"

    robust.py PORT
"""
import random
import socket
import sys
import threading
import time

import echo
import frames as fr

HOST = echo.HOST
WAIT = 5.0
long_conn = None
wire = None


def stats(port):
    """The component's counts (net_probe's answer to "net_probe:stats", put on the wire
    from SRC_IP port 5001), as a dict; raises OSError if none comes."""
    for _ in range(10):
        f = wire.ask(fr.eth(fr.ipv4(fr.udp(b"net_probe:stats", sport=5001))),
                     lambda f: fr.from_guest_udp(f, dport=5001), 1.0)
        if f:
            ihl = (f[14] & 15) * 4
            d = f[14 + ihl + 8:].decode()
            return {k: int(v) for k, v in (p.split("=") for p in d.split())}
    raise OSError("no answer to net_probe:stats")


def healthy(port):
    """The echo as the host sees it: (ok, detail): a datagram put on the wire comes back
    (slirp's restrict=on keeps the UDP forward's answers from the host), 4 KiB on the
    first TCP connection and 4 KiB on a new one through the TCP forward."""
    tries, t = 0, time.monotonic()
    ok = False
    while not ok and tries < 3:
        d = b"healthy %d" % time.monotonic_ns()
        ok = wire.ask(fr.eth(fr.ipv4(fr.udp(d, sport=5002))),
                      lambda f: fr.from_guest_udp(f, dport=5002, data=d), WAIT) is not None
        tries += 1
    udp_detail = f"udp after {tries} tries, {time.monotonic() - t:.2f} s"
    data = random.Random(time.monotonic_ns()).randbytes(4096)
    got, _ = echo.echo_stream(port, data, long_conn)
    got2, _ = echo.echo_stream(port, data)
    bad = [what for what, good in (("udp", ok), ("the first tcp connection", got == data),
                                   ("a new tcp connection", got2 == data)) if not good]
    return not bad, (f"echo healthy ({udp_detail})" if not bad else f"broken: {', '.join(bad)} ({udp_detail})")


def tag(name):
    return f"robust:{name}:".encode() + bytes(range(32))


def echoed(data, secs, mark):
    """1 if the guest sent data back to SRC_IP:5000 after mark, within secs."""
    return wire.wait_for(lambda f: fr.from_guest_udp(f, data=data), secs, mark) is not None


def case(port, frames, grow, echo_of=(), quiet=()):
    """Sends frames; then: each counter of grow must have grown by at least its figure,
    each payload of echo_of must come back from the guest, none of quiet may, and the
    echo must be healthy. (ok, detail)."""
    before = stats(port)
    m = wire.mark()
    wire.send_all(frames, spacing=0.002)
    back = [d for d in echo_of if echoed(d, 3.0, m)]
    leaked = [d[:24] for d in quiet if echoed(d, 0.3, m)]
    after = stats(port)
    short = {k: (after[k] - before[k], n) for k, n in grow.items() if after[k] - before[k] < n}
    h, hdetail = healthy(port)
    moved = {k: after[k] - before[k] for k in sorted(after) if after[k] != before[k] and
             any(k.endswith(s) for s in ("err", "drop", "rx_bad", "rx_dropped", "rx_nomem"))}
    ok = h and not short and len(back) == len(echo_of) and not leaked
    detail = f"{len(frames)} frames; counts moved: {moved}; {hdetail}"
    if short:
        detail += f"; counters short (grew, wanted): {short}"
    if len(back) != len(echo_of):
        detail += f"; not echoed though well-formed: {[d[:24] for d in echo_of if d not in back]}"
    if leaked:
        detail += f"; echoed though malformed: {leaked}"
    return ok, detail


def inject(port):
    global long_conn
    long_conn = socket.create_connection((HOST, port), timeout=echo.WAIT)
    d = tag("inject")
    m = wire.mark()
    wire.send(fr.eth(fr.ipv4(fr.udp(d))))
    udp_ok = echoed(d, WAIT, m)
    synack, tries = None, 0
    while synack is None and tries < 3:    # sent again, as a peer's TCP would, if lost under load
        synack = wire.ask(fr.eth(fr.ipv4(fr.tcp(40000, seq=1000), proto=fr.TCP)),
                          lambda f: fr.from_guest_tcp(f, dport=40000, flags=0x12), WAIT)
        tries += 1
    if synack:
        seq, ack, _, _, _ = fr.from_guest_tcp(synack)
        wire.send(fr.eth(fr.ipv4(fr.tcp(40000, seq=ack, flags=0x04), proto=fr.TCP)))   # RST: free it
    h, hdetail = healthy(port)
    return udp_ok and synack is not None and h, \
        f"datagram echoed onto the hub: {udp_ok}; SYN-ACK: {synack is not None} (SYN sent {tries} times); {hdetail}"


def runts(port):
    fs = [bytes([0xaa]), fr.GUEST_MAC, (fr.GUEST_MAC + fr.FAKE_MAC)[:13], fr.GUEST_MAC + fr.FAKE_MAC + b"\x08\x00"]
    return case(port, fs, {"drv.rx_dropped": 3, "ip.err": 1})


def ip_header(port):
    u = lambda n: fr.udp(tag(n))
    good = fr.ipv4(u("x"))
    opts = fr.ipv4(u("options"), ihl=6, options=b"\x01\x01\x01\x00")     # NOP NOP NOP EOL
    short_total = fr.ipv4(u("trimmed"), total=20 + 8 + len(tag("trimmed"))) + b"trailing bytes past the total length"
    fs = [fr.eth(fr.ipv4(u("v6"), version=6)),                             # ip.err
          fr.eth(fr.ipv4(u("ihl4"), ihl=4)),                               # ip.lenerr
          fr.eth(bytes([0x4f]) + good[1:20]),                              # IHL 15 in a 20-byte packet
          fr.eth(fr.ipv4(u("ihlpast"), ihl=15)[:40]),                      # IHL 60 bytes in a 40-byte packet
          fr.eth(fr.ipv4(u("totalpast"), total=1400)),                     # total past the frame: lenerr
          fr.eth(good[:10]),                                               # a header cut short: lenerr
          fr.eth(fr.ipv4(u("badsum"), check=0x1234)),                      # ip.chkerr
          fr.eth(fr.ipv4(u("mf"), frag=0x2000)),                           # a first fragment: opterr
          fr.eth(fr.ipv4(u("offset"), frag=0x0010)),                       # a later fragment: opterr
          fr.eth(opts), fr.eth(short_total)]
    quiet = [tag(n) for n in ("v6", "ihl4", "ihlpast", "totalpast", "badsum", "mf", "offset")]
    return case(port, fs, {"ip.err": 1, "ip.lenerr": 4, "ip.chkerr": 1, "ip.opterr": 2},
                echo_of=[tag("options"), tag("trimmed")], quiet=quiet)


def udp_(port):
    fs = [fr.eth(fr.ipv4(fr.udp(tag("udpsum"), check=0x1234))),            # udp.chkerr
          fr.eth(fr.ipv4(fr.udp(tag("x"))[:6])),                           # 6 bytes of header: udp.lenerr
          fr.eth(fr.ipv4(fr.udp(tag("longer"), length=1000))),             # the length lies: longer
          fr.eth(fr.ipv4(fr.udp(tag("shorter"), length=9)))]               # ... shorter
    return case(port, fs, {"udp.chkerr": 1, "udp.lenerr": 1}, echo_of=[tag("longer"), tag("shorter")],
                quiet=[tag("udpsum")])


def tcp_(port):
    t = lambda **k: fr.eth(fr.ipv4(fr.tcp(**k), proto=fr.TCP))
    fs = [t(sport=41001, doff=4),                                          # tcp.lenerr
          t(sport=41002, doff=15),                                         # 60 bytes of header in 20: lenerr
          t(sport=41003, check=0x1234),                                    # tcp.chkerr
          fr.eth(fr.ipv4(fr.tcp(41004)[:12], proto=fr.TCP))]                # a header cut short: lenerr
    m = wire.mark()
    ok, detail = case(port, fs, {"tcp.lenerr": 3, "tcp.chkerr": 1})
    answered = [f for f in wire.since(m) if fr.from_guest_tcp(f) and fr.from_guest_tcp(f)[3] == 7007 and
                41001 <= fr.from_guest_tcp(f)[4] <= 41004]
    return ok and not answered, detail + (f"; {len(answered)} answered" if answered else "; none answered")


def oversized(port):
    fs, quiet = [], []
    for size in (1515, 2000, 9000, 65000):
        d = tag(f"big{size}")
        body = fr.eth(fr.ipv4(fr.udp(d + bytes(size - 14 - 28 - len(d)))))
        assert len(body) == size
        fs.append(body)
        quiet.append(d)
    before = stats(port)
    ok, detail = case(port, fs, {}, quiet=quiet)
    after = stats(port)
    return ok and after["link.rx_bad"] == before["link.rx_bad"], detail + \
        f"; beyond reason at the link: {after['link.rx_bad'] - before['link.rx_bad']}"


def arp_(port):
    fs = [fr.eth(fr.arp(htype=6), fr.ETH_ARP),                            # etharp.proterr
          fr.eth(fr.arp(plen=6), fr.ETH_ARP),                             # etharp.proterr
          fr.eth(fr.arp()[:6], fr.ETH_ARP),                               # cut short
          fr.eth(fr.arp(spa=bytes([10, 0, 2, 77])), fr.ETH_ARP, dst=fr.BROADCAST)]
    m = wire.mark()
    ok, detail = case(port, fs, {"eth.proterr": 2, "eth.err": 1})
    reply = [f for f in wire.since(m) if f[12:14] == b"\x08\x06" and f[20:22] == b"\x00\x02" and f[28:32] == fr.GUEST_IP
             and f[38:42] == bytes([10, 0, 2, 77])]
    return ok and bool(reply), detail + f"; the right request answered: {bool(reply)}"


def broadcast(port):
    fs = [fr.eth(fr.arp(tpa=bytes([10, 0, 2, 100 + i % 100])), fr.ETH_ARP, dst=fr.BROADCAST) for i in range(2000)]
    fs += [fr.eth(fr.ipv4(fr.udp(b"storm", dport=9, dst=b"\xff" * 4), dst=b"\xff" * 4), dst=fr.BROADCAST)
           for _ in range(2000)]
    return case(port, fs, {"link.rx_frames": 4000, "eth.recv": 2000, "udp.recv": 2000})


def flood(port):
    rnd = random.Random(9)
    fs = []
    for i in range(10000):
        k = i % 4
        if k == 0:
            fs.append(fr.eth(fr.ipv4(fr.udp(b"flood %d" % i, sport=6000 + i % 1000))))
        elif k == 1:
            fs.append(bytes(rnd.randrange(1, 14)))
        elif k == 2:
            fs.append(fr.eth(rnd.randbytes(rnd.randrange(0, 1500)), etype=rnd.choice([fr.ETH_IP, fr.ETH_ARP, 0x86dd])))
        else:
            fs.append(fr.GUEST_MAC + rnd.randbytes(rnd.randrange(8, 1500)))
    before = stats(port)
    data = random.Random(10).randbytes(64 << 10)
    tcp = {}
    t = threading.Thread(target=lambda: tcp.update(got=echo.echo_stream(port, data)[0]))
    m = wire.mark()
    start = time.monotonic()
    t.start()
    for i in range(0, len(fs), 500):
        for f in fs[i:i + 500]:
            wire.send(f)
        wire.send(fr.eth(fr.ipv4(fr.udp(b"during %d" % i, sport=5004))))
    secs = time.monotonic() - start
    t.join(4 * WAIT)
    time.sleep(1.0)
    answered = sum(1 for f in wire.since(m) if fr.from_guest_udp(f, dport=5004))
    after = stats(port)
    h, hdetail = healthy(port)
    got = after["link.rx_frames"] - before["link.rx_frames"]
    return h and answered > 0 and tcp.get("got") == data, (
        f"10000 frames in {secs:.2f} s; {got} reached lwIP, the driver dropped "
        f"{after['drv.rx_dropped'] - before['drv.rx_dropped']} runts, "
        f"{after['link.rx_nomem'] - before['link.rx_nomem']} found no pbuf; during the flood "
        f"{answered} of 20 datagrams put on the wire were echoed and a TCP connection echoed "
        f"{len(tcp.get('got', b''))} of {len(data)} bytes intact: {tcp.get('got') == data}; after it {hdetail}")


def survivors(port):
    data = random.Random(50).randbytes(256 << 10)
    got, secs = echo.echo_stream(port, data, long_conn)
    long_conn.close()
    s = stats(port)
    ok, detail = echo.stream_result(data, got, secs)
    return ok and s["link.restarts"] == 0, f"the first connection: {detail}; driver restarts {s['link.restarts']}"


def quit_(port):
    f = wire.ask(fr.eth(fr.ipv4(fr.udp(b"quit", sport=5003))),
                 lambda f: fr.from_guest_udp(f, dport=5003, data=b"quit"), WAIT)
    return f is not None, "quit echoed" if f else "no echo of quit"


def main():
    global wire
    port = int(sys.argv[1])
    wire = fr.Wire(port)
    try:
        echo.run([("rb.1", "inject", inject), ("rb.2", "runts", runts), ("rb.3", "ip_header", ip_header),
                  ("rb.4", "udp", udp_), ("rb.5", "tcp", tcp_), ("rb.6", "oversized", oversized),
                  ("rb.7", "arp", arp_), ("rb.8", "broadcast", broadcast), ("rb.9", "flood", flood),
                  ("rb.10", "survivors", survivors), ("rb.11", "quit", quit_)], port)
    finally:
        wire.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
