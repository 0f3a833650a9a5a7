#!/usr/bin/env python3
"""persist_test.py: the persistence suite (docs/testing.md, "Persistence"; issue 23).
Boots tests/qemu/systems/persist.toml (systems/ledger.toml, faster) several times on one
raw disk, kills QEMU with SIGKILL at moments read from its output (never a clean
shutdown), and checks what the next boot resumes against what the console said and
against the disk itself, which it reads on the host (the layout of cairn/ckpt.h and
lib/libckpt/ckpt.c, checked block by block as ckpt_open does).

One check per scenario:

  fresh                an empty disk: "a fresh start: the disk held no store", the ledger
                       starts fresh, at least 3 checkpoints committed, no TORN
  resume               the next boot resumes the checkpoint the disk holds: the last one
                       committed, or the one taken after it if its commit landed before
                       the kill, with the digest printed when it was taken
  second_resume        a third boot resumes one of the second boot's checkpoints, and
                       commits four more: burst and the peer, which wait on their timer,
                       went on after the resume (went_on: every boot checks it that
                       commits three after the one it resumed)
  ckpt_tool            tools/ckpt.py on that disk: the checkpoint the console said, and each
                       persistent component's thread (in its own code), pages and copies
  crash_injection      CRASH_BOOTS boots (SOAK_BOOTS with --soak), each killed at a
                       seeded moment: shortly after a `taken` line (during the
                       checkpoint's writes), at any time, or during the boot itself
  corrupted_block      a byte flipped in a data block of the newest checkpoint: the next
                       boot says it is damaged and resumes the one before
  bad_link             a checkpoint (its checksums right) whose delegation the manager
                       cannot make again: it does not fit, and everything starts fresh,
                       the manager's records of the persistent components cleared
  two_cores            the persistent components on core 1, their checkpointer on core 0:
                       a fresh boot, then a resume (test.py's "persistence_cores", run
                       alone after the others; here with --cores)
  example              systems/ledger.toml (make run SYSTEM=ledger) booted twice: its RTOS
                       client starts from 0, then from the counters the resume gave back
  no_physical_address  no word of a commit record or directory block is a page address
                       in guest RAM (the kernel's memory map), but the ledger's own pages

    persist_test.py [--soak] [--seed S] [--boots N] [-v]

tools/test.py runs it as its "persistence" check (make test).
"""
import argparse
import os
import queue
import random
import re
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu  # noqa: E402
import sysgen  # noqa: E402

SYSTEM = "tests/qemu/systems/persist.toml"
PERSISTENT = {2: "burst", 3: "ledger", 5: "peer"}  # the persistent components by number in the description
DISK_BYTES = 2 << 20            # 512 blocks: two areas of 255 (the ledger and burst: 225 records)
MEMORY = 128                    # MiB of guest RAM (test.py's default)
SEED = 0x23
CRASH_BOOTS = 20
SOAK_BOOTS = 200
BOOT_TIMEOUT = 20               # s a boot may take to reach the moment it is killed at (a loaded host)
LOG_DIR = os.path.join(qemu.BUILD, "persist")   # the console of each boot that failed
WRITE_WINDOW = 0.03             # s after a `taken` line: the checkpoint's writes (about 20-40 ms)

# ---- the disk: tools/ckpt.py reads it ----

import ckpt  # noqa: E402
from ckpt import (BLOCK, COMMIT, ENTRY, HEAP_VA, LINK, LINK_CAP, LINK_KIND, LINK_PAGE,  # noqa: E402
                  PAGE_KIND, STACK_TOP, THREAD_KIND, Store, crc32)


# ---- booting ----

R_RESUMED = re.compile(r"checkpointer: resumed checkpoint (\d+) \(generation (\d+), (\d+) records, "
                       r"digest ([0-9a-f]{8})\)")
R_FRESH = re.compile(r"checkpointer: a fresh start: (.*)$")
R_DAMAGED = re.compile(r"checkpointer: the newest checkpoint \(generation (\d+)\) is damaged: the one before")
R_TAKEN = re.compile(r"checkpointer: checkpoint (\d+) taken \((\d+) records, (\d+) cycles paused\)")
R_WRITTEN = re.compile(r"checkpointer: checkpoint (\d+) written \(digest ([0-9a-f]{8}), (\d+) pages copied at a "
                       r"first write\)")
R_COMMITTED = re.compile(r"checkpointer: checkpoint (\d+) committed \(generation (\d+)\)")
R_LEDGER = re.compile(r"ledger: sequence (\d+), a (\d+), b (\d+)(?:, \d+ served)?: (\S+)")
R_TELLER = re.compile(r"teller: (?:start|\d+ adds): counters sum to (-?\d+)")
R_TELLER_START = re.compile(R_TELLER.pattern.replace("(?:start|\\d+ adds)", "start"))
R_ASKED = re.compile(r"teller: checkpoint (\d+) on request")
R_ANEW = re.compile(r"ledger: port ledger_req was made anew at this boot")
R_STARTING = re.compile(r"(?:ledger|burst): starting fresh")
R_BAD = re.compile(r"TORN|WRONG|stopped by a fault|teller: the ledger cannot|checkpointer: (checkpoint \d+ failed|the disk failed|no disk|args:)|panic|crashed|"
                   r"does not fit")
R_MEMMAP = re.compile(r"^\s*\[(0x[0-9a-f]+)-(0x[0-9a-f]+)\) usable")
PRINT = 2000000                 # the ledger's print= in SYSTEM


class Boot:
    """One boot: its console lines (in order, \\r dropped), how it ended and when."""

    def __init__(self, label, kill):
        self.label, self.kill = label, kill
        self.lines, self.ended, self.wall, self.killed_at, self.disk_before = [], "", 0.0, None, b""

    def text(self, keep=30):
        """Its console for the log: the first and last keep lines (all of it in LOG_DIR)."""
        os.makedirs(LOG_DIR, exist_ok=True)
        path = os.path.join(LOG_DIR, self.label + ".log")
        with open(path, "w") as f:
            f.write("\n".join(self.lines) + "\n")
        if self.disk_before:
            with open(os.path.join(LOG_DIR, self.label + ".disk-before.img"), "wb") as f:
                f.write(self.disk_before)
        lines = self.lines if len(self.lines) <= 2 * keep else \
            self.lines[:keep] + [f"... ({len(self.lines) - 2 * keep} lines: {path})"] + self.lines[-keep:]
        return f"--- boot {self.label} (kill {self.kill}; {self.ended}) ---\n" + "\n".join(lines) + "\n"


