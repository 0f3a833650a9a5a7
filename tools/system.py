#!/usr/bin/env python3
"""system.py: reads and checks a Cairn system description (docs/systems.md).

    system.py check systems/<name>.toml         validate; errors one per line

Values come from Python's own TOML parser (tomllib); tools/tomlfile.py finds the
line of each table and key. Every error is one line:

    <file>:<line>: <kind> '<name>': <what is wrong>

and validation finishes before anything is generated. The limits (how many imports,
ports, components, ..., how long a name) are the C headers' (tools/limits.py), so a
description the checker accepts is one the booter builds whole. Each table's fields,
with their bounds, defaults and errors, are tools/schema.py's. A subsystem's own
description is checked with its parent's.
"""
import functools
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interface  # noqa: E402
import limits  # noqa: E402
import schema  # noqa: E402
import tomlfile  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAME = re.compile(r"^[a-z][a-z0-9_]{0,30}$")
PAGE = 4096
TAPE_NAMES = ("component", "port", "segment", "region")   # names a red tape holds (CAIRN_NAME_MAX)
Locator = tomlfile.Locator
ordinal = tomlfile.ordinal

MANAGER = "manager"               # the capability manager the booter serves (lib/libboot/manager.c)
TIMER = "timer"                   # the timed wake-up the booter serves (lib/libboot/timer.c)
STATUS = "status"                 # the read-only view of the system it serves (lib/libboot/status.c)
CONTROL = "control"               # the restarts it serves on request (lib/libboot/control.c)
PERSIST = "persist"               # the persistent components' state (lib/libboot/persist.c)
WAIT = "wait"                     # a server's wait on its client's thread (lib/libboot/wait.c)
BOOTER_IFACES = (MANAGER, TIMER, STATUS, CONTROL, PERSIST, WAIT)  # interfaces the booter serves itself


# An application outside the tree (make run SYSTEM=path/to/app.toml; docs/systems.md):
# make exports its directory, whose components/, programs/ and interfaces/ are searched
# after the tree's.
APP = os.environ.get("CAIRN_APP") or None
IMAGE_DIRS = ("components", "tests/components", "bench/components") + \
    ((os.path.join(APP, "components"),) if APP else ())                # where a component's program may live
PROGRAM_DIRS = ("examples", "tests/rtos", "bench/rtos") + \
    ((os.path.join(APP, "programs"),) if APP else ())                  # where an RTOS program may live
IFACE_DIRS = ("interfaces", "tests/qemu/interfaces") + \
    ((os.path.join(APP, "interfaces"),) if APP else ())                # where an interface may be declared
ROMFS_MODULE = "rtos.romfs"                                            # the RTOS's file system (sysgen.py)


class DescError(Exception):
    pass


def image_dir(image, dirs=IMAGE_DIRS):
    """The source directory of a component program (or RTOS program), or None."""
    for d in dirs:
        path = os.path.join(d, image)
        if isinstance(image, str) and image and os.path.isdir(os.path.join(ROOT, path)):
            return path
    return None


class Desc:
    """A parsed description: the tables, and where each came from."""

    def __init__(self, path):
        self.path = path
        try:
            self.data, self.loc = tomlfile.load(path, "description")
        except ValueError as e:
            raise DescError(str(e))
        self.errors = []

    def tables(self, kind):
        t = self.data.get(kind, [])
        if not isinstance(t, list):
            self.error(kind, 0, None, f"must be an array of tables: write [[{kind}]]")
            return []
        return t

    def error(self, kind, index, key, msg, name=None):
        where = f"{self.path}:{self.loc.line(kind, index, key)}"
        who = f"{kind} '{name}'" if name else kind
        self.errors.append(f"{where}: {who}: {msg}")


def names(d, kind):
    """Checks the names of one kind: present, well-formed, unique. -> {name: index}"""
    seen = {}
    for i, t in enumerate(d.tables(kind)):
        n = t.get("name")
        if not isinstance(n, str) or not NAME.match(n):
            d.error(kind, i, "name", "needs a name: lowercase letters, digits and _, "
                    "starting with a letter" if n is None else f"bad name {n!r}: lowercase "
                    "letters, digits and _, starting with a letter")
            continue
        if n in seen:
            first = d.loc.line(kind, seen[n], "name")
            d.error(kind, i, "name", f"duplicate name (first at line {first})", n)
            continue
        if kind in TAPE_NAMES and len(n) > limits.NAME_LEN:
            d.error(kind, i, "name", f"name is {len(n)} characters, at most {limits.NAME_LEN} "
                    "(the red tape's CAIRN_NAME_MAX)", n)
        seen[n] = i
    return seen


def string_list(d, kind, i, t, key, name):
    """The list of names t[key] (each once), or [] after an error."""
    v = t.get(key, [])
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        d.error(kind, i, key, f"'{key}' must be a list of names", name)
        return []
    twice = next((x for k, x in enumerate(v) if x in v[:k]), None)
    if twice is not None:
        d.error(kind, i, key, f"'{key}' names '{twice}' twice", name)
        return []
    return v


def listed(t, key):
    """Table t's field key if it is a list (string_list checks it and says why not), else []."""
    v = t.get(key)
    return v if isinstance(v, list) else []


def page_up(n):
    return (n + PAGE - 1) & ~(PAGE - 1)


def check_system(d):
    s = d.data.get("system")
    if not isinstance(s, dict):
        d.errors.append(f"{d.path}:1: system: no [system] table (it needs at least a name)")
        return schema.size_of("system", {}, "memory")
    schema.check_keys(d, "system", 0, s, None)
    if not isinstance(s.get("name"), str) or not NAME.match(s.get("name", "")):
        d.error("system", 0, "name", "needs a name: lowercase letters, digits and _")
    mem = schema.check(d, "system", 0, s, "memory")
    schema.check(d, "system", 0, s, "cores")
    return mem or schema.size_of("system", {}, "memory")


def interface_path(name):
    """Where interface name is declared (interfaces/, or tests/qemu/interfaces/ for tests), or None."""
    for d in IFACE_DIRS:
        path = os.path.join(ROOT, d, name + ".toml")
        if os.path.isfile(path):
            return os.path.relpath(path)
    return None


