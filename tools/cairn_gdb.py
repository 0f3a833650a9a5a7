"""cairn_gdb.py: gdb commands that know Cairn's components (docs/debugging.md). `make
debug` (tools/qemu.py debug) loads it into gdb with the kernel's symbols and runs
`cairn-load` on the run's description (build/debug/<system>.json: the images by name).

    cairn-components          the components of the system and of its nested subsystems:
                              system, image, thread, page-table root (CR3), state
    cairn-threads             every thread the kernel holds: id, state, core, the component
                              it belongs to and the one it runs in now, its saved rip
    cairn-break COMP LOC      a breakpoint at LOC (a gdb location: a function, file:line,
                              *address) in component COMP's image, that stops only in
                              COMP's address space (CR3 equal to its page-table root)
    cairn-symbols [COMP|IMAGE|auto]
                              the user symbols in effect: those of one component or
                              program image (build/user/<image>.elf), or (auto, the default)
                              those of the component whose address space the CPU is in,
                              switched at each stop

Every image is linked at the same address (0x400000), so only one image's symbols are
loaded at a time (add-symbol-file), beside the kernel's. What belongs to whom is read
from memory with the kernel's symbols: its frame table (every thread and component
object), a thread's home component and that component's page-table root; and from the
booter's tables (struct booter in lib/libboot/libboot.h, the names and images of its
components, each one's thread id), read through the booter's page tables in the
kernel's direct map. A component that boots a subsystem (it links libboot's
cairn_boot) is read the same way, for the subsystem's components.

The layout of the booter's tables is taken from the booter's own debug information
(loaded for a moment); the page walk and the table reading are pure functions of a
memory reader (tests/tools/test_cairn_gdb.py tests them without gdb).
"""
import json
import os
import struct
import subprocess

try:
    import gdb
except ImportError:     # imported by the tests, outside gdb
    gdb = None

DIRECT_MAP = 0xffff800000000000     # kernel/arch/x86_64/include/memlayout.h DIRECT_MAP_BASE
USER_TOP = 0x0000800000000000
PAGE_ADDR = 0x000ffffffffff000      # a page-table entry's address bits
BOOT_STATES = {1: "runnable", 2: "blocked", 3: "stopped"}    # libboot.h T_*


# --- pure: page walk and the booter's tables ------------------------------------------

def translate(read, root, va):
    """The physical address va maps to in the page tables rooted at root (x86-64, 4
    levels), or None. read(pa, n) reads physical memory."""
    table = root & PAGE_ADDR
    for level, shift in enumerate((39, 30, 21, 12)):
        entry = struct.unpack("<Q", read(table + ((va >> shift) & 511) * 8, 8))[0]
        if not entry & 1:
            return None
        if level in (1, 2) and entry & 0x80:    # a 1 GiB or 2 MiB page
            size = 1 << shift
            return (entry & PAGE_ADDR & ~(size - 1)) | (va & (size - 1))
        table = entry & PAGE_ADDR
    return table | (va & 0xfff)


class Space:
    """An address space's memory: read(va, n) through the tables at root."""

    def __init__(self, read_phys, root):
        self.read_phys, self.root = read_phys, root

    def read(self, va, n):
        out = b""
        while n:
            pa = translate(self.read_phys, self.root, va)
            if pa is None:
                raise LookupError(f"0x{va:x} is not mapped in the space at 0x{self.root:x}")
            k = min(n, 4096 - (va & 0xfff))
            out += self.read_phys(pa, k)
            va, n = va + k, n - k
        return out

    def u(self, va, size):
        return int.from_bytes(self.read(va, size), "little")

    def string(self, va, most=64):
        s = b""
        while len(s) < most:
            c = self.read(va + len(s), 1)
            if c == b"\0":
                break
            s += c
        return s.decode("utf-8", "replace")


