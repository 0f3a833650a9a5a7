#!/usr/bin/env python3
"""ckpt.py: a checkpoint disk read on the host (docs/persistence.md, "Looking at a
disk"): the store as lib/libckpt/ckpt.c lays it out (cairn/ckpt.h), checked block by
block as ckpt_open checks it, and the persistent components' records as the booter
writes them (cairn/persist.h). tools/persist_test.py reads its disks through it.

    ckpt.py DISK [--system FILE] [--all]
                            the store's areas, the checkpoint a boot would resume,
                            and for each persistent component of it: its thread (where
                            it was: a backtrace read from its own stack pages), its
                            pages by range, and its copies. With --system (the
                            description the disk was written by), components are named
                            and their code looked up in build/user/<image>.elf (make
                            first); --all lists every page.
    ckpt.py FILE.toml [--all]   the same of `make run`'s disk for that description
                            (build/run-disk-<system>.img); `make ckpt SYSTEM=<name>`

Exit status: 0 if a boot would resume a checkpoint, 1 if not (no store, none whole,
or the newest whole one not what the checkpointer takes), 2 on a usage error. A boot also checks that the description is the one the
checkpoint was written by (its hash, computed by the booter from the built system);
this tool cannot, and says so.
"""
import argparse
import os
import struct
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import limits  # noqa: E402

BLOCK = 4096
HEADER = struct.Struct("<8sIIQI")           # magic, version, block, area_blocks, crc
COMMIT = struct.Struct("<8sIIQQQIIII")      # magic, version, entries, gen, desc_hash, tag, dir_start,
                                            # dir_blocks, dir_crc, crc
ENTRY = struct.Struct("<HHIQIIQ")           # kind, comp, len, key, block, crc, aux
PAGE_KIND, THREAD_KIND, LINK_KIND = 1, 2, 3     # enum persist_kind
LINK = struct.Struct("<HHIQ")               # a link record's bytes (cairn/persist.h): what, from, 0, from_key
LINK_CAP, LINK_PAGE = 1, 2
HEAP_VA = limits.get("CAIRN_HEAP_VA")
HEAP_MAX = limits.get("CAIRN_HEAP_MAX")
STACK_TOP = limits.get("CAIRN_STACK_TOP")
STACK_FLOOR = limits.get("CAIRN_RTOS_AREA_BASE")     # the region below the first stack's
CAPMGR_VA = limits.get("CAIRN_CAPMGR_VA")
IMAGE_TOP = limits.get("CAIRN_IMAGE_TOP")
REG_RIP, REG_RSP = limits.get("CAIRN_REG_RIP"), limits.get("CAIRN_REG_RSP")
REG_END = limits.get("CAIRN_REG_END")       # words of a thread record (PERSIST_REGS)
DIR_CAP = limits.get("PERSIST_DIR_CAP")     # the checkpointer's directory: more entries do not check
ROOM = limits.get("PERSIST_ROOM")           # records a checkpoint may have to fit
REC_LEN = {PAGE_KIND: BLOCK, THREAD_KIND: REG_END * 8, LINK_KIND: LINK.size}   # the checkpointer's rec_len


def crc32(data, crc=0):
    return zlib.crc32(data, crc) & 0xffffffff


class Area:
    """One area of the store: state "empty", "damaged" (its commit record), "bad" (a whole
    commit record over blocks that do not check) or "whole"."""

    def __init__(self, index, state, m=None, entries=(), digest=None, why=""):
        self.index, self.state, self.entries, self.digest, self.why = index, state, list(entries), digest, why
        self.gen = m[3] if m else 0
        self.desc_hash = m[4] if m else 0
        self.tag = m[5] if m else 0
        self.dir_start = m[6] if m else 0
        self.dir_blocks = m[7] if m else 0