def interfaces_known():
    return {f[:-5] for d in IFACE_DIRS if os.path.isdir(os.path.join(ROOT, d))
            for f in os.listdir(os.path.join(ROOT, d)) if f.endswith(".toml")}


@functools.lru_cache(maxsize=None)
def interface_of(name):
    """(name, functions) of a declared interface (tools/interface.py), or IfaceError."""
    return interface.load(interface_path(name))


def system_cores(data):
    """A description's cores (1 when absent or wrong: check_system reports that)."""
    s = data.get("system")
    return schema.value("system", s if isinstance(s, dict) else {}, "cores") or 1


def check_cpu(d, kind, i, t, name):
    """A time budget (docs/time.md): cpu_budget and cpu_period both or neither, the
    budget no longer than the period."""
    if "cpu_budget" not in t and "cpu_period" not in t:
        return
    budget = schema.check(d, kind, i, t, "cpu_budget", name) if "cpu_budget" in t else None
    period = schema.check(d, kind, i, t, "cpu_period", name) if "cpu_period" in t else None
    if "cpu_budget" not in t or "cpu_period" not in t:
        has, lacks = ("cpu_budget", "cpu_period") if "cpu_budget" in t else ("cpu_period", "cpu_budget")
        d.error(kind, i, has, f"{has} needs {lacks} (a budget of time per period)", name)
    elif budget and period and budget > period:
        d.error(kind, i, "cpu_budget", "cpu_budget is longer than cpu_period", name)


def check_component(d, i, c, segs, known_ifaces, irq_owner):
    """Fields of one component; returns its memory need in bytes."""
    n = c.get("name")
    schema.check_keys(d, "component", i, c, n)
    image = c.get("image", n)
    if not isinstance(image, str) or not image_dir(image):
        d.error("component", i, "image" if "image" in c else "name",
                f"no program {image}/ in {', '.join(IMAGE_DIRS)}", n)
    schema.check(d, "component", i, c, "priority", n)
    threads = schema.check(d, "component", i, c, "threads", n) or 1
    need = (schema.check(d, "component", i, c, "stack", n) or 0) * threads
    need += schema.check(d, "component", i, c, "heap", n) or 0
    for key in ("exports", "imports"):
        for x in string_list(d, "component", i, c, key, n):
            if x not in known_ifaces:
                d.error("component", i, key, f"{key} unknown interface '{x}' (no interfaces/{x}.toml)", n)
    check_counts(d, i, c, n)
    for x in string_list(d, "component", i, c, "segments", n):
        if x not in segs:
            d.error("component", i, "segments", f"uses unknown segment '{x}'", n)
    schema.check(d, "component", i, c, "restart", n)
    check_persistent(d, i, c, n)
    check_cpu(d, "component", i, c, n)
    schema.check(d, "component", i, c, "dma", n)
    check_args(d, i, c, n)
    cores = system_cores(d.data)
    schema.check(d, "component", i, c, "core", n, hi=cores - 1, cores=cores)
    budget = schema.check(d, "component", i, c, "budget", n)
    if budget and MANAGER not in listed(c, "imports"):
        d.error("component", i, "budget", f"has a budget but does not import '{MANAGER}' (nothing "
                "could allocate it)", n)
    elif budget:
        need += budget
    irqs = c.get("irq", [])
    if not isinstance(irqs, list):
        irqs = [irqs]
    for line in irqs:
        if not schema.is_int(line, 1, limits.IRQ_ISA_END - 1) or line == 2:
            d.error("component", i, "irq", f"irq {line!r}: lines are 1..{limits.IRQ_ISA_END - 1} but 2", n)
        elif line in irq_owner:
            d.error("component", i, "irq", f"irq {line} is claimed by '{irq_owner[line]}' too", n)
        else:
            irq_owner[line] = n
    return need


def check_persistent(d, i, c, n):
    """`persistent = true` (docs/persistence.md): the component's memory and its thread
    (its one: CAIRN_SD_THREADS) are kept in checkpoints. Its state must change only on
    that thread, which the booter can stop and read (clients reach it through ports, not
    gates), and must be what the booter can give back (no restart; of the manager, pages,
    and copies from persistent components only: lib/libboot/manager.c)."""
    if not schema.check(d, "component", i, c, "persistent", n):
        return
    imports = listed(c, "imports")
    for key, bad, why in (("exports", bool(c.get("exports")), "no exports (another's thread in it "
                           "could not be stopped: serve through ports)"),
                          ("restart", c.get("restart") is True, "no restart (a checkpoint is its restart)"),
                          ("cpu_budget", "cpu_budget" in c, "no cpu_budget (a refill while it is stopped "
                           "for a checkpoint would let it run)"),
                          (next((k for k in ("devices", "irq", "ioports") if k in c), "devices"),
                           any(k in c for k in ("devices", "irq", "ioports")),
                           "no devices, irq or ioports (a device's state is not in its checkpoints)"),
                          ("imports", PERSIST in imports,
                           f"no '{PERSIST}' import (what it would take is not in its checkpoints)")):
        if bad:
            d.error("component", i, key, f"is persistent: it must have {why}", n)


def priority_of(t, kind="component"):
    """Table t's priority, or the default if it has none or a wrong one (check_component
    names a wrong one)."""
    p = schema.value(kind, t, "priority")
    return schema.FIELDS[kind]["priority"].default if p is None else p


def callers(comps, served, server):
    """The components but `server` whose threads can call an interface in `served`: its
    importers, and the importers of what they export, and so on (a call runs on its
    caller's thread, at its caller's priority). Conservative: an export counts as calling
    whatever its exporter imports. -> {name: (the interface of served it reaches, the
    component it calls it through, None for none)}: a direct import if it has one, else
    the exporter of what it imports, found nearest."""
    reach = {x: (x, None) for x in served}      # interface: (the served one, its exporter if not served)
    found, grew = {}, True
    while grew:
        grew = False
        for c in comps:
            imports = listed(c, "imports")
            ways = sorted((reach[x] for x in imports if x in reach), key=lambda w: w[1] is not None)
            if not ways or c is server or c.get("name") in found:
                continue
            found[c.get("name")] = ways[0]
            exports = listed(c, "exports")
            for x in exports:
                reach.setdefault(x, (ways[0][0], c.get("name")))
            grew = True
    return found


