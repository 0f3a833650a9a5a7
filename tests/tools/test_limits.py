"""test_limits.py: tools/limits.py, tools/interface.py and the limits in tools/system.py.

The limits the tools read from the C headers are the values the C code compiles with
(cross-checked by compiling the headers, when a C compiler is present); the reading of
a #define; the generated header of an interface at every limit compiles, as client and
as server; each name interface.py reserves would break the generated C if it were let
through; a check of system.py that no directory of the tree can reach (a program path
too long for the romfs). tests/systems/ and tests/interfaces/ hold the description
cases (tools/test.py runs them).

Run from the repository's root: python3 -m unittest discover -s tests/tools
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from unittest import mock

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import abi  # noqa: E402
import interface  # noqa: E402
import limits  # noqa: E402
import sysgen  # noqa: E402
import system  # noqa: E402

CC = shutil.which("gcc") or shutil.which("cc")
# The C flags of a user program, enough to compile a header on the host.
CFLAGS = ["-std=gnu11", "-Wall", "-Wextra", "-Werror", "-ffreestanding", "-fsyntax-only",
          "-I" + os.path.join(ROOT, "include")]


def compile_c(text, *flags):
    """(ok, compiler output) of compiling text as a C file (with the generated wrappers
    cairn/syscall.h includes, as make writes them into build/gen)."""
    with tempfile.TemporaryDirectory() as d:
        os.makedirs(os.path.join(d, "cairn"))
        with open(os.path.join(d, "cairn", "wrappers.h"), "w") as f:
            f.write(abi.wrappers_text(abi.ops()))
        src = os.path.join(d, "t.c")
        with open(src, "w") as f:
            f.write(text)
        p = subprocess.run([CC, *CFLAGS, "-I" + d, *flags, src], capture_output=True, text=True)
        return p.returncode == 0, p.stderr


class Evaluate(unittest.TestCase):
    def test_numbers_suffixes_operators_names(self):
        known = {"A": 16}
        self.assertEqual(limits.evaluate("0x10000000UL", known), 0x10000000)
        self.assertEqual(limits.evaluate("(A - 4) * 2", known), 24)
        self.assertEqual(limits.evaluate("((1u << A) - 1)", known), 0xffff)
        self.assertEqual(limits.evaluate("A / 3", known), 5)
        self.assertEqual(limits.evaluate("CAIRN_UL(0x1000) + CAIRN_UL(A)", known), 0x1010)

    def test_what_is_not_an_integer_expression_is_skipped(self):
        for expr in ('"CNROMFS1"', "(uint64_t)4", "B + 1", "1 +", "sizeof(int)", "1 / 0"):
            self.assertIsNone(limits.evaluate(expr, {"A": 1}), expr)

    def test_read_takes_comments_off_and_uses_earlier_names(self):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "h.h"), "w") as f:
                f.write("#define X 4\t/* four */\n#define Y (X * 2)\n#define S \"s\"\n#  define Z Y\n")
            self.assertEqual(limits.read(("h.h",), d), {"X": 4, "Y": 8, "Z": 8})

    @unittest.skipUnless(CC, "no C compiler")
    def test_every_limit_is_what_c_compiles_with(self):
        names = [n for n in limits.C if n.startswith(("CAIRN_SD_", "CAIRN_ROOT_", "CAIRN_NAME_MAX",
                                                      "CAIRN_MODULE_NAME_MAX", "CAPMGR_PAGES",
                                                      "CAIRN_IRQ_LINES", "CAIRN_IRQ_ISA_END", "CAIRN_ROMFS_PATH_MAX", "CAIRN_PORT_SLOT",
                                                      "CAIRN_MAX_CORES"))
                 and not n.startswith(("CAIRN_ROOT_H", "CAIRN_ROOT_VA", "CAIRN_ROOT_MAGIC"))]
        self.assertGreaterEqual(len(names), 20)
        asserts = "".join(f"_Static_assert(({n}) == {limits.C[n]}ULL, \"{n}\");\n" for n in names)
        ok, err = compile_c("#include <cairn/sysdesc.h>\n#include <cairn/root.h>\n"
                            "#include <cairn/capmgr.h>\n#include <cairn/romfs.h>\n#include <cairn/port.h>\n"
                            + asserts)
        self.assertTrue(ok, err)


    @unittest.skipUnless(CC, "no C compiler")
    def test_the_layout_is_what_c_compiles_with(self):
        names = limits.read(("include/cairn/layout.h",))
        self.assertGreaterEqual(len(names), 16)
        self.assertLess(names["CAIRN_IMAGE_BASE"], names["CAIRN_IMAGE_TOP"])
        asserts = "".join(f"_Static_assert(({n}) == {v}ULL, \"{n}\");\n" for n, v in names.items())
        ok, err = compile_c("#include <cairn/layout.h>\n" + asserts)
        self.assertTrue(ok, err)


class DocTable(unittest.TestCase):
    def test_the_manuals_limits_table_is_generated_from_the_headers(self):
        with open(os.path.join(ROOT, "docs", "systems.md")) as f:
            lines = f.read().split("\n")
        want = limits.doc_table()
        self.assertIn(want[0], lines, "docs/systems.md has no Limits table")
        start = lines.index(want[0])
        end = start
        while end < len(lines) and lines[end].startswith("|"):
            end += 1
        self.assertEqual(lines[start:end], want, "docs/systems.md's Limits table and the headers disagree: "
                         "python3 tools/limits.py prints the table to paste")

    def test_a_changed_limit_changes_the_table(self):
        with mock.patch.object(limits, "IMPORTS", limits.IMPORTS + 1):
            self.assertIn(f"| imports of a component | {limits.IMPORTS} | `CAIRN_ROOT_IMPORTS` | its red tape |",
                          limits.doc_table())


class InterfaceHeader(unittest.TestCase):
    AT_LIMITS = os.path.join(ROOT, "tests", "interfaces", "ok_at_limits_23_chars_x.toml")

    def header(self, name, fns):
        return sysgen.header_text("t.toml", name, fns)

    @unittest.skipUnless(CC, "no C compiler")
    def test_an_interface_at_every_limit_compiles_as_client_and_server(self):
        name, fns = interface.load(self.AT_LIMITS)
        self.assertEqual((len(fns), len(fns[0][1]), len(fns[0][2])),
                         (limits.IFACE_FUNCTIONS, limits.IFACE_ARGS, limits.IFACE_RESULTS))
        text = sysgen.interface_header(self.AT_LIMITS)
        for serve in ("", f"#define CAIRN_SERVE_{name.upper()}\n"):
            ok, err = compile_c(serve + text)
            self.assertTrue(ok, err)

    @unittest.skipUnless(CC, "no C compiler")
    def test_each_reserved_name_would_break_the_generated_c(self):
        for word in [*interface.RESERVED, "int", "cairn_word"]:
            broken = any(not compile_c(serve + self.header("t", fns))[0]
                         for fns in ([("f", [word, "x"], [])], [("f", [], ["r0", word])])
                         for serve in ("", "#define CAIRN_SERVE_T\n"))
            self.assertTrue(broken, f"an argument or result named {word!r} compiles: why reserve it?")

    @unittest.skipUnless(CC, "no C compiler")
    def test_reserved_function_names_would_collide(self):
        for fns in ([("functions", [], [])], [("get", [], []), ("get_serve", [], [])]):
            ok, _ = compile_c("#define CAIRN_SERVE_T\n" + self.header("t", fns))
            self.assertFalse(ok, fns)


class SystemLimits(unittest.TestCase):
    def test_a_program_path_past_the_romfs_limit(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "x.toml")
            with open(path, "w") as f:
                f.write('[system]\nname = "x"\nmemory = "16M"\n[rtos]\nmemory = "4M"\n'
                        'programs = ["prodcons"]\n')
            system.load(path)       # /bin/prodcons: 13 characters
            with mock.patch.object(limits, "ROMFS_PATH_LEN", 12):
                with self.assertRaises(system.DescError) as e:
                    system.load(path)
            self.assertEqual(str(e.exception), f"{path}:6: rtos: program prodcons: its path /bin/prodcons "
                             "is 13 characters, at most 12 (CAIRN_ROMFS_PATH_MAX)")


def elf_with(segments):
    """A 64-bit ELF's bytes: its header and the program headers (type, flags, vaddr, memsz)."""
    import struct
    head = bytearray(64)
    head[0:4] = b"\x7fELF"
    struct.pack_into("<Q", head, 0x20, 64)
    struct.pack_into("<HH", head, 0x36, 56, len(segments))
    return bytes(head) + b"".join(struct.pack("<IIQQQQQQ", t, f, 0, va, va, 0, sz, 4096)
                                  for t, f, va, sz in segments)


