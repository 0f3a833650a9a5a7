"""test_abi.py: tools/abi.py (the wrappers generated from include/cairn/abi.h) and
tools/check_abi.py (the manual and the kernel checked against it).

check_abi.py passes on the tree as it is and fails, naming the operation, on a copy of
it where the manual and abi.h disagree: arguments swapped, a register left out, an
error named only in Notes, a lookup error missing, a row missing. The generated
wrappers compile with -Werror and keep the prototypes the manual gives.

Run from the repository's root: python3 -m unittest discover -s tests/tools
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import abi  # noqa: E402
import check_abi  # noqa: E402

CC = shutil.which("gcc") or shutil.which("cc")


class Copy:
    """A copy of the files check_abi.py reads, to break one of them."""

    FILES = ("include/cairn/abi.h", "include/cairn/gate.h", "docs/syscalls.md")

    def __enter__(self):
        self.dir = tempfile.mkdtemp()
        for f in self.FILES:
            os.makedirs(os.path.join(self.dir, os.path.dirname(f)), exist_ok=True)
            shutil.copy(os.path.join(ROOT, f), os.path.join(self.dir, f))
        os.symlink(os.path.join(ROOT, "kernel"), os.path.join(self.dir, "kernel"))
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.dir)

    def edit(self, f, old, new):
        path = os.path.join(self.dir, f)
        text = open(path).read()
        assert old in text, old
        with open(path, "w") as out:
            out.write(text.replace(old, new, 1))

    def problems(self):
        return check_abi.check(self.dir)


class CheckAbi(unittest.TestCase):
    def assertFails(self, problems, *words):
        self.assertTrue(problems, "check_abi.py passed")
        self.assertTrue(any(all(w in p for w in words) for p in problems), problems)

    def test_the_tree_passes(self):
        self.assertEqual(check_abi.check(ROOT), [])

    def test_arguments_swapped_in_the_table(self):
        with Copy() as c:
            c.edit("include/cairn/abi.h", "unsigned ct, unsigned slot, unsigned src_ct, unsigned src_slot",
                   "unsigned ct, unsigned src_ct, unsigned slot, unsigned src_slot")
            self.assertFails(c.problems(), "CAPTBL_COPY", "Wrapper")

    def test_arguments_swapped_in_the_manual(self):
        with Copy() as c:
            c.edit("docs/syscalls.md", "cairn_pgtbl_map(unsigned pt, cairn_word va, unsigned mem",
                   "cairn_pgtbl_map(unsigned pt, unsigned mem, cairn_word va")
            self.assertFails(c.problems(), "PGTBL_MAP", "Wrapper")

    def test_an_argument_more_in_the_table(self):
        with Copy() as c:
            c.edit("include/cairn/abi.h", "X(MEM_COUNT,       long,  unsigned mem, unsigned type)",
                   "X(MEM_COUNT,       long,  unsigned mem, unsigned type, unsigned extra)")
            self.assertFails(c.problems(), "MEM_COUNT", "registers")

    def test_a_register_left_out_of_the_manual(self):
        with Copy() as c:
            c.edit("docs/syscalls.md", "- **Arguments**: a0 = destination slot here, a1 = source table (a `CAPTBL` root), a2 =\n  slot in the source table.",
                   "- **Arguments**: a0 = destination slot here, a1 = source table (a `CAPTBL` root).")
            self.assertFails(c.problems(), "CAPTBL_COPY", "Arguments")

    def test_an_error_named_only_in_notes(self):
        with Copy() as c:
            c.edit("docs/syscalls.md", "\n  `CAIRN_ESTALE` the gate is stale", "\n  the gate is stale")
            self.assertFails(c.problems(), "SINV_CALL", "CAIRN_ESTALE")

    def test_a_lookup_error_missing(self):
        with Copy() as c:
            c.edit("docs/syscalls.md", "`CAIRN_EBADF`); `CAIRN_EDEPTH`", "); `CAIRN_EDEPTH`")
            self.assertFails(c.problems(), "SINV_CALL", "CAIRN_EBADF")

    def test_an_undefined_error(self):
        with Copy() as c:
            c.edit("docs/syscalls.md", "`CAIRN_EDEPTH` the thread", "`CAIRN_EDEEP` the thread")
            self.assertFails(c.problems(), "SINV_CALL", "CAIRN_EDEEP")

    def test_a_row_missing(self):
        with Copy() as c:
            c.edit("include/cairn/abi.h", "\tX(INDIR_MINT,      long,  unsigned ind, unsigned slot) \\\n", "")
            self.assertFails(c.problems(), "INDIR_MINT")

    def test_the_stub_declared_in_gate_h(self):
        with Copy() as c:
            c.edit("include/cairn/gate.h", "struct cairn_ret2 cairn_sinv_call(unsigned gate, cairn_word a",
                   "struct cairn_ret2 cairn_sinv_call(unsigned gate, cairn_word b")
            self.assertFails(c.problems(), "gate.h", "cairn_sinv_call")


class Wrappers(unittest.TestCase):
    def test_one_per_operation_but_the_stub(self):
        text = abi.wrappers_text(abi.ops())
        for op in abi.ops():
            self.assertEqual(f" {op.fn}(" in text, op.form != "stub", op.name)

    def test_a_bad_form_is_refused(self):
        bad = abi.read().replace("X(CORE,            long,  void)", "X(CORE,            fast,  void)")
        with self.assertRaises(SystemExit):
            abi.ops(bad)

    @unittest.skipUnless(CC, "no C compiler")
    def test_they_compile_and_keep_the_manuals_prototypes(self):
        with tempfile.TemporaryDirectory() as d:
            os.makedirs(os.path.join(d, "cairn"))
            with open(os.path.join(d, "cairn", "wrappers.h"), "w") as f:
                f.write(abi.wrappers_text(abi.ops()))
            decls = "".join(f"{op.prototype()};\n" for op in abi.ops() if op.form not in ("stop",))
            src = os.path.join(d, "t.c")
            with open(src, "w") as f:
                f.write("#include <cairn/gate.h>\n" + decls)
            p = subprocess.run([CC, "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-ffreestanding",
                                "-fsyntax-only", "-I" + os.path.join(ROOT, "include"), "-I" + d, src],
                               capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stderr)


if __name__ == "__main__":
    unittest.main()
