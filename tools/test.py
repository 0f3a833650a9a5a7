#!/usr/bin/env python3
"""test.py: runs every Cairn test and prints one line per check, then exactly
"N passed, N failed" as its last line. The exit status is 1 if anything failed.

  host unit tests  build/host/test_* (cmocka, TAP output): one check per test case;
                   a crash or a short plan fails the missing cases
  QEMU tests       tests/qemu/tests.toml (its header explains the fields): one check
                   per expected TEST id and per output pattern, plus one for how QEMU
                   ended (a hang, a triple fault or the wrong exit fails it); a test
                   of several programs, or with expect=, boots the test runner first
                   (boot_modules); a test with a host script runs it beside QEMU
                   and counts its TEST lines as the guest's (run_with_host)
  descriptions     tests/systems/*.toml and tests/interfaces/*.toml: one check per file,
                   its first error (or ok) as its first line says; all but "ok" ones
                   are built with tools/sysgen.py too
  persistence      tools/persist_test.py: a persistent system booted several times on one
                   disk, killed at chosen moments; each resume checked against the console
                   and the disk (docs/persistence.md)
  docs             each doc with generated figures is up to date (tools/docgen.py), and
                   the kernel's code lines against their budget

    test.py [-k SUBSTRING] [-j JOBS]    run only tests whose name contains SUBSTRING
"""
import argparse
import concurrent.futures
import glob
import os
import re
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import tomllib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import crash  # noqa: E402
import docgen  # noqa: E402
import interface  # noqa: E402
import persist_test  # noqa: E402
import qemu  # noqa: E402
import system  # noqa: E402
import sysgen  # noqa: E402

EXIT_CODES = {"done": qemu.EXIT_DONE, "panic": qemu.EXIT_PANIC}
TEST_LINE = re.compile(r"^TEST (\S+) (\S+) (PASS|FAIL)(?: (.*))?$")


class Result:
    def __init__(self, suite):
        self.suite = suite
        self.checks = []  # (ok, name, why)
        self.log = ""

    def add(self, ok, name, why=""):
        self.checks.append((ok, name, why))


def run_host_test(binary):
    res = Result(os.path.basename(binary))
    env = dict(os.environ, CMOCKA_MESSAGE_OUTPUT="TAP")
    try:
        p = subprocess.run([binary], env=env, capture_output=True, text=True, timeout=120)
        out = p.stdout + p.stderr
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace") + "\n(timed out)"
    res.log = out
    plan, seen = None, 0
    for line in out.splitlines():
        m = re.match(r"^1\.\.(\d+)", line)
        if m:
            plan = int(m.group(1))
        m = re.match(r"^(not ok|ok) \d+ - (\S+)", line)
        if m:
            seen += 1
            res.add(m.group(1) == "ok", m.group(2), "see the log above")
    if plan is None or seen < plan:
        missing = (plan or 1) - seen
        for i in range(max(missing, 1)):
            res.add(False, f"missing_result_{i + 1}", "the test binary crashed or stopped early")
    return res


def run_expect_tests(suite, pattern, check):
    """Files that each start with "# expect: <first error>", "# expect: ok" or "# expect:
    ok (builds)"; check(path, build) raises an error or returns "ok" (or "ok (builds)").
    build: all but "ok" are built too, so that an error only the build finds (a
    checkpoint's room: tools/sysgen.py) can be expected."""
    res = Result(suite)
    for path in sorted(glob.glob(pattern)):
        with open(path) as f:
            want = f.readline().strip().removeprefix("# expect: ")
        try:
            got = check(path, want != "ok")
        except (system.DescError, interface.IfaceError, sysgen.GenError) as e:
            got = str(e).splitlines()[0]
        res.log += f"{path}: {got}\n"
        res.add(got == want, os.path.basename(path)[:-5], f"want {want!r}, got {got!r}")
    return res


def check_system(path, build):
    system.load(path)
    if build:
        sysgen.build(path)      # tools/sysgen.py and the booter's tables take it whole
        return "ok (builds)"
    return "ok"


