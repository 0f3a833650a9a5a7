#!/usr/bin/env python3
"""check_abi.py: checks the manual, the kernel and the user library against the one
definition of the ABI, include/cairn/abi.h. Every error must appear in the manual's
error table with its number; every operation must have its section in the manual
(headed "### CAIRN_OP_<NAME> (0x<code>)" with Arguments, Returns and Errors), a case
in the kernel, and a wrapper cairn_<name>() in include/cairn/syscall.h or gate.h.
Prints what disagrees and exits 1, or prints nothing and exits 0.
"""
import glob
import re
import sys

ABI = "include/cairn/abi.h"
DOC = "docs/syscalls.md"


def x_entries(text, table):
    """The X(...) rows of the macro table named table, as lists of raw arguments."""
    m = re.search(r"#define " + table + r"\(X\)((?:.*\\\n)*.*)", text)
    if not m:
        sys.exit(f"{ABI}: no table {table}")
    return [[a.strip() for a in row.split(",", 2)] for row in re.findall(r"X\(([^)]*)\)", m.group(1))]


def main():
    abi = open(ABI).read()
    doc = open(DOC).read()
    kernel = "".join(open(f).read() for f in glob.glob("kernel/**/*.c", recursive=True))
    wrappers = open("include/cairn/syscall.h").read() + open("include/cairn/gate.h").read()
    problems = []
    for name, num, _ in x_entries(abi, "CAIRN_ERRORS"):
        if not re.search(r"\|\s*`CAIRN_" + name + r"`\s*\|\s*-" + num + r"\s*\|", doc):
            problems.append(f"{DOC}: error table lacks `CAIRN_{name}` | -{num}")
    for name, code, _ in x_entries(abi, "CAIRN_OPS"):
        head = f"### CAIRN_OP_{name} ({code})"
        if head not in doc:
            problems.append(f"{DOC}: no section headed '{head}'")
        else:
            section = doc.split(head, 1)[1].split("\n### ", 1)[0]
            for field in ("Arguments", "Returns", "Errors"):
                if f"**{field}**" not in section:
                    problems.append(f"{DOC}: CAIRN_OP_{name} has no **{field}**")
        if not re.search(r"CAIRN_OP_" + name + r"\b", kernel):
            problems.append(f"kernel: CAIRN_OP_{name} is handled nowhere")
        if not re.search(r"\bcairn_" + name.lower() + r"\(", wrappers):
            problems.append(f"include/cairn: no wrapper cairn_{name.lower()}()")
    for op in re.findall(r"### (CAIRN_OP_\w+)", doc):
        if not re.search(r"X\(" + op[len("CAIRN_OP_"):] + r",", abi):
            problems.append(f"{DOC}: documents {op}, which {ABI} does not define")
    for p in problems:
        print(p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
