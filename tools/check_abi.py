#!/usr/bin/env python3
"""check_abi.py: checks the manual, the kernel and the user library against the one
definition of the ABI, include/cairn/abi.h (read by tools/abi.py).

- Every error appears in the manual's error table with its number.
- Every operation has its section in the manual, headed "### CAIRN_OP_<NAME> (0x<code>)",
  with Arguments, Returns, Errors and Wrapper; and the manual documents no other.
- Arguments: the manual's and abi.h's own text name as many registers a0, a1, ... as
  the wrapper's row in CAIRN_OP_ARGS has arguments (ops taking "none" name none).
- Wrapper: the manual's prototype is the row's, word for word (types, names, order);
  the row's wrapper is generated (tools/abi.py) or, for a stub, declared in
  include/cairn/gate.h with that prototype.
- Errors: every error the section names is defined; the Errors list (or the one it
  refers to, "as `CAIRN_OP_<OTHER>`") names every error the section names outside
  Returns (in Notes, say); an operation on a capability lists the lookup errors of the
  invoked capability (CAIRN_ERANGE, CAIRN_ENOENT, CAIRN_EBADF).
- The kernel names CAIRN_OP_<NAME> outside comments.

Prints what disagrees and exits 1, or prints nothing and exits 0.
    check_abi.py [ROOT]     checks the tree at ROOT (default: this repository)
"""
import glob
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import abi  # noqa: E402

DOC = "docs/syscalls.md"
LOOKUP = ("CAIRN_ERANGE", "CAIRN_ENOENT", "CAIRN_EBADF")


def field(section, name):
    """The text of the manual's "- **name**: ..." item (up to the next item), or None."""
    m = re.search(r"^- \*\*" + name + r"\*\*:?(.*?)(?=^- \*\*|\Z)", section, re.S | re.M)
    return m.group(1) if m else None


def registers(text):
    """How many argument registers text names: 1 + the highest aN (a1..a4 counts to 4)."""
    found = [int(n) for n in re.findall(r"\ba(\d)\b", text)]
    return max(found) + 1 if found else 0


def read(path):
    with open(path) as f:
        return f.read()


def without_comments(c):
    return re.sub(r"/\*.*?\*/|//[^\n]*", " ", c, flags=re.S)


def section_of(doc, op):
    """op's section of the manual (from its heading to the next heading), or None."""
    head = f"### CAIRN_OP_{op.name} ({op.code})"
    if head not in doc:
        return None
    return re.split(r"\n##+ ", doc.split(head, 1)[1], maxsplit=1)[0]


def error_list(doc, ops, section):
    """The errors section's Errors names, following one "as `CAIRN_OP_X`" reference."""
    errors = field(section, "Errors") or ""
    m = re.match(r"\s*as `CAIRN_OP_(\w+)`", errors)
    other = next((o for o in ops if m and o.name == m.group(1)), None)
    if other is not None:
        errors = field(section_of(doc, other) or "", "Errors") or ""
    return set(re.findall(r"\bCAIRN_E[A-Z]+\b", errors))


def check_op(op, section, defined, gate_h, listed):
    problems = []
    where = f"{DOC}: CAIRN_OP_{op.name}"
    for name in ("Arguments", "Returns", "Errors", "Wrapper"):
        if field(section, name) is None:
            problems.append(f"{where} has no **{name}**")
    args, errors, wrapper = field(section, "Arguments"), field(section, "Errors"), field(section, "Wrapper")
    returns = field(section, "Returns") or ""
    if op.form != "stub":
        want = len(op.args)
        if args is not None and registers(args) != want:
            problems.append(f"{where}: Arguments name {registers(args)} registers, "
                            f"its wrapper (CAIRN_OP_ARGS) takes {want} arguments")
        if registers(op.args_text) != want:
            problems.append(f"{abi.ABI}: CAIRN_OPS {op.name} names {registers(op.args_text)} registers, "
                            f"CAIRN_OP_ARGS {want} arguments")
    if wrapper is not None:
        m = re.search(r"`([^`]*)`", wrapper)
        if not m or " ".join(m.group(1).split()) != op.prototype():
            problems.append(f"{where}: Wrapper is `{m.group(1) if m else ''}`, CAIRN_OP_ARGS makes "
                            f"`{op.prototype()}`")
    if op.form == "stub" and not re.search(re.escape(op.prototype()) + r"\s*;", " ".join(gate_h.split())):
        problems.append(f"include/cairn/gate.h: no declaration `{op.prototype()};`")
    named = set(re.findall(r"\bCAIRN_E[A-Z]+\b", section))
    for e in sorted(named - defined):
        problems.append(f"{where} names {e}, which {abi.ABI} does not define")
    if errors is not None:
        outside = set(re.findall(r"\bCAIRN_E[A-Z]+\b", section.replace(errors, "").replace(returns, "")))
        for e in sorted(outside - listed):
            problems.append(f"{where}: {e} is named in the section but not under Errors")
        if op.cap_type != "NONE":
            for e in LOOKUP:
                if e not in listed:
                    problems.append(f"{where}: Errors lack the lookup error {e}")
    return problems


def check(root="."):
    text = abi.read(root)
    doc = read(os.path.join(root, DOC))
    kernel = without_comments("".join(read(f) for f in glob.glob(os.path.join(root, "kernel/**/*.c"),
                                                                  recursive=True)))
    gate_h = without_comments(read(os.path.join(root, "include/cairn/gate.h")))
    problems = []
    errors = abi.table(text, "CAIRN_ERRORS")
    defined = {"CAIRN_" + name for name, _, _ in errors}
    for name, num, _ in errors:
        if not re.search(r"\|\s*`CAIRN_" + name + r"`\s*\|\s*-" + num + r"\s*\|", doc):
            problems.append(f"{DOC}: error table lacks `CAIRN_{name}` | -{num}")
    try:
        ops = abi.ops(text)
    except SystemExit as e:
        return [str(e)]
    for op in ops:
        problem = abi.check_arity(op)
        if problem:
            problems.append(f"{abi.ABI}: {problem}")
        section = section_of(doc, op)
        if section is None:
            problems.append(f"{DOC}: no section headed '### CAIRN_OP_{op.name} ({op.code})'")
        else:
            problems += check_op(op, section, defined, gate_h, error_list(doc, ops, section))
        if not re.search(r"CAIRN_OP_" + op.name + r"\b", kernel):
            problems.append(f"kernel: CAIRN_OP_{op.name} is handled nowhere")
    names = {op.name for op in ops}
    for op in re.findall(r"### CAIRN_OP_(\w+)", doc):
        if op not in names:
            problems.append(f"{DOC}: documents CAIRN_OP_{op}, which {abi.ABI} does not define")
    return problems


def main():
    problems = check(sys.argv[1] if len(sys.argv) > 1 else abi.ROOT)
    for p in problems:
        print(p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