def booter_components(space, layout, booter_va):
    """The components a booter's tables (struct booter at booter_va in space) describe:
    [{name, system, image, tid, state, generation}]. layout: the offsets and sizes of
    the fields read (booter_layout)."""
    L = layout
    sd = space.u(booter_va + L["booter.sd"], 8)
    system = space.string(space.u(sd + L["sys.name"], 8))
    ncomps = space.u(sd + L["sys.ncomps"], 2)
    out = []
    for i in range(min(ncomps, L["booter.c.count"])):
        c = booter_va + L["booter.c"] + i * L["bcomp.size"]
        csd = space.u(c + L["bcomp.sd"], 8)
        out.append({"name": space.string(space.u(csd + L["sdcomp.name"], 8)), "system": system,
                    "image": space.string(space.u(csd + L["sdcomp.image"], 8)),
                    "tid": space.u(c + L["bcomp.tid"], 8), "state": space.u(c + L["bcomp.state"], 4),
                    "generation": space.u(c + L["bcomp.generation"], 4)})
    return out


# --- gdb: the kernel's objects -------------------------------------------------------

def read_phys(pa, n):
    return bytes(gdb.selected_inferior().read_memory(DIRECT_MAP + pa, n))


def kernel_objfile():
    return gdb.objfiles()[0]


def ktype(name):
    block = kernel_objfile().lookup_global_symbol("kmain").symtab.static_block()
    return gdb.lookup_type(name, block)


def kvalue(name):
    o = kernel_objfile()
    s = o.lookup_global_symbol(name) or o.lookup_static_symbol(name)
    return s.value()


