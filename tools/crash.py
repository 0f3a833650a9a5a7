#!/usr/bin/env python3
"""crash.py: reads a Cairn system's console output on the host and explains it
(docs/debugging.md, "Reading a crash report").

    crash.py [--root NAME] [IMAGE=PATH ...] < console.log
                            the log again, each crash report followed by its frames
                            (function, file:line), each error code by its name;
                            exits 1 if the log shows the system NAME failed

The booter reports a component stopped by a CPU exception (lib/libboot/report.c) as

    booter: 'guest' of system 'sandbox' stopped by a fault: thread 6, vector 14,
    error 0x7, image guest, rip 0x400351, sp 0x7ffeffffffd0, stack 0x400019 ...

(one line): the faulting instruction, then the words of the stack that point into the
image's code. The RTOS reports a process a fault ended the same way
(components/rtos/gates_proc.c), as `rtos: process 'name' ended by a fault: thread ...`,
its image the program's name. Every image is linked at the same address, so the frames are looked up
in that image's ELF (build/user/<image>.elf, or the module the run booted) with
binutils' addr2line and objdump. A stack word counts as a return address only if the
instruction before it is a call; one whose call does not lead to the frame above it
(a tail call, or a stale word the scan found) is marked `?`. tools/qemu.py `run` and
tools/test.py pass the console through Watcher.
"""
import functools
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import abi  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRAP_C = os.path.join(ROOT, "kernel", "arch", "x86_64", "trap.c")

REPORT = re.compile(
    r"(?:booter: '(?P<comp>[^']+)' of system '(?P<system>[^']+)'|rtos: process '(?P<proc>[^']+)') "
    r"(?P<what>stopped by a fault|faulted, restarting|ended by a fault): "
    r"thread (?P<tid>\d+), vector (?P<vector>\d+), error (?P<error>0x[0-9a-f]+), image (?P<image>\S+), "
    r"rip (?P<rip>0x[0-9a-f]+), sp (?P<sp>0x[0-9a-f]+), stack(?P<stack>(?: 0x[0-9a-f]+)*)\s*$")
DEADLOCK = re.compile(r"booter: \d+ thread\(s\) blocked and nothing can wake them: system '(?P<system>[^']+)' stops")
FIRST_EXIT = re.compile(r"^booter: stopped \(exit (?P<status>-?\d+)\)\s*$")
ERROR_CODE = re.compile(r"\berror (-\d+)\b")


@functools.lru_cache(maxsize=None)
def exception_names():
    """The CPU exceptions' names by vector, as the kernel prints them (trap.c's table)."""
    with open(TRAP_C) as f:
        text = f.read()
    body = re.search(r"exception_names\[32\] = \{(.*?)\};", text, re.S).group(1)
    return re.findall(r'"([^"]*)"', body)


def exception_name(vector):
    names = exception_names()
    return names[vector] if vector < len(names) else f"vector {vector}"


@functools.lru_cache(maxsize=None)
def error_names():
    """{-number: 'NAME (meaning)'} from include/cairn/abi.h's CAIRN_ERRORS."""
    rows = abi.table(abi.read(ROOT), "CAIRN_ERRORS")
    return {-int(num): f"{name} ({meaning.strip(chr(34))})" for name, num, meaning in rows}


def name_errors(line):
    """A line naming each error code `error -N` of line ("  error -10 is EAGAIN (try
    again)"), or none."""
    names = error_names()
    found = [f"error {n} is {names[int(n)]}" for n in ERROR_CODE.findall(line) if int(n) in names]
    return ["  " + "; ".join(found)] if found else []


def run_tool(args):
    r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return r.stdout if r.returncode == 0 else ""


@functools.lru_cache(maxsize=None)
def _calls(elf, mtime):
    """{return address: the direct call's target, or None (an indirect call)}: the
    address after each call instruction of elf's code (objdump)."""
    out, last_call = {}, None
    for line in run_tool(["objdump", "-d", "--no-show-raw-insn", elf]).splitlines():
        m = re.match(r"\s*([0-9a-f]+):\s+(\S+)\s*(.*)", line)
        if not m:
            continue
        addr = int(m.group(1), 16)
        if last_call is not None:
            out[addr] = last_call[0]
            last_call = None
        if m.group(2).startswith("call"):
            t = re.match(r"([0-9a-f]+) <", m.group(3))
            last_call = (int(t.group(1), 16) if t else None,)
    return out


def calls(elf):
    return _calls(elf, os.path.getmtime(elf))


@functools.lru_cache(maxsize=None)
def _functions(elf, mtime):
    """elf's functions as a sorted list of (start, end, name) (nm)."""
    funcs = []
    for line in run_tool(["nm", "-S", "--defined-only", elf]).splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[2] in "Tt":
            start = int(parts[0], 16)
            funcs.append((start, start + int(parts[1], 16), parts[3]))
    return sorted(funcs)


def function_start(elf, addr):
    """The start of elf's function that holds addr, or None."""
    for start, end, _ in _functions(elf, os.path.getmtime(elf)):
        if start <= addr < end:
            return start
    return None


