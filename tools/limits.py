"""limits.py: the limits of system and interface descriptions, as the tools learn them.

Each limit is defined once, in a C header the booter and the components compile with
(include/cairn/sysdesc.h for a system's, cairn/root.h for the red tape's, and the few
the ABI, the manager, the romfs and the kernel's table of boot modules fix); this
module reads those #defines, so that tools/system.py and tools/interface.py refuse a
description past a limit the C code would otherwise meet at run time. docs/systems.md,
"Limits", lists them.

A #define is read if its value is an integer expression of numbers (with U and L
suffixes, or in CAIRN_UL(), cairn/layout.h's), operators and names read before it;
anything else is skipped. A name the
tools need and cannot read is an error at import: the tools never guess a limit.
"""
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEADERS = ("include/cairn/layout.h", "include/cairn/abi.h", "include/cairn/root.h", "include/cairn/sysdesc.h",
           "include/cairn/capmgr.h", "include/cairn/romfs.h", "kernel/include/bootinfo.h")

DEFINE = re.compile(r"^\s*#\s*define\s+([A-Za-z_]\w*)\s+(.*?)\s*(?:/\*.*)?$")
SUFFIX = re.compile(r"\bCAIRN_UL\(([^()]*)\)")     # cairn/layout.h: n##UL in C
TOKEN = re.compile(r"\s*(?:(0[xX][0-9a-fA-F]+|\d+)[uUlL]*|([A-Za-z_]\w*)|(<<|>>|[-+*/%()|&~^]))")


def evaluate(expr, known):
    """The value of a C integer expression of numbers and known names, or None."""
    out, pos, expr = [], 0, SUFFIX.sub(r"(\1)", expr)
    while pos < len(expr):
        m = TOKEN.match(expr, pos)
        if not m or m.end() == pos:
            return None
        number, name, op = m.groups()
        if name is not None and name not in known:
            return None
        out.append(str(int(number, 0)) if number else str(known[name]) if name else
                   "//" if op == "/" else op)
        pos = m.end()
    try:
        return int(eval(" ".join(out), {"__builtins__": {}}))  # only numbers and operators
    except (SyntaxError, ZeroDivisionError, TypeError):
        return None


def read(headers=HEADERS, root=ROOT):
    """{name: value} of every integer #define in headers, in order."""
    known = {}
    for h in headers:
        with open(os.path.join(root, h)) as f:
            for line in f:
                m = DEFINE.match(line)
                if m and m.group(2):
                    v = evaluate(m.group(2), known)
                    if v is not None:
                        known[m.group(1)] = v
    return known


C = read()


def get(name):
    if name not in C:
        raise SystemExit(f"tools/limits.py: no integer #define {name} in {', '.join(HEADERS)}")
    return C[name]


# A system (cairn/sysdesc.h)
COMPS = get("CAIRN_SD_COMPS")                   # components, the rtos component included
PORTS = get("CAIRN_SD_PORTS")                   # ports
CORES = get("CAIRN_SD_CORES")                   # cores = 1 .. CORES
RTOS_CORES = get("CAIRN_SD_RTOS_CORES")         # cores the rtos component schedules
THREADS = get("CAIRN_SD_THREADS")               # threads the booter builds per component
DEPTH = get("CAIRN_SD_DEPTH")                   # levels of subsystems below a system
FIRST_SLOT = get("CAIRN_SD_FIRST_SLOT")         # a component's first granted slot
GRANTED_SLOTS = get("CAIRN_SD_GRANTED_SLOTS")   # gates and sync ports' sends, at most
HEAP_MAX = get("CAIRN_SD_HEAP_MAX")             # bytes of a component's heap
SEGMENT_WINDOW = (get("CAIRN_SD_SEGMENT_LO"), get("CAIRN_SD_SEGMENT_HI"))
# A component's red tape (cairn/root.h)
IMPORTS = get("CAIRN_ROOT_IMPORTS")
COMP_PORTS = get("CAIRN_ROOT_PORTS")            # port ends of one component
SEGMENTS = get("CAIRN_ROOT_SEGMENTS")           # segments mapped into one component
# Boot modules the root booter is given: its red tape's list, and the kernel's table of
# them (kernel/include/bootinfo.h), which holds the booter too. Both drop the rest.
MODULES = min(get("CAIRN_ROOT_MODULES"), get("BOOT_MAX_MODULES") - 1)
NAME_LEN = get("CAIRN_NAME_MAX") - 1            # characters of a name in the red tape
MODULE_NAME_LEN = get("CAIRN_MODULE_NAME_MAX") - 1
# An interface (cairn/sysdesc.h: the registers of a gate call)
IFACE_FUNCTIONS = get("CAIRN_SD_IFACE_FUNCTIONS")
IFACE_ARGS = get("CAIRN_SD_IFACE_ARGS")
IFACE_RESULTS = get("CAIRN_SD_IFACE_RESULTS")
# Others: interrupt lines (abi.h), the manager's pages (capmgr.h), romfs paths (romfs.h)
IRQ_LINES = get("CAIRN_IRQ_LINES")
BUDGET_MAX = get("CAPMGR_PAGES") * 4096         # bytes the manager may allocate for one component
ROMFS_PATH_LEN = get("CAIRN_ROMFS_PATH_MAX") - 1
