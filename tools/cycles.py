#!/usr/bin/env python3
"""cycles.py: the dependencies between the files of a directory, from their built
objects, and the cycles among them. File A depends on file B when A uses a symbol
(function or variable) B defines; a cycle is a set of files each of which reaches
every other through such dependencies (a strongly connected component). A directory
whose files form no cycle can be read, and tested, one layer at a time.

    cycles.py [-v] <dir>...     after `make all`; <dir> a source directory
                                (lib/libboot, components/rtos, kernel, ...)

For each directory: one line "<dir>: no cycles", or "<dir>: N cycle(s)" and, per
cycle, its files and the dependencies between them ("a.c -> b.c: sym, ..."). -v also
lists every dependency. Exit status 1 if any directory has a cycle, 2 if a directory
has no built objects.
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")


def object_of(src):
    """The object make builds from src (a path relative to ROOT), or None."""
    for obj in (os.path.join(BUILD, src + ".o"), os.path.join(BUILD, "user", src + ".o")):
        if os.path.exists(obj):
            return obj
    return None


def symbols(obj):
    """(defined, used): the global symbols obj defines and the ones it leaves undefined."""
    out = subprocess.run(["nm", "-P", obj], capture_output=True, text=True, check=True).stdout
    defined, used = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 2:
            continue
        name, kind = parts[0], parts[1]
        if kind == "U":
            used.add(name)
        elif kind.isupper() or kind in "vw":   # global (or weak) definitions
            defined.add(name)
    return defined, used


def graph(directory):
    """{file: {file it depends on: [symbols]}} for the .c and .S files of directory."""
    files = sorted(f for f in os.listdir(os.path.join(ROOT, directory)) if f.endswith((".c", ".S")))
    syms = {}
    for f in files:
        obj = object_of(os.path.join(directory, f))
        if obj:
            syms[f] = symbols(obj)
    edges = {f: {} for f in syms}
    for a, (_, used) in syms.items():
        for b, (defined, _) in syms.items():
            common = sorted(used & defined)
            if a != b and common:
                edges[a][b] = common
    return edges


def cycles(edges):
    """The strongly connected components of more than one file (Tarjan), each sorted."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
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

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def report(directory, verbose):
    """Prints the directory's result; returns 0 (no cycle), 1 (cycles) or 2 (nothing built)."""
    edges = graph(directory)
    if not edges:
        print(f"{directory}: no built objects (run make all first)")
        return 2
    found = cycles(edges)
    print(f"{directory}: " + (f"{len(found)} cycle(s)" if found else "no cycles"))
    for comp in found:
        print(f"  cycle: {' '.join(comp)}")
        for a in comp:
            for b in comp:
                if b in edges[a]:
                    print(f"    {a} -> {b}: {', '.join(edges[a][b])}")
    if verbose:
        for a in sorted(edges):
            for b in sorted(edges[a]):
                print(f"  {a} -> {b}: {', '.join(edges[a][b])}")
    return 1 if found else 0


def main(argv):
    verbose = "-v" in argv
    dirs = [a.rstrip("/") for a in argv if a != "-v"]
    if not dirs:
        print("usage: cycles.py [-v] <dir>...  (after make all; see the header of tools/cycles.py)",
              file=sys.stderr)
        return 2
    return max(report(d, verbose) for d in dirs)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
