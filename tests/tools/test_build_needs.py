"""test_build_needs.py: `make run SYSTEM=x` builds only what x uses (tools/sysgen.py
needs: the booter, each component's program, a nested subsystem's programs, the RTOS's
programs, the segments' objects), and a program name used in two program trees is one
error from make, naming it.

Run from the repository's root: python3 -m unittest discover -s tests/tools
"""
import os
import subprocess
import sys
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import sysgen  # noqa: E402


def elf(name):
    return f"build/user/{name}.elf"


class Needs(unittest.TestCase):
    def setUp(self):
        self.cwd = os.getcwd()
        os.chdir(ROOT)

    def tearDown(self):
        os.chdir(self.cwd)

    def test_components_subsystem_and_segment(self):
        self.assertEqual(sysgen.needs("systems/default.toml"),
                         [elf("booter"), elf("logger"), elf("sensor"), elf("filter"), elf("vault"),
                          elf("guest"), "build/user/segments/time/time.c.o"])

    def test_rtos_programs(self):
        self.assertEqual(sysgen.needs("systems/pipeline.toml"),
                         [elf("booter"), elf("rtos"), elf("pipeline"), elf("pipeline_sink")])

    def test_an_image_built_once_for_two_components(self):
        self.assertEqual(sysgen.needs("systems/kv.toml"), [elf("booter"), elf("kvstore"), elf("kvclient")])

    def test_a_bad_description_is_its_error(self):
        with self.assertRaisesRegex(sysgen.GenError, "systems/none.toml:1: cannot read"):
            sysgen.needs("systems/none.toml")


class DuplicateNames(unittest.TestCase):
    def make_help(self, **names):
        return subprocess.run(["make", "-s", "--no-print-directory", "help",
                               *(f"{k}={v}" for k, v in names.items())],
                              cwd=ROOT, capture_output=True, text=True, timeout=60)

    def test_the_tree_has_none(self):
        r = self.make_help()
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_a_name_in_two_trees_is_one_error(self):
        r = self.make_help(TEST_COMPS="dup_x other", BENCH_PROGS="dup_x")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("program name used twice: dup_x (a program is build/user/<name>.elf", r.stderr)
        self.assertNotIn("other", r.stderr.split("(")[0])


if __name__ == "__main__":
    unittest.main()
