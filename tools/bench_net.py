#!/usr/bin/env python3
"""bench_net.py: `make bench-net`, UDP and TCP echo through QEMU's user networking,
driven from the host, for Cairn's echo system and for the Linux guest side by side
(docs/performance.md, "Network").

    bench_net.py [--save] [--system PATH] [--port N] [--only cairn|linux]

Each guest boots in turn on the same machine: the benchmarks' CPU model, ICOUNT, the
frame benchmarks' virtio-net (qemu.bench_net_args: modern-only, MSI-X) with TX and
two forwards of user networking, a UDP and a TCP port of 127.0.0.1 (free ones, chosen
at run time) to the guest's echo port. Not `make bench`'s sleep=off and tx=timer
(docs/performance.md, "Network", says why): with sleep=off a halted guest's clock jumps
to its next timer at once, so an idle Linux runs 30 to 90 million instructions of
timer work per second of host time and its timers race the host's packets; with
sleep=on a halted guest's clock follows host time, and tx=timer would then hold every
send 150 us of host time. Once a datagram
comes back (the guest has booted), the host measures, one phase after the other:

    udp_rtt            UDP_RTT_COUNT round trips of PAYLOAD bytes, one at a time:
                       the median and minimum round trip, in ns of host time
    udp_rate           datagrams echoed per second of host time, RATE_WINDOW of them
                       outstanding, RATE_COUNT sent; a datagram not back within
                       LOSS_TIMEOUT is lost (the loss is printed; the rate counts only
                       datagrams that came back)
    tcp_throughput     TCP_BYTES sent on one connection while the echo is read back:
                       KiB echoed per second of host time (each byte crosses the guest
                       twice: in and out)

and, for each phase, the guest's instructions per round trip, datagram or KiB: QMP's
query-replay before and after the phase gives QEMU's count of the instructions the
guest executed (timers_state.qemu_icount; under -icount the virtual clock is that
count plus the time the guest spent halted, which this leaves out).

Cairn's system is the description --system (default systems/echo.toml: the echo
application, components/sock_echo, over its socket link to the stack component `net`,
like for like with Linux's echo process over its sockets) serving UDP and TCP echo on
--port (default linux_guest.NET_PORT); where it does not exist yet the run says so and
reports Linux's figures alone. The Linux guest is tools/linux_guest.py's
network guest (bench/linux/net_echo.c on the same port). The figures are printed as
BENCH lines (bench.py's format: Cairn's named net_*, Linux's linux_net_*), then side
by side with the ratio Cairn / Linux. --save writes the BENCH lines to
bench/results/<date>-<commit>-net.txt.

Host-time figures depend on the host and its load (this machine has two cores shared
by several QEMUs): compare them within one run. The instruction counts repeat from
run to run to within about 10% (packets arrive at points of the guest's instruction
stream that host timing decides: how much of the work is batched varies).
"""
import argparse
import datetime
import json
import os
import socket
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402
import linux_guest  # noqa: E402
import qemu  # noqa: E402
import system  # noqa: E402

OUT = os.path.join(qemu.BUILD, "bench-net")
CAIRN_SYSTEM = os.path.join("systems", "echo.toml")
VIRTIO_NET = "1af4:1041"

ICOUNT = ["-icount", "shift=0,sleep=on", "-rtc", "clock=vm"]
TX = "bh"
PAYLOAD = 64               # bytes of each UDP datagram
WARMUP = 100               # round trips before the first phase
UDP_RTT_COUNT = 1000
RATE_WINDOW = 32           # datagrams outstanding in udp_rate
RATE_COUNT = 10000
LOSS_TIMEOUT = 0.5         # s of host time without an echo: what is outstanding is lost
TCP_BYTES = 8 << 20
TCP_CHUNK = 64 << 10
IDLE_SECONDS = 1           # s of host time with no traffic, before the phases
BOOT_TIMEOUT = 300         # s: Linux boots in 10 to 60 s of host time here
PHASE_TIMEOUT = 300        # s for any one phase

