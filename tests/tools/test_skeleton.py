"""test_skeleton.py: `make new-component` and `make new-app` (tools/skeleton.py) write
skeletons that build and run: out of the tree, in a temporary application directory
booted with `make run SYSTEM=<dir>/<name>.toml`, each to its end; their files in the
tree (checked, not written); the refusals (a bad name, a file that exists, a program
name the tree has already).

Run from the repository's root: python3 -m unittest discover -s tests/tools
"""
import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import skeleton  # noqa: E402


def make(*args, timeout=600):
    return subprocess.run(["make", "--no-print-directory", *args], cwd=ROOT, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=timeout)


class OutOfTree(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="cairn-app-")
        cls.dir = cls.tmp.name

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_component_skeleton_runs(self):
        r = make("new-component", "NAME=sk_pair", f"DIR={self.dir}")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f"make run SYSTEM={self.dir}/sk_pair.toml", r.stdout)
        r = make("run", f"SYSTEM={self.dir}/sk_pair.toml")
        self.assertEqual(r.returncode, 0, r.stdout[-2000:] + r.stderr)
        self.assertIn("sk_pair: component 1 serves 'sk_pair'", r.stdout)
        self.assertIn("sk_pair_client: component 2 counted to 3 through 'sk_pair'", r.stdout)
        self.assertIn("QEMU: the system finished", r.stdout)

    def test_app_skeleton_runs(self):
        r = make("new-app", "NAME=sk_ticks", f"DIR={self.dir}")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = make("run", f"SYSTEM={self.dir}/sk_ticks.toml")
        self.assertEqual(r.returncode, 0, r.stdout[-2000:] + r.stderr)
        for i in range(1, 6):
            self.assertIn(f"sk_ticks: tick {i}\n", r.stdout)
        self.assertIn("rtos: no process left: the RTOS stops", r.stdout)

    def test_nothing_overwritten(self):
        self.assertEqual(make("new-app", "NAME=sk_once", f"DIR={self.dir}").returncode, 0)
        r = make("new-app", "NAME=sk_once", f"DIR={self.dir}")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(f"skeleton: {self.dir}/programs/sk_once/main.c exists already: nothing written", r.stderr)

    def test_a_name_the_tree_has_is_one_error(self):
        with tempfile.TemporaryDirectory(prefix="cairn-app-") as d:
            self.assertEqual(make("new-app", "NAME=logger", f"DIR={d}").returncode, 0)
            r = make("run", f"SYSTEM={d}/logger.toml")
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("program name used twice: logger", r.stderr)


class Refusals(unittest.TestCase):
    def test_bad_names(self):
        for name in ("", "Caps", "9lives", "a-b", "x" * 17):
            r = make("new-component", f"NAME={name}", "DIR=/nonexistent/never")
            self.assertNotEqual(r.returncode, 0, name)
            self.assertIn("lowercase letters, digits and _", r.stderr, name)
            self.assertFalse(os.path.exists("/nonexistent/never"))


class InTree(unittest.TestCase):
    def test_paths_in_the_tree(self):
        f = skeleton.files("component", "zz", None)
        self.assertEqual(sorted(os.path.relpath(p, ROOT) for p in f),
                         ["components/zz/main.c", "components/zz_client/main.c", "interfaces/zz.toml",
                          "systems/zz.toml"])
        self.assertIn("make run SYSTEM=zz", f[os.path.join(ROOT, "systems/zz.toml")])
        f = skeleton.files("app", "zz", None)
        self.assertEqual(sorted(os.path.relpath(p, ROOT) for p in f), ["examples/zz/main.c", "systems/zz.toml"])


if __name__ == "__main__":
    unittest.main()
