#!/usr/bin/env python3
"""web.py: the host side of the test web (tests/qemu/tests.toml): drives the web example
(components/web, docs/network.md "The web example") in tests/qemu/systems/web_test.toml
through QEMU's forward of PORT (TCP, to the guest's 8080). One TEST line per check:

  wb.1 page         GET /: 200, HTML whose length is Content-Length, a row for every
                    component with its state, restarts, threads and faults as the
                    system has them: web_crasher_r restarted once (stopped, 1 restart,
                    1 fault), web_crasher_s crashed and down (0 restarts, 1 fault), web
                    running; "7 components, 1 restarts"
  wb.2 others       GET /nope: 404; POST /: 405; GET / HTTP/2.0: 505; each closed after
  wb.3 bad          malformed requests: 400 and the connection closed
  wb.4 oversized    a header over the 2 KiB bound, a request line over it, a target over
                    256 bytes: 400 and closed, without the server waiting for an end
  wb.5 ten          ten connections open at once, then each sends its GET: each answered
                    (one the burst lost with nothing back is asked once more, alone)
  wb.6 slow         a client that sends half a request and stalls, and one that sends a
                    whole request and never reads: meanwhile five GETs are answered; the
                    stalled one then completes its request and is answered too
  wb.7 slots        ten stalled clients take every slot: a newcomer is told 503 (asked
                    again until they all hold one, each sending a byte first); 4 s later
                    (none has progressed for 2 s) a newcomer is served (the idlest stalled
                    one evicted, its socket closed)
  wb.8 counters     the page's own counters count what came before
  wb.11 trickle     ten clients each trickle a header byte every 0.3 s (never idle
                    2 s): a newcomer is told 503; 6.5 s later, their requests over
                    5 s old and still not whole, a newcomer is served
  wb.9 quit         GET /quit: 200, and then nothing answers on the port (web says BYE,
                    net ends, and the system: tests.toml's output checks)

    web.py PORT
"""
import os
import re
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import echo  # noqa: E402

WAIT = echo.WAIT
ROW = re.compile(r"<tr><td>([a-z0-9_]+)</td><td>([a-z]+)</td><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td></tr>")


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
    s.settimeout(WAIT)
    return s


def read_all(s):
    """Everything until the server closes (EOF or a reset after data)."""
    data = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
    except ConnectionResetError:
        pass
    return data


def parse(resp):
    """(status, headers dict, body) of a response, or (None, {}, b"")."""
    head, sep, body = resp.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    m = re.match(r"HTTP/1\.1 (\d{3}) ", lines[0]) if sep else None
    if not m:
        return None, {}, b""
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return int(m.group(1)), headers, body


def request(port, raw):
    s = connect(port)
    try:
        s.sendall(raw)
        return parse(read_all(s))
    finally:
        s.close()


def get(port, path="/"):
    return request(port, f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())


def whole(status, headers, body, want=200):
    """Whether a response has status want and a body of its Content-Length."""
    return status == want and headers.get("connection") == "close" and \
        headers.get("content-length") == str(len(body))


def rows(body):
    return {m.group(1): (m.group(2), int(m.group(3)), int(m.group(4)), int(m.group(5)))
            for m in ROW.finditer(body.decode("utf-8", "replace"))}


WANT = {  # name: (states allowed, restarts, threads, faults)
    "virtio_net": ({"waiting", "running"}, 0, 1, 0),
    "net": ({"waiting", "running"}, 0, 1, 0),
    "web": ({"running"}, 0, 1, 0),
    "web_crasher_r": ({"stopped"}, 1, 0, 1),
    "web_crasher_s": ({"crashed"}, 0, 0, 1),
    "status_probe_of_23chars": ({"stopped"}, 0, 0, 0),
    "status_parent": ({"stopped"}, 0, 0, 0),
}


def page_matches(body):
    got = rows(body)
    bad = [n for n, (states, r, t, f) in WANT.items()
           if n not in got or got[n][0] not in states or got[n][1:] != (r, t, f)]
    return not bad and len(got) == len(WANT) and b"7 components, 1 restarts." in body, got, bad


def page(port):
    # The crashers crash and the probes end in the system's first moments; the page is
    # live, so it is asked again until it shows them (or WAIT passes).
    end = time.monotonic() + WAIT
    while True:
        status, headers, body = get(port)
        ok, got, bad = page_matches(body)
        ok = ok and whole(status, headers, body) and headers.get("content-type", "").startswith("text/html")
        if ok or time.monotonic() > end:
            return ok, f"status {status}, rows {got}, wrong {bad}"
        time.sleep(0.2)