class Store:
    """The store on a disk image: area_blocks (0: no header), the two areas, and what
    ckpt_open would take: newest (the area), previous (whether it says CKPT_PREVIOUS),
    bad_gen, last_gen."""

    def __init__(self, path):
        with open(path, "rb") as f:
            self.disk = f.read()
        self.blocks = len(self.disk) // BLOCK
        self.area_blocks, self.areas = 0, []
        self.newest, self.previous, self.bad_gen, self.last_gen = None, False, 0, 0
        if len(self.disk) < HEADER.size:
            return
        h = HEADER.unpack_from(self.disk, 0)
        if h[0] != b"CAIRNCKP" or h[1] != 1 or h[2] != BLOCK or h[4] != crc32(self.disk[:HEADER.size - 4]) or \
                not 3 <= h[3] <= (self.blocks - 1) // 2:
            return
        self.area_blocks = h[3]
        self.areas = [self.read_area(a) for a in range(2)]
        whole = [a for a in self.areas if a.state in ("whole", "bad")]
        self.last_gen = max((a.gen for a in whole), default=0)
        for a in sorted(whole, key=lambda a: -a.gen):
            if a.state == "whole":
                other = self.areas[1 - a.index]
                self.newest = a
                self.previous = bool(self.bad_gen) or other.state == "damaged"
                return
            self.bad_gen = self.bad_gen or a.gen

    def block(self, a, b):
        at = 1 + a * self.area_blocks + b
        return self.disk[at * BLOCK:(at + 1) * BLOCK]

    def read_area(self, a):
        raw = self.block(a, 0)
        if not any(raw):
            return Area(a, "empty")
        m = COMMIT.unpack_from(raw, 0)
        if m[0] != b"CKCOMMIT" or m[1] != 1 or m[3] == 0 or m[9] != crc32(raw[:COMMIT.size - 4]) or \
                m[7] != (m[2] * ENTRY.size + BLOCK - 1) // BLOCK or m[6] < 1 or m[6] + m[7] > self.area_blocks:
            return Area(a, "damaged", why="its commit record does not check")
        if m[2] > DIR_CAP:      # (ckpt_open's dir_cap: verify says it does not check)
            return Area(a, "bad", m, why=f"its directory has {m[2]} entries, more than the checkpointer's {DIR_CAP}")
        dirbytes = b"".join(self.block(a, m[6] + i) for i in range(m[7]))
        entries = [ENTRY.unpack_from(dirbytes, i * ENTRY.size) for i in range(m[2])]
        if crc32(dirbytes) != m[8]:
            return Area(a, "bad", m, entries, why="its directory's CRC fails")
        digest = 0
        for i, (kind, comp, n, key, first, crc, _aux) in enumerate(entries):
            if not (1 <= kind <= 4 and 1 <= n <= 64 * BLOCK and first >= 1 and
                    first + (n + BLOCK - 1) // BLOCK <= m[6]):
                return Area(a, "bad", m, entries, why=f"entry {i} is out of bounds")
            data = self.record(a, first, n)
            if crc32(data) != crc:
                return Area(a, "bad", m, entries, why=f"record {i} (block {first}) fails its CRC")
            digest = crc32(data, crc32(struct.pack("<QQ", kind << 16 | comp, key), digest))
        return Area(a, "whole", m, entries, digest)

    def record(self, a, first, n):
        """The n bytes of area a's record whose first block is first."""
        return b"".join(self.block(a, first + k) for k in range((n + BLOCK - 1) // BLOCK))[:n]

    def describe(self):
        if not self.area_blocks:
            return "no store"
        parts = [f"area {a.index}: {a.state}" + (f" (checkpoint {a.tag}, generation {a.gen}, digest {a.digest:08x})"
                                                  if a.state == "whole" else f" ({a.why})" if a.why else "")
                 for a in self.areas]
        return "; ".join(parts)


# ---- a checkpoint's components ----

class Component:
    """What a checkpoint holds of one persistent component: threads {index: regs},
    pages {va: bytes}, links [(key, what, from, from_key)] in their order, and odd
    [(kind, key, length)]: records whose kind or length no booter writes (the disk
    checks, but is not Cairn's: the checkpointer would refuse it)."""

    def __init__(self, number):
        self.number, self.threads, self.pages, self.links, self.odd = number, {}, {}, [], []

    def word(self, va):
        """The 8-byte word at va from its pages, or None (not in the checkpoint)."""
        page = self.pages.get(va & ~(BLOCK - 1))
        return struct.unpack_from("<Q", page, va % BLOCK)[0] if page is not None and va % 8 == 0 else None


def links(store, area):
    """A whole area's link records, in order: (component, key, what, from, from_key) each,
    from_key None for one no booter writes (its length, or its reserved word)."""
    out = []
    for kind, comp, n, key, first, _crc, _aux in area.entries:
        if kind == LINK_KIND:
            what, frm, zero, from_key = LINK.unpack_from(store.record(area.index, first, n) + bytes(LINK.size))
            out.append((comp, key, what, frm, from_key if zero == 0 and n == LINK.size else None))
    return out


def components(store, area):
    """{number: Component} of a whole area's records."""
    out = {}
    for kind, comp, n, key, first, _crc, _aux in area.entries:
        c = out.setdefault(comp, Component(comp))
        if kind == PAGE_KIND and n == BLOCK and key % BLOCK == 0:
            c.pages[key] = store.record(area.index, first, n)
        elif kind == THREAD_KIND and n == REG_END * 8:
            c.threads[key] = struct.unpack_from(f"<{REG_END}Q", store.record(area.index, first, n))
        elif kind != LINK_KIND:
            c.odd.append((kind, key, n))
    for comp, key, what, frm, from_key in links(store, area):
        if from_key is None:
            out[comp].odd.append((LINK_KIND, key, LINK.size))
        else:
            out[comp].links.append((key, what, frm, from_key))
    return out


def unfit(area):
    """Why the checkpointer would not take a whole area's checkpoint (stage_checkpoint),
    or None. (The booter then checks every record against the description: each
    persistent component's pages and thread once; this tool does not.)"""
    if len(area.entries) > ROOM:
        return f"it has {len(area.entries)} records, more than PERSIST_ROOM ({ROOM})"
    for i, (kind, _comp, n, *_rest) in enumerate(area.entries):
        if REC_LEN.get(kind) != n:
            return f"its record {i} is of kind {kind} and {n} bytes: no booter writes it"
    return None


def region(va):
    """What part of a component's space va is in (cairn/layout.h)."""
    if va < IMAGE_TOP:
        return "image"
    if HEAP_VA <= va < HEAP_VA + HEAP_MAX:
        return "heap"
    if CAPMGR_VA <= va < CAPMGR_VA + limits.BUDGET_MAX:
        return "manager"
    if STACK_FLOOR <= va < STACK_TOP:
        return "stack"
    return "other"


def runs(vas):
    """Sorted page addresses as [(first, end)] runs of consecutive pages."""
    out = []
    for va in sorted(vas):
        if out and out[-1][1] == va:
            out[-1][1] = va + BLOCK
        else:
            out.append([va, va + BLOCK])
    return [tuple(r) for r in out]


def stack_words(c, sp, most=512):
    """The words of c's stack from sp up, as far as its checkpointed pages go."""
    out = []
    while len(out) < most and sp < STACK_TOP:
        w = c.word(sp)
        if w is None:
            break
        out.append(w)
        sp += 8
    return out


def backtrace(elf, regs, c):
    """Lines of where thread regs was, in elf: tools/crash.py's frames over its stack."""
    import crash
    try:
        frames = crash.frames(elf, regs[REG_RIP], stack_words(c, regs[REG_RSP]))
    except (OSError, RuntimeError, ValueError) as e:
        return [f"      (no backtrace: {e})"]
    return [f"      {addr:#x} {fn} {loc}" + (f" [{mark}]" if mark else "") for addr, fn, loc, mark in frames]


def show(path, system_path=None, every=False, out=None):
    """Prints what DISK holds (on out, or standard output); True if a boot would resume
    a checkpoint."""
    out = out or sys.stdout
    store = Store(path)
    if not store.area_blocks:
        print(f"{path}: no store (a boot formats one and starts fresh)", file=out)
        return False
    print(f"{path}: a store of 2 areas of {store.area_blocks} blocks", file=out)
    for a in store.areas:
        what = f"checkpoint {a.tag}, generation {a.gen}: " if a.gen else ""
        detail = f" ({len(a.entries)} records, digest {a.digest:08x})" if a.state == "whole" else \
            f" ({a.why})" if a.why else ""
        print(f"  area {a.index}: {what}{a.state}{detail}", file=out)
    a = store.newest
    if a is None:
        print("a boot resumes nothing: no checkpoint is whole (it starts fresh)", file=out)
        return False
    damaged = f" (the newest, generation {store.bad_gen}, is damaged: a boot says so)" if store.previous else ""
    why = unfit(a)
    if why:
        print(f"a boot starts fresh: checkpoint {a.tag} (area {a.index}){damaged} cannot be read: {why}", file=out)
    else:
        print(f"a boot resumes checkpoint {a.tag} (area {a.index}){damaged}, if its description is the one "
              f"this was written by (hash {a.desc_hash:#018x}: the booter checks it)", file=out)
    names, images = names_of(system_path)
    if images:
        print("(code looked up in the current build: rebuilt since this checkpoint, a boot would start fresh)", file=out)
    comps = components(store, a)
    for n in sorted(comps):
        print_component(comps[n], names, images, every, out)
    return not why


def names_of(system_path):
    """({number: name}, {number: ELF path}) of a description's components, or empty."""
    if not system_path:
        return {}, {}
    import system
    try:
        data, _ = system.load(system_path)
    except system.DescError as e:
        raise OSError(f"{system_path}: {str(e).splitlines()[0]}")
    names, images = {}, {}
    for i, c in enumerate(data["component"]):
        names[i] = c["name"]
        elf = os.path.join(limits.ROOT, "build", "user", c.get("image", c["name"]) + ".elf")
        if os.path.exists(elf):
            images[i] = elf
    return names, images


def print_component(c, names, images, every, out):
    name = lambda n: f"component {n}" + (f" '{names[n]}'" if n in names else "")  # noqa: E731
    print(f"{name(c.number)}:", file=out)
    for t in sorted(c.threads):
        regs = c.threads[t]
        print(f"  thread {t}: rip {regs[REG_RIP]:#x}, rsp {regs[REG_RSP]:#x}", file=out)
        if c.number in images:
            for line in backtrace(images[c.number], regs, c):
                print(line, file=out)
    print(f"  {len(c.pages)} pages:", file=out)
    for lo, hi in runs(c.pages):
        print(f"    {lo:#x}..{hi:#x} {region(lo)} ({(hi - lo) // BLOCK})", file=out)
        if every:
            for va in range(lo, hi, BLOCK):
                print(f"      {va:#x} crc {crc32(c.pages[va]):08x}", file=out)
    for kind, key, n in c.odd:
        print(f"  a record no booter writes: kind {kind}, key {key:#x}, {n} bytes", file=out)
    for key, what, frm, from_key in c.links:
        kind = {LINK_CAP: "slot", LINK_PAGE: "page"}.get(what, f"what {what}")
        at = lambda k: f"{k}" if what == LINK_CAP else f"{k:#x}"  # noqa: E731
        print(f"  copy: {kind} {at(key)}, from {kind} {at(from_key)} of {name(frm)}", file=out)


def run_disk(system_path):
    """`make run`'s disk for the description at system_path (tools/qemu.py)."""
    import qemu
    import system
    try:
        data, _ = system.load(system_path)
    except system.DescError as e:
        raise OSError(f"{system_path}: {str(e).splitlines()[0]}")
    path = qemu.run_disk_path(data["system"]["name"])
    if not os.path.exists(path):
        raise OSError(f"{path}: no such disk (`make run` of {system_path} makes it)")
    return path


def main(argv=None):
    ap = argparse.ArgumentParser(description="A checkpoint disk read on the host (docs/persistence.md).")
    ap.add_argument("disk", help="a disk image, or a description: `make run`'s disk for it")
    ap.add_argument("--system", help="the description the disk was written by: names and code")
    ap.add_argument("--all", action="store_true", help="every page, with its CRC")
    args = ap.parse_args(argv)
    try:
        disk, system_path = args.disk, args.system
        if disk.endswith(".toml"):
            disk, system_path = run_disk(disk), disk
        return 0 if show(disk, system_path, args.all) else 1
    except OSError as e:
        print(f"ckpt.py: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
