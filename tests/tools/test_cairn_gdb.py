"""test_cairn_gdb.py: make debug's component-aware gdb commands (tools/cairn_gdb.py,
docs/debugging.md).

The pure parts (the page walk, reading the booter's and the RTOS's tables) are tested
on a fake physical memory; then gdb runs in batch mode against QEMU halted with its gdb
stub, as `make debug` starts them (tools/qemu.py debug_config and gdb_command), on the
default system: cairn-components lists its components, a nested one included, cairn-threads the
threads, the running one marked, and
cairn-break stops in one component only at an address every component executes (its
entry, _start at 0x400000), with that component's symbols in effect, then in the
nested subsystem's guest, listed then in its own system. It needs the
programs built (`make all`, as `make test` does first), and takes a few seconds.

Run from the repository's root: python3 -m unittest discover -s tests/tools
"""
import os
import re
import socket
import struct
import subprocess
import sys
import unittest
import warnings

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import cairn_gdb  # noqa: E402
import qemu  # noqa: E402

GDB_TIMEOUT = 120   # s, on a loaded host


class Memory:
    """A fake physical memory: pages of bytes, and 4-level page tables built in it."""

    def __init__(self):
        self.pages, self.next = {}, 0x10000

    def page(self):
        pa, self.next = self.next, self.next + 4096
        self.pages[pa] = bytearray(4096)
        return pa

    def read(self, pa, n):
        base = pa & ~0xfff
        if base not in self.pages or (pa & 0xfff) + n > 4096:
            raise AssertionError(f"a read outside one page of the fake memory: {pa:#x}+{n}")
        return bytes(self.pages[base][pa & 0xfff:(pa & 0xfff) + n])

    def write(self, pa, data):
        self.pages[pa & ~0xfff][pa & 0xfff:(pa & 0xfff) + len(data)] = data

    def entry(self, table, index):
        return struct.unpack("<Q", self.read(table + index * 8, 8))[0]

    def map(self, root, va, pa, big=False):
        """Maps va to pa in the tables at root: a 4 KiB page, or (big) a 2 MiB one."""
        table = root
        for shift in (39, 30, 21) if not big else (39, 30):
            i = (va >> shift) & 511
            e = self.entry(table, i)
            if not e & 1:
                e = self.page() | 3
                self.write(table + i * 8, struct.pack("<Q", e))
            table = e & cairn_gdb.PAGE_ADDR
        shift = 21 if big else 12
        self.write(table + ((va >> shift) & 511) * 8, struct.pack("<Q", pa | 3 | (0x80 if big else 0)))


class PageWalk(unittest.TestCase):
    def setUp(self):
        self.m = Memory()
        self.root = self.m.page()

    def test_a_page_and_a_big_page(self):
        data = self.m.page()
        self.m.map(self.root, 0x400000, data)
        self.m.map(self.root, 0x7fff00200000, 0x3000000, big=True)
        self.assertEqual(cairn_gdb.translate(self.m.read, self.root, 0x400123), data + 0x123)
        self.assertEqual(cairn_gdb.translate(self.m.read, self.root, 0x7fff00212345), 0x3012345)

    def test_unmapped_is_none_and_a_read_of_it_an_error(self):
        self.assertIsNone(cairn_gdb.translate(self.m.read, self.root, 0x400000))
        with self.assertRaises(LookupError):
            cairn_gdb.Space(self.m.read, self.root).read(0x400000, 8)

    def test_a_read_across_pages(self):
        a, b = self.m.page(), self.m.page()
        self.m.map(self.root, 0x400000, b)     # out of order physically
        self.m.map(self.root, 0x401000, a)
        self.m.write(b + 4094, b"xy")
        self.m.write(a, b"zw\0")
        s = cairn_gdb.Space(self.m.read, self.root)
        self.assertEqual(s.read(0x400ffe, 4), b"xyzw")
        self.assertEqual(s.string(0x400ffe), "xyzw")


LAYOUT = {"booter.sd": 0, "booter.c": 16, "booter.c.count": 2, "bcomp.size": 64, "bcomp.sd": 0,
          "bcomp.tid": 8, "bcomp.state": 16, "bcomp.generation": 20, "sys.name": 0, "sys.ncomps": 8,
          "sdcomp.name": 0, "sdcomp.image": 8}


