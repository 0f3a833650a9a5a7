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
           "include/cairn/capmgr.h", "include/cairn/romfs.h", "include/cairn/port.h", "kernel/include/bootinfo.h",
           "include/cairn/sock.h", "include/cairn/rtos_abi.h", "include/cairn/persist.h")

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
REGIONS = get("CAIRN_SD_REGIONS")               # data regions of a system
REGION_MAX = get("CAIRN_SD_REGION_MAX")         # bytes of one region
REGION_SPACE = get("CAIRN_SD_REGION_SPACE")     # every region and its guard page
# A component's red tape (cairn/root.h)
IMPORTS = get("CAIRN_ROOT_IMPORTS")
COMP_PORTS = get("CAIRN_ROOT_PORTS")            # port ends of one component
SEGMENTS = get("CAIRN_ROOT_SEGMENTS")           # segments mapped into one component
DEVICES = get("CAIRN_IO_DEVICES")             # PCI devices bound to one component
COMP_REGIONS = get("CAIRN_IO_REGIONS")          # data regions one component shares
# Boot modules the root booter is given: its red tape's list, and the kernel's table of
# them (kernel/include/bootinfo.h: CAIRN_ROOT_MODULES, the booter included). The kernel
# leaves the loader's others off and its banner says so.
MODULES = min(get("CAIRN_ROOT_MODULES"), get("BOOT_MAX_MODULES") - 1)
NAME_LEN = get("CAIRN_NAME_MAX") - 1            # characters of a name in the red tape
MODULE_NAME_LEN = get("CAIRN_MODULE_NAME_MAX") - 1
ARGS_LEN = get("CAIRN_MODULE_ARGS_MAX") - 1     # characters of a component's args (cairn_root.args)
# An interface (cairn/sysdesc.h: the registers of a gate call)
IFACE_FUNCTIONS = get("CAIRN_SD_IFACE_FUNCTIONS")
IFACE_ARGS = get("CAIRN_SD_IFACE_ARGS")
IFACE_RESULTS = get("CAIRN_SD_IFACE_RESULTS")
# Others: interrupt lines (abi.h), the manager's pages (capmgr.h), romfs paths (romfs.h)
IRQ_LINES = get("CAIRN_IRQ_LINES")
IRQ_ISA_END = get("CAIRN_IRQ_ISA_END")       # a description's `irq` lines: ISA, below it
BUDGET_MAX = get("CAPMGR_PAGES") * 4096         # bytes the manager may allocate for one component
ROMFS_PATH_LEN = get("CAIRN_ROMFS_PATH_MAX") - 1
CHECKPOINT_ROOM = get("PERSIST_ROOM")           # records of one checkpoint (cairn/persist.h)
# A port's ring (cairn/port.h): powers of two in these bounds
PORT_SLOT_SIZE = (get("CAIRN_PORT_SLOT_MIN"), get("CAIRN_PORT_SLOT_MAX"))
SOCK_LINKS = get("SOCK_LINKS")                  # socket links sock0.. (cairn/sock.h): [rtos] net = true
SOCK_SLOT = get("SOCK_SLOT")                    # their queues' slot size
RTOS_MSG_BYTES = get("RTOS_MSG_BYTES")          # a port of the rtos component: its slot at most (docs/rtos.md "Ports")
PORT_SLOTS = (get("CAIRN_PORT_SLOTS_MIN"), get("CAIRN_PORT_SLOTS_MAX"))
# The address space (cairn/layout.h)
IMAGE = (get("CAIRN_IMAGE_BASE"), get("CAIRN_IMAGE_TOP"))
HEAP_VA = get("CAIRN_HEAP_VA")


def size_text(n):
    for shift, unit in ((30, "G"), (20, "M"), (10, "K")):
        if n and n % (1 << shift) == 0:
            return f"{n >> shift}{unit}"
    return str(n)


