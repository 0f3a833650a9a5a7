#!/usr/bin/env python3
"""test_layers.py: the user-level libraries and the rtos component have no file cycles
(issue 20, item 4): their layers, stated in each one's opening header comment
(lib/libboot/libboot.h, components/rtos/rtos.h, ...), call down only. tools/cycles.py
finds the dependencies from the built objects (after `make all`) and names a cycle's
files and symbols; `python3 tools/cycles.py -v <dir>` lists every dependency.
"""
import os
import sys
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import cycles  # noqa: E402

LAYERED = ("lib/libcommon", "lib/libcairn", "lib/libboot", "lib/librtos", "lib/libpci", "lib/libxport", "lib/libvirtio", "components/rtos")


class Layers(unittest.TestCase):
    def test_no_cycles(self):
        for d in LAYERED:
            with self.subTest(directory=d):
                edges = cycles.graph(d)
                self.assertTrue(edges, f"{d}: no built objects (run make all first)")
                self.assertEqual(cycles.cycles(edges), [], f"{d}: run tools/cycles.py -v {d}")

    def test_finds_a_cycle(self):
        """The check can fail: a two-file loop and a three-file loop are found."""
        edges = {"a.c": {"b.c"}, "b.c": {"a.c"}, "c.c": {"d.c"}, "d.c": {"e.c"}, "e.c": {"c.c"}, "f.c": set()}
        self.assertEqual(cycles.cycles(edges), [["a.c", "b.c"], ["c.c", "d.c", "e.c"]])


if __name__ == "__main__":
    unittest.main()