def run_description_tests():
    """tests/systems/*.toml: system descriptions; all but "ok" ones are built too."""
    return run_expect_tests("system_descriptions", "tests/systems/*.toml", check_system)


def run_interface_tests():
    """tests/interfaces/*.toml: interface declarations (tools/interface.py)."""
    return run_expect_tests("interface_descriptions", "tests/interfaces/*.toml",
                            lambda path, build: interface.load(path) and "ok")


def run_docs_tests():
    """The docs' generated figures against the saved results and `cloc kernel`, and the
    kernel's code lines against their budget (a warning until it is enforced)."""
    res = Result("docs")
    try:
        docs = docgen.regenerate()
        ok, msg = docgen.budget()
    except docgen.DocError as e:
        res.add(False, "docgen", str(e))
        return res
    for doc, (old, new) in docs.items():
        res.add(old == new, doc, docgen.STALE)
    res.add(ok or not docgen.KERNEL_BUDGET_ENFORCED,
            "kernel_budget" + ("" if ok else f" (warning: {msg})"), msg)
    return res


# spin models: (model, spin flags, must it pass?[, "np": look for non-progress cycles]).
# A variant that must fail shows the model can catch the bug it guards against.
SPIN_RUNS = [
    ("tests/spin/port.pml", [], True),
    ("tests/spin/port.pml", ["-DNO_RECHECK"], False),
    ("tests/spin/port.pml", ["-DHOSTILE"], True),
    ("tests/spin/port.pml", ["-DHOSTILE"], True, "np"),
    ("tests/spin/port.pml", ["-DHOSTILE", "-DRETRY_EIO"], False, "np"),
]


def run_spin_tests():
    res = Result("spin")
    for model, flags, should_pass, *np in SPIN_RUNS:
        name = os.path.basename(model)[:-4] + "".join(f.replace("-D", "_").lower() for f in flags) + \
            "".join("_" + x for x in np)
        with tempfile.TemporaryDirectory() as d:
            steps = [["spin", *flags, "-a", os.path.abspath(model)],
                     ["gcc", "-O2", *(["-DNP"] if np else []), "-o", "pan", "pan.c"],
                     ["./pan", "-m100000", *(["-l"] if np else [])]]
            out = ""
            for cmd in steps:
                p = subprocess.run(cmd, cwd=d, capture_output=True, text=True, timeout=300)
                out += p.stdout + p.stderr
                if cmd[0] != "./pan" and p.returncode:
                    break
        m = re.search(r"errors: (\d+)", out)
        errors = int(m.group(1)) if m else -1
        res.log += f"{name}:\n{out}\n"
        if should_pass:
            res.add(errors == 0, name, f"spin found {errors} errors (see the log)")
        else:
            res.add(errors > 0, name, "spin found no error in a variant that has one")
    return res


def boot_modules(t):
    """The boot modules of a test: its programs, after the test runner
    (tests/qemu/progs/runner.c) when it lists several or expects how one ends
    (expect=); the runner holds the I/O ports if one of them may ("ioport")."""
    mods = t.get("modules", [])
    if "system" in t or not (len(mods) > 1 or any("expect=" in m for m in mods)):
        return mods
    ioport = any("ioport" in m.split()[1:] for m in mods)
    return ["runner ioport" if ioport else "runner"] + mods


def qemu_command(t):
    if "iso" in t:
        return qemu.iso_command(os.path.join(qemu.BUILD, "default.iso"), t["iso"])
    return qemu.qemu_command(boot_modules(t), t.get("cmdline", ""),
                             t.get("memory", 128), t.get("icount", False), t.get("qemu_args", []),
                             smp=t.get("smp", 1))


def build_systems(tests):
    """Builds the described systems the tests boot (tools/sysgen.py) and fills in their
    modules; a system that does not build fails its test."""
    failed = []
    for t in tests:
        if "system" not in t:
            continue
        try:
            t["modules"] = sysgen.build(t["system"])
        except (sysgen.GenError, system.DescError) as e:
            res = Result(t["name"])
            res.add(False, "build", str(e))
            failed.append(res)
            t["skip"] = True
    return failed