def boot(cmd, label, kill):
    """Runs QEMU (cmd) until kill says: ("after", ((regex, count), ...), delay) kills delay
    seconds after, for each regex, its count-th matching line has come; ("time", t) t
    seconds after QEMU started."""
    b = Boot(label, kill_name(kill))
    lines = queue.Queue()
    start = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def reader():
        for raw in p.stdout:
            lines.put(raw.decode(errors="replace").replace("\r", "").rstrip("\n"))
        lines.put(None)

    threading.Thread(target=reader, daemon=True).start()
    due = start + kill[1] if kill[0] == "time" else None
    seen, eof = [0] * (len(kill[1]) if kill[0] == "after" else 0), False
    while True:
        now = time.monotonic()
        if due is not None and now >= due:
            break
        if now - start > BOOT_TIMEOUT:
            b.ended = f"no moment to kill at within {BOOT_TIMEOUT} s"
            break
        try:
            line = lines.get(timeout=max(0.0005, min(0.05, due - now if due is not None else 0.05)))
        except queue.Empty:
            continue
        if line is None:
            eof = True
            break
        b.lines.append(line)
        if kill[0] == "after" and due is None:
            seen = [n + bool(re.search(what, line)) for n, (what, _c) in zip(seen, kill[1])]
            if all(n >= c for n, (_w, c) in zip(seen, kill[1])):
                due = time.monotonic() + kill[2]
    if not eof:
        p.kill()                                # SIGKILL: the disk as power lost would leave it
    b.killed_at = time.monotonic() - start
    code = p.wait()
    while not eof:                              # what QEMU wrote before it died
        line = lines.get()
        if line is None:
            break
        b.lines.append(line)
    p.stdout.close()
    b.wall = time.monotonic() - start
    if not b.ended:
        b.ended = f"killed at {b.killed_at:.3f} s" if not eof else f"QEMU ended by itself ({code}) at {b.wall:.3f} s"
    return b


def kill_name(kill):
    if kill[0] == "time":
        return f"at {kill[1] * 1000:.0f} ms"
    what = " and ".join(f"{w.replace(chr(92), '').replace('checkpointer: ', '')!r} #{c}" for w, c in kill[1])
    return f"{kill[2] * 1000:.0f} ms after {what}"


# ---- what a disk has been through ----

class Ckpt:
    """A checkpoint the console named: its number, digest, generation (once committed), and
    the ledger's last sequence printed before it was taken and first one after."""

    def __init__(self, n, digest, boot, s_before, gen=None, t_before=0):
        self.n, self.digest, self.boot, self.s_before, self.gen = n, digest, boot, s_before, gen
        self.t_before = t_before        # the teller's last sum printed before it was taken
        self.s_after = None

    def __repr__(self):
        return f"checkpoint {self.n} (digest {self.digest}, boot {self.boot})"