def doc_table():
    """docs/systems.md's "Limits" table, its values from the headers: the rows as the
    manual must have them (tests/tools/test_limits.py holds it to them; `python3
    tools/limits.py` prints them to paste)."""
    lo, hi = SEGMENT_WINDOW
    rows = [
        ("limit", "value", "defined by", "why"),
        ("components of a system (the rtos component included)", COMPS, "`CAIRN_SD_COMPS`",
         "the booter's and the manager's tables"),
        ("ports of a system", PORTS, "`CAIRN_SD_PORTS`", "the booter's table of rings"),
        ("port ends of a component", COMP_PORTS, "`CAIRN_ROOT_PORTS`", "its red tape"),
        ("imports of a component", IMPORTS, "`CAIRN_ROOT_IMPORTS`", "its red tape"),
        ("exports of a component", "none", "", "not in its red tape"),
        ("segments mapped into a component", SEGMENTS, "`CAIRN_ROOT_SEGMENTS`", "its red tape"),
        ("PCI devices bound to a component", DEVICES, "`CAIRN_IO_DEVICES`",
         "its I/O page (a device's entry lists its six BARs and a copy of its configuration space)"),
        ("data regions of a system", REGIONS, "`CAIRN_SD_REGIONS`", "the booter's table of regions"),
        ("data regions a component shares", COMP_REGIONS, "`CAIRN_IO_REGIONS`", "its I/O page"),
        ("bytes of a data region", size_text(REGION_MAX), "`CAIRN_SD_REGION_MAX`",
         "bounds a region's frames and its share of the window"),
        ("bytes of every data region, a guard page after each", size_text(REGION_SPACE),
         "`CAIRN_SD_REGION_SPACE`", f"their window, `{get('CAIRN_REGION_VA'):#x}` up (`cairn/layout.h`)"),
        ("gates of its imports (a function each) and sends of its sync ports", GRANTED_SLOTS,
         "`CAIRN_SD_GRANTED_SLOTS`", f"slots {FIRST_SLOT}..{FIRST_SLOT + GRANTED_SLOTS - 1} "
         "(`CAIRN_SD_FIRST_SLOT`), the first leaf of its table"),
        ("threads of a component", THREADS, "`CAIRN_SD_THREADS`",
         "the booter builds the first; a component makes any others"),
        ("heap of a component", size_text(HEAP_MAX), "`CAIRN_SD_HEAP_MAX`",
         f"it lies between `{HEAP_VA:#x}` and the port rings"),
        ("budget of a component", size_text(BUDGET_MAX), "`CAPMGR_PAGES` (`cairn/capmgr.h`)",
         "the manager's pages for it"),
        ("records of a checkpoint: the persistent components' threads and pages (image data, "
         "stack, heap, budget), and their copies", CHECKPOINT_ROOM, "`PERSIST_ROOM` (`cairn/persist.h`)",
         "the checkpointer's buffer; `tools/sysgen.py` counts all but the copies"),
        ("names of components, ports, segments, interfaces", f"{NAME_LEN} characters", "`CAIRN_NAME_MAX`",
         "the red tape's names"),
        ("a component's `args`", f"{ARGS_LEN} characters", "`CAIRN_MODULE_ARGS_MAX`",
         "the red tape's `args`"),
        ("names of boot modules (an image, `<image>+<subsystem>`, `seg.<segment>`)",
         f"{MODULE_NAME_LEN} characters", "`CAIRN_MODULE_NAME_MAX`", "the red tape's module list"),
        ("boot modules, besides the booter (images, a child's images, segments, the RTOS's file system)",
         MODULES, "`BOOT_MAX_MODULES` (`kernel/include/bootinfo.h`, the booter included), "
         "`CAIRN_ROOT_MODULES`", "the kernel's table of modules, the booter's red tape"),
        ("cores of a system", CORES, "`CAIRN_SD_CORES`, `CAIRN_MAX_CORES` (`cairn/abi.h`)",
         "the kernel's and the booter's per-core state"),
        ("cores of a system with `[rtos]`", RTOS_CORES, "`CAIRN_SD_RTOS_CORES`",
         "the RTOS's schedulers (`components/rtos`: past it, it says so and does not start)"),
        ("levels of nested subsystems", DEPTH, "`CAIRN_SD_DEPTH`",
         "a child has no subsystems, segments, interrupt lines or RTOS"),
        ("an image's place", f"`[{IMAGE[0]:#x}, {IMAGE[1]:#x})`",
         "`CAIRN_IMAGE_BASE`, `_TOP` (`cairn/layout.h`)",
         "below the windows and segments; `user.ld` links no image past it"),
        ("segments' place", f"`[{lo:#x}, {hi:#x})`", "`CAIRN_SD_SEGMENT_LO`, `_HI`",
         "above the images, in every address space"),
        ("interrupt lines", f"1..{IRQ_ISA_END - 1} but 2", "`CAIRN_IRQ_ISA_END` (`cairn/abi.h`)",
         "0 is the timer, 2 the cascade; a device's MSI lines are the booter's"),
        ("functions of an interface; arguments; results", f"{IFACE_FUNCTIONS}; {IFACE_ARGS}; {IFACE_RESULTS}",
         "`CAIRN_SD_IFACE_*`", "the registers of a gate call"),
        ("an RTOS program's path, `/bin/<program>`", f"{ROMFS_PATH_LEN} characters",
         "`CAIRN_ROMFS_PATH_MAX` (`cairn/romfs.h`)", "the romfs"),
    ]
    lines = ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return [lines[0], "|---|---|---|---|"] + [line.replace("|  |", "| |") for line in lines[1:]]


if __name__ == "__main__":
    print("\n".join(doc_table()))
