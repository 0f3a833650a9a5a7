#!/usr/bin/env python3
"""system.py: reads, checks and draws a Cairn system description (docs/systems.md).

    system.py check systems/<name>.toml         validate; errors one per line
    system.py graph systems/<name>.toml OUT     the system graph: OUT.dot, and OUT.svg
                                                if Graphviz's dot is installed

Values come from Python's own TOML parser (tomllib). It reports no positions, so
locate() scans the file's lines for table headers and keys only to say *where* a
value is; it never interprets a value. Every error is one line:

    <file>:<line>: <kind> '<name>': <what is wrong>

and validation finishes before anything is generated.
"""
import os
import re
import subprocess
import sys
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAME = re.compile(r"^[a-z][a-z0-9_]{0,30}$")
SIZE = re.compile(r"^(\d+)\s*([KMG]?)$")
LINES = 16                              # interrupt lines: 0 is the timer, 2 the cascade
SEGMENT_WINDOW = (0x10000000, 0x40000000)  # where segments may be placed
PAGE = 4096

COMPONENT_KEYS = {"name", "image", "priority", "stack", "heap", "threads", "exports",
                  "imports", "segments", "irq", "after", "restart", "budget", "core", "ioports"}
MANAGER = "manager"               # the capability manager the booter serves (lib/libboot/manager.c)
BOOTER_IFACES = (MANAGER,)        # interfaces the booter serves itself
BUDGET_MAX = 2 << 20              # pages the manager may allocate for one component
PORT_KEYS = {"name", "from", "to", "slot_size", "slots", "mode"}
SEGMENT_KEYS = {"name", "image", "base", "size"}
SUBSYSTEM_KEYS = {"name", "parent", "file", "memory", "grants"}
SYSTEM_KEYS = {"name", "description", "memory", "cores"}
RTOS_KEYS = {"memory", "programs", "priority"}


IMAGE_DIRS = ("components", "tests/components", "bench/components")   # where a component's program may live
PROGRAM_DIRS = ("examples", "tests/rtos", "bench/rtos")                # where an RTOS program may live


class DescError(Exception):
    pass


def image_dir(image, dirs=IMAGE_DIRS):
    """The source directory of a component program (or RTOS program), or None."""
    for d in dirs:
        path = os.path.join(d, image)
        if isinstance(image, str) and image and os.path.isdir(os.path.join(ROOT, path)):
            return path
    return None


class Locator:
    """Line numbers of tables and keys, from the raw text (no values parsed here)."""

    HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.-]+)\s*\]\]?")
    KEY = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")

    def __init__(self, text):
        self.tables, self.keys = {}, {}
        table, seen = None, {}
        for n, line in enumerate(text.splitlines(), 1):
            m = self.HEADER.match(line)
            if m:
                name = m.group(2)
                index = seen.get(name, -1) + 1 if m.group(1) == "[[" else 0
                seen[name] = index
                table = (name, index)
                self.tables[table] = n
                continue
            m = self.KEY.match(line)
            if m:
                self.keys.setdefault((table, m.group(1)), n)

    def line(self, kind, index, key=None):
        t = (kind, index)
        return self.keys.get((t, key)) or self.tables.get(t) or 1


class Desc:
    """A parsed description: the tables, and where each came from."""

    def __init__(self, path):
        self.path = path
        try:
            with open(path, "rb") as f:
                raw = f.read()
        except OSError as e:
            raise DescError(f"{path}:1: cannot read the description: {e.strerror}")
        try:
            self.data = tomllib.loads(raw.decode())
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            m = re.search(r"line (\d+)", str(e))
            raise DescError(f"{path}:{m.group(1) if m else 1}: not valid TOML: {e}")
        self.loc = Locator(raw.decode())
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