def check_persist_importer(d, depth):
    """One checkpointer at most; and one if anything is persistent (it starts them). Only
    the root booter serves it; a subsystem's parent is not persistent. A persistent
    component calls nothing the checkpointer exports, itself or through others; and
    unless the checkpointer imports 'wait' (its callers then wait blocked: but for a
    subsystem's parent, whose thread schedules; a thread a component makes itself
    yields too, which no description shows), no caller waits, yielding, above the
    checkpointer or a persistent component of its core."""
    importers = [(i, c.get("name")) for i, c in enumerate(d.tables("component"))
                 if PERSIST in listed(c, "imports")]
    if depth and importers:
        d.error("component", importers[0][0], "imports", f"imports '{PERSIST}': only the root "
                "system's booter serves it", importers[0][1])
    parents = {s.get("parent") for s in d.tables("subsystem")}
    comps = d.tables("component")
    cp = comps[importers[0][0]] if importers else {}
    served = cp.get("exports")
    served = set(served) if isinstance(served, list) else set()
    reaching = callers(comps, sorted(served), cp)
    persistent = [c for c in comps if c.get("persistent") is True]
    cp_imports = listed(cp, "imports")
    blocks = WAIT in cp_imports     # its callers wait blocked, not yielding: they starve nothing,
                                    # but for a thread the booter did not make, or a scheduler's
    for i, c in enumerate(comps):
        name = c.get("name")
        if c.get("persistent") is True and name in parents:
            d.error("component", i, "persistent", "is persistent and a subsystem's parent: its "
                    "subsystem would not be in its checkpoints", name)
            continue
        if name not in reaching:
            continue
        iface, via = reaching[name]
        how = f"imports '{iface}' from its checkpointer '{importers[0][1]}'" if via is None else \
            f"calls '{iface}' of its checkpointer '{importers[0][1]}' through '{via}'"
        below = [p for p in persistent if p.get("core", 0) == c.get("core", 0) and priority_of(p) < priority_of(c)]
        if c.get("persistent") is True:
            d.error("component", i, "imports", f"is persistent and {how}: a capture waits for its thread to "
                    "leave the call, which waits for the capture", name)
        elif blocks and name not in parents:
            continue
        elif c.get("core", 0) == cp.get("core", 0) and priority_of(c) > priority_of(cp):
            d.error("component", i, "priority", f"{how} on its core at a higher priority: its call waits, "
                    "yielding, for the checkpointer's thread, which would never run", name)
        elif below:
            d.error("component", i, "priority", f"{how} at a priority above persistent component "
                    f"'{below[0].get('name')}' of its core: its call waits, yielding, for a capture, which "
                    f"waits for '{below[0].get('name')}' to leave any call it is in, and it would never run",
                    name)
    if importers and (isinstance(d.data.get("rtos"), dict) or "timer" not in cp_imports):
        check_polling_checkpointer(d, importers[0], cp)
    for i, n in importers[1:]:
        d.error("component", i, "imports", f"imports '{PERSIST}', which '{importers[0][1]}' imports "
                "too (one checkpointer keeps the persistent components)", n)
    for i, c in enumerate(d.tables("component")):
        if c.get("persistent") is True and not importers:
            d.error("component", i, "persistent", f"is persistent, but no component imports "
                    f"'{PERSIST}' (nothing would start it)", c.get("name"))


def check_polling_checkpointer(d, importer, cp):
    """With an RTOS, which takes every core's timer, the booter has no timer to serve,
    and a checkpointer that does not import it has none either: it looks at the clock
    between yields (components/checkpointer), so above another component of its core it
    would never let it run."""
    core = cp.get("core", 0)
    others = [(c.get("name"), priority_of(c)) for c in d.tables("component")
              if c is not cp and c.get("core", 0) == core and c.get("name") != "rtos"]
    if core == 0 and isinstance(d.data.get("rtos"), dict):
        others.append(("rtos", priority_of(d.data["rtos"], "rtos")))
    below = [(n, p) for n, p in others if p < priority_of(cp)]
    why = "in a system with an RTOS, which takes the timers" if isinstance(d.data.get("rtos"), dict) else \
        "without importing 'timer'"
    if below:
        d.error("component", importer[0], "priority", f"imports '{PERSIST}' {why}: between checkpoints "
                f"it looks at the clock, yielding, so at priority {priority_of(cp)} it would never let "
                f"'{below[0][0]}' (priority {below[0][1]}) run: give it none above the other components "
                "of its core", importer[1])


ARGS_CHARS = re.compile(r"[\x20-\x7e]*")      # printable ASCII and spaces (fullmatch)


def check_args(d, i, c, n):
    """`args`: the words the booter copies into the component's red tape (cairn_root.args,
    read with cairn_arg): printable ASCII words separated by spaces, each "key=value" or a
    bare "key", up to the field's length with its NUL."""
    if "args" not in c:
        return
    v = c["args"]
    if not isinstance(v, str):
        d.error("component", i, "args", f'args must be a string of words like "key=value", not {v!r}', n)
    elif len(v) > limits.ARGS_LEN:
        d.error("component", i, "args", f"args is {len(v)} characters, at most {limits.ARGS_LEN} "
                "(the red tape's CAIRN_MODULE_ARGS_MAX)", n)
    elif not ARGS_CHARS.fullmatch(v):
        bad = next(ch for ch in v if not ARGS_CHARS.fullmatch(ch))
        d.error("component", i, "args", f"args holds {bad!r} at character {v.index(bad) + 1}: only printable "
                "ASCII words separated by spaces", n)
    elif any(w.startswith("=") for w in v.split()):
        d.error("component", i, "args", f"args word {next(w for w in v.split() if w.startswith('='))!r} "
                'has no key: write "key=value" or "key"', n)


IOPORT_END = limits.get("CAIRN_IOPORT_END")          # ports are 0 .. IOPORT_END - 1
IOPORTS_MAX = limits.get("CAIRN_ROOT_IOPORTS")      # ranges one component may hold


def ioport_ranges(c):
    """A component's `ioports` as [(first, last)] (inclusive), [] if it has none."""
    return [(e, e) if isinstance(e, int) else tuple(e) for e in c.get("ioports", [])]