def kernel_threads():
    """Every thread object (the frame table's OBJ_THREAD frames): [{id, state, core,
    depth, home_root, comp_root, rip, running}]; running: a core runs it now (its
    cpus[].cur_regs, which a thread's registers open), so its saved rip is stale."""
    frames = kvalue("frames")
    n, table = int(frames["nframes"]), int(frames["f"])
    if not n:
        raise gdb.GdbError("the kernel has not set up its memory yet (continue past kmain)")
    ftype = ktype("struct frame")
    size, obj_off = ftype.sizeof, next(f.bitpos // 8 for f in ftype.fields() if f.name == "obj")
    raw = bytes(gdb.selected_inferior().read_memory(table, n * size))
    want = int(gdb.parse_and_eval("OBJ_THREAD"))
    cpus = kvalue("cpus")
    running = {int(cpus[i]["cur_regs"]) for i in range(cpus.type.range()[1] + 1)} - {0}
    tptr = ktype("struct thread").pointer()
    states = {f.enumval: f.name.replace("THREAD_", "").lower() for f in ktype("enum thread_state").fields()}
    out = []
    for i in range(n):
        if raw[i * size + obj_off] != want:
            continue
        t = gdb.Value(DIRECT_MAP + i * 4096).cast(tptr).dereference()
        out.append({"id": int(t["id"]), "state": states.get(int(t["state"]), str(int(t["state"]))),
                    "core": int(t["core"]), "depth": int(t["depth"]),
                    "home_root": int(t["home"]["pgtbl_phys"]) if int(t["home"]) else 0,
                    "comp_root": int(t["comp"]["pgtbl_phys"]) if int(t["comp"]) else 0,
                    "rip": int(t["regs"]["rip"]), "running": DIRECT_MAP + i * 4096 in running})
    return sorted(out, key=lambda t: t["id"])


def current_root():
    return int(gdb.selected_frame().read_register("cr3")) & PAGE_ADDR


# --- gdb: the system -----------------------------------------------------------------

class Cairn:
    """The run's description (cairn-load) and what was read of the system."""
    config = {"system": "?", "images": {}}
    layout = None
    rtos_layout = None
    symbols = None      # the ELF whose symbols are loaded, or None
    mode = "auto"       # "auto" or a fixed ELF path
    roots = {}          # page-table root -> component (cache: components())

    @classmethod
    def elf_of(cls, image):
        path = cls.config["images"].get(image) or os.path.join("build", "user", image + ".elf")
        return os.path.abspath(path) if os.path.exists(path) else None


def nm_entry(elf, name):
    """(address, size) of the symbol name in elf (nm -S), or None."""
    out = subprocess.run(["nm", "-S", elf], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[3] == name:
            return int(parts[0], 16), int(parts[1], 16)
    return None


def nm_symbol(elf, name):
    e = nm_entry(elf, name)
    return e and e[0]


def nm_size(elf, name):
    e = nm_entry(elf, name)
    return e[1] if e else 0


def struct_layout(elf, anchor, fields, arrays=()):
    """{key: offset} of fields ({key: (struct type, field)}) and {key: size} of types
    (key "<type>.size" for each type named), {key: count} of arrays ({key: (type,
    field)}), from elf's debug information (loaded for a moment with add-symbol-file;
    anchor: a function of elf whose file sees the types)."""
    elf = os.path.abspath(elf)
    gdb.execute(f"add-symbol-file {elf}", to_string=True)
    try:
        block = gdb.lookup_objfile(elf).lookup_global_symbol(anchor).symtab.static_block()
        out = {}
        for key, (tname, field) in fields.items():
            t = gdb.lookup_type(tname, block)
            out[key] = next(f.bitpos // 8 for f in t.fields() if f.name == field)
            out[tname + ".size"] = t.sizeof
        for key, (tname, field) in dict(arrays).items():
            out[key] = gdb.lookup_type(tname, block)[field].type.range()[1] + 1
        return out
    finally:
        gdb.execute(f"remove-symbol-file {elf}", to_string=True)


def booter_layout(elf):
    """The offsets booter_components reads (libboot.h, cairn/sysdesc.h)."""
    L = struct_layout(elf, "cairn_boot", {
        "booter.sd": ("struct booter", "sd"), "booter.c": ("struct booter", "c"),
        "bcomp.sd": ("struct bcomp", "sd"), "bcomp.tid": ("struct bcomp", "tid"),
        "bcomp.state": ("struct bcomp", "state"), "bcomp.generation": ("struct bcomp", "generation"),
        "sys.name": ("struct cairn_sd_system", "name"), "sys.ncomps": ("struct cairn_sd_system", "ncomps"),
        "sdcomp.name": ("struct cairn_sd_comp", "name"), "sdcomp.image": ("struct cairn_sd_comp", "image")},
        {"booter.c.count": ("struct booter", "c")})
    L["bcomp.size"] = L["struct bcomp.size"]
    return L


def rtos_layout(elf):
    """The offsets rtos_processes reads (components/rtos/rtos.h)."""
    L = struct_layout(elf, "main", {"rproc.used": ("struct rproc", "used"),
                                    "rproc.name": ("struct rproc", "name"),
                                    "rproc.pt_frame": ("struct rproc", "pt_frame")})
    L["rproc.size"] = L["struct rproc.size"]
    return L


def rtos_processes(space, layout, procs_va, count, rtos_name):
    """The RTOS's live processes (its procs[count] at procs_va in space), as
    components: [{name, system, image, tid, state, generation, root}]; a process runs
    the program its name names."""
    L, out = layout, []
    for i in range(count):
        p = procs_va + i * L["rproc.size"]
        if not space.u(p + L["rproc.used"], 1):
            continue
        name = space.string(p + L["rproc.name"])
        out.append({"name": name, "system": f"{rtos_name} (RTOS)", "image": name, "tid": 0, "state": 0,
                    "generation": 0, "root": space.u(p + L["rproc.pt_frame"], 8)})
    return out


def components():
    """Every component of the system and its subsystems, with its thread's page-table
    root: the root booter's tables (its thread is the kernel's first), then those of
    each component that boots a subsystem and the processes of an RTOS."""
    try:
        return read_components()
    except gdb.MemoryError:
        raise gdb.GdbError("the kernel's memory cannot be read yet: continue past kmain first")


def read_components():
    threads = {t["id"]: t for t in kernel_threads()}
    first = kvalue("first")
    if not int(first):
        raise gdb.GdbError("the booter has not started yet")
    booter_elf = Cairn.config.get("booter")
    if Cairn.layout is None:
        Cairn.layout = booter_layout(booter_elf)
    out = []

    def read(elf, root, depth):
        va = nm_symbol(elf, "booter") if elf else None
        if va is None or depth > 4:
            return
        try:
            comps = booter_components(Space(read_phys, root), Cairn.layout, va)
        except LookupError:
            return      # not built yet
        for c in comps:
            t = threads.get(c["tid"])
            c["root"] = t["home_root"] if t else 0
            c["thread"] = t
            c["elf"] = Cairn.elf_of(c["image"])
            out.append(c)
            if c["root"] and c["elf"] and c["elf"] != elf:
                read(c["elf"], c["root"], depth + 1)
                processes(c)

    def processes(c):
        va = nm_symbol(c["elf"], "procs")
        if va is None:
            return
        if Cairn.rtos_layout is None:
            Cairn.rtos_layout = rtos_layout(c["elf"])
        size = nm_size(c["elf"], "procs")
        try:
            procs = rtos_processes(Space(read_phys, c["root"]), Cairn.rtos_layout, va,
                                   size // Cairn.rtos_layout["rproc.size"], c["name"])
        except LookupError:
            return
        for p in procs:
            p["thread"], p["elf"] = None, Cairn.elf_of(p["image"])
            out.append(p)

    read(booter_elf, int(first["home"]["pgtbl_phys"]), 0)
    Cairn.roots = {c["root"]: c for c in out if c["root"]}
    Cairn.roots[int(first["home"]["pgtbl_phys"])] = {"name": "booter", "elf": booter_elf,
                                                      "system": Cairn.config["system"]}
    return out


def component_at(root, refresh=True):
    c = Cairn.roots.get(root)
    if c is None and refresh:
        try:
            components()
        except (gdb.error, gdb.GdbError, gdb.MemoryError, LookupError):
            return None     # not up yet: nothing is that component
        c = Cairn.roots.get(root)
    return c


def use_symbols(elf):
    """Loads elf's symbols in place of the user image's loaded now (None: none)."""
    elf = elf and os.path.abspath(elf)
    if elf == Cairn.symbols:
        return
    if Cairn.symbols:
        gdb.execute(f"remove-symbol-file {Cairn.symbols}", to_string=True)
        Cairn.symbols = None
    if elf:
        gdb.execute(f"add-symbol-file {elf}", to_string=True)
        Cairn.symbols = elf


def on_stop(event):
    """At a stop in user space (auto mode): the symbols of the component the CPU is in."""
    if Cairn.mode != "auto":
        return
    try:
        if int(gdb.selected_frame().pc()) >= USER_TOP:
            return
        c = component_at(current_root())
    except (gdb.error, gdb.GdbError, gdb.MemoryError):
        return
    if c and c.get("elf"):
        use_symbols(c["elf"])


class ComponentBreakpoint(gdb.Breakpoint if gdb else object):
    """A breakpoint at an address that stops only in one component's address space."""

    def __init__(self, address, comp):
        super().__init__(f"*0x{address:x}")
        self.comp = comp

    def stop(self):
        c = component_at(current_root())
        if not c or c["name"] != self.comp:
            return False
        if Cairn.mode == "auto" and c.get("elf"):
            use_symbols(c["elf"])   # before gdb shows where it stopped
        return True


def find(name):
    comps = components()
    for c in comps:
        if c["name"] == name:
            return c
    raise gdb.GdbError(f"no component '{name}' (cairn-components lists them)")


if gdb:
    class Load(gdb.Command):
        """cairn-load FILE: the run's description (tools/qemu.py debug writes it)."""

        def __init__(self):
            super().__init__("cairn-load", gdb.COMMAND_USER)

        def invoke(self, arg, from_tty):
            with open(arg.strip()) as f:
                Cairn.config = json.load(f)
            gdb.execute("set confirm off")
            print(f"cairn: system '{Cairn.config['system']}', {len(Cairn.config['images'])} images; "
                  "cairn-components, cairn-threads, cairn-break, cairn-symbols")

    class Components(gdb.Command):
        """cairn-components: the components, their address spaces and states."""

        def __init__(self):
            super().__init__("cairn-components", gdb.COMMAND_USER)

        def invoke(self, arg, from_tty):
            print(f"{'component':16} {'system':14} {'image':16} {'thread':>6} {'root (cr3)':>12} "
                  f"{'booter says':12} {'kernel says':12} gen")
            for c in components():
                t = c["thread"]
                print(f"{c['name']:16} {c['system']:14} {c['image']:16} {c['tid'] or '-':>6} {c['root']:>#12x} "
                      f"{BOOT_STATES.get(c['state'], '-'):12} {t['state'] if t else '-':12} "
                      f"{c['generation'] or '-'}")

    class Threads(gdb.Command):
        """cairn-threads: every thread, its state, core and components."""

        def __init__(self):
            super().__init__("cairn-threads", gdb.COMMAND_USER)

        def invoke(self, arg, from_tty):
            threads = kernel_threads()
            try:
                components()
            except (gdb.error, gdb.GdbError, gdb.MemoryError, LookupError):
                pass        # threads without component names

            def name(root):
                c = Cairn.roots.get(root)
                return c["name"] if c else f"space {root:#x}"
            print(f"{'id':>4} {'state':9} {'core':>4} {'component':16} {'runs in':16} {'depth':>5} saved rip")
            for t in threads:
                print(f"{t['id']:>4} {t['state']:9} {t['core']:>4} {name(t['home_root']):16} "
                      f"{name(t['comp_root']):16} {t['depth']:>5} "
                      f"{'(running: $pc)' if t['running'] else hex(t['rip'])}")

    class Break(gdb.Command):
        """cairn-break COMPONENT LOCATION: a breakpoint in that component only."""

        def __init__(self):
            super().__init__("cairn-break", gdb.COMMAND_BREAKPOINTS)

        def invoke(self, arg, from_tty):
            parts = arg.split(None, 1)
            if len(parts) != 2:
                raise gdb.GdbError("usage: cairn-break COMPONENT LOCATION")
            comp, loc = parts
            image = Cairn.config.get("components", {}).get(comp)
            if image is None:
                image = find(comp)["image"]
            elf = Cairn.elf_of(image)
            if not elf:
                raise gdb.GdbError(f"no ELF for image '{image}'")
            before = Cairn.symbols
            use_symbols(elf)
            try:
                pcs = [int(sal.pc) for sal in gdb.decode_line(loc)[1] or []]
            finally:
                use_symbols(before)     # the addresses stay: a breakpoint at *address
            for pc in pcs:
                bp = ComponentBreakpoint(pc, comp)
                print(f"cairn: breakpoint {bp.number} at 0x{pc:x} ({loc}) in '{comp}' only")

    class Symbols(gdb.Command):
        """cairn-symbols [COMPONENT|IMAGE|auto]: which user image's symbols are in effect."""

        def __init__(self):
            super().__init__("cairn-symbols", gdb.COMMAND_FILES)

        def invoke(self, arg, from_tty):
            arg = arg.strip()
            if not arg:
                print(f"cairn: symbols of {Cairn.symbols or 'no user image'} ({Cairn.mode})")
                return
            if arg == "auto":
                Cairn.mode = "auto"
                on_stop(None)
            else:
                image = Cairn.config.get("components", {}).get(arg, arg)
                elf = Cairn.elf_of(image)
                if not elf:
                    raise gdb.GdbError(f"no component or image '{arg}'")
                Cairn.mode = elf
                use_symbols(elf)
            print(f"cairn: symbols of {Cairn.symbols or 'no user image'} ({'auto' if Cairn.mode == 'auto' else 'fixed'})")

    Load()
    Components()
    Threads()
    Break()
    Symbols()
    gdb.events.stop.connect(on_stop)