def parse_size(v):
    """An int, or a string like "64K", "16M", "1G"; None if neither."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v if v >= 0 else None
    m = SIZE.match(v) if isinstance(v, str) else None
    if not m:
        return None
    return int(m.group(1)) << {"": 0, "K": 10, "M": 20, "G": 30}[m.group(2)]


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
        seen[n] = i
    return seen


def check_keys(d, kind, i, t, allowed, name):
    for k in t:
        if k not in allowed:
            d.error(kind, i, k, f"unknown field '{k}'", name)


def string_list(d, kind, i, t, key, name):
    v = t.get(key, [])
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        d.error(kind, i, key, f"'{key}' must be a list of names", name)
        return []
    return v


def check_system(d):
    s = d.data.get("system")
    if not isinstance(s, dict):
        d.errors.append(f"{d.path}:1: system: no [system] table (it needs at least a name)")
        return 64 << 20
    check_keys(d, "system", 0, s, SYSTEM_KEYS, None)
    if not isinstance(s.get("name"), str) or not NAME.match(s.get("name", "")):
        d.error("system", 0, "name", "needs a name: lowercase letters, digits and _")
    mem = parse_size(s.get("memory", "64M"))
    if mem is None or mem == 0:
        d.error("system", 0, "memory", "memory must be a size like \"64M\"")
        mem = 64 << 20
    cores = s.get("cores", 1)
    if not isinstance(cores, int) or isinstance(cores, bool) or not 1 <= cores <= 64:
        d.error("system", 0, "cores", "cores must be an integer from 1 to 64")
    return mem


def interfaces_known():
    d = os.path.join(ROOT, "interfaces")
    return {f[:-5] for f in os.listdir(d) if f.endswith(".toml")} if os.path.isdir(d) else set()


def system_cores(data):
    """A description's cores (1 when absent or wrong: check_system reports that)."""
    s = data.get("system")
    cores = s.get("cores", 1) if isinstance(s, dict) else 1
    return cores if isinstance(cores, int) and not isinstance(cores, bool) and 1 <= cores <= 64 else 1


def check_component(d, i, c, segs, known_ifaces, irq_owner):
    """Fields of one component; returns its memory need in bytes."""
    n = c.get("name")
    check_keys(d, "component", i, c, COMPONENT_KEYS, n)
    image = c.get("image", n)
    if not isinstance(image, str) or not image_dir(image):
        d.error("component", i, "image" if "image" in c else "name",
                f"no program {image}/ in {', '.join(IMAGE_DIRS)}", n)
    prio = c.get("priority", 128)
    if not isinstance(prio, int) or isinstance(prio, bool) or not 0 <= prio <= 255:
        d.error("component", i, "priority", "priority must be an integer from 0 to 255", n)
    threads = c.get("threads", 1)
    if not isinstance(threads, int) or isinstance(threads, bool) or not 1 <= threads <= 64:
        d.error("component", i, "threads", "threads must be an integer from 1 to 64", n)
        threads = 1
    need = 0
    for key, default in (("stack", "16K"), ("heap", "64K")):
        v = parse_size(c.get(key, default))
        if v is None:
            d.error("component", i, key, f"{key} must be a size like \"16K\"", n)
            v = 0
        need += v * (threads if key == "stack" else 1)
    for key in ("exports", "imports"):
        for x in string_list(d, "component", i, c, key, n):
            if x not in known_ifaces:
                d.error("component", i, key, f"{key} unknown interface '{x}' (no interfaces/{x}.toml)", n)
    for x in string_list(d, "component", i, c, "segments", n):
        if x not in segs:
            d.error("component", i, "segments", f"uses unknown segment '{x}'", n)
    if not isinstance(c.get("restart", False), bool):
        d.error("component", i, "restart", "restart must be true or false", n)
    core, cores = c.get("core", 0), system_cores(d.data)
    if not isinstance(core, int) or isinstance(core, bool) or not 0 <= core < cores:
        d.error("component", i, "core", f"core must be an integer from 0 to {cores - 1} "
                f"(the system has cores = {cores})", n)
    budget = parse_size(c.get("budget", 0))
    if budget is None or budget > BUDGET_MAX:
        d.error("component", i, "budget", f"budget must be a size up to \"{BUDGET_MAX >> 20}M\" "
                "(the pages the manager may allocate for it)", n)
    elif budget and MANAGER not in (c.get("imports") if isinstance(c.get("imports"), list) else []):
        d.error("component", i, "budget", f"has a budget but does not import '{MANAGER}' (nothing "
                "could allocate it)", n)
    else:
        need += budget
    irqs = c.get("irq", [])
    if not isinstance(irqs, list):
        irqs = [irqs]
    for line in irqs:
        if not isinstance(line, int) or isinstance(line, bool) or not 1 <= line < LINES or line == 2:
            d.error("component", i, "irq", f"irq {line!r}: lines are 1..15 but 2", n)
        elif line in irq_owner:
            d.error("component", i, "irq", f"irq {line} is claimed by '{irq_owner[line]}' too", n)
        else:
            irq_owner[line] = n
    return need


