#!/usr/bin/env python3
"""echo.py: the host side of the test sys_echo (tests/qemu/tests.toml): drives
systems/echo.toml's echo (components/sock_echo over its socket link to components/net)
over 127.0.0.1 through QEMU's
user-networking forwards, UDP and TCP on the host port given, and prints one TEST line
per check, as a guest program does (tools/test.py reads them):

  en.1 udp_sizes      datagrams of 1, 64, 512 and 1472 bytes (200, 100, 100, 100 of
                      them, at most 16 unanswered at once): each answered once, intact
  en.2 udp_rtt        64-byte round trips one at a time: the median (a figure)
  en.3 tcp_1mib       1 MiB of pseudo-random bytes, sent while reading: the same bytes
                      back, byte for byte; the throughput (a figure)
  en.4 tcp_stalled    a connection that sends and never reads stalls (its window
                      closes), and meanwhile a second one echoes 64 KiB intact
  en.5 tcp_parallel   four connections at once, 128 KiB each, each intact
  en.6 quit           the datagram "quit" is echoed (the system then ends)

    echo.py PORT
"""
import random
import select
import socket
import statistics
import sys
import threading
import time

HOST = "127.0.0.1"
WAIT = 10.0            # seconds for any one answer: far beyond a loaded host's worst


def check(tid, name, ok, detail=""):
    print(f"TEST {tid} {name} {'PASS' if ok else 'FAIL'}" + (f" {detail}" if detail else ""), flush=True)


def datagram(seq, size):
    """Datagram seq of size bytes: its number, then a pattern of it (1 byte: the number's low byte)."""
    head = seq.to_bytes(4, "big")
    body = bytes((seq * 7 + i) & 0xff for i in range(size))
    return (head + body[4:])[:size] if size >= 4 else body[:size]


def udp_sizes(port):
    return udp_sizes_of(port, [(1, 200), (64, 100), (512, 100), (1472, 100)])


def udp_sizes_of(port, plan, window=16):
    """Datagrams of each (size, count) of plan, at most `window` unanswered: (ok, detail)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((HOST, port))
    bad, lost, sent = [], 0, 0
    for size, count in plan:
        want = {}
        seq = 0
        while seq < count or want:
            while seq < count and len(want) < window:
                d = datagram(seq if size >= 4 else seq & 0xff, size)
                want.setdefault(d, 0)
                want[d] += 1
                s.send(d)
                sent += 1
                seq += 1
            r, _, _ = select.select([s], [], [], WAIT)
            if not r:
                lost += sum(want.values())
                break
            d = s.recv(2048)
            if want.get(d):
                want[d] -= 1
                if not want[d]:
                    del want[d]
            else:
                bad.append((size, len(d)))
    s.close()
    return (not bad and not lost,
            f"{sent} datagrams" if not bad and not lost else f"{lost} unanswered, {len(bad)} wrong: {bad[:4]}")


def udp_rtt(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((HOST, port))
    times, bad = [], 0
    for i in range(100):
        d = datagram(i, 64)
        t = time.perf_counter()
        s.send(d)
        r, _, _ = select.select([s], [], [], WAIT)
        if not r or s.recv(2048) != d:
            bad += 1
            continue
        times.append(time.perf_counter() - t)
    s.close()
    return (bad == 0 and bool(times),
            f"median {statistics.median(times) * 1e6:.0f} us over {len(times)} round trips" if times
            else f"{bad} of 100 unanswered")


def echo_stream(port, data, conn=None):
    """Sends data on a TCP connection (conn, or a new one, closed after) while reading;
    returns (what came back, seconds)."""
    c = conn or socket.create_connection((HOST, port), timeout=WAIT)
    c.settimeout(WAIT)
    got = bytearray()
    t = time.perf_counter()
    sender = threading.Thread(target=lambda: c.sendall(data))
    sender.start()
    try:
        while len(got) < len(data):
            b = c.recv(65536)
            if not b:
                break
            got += b
    except OSError:
        pass
    sender.join(WAIT)
    secs = time.perf_counter() - t
    if conn is None:
        c.close()
    return bytes(got), secs


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))


def stream_result(data, got, secs):
    """A TCP echo's (ok, detail): intact, with the rate, or where it went wrong."""
    if got == data:
        return True, f"{len(data)} bytes in {secs:.2f} s, {len(data) / secs / 1e6:.2f} MB/s"
    return False, f"{len(got)} bytes back of {len(data)}, the first difference at byte {first_difference(got, data)}"


def tcp_1mib(port):
    data = random.Random(22).randbytes(1 << 20)
    return stream_result(data, *echo_stream(port, data))


def tcp_stalled(port):
    stuck = socket.create_connection((HOST, port), timeout=WAIT)
    stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
    stuck.setblocking(False)
    pushed, idle_since = 0, time.monotonic()
    chunk = bytes(range(256)) * 64
    while time.monotonic() - idle_since < 2.0 and pushed < (64 << 20):
        try:
            pushed += stuck.send(chunk)
            idle_since = time.monotonic()
        except BlockingIOError:
            time.sleep(0.05)
    stalled = pushed < (64 << 20)
    data = random.Random(23).randbytes(64 << 10)
    got, _ = echo_stream(port, data)
    stuck.close()
    return (stalled and got == data,
            f"the reader that never reads stalled after {pushed} bytes; the other connection echoed {len(got)} bytes"
            if stalled else f"{pushed} bytes went in and were never read: no back-pressure")