# (key, what the table calls it, unit, per): the metrics in printing order. A metric's
# BENCH name is "net_<key>" for Cairn, "linux_net_<key>" for Linux.
METRICS = [
    ("udp_rtt", "UDP echo round trip, median (us)", "ns", "roundtrip"),
    ("udp_rtt_instructions", "  guest instructions per round trip", "instructions", "roundtrip"),
    ("udp_rate", "UDP echo rate (datagrams/s)", "pps", "second"),
    ("udp_rate_instructions", "  guest instructions per datagram", "instructions", "datagram"),
    ("tcp_throughput", "TCP echo throughput (KiB/s)", "KiBps", "second"),
    ("tcp_instructions", "  guest instructions per KiB", "instructions", "KiB"),
]
UNITS = {k: (u, p) for k, _, u, p in METRICS}


class RunError(Exception):
    """A guest that did not boot, did not echo, or echoed something else."""


# --- the figures: pure functions (tests/tools/test_bench_net.py) ----------------------

def median(values):
    """The median of a non-empty list (the lower middle of an even count, as bench.h)."""
    s = sorted(values)
    return s[(len(s) - 1) // 2]


def per(delta, count):
    """An instruction delta spread over count things, rounded; None with nothing counted."""
    return round(delta / count) if count > 0 else None


def bench_lines(prefix, figures):
    """BENCH lines for figures {key: (median, min)} in METRICS' order, names prefixed."""
    return [f"BENCH {prefix}{k} median={figures[k][0]} min={figures[k][1]} unit={u} per={p}"
            for k, _, u, p in METRICS if k in figures and figures[k][0] is not None]


def show(key, value):
    """A figure as the table prints it: ns as us with one decimal, the rest as integers."""
    if value is None:
        return "-"
    return f"{value / 1000:.1f}" if UNITS[key][0] == "ns" else f"{value:,}"


def side_by_side(cairn, linux, cairn_note):
    """The table: each metric's Cairn and Linux medians and the ratio Cairn / Linux
    (the udp_rtt row shows both the median and the minimum). cairn or linux None: that
    guest has no figures (for Cairn, the table's last line says why: cairn_note)."""
    rows = [f"{'':<38}{'Cairn':>12}{'Linux':>12}{'Cairn/Linux':>13}"]
    for key, label, _, _ in METRICS:
        for which, text in ((0, label), (1, "UDP echo round trip, minimum (us)")):
            if which == 1 and key != "udp_rtt":
                continue
            a = cairn.get(key, (None, None))[which] if cairn else None
            z = linux.get(key, (None, None))[which] if linux else None
            ratio = f"{a / z:.3f}" if a is not None and z else "-"
            rows.append(f"{text:<38}{show(key, a):>12}{show(key, z):>12}{ratio:>13}")
    if cairn is None:
        rows.append(f"Cairn: {cairn_note}")
    return rows


def hostfwd(udp_port, tcp_port, guest_port):
    """User networking's forwards of the two host ports, on 127.0.0.1 only."""
    return [f"udp:127.0.0.1:{udp_port}-:{guest_port}", f"tcp:127.0.0.1:{tcp_port}-:{guest_port}"]


def net_slot(data):
    """The PCI slot at which a description binds the virtio-net (bus 0), or None."""
    for c in data.get("component", []):
        for d in c.get("devices", []):
            if d.get("match") == VIRTIO_NET and "at" in d:
                bus, _, slot_fn = d["at"].partition(":")
                if int(bus, 16) == 0:
                    return int(slot_fn.partition(".")[0], 16)
    return None


def datagram(seq, size=PAYLOAD):
    """A datagram of size bytes: its sequence number, then a pattern derived from it."""
    head = struct.pack("<Q", seq)
    return head + bytes((seq + i) & 0xff for i in range(size - len(head)))


def late(got, seq):
    """True if got is the intact echo of a datagram sent before seq (one given up for
    lost that came back after all)."""
    return len(got) >= 8 and struct.unpack("<Q", got[:8])[0] < seq and \
        got == datagram(struct.unpack("<Q", got[:8])[0])


def tcp_pattern(n):
    """The TCP phase's n bytes (not all one value: a misplaced chunk shows)."""
    block = bytes(range(251))   # a prime length: chunks do not line up with it
    return (block * (n // len(block) + 1))[:n]


# --- the host's side ------------------------------------------------------------------

def free_port(kind):
    """A port of 127.0.0.1 free now for kind (SOCK_DGRAM or SOCK_STREAM)."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Qmp:
    """QEMU's QMP socket: commands and their answers, events skipped."""

    def __init__(self, path, timeout=10):
        end = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > end:
                    raise RunError(f"no QMP socket at {path}")
                time.sleep(0.1)
        self.sock.settimeout(timeout)
        self.f = self.sock.makefile("rw")
        self.f.readline()               # the greeting
        self.execute("qmp_capabilities")

    def execute(self, cmd):
        self.f.write(json.dumps({"execute": cmd}) + "\n")
        self.f.flush()
        while True:
            line = self.f.readline()
            if not line:
                raise RunError(f"QMP closed during {cmd}")
            r = json.loads(line)
            if "error" in r:
                raise RunError(f"QMP {cmd}: {r['error']}")
            if "return" in r:
                return r["return"]

    def instructions(self):
        """The instructions the guest has executed (-icount's count, without the clock's
        jumps while it halted). Exact while the vCPU is halted; while it runs, QEMU has
        counted up to the start of its current slice of execution."""
        return self.execute("query-replay")["icount"]

    def close(self):
        self.sock.close()


def wait_echo(port, proc, timeout=None):
    """Sends a datagram every half second until one comes back; False if QEMU exits."""
    timeout = timeout or BOOT_TIMEOUT
    end = time.monotonic() + timeout
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
        u.settimeout(0.5)
        while time.monotonic() < end:
            if proc.poll() is not None:
                return False
            u.sendto(b"ready?", ("127.0.0.1", port))
            try:
                if u.recv(64) == b"ready?":
                    return True
            except socket.timeout:
                pass
    raise RunError(f"no UDP echo within {timeout} s of the boot")


def udp_rtt(port, count, timeout=LOSS_TIMEOUT):
    """count round trips of one datagram each; (round trips in ns, lost)."""
    lat, lost = [], 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
        u.connect(("127.0.0.1", port))
        u.settimeout(timeout)
        for seq in range(count):
            d = datagram(seq)
            t0 = time.perf_counter_ns()
            u.send(d)
            while True:
                try:
                    got = u.recv(2048)
                except socket.timeout:
                    lost += 1
                    break
                if got == d:
                    lat.append(time.perf_counter_ns() - t0)
                    break
                if not late(got, seq):
                    raise RunError(f"udp_rtt: datagram {seq} came back changed")
    return lat, lost


def udp_rate(port, count, window, timeout=LOSS_TIMEOUT):
    """count datagrams sent keeping window outstanding; (echoed, lost, host seconds)."""
    outstanding, sent, echoed, lost = set(), 0, 0, 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
        u.connect(("127.0.0.1", port))
        u.settimeout(timeout)
        t0 = time.perf_counter()
        while echoed + lost < count:
            while sent < count and len(outstanding) < window:
                u.send(datagram(sent))
                outstanding.add(sent)
                sent += 1
            try:
                got = u.recv(2048)
            except socket.timeout:
                lost += len(outstanding)
                outstanding.clear()
                continue
            seq = struct.unpack("<Q", got[:8])[0] if len(got) >= 8 else -1
            if seq < 0 or got != datagram(seq):
                raise RunError("udp_rate: a datagram came back changed")
            if seq in outstanding:          # else a late echo of one counted lost
                outstanding.remove(seq)
                echoed += 1
        return echoed, lost, time.perf_counter() - t0


def tcp_echo(port, nbytes, chunk=TCP_CHUNK, timeout=PHASE_TIMEOUT):
    """nbytes sent on one connection while the echo is read back and checked; host
    seconds from the connection's first byte sent to its last byte echoed."""
    data = tcp_pattern(nbytes)
    err = []
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as c:
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def send():
            try:
                for i in range(0, nbytes, chunk):
                    c.sendall(data[i:i + chunk])
            except OSError as e:
                err.append(e)

        t0 = time.perf_counter()
        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        got = bytearray()
        try:
            while len(got) < nbytes:
                b = c.recv(1 << 16)
                if not b:
                    break
                if b != data[len(got):len(got) + len(b)]:
                    rest = data[len(got):]
                    at = len(got) + next((i for i, (x, y) in enumerate(zip(b, rest)) if x != y), len(rest))
                    raise RunError(f"tcp_throughput: the echo differs at byte {at}")
                got += b
        except socket.timeout:
            pass
        elapsed = time.perf_counter() - t0
        sender.join()
    if err or len(got) != nbytes:
        raise RunError(f"tcp_throughput: {len(got)} of {nbytes} bytes echoed" +
                       (f" ({err[0]})" if err else ""))
    return elapsed


def speed(instructions, secs):
    return f"{instructions / secs / 1e6:.1f} million instructions per second of host time"


def measure(qmp, udp_port, tcp_port, log):
    """The three phases against a guest that echoes; {key: (median, min)}."""
    f = {}
    udp_rtt(udp_port, WARMUP)
    a = qmp.instructions()
    time.sleep(IDLE_SECONDS)
    b = qmp.instructions()
    log(f"idle: {(b - a) / IDLE_SECONDS / 1e6:.1f} million instructions per second of host time "
        "with no traffic")

    a, t0 = qmp.instructions(), time.perf_counter()
    lat, lost = udp_rtt(udp_port, UDP_RTT_COUNT)
    b = qmp.instructions()
    log(f"udp_rtt: the guest ran {speed(b - a, time.perf_counter() - t0)}")
    if not lat:
        raise RunError("udp_rtt: every datagram was lost")
    f["udp_rtt"] = (median(lat), min(lat))
    n = per(b - a, len(lat) + lost)
    f["udp_rtt_instructions"] = (n, n)
    log(f"udp_rtt: {len(lat)} round trips, {lost} lost")

    a = qmp.instructions()
    echoed, lost, secs = udp_rate(udp_port, RATE_COUNT, RATE_WINDOW)
    b = qmp.instructions()
    log(f"udp_rate: the guest ran {speed(b - a, secs)}")
    r = round(echoed / secs)
    f["udp_rate"] = (r, r)
    n = per(b - a, echoed)
    f["udp_rate_instructions"] = (n, n)
    log(f"udp_rate: {RATE_COUNT} sent, {RATE_WINDOW} outstanding: {echoed} echoed, {lost} lost "
        f"({100.0 * lost / RATE_COUNT:.1f}%) in {secs:.2f} s")

    a = qmp.instructions()
    secs = tcp_echo(tcp_port, TCP_BYTES)
    b = qmp.instructions()
    log(f"tcp_throughput: the guest ran {speed(b - a, secs)}")
    k = round(TCP_BYTES / 1024 / secs)
    f["tcp_throughput"] = (k, k)
    n = per(b - a, TCP_BYTES // 1024)
    f["tcp_instructions"] = (n, n)
    log(f"tcp_throughput: {TCP_BYTES >> 10} KiB echoed in {secs:.2f} s")
    return f


def run_guest(name, kernel, modules, cmdline, slot, guest_port, log):
    """Boots one guest with the bench's network and measures it; {key: (median, min)}.
    Raises RunError (with the tail of its console) when it fails."""
    os.makedirs(OUT, exist_ok=True)
    qmp_path = os.path.join(OUT, f"{name}.qmp")
    serial = os.path.join(OUT, f"{name}-serial.log")
    errors = os.path.join(OUT, f"{name}-qemu.log")
    if os.path.exists(qmp_path):
        os.remove(qmp_path)
    udp_port, tcp_port = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_STREAM)
    extra = (["-cpu", bench.CPU, "-serial", f"file:{serial}", "-qmp", f"unix:{qmp_path},server=on,wait=off"]
             + qemu.bench_net_args(slot, hostfwd(udp_port, tcp_port, guest_port), TX))
    cmd = qemu.qemu_command(modules, cmdline, extra=ICOUNT + extra, kernel=kernel)
    log(f"{name}: udp 127.0.0.1:{udp_port}, tcp 127.0.0.1:{tcp_port} -> guest port {guest_port}; "
        f"console in {serial}")
    with open(errors, "w") as err:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
    qmp = None
    try:
        t0 = time.monotonic()
        if not wait_echo(udp_port, proc):
            with open(errors, errors="replace") as f:
                raise RunError(f"QEMU exited with status {proc.returncode:#x} before echoing: "
                               f"{f.read().strip()}")
        log(f"{name}: echoing {time.monotonic() - t0:.1f} s after QEMU started")
        qmp = Qmp(qmp_path)
        return measure(qmp, udp_port, tcp_port, lambda m: log(f"{name}: {m}"))
    except RunError as e:
        tail = ""
        if os.path.exists(serial):
            with open(serial, errors="replace") as f:
                tail = "".join(f.readlines()[-15:])
        raise RunError(f"{name}: {e}\n{tail}") from None
    finally:
        try:
            if qmp:
                qmp.execute("quit")
        except (RunError, OSError):
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if qmp:
            qmp.close()
        if os.path.exists(qmp_path):
            os.remove(qmp_path)


def save(lines):
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip() or "unknown"
    dirty = "-dirty" if subprocess.run(["git", "diff", "--quiet", "HEAD"]).returncode else ""
    path = f"bench/results/{datetime.date.today()}-{commit}{dirty}-net.txt"
    saved = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    with open(path, "w") as f:
        f.write(f"# bench-net cpu={bench.CPU} icount={ICOUNT[1]} tx={TX} saved={saved} "
                f"payload={PAYLOAD} window={RATE_WINDOW} tcp_bytes={TCP_BYTES}\n")
        f.write("".join(line + "\n" for line in lines))
    return path


def main(argv):
    ap = argparse.ArgumentParser(description="UDP and TCP echo, Cairn beside Linux")
    ap.add_argument("--save", action="store_true")
    ap.add_argument("--system", default=CAIRN_SYSTEM)
    ap.add_argument("--port", type=int, default=linux_guest.NET_PORT)
    ap.add_argument("--only", choices=("cairn", "linux"))
    args = ap.parse_args(argv)
    log = lambda m: print(f"# {m}", file=sys.stderr, flush=True)  # noqa: E731
    failed, lines = False, []
    cairn = linux = None
    cairn_note = "not run (--only linux)"
    slot = qemu.BENCH_NET_SLOT
    if args.only != "linux":
        if not os.path.exists(args.system):
            cairn_note = f"{args.system} does not exist (issue 22's echo system): no Cairn figures"
            log(cairn_note)
        else:
            data, _ = system.load(args.system)
            slot = net_slot(data)
            if slot is None:
                sys.exit(f"{args.system} binds no {VIRTIO_NET} (virtio-net) on bus 0")
            try:
                _, modules, _ = qemu.load_system(args.system)
                cairn = run_guest("cairn", qemu.KERNEL32, modules, "", slot, args.port, log)
            except RunError as e:
                print(f"FAILED {e}", file=sys.stderr)
                failed, cairn_note = True, "failed (above)"
    if args.only != "cairn":
        try:
            kernel, _, what = linux_guest.build(log=log)
            log(f"linux: {what}")
            linux = run_guest("linux", kernel, [linux_guest.NET_INITRAMFS], linux_guest.CMDLINE, slot,
                              linux_guest.NET_PORT, log)
        except linux_guest.Unavailable as e:
            print(f"SKIPPED linux: no Linux guest: {e}", file=sys.stderr)
        except (linux_guest.BuildError, RunError) as e:
            print(f"FAILED {e}", file=sys.stderr)
            failed = True
    for prefix, figures in (("net_", cairn), ("linux_net_", linux)):
        if figures:
            lines += bench_lines(prefix, figures)
    print("\n".join(lines + [""] + side_by_side(cairn, linux, cairn_note)))
    print(f"(host time under -icount {ICOUNT[1]}, on a shared host: compare within a run)",
          flush=True)
    if args.save and lines:
        print(f"\nsaved to {save(lines)}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main(sys.argv[1:])