def c_define(header, name):
    """A number #defined in include/cairn/<header>: a limit C defines, read, not repeated."""
    with open(os.path.join(ROOT, "include", "cairn", header)) as f:
        m = re.search(rf"^#define {name}\s+(0x[0-9a-fA-F]+|\d+)\b", f.read(), re.M)
    return int(m.group(1), 0)


IOPORT_END = c_define("abi.h", "CAIRN_IOPORT_END")          # ports are 0 .. IOPORT_END - 1
IOPORTS_MAX = c_define("root.h", "CAIRN_ROOT_IOPORTS")      # ranges one component may hold


def ioport_ranges(c):
    """A component's `ioports` as [(first, last)] (inclusive), [] if it has none."""
    return [(e, e) if isinstance(e, int) else tuple(e) for e in c.get("ioports", [])]


def port_text(e):
    """An `ioports` entry as written, numbers in hex."""
    if isinstance(e, list):
        return "[" + ", ".join(port_text(x) for x in e) + "]"
    return hex(e) if isinstance(e, int) and not isinstance(e, bool) else repr(e)


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
            if len(r) != 2 or not all(isinstance(x, int) and not isinstance(x, bool) for x in r) \
                    or not 0 <= r[0] <= r[1] < IOPORT_END:
                d.error("component", i, "ioports", f"ioports {port_text(e)}: a port or a [first, last] range, "
                        f"0 <= first <= last <= {IOPORT_END - 1:#x}", n)
                continue
            other = next((o for o in claimed if r[0] <= o[1] and o[0] <= r[1]), None)
            if other:
                who = "named twice" if other[2] == n else f"claimed by '{other[2]}' too"
                d.error("component", i, "ioports", f"port {max(r[0], other[0]):#x} is {who}", n)
                continue
            claimed.append((r[0], r[1], n))


def check_imports(d, comps, outside=()):
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
    for i, p in enumerate(d.tables("port")):
        n = p.get("name")
        check_keys(d, "port", i, p, PORT_KEYS, n)
        ends = []
        for key in ("from", "to"):
            v = p.get(key)
            if v not in comps:
                d.error("port", i, key, f"'{key}' must name a component" + (f", not '{v}'" if v else ""), n)
            ends.append(v)
        if ends[0] is not None and ends[0] == ends[1]:
            d.error("port", i, "to", f"both ends are '{ends[0]}': a port joins two components", n)
        if p.get("mode", "async") not in ("async", "sync"):
            d.error("port", i, "mode", f"mode must be \"async\" or \"sync\", not {p.get('mode')!r}", n)
        for key, lo, hi in (("slot_size", 8, 4096), ("slots", 2, 65536)):
            v = p.get(key)
            if not isinstance(v, int) or isinstance(v, bool) or v < lo or v > hi or v & (v - 1):
                d.error("port", i, key, f"{key} must be a power of two from {lo} to {hi}", n)