def port_text(e):
    """An `ioports` entry as written, numbers in hex."""
    if isinstance(e, list):
        return "[" + ", ".join(port_text(x) for x in e) + "]"
    return hex(e) if schema.is_int(e) else repr(e)


def check_ioports(d):
    """`ioports`: the I/O ports a component drives, each a port or a [first, last] range;
    every port claimed by one range of one component (the booter grants exactly these)."""
    claimed = []
    for i, c in enumerate(d.tables("component")):
        n, v = c.get("name"), c.get("ioports", [])
        if not isinstance(v, list):
            d.error("component", i, "ioports", "ioports must be a list of ports and [first, last] ranges", n)
            continue
        if len(v) > IOPORTS_MAX:
            d.error("component", i, "ioports", f"at most {IOPORTS_MAX} ioports ranges, not {len(v)}", n)
        for e in v:
            r = e if isinstance(e, list) else [e, e]
            if len(r) != 2 or not (schema.is_int(r[0], 0) and schema.is_int(r[1], r[0], IOPORT_END - 1)):
                d.error("component", i, "ioports", f"ioports {port_text(e)}: a port or a [first, last] range, "
                        f"0 <= first <= last <= {IOPORT_END - 1:#x}", n)
                continue
            other = next((o for o in claimed if r[0] <= o[1] and o[0] <= r[1]), None)
            if other:
                who = "named twice" if other[2] == n else f"claimed by '{other[2]}' too"
                d.error("component", i, "ioports", f"port {max(r[0], other[0]):#x} is {who}", n)
                continue
            claimed.append((r[0], r[1], n))


DEVICES_MAX = limits.DEVICES      # PCI devices one component may be bound to
VENDOR_DEVICE = re.compile(r"^([0-9a-f]{4}):([0-9a-f]{4})$")    # "1af4:1041"
CLASS = re.compile(r"^([0-9a-f]{2}):([0-9a-f]{2})$")            # "02:00": class, subclass
BUS_ADDRESS = re.compile(r"^([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$")   # "00:03.0"


def device_match(e):
    """A `devices` entry's match as ("id", vendor, device) or ("class", class, subclass);
    None if it is wrong."""
    m = isinstance(e.get("match"), str) and (VENDOR_DEVICE.match(e["match"]) or CLASS.match(e["match"]))
    if not m:
        return None
    return ("id" if m.re is VENDOR_DEVICE else "class", int(m.group(1), 16), int(m.group(2), 16))


def device_at(e):
    """A `devices` entry's bus address as (bus, device, function); None if it has none,
    False if it is wrong."""
    if "at" not in e:
        return None
    m = isinstance(e["at"], str) and BUS_ADDRESS.match(e["at"])
    if not m or int(m.group(2), 16) > 31:
        return False
    return tuple(int(x, 16) for x in m.groups())


def device_text(e):
    return e.get("match", "?") + (f" at {e['at']}" if "at" in e else "")


def check_devices(d):
    """`devices`: the PCI devices a component drives, each { match = "vvvv:dddd" or "cc:ss"
    (class and subclass), at = "bb:dd.f" (optional), msi = false (optional: INTx only) }. The booter binds each entry to the
    first device that matches it and no entry before it took; two entries that could only
    ever name one device (the same `at`, or the same match and neither an `at`) are an
    error here, since a device is bound to one component."""
    seen = []           # (match, at, component) of the entries so far
    for i, c in enumerate(d.tables("component")):
        n, v = c.get("name"), c.get("devices", [])
        if not isinstance(v, list) or not all(isinstance(e, dict) for e in v):
            d.error("component", i, "devices", 'devices must be a list of tables like { match = "1af4:1041" }', n)
            continue
        if len(v) > DEVICES_MAX:
            d.error("component", i, "devices", f"{len(v)} devices, at most {DEVICES_MAX} (the red tape's "
                    "CAIRN_IO_DEVICES)", n)
        for e in v:
            bad = next((k for k in e if k not in schema.FIELDS["device"]), None)
            if bad:
                d.error("component", i, "devices", f"device {device_text(e)}: unknown field '{bad}' "
                        "(a device has match, at and msi)", n)
                continue
            if "msi" in e and not isinstance(e["msi"], bool):
                d.error("component", i, "devices", f"device {device_text(e)}: msi must be true or false", n)
                continue
            match, at = device_match(e), device_at(e)
            if match is None:
                d.error("component", i, "devices", f"device match {e.get('match')!r}: write \"vvvv:dddd\" "
                        "(vendor:device) or \"cc:ss\" (class:subclass), in lowercase hex", n)
                continue
            if at is False:
                d.error("component", i, "devices", f"device {e['match']}: at {e['at']!r}: write a bus "
                        "address \"bb:dd.f\" in lowercase hex (device 00..1f, function 0..7)", n)
                continue
            other = next((o for o in seen if (at and o[1] == at) or (not at and not o[1] and o[0] == match)), None)
            if other:
                who = "named twice" if other[2] == n else f"bound to '{other[2]}' too"
                d.error("component", i, "devices", f"device {device_text(e)} is {who}" +
                        ("" if at else ": give each an `at`"), n)
                continue
            seen.append((match, at, n))


def check_counts(d, i, c, n):
    """What component i's red tape lists: its imports and segments, each up to its limit."""
    for key, most, macro in (("imports", limits.IMPORTS, "CAIRN_ROOT_IMPORTS"),
                             ("segments", limits.SEGMENTS, "CAIRN_ROOT_SEGMENTS")):
        v = c.get(key, [])
        if isinstance(v, list) and len(v) > most:
            d.error("component", i, key, f"{len(v)} {key}, at most {most} (the red tape's {macro})", n)


def check_slots(d):
    """Each component's granted slots (from CAIRN_SD_FIRST_SLOT to its table's first leaf's
    end): a gate per function of each import, then a send per end of a sync port."""
    sends = {}
    for p in d.tables("port"):
        if p.get("mode") == "sync":
            for key in ("from", "to"):
                sends[p.get(key)] = sends.get(p.get(key), 0) + 1
    for i, c in enumerate(d.tables("component")):
        imports = c.get("imports", [])
        gates = sum(interface_functions(d, x) for x in imports if isinstance(x, str)) \
            if isinstance(imports, list) else 0
        need = gates + sends.get(c.get("name"), 0)
        if need > limits.GRANTED_SLOTS:
            first = limits.FIRST_SLOT
            d.error("component", i, "imports", f"needs {need} slots for the gates of its imports and "
                    f"the sends of its sync ports, at most {limits.GRANTED_SLOTS} (slots {first}.."
                    f"{first + limits.GRANTED_SLOTS - 1}: CAIRN_SD_GRANTED_SLOTS)", c.get("name"))


