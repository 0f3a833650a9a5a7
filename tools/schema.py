"""schema.py: the fields of a system description's tables (docs/systems.md): what each
may hold, its default and the error a wrong value gets, written once. tools/system.py
checks descriptions with it; tools/sysgen.py takes the defaults from it.

A field the schema checks is an Int, Pow2, Bool, OneOf or Size; None marks a field
whose own rule in tools/system.py checks it (names, lists, addresses). A field's error
is a template of its attributes (lo, hi, most, ...), v (the value as written) and what
the caller passes (a bound that depends on the system, such as its cores).
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import limits  # noqa: E402

SIZE = re.compile(r"^(\d+)\s*([KMG]?)$")


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


def size_text(n):
    """A size as a description writes it: "4G", "2M", "64K", or bytes."""
    for shift, unit in ((30, "G"), (20, "M"), (10, "K")):
        if n and n % (1 << shift) == 0:
            return f"{n >> shift}{unit}"
    return str(n)


def is_int(v, lo=None, hi=None):
    """v is an integer (a bool is not one) from lo to hi (None: unbounded)."""
    return isinstance(v, int) and not isinstance(v, bool) and \
        (lo is None or lo <= v) and (hi is None or v <= hi)


class Field:
    """A checked field: default (None: required) and the error of a wrong value."""

    def __init__(self, default, error):
        self.default, self.error = default, error

    def message(self, v, **ctx):
        return self.error.format(**{**vars(self), "v": v, **ctx})


class Int(Field):
    """An integer from lo to hi (hi None: the caller gives it)."""

    def __init__(self, lo, hi, default, error):
        super().__init__(default, error)
        self.lo, self.hi = lo, hi

    def value(self, v, hi=None, **_):
        return v if is_int(v, self.lo, self.hi if hi is None else hi) else None


class Pow2(Int):
    """A power of two from lo to hi."""

    def value(self, v, **_):
        return v if super().value(v) is not None and not v & (v - 1) else None


class Bool(Field):
    def value(self, v, **_):
        return v if isinstance(v, bool) else None


class OneOf(Field):
    def __init__(self, choices, default, error):
        super().__init__(default, error)
        self.choices = choices

    def value(self, v, **_):
        return v if v in self.choices else None


class Size(Field):
    """A size in bytes ("64K", or a number); nonzero: 0 is wrong. Past most it is wrong;
    or, given over (a limit rather than a wrong value), reported with over and kept."""

    def __init__(self, default, error, nonzero=False, most=None, over=None):
        super().__init__(default, error)
        self.nonzero, self.most, self.over = nonzero, most, over

    def value(self, v, **_):
        n = parse_size(v)
        if n is None or (self.nonzero and n == 0) or (self.most is not None and n > self.most and not self.over):
            return None
        return n


class Duration(Field):
    """A time ("2ms", "500us", "1s", or microseconds), in microseconds: nonzero, at most 10 s."""

    UNITS = {"us": 1, "ms": 1000, "s": 1000000}
    MOST = 10000000

    def value(self, v, **_):
        if isinstance(v, bool):
            return None
        m = DURATION.match(v) if isinstance(v, str) else None
        n = v if isinstance(v, int) else int(m.group(1)) * self.UNITS[m.group(2)] if m else None
        return n if n is not None and 0 < n <= self.MOST else None


DURATION = re.compile(r"^(\d+)\s*(us|ms|s)$")
CPU_BUDGET = Duration(None, 'cpu_budget must be a time like "2ms" or "500us", up to "10s"')
CPU_PERIOD = Duration(None, 'cpu_period must be a time like "10ms", up to "10s"')
PRIORITY = Int(0, 255, 128, "priority must be an integer from {lo} to {hi}")
FIELDS = {
    "system": {
        "name": None, "description": None,
        "memory": Size("64M", 'memory must be a size like "64M"', nonzero=True),
        "cores": Int(1, limits.CORES, 1, "cores must be an integer from {lo} to {hi} (CAIRN_SD_CORES)"),
    },
    "component": {
        "name": None, "image": None, "exports": None, "imports": None, "segments": None,
        "irq": None, "after": None, "ioports": None, "devices": None, "args": None,
        "priority": PRIORITY,
        "threads": Int(1, limits.THREADS, 1, "threads must be " + (
            "1" if limits.THREADS == 1 else "an integer from {lo} to {hi}") + " (CAIRN_SD_THREADS: "
            "the booter builds a component's first thread, the component makes any others)"),
        "stack": Size("16K", 'stack must be a size like "16K"'),
        "heap": Size("64K", 'heap must be a size like "16K"', most=limits.HEAP_MAX,
                     over=f'heap must be a size up to "{size_text(limits.HEAP_MAX)}" '
                     "(CAIRN_SD_HEAP_MAX: the heap lies below the port rings)"),
        "restart": Bool(False, "restart must be true or false"),
        "persistent": Bool(False, "persistent must be true or false"),
        "core": Int(0, None, 0, "core must be an integer from {lo} to {hi} (the system has cores = {cores})"),
        "cpu_budget": CPU_BUDGET, "cpu_period": CPU_PERIOD,
        "budget": Size(0, f'budget must be a size up to "{size_text(limits.BUDGET_MAX)}" '
                       "(the pages the manager may allocate for it)", most=limits.BUDGET_MAX),
        "dma": OneOf(("iommu", "trusted", "none"), "none", 'dma must be "iommu" (its devices DMA only '
                     'where an IOMMU lets them), "trusted" (without an IOMMU they may write any memory) '
                     'or "none", not {v!r}'),
    },
    "device": {"match": None, "at": None, "msi": None},     # an entry of a component's `devices` (system.py)
    "port": {
        "name": None, "from": None, "to": None,
        "mode": OneOf(("async", "sync"), "async", 'mode must be "async" or "sync", not {v!r}'),
        "slot_size": Pow2(*limits.PORT_SLOT_SIZE, None, "slot_size must be a power of two from {lo} to {hi}"),
        "slots": Pow2(*limits.PORT_SLOTS, None, "slots must be a power of two from {lo} to {hi}"),
    },
    "segment": {
        "name": None, "image": None, "base": None,
        "size": Size("64K", 'size must be a size like "64K"', nonzero=True),
    },
    "region": {
        "name": None, "share": None, "dma": None,
        "size": Size(None, f'size must be a size like "64K", up to "{size_text(limits.REGION_MAX)}" '
                     "(CAIRN_SD_REGION_MAX)", nonzero=True, most=limits.REGION_MAX),
    },
    "subsystem": {
        "name": None, "parent": None, "file": None, "grants": None,
        "memory": Size(None, 'memory must be a size like "4M"', nonzero=True),
    },
    "rtos": {
        "programs": None, "priority": PRIORITY, "net": None, "exports": None,
        "cpu_budget": CPU_BUDGET, "cpu_period": CPU_PERIOD,
        "memory": Size(None, 'memory (for processes) must be a size like "8M"', nonzero=True),
    },
}


def get(kind, t, key):
    """Table t's field key, or its default."""
    return t.get(key, FIELDS[kind][key].default)


def size_of(kind, t, key):
    """Table t's size field key (or its default), in bytes."""
    return parse_size(get(kind, t, key))


def value(kind, t, key, **ctx):
    """Table t's field key (or its default) if it is right (a size: in bytes), else None.
    ctx: the bounds the caller gives (Int's hi, and what its error names)."""
    return FIELDS[kind][key].value(get(kind, t, key), **ctx)


def check(d, kind, i, t, key, name=None, **ctx):
    """Table t's field key (or its default), the i-th of its kind in description d: its
    value (value()), or None after d.error says why."""
    f, v = FIELDS[kind][key], value(kind, t, key, **ctx)
    if v is None:
        d.error(kind, i, key, f.message(t.get(key), **ctx), name)
    elif isinstance(f, Size) and f.over and v > f.most:
        d.error(kind, i, key, f.over, name)
    return v


def check_keys(d, kind, i, t, name):
    """Every field of table t is one its kind has."""
    for k in t:
        if k not in FIELDS[kind]:
            d.error(kind, i, k, f"unknown field '{k}'", name)