class Chain:
    """A disk and the boots on it: what the console says was committed (committed) and
    taken after it (pending), checked against the disk before and after each boot."""

    def __init__(self, name, d, cmd):
        self.name, self.path = name, os.path.join(d, name + ".img")
        with open(self.path, "wb") as f:
            f.truncate(DISK_BYTES)
        self.cmd = cmd + ["-drive", f"file={self.path},format=raw,if=none,id=pdisk",
                          "-device", "virtio-blk-pci,drive=pdisk,addr=6.0,disable-legacy=on", "-serial", "stdio"]
        self.committed = self.pending = None
        self.ever_committed, self.last, self.resumes = False, None, []
        self.boots, self.taken = [], {}         # taken: (boot, n) -> Ckpt
        self.memmap = []
        self.stats = {"write_kills": 0, "landed": 0, "boot_kills": 0, "resumed_pending": 0, "first_writes": 0}

    def run(self, kill, label, fresh_reason=None, damaged=False):
        """Boots once and checks it: a list of problems (empty: all well) and the Boot."""
        before = Store(self.path)
        b = boot(self.cmd, f"{self.name}.{label}", kill)
        b.disk_before = before.disk
        self.boots.append(b)
        problems = self.check(b, before, fresh_reason, damaged)
        problems += self.check_after(b)
        problems += went_on(before, Store(self.path), b)
        return problems, b

    def check(self, b, before, fresh_reason, damaged):
        bad = []
        say = bad.append
        if b.ended.startswith("no moment") or b.ended.startswith("QEMU ended"):
            last = max((i for i, x in enumerate(b.lines) if "checkpointer:" in x), default=-1)
            ledger = sum(1 for x in b.lines[last + 1:] if R_LEDGER.search(x))
            say(f"{b.ended}: the checkpointer's last line "
                + (f"{b.lines[last].strip()!r}, then {ledger} of the ledger's" if last >= 0 else "none"))
        for line in b.lines:
            m = R_MEMMAP.match(line)
            if m:
                self.memmap.append((int(m.group(1), 16), int(m.group(2), 16)))
            if R_BAD.search(line):
                say(f"a line says {line.strip()!r}")
        resumed = [(i, R_RESUMED.search(x)) for i, x in enumerate(b.lines) if R_RESUMED.search(x)]
        fresh = [(i, R_FRESH.search(x)) for i, x in enumerate(b.lines) if R_FRESH.search(x)]
        dmg = [R_DAMAGED.search(x) for x in b.lines if R_DAMAGED.search(x)]
        starting = [i for i, x in enumerate(b.lines) if R_STARTING.search(x)]
        if len(resumed) + len(fresh) > 1:
            say(f"{len(resumed)} resumes and {len(fresh)} fresh starts in one boot")
            return bad
        start = (resumed or fresh or [(None, None)])[0][0]
        if start is None:
            self.stats["boot_kills"] += 1
            if any(R_LEDGER.search(x) or R_STARTING.search(x) or R_TAKEN.search(x) for x in b.lines):
                say("the ledger or a checkpoint before the checkpointer resumed or started it")
            return bad
        # what the disk held before this boot, as ckpt_open would find it
        host = before.newest
        prior = [c for c in (self.committed, self.pending) if c]
        base_seq = 0
        if resumed:
            m = resumed[0][1]
            n, gen, digest = int(m.group(1)), int(m.group(2)), m.group(4)
            if not host:
                say(f"resumed checkpoint {n} but the disk held no whole checkpoint ({before.describe()})")
            elif (n, gen) != (host.tag, host.gen) or int(digest, 16) != host.digest:
                say(f"resumed checkpoint {n} (generation {gen}, digest {digest}); the disk's newest whole is "
                    f"checkpoint {host.tag} (generation {host.gen}, digest {host.digest:08x})")
            match = [c for c in prior if c.n == n]
            if not match:
                say(f"resumed checkpoint {n}: the console last said {self.committed or 'none'} committed"
                    + (f", {self.pending} taken" if self.pending else ""))
            elif match[0].digest != digest:
                say(f"resumed checkpoint {n} with digest {digest}; it was taken with digest {match[0].digest}")
            else:
                c = match[0]
                if c is self.pending:
                    self.stats["resumed_pending"] += 1
                first = next((int(R_LEDGER.search(x).group(1)) for x in b.lines[start:] if R_LEDGER.search(x)), None)
                if first is not None and first < c.s_before:
                    say(f"after resuming {c} the ledger's first sequence is {first}, below the {c.s_before} "
                        "it printed before that checkpoint was taken")
                if first is not None and c.s_after is not None and first > c.s_after + PRINT:
                    say(f"after resuming {c} the ledger's first sequence is {first}, beyond the {c.s_after} "
                        "it printed after that checkpoint was taken")
                base_seq = c.s_before
                tstart = next((int(R_TELLER_START.search(x).group(1)) for x in b.lines[start:]
                               if R_TELLER_START.search(x)), None)
                if tstart is not None and tstart < c.t_before:
                    say(f"after resuming {c} the teller's counters sum to {tstart}, below the {c.t_before} "
                        "it was told before that checkpoint was taken")
                self.resumes.append((c, first))
            if before.previous != bool(dmg) or (dmg and int(dmg[0].group(1)) != before.bad_gen):
                say(f"the checkpointer says {'damaged: ' + dmg[0].group(0) if dmg else 'nothing damaged'}; "
                    f"the disk: {before.describe()}")
            if damaged and not dmg:
                say("no 'the newest checkpoint ... is damaged' line")
            if starting:
                say("the ledger says 'starting fresh' after a resume")
            self.committed, self.pending = Ckpt(n, digest, b.label, base_seq, gen), None
            self.last, self.ever_committed = self.committed, True
            if match:
                self.committed.s_after = match[0].s_after
        else:
            why = fresh[0][1].group(1)
            if host:
                say(f"a fresh start ({why}) though the disk held {before.describe()}")
            elif self.ever_committed:
                say(f"a fresh start ({why}) after checkpoints were committed (the last: {self.last})")
            if fresh_reason and fresh_reason not in why:
                say(f"a fresh start: {why!r}, not {fresh_reason!r}")
            if damaged:
                say("a fresh start where a damaged newest checkpoint's previous one was to be resumed")
            if not starting and any(R_LEDGER.search(x) for x in b.lines):
                say("the ledger ran without saying 'starting fresh'")
            self.committed = self.pending = None
        if starting and starting[0] < start:
            say("the ledger started before the checkpointer said how")
        # then the checkpoints of this boot, and the ledger between them
        last_seq, next_gen, recent, tsum = base_seq, before.last_gen + 1, None, 0
        expect = self.committed.n + 1 if self.committed else 1
        for line in b.lines[start + 1:]:
            m = R_TELLER.search(line)
            if m:
                tsum = int(m.group(1))
                continue
            m = R_LEDGER.search(line)
            if m:
                last_seq = int(m.group(1))
                if recent and recent.s_after is None:
                    recent.s_after = last_seq
                if m.group(4) != "whole":
                    say(f"the ledger says {line.strip()!r}")
                continue
            m = R_TAKEN.search(line)
            if m:
                n = int(m.group(1))
                if self.pending:
                    say(f"checkpoint {n} taken before {self.pending} was committed")
                if n != expect:
                    say(f"checkpoint {n} taken, the one after {self.committed or 'a fresh start'} is {expect}")
                self.pending = recent = Ckpt(n, None, b.label, last_seq, t_before=tsum)
                self.taken[(b.label, n)] = self.pending
                continue
            m = R_WRITTEN.search(line)
            if m:
                if not self.pending or self.pending.n != int(m.group(1)):
                    say(f"checkpoint {m.group(1)} written, not taken just before")
                else:
                    self.pending.digest = m.group(2)
                    self.stats["first_writes"] += int(m.group(3))
                continue
            m = R_COMMITTED.search(line)
            if m:
                n, gen = int(m.group(1)), int(m.group(2))
                if not self.pending or self.pending.n != n:
                    say(f"checkpoint {n} committed, not taken just before")
                    continue
                if gen != next_gen:
                    say(f"checkpoint {n} committed as generation {gen}, want {next_gen}")
                self.pending.gen = gen
                self.committed, self.pending, self.ever_committed = self.pending, None, True
                self.last = self.committed
                next_gen, expect = gen + 1, n + 1
        if self.pending:
            self.stats["write_kills"] += 1
        return bad

    def check_after(self, b):
        """The disk after the kill: its newest whole checkpoint is the last committed or the
        one taken after it, with the digest printed when it was taken."""
        s = Store(self.path)
        host, bad = s.newest, burst_problems(s) + peer_problems(s)
        if not s.area_blocks:
            if self.ever_committed:
                bad.append("after the kill the disk holds no store")
            return bad
        if not host:
            if self.committed:
                bad.append(f"after the kill the disk holds no whole checkpoint, though {self.committed} was "
                           f"committed ({s.describe()})")
            return bad
        c = next((c for c in (self.committed, self.pending) if c and c.n == host.tag), None)
        if not c:
            bad.append(f"after the kill the disk's newest is checkpoint {host.tag}; the console last said "
                       f"{self.committed or 'none'} committed, {self.pending or 'none'} taken ({s.describe()})")
        elif c.digest is None or int(c.digest, 16) != host.digest:
            bad.append(f"the disk's checkpoint {host.tag} has digest {host.digest:08x}; it was taken with {c.digest}")
        elif c is self.pending:
            self.stats["landed"] += 1
        return bad


# ---- the scenarios ----

def after(what, count, delay):
    return ("after", ((what, count),), delay)


TAKEN = r"checkpointer: checkpoint \d+ taken"
COMMITTED = r"checkpointer: checkpoint \d+ committed"
BOOT_LINES = [r"booter: building system", r"virtio_blk: serving", r"checkpointer: (resumed|a fresh start)"]


def failing(problems, b):
    return f"boot {b.label}: " + "; ".join(problems)