def interface_functions(d, x):
    """The number of functions of an imported interface x; 0 if it is not declared (an
    error already), or, with the declaration's own errors, if it is wrong."""
    if interface_path(x) is None:
        return 0
    try:
        return len(interface_of(x)[1])
    except interface.IfaceError as e:
        for line in str(e).splitlines():
            if line not in d.errors:
                d.errors.append(line)
        return 0


def check_imports(d, outside=()):
    exporters = {x: "(granted)" for x in outside}
    exporters.update({x: "(booter)" for x in BOOTER_IFACES})
    for i, c in enumerate(d.tables("component")):
        for x in c.get("exports", []) if isinstance(c.get("exports", []), list) else []:
            if x in BOOTER_IFACES:
                d.error("component", i, "exports", f"exports '{x}', which the booter serves",
                        c.get("name"))
            elif x in exporters:
                d.error("component", i, "exports", f"exports '{x}', which '{exporters[x]}' "
                        "exports too", c.get("name"))
            exporters.setdefault(x, c.get("name"))
    r = d.data.get("rtos")
    for x in rtos_exports(d, r) if isinstance(r, dict) else []:
        if x in exporters:
            d.error("rtos", 0, "exports", f"exports '{x}', which '{exporters[x]}' exports too")
        exporters.setdefault(x, "rtos")
    for i, c in enumerate(d.tables("component")):
        for x in c.get("imports", []) if isinstance(c.get("imports", []), list) else []:
            if x not in exporters and isinstance(x, str):
                d.error("component", i, "imports", f"imports '{x}', which no component exports",
                        c.get("name"))
    return exporters


def init_order(d, comps, exporters):
    """Servers before their clients, and each 'after' before: a topological order."""
    deps = {}
    for i, c in enumerate(d.tables("component")):
        n = c.get("name")
        if n not in comps:
            continue
        after = [a for a in string_list(d, "component", i, c, "after", n)]
        for a in after:
            if a not in comps:
                d.error("component", i, "after", f"after names unknown component '{a}'", n)
        imports = c.get("imports", []) if isinstance(c.get("imports", []), list) else []
        deps[n] = [exporters[x] for x in imports if exporters.get(x) in comps and exporters[x] != n]
        deps[n] += [a for a in after if a in comps]
    order, state = [], {}

    def visit(n, path):
        if state.get(n) == 2:
            return True
        if state.get(n) == 1:
            cycle = path[path.index(n):] + [n]
            d.error("component", comps[cycle[0]], "imports",
                    "init-dependency cycle: " + " -> ".join(cycle), cycle[0])
            return False
        state[n] = 1
        ok = all(visit(m, path + [n]) for m in deps.get(n, []))
        state[n] = 2
        order.append(n)
        return ok

    for n in comps:
        if not visit(n, []):
            break
    return order


def check_ports(d, comps):
    per_comp = {}       # port ends of each component
    for i, p in enumerate(d.tables("port")):
        n = p.get("name")
        schema.check_keys(d, "port", i, p, n)
        if i == limits.PORTS:
            d.error("port", i, "name", f"the {ordinal(i + 1)} port: a system has at most {limits.PORTS} "
                    "(CAIRN_SD_PORTS)", n)
        ends = []
        for key in ("from", "to"):
            v = p.get(key)
            if v not in comps:
                d.error("port", i, key, f"'{key}' must name a component" + (f", not '{v}'" if v else ""), n)
            else:
                per_comp[v] = per_comp.get(v, 0) + 1
                if per_comp[v] == limits.COMP_PORTS + 1:
                    d.error("port", i, key, f"'{v}' has {per_comp[v]} port ends, at most "
                            f"{limits.COMP_PORTS} (the red tape's CAIRN_ROOT_PORTS)", n)
            ends.append(v)
        if ends[0] is not None and ends[0] == ends[1]:
            d.error("port", i, "to", f"both ends are '{ends[0]}': a port joins two components", n)
        for key in ("mode", "slot_size", "slots"):
            v = schema.check(d, "port", i, p, key, n)
            if key == "slot_size" and "rtos" in ends and isinstance(v, int) and v > limits.RTOS_MSG_BYTES:
                d.error("port", i, key, f"slot_size {v}: a port of the rtos component carries its slots through "
                        f"a process's message page, at most {limits.RTOS_MSG_BYTES} bytes (RTOS_MSG_BYTES)", n)


def check_regions(d, comps):
    """The [[region]] tables: data regions, each mapped read-write into the components
    of its `share` at the same address (back to back in their window, a guard page after
    each), and, with `dma`, open to the DMA of that sharer's devices, which the
    description must trust (dma = "trusted" on it: there is no IOMMU to confine them).
    Returns the bytes of memory they take."""
    per_comp, space, need = {}, 0, 0
    for i, r in enumerate(d.tables("region")):
        n = r.get("name")
        schema.check_keys(d, "region", i, r, n)
        if i == limits.REGIONS:
            d.error("region", i, "name", f"the {ordinal(i + 1)} region: a system has at most {limits.REGIONS} "
                    "(CAIRN_SD_REGIONS)", n)
        size = schema.check(d, "region", i, r, "size", n)
        if size:
            need += page_up(size)
            space += page_up(size) + PAGE
            if space > limits.REGION_SPACE:
                d.error("region", i, "size", f"the regions up to this one take {space >> 10} KiB of address "
                        f"space with their guard pages, more than the {schema.size_text(limits.REGION_SPACE)} "
                        "window (CAIRN_SD_REGION_SPACE)", n)
        share = string_list(d, "region", i, r, "share", n)
        if r.get("share", []) == []:
            d.error("region", i, "share", "'share' must name at least one component", n)
        for x in share:
            if x not in comps:
                d.error("region", i, "share", f"share names unknown component '{x}'", n)
                continue
            per_comp[x] = per_comp.get(x, 0) + 1
            if per_comp[x] == limits.COMP_REGIONS + 1:
                d.error("region", i, "share", f"'{x}' shares {per_comp[x]} regions, at most "
                        f"{limits.COMP_REGIONS} (the red tape's CAIRN_IO_REGIONS)", n)
        if "dma" in r:
            check_region_dma(d, i, r, n, share)
    return need


