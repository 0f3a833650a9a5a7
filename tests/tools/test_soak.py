"""Unit tests of tools/soak.py: how a run's console becomes its one line."""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import soak  # noqa: E402
import test  # noqa: E402

TOTAL = ("hostile: seed 0x1 cores 2: 2022365 calls in all (random traffic 1008559, stage 1013806) in 28800 ms, "
         "kcheck 0 after the calls, 0 after the teardown")


def result(log, checks):
    r = test.Result("soak")
    r.log, r.wall, r.seed, r.cores = log, 12.5, 1, 2
    for ok, name, why in checks:
        r.add(ok, name, why)
    return r


class SoakLine(unittest.TestCase):
    def test_total_line_matches_the_programs_format(self):
        m = soak.TOTAL.match(TOTAL)
        self.assertIsNotNone(m)
        self.assertEqual(m.group(3, 4, 5, 7, 8), ("2022365", "1008559", "1013806", "0", "0"))

    def test_a_passing_run(self):
        line = soak.line(result(TOTAL, [(True, "exit_done", ""), (True, "hostile.1 random_calls", "")]))
        self.assertIn("2022365 calls (random 1008559, stage 1013806)", line)
        self.assertIn("kcheck 0/0", line)
        self.assertTrue(line.endswith("PASS"))

    def test_failed_checks_are_named(self):
        line = soak.line(result(TOTAL, [(True, "exit_done", ""), (False, "hostile.9 nested", "why")]))
        self.assertTrue(line.endswith("FAIL hostile.9"))

    def test_a_run_that_never_got_to_its_checks(self):
        line = soak.line(result("hostile: started", [(False, "exit_done", "QEMU exit status 0, want 33 (done)"),
                                                   (False, "hostile.1", "no TEST line"),
                                                   (False, "output.1", "no line matches")]))
        self.assertIn("no total line", line)
        self.assertTrue(line.endswith("FAIL: no TEST line, QEMU exit status 0, want 33 (done)"))


if __name__ == "__main__":
    unittest.main()