def teller_problems(b, at):
    """The ledger's client, from line at on: it started, having read every counter (sum
    0 on a fresh disk: at 0), and on a fresh disk was answered right at least once (a
    WRONG anywhere is R_BAD's)."""
    m = next((R_TELLER_START.search(x) for x in b.lines[at:] if R_TELLER_START.search(x)), None)
    if not m:
        return ["the teller never started"]
    if at == 0 and int(m.group(1)) != 0:
        return [f"on a fresh disk the teller's counters sum to {m.group(1)}"]
    if at == 0 and not any(re.search(r"teller: \d+ adds, .*: right$", x) for x in b.lines):
        return ["the teller was never answered right"]
    if at == 0 and not any("teller: a share and a delegation to a persistent component refused" in x
                           for x in b.lines):
        return ["the teller never said the manager refused it a share and a delegation with burst"]
    if at == 0:     # a checkpoint on request: answered once committed
        asked = [(i, int(m.group(1))) for i, m in enumerate(map(R_ASKED.search, b.lines)) if m]
        if not asked:
            return ["the teller's checkpoint on request never came"]
        i, n = asked[0]
        if not any((m := R_COMMITTED.search(x)) and int(m.group(1)) == n for x in b.lines[:i]):
            return [f"the teller was given checkpoint {n} on request before it was committed"]
    return []


def fresh_kill(rng):
    """A fresh boot's kill: once the teller's second checkpoint on request and the third
    committed have both come (the third alone can come before the first it asked for is
    answered: on a loaded host, or with checkpoints of few records)."""
    return ("after", ((R_ASKED.pattern, 2), (COMMITTED, 3)), rng.uniform(0, 0.08))


def scenario_chain(chain, rng, log):
    """fresh, resume, second_resume: three boots on one disk. Their results in order."""
    out = []
    p, b = chain.run(fresh_kill(rng), "1", fresh_reason="the disk held no store")
    commits = sum(1 for x in b.lines if R_COMMITTED.search(x))
    if commits < 3:
        p.append(f"{commits} checkpoints committed, want at least 3")
    if not any(R_STARTING.search(x) for x in b.lines):
        p.append("no 'ledger: starting fresh'")
    if not any(R_WRITTEN.search(x) for x in b.lines):
        p.append("no digest printed")
    first = sum(int(m.group(3)) for m in map(R_WRITTEN.search, b.lines) if m)
    if commits >= 3 and not first:
        p.append("no page was copied at a first write: the ledger never wrote while a checkpoint was written")
    p += teller_problems(b, 0)
    out.append(("fresh", p, b, f"{commits} committed, {first} pages copied at a first write"))
    for name, label, n in (("resume", "2", 2), ("second_resume", "3", 4)):   # (4: went_on checks it)
        prev = chain.boots[-1].label
        # (and once the ledger has printed: it runs last, and a checkpoint of few records
        # can be committed before its first line; and the teller has started: on a loaded
        # host it may come after the commits)
        p, b = chain.run(("after", ((COMMITTED, n), (R_LEDGER.pattern, 1), (R_TELLER_START.pattern, 1)),
                          rng.uniform(0, 0.08)), label)
        m = next((R_RESUMED.search(x) for x in b.lines if R_RESUMED.search(x)), None)
        if not m:
            p.append("no 'resumed checkpoint' line")
        elif (prev, int(m.group(1))) not in chain.taken:
            p.append(f"resumed checkpoint {m.group(1)}, not one of boot {prev}'s")
        at = next((i for i, x in enumerate(b.lines) if R_RESUMED.search(x)), 0)
        if not any(R_LEDGER.search(x) for x in b.lines[at:]):
            p.append("the ledger printed nothing after the resume")
        if not any(R_ANEW.search(x) for x in b.lines[at:]):
            p.append("the ledger never said its request port was made anew")
        p += teller_problems(b, at)
        what = m.group(0).split(": ", 1)[1] if m else "no resume"
        if m and chain.resumes and chain.resumes[-1][1] is not None:
            c, first = chain.resumes[-1]
            what += (f"; the ledger went on at sequence {first} (it printed {c.s_before} before that checkpoint "
                     f"was taken, {c.s_after} after)")
        out.append((name, p, b, what))
    return out


def crash_kill(rng):
    """A seeded moment: ("write", kill) after a `taken` line, ("any", kill) any time,
    ("boot", kill) during the boot."""
    x = rng.random()
    if x < 0.5:
        return "write", after(TAKEN, rng.randint(1, 3), rng.uniform(0, WRITE_WINDOW))
    if x < 0.8:
        return "any", ("time", rng.uniform(0.05, 1.2))
    if rng.random() < 0.5:
        return "boot", ("time", rng.uniform(0, 0.25))
    return "boot", after(rng.choice(BOOT_LINES), 1, rng.uniform(0, 0.01))


def scenario_crash(chain, rng, boots, log):
    problems, modes = [], {"write": 0, "any": 0, "boot": 0}
    for i in range(boots):
        mode, kill = crash_kill(rng)
        modes[mode] += 1
        p, b = chain.run(kill, str(i + 1))
        if p:
            problems.append(failing(p, b))
            log.append(b.text())
        if len(problems) >= 3:
            break
    s = chain.stats
    summary = (f"{len(chain.boots)} boots ({modes['write']} after a taken line, {modes['any']} any time, "
               f"{modes['boot']} in the boot): {s['write_kills']} kills between a taken and its committed "
               f"line, {s['landed']} of whose commits landed, {s['resumed_pending']} such resumed; "
               f"{s['boot_kills']} before the resume")
    return problems, summary