def check_region_dma(d, i, r, n, share):
    """A region's `dma`: one of its sharers, whose devices may DMA (dma = "iommu" or "trusted")."""
    v = r["dma"]
    comp = next((c for c in d.tables("component") if isinstance(c, dict) and c.get("name") == v), None)
    if not isinstance(v, str) or comp is None:
        d.error("region", i, "dma", "dma must name a component" + (f", not {v!r}" if v is not None else ""), n)
    elif v not in share:
        d.error("region", i, "dma", f"dma names '{v}', which does not share it: dma must be one of 'share'", n)
    elif comp.get("dma") not in ("iommu", "trusted"):
        d.error("region", i, "dma", f"dma names '{v}', whose devices may not DMA: give it dma = \"iommu\" "
                "(confined by an IOMMU; no DMA on a machine without one) or dma = \"trusted\" (without an "
                "IOMMU its devices could write any memory)", n)


def check_segments(d):
    bases = {}
    lo, hi = limits.SEGMENT_WINDOW
    for i, s in enumerate(d.tables("segment")):
        n = s.get("name")
        schema.check_keys(d, "segment", i, s, n)
        base = s.get("base")
        if not schema.is_int(base, lo, hi - 1) or base % PAGE:
            d.error("segment", i, "base", f"base must be a page-aligned address in [{lo:#x}, {hi:#x})", n)
            continue
        size = schema.check(d, "segment", i, s, "size", n)
        if not size:
            continue
        if base + page_up(size) > hi:
            d.error("segment", i, "size", f"ends at {base + page_up(size):#x}, past the end of the segments' "
                    f"window [{lo:#x}, {hi:#x}) (CAIRN_SD_SEGMENT_HI)", n)
            continue
        for other, (b, e) in bases.items():
            if base < e and b < base + size:
                d.error("segment", i, "base", f"overlaps segment '{other}'", n)
        bases[n] = (base, base + size)


def check_subsystems(d, comps, exporters, depth):
    """The [[subsystem]] tables, then each child description (checked here, one level
    deeper). Returns {index: the images its child needs}."""
    parents, files = {}, []
    for i, s in enumerate(d.tables("subsystem")):
        n = s.get("name")
        schema.check_keys(d, "subsystem", i, s, n)
        if depth >= limits.DEPTH:
            d.error("subsystem", i, "name", f"a subsystem {depth + 1} levels deep: subsystems nest "
                    f"at most {limits.DEPTH} (CAIRN_SD_DEPTH)", n)
            continue
        if s.get("parent") not in comps:
            d.error("subsystem", i, "parent", f"parent must name a component, not {s.get('parent')!r}", n)
        f = s.get("file")
        if not isinstance(f, str) or not os.path.exists(os.path.join(ROOT, f)):
            d.error("subsystem", i, "file", f"no description {f!r}", n)
        else:
            files.append((i, s))
        schema.check(d, "subsystem", i, s, "memory", n)
        parent = next((c for c in d.tables("component") if c.get("name") == s.get("parent")), {})
        for g in string_list(d, "subsystem", i, s, "grants", n):
            if g not in exporters:
                d.error("subsystem", i, "grants", f"grants '{g}', which no component exports", n)
            elif parent and g not in parent.get("imports", []):
                d.error("subsystem", i, "grants", f"grants '{g}', which its parent "
                        f"'{s.get('parent')}' does not import", n)
        if parent.get("restart") is True:
            d.error("subsystem", i, "parent", f"'{s.get('parent')}' has restart = true: a subsystem "
                    "parent cannot be restarted (its subsystem would be lost)", n)
        if s.get("parent") in parents:
            d.error("subsystem", i, "parent", f"'{s.get('parent')}' already boots subsystem "
                    f"'{parents[s.get('parent')]}': one each", n)
        parents.setdefault(s.get("parent"), n)
    return {i: check_child(d, i, s, depth) for i, s in files}


def check_child(d, i, s, depth):
    """Subsystem i's own description, checked with the interfaces it is granted; its
    errors join d's. Returns the images it needs: its parent's red tape lists them, and
    they are boot modules of the root booter too (check_modules counts them there)."""
    n, grants = s.get("name"), s.get("grants", [])
    try:
        child = check_desc(os.path.relpath(os.path.join(ROOT, s["file"])),
                           grants if isinstance(grants, list) else [], depth + 1)
    except DescError as e:
        d.errors += str(e).splitlines()
        return []
    d.errors += child.errors
    images = sorted({c.get("image", c.get("name")) for c in child.tables("component")
                     if isinstance(c.get("image", c.get("name")), str)})
    memory = schema.parse_size(s.get("memory"))
    if memory and child.need > memory:
        d.error("subsystem", i, "memory", f"its components need {child.need >> 10} KiB, memory is "
                f"{memory >> 10} KiB", n)
    return images


RTOS_EXPORTS = ("rtos",)    # what components/rtos serves (run.c: interfaces/rtos.toml)


def rtos_exports(d, r):
    """The [rtos] table's exports: the interfaces of RTOS_EXPORTS it names (errors for others)."""
    v = string_list(d, "rtos", 0, r, "exports", None)
    for x in v:
        if x not in RTOS_EXPORTS:
            d.error("rtos", 0, "exports", f"exports '{x}': the rtos component serves only "
                    f"{', '.join(repr(e) for e in RTOS_EXPORTS)}")
    return [x for x in v if x in RTOS_EXPORTS]