def others(port):
    r1 = get(port, "/nope")
    r2 = request(port, b"POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
    r3 = request(port, b"GET / HTTP/2.0\r\n\r\n")
    r4 = get(port, "/quitx")
    ok = whole(*r1, want=404) and whole(*r2, want=405) and whole(*r3, want=505) and whole(*r4, want=404)
    return ok, f"{r1[0]} {r2[0]} {r3[0]} {r4[0]}"


def bad(port):
    cases = [b"GARBAGE\r\n\r\n", b"GET / HTTP/1.1\r\nNo colon here\r\n\r\n", b"GET /\r\n\r\n",
             b"GET / HTTP/1.1\r\n Folded: x\r\n\r\n", b"GET /\x01 HTTP/1.1\r\n\r\n"]
    got = [request(port, c) for c in cases]
    return all(whole(*r, want=400) for r in got), f"{[r[0] for r in got]}"


def oversized(port):
    # No end is ever sent: the server must answer at the bound, not wait for one.
    cases = [b"GET / HTTP/1.1\r\nX-Big: " + b"a" * 3000,
             b"GET /" + b"p" * 3000,
             b"GET /" + b"p" * 300 + b" HTTP/1.1\r\n\r\n"]
    got = [request(port, c) for c in cases]
    return all(whole(*r, want=400) for r in got), f"{[r[0] for r in got]}"


def ten(port):
    n = 10
    socks = [connect(port) for _ in range(n)]
    results = [None] * n

    def one(i):
        try:
            socks[i].sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            st, h, b = parse(read_all(socks[i]))
            results[i] = "nothing" if st is None and not b else whole(st, h, b) and b"<table>" in b
        except OSError as e:
            results[i] = f"{type(e).__name__}"
        finally:
            socks[i].close()
    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(3 * WAIT)
    # A connection the burst lost before any byte came back (reset, or closed empty: the
    # first SYNs of ten at once can find the guest's stack not yet listening again after
    # the last step, seen about one run in three on a busy host, before this session's
    # changes too) is asked once more, alone: the server must answer it then.
    lost = [i for i in range(n) if isinstance(results[i], str)]
    again = []
    for i in lost:
        st, h, b = request(port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        results[i] = whole(st, h, b) and b"<table>" in b
        again.append(i)
    return all(r is True for r in results), f"answered: {results}; asked again: {again}"


def slow(port):
    stalled = connect(port)
    stalled.sendall(b"GET / HTTP/1.1\r\nHo")
    deaf = connect(port)
    deaf.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    deaf.sendall(b"GET / HTTP/1.1\r\n\r\n")          # and never reads
    time.sleep(0.3)
    others_ok = [whole(*get(port)) for _ in range(5)]
    stalled.sendall(b"st: x\r\n\r\n")
    st, h, b = parse(read_all(stalled))
    stalled.close()
    deaf.close()
    return all(others_ok) and whole(st, h, b), f"meanwhile {others_ok}; the stalled one then {st}"


def connect_paced(port, n, first):
    """n connections, each sending `first`, opened four at a time: a burst of more SYNs
    than the listener's backlog (SOCK_BACKLOG_MAX, 8) has the rest dropped by lwIP and
    sent again by slirp a second or more later (wb.5 opens ten at once and waits)."""
    socks = []
    for i in range(n):
        s = connect(port)
        s.sendall(first)
        socks.append(s)
        if i % 4 == 3:
            time.sleep(0.2)
    return socks


def settled(port):
    """Waits until the page says one connection is open, its own: an earlier step's
    closed connections have been seen closed (their FIN can come late)."""
    end = time.monotonic() + WAIT
    while time.monotonic() < end:
        body = get(port)[2]
        if b"<tr><td>open</td><td>1</td></tr>" in body:
            return
        time.sleep(0.2)


def until_busy(port, socks, byte):
    """Asks as a newcomer, each stalled socket first sending one more byte (progress
    just now: none is idle), until the answer is 503: every stalled one holds a slot
    (a connect returns once slirp has it, before the guest has accepted it). The 503
    response, or the last one after WAIT."""
    end = time.monotonic() + WAIT
    while True:
        for s in socks:
            s.sendall(byte)
        r = get(port)
        if r[0] == 503 or time.monotonic() > end:
            return r
        time.sleep(0.1)


def slots(port):
    settled(port)
    stalled = connect_paced(port, 10, b"GET / HTTP/1.1\r\nX-Stalled: ")
    st1, h1, b1 = until_busy(port, stalled, b"a")     # every slot busy, none idle: 503
    time.sleep(4)                                     # past WEB_IDLE_MS, a late byte's too
    st2, h2, b2 = get(port)                           # the idlest gives way
    closed = 0
    for s in stalled:
        s.settimeout(0.5)
        try:
            closed += s.recv(100) == b""
        except ConnectionResetError:
            closed += 1
        except socket.timeout:
            pass
        s.close()
    ok = whole(st1, h1, b1, want=503) and whole(st2, h2, b2) and closed >= 1
    return ok, f"newcomer {st1}, 4 s later {st2}; stalled ones closed: {closed}"


def counters(port):
    st, h, body = get(port)
    text = body.decode("utf-8", "replace")
    got = dict(re.findall(r"<tr><td>([a-z ]+)</td><td>(\d+)</td></tr>", text))
    want_min = {"connections": 40, "requests": 30, "errors": 10, "not found": 2, "busy": 1, "evicted": 1}
    ok = whole(st, h, body) and all(int(got.get(k, -1)) >= v for k, v in want_min.items())
    return ok, f"{got}"


def trickle(port):
    settled(port)
    socks = connect_paced(port, 10, b"GET / HTTP/1.1\r\nX: ")
    early = until_busy(port, socks, b"a")[0]          # none idle, none old: 503
    start, late = time.monotonic(), None              # every one accepted by now
    while time.monotonic() - start < 6.5:             # past WEB_REQUEST_MS, never idle
        for s in socks:
            s.sendall(b"a")
        time.sleep(0.3)
    late = get(port)[0]                               # old and still not whole: one gives way
    for s in socks:
        s.close()
    return early == 503 and late == 200, f"all in: {early}; 6.5 s later: {late}"


def quit_(port):
    st, h, b = get(port, "/quit")
    time.sleep(0.5)
    try:
        after = get(port)[0]
    except OSError as e:
        after = type(e).__name__
    return whole(st, h, b) and (after is None or isinstance(after, str)), f"/quit {st} {b!r}; then {after}"


def main():
    port = int(sys.argv[1])
    echo.run([("wb.1", "page", page), ("wb.2", "others", others), ("wb.3", "bad", bad),
              ("wb.4", "oversized", oversized), ("wb.5", "ten", ten), ("wb.6", "slow", slow),
              ("wb.7", "slots", slots), ("wb.8", "counters", counters), ("wb.11", "trickle", trickle), ("wb.9", "quit", quit_)], port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