class Tables(unittest.TestCase):
    def setUp(self):
        self.m = Memory()
        self.root = self.m.page()
        self.data = self.m.page()
        self.m.map(self.root, 0x600000, self.data)
        self.space = cairn_gdb.Space(self.m.read, self.root)

    def put(self, off, data):
        self.m.write(self.data + off, data)

    def test_the_booters_components(self):
        q = lambda v: struct.pack("<Q", v)  # noqa: E731
        self.put(0x000, q(0x600800))                        # booter.sd
        for i, (sd, tid, state, gen) in enumerate([(0x600900, 2, 3, 1), (0x600920, 5, 2, 4)]):
            c = 16 + 64 * i
            self.put(c, q(sd) + q(tid) + struct.pack("<iI", state, gen))
        self.put(0x800, q(0x600a00) + struct.pack("<H", 3))  # ncomps 3 > the array's 2
        self.put(0x900, q(0x600a10) + q(0x600a20))
        self.put(0x920, q(0x600a30) + q(0x600a40))
        for off, s in ((0xa00, b"sys\0"), (0xa10, b"logger\0"), (0xa20, b"logger\0"),
                       (0xa30, b"vault\0"), (0xa40, b"vault+sandbox\0")):
            self.put(off, s)
        got = cairn_gdb.booter_components(self.space, LAYOUT, 0x600000)
        self.assertEqual(got, [
            {"name": "logger", "system": "sys", "image": "logger", "tid": 2, "state": 3, "generation": 1},
            {"name": "vault", "system": "sys", "image": "vault+sandbox", "tid": 5, "state": 2, "generation": 4}])

    def test_the_rtos_processes(self):
        layout = {"rproc.used": 2, "rproc.name": 8, "rproc.pt_frame": 40, "rproc.size": 64}
        self.put(64 + 2, b"\1")
        self.put(64 + 8, b"prodcons\0")
        self.put(64 + 40, struct.pack("<Q", 0x494000))
        self.put(128 + 8, b"unused\0")
        got = cairn_gdb.rtos_processes(self.space, layout, 0x600000, 3, "rtos")
        self.assertEqual(got, [{"name": "prodcons", "system": "rtos (RTOS)", "image": "prodcons", "tid": 0,
                                "state": 0, "generation": 0, "root": 0x494000}])


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


GDB_SCRIPT = """
cairn-break sensor _start
continue
cairn-components
cairn-threads
python print("CR3 " + hex(int(gdb.selected_frame().read_register("cr3"))))
info symbol $pc
cairn-symbols
cairn-break guest main
continue
cairn-components
info symbol $pc
kill
"""


class Port(unittest.TestCase):
    def test_gdb_port_is_checked(self):
        for bad in ("x", "0", "65536", "-1"):
            with self.assertRaises(SystemExit) as e:
                qemu.gdb_port(bad)
            self.assertEqual(e.exception.code, f"GDB_PORT={bad}: not a port number")
        with socket.socket() as busy:
            busy.bind(("127.0.0.1", 0))
            busy.listen()
            port = str(busy.getsockname()[1])
            with self.assertRaises(SystemExit) as e:
                qemu.gdb_port(port)
            self.assertIn(f"port {port} is in use", e.exception.code)
        self.assertEqual(qemu.gdb_port(port), port)     # free again


class Batch(unittest.TestCase):
    def test_components_listed_and_a_breakpoint_in_one_only(self):
        os.chdir(ROOT)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)   # sysgen's reads
            name, modules, _ = qemu.load_system("systems/default.toml")
        config = qemu.debug_config("systems/default.toml", name, modules)
        port = str(free_port())
        cmd = qemu.qemu_command(modules)
        vm = subprocess.Popen(cmd[:1] + ["-S", "-gdb", f"tcp:127.0.0.1:{port}"] + cmd[1:] + ["-serial", "null"],
                              stderr=subprocess.DEVNULL)
        try:
            script = os.path.join(qemu.BUILD, "debug", "test_cairn_gdb.gdb")
            with open(script, "w") as f:
                f.write(GDB_SCRIPT)
            r = subprocess.run(qemu.gdb_command(port, config) + ["-batch", "-x", script], stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=GDB_TIMEOUT, text=True)
        finally:
            vm.kill()
            vm.wait()
        out = r.stdout
        self.assertNotIn("Python Exception", out, out)
        self.assertRegex(out, r"cairn: breakpoint \d+ at 0x400000 \(_start\) in 'sensor' only")
        rows = {m.group(1): m for m in re.finditer(
            r"^(\w+)\s+(\w+)\s+(\S+)\s+(\d+)\s+(0x[0-9a-f]+)\s+(\w+)\s+(\w+)\s+\d+$", out, re.M)}
        for comp in ("logger", "sensor", "filter", "vault"):
            self.assertIn(comp, rows, out)
            self.assertEqual(rows[comp].group(2), "default")
        self.assertEqual(rows["vault"].group(3), "vault+sandbox")
        # the logger, started first, ran _start (the same address) before: the stop is the sensor's
        self.assertIn("Breakpoint 1, _start ()", out)
        self.assertEqual(re.search(r"^CR3 (0x[0-9a-f]+)$", out, re.M).group(1), rows["sensor"].group(5))
        self.assertNotEqual(rows["logger"].group(5), rows["sensor"].group(5))
        self.assertRegex(out, r"\n +1 runnable +0 booter +booter +0 0x4[0-9a-f]+\n")
        self.assertRegex(out, r"\n +\d+ runnable +0 sensor +sensor +0 \(running: \$pc\)\n")
        self.assertIn("_start in section .text of " + os.path.join(ROOT, "build/user/sensor.elf"), out)
        self.assertIn("cairn: symbols of " + os.path.join(ROOT, "build/user/sensor.elf") + " (auto)", out)
        # then one in the nested subsystem's guest: listed in its own system once built
        self.assertIn("guest", rows, out)
        self.assertEqual(rows["guest"].group(2), "sandbox")
        self.assertIn("main in section .text of " + os.path.join(ROOT, "build/user/guest.elf"), out)

if __name__ == "__main__":
    unittest.main()