def check_rtos(d, comps):
    """The [rtos] table: the RTOS component's memory for processes and its programs."""
    r = d.data.get("rtos")
    if r is None:
        return 0
    if not isinstance(r, dict):
        d.errors.append(f"{d.path}:{d.loc.line('rtos', 0)}: rtos: write one [rtos] table")
        return 0
    schema.check_keys(d, "rtos", 0, r, None)
    if "rtos" in comps:
        d.error("rtos", 0, None, "a component is named 'rtos' already: the [rtos] table adds it")
    mem = schema.check(d, "rtos", 0, r, "memory") or 0
    progs = string_list(d, "rtos", 0, r, "programs", None)
    if not progs:
        d.error("rtos", 0, "programs", "programs must name at least one program")
    for p in progs:
        if not image_dir(p, PROGRAM_DIRS):
            d.error("rtos", 0, "programs", f"no program {p}/ in {', '.join(PROGRAM_DIRS)}")
        elif len(f"/bin/{p}") > limits.ROMFS_PATH_LEN:
            d.error("rtos", 0, "programs", f"program {p}: its path /bin/{p} is {len(p) + 5} characters, "
                    f"at most {limits.ROMFS_PATH_LEN} (CAIRN_ROMFS_PATH_MAX)")
    check_rtos_limits(d)
    schema.check(d, "rtos", 0, r, "priority")
    check_cpu(d, "rtos", 0, r, None)
    if "cpu_budget" in r and system_cores(d.data) > 1:
        d.error("rtos", 0, "cpu_budget", "the RTOS's budget is for a system of one core: the booter "
                "refills it on core 0's timer, and no scheduler would resume the RTOS's own on "
                "the other cores after a refill")
    comps_list = d.data.get("component", [])
    for i, c in enumerate(comps_list if isinstance(comps_list, list) else []):
        core = c.get("core", 0) if isinstance(c, dict) else 0
        if schema.is_int(core, 1):
            d.error("component", i, "core", f"core {core} runs the RTOS's scheduler (it schedules every "
                    "core of the system): with an [rtos] table, components stay on core 0", c.get("name"))
        if isinstance(c, dict) and "cpu_budget" in c:
            d.error("component", i, "cpu_budget", "with an [rtos] table the RTOS holds the timers: the "
                    "booter cannot refill a budget", c.get("name"))
    return mem + RTOS_COMPONENT_MEMORY


RTOS_COMPONENT_MEMORY = (256 + 64 + 64 * 16) << 10   # its stack, heap and gate stacks


def check_rtos_limits(d):
    """The rtos component is one more component, and schedules every core."""
    n = len(d.tables("component"))
    if n >= limits.COMPS:
        d.error("rtos", 0, None, f"the rtos component would be the {ordinal(n + 1)}: a system has "
                f"at most {limits.COMPS} components (CAIRN_SD_COMPS)")
    cores = system_cores(d.data)
    if cores > limits.RTOS_CORES:
        d.error("rtos", 0, None, f"the system has cores = {cores}: the RTOS schedules at most "
                f"{limits.RTOS_CORES} (CAIRN_SD_RTOS_CORES)")


def check_components(d):
    """How many components: the booter builds at most CAIRN_SD_COMPS."""
    for i, c in enumerate(d.tables("component")):
        if i == limits.COMPS:
            d.error("component", i, "name", f"the {ordinal(i + 1)} component: a system has at most "
                    f"{limits.COMPS} (CAIRN_SD_COMPS)", c.get("name") if isinstance(c, dict) else None)


def segment_module(s):
    """A segment's boot module: named after the segment, since each is linked at its own
    base (two segments of one image are two modules)."""
    return f"seg.{s.get('name')}"


def check_modules(d, children):
    """The boot modules the kernel gives the root booter, in its red tape: each component's
    image (a subsystem parent's linked with its child's tables), each child's images, each
    segment, the RTOS's file system. tools/sysgen.py build makes the same list. Each
    name must fit the red tape too."""
    parents = {s.get("parent"): (k, s.get("name")) for k, s in enumerate(d.tables("subsystem"))}
    seen = set()

    def add(module, kind, i, key, name):
        if not isinstance(module, str) or module in seen:
            return
        seen.add(module)
        if len(module) > limits.MODULE_NAME_LEN:
            d.error(kind, i, key, f"boot module '{module}': its name is {len(module)} characters, at "
                    f"most {limits.MODULE_NAME_LEN} (CAIRN_MODULE_NAME_MAX)", name)
        if len(seen) == limits.MODULES + 1:
            d.error(kind, i, key, f"needs the {ordinal(len(seen))} boot module ('{module}'): a booter "
                    f"is given at most {limits.MODULES} (the kernel's BOOT_MAX_MODULES, the booter "
                    "included; its red tape's CAIRN_ROOT_MODULES)", name)

    for i, c in enumerate(d.tables("component")):
        n = c.get("name")
        image = c.get("image", n)
        if n in parents:        # the parent's image with its child's tables, named for both
            k, sub = parents[n]
            add(f"{image}+{sub}", "subsystem", k, "name", sub)
        else:
            add(image, "component", i, "image" if "image" in c else "name", n)
    for i, s in enumerate(d.tables("subsystem")):
        for m in children.get(i, []):
            add(m, "subsystem", i, "file", s.get("name"))
    for i, s in enumerate(d.tables("segment")):
        add(segment_module(s), "segment", i, "name", s.get("name"))
    if isinstance(d.data.get("rtos"), dict):
        add("rtos", "rtos", 0, None, None)
        add(ROMFS_MODULE, "rtos", 0, "programs", None)


RTOS_NET_SLOTS = 256        # [rtos] net = true: each queue of the link (at least cairn/sock.h's SOCK_EV_MIN)
RTOS_NET_REGION = "256K"    # ... and its buffers: 128 of 2 KiB, the most the rtos uses