INPUT_PORTS = ("com1", "com2")


def start_with_input(cmd, t, d):
    """Starts QEMU with an input end for the test's input port; returns the process, the
    file descriptor to write the input to, and the descriptors to close at the end."""
    if t.get("input_port", "com2") == "com1":
        # Held open to the end: QEMU would take its end of file for a hang-up.
        p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        fin = os.dup(p.stdin.fileno())
        p.stdin.close()
        return p, fin, [fin]
    pipe = os.path.join(d, "com2")
    for end in (".in", ".out"):
        os.mkfifo(pipe + end)
    # Both ends held read-write here: QEMU's opens do not block, its writes never fail.
    fin, fout = (os.open(pipe + end, os.O_RDWR | os.O_NONBLOCK) for end in (".in", ".out"))
    p = subprocess.Popen(cmd + ["-serial", f"pipe:{pipe}"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p, fin, [fin, fout]


def drive(cmd, p, timeout, act, extra):
    """Reads QEMU's (p's) output on a thread and calls act(output so far, deadline) every
    50 ms until it returns true (its one action done), p ends or timeout passes; then
    waits for p. Returns a CompletedProcess whose output is p's, then extra's (a list act
    may append to); raises TimeoutExpired with the output so far."""
    out = []
    reader = threading.Thread(target=lambda: [out.append(b) for b in p.stdout])
    reader.start()
    deadline = time.monotonic() + timeout
    while p.poll() is None and time.monotonic() < deadline:
        if act(b"".join(out).decode(errors="replace").replace("\r", ""), deadline):
            break
        time.sleep(0.05)
    try:
        p.wait(max(deadline - time.monotonic(), 0.1))
    except subprocess.TimeoutExpired:
        p.kill()
        reader.join()
        raise subprocess.TimeoutExpired(cmd, timeout, b"".join(out + extra), p.stderr.read())
    reader.join()
    return subprocess.CompletedProcess(cmd, p.returncode, b"".join(out + extra), p.stderr.read())


def run_with_input(cmd, t, timeout):
    """Runs QEMU with the test's input, written once a line of the output matches
    input_after, so none arrives before the guest's driver is ready: for COM2 (the
    default) a second -serial, a pipe; for COM1 (input_port = "com1") QEMU's stdin,
    which the -serial stdio of every test already reads, so the output is captured as
    for any test. Returns a CompletedProcess; raises TimeoutExpired with the output so
    far."""
    after = re.compile(t.get("input_after", "^"), re.M)

    def feed(text, deadline):
        if not after.search(text):
            return False
        os.set_blocking(fin, True)
        os.write(fin, t["input"].encode())
        return True

    with tempfile.TemporaryDirectory() as d:
        p, fin, fds = start_with_input(cmd, t, d)
        try:
            return drive(cmd, p, timeout, feed, [])
        finally:
            for fd in fds:
                os.close(fd)


PORT_LOCK = threading.Lock()
PORTS_GIVEN = set()


def free_port():
    """A port of 127.0.0.1 free for both TCP and UDP now, never given to another test of
    this run (the kernel's choice for port 0: other programs' tests pick elsewhere)."""
    with PORT_LOCK:
        while True:
            with socket.socket() as t, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                t.bind(("127.0.0.1", 0))
                port = t.getsockname()[1]
                try:
                    u.bind(("127.0.0.1", port))
                except OSError:
                    continue
            if port not in PORTS_GIVEN:
                PORTS_GIVEN.add(port)
                return port


def run_with_host(cmd, t, timeout, port, port2=None):
    """Runs QEMU and, once a line of its output matches host_after, the test's host
    script (`python3 <host> <port> [<port2>]`: it prints TEST lines, as a guest program does).
    Returns a CompletedProcess whose output is QEMU's, then the script's; raises
    TimeoutExpired with the output so far."""
    after, script = re.compile(t.get("host_after", "^"), re.M), []

    def run_script(text, deadline):
        if not after.search(text):
            return False
        try:
            s = subprocess.run([sys.executable, t["host"], str(port)] + ([str(port2)] if port2 else []),
                               capture_output=True, timeout=max(deadline - time.monotonic(), 1))
            script.append(s.stdout + s.stderr)
        except subprocess.TimeoutExpired as e:
            script.append((e.stdout or b"") + (e.stderr or b"") + b"(the host script timed out)\n")
        return True

    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as p:
        return drive(cmd, p, timeout, run_script, script)


DISK_BLOCK = 4096


def disk_pattern(block, seed, size=DISK_BLOCK):
    """The first size bytes of disk block `block` in pattern `seed` (0: the image as made;
    a guest client writing a pattern makes the same): byte i is
    (block * 131 + i * 7 + (i >> 8) + seed * 29) mod 256."""
    return bytes((block * 131 + i * 7 + (i >> 8) + seed * 29) & 0xff for i in range(size))


def make_disk(path, size):
    """A raw image of size bytes, every block (and a partial last one) in pattern 0."""
    with open(path, "wb") as f:
        for b in range(0, size, DISK_BLOCK):
            f.write(disk_pattern(b // DISK_BLOCK, 0, min(DISK_BLOCK, size - b)))


def check_disk(path, size, writes, prefixes=()):
    """"" if the image is pattern 0 but for the blocks of writes ([first, count, seed]
    each), which must hold their seed's pattern, and still size bytes; else what differs.
    A block of prefixes ([block, hex] each) begins with those bytes instead."""
    seeds, heads = {}, {b: bytes.fromhex(h) for b, h in prefixes}
    for first, count, seed in writes:
        for b in range(first, first + count):
            seeds[b] = seed
    with open(path, "rb") as f:
        data = f.read()
    if len(data) != size:
        return f"the image is {len(data)} bytes, not {size}"
    for b in range(0, size, DISK_BLOCK):
        want = disk_pattern(b // DISK_BLOCK, seeds.get(b // DISK_BLOCK, 0), min(DISK_BLOCK, size - b))
        head = heads.get(b // DISK_BLOCK, b"")[:len(want)]
        want = head + want[len(head):]
        if data[b:b + len(want)] != want:
            at = next(i for i in range(len(want)) if data[b + i] != want[i])
            return (f"block {b // DISK_BLOCK} byte {at}: 0x{data[b + at]:02x}, want 0x{want[at]:02x} "
                    f"(pattern {seeds.get(b // DISK_BLOCK, 0)})")
    return ""


def capture_pattern(i, seed):
    """Byte i of a captured test frame past its head (a guest client writing a frame
    makes the same): (i * 7 + (i >> 8) + seed * 29) mod 256."""
    return (i * 7 + (i >> 8) + seed * 29) & 0xff


def capture_frame(spec):
    """The bytes of one frame of a test's `capture`: {hex = "..."} exactly, or {head =
    "<hex>", len = n, seed = s}: head, then capture_pattern(i, s) for i up to n."""
    if "hex" in spec:
        return bytes.fromhex(spec["hex"])
    head = bytes.fromhex(spec["head"])
    return head + bytes(capture_pattern(i, spec["seed"]) for i in range(len(head), spec["len"]))


def read_pcap(path):
    """The frames of a pcap file (QEMU's filter-dump: Ethernet, either byte order), or
    a string saying why not. A frame cut short (captured below its length) is an error."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return f"the capture is {len(data)} bytes: no pcap header"
    order = {b"\xd4\xc3\xb2\xa1": "<", b"\xa1\xb2\xc3\xd4": ">"}.get(data[:4])
    if not order or struct.unpack(order + "I", data[20:24])[0] != 1:
        return "the capture is not a pcap of Ethernet frames"
    frames, at = [], 24
    while at < len(data):
        if at + 16 > len(data):
            return f"the capture ends inside a record header at byte {at}"
        incl, orig = struct.unpack(order + "II", data[at + 8:at + 16])
        if incl != orig or at + 16 + incl > len(data):
            return f"frame {len(frames) + 1}: {incl} bytes captured of {orig}"
        frames.append(data[at + 16:at + 16 + incl])
        at += 16 + incl
    return frames


def check_capture(path, specs):
    """"" if the capture holds exactly the frames of specs (capture_frame), in order and
    nothing else; else the first difference."""
    frames = read_pcap(path)
    if isinstance(frames, str):
        return frames
    want = [capture_frame(s) for s in specs]
    for i, (got, exp) in enumerate(zip(frames, want)):
        if got != exp:
            at = next((j for j in range(min(len(got), len(exp))) if got[j] != exp[j]), min(len(got), len(exp)))
            return (f"frame {i + 1}: {len(got)} bytes, want {len(exp)}; first difference at byte {at}: "
                    f"{got[at:at + 8].hex()} not {exp[at:at + 8].hex()}")
    if len(frames) != len(want):
        extra = frames[len(want)][:32].hex() if len(frames) > len(want) else "none"
        return f"{len(frames)} frames captured, want {len(want)} (the first extra: {extra})"
    return ""


def run_qemu_test(t):
    """Boots one test. With disk, QEMU gets a temporary image made first ({disk} in
    qemu_args names it) and checked byte for byte after QEMU has exited (disk_writes);
    with capture, a temporary file ({capture}) that a filter-dump writes the frames to,
    checked likewise against the frames capture lists; with host, a free host port
    ({port}) for QEMU's forwards, which the host script is given, and a second ({port2})
    if qemu_args name one."""
    if "host" in t:
        port = free_port()
        port2 = free_port() if any("{port2}" in a for a in t.get("qemu_args", [])) else None
        args = [a.replace("{port}", str(port)).replace("{port2}", str(port2)) for a in t.get("qemu_args", [])]
        return run_qemu_boot(dict(t, qemu_args=args, host_port=port, host_port2=port2))
    if "disk" not in t and "capture" not in t:
        return run_qemu_boot(t)
    with tempfile.TemporaryDirectory() as d:
        disk, capture = os.path.join(d, "disk.img"), os.path.join(d, "capture.pcap")
        if "disk" in t:
            make_disk(disk, t["disk"])
        args = [a.replace("{disk}", disk).replace("{capture}", capture) for a in t.get("qemu_args", [])]
        res = run_qemu_boot(dict(t, qemu_args=args))
        if "disk" in t and t.get("disk_check", True):
            why = check_disk(disk, t["disk"], t.get("disk_writes", []), t.get("disk_prefix", []))
            res.add(not why, "disk", why)
        if "capture" in t:
            why = check_capture(capture, t["capture"]) if os.path.exists(capture) else "no capture file"
            res.add(not why, "capture", why)
        return res


def run_qemu_boot(t):
    res = Result(t["name"])
    if t.get("input_port", "com2") not in INPUT_PORTS:
        res.add(False, "input_port", f"input_port {t['input_port']!r}: one of {', '.join(INPUT_PORTS)}")
        return res
    cmd = qemu_command(t) + ["-serial", "stdio"]
    timeout = t.get("timeout", 60)
    try:
        if "host" in t:
            p = run_with_host(cmd, t, timeout, t["host_port"], t.get("host_port2"))
        elif "input" in t:
            p = run_with_input(cmd, t, timeout)
        else:
            p = subprocess.run(cmd, capture_output=True, timeout=timeout)
        out, code = p.stdout.decode(errors="replace"), p.returncode
        ended = f"QEMU exit status {code}"
    except subprocess.TimeoutExpired as e:
        out, code = (e.stdout or b"").decode(errors="replace"), None
        ended = f"no exit within {timeout} s (hang?)"
        if isinstance(e.stderr, bytes):
            out += e.stderr.decode(errors="replace")
    res.log = out.replace("\r", "")
    lines = res.log.splitlines()
    want_exit = t.get("exit", "done")
    res.add(code == EXIT_CODES[want_exit], f"exit_{want_exit}",
            f"{ended}, want {EXIT_CODES[want_exit]} ({want_exit})")
    found = {}
    for line in lines:
        m = TEST_LINE.match(line)
        if m:
            found.setdefault(m.group(1), []).append(m)
    for tid in t.get("checks", []):
        ms = found.pop(tid, [])
        if len(ms) != 1:
            res.add(False, tid, "no TEST line" if not ms else f"{len(ms)} TEST lines")
        else:
            m = ms[0]
            res.add(m.group(3) == "PASS", f"{tid} {m.group(2)}", m.group(4) or "")
    for tid, ms in found.items():
        res.add(False, tid, "a TEST line that tests.toml does not list")
    for i, pat in enumerate(t.get("output", [])):
        rx = re.compile(pat)
        res.add(any(rx.search(line) for line in lines), f"output.{i + 1}", f"no line matches {pat!r}")
    for i, pat in enumerate(t.get("absent", [])):
        rx = re.compile(pat)
        res.add(not any(rx.search(line) for line in lines), f"absent.{i + 1}", f"a line matches {pat!r}")
    return res


def report(results):
    passed = failed = 0
    for res in results:
        bad = [c for c in res.checks if not c[0]]
        if bad:
            print(f"--- {res.suite}: output ---")
            print(crash.explained(res.log.rstrip())[-6000:])   # crash reports symbolised
            print("---")
        for ok, name, why in res.checks:
            print(f"{'PASS' if ok else 'FAIL'} {res.suite}: {name}" + ("" if ok else f": {why}"))
            passed += ok
            failed += not ok
    return passed, failed


# The checks that are neither host binaries nor QEMU tests, by the name -k matches.
CHECKS = [("system_descriptions", run_description_tests), ("interface_descriptions", run_interface_tests),
          ("docs", run_docs_tests), ("spin", run_spin_tests), ("persistence", persist_test.run_tests),
          ("persistence_cores", persist_test.run_cores_tests)]
ALONE_CHECKS = {"persistence_cores"}   # two emulated cores: run after the others, as the smp QEMU tests


def alone(t):
    """Whether QEMU test t runs after the others, one at a time. Several emulated cores
    spin for each other (the kernel lock, TLB shootdown): with more of them than host
    cores, each hand-over waits for the host's scheduler. A test with `alone = true`
    has a host script whose client times the guest's network stack (lwIP's and
    slirp's retransmissions after a loaded host's delays exceed its waits)."""
    return t.get("smp", 1) > 1 or t.get("alone", False)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-k", default="", help="run only tests whose name contains this")
    ap.add_argument("-j", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--list", action="store_true", help="name the tests -k would run, and run none")
    args = ap.parse_args()

    with open("tests/qemu/tests.toml", "rb") as f:
        qtests = [t for t in tomllib.load(f)["test"] if args.k in t["name"]]
    hosts = [b for b in sorted(glob.glob(os.path.join(qemu.BUILD, "host", "test_*")))
             if args.k in os.path.basename(b)]
    checks = [(name, run) for name, run in CHECKS if args.k in name]
    names = [os.path.basename(b) for b in hosts] + [n for n, _ in checks] + \
        [t["name"] + (" (skipped)" if t.get("skip") else "") for t in qtests]
    if args.list:
        print("\n".join(names))
        return
    if not names:
        sys.exit(f"test.py: no test's name contains '{args.k}' (tools/test.py --list names them all; "
                 "host tests are listed once built: make all)")
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.j) as pool:
        futures = [pool.submit(run_host_test, b) for b in hosts]
        futures += [pool.submit(run) for name, run in checks if name not in ALONE_CHECKS]
        built = build_systems(qtests)
        futures += [pool.submit(run_qemu_test, t) for t in qtests if not t.get("skip") and not alone(t)]
        results = built + [f.result() for f in futures]
    results += [run_qemu_test(t) for t in qtests if not t.get("skip") and alone(t)]
    results += [run() for name, run in checks if name in ALONE_CHECKS]
    passed, failed = report(results)
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed or not passed else 0)


if __name__ == "__main__":
    main()