def scenario_corrupt(chain, rng, log):
    """Two committed, a byte flipped in the newest's data, the one before resumed."""
    s = None
    for k in range(4):
        p, b = chain.run(after(COMMITTED, 2 if k == 0 else 1, 0), f"c{k + 1}")
        if p:
            return [failing(p, b)], "", b
        s = Store(chain.path)
        if s.newest and not s.previous and all(a.state == "whole" for a in s.areas):
            break
    else:
        return [f"after 4 boots the disk never held two whole checkpoints ({s.describe()})"], "", b
    new, old = s.newest, s.areas[1 - s.newest.index]
    if new.index != (new.gen - 1) % 2:
        return [f"generation {new.gen} is in area {new.index}, not (g - 1) % 2"], "", b
    kind, comp, n, key, first, _crc, _aux = rng.choice(new.entries)
    blk = first + rng.randrange((n + BLOCK - 1) // BLOCK)
    off = (1 + new.index * s.area_blocks + blk) * BLOCK + rng.randrange(min(n, BLOCK))
    with open(chain.path, "r+b") as f:
        f.seek(off)
        byte = f.read(1)[0]
        f.seek(off)
        f.write(bytes([byte ^ (1 << rng.randrange(8))]))
    rec = f"page {key:#x}" if kind == PAGE_KIND else "thread"
    what = (f"a bit flipped at byte {off} (area {new.index}'s block {blk}: the {rec} record) of checkpoint "
            f"{new.tag}, generation {new.gen}; checkpoint {old.tag} (generation {old.gen}) before it")
    took = [c for c in chain.taken.values() if c.n == old.tag and c.digest and int(c.digest, 16) == old.digest]
    if not took:
        return [f"the disk's checkpoint {old.tag} (digest {old.digest:08x}) was never taken with that digest"], what, b
    chain.committed, chain.pending = took[-1], None    # what the next boot is to resume
    p, b = chain.run(after(COMMITTED, 1, 0), f"c{k + 2}", damaged=True)
    m = next((R_RESUMED.search(x) for x in b.lines if R_RESUMED.search(x)), None)
    if not m:
        p.append("no resume")
    elif int(m.group(1)) != old.tag or int(m.group(2)) != old.gen or int(m.group(4), 16) != old.digest:
        p.append(f"resumed {m.group(0)!r}, want checkpoint {old.tag}, generation {old.gen}, digest {old.digest:08x}")
    m = next((R_COMMITTED.search(x) for x in b.lines if R_COMMITTED.search(x)), None)
    if m and int(m.group(2)) != new.gen + 1:
        p.append(f"the next checkpoint was committed as generation {m.group(2)}, want {new.gen + 1}")
    return ([failing(p, b)] if p else []), what, b


BURST_PAGES = 32               # tests/components/burst: its pages, each with burst n in words 0 and 511
BURST = 2                      # its number in the description
CAPMGR_VA = 0x500000000        # include/cairn/layout.h: the pages the manager gives


def symbol(name, sym):
    """The address of sym in component name's image (nm)."""
    return sysgen.symbols(os.path.join(qemu.BUILD, "user", name + ".elf"))[sym]


def went_on(before, after, b):
    """After a resume, the persistent components that wait on their timer go on: once the
    boot has committed three checkpoints after the resume, burst (and the peer, if the
    system has it) counts more in the disk's newest than in the one resumed. (The time
    stamp counter starts again at each boot: a nap's deadline from the boot before would
    keep them waiting, with no timer armed, unless they look again: docs/persistence.md
    "Limits", tests/components/burst/nap.h.)"""
    at = next((i for i, x in enumerate(b.lines) if R_RESUMED.search(x)), None)
    tag = int(R_RESUMED.search(b.lines[at]).group(1)) if at is not None else None
    old = next((a for a in before.areas if a.state == "whole" and a.tag == tag), None)
    new = after.newest
    if not old or not new or sum(1 for x in b.lines[at:] if R_COMMITTED.search(x)) < 3:
        return []
    bad, comps = [], ckpt.components(before, old)
    for comp, name, sym in ((BURST, "burst", "bursts"), (PEER, "peer", "rounds")):
        if comp not in comps or comps[comp].threads.keys() != {0}:
            continue        # (not in this system: persist_cores.toml has no peer)
        va = symbol(name, sym)
        was, now = word_of(before, old, comp, va), word_of(after, new, comp, va)
        if was is None or now is None or now <= was:
            bad.append(f"{name} did not go on after the resume: its {sym} {was} in checkpoint {old.tag}, "
                       f"{now} in checkpoint {new.tag}")
    return bad


def burst_problems(s):
    """Every whole checkpoint on the disk holds burst's pages as at one instant: each
    page's two words equal, and the pages a burst n + 1 in progress (pages 0..k hold n +
    1, the rest n), its own pages first, then the manager's (in the order of their
    addresses: it was given them in a row, and a page given again takes the place of the
    one freed). A copy made while a page was written, or after, breaks it."""
    bad, base = [], symbol("burst", "page")
    for a in s.areas:
        if a.state != "whole":
            continue
        blocks = {key: blk for kind, comp, _n, key, blk, _c, _x in a.entries if kind == PAGE_KIND and comp == BURST}
        vals = []
        for p in range(BURST_PAGES):
            blk = blocks.get(base + p * BLOCK)
            if blk is None:
                bad.append(f"checkpoint {a.tag}: no record of burst's page {p}")
                return bad
            data = s.block(a.index, blk)
            w0, wl = struct.unpack_from("<Q", data, 0)[0], struct.unpack_from("<Q", data, 8 * 511)[0]
            if w0 != wl:
                bad.append(f"checkpoint {a.tag}: burst's page {p} holds {w0} and {wl}: taken while written")
            vals.append(w0)
        given = sorted(key for key in blocks if CAPMGR_VA <= key < CAPMGR_VA + (512 << 12))
        for key in given:       # the manager's pages: written after its own, in a burst
            data = s.block(a.index, blocks[key])
            w0, wl = struct.unpack_from("<Q", data, 0)[0], struct.unpack_from("<Q", data, 8 * 511)[0]
            if key == given[-1] and wl == 0 and w0 in (0, vals[-1]):
                continue        # (given again this moment, its words not yet both written: burst's regive)
            if w0 != wl:
                bad.append(f"checkpoint {a.tag}: burst's page {key:#x} from the manager holds {w0} and {wl}: "
                           "taken while written")
            vals.append(w0)
        if any(x < y for x, y in zip(vals, vals[1:])) or vals[0] - vals[-1] > 1:
            bad.append(f"checkpoint {a.tag}: burst's pages hold {vals[:BURST_PAGES]}, then the manager's "
                       f"{vals[BURST_PAGES:]}: not one instant")
        if not given:
            bad.append(f"checkpoint {a.tag}: no page from the manager of burst's")
    return bad


PEER = 5                       # tests/components/peer: burst shares a page with it and delegates it a gate
CAPMGR_SLOT0 = 128             # include/cairn/capmgr.h: the first delegated slot


def word_of(s, a, comp, va):
    """The 8-byte word at va of component comp in area a's records, or None."""
    c = ckpt.components(s, a).get(comp)
    return c.word(va) if c else None


def peer_problems(s):
    """If the peer is in the checkpoints: once it has counted a round, every whole one
    holds burst's share and two delegations to it (named by what they connect), and the
    shared page as at the instant of peer's own memory: its word 1 is peer's count or
    one less (peer counts, then writes). Before that, no link at all."""
    bad, rounds_va = [], None
    for a in s.areas:
        if a.state != "whole" or not any(comp == PEER for _k, comp, *_ in a.entries):
            continue
        rounds_va = rounds_va or symbol("peer", "rounds")
        rounds, shared = word_of(s, a, PEER, rounds_va), word_of(s, a, BURST, CAPMGR_VA + 8)
        links = ckpt.links(s, a)
        want = [(PEER, CAPMGR_VA, LINK_PAGE, BURST, CAPMGR_VA)]
        page = [x for x in links if x[2] == LINK_PAGE]
        caps = sorted(x for x in links if x[2] == LINK_CAP)
        if rounds is None or shared is None:
            bad.append(f"checkpoint {a.tag}: no record of peer's count or of burst's first page from the manager")
        elif not rounds and not links:
            continue                    # (taken before burst gave them)
        elif page != want or [x[:2] for x in caps] != [(PEER, CAPMGR_SLOT0), (PEER, CAPMGR_SLOT0 + 1)] or \
                any(x[3] != BURST or x[4] is None for x in caps) or len(links) != 3:
            bad.append(f"checkpoint {a.tag}: links {links}; want the page {want} and burst's two gates at "
                       f"peer's slots {CAPMGR_SLOT0} and {CAPMGR_SLOT0 + 1}")
        elif shared not in (rounds, rounds - 1):
            bad.append(f"checkpoint {a.tag}: the page burst shares holds peer's count {shared}, peer's own "
                       f"memory {rounds}: not one instant")
    return bad


SOURCES = {BURST: "tests/components/burst/", 3: "components/ledger/", PEER: "tests/components/peer/"}


def tool_problems(chain):
    """tools/ckpt.py on the chain's disk, after its last boot: it resumes the checkpoint the
    console last said committed (or the one taken after it, if its commit landed), and
    shows each persistent component under its name, its thread stopped in its own code
    (a backtrace through its source), its pages as many as its image's writable ones,
    stack and heap (and burst's from the manager), and the peer's copies as the disk's
    link records have them (its three, once burst has given them)."""
    import io
    import schema
    import system
    out = io.StringIO()
    resumable = ckpt.show(chain.path, SYSTEM, out=out)
    text, bad = out.getvalue(), []
    m = re.search(r"^a boot resumes checkpoint (\d+) ", text, re.M)
    said = [c.n for c in (chain.committed, chain.pending) if c]
    if not resumable or not m or int(m.group(1)) not in said:
        bad.append(f"it resumes {m.group(1) if m else 'nothing'}; the console said {said}")
    comps = system.load(SYSTEM)[0]["component"]
    for n, name in PERSISTENT.items():
        part = text.partition(f"\ncomponent {n} '{name}':\n")[2].split("\ncomponent ")[0]
        c = comps[n]
        want = len(image_pages(name)) + sum(-(-schema.size_of("component", c, k) // BLOCK) for k in ("stack", "heap"))
        got = re.search(r"^  (\d+) pages:$", part, re.M)
        if not part or SOURCES[n] not in part or not got or \
                not (int(got.group(1)) == want or n == BURST and int(got.group(1)) > want):
            bad.append(f"component {n} '{name}': want its thread in {SOURCES[n]} and {want} pages, got: {part!r}")
    copies = re.findall(r"^  copy: (\w+ \w+), from (\w+ \w+) of component (\d+) '(\w+)'$",
                        text.partition(f"\ncomponent {PEER} 'peer':\n")[2], re.M)
    s = Store(chain.path)
    links = ckpt.links(s, s.newest) if s.newest else []
    say = lambda what, key: f"page {key:#x}" if what == LINK_PAGE else f"slot {key}"  # noqa: E731
    want = [(say(what, key), say(what, frm_key), str(frm), "burst") for comp, key, what, frm, frm_key in links
            if comp == PEER]
    if copies != want or (want and [c[0] for c in copies] != [f"page {CAPMGR_VA:#x}", f"slot {CAPMGR_SLOT0}",
                                                                f"slot {CAPMGR_SLOT0 + 1}"]):
        bad.append(f"the peer's copies {copies}; its link records {want}")
    return bad, text


def rewrite_link(path, s, a, what, from_key):
    """Makes the first link record (what) of area a in the disk at path copied from
    from_key, with every checksum over it made right again (its entry's, the directory's,
    the commit record's): a checkpoint that checks but names a copy that cannot be made."""
    i, e = next((i, e) for i, e in enumerate(a.entries) if e[0] == LINK_KIND and
                LINK.unpack_from(s.block(a.index, e[4]), 0)[0] == what)
    old = s.block(a.index, e[4])[:e[2]]
    data = LINK.pack(*LINK.unpack_from(old, 0)[:3], from_key) + old[LINK.size:]
    m = list(COMMIT.unpack_from(s.block(a.index, 0), 0))
    entries = list(a.entries)
    entries[i] = e[:5] + (crc32(data),) + e[6:]
    dirbytes = bytearray(m[7] * BLOCK)
    for k, x in enumerate(entries):
        ENTRY.pack_into(dirbytes, k * ENTRY.size, *x)
    m[8] = crc32(bytes(dirbytes))
    commit = bytearray(s.block(a.index, 0))
    COMMIT.pack_into(commit, 0, *m)
    COMMIT.pack_into(commit, 0, *(m[:9] + [crc32(bytes(commit[:COMMIT.size - 4]))]))
    base = (1 + a.index * s.area_blocks) * BLOCK
    with open(path, "r+b") as f:
        for at, b in ((base + e[4] * BLOCK, data), (base + m[6] * BLOCK, bytes(dirbytes)), (base, bytes(commit))):
            f.seek(at)
            f.write(b)


def scenario_bad_link(d):
    """A checkpoint whose delegation to the peer names an empty slot of burst's (its
    checksums right): the restore makes burst's pages and the share before it, fails at
    the delegation, clears the manager's records of the persistent components and says
    the checkpoint does not fit; every persistent component starts fresh, and burst is
    given the same pages and the peer the same page and slot as on an empty disk (or
    they say WRONG)."""
    chain = Chain("badlink", d, qemu.qemu_command(sysgen.build(SYSTEM), memory=MEMORY))
    p, b = chain.run(after(COMMITTED, 3, 0), "1", fresh_reason="the disk held no store")
    s = Store(chain.path)
    a = s.newest
    if p or not a or not any(e[0] == LINK_KIND for e in a.entries):
        return p + [f"no whole checkpoint with links ({s.describe()})"], "", b
    rewrite_link(chain.path, s, a, LINK_CAP, 0xfff)
    if Store(chain.path).newest is None or Store(chain.path).newest.tag != a.tag:
        return [f"the rewritten checkpoint {a.tag} does not check on the host"], "", b
    b = boot(chain.cmd, "badlink.2", after(COMMITTED, 2, 0))
    p = [f"a line says {x.strip()!r}" for x in b.lines if R_BAD.search(x) and "does not fit" not in x]
    for want in (f"checkpointer: a fresh start: checkpoint {a.tag} does not fit ({-6})", "burst: starting fresh",
                 "peer: starting fresh", "ledger: starting fresh", "peer: burst's page and gate are here"):
        if not any(want in x for x in b.lines):
            p.append(f"no line {want!r}")
    if not any(R_COMMITTED.search(x) for x in b.lines):
        p.append(f"no checkpoint committed after the fresh start ({b.ended})")
    return ([failing(p, b)] if p else []), f"checkpoint {a.tag}'s delegation from burst's slot 0xfff", b


CORES = "tests/qemu/systems/persist_cores.toml"


def scenario_cores(d, rng):
    """The persistent components on core 1, the checkpointer on core 0 (two emulated
    cores): a fresh boot with three checkpoints committed, pages copied at a first write
    and two checkpoints on request answered, then a resume of one of them, as the
    one-core chain checks them."""
    try:
        cmd = qemu.qemu_command(sysgen.build(CORES), memory=MEMORY, smp=2)
    except Exception as e:                       # sysgen.GenError, system.DescError
        return [f"{CORES}: {str(e).splitlines()[0]}"], "", None
    ch = Chain("cores", d, cmd)
    p, b = ch.run(fresh_kill(rng), "1", fresh_reason="the disk held no store")
    first = sum(int(m.group(3)) for m in map(R_WRITTEN.search, b.lines) if m)
    if sum(1 for x in b.lines if R_COMMITTED.search(x)) < 3:
        p.append("fewer than three checkpoints committed before the teller's second on request")
    p += teller_problems(b, 0) + ([] if first else ["no page was copied at a first write"])
    if p:
        return [failing(p, b)], "", b
    p, b = ch.run(after(COMMITTED, 2, rng.uniform(0, 0.08)), "2")
    m = next((R_RESUMED.search(x) for x in b.lines if R_RESUMED.search(x)), None)
    at = next((i for i, x in enumerate(b.lines) if R_RESUMED.search(x)), 0)
    p += (["no 'resumed checkpoint' line"] if not m else []) + teller_problems(b, at)
    return ([failing(p, b)] if p else []), (f"fresh: {first} pages copied at a first write; then "
                                            f"{m.group(0).split(': ', 1)[1] if m else 'no resume'}"), b


EXAMPLE = "systems/ledger.toml"
R_CLIENT = re.compile(r"ledger_client: (?:the counters sum to (-?\d+)|(\d+) adds, the counters sum to (-?\d+))")


def scenario_example(d):
    """make run SYSTEM=ledger, twice on one disk: the first boot starts fresh and its RTOS
    client (examples/ledger_client) adds to the counters; the second resumes, the
    ledger takes its ports afresh, and the client starts from the counters kept, above 0
    and never above what the first boot's client had added."""
    try:
        cmd = qemu.qemu_command(sysgen.build(EXAMPLE), memory=MEMORY)
    except Exception as e:                       # sysgen.GenError, system.DescError
        return [f"{EXAMPLE}: {str(e).splitlines()[0]}"], "", None
    ch = Chain("example", d, cmd)
    p, b1 = [], boot(ch.cmd, "example.1", after(r"ledger_client: 50 adds", 1, 0.3))
    starts = [int(m.group(1)) for m in map(R_CLIENT.search, b1.lines) if m and m.group(1) is not None]
    added = max((int(m.group(3)) for m in map(R_CLIENT.search, b1.lines) if m and m.group(3)), default=None)
    if not any(R_FRESH.search(x) for x in b1.lines) or starts != [0] or added is None:
        p.append(f"boot 1: a fresh start, the client from 0 and 50 adds, want; it said {starts} and {added} "
                 f"({b1.ended})")
    if any(R_BAD.search(x) or "ledger_client: WRONG" in x for x in b1.lines):
        p.append("boot 1: " + next(x for x in b1.lines if R_BAD.search(x) or "WRONG" in x))
    if p:
        return p, "", b1
    b2 = boot(ch.cmd, "example.2", after(r"ledger_client: the counters sum to", 1, 0.1))
    m = next((R_RESUMED.search(x) for x in b2.lines if R_RESUMED.search(x)), None)
    start = next((int(m.group(1)) for m in map(R_CLIENT.search, b2.lines) if m and m.group(1) is not None), None)
    if not m:
        p.append(f"boot 2: no resume ({b2.ended})")
    if not any(R_ANEW.search(x) for x in b2.lines):
        p.append("boot 2: the ledger never said its request port was made anew")
    if start is None or not 0 < start <= added + 60:   # (the client adds 1 each 20 ms: 0.3 s more, at most)
        p.append(f"boot 2: the client's counters sum to {start}; the first boot's had added {added} when it "
                 "last said so")
    if any(R_BAD.search(x) or "ledger_client: WRONG" in x for x in b2.lines):
        p.append("boot 2: " + next(x for x in b2.lines if R_BAD.search(x) or "WRONG" in x))
    return p, (f"boot 1 added {added} (last said), boot 2 resumed {m.group(1) if m else None} and the client "
               f"started from {start}"), b2


def image_pages(name):
    """Component name's writable image pages: their addresses."""
    return sysgen.writable_pages(os.path.join(qemu.BUILD, "user", name + ".elf"))


def scenario_physical(chains):
    """No commit record or directory block word is a page address in guest RAM."""
    bad, words, keys = [], 0, 0
    pages = {comp: image_pages(name) for comp, name in PERSISTENT.items()}
    for chain in chains:
        ram = sorted(set(chain.memmap)) or [(0x100000, MEMORY << 20)]
        s = Store(chain.path)
        if not s.area_blocks:
            bad.append(f"{chain.name}: no store to look at")
            continue
        for a in s.areas:
            if a.state == "empty" or a.state == "damaged":
                continue
            blocks = [(0, s.block(a.index, 0))] + [(a.dir_start + i, s.block(a.index, a.dir_start + i))
                                                    for i in range(a.dir_blocks)]
            for blk, data in blocks:
                for off in range(0, BLOCK, 8):
                    w = struct.unpack_from("<Q", data, off)[0]
                    words += 1
                    at = (blk - a.dir_start) * BLOCK + off
                    is_key = blk and off % ENTRY.size == 8 and at < len(a.entries) * ENTRY.size
                    if is_key:
                        continue
                    if w and not w & 0xfff and any(lo <= w < hi for lo, hi in ram):
                        bad.append(f"{chain.name}: area {a.index} block {blk} word at {off}: {w:#x}, "
                                   "a page of guest RAM")
            for i, (kind, comp, n, key, _b, _c, _x) in enumerate(a.entries):
                keys += 1
                if comp not in PERSISTENT:
                    bad.append(f"{chain.name}: area {a.index} entry {i}: component {comp}, not a persistent one")
                elif kind == THREAD_KIND and key != 0:
                    bad.append(f"{chain.name}: area {a.index} entry {i}: a thread record keyed {key:#x}")
                elif kind == PAGE_KIND and key not in pages[comp] and not HEAP_VA <= key < STACK_TOP:
                    bad.append(f"{chain.name}: area {a.index} entry {i}: page {key:#x} is none of "
                               f"{PERSISTENT[comp]}'s")
                elif kind not in (PAGE_KIND, THREAD_KIND, LINK_KIND):
                    bad.append(f"{chain.name}: area {a.index} entry {i}: kind {kind}")
            for comp, key, what, frm, from_key in ckpt.links(s, a):  # named by slots and addresses
                if frm not in PERSISTENT or from_key is None or \
                        not (what == LINK_CAP and CAPMGR_SLOT0 <= key < 2 * CAPMGR_SLOT0 and
                             from_key < 2 * CAPMGR_SLOT0 or
                             what == LINK_PAGE and CAPMGR_VA <= key < CAPMGR_VA + (512 << 12) and
                             CAPMGR_VA <= from_key < CAPMGR_VA + (512 << 12)):
                    bad.append(f"{chain.name}: area {a.index}: a link {(comp, key, what, frm, from_key)} "
                               "not named by a persistent component's slot or manager page")
    return bad, f"{words} words and {keys} record keys on {len(chains)} disks"


def run(boots=CRASH_BOOTS, seed=SEED, verbose=False):
    """The suite: a test.py Result with one check per scenario."""
    import test                                  # (test.py imports this module)
    res = test.Result("persistence")
    log, texts, timings = [], [], []
    try:
        cmd = qemu.qemu_command(sysgen.build(SYSTEM), memory=MEMORY)
    except Exception as e:                       # sysgen.GenError, system.DescError
        res.add(False, "build", str(e).splitlines()[0])
        return res
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="persist-") as d:
        t0 = time.monotonic()
        chain = Chain("resume", d, cmd)
        results = scenario_chain(chain, rng, texts)
        timings.append(("fresh+resume+second_resume", time.monotonic() - t0))
        for name, p, b, what in results:
            log.append(f"{name}: {what}; {b.label} {b.ended}, {b.wall:.2f} s")
            if p:
                texts.append(b.text())
            res.add(not p, name, failing(p, b))

        bad, text = tool_problems(chain)
        log.append("ckpt_tool: " + text.strip().replace("\n", "\n  "))
        res.add(not bad, "ckpt_tool", "; ".join(bad))

        t0 = time.monotonic()
        crash = Chain("crash", d, cmd)
        problems, summary = scenario_crash(crash, rng, boots, texts)
        timings.append(("crash_injection", time.monotonic() - t0))
        log.append(f"crash_injection: {summary}")
        res.add(not problems, f"crash_injection ({summary})", "; ".join(problems))

        def scenario(name, run):
            t0 = time.monotonic()
            problems, what, b = run()
            timings.append((name, time.monotonic() - t0))
            log.append(f"{name}: {what}")
            if problems:
                texts.append(b.text())
            res.add(not problems, name, "; ".join(problems))

        corrupt = Chain("corrupt", d, cmd)
        scenario("corrupted_block", lambda: scenario_corrupt(corrupt, rng, texts))
        scenario("bad_link", lambda: scenario_bad_link(d))
        scenario("example", lambda: scenario_example(d))

        bad, what = scenario_physical([chain, crash, corrupt])
        log.append(f"no_physical_address: {what}")
        res.add(not bad, "no_physical_address", "; ".join(bad[:5]))
    log.append("timings: " + ", ".join(f"{n} {t:.1f} s" for n, t in timings) + f" (seed {seed:#x})")
    res.log = "\n".join(log) + "\n" + "".join(texts)
    if verbose:
        print(res.log)
    return res


def run_tests():
    """tools/test.py's "persistence" check."""
    return run()


def run_cores_tests(seed=SEED, verbose=False):
    """tools/test.py's "persistence_cores" check: two emulated cores, so run alone (after
    the other tests, as the multicore QEMU tests are: on a loaded host their TLB
    shootdowns and kicks wait for the host's scheduler)."""
    import test                                  # (test.py imports this module)
    res = test.Result("persistence_cores")
    with tempfile.TemporaryDirectory(prefix="persist-") as d:
        t0 = time.monotonic()
        problems, what, b = scenario_cores(d, random.Random(seed))
        res.add(not problems, "two_cores", "; ".join(problems))
        res.log = f"two_cores: {what} ({time.monotonic() - t0:.1f} s)\n" + (b.text() if problems and b else "")
    if verbose:
        print(res.log)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--soak", action="store_true", help=f"{SOAK_BOOTS} crash boots, not {CRASH_BOOTS}")
    ap.add_argument("--boots", type=int, help="crash boots")
    ap.add_argument("--seed", type=lambda s: int(s, 0), default=SEED)
    ap.add_argument("-v", action="store_true", help="print the log even if all passes")
    ap.add_argument("--cores", action="store_true", help="the two-core scenario too")
    args = ap.parse_args()
    import test
    res = [run(args.boots or (SOAK_BOOTS if args.soak else CRASH_BOOTS), args.seed, args.v)]
    res += [run_cores_tests(args.seed, args.v)] if args.cores else []
    passed, failed = test.report(res)
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
