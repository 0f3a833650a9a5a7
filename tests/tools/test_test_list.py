"""test_test_list.py: tools/test.py's --list and its refusal of a -k that matches
nothing (a misspelt name must not pass as "0 passed").

Run from the repository's root: python3 -m unittest discover -s tests/tools
"""
import os
import subprocess
import sys
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_py(*args):
    return subprocess.run([sys.executable, "tools/test.py", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


class TestList(unittest.TestCase):
    def test_list_names_the_matches_and_runs_nothing(self):
        r = test_py("--list", "-k", "iso_")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.split(), ["iso_bios", "iso_uefi"])

    def test_list_names_the_checks_beside_the_qemu_tests(self):
        r = test_py("--list")
        names = r.stdout.split("\n")
        for name in ("system_descriptions", "interface_descriptions", "docs", "spin", "sys_echo"):
            self.assertIn(name, names)

    def test_nothing_matched_is_an_error(self):
        r = test_py("-k", "no_test_is_named_this")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no test's name contains 'no_test_is_named_this'", r.stderr)
        self.assertNotIn("passed", r.stdout)


if __name__ == "__main__":
    unittest.main()
