"""test_sysgraph.py: tools/sysgraph.py (`make graph`): every component's priority on
its box, the legend with each mark the graph draws, and text Graphviz accepts.

Run from the repository's root: python3 -m unittest discover -s tests/tools
"""
import os
import shutil
import subprocess
import sys
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import sysgraph  # noqa: E402
import system  # noqa: E402


class Graph(unittest.TestCase):
    def setUp(self):
        self.data, _ = system.load(os.path.join(ROOT, "systems/default.toml"))
        self.text = sysgraph.graph(self.data)

    def test_boxes_carry_priorities(self):
        for c in self.data["component"]:
            self.assertIn(f'"{c["name"]}" [label="{c["name"]}\\nprio {c["priority"]}"]', self.text)

    def test_legend_names_every_mark_and_the_priority_direction(self):
        self.assertIn("subgraph cluster_legend", self.text)
        for mark, _ in sysgraph.LEGEND:
            self.assertIn(f"<b>{mark}</b>", self.text)
        self.assertIn("the higher runs first", self.text)

    @unittest.skipUnless(shutil.which("dot"), "Graphviz is not installed")
    def test_dot_accepts_it(self):
        r = subprocess.run(["dot", "-Tsvg"], input=self.text, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("legend", r.stdout)


if __name__ == "__main__":
    unittest.main()
