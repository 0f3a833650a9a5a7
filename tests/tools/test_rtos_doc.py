#!/usr/bin/env python3
"""test_rtos_doc.py: every function of the RTOS API (include/cairn/rtos.h) has its
row in docs/rtos.md's tables (issue 20: the manual is checked against the source).

A function counts as documented when docs/rtos.md names it in backquotes (`name(` or
`name`), or a row names its prefix and, in backquotes, its suffix, as the manual
groups families: `semaphore_take`, `_try_take`, ... documents semaphore_try_take.
"""
import os
import re
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def functions(header):
    """The names of the functions header declares (comments skipped)."""
    text = re.sub(r"/\*.*?\*/", "", header, flags=re.S)
    return sorted(set(re.findall(r"^[A-Za-z_][\w \*]*?\b([a-z_][a-z0-9_]*)\s*\(", text, flags=re.M)))


def documented(name, doc):
    if re.search(r"`" + re.escape(name) + r"[`(]", doc):
        return True
    for row in doc.splitlines():
        for i, ch in enumerate(name):
            if i and ch == "_" and name[:i + 1] in row:
                tail = name[i:]
                if f"`{tail}`" in row or f"`{tail}(" in row or f", {tail}" in row:
                    return True
    return False


def undocumented(header, doc):
    return [n for n in functions(header) if not documented(n, doc)]


class RtosDoc(unittest.TestCase):
    def test_every_function_documented(self):
        with open(os.path.join(ROOT, "include/cairn/rtos.h")) as f:
            header = f.read()
        with open(os.path.join(ROOT, "docs/rtos.md")) as f:
            doc = f.read()
        self.assertGreater(len(functions(header)), 40)
        self.assertEqual(undocumented(header, doc), [], "add them to docs/rtos.md's tables")

    def test_finds_a_missing_one(self):
        header = "int thread_yield(void);\nlong semaphore_try_take(rtos_sem_t s);\nvoid gone(int x);\n"
        doc = "| `thread_yield()` | ... |\n| `semaphore_take`, `_try_take` | 0 |\n"
        self.assertEqual(undocumented(header, doc), ["gone"])


if __name__ == "__main__":
    unittest.main()