class CheckpointRoom(unittest.TestCase):
    """tools/sysgen.py's check of the records a checkpoint may need (PERSIST_ROOM)."""

    def test_writable_pages_are_the_union_of_writable_loads(self):
        segs = [(1, 5, 0x400000, 0x3000),          # text: not writable
                (1, 6, 0x404000, 0x1800),          # data: 2 pages
                (1, 6, 0x405800, 0x2000),          # overlaps the last: 0x405000..0x407800, 2 more
                (2, 6, 0x500000, 0x1000),          # not PT_LOAD
                (1, 6, 0x600000, 0)]               # empty
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "x.elf")
            with open(path, "wb") as f:
                f.write(elf_with(segs))
            self.assertEqual(sysgen.writable_pages(path), {0x404000, 0x405000, 0x406000, 0x407000})

    def check(self, room, budgets):
        data = {"component": [{"name": "cp", "imports": ["persist"]}] +
                [{"name": f"p{k}", "persistent": True, "stack": "16K", "heap": "8K", "budget": b}
                 for k, b in enumerate(budgets)]}
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "x.toml")
            with open(path, "w") as f:
                for c in data["component"]:
                    f.write("[[component]]\n" + "".join(
                        f"{k} = {'true' if v is True else repr(v).replace(chr(39), chr(34))}\n" for k, v in c.items()))
            images = {c["name"]: (c["name"], "unused") for c in data["component"]}
            with mock.patch.object(limits, "CHECKPOINT_ROOM", room), \
                    mock.patch.object(sysgen, "writable_pages", lambda elf: {0, 4096, 8192}):
                sysgen.check_checkpoint_room(path, data, images)

    def test_the_room_exactly_fits(self):
        # each: thread 1, image 3, stack 4, heap 2, budget 2 or 0: 12 and 10
        self.check(22, ["8K", 0])
        self.check(12, ["8K"])

    def test_one_record_past_the_room_names_the_component_that_passes_it(self):
        with self.assertRaises(sysgen.GenError) as e:
            self.check(21, ["8K", 0])
        first, second = str(e.exception).splitlines()
        self.assertRegex(first, r"x\.toml:12: component 'p1': is persistent: a checkpoint could need more "
                         r"records than the 21 that fit")
        self.assertEqual(second, "  the persistent components up to it could need 22; its own: thread 1, "
                         "image 3, stack 4, heap 2, budget 0 (pages)")
        with self.assertRaises(sysgen.GenError) as e:
            self.check(11, ["8K", 0])
        self.assertIn("component 'p0'", str(e.exception))

    def test_components_not_persistent_are_not_counted(self):
        self.check(0, [])


if __name__ == "__main__":
    unittest.main()