def tcp_parallel(port, n=4, size=128 << 10, seed=30):
    """n connections at once, size pseudo-random bytes each (from seed + i), each
    echoed intact: True, or what came back and where it first differs."""
    results = tcp_parallel_results(port, n, size, seed)
    return all(r is True for r in results), f"intact: {results}"


def tcp_parallel_results(port, n, size, seed):
    """tcp_parallel's results, one per connection: True, or what came back (a string)."""
    results = [None] * n
    datas = [random.Random(seed + i).randbytes(size) for i in range(n)]

    def one(i):
        got = echo_stream(port, datas[i])[0]
        results[i] = got == datas[i] or f"{len(got)} bytes, first difference {first_difference(got, datas[i])}"
    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(6 * WAIT)
    return results


def after(port, seed):
    """UDP round trips, then a new connection echoing 256 KiB (from seed) intact."""
    ok, detail = udp_rtt(port)
    data = random.Random(seed).randbytes(256 << 10)
    got, secs = echo_stream(port, data)
    ok2, detail2 = stream_result(data, got, secs)
    return ok and ok2, f"{detail}; {detail2}"


def connect_within(port, secs, data=b"x" * 512):
    """Opens a connection through the forward every 2 s (slirp accepts it at once and
    keeps trying the guest), each sending data, until one has it all back, or secs pass:
    the seconds that took, or None. Every connection is closed after."""
    t, conns, last = time.monotonic(), {}, -2.0
    try:
        while time.monotonic() - t < secs:
            if time.monotonic() - last >= 2.0:
                last = time.monotonic()
                try:
                    c = socket.create_connection((HOST, port), timeout=2.0)
                    c.sendall(data)
                    c.setblocking(False)
                    conns[c] = b""
                except OSError:
                    pass
            r, _, _ = select.select(list(conns), [], [], 0.1)
            for c in r:
                try:
                    b = c.recv(65536)
                except OSError:
                    b = b""
                if not b:
                    del conns[c]
                    c.close()
                    continue
                conns[c] += b
                if conns[c] == data:
                    return time.monotonic() - t
        return None
    finally:
        for c in conns:
            c.close()


def ends_after_restart(old):
    """A connection opened before the stack restarted: it must end (EOF, a reset, a
    send refused) within 15 s and never echo. Sends a segment, then another at each
    second of silence (the new stack answers each with a reset). (ok, what was seen)."""
    old.settimeout(1.0)
    t = time.monotonic()
    seen, got = "nothing within 15 s", b""
    try:
        old.sendall(b"after the crash" * 100)
    except OSError as e:
        old.close()
        return True, f"sending failed at once: {type(e).__name__}"
    while time.monotonic() - t < 15:
        try:
            b = old.recv(65536)
        except socket.timeout:
            try:
                old.send(b"more")
            except OSError as e:
                seen = f"{type(e).__name__} on sending after {time.monotonic() - t:.1f} s"
                break
            continue
        except OSError as e:
            seen = f"{type(e).__name__} after {time.monotonic() - t:.1f} s"
            break
        if not b:
            seen = f"the end (EOF) after {time.monotonic() - t:.1f} s"
            break
        got += b
    old.close()
    return not got and not seen.startswith("nothing"), f"{seen}; {len(got)} bytes came back"


def quit_(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((HOST, port))
    s.send(b"quit")
    r, _, _ = select.select([s], [], [], WAIT)
    d = s.recv(16) if r else b""
    return d == b"quit", f"answer {d!r}"


def wait_ready(port, secs=30.0):
    """Until a datagram comes back (the echo has opened its socket): True, or False
    after secs. A port not open yet may answer with ICMP (ECONNREFUSED): tried again."""
    end = time.monotonic() + secs
    while time.monotonic() < end:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect((HOST, port))
            try:
                s.send(b"ready?")
                r, _, _ = select.select([s], [], [], 0.5)
                if r and s.recv(64) == b"ready?":
                    return True
            except OSError:
                time.sleep(0.2)
    return False


def run(steps, port):
    """Runs each (id, name, step) in turn and prints its TEST line; an exception fails it."""
    for tid, name, step in steps:
        try:
            ok, detail = step(port)
        except OSError as e:
            ok, detail = False, f"{type(e).__name__}: {e}"
        check(tid, name, ok, detail)


def main():
    run([("en.1", "udp_sizes", udp_sizes), ("en.2", "udp_rtt", udp_rtt), ("en.3", "tcp_1mib", tcp_1mib),
         ("en.4", "tcp_stalled", tcp_stalled), ("en.5", "tcp_parallel", tcp_parallel), ("en.6", "quit", quit_)],
        int(sys.argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