def expand_rtos_net(d):
    """[rtos] net = true: the rtos component becomes the client of a socket link to the
    component named `net` (docs/network.md "Sockets for RTOS programs"): the ports
    sock<N>_cmd (rtos to net) and sock<N>_ev (back) and the region sock<N>_data are added
    for the lowest N that no port or region of the description names yet, and then
    checked as if written out."""
    r = d.data.get("rtos")
    if not isinstance(r, dict) or "net" not in r or r["net"] is False:
        return
    if r["net"] is not True:
        d.error("rtos", 0, "net", "net must be true or false")
        return
    comps = d.data.get("component", [])
    if not isinstance(comps, list) or not any(isinstance(c, dict) and c.get("name") == "net" for c in comps):
        d.error("rtos", 0, "net", "net = true needs the component 'net' (components/net), the socket links' server")
        return
    ports, regions = d.data.get("port", []), d.data.get("region", [])
    if not isinstance(ports, list) or not isinstance(regions, list):
        return                  # (their own errors)
    taken = {t.get("name") for t in ports + regions if isinstance(t, dict)}
    free = [n for n in range(limits.SOCK_LINKS) if not {f"sock{n}_cmd", f"sock{n}_ev", f"sock{n}_data"} & taken]
    if not free:
        d.error("rtos", 0, "net", f"net = true: the socket links sock0..sock{limits.SOCK_LINKS - 1} are all "
                "named already (cairn/sock.h SOCK_LINKS)")
        return
    n = free[0]
    queue = {"slot_size": limits.SOCK_SLOT, "slots": RTOS_NET_SLOTS, "mode": "sync"}
    d.data["port"] = ports + [{"name": f"sock{n}_cmd", "from": "rtos", "to": "net", **queue},
                              {"name": f"sock{n}_ev", "from": "net", "to": "rtos", **queue}]
    d.data["region"] = regions + [{"name": f"sock{n}_data", "size": RTOS_NET_REGION, "share": ["net", "rtos"]}]


def add_rtos(data):
    """Turns [rtos] into what the booter builds: the rtos component (bound to the timer,
    interrupt line 0; exporting what [rtos] exports, with the argument "serve") and a
    grant of memory and program images to it."""
    r = data.get("rtos")
    if not r:
        return
    prio = schema.get("rtos", r, "priority")
    comp = {"name": "rtos", "image": "rtos", "priority": prio, "irq": [0], "stack": "256K", "heap": "64K",
            **{k: r[k] for k in ("cpu_budget", "cpu_period") if k in r}}     # lib/libboot/budget.c lends it the timer
    if r.get("exports"):    # it serves them, and then does not end with its last process (run.c)
        comp.update(exports=r["exports"], args="serve")
    data.setdefault("component", []).append(comp)
    data.setdefault("subsystem", []).append({"name": "rtos", "parent": "rtos", "memory": r["memory"],
                                             "grants": [], "programs": r["programs"]})


def check_nested(d):
    """What a nested subsystem cannot have: segments, interrupt lines, I/O ports, time budgets,
    the RTOS (a subsystem itself; deeper subsystems are check_subsystems')."""
    for i, c in enumerate(d.tables("component")):
        if "cpu_budget" in c or "cpu_period" in c:
            d.error("component", i, "cpu_budget", "a nested subsystem's booter has no timer to refill "
                    "a budget: give its parent component the budget", c.get("name"))
    for i, s in enumerate(d.tables("segment")):
        d.error("segment", i, "name", "a nested subsystem cannot have segments", s.get("name"))
    for i, c in enumerate(d.tables("component")):
        if c.get("irq"):
            d.error("component", i, "irq", "a nested subsystem cannot claim interrupt lines", c.get("name"))
        if c.get("ioports"):
            d.error("component", i, "ioports", "a nested subsystem cannot be granted I/O ports", c.get("name"))
        if c.get("devices"):
            d.error("component", i, "devices", "a nested subsystem cannot be bound to devices", c.get("name"))
        if "dma" in c:
            d.error("component", i, "dma", "a nested subsystem has no devices to trust with DMA", c.get("name"))
    for i, r in enumerate(d.tables("region")):
        d.error("region", i, "name", "a nested subsystem cannot have data regions (not yet)", r.get("name"))
    if "rtos" in d.data:
        d.error("rtos", 0, None, f"the RTOS is a subsystem: 2 levels deep here, subsystems nest at "
                f"most {limits.DEPTH} (CAIRN_SD_DEPTH)")


def check_desc(path, outside=(), depth=0):
    """Validates a description: its Desc, with .errors, .order (the init order) and .need
    (bytes its components need). outside: the interfaces a nested subsystem is granted
    (imported from its parent's system); depth: how deep a subsystem it is (0: none)."""
    d = Desc(path)
    for k in d.data:
        if k not in ("system", "component", "port", "segment", "subsystem", "rtos", "region"):
            d.errors.append(f"{path}:{d.loc.line(k, 0)}: unknown table [{k}]")
    budget = check_system(d)
    expand_rtos_net(d)
    comps = names(d, "component")
    if not comps and "component" not in d.data and "rtos" not in d.data:
        d.errors.append(f"{path}:1: component: no [[component]] tables: a system needs one")
    check_components(d)
    segs = names(d, "segment")
    names(d, "port")
    names(d, "subsystem")
    names(d, "region")
    if depth:
        check_nested(d)
    irq_owner, need = {}, 0
    known = interfaces_known()
    for i, c in enumerate(d.tables("component")):
        need += check_component(d, i, c, segs, known, irq_owner)
    check_ioports(d)
    check_devices(d)
    exporters = check_imports(d, outside)
    check_persist_importer(d, depth)
    d.order = init_order(d, comps, exporters)
    ends = dict(comps)
    if isinstance(d.data.get("rtos"), dict):    # the [rtos] table adds the rtos component (add_rtos):
        ends.setdefault("rtos", len(d.tables("component")))  # ports and regions may name it
    check_ports(d, ends)
    check_slots(d)
    check_segments(d)
    need += check_regions(d, ends)
    children = check_subsystems(d, comps, exporters, depth)
    if not depth:
        check_modules(d, children)
    need += sum(schema.parse_size(s.get("memory")) or 0 for s in d.tables("subsystem"))
    need += check_rtos(d, comps)
    if need > budget:
        d.error("system", 0, "memory", f"memory over budget: the components need "
                f"{need >> 10} KiB, memory is {budget >> 10} KiB")
    d.need = need
    return d


def load(path, outside=(), depth=0):
    """(the description, its init order), or DescError with every error (one per line)."""
    d = check_desc(path, outside, depth)
    if d.errors:
        raise DescError("\n".join(d.errors))
    add_rtos(d.data)
    if "rtos" in d.data:
        d.order.append("rtos")
    return d.data, d.order


def main(argv):
    if len(argv) != 3 or argv[1] != "check":
        sys.exit(__doc__)
    try:
        data, order = load(argv[2])
    except DescError as e:
        sys.exit(str(e))
    print(f"{argv[2]}: ok; init order: {' '.join(order)}")


if __name__ == "__main__":
    main(sys.argv)
