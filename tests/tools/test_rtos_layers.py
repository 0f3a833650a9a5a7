#!/usr/bin/env python3
"""test_rtos_layers.py: components/rtos has no file cycles (issue 20, item 4).

Each .c file's object (build/user/components/rtos/*.c.o, after `make all`) defines
symbols and uses others; a use of a symbol another file of the component defines is an
edge between the two files. The edges must form no cycle: the layers named in
components/rtos/rtos.h call down only. `python3 tests/tools/test_rtos_layers.py`
prints the edges and the cycles, if any.

cairn_stacks and cairn_stack_map are libcairn's gate-stack pool (lib/libcairn/entry.S
uses them); main.c defines them only to size the pool for this component, so a use of
them is a use of libcairn, not of main.c.
"""
import os
import subprocess
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SRC_DIR = os.path.join(ROOT, "components", "rtos")
OBJ_DIR = os.path.join(ROOT, "build", "user", "components", "rtos")
LIBCAIRN_SIZED = {"cairn_stacks", "cairn_stack_map"}


def symbols(path):
    """The symbols the object at path defines and the ones it uses."""
    out = subprocess.run(["nm", path], capture_output=True, text=True, check=True).stdout
    defined, used = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "U":
            used.add(parts[1])
        elif len(parts) == 3 and parts[1] in "TDBRCGSV":
            defined.add(parts[2])
    return defined, used


def edges(obj_dir=OBJ_DIR):
    """{(from, to): sorted symbols}: from uses what to defines."""
    files = sorted(f + ".o" for f in os.listdir(SRC_DIR) if f.endswith(".c"))
    syms = {f[:-2]: symbols(os.path.join(obj_dir, f)) for f in files}
    owner = {s: name for name, (d, _) in syms.items() for s in d if s not in LIBCAIRN_SIZED}
    out = {}
    for name, (_, used) in syms.items():
        for s in used:
            if s in owner and owner[s] != name:
                out.setdefault((name, owner[s]), []).append(s)
    return {k: sorted(v) for k, v in sorted(out.items())}


def cycles(e):
    """The strongly connected components of more than one file (Tarjan)."""
    graph = {}
    for a, b in e:
        graph.setdefault(a, []).append(b)
        graph.setdefault(b, [])
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


class RtosLayers(unittest.TestCase):
    @unittest.skipUnless(os.path.isdir(OBJ_DIR), "build the component first (make all)")
    def test_no_file_cycles(self):
        self.assertEqual(cycles(edges()), [])


if __name__ == "__main__":
    e = edges()
    for (a, b), s in e.items():
        print(f"{a} -> {b}: {', '.join(s)}")
    print("cycles:", cycles(e) or "none")