def check_segments(d):
    bases = {}
    for i, s in enumerate(d.tables("segment")):
        n = s.get("name")
        check_keys(d, "segment", i, s, SEGMENT_KEYS, n)
        base, size = s.get("base"), parse_size(s.get("size", "64K"))
        if not isinstance(base, int) or base % PAGE or not SEGMENT_WINDOW[0] <= base < SEGMENT_WINDOW[1]:
            d.error("segment", i, "base", f"base must be a page-aligned address in "
                    f"[{SEGMENT_WINDOW[0]:#x}, {SEGMENT_WINDOW[1]:#x})", n)
            continue
        if not size:
            d.error("segment", i, "size", "size must be a size like \"64K\"", n)
            continue
        for other, (b, e) in bases.items():
            if base < e and b < base + size:
                d.error("segment", i, "base", f"overlaps segment '{other}'", n)
        bases[n] = (base, base + size)


def check_subsystems(d, comps, exporters):
    parents = {}
    for i, s in enumerate(d.tables("subsystem")):
        n = s.get("name")
        check_keys(d, "subsystem", i, s, SUBSYSTEM_KEYS, n)
        if s.get("parent") not in comps:
            d.error("subsystem", i, "parent", f"parent must name a component, not {s.get('parent')!r}", n)
        f = s.get("file")
        if not isinstance(f, str) or not os.path.exists(os.path.join(ROOT, f)):
            d.error("subsystem", i, "file", f"no description {f!r}", n)
        if parse_size(s.get("memory")) in (None, 0):
            d.error("subsystem", i, "memory", "memory must be a size like \"4M\"", n)
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


def check_rtos(d, comps):
    """The [rtos] table: the RTOS component's memory for processes and its programs."""
    r = d.data.get("rtos")
    if r is None:
        return 0
    if not isinstance(r, dict):
        d.errors.append(f"{d.path}:{d.loc.line('rtos', 0)}: rtos: write one [rtos] table")
        return 0
    check_keys(d, "rtos", 0, r, RTOS_KEYS, None)
    if "rtos" in comps:
        d.error("rtos", 0, None, "a component is named 'rtos' already: the [rtos] table adds it")
    mem = parse_size(r.get("memory"))
    if mem in (None, 0):
        d.error("rtos", 0, "memory", "memory (for processes) must be a size like \"8M\"")
        mem = 0
    progs = string_list(d, "rtos", 0, r, "programs", None)
    if not progs:
        d.error("rtos", 0, "programs", "programs must name at least one program")
    for p in progs:
        if not image_dir(p, PROGRAM_DIRS):
            d.error("rtos", 0, "programs", f"no program {p}/ in {', '.join(PROGRAM_DIRS)}")
    if len(progs) > 15:
        d.error("rtos", 0, "programs", "at most 15 programs")
    prio = r.get("priority", 128)
    if not isinstance(prio, int) or isinstance(prio, bool) or not 0 <= prio <= 255:
        d.error("rtos", 0, "priority", "priority must be an integer from 0 to 255")
    comps_list = d.data.get("component", [])
    for i, c in enumerate(comps_list if isinstance(comps_list, list) else []):
        core = c.get("core", 0) if isinstance(c, dict) else 0
        if isinstance(core, int) and not isinstance(core, bool) and core > 0:
            d.error("component", i, "core", f"core {core} runs the RTOS's scheduler (it schedules every "
                    "core of the system): with an [rtos] table, components stay on core 0", c.get("name"))
    return mem + RTOS_COMPONENT_MEMORY


RTOS_COMPONENT_MEMORY = (256 + 64 + 64 * 16) << 10   # its stack, heap and gate stacks


def add_rtos(data):
    """Turns [rtos] into what the booter builds: the rtos component (bound to the timer,
    interrupt line 0) and a grant of memory and program images to it."""
    r = data.get("rtos")
    if not r:
        return
    data.setdefault("component", []).append({"name": "rtos", "image": "rtos", "priority": r.get("priority", 128),
                              "irq": [0], "stack": "256K", "heap": "64K"})
    data.setdefault("subsystem", []).append({"name": "rtos", "parent": "rtos", "memory": r["memory"],
                                             "grants": [], "programs": r["programs"]})