def where(elf, addr):
    """[(function, file:line), ...] of addr in elf, innermost inlined function first."""
    return _where(elf, os.path.getmtime(elf), addr)


@functools.lru_cache(maxsize=4096)
def _where(elf, mtime, addr):
    out = run_tool(["addr2line", "-f", "-i", "-C", "-e", elf, hex(addr)]).splitlines()
    pairs = []
    for fn, loc in zip(out[0::2], out[1::2]):
        if loc.startswith(ROOT + os.sep):
            loc = loc[len(ROOT) + 1:]
        pairs.append((fn, loc))
    return pairs or [("??", "??:0")]


def frames(elf, rip, stack):
    """The backtrace of a report: [(address, function, file:line, mark)], the faulting
    instruction first, then each stack word that follows a call instruction (its call
    site's line); mark is '?' when the word's call does not lead to the frame above,
    'inlined' for a function inlined into the next one."""
    out, known = [], calls(elf)
    above = rip

    def add(addr, lookup, mark):
        places = where(elf, lookup)
        for i, (fn, loc) in enumerate(places):
            out.append((addr, fn, loc, "inlined" if i < len(places) - 1 else mark))

    add(rip, rip, "")
    for word in stack:
        if word not in known:
            continue    # not a return address: data, or a pointer to code
        target = known[word]
        ok = target is None or target == function_start(elf, above)
        add(word, word - 1, "" if ok else "?")
        above = word - 1
    return out


def explain(m, images):
    """The lines that explain a report (REPORT's match m): what crashed, then its frames.
    images: {image name: ELF path} of the run."""
    vector, tid, what = int(m.group("vector")), m.group("tid"), m.group("what")
    who = (f"process '{m.group('proc')}' (thread {tid})" if m.group("proc") else
           f"component '{m.group('comp')}' (system '{m.group('system')}', thread {tid})")
    verb = {"stopped": "stopped by", "faulted": "restarted after", "ended": "ended by"}[what.split()[0].rstrip(",")]
    head = f"crash: {who} {verb} {exception_name(vector)} (vector {vector}), error {m.group('error')}"
    elf = images.get(m.group("image"), os.path.join("build", "user", m.group("image") + ".elf"))
    if not elf or not os.path.exists(elf):
        return [head, f"  (no ELF for image '{m.group('image')}': frames not symbolised)"]
    lines = [head]
    stack = [int(w, 16) for w in m.group("stack").split()]
    for i, (addr, fn, loc, mark) in enumerate(frames(elf, int(m.group("rip"), 16), stack)):
        note = {"inlined": " (inlined)", "?": " ?"}.get(mark, "")
        lines.append(f"  #{i:<2} 0x{addr:x} in {fn} ({loc}){note}")
    return lines


def images_of(modules, build="build"):
    """{image name: ELF path} of a run's module lines ("path [args]" or "name [args]"),
    the name as the booter knows a module (its file name without .elf)."""
    out = {}
    for m in modules:
        name = m.partition(" ")[0]
        path = name if "/" in name else os.path.join(build, "user", name + ".elf")
        out[os.path.basename(path)[:-4] if path.endswith(".elf") else os.path.basename(path)] = path
    return out


class Watcher:
    """Reads a run's console line by line: explain()s each crash report, names error
    codes, and keeps how the system `root` (the system booted) ended: failures lists
    a component of it stopped by a fault (no keeper), a deadlock, or the first
    program's non-zero exit."""

    def __init__(self, root, images):
        self.root, self.images = root, images
        self.failures = []

    def line(self, text):
        """What to print after the line text (without its newline): [] or lines."""
        m = REPORT.search(text)
        if m:
            if m.group("what").startswith("stopped") and m.group("system") == self.root:
                self.failures.append(f"component '{m.group('comp')}' crashed with no keeper")
            return explain(m, self.images)
        m = DEADLOCK.search(text)
        if m and m.group("system") == self.root:
            self.failures.append(f"system '{self.root}' deadlocked")
        m = FIRST_EXIT.search(text)
        if m and int(m.group("status")) != 0:
            self.failures.append(f"the booter stopped with status {m.group('status')}")
        return name_errors(text)


def explained(log, images=None):
    """log (a run's console output) with each crash report's and error code's
    explanation after its line (tools/test.py prints a failed test's log so)."""
    w, out = Watcher(None, images or {}), []
    for text in log.splitlines():
        out += [text] + w.line(text)
    return "\n".join(out)


def main(argv):
    root, images = None, {}
    args = argv[1:]
    while args:
        a = args.pop(0)
        if a == "--root" and args:
            root = args.pop(0)
        elif "=" in a:
            k, _, v = a.partition("=")
            images[k] = v
        else:
            sys.exit(__doc__)
    w = Watcher(root, images)
    for raw in sys.stdin:
        text = raw.rstrip("\n")
        extra = w.line(text)
        print(text)
        for e in extra:
            print(e)
    if root and w.failures:
        sys.exit("; ".join(w.failures))


if __name__ == "__main__":
    main(sys.argv)