def check(path, outside=()):
    """Validates a description; returns (data, errors, init order). outside: the
    interfaces a nested subsystem is granted (imported from its parent's system)."""
    d = Desc(path)
    for k in d.data:
        if k not in ("system", "component", "port", "segment", "subsystem", "rtos"):
            d.errors.append(f"{path}:{d.loc.line(k, 0)}: unknown table [{k}]")
    budget = check_system(d)
    comps = names(d, "component")
    if not comps and "component" not in d.data and "rtos" not in d.data:
        d.errors.append(f"{path}:1: component: no [[component]] tables: a system needs one")
    segs = names(d, "segment")
    names(d, "port")
    names(d, "subsystem")
    irq_owner, need = {}, 0
    known = interfaces_known()
    for i, c in enumerate(d.tables("component")):
        need += check_component(d, i, c, segs, known, irq_owner)
    check_ioports(d)
    exporters = check_imports(d, comps, outside)
    order = init_order(d, comps, exporters)
    check_ports(d, comps)
    check_segments(d)
    check_subsystems(d, comps, exporters)
    need += sum(parse_size(s.get("memory")) or 0 for s in d.tables("subsystem"))
    need += check_rtos(d, comps)
    if need > budget:
        d.error("system", 0, "memory", f"memory over budget: the components need "
                f"{need >> 10} KiB, memory is {budget >> 10} KiB")
    return d.data, d.errors, order


def load(path, outside=()):
    """The description, or DescError with every error (one per line)."""
    try:
        data, errors, order = check(path, outside)
    except DescError as e:
        raise DescError(str(e))
    if errors:
        raise DescError("\n".join(errors))
    add_rtos(data)
    if "rtos" in data:
        order.append("rtos")
    return data, order


def graph(data, order):
    lines = [f'digraph "{data["system"]["name"]}" {{', "  rankdir=LR;",
             '  node [shape=box, style="rounded", fontname="Helvetica"];']
    exporters = {x: c["name"] for c in data.get("component", []) for x in c.get("exports", [])}
    for c in data.get("component", []):
        lines.append(f'  "{c["name"]}" [label="{c["name"]}\\nprio {c.get("priority", 128)}"];')
        for x in c.get("imports", []):
            server = exporters.get(x, "booter" if x in BOOTER_IFACES else "(granted)")
            lines.append(f'  "{c["name"]}" -> "{server}" [label="{x}()"];')
    for p in data.get("port", []):
        lines.append(f'  "{p["from"]}" -> "{p["to"]}" [label="{p["name"]} ({p.get("mode", "async")})",'
                     ' style=dashed];')
    for s in data.get("segment", []):
        lines.append(f'  "seg:{s["name"]}" [label="segment {s["name"]}\\n{s["base"]:#x}", shape=component];')
    for c in data.get("component", []):
        for x in c.get("segments", []):
            lines.append(f'  "{c["name"]}" -> "seg:{x}" [style=dotted, arrowhead=none];')
    for s in data.get("subsystem", []):
        if "programs" in s:
            lines.append(f'  "programs" [label="RTOS processes\\n{", ".join(s["programs"])}", shape=folder];')
            lines.append(f'  "rtos" -> "programs" [label="runs", style=dotted];')
            continue
        lines.append(f'  "{s["name"]}" [label="subsystem {s["name"]}\\n{s.get("memory")}, '
                     f'grants {", ".join(s.get("grants", [])) or "nothing"}", shape=folder];')
        lines.append(f'  "{s["parent"]}" -> "{s["name"]}" [label="boots", style=dotted];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv):
    if len(argv) < 3 or argv[1] not in ("check", "graph"):
        sys.exit(__doc__)
    try:
        data, order = load(argv[2])
    except DescError as e:
        sys.exit(str(e))
    if argv[1] == "check":
        print(f"{argv[2]}: ok; init order: {' '.join(order)}")
        return
    out = argv[3]
    with open(out + ".dot", "w") as f:
        f.write(graph(data, order))
    try:
        subprocess.run(["dot", "-Tsvg", "-o", out + ".svg", out + ".dot"], check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        sys.exit(f"dot failed: {e}")


if __name__ == "__main__":
    main(sys.argv)
