#!/usr/bin/env python3
"""abi.py: reads the one definition of the system-call ABI, include/cairn/abi.h, and
generates the user library's wrappers from it.

    abi.py wrappers OUT     writes OUT (build/gen/cairn/wrappers.h): one inline
                            cairn_<name>() per row of CAIRN_OP_ARGS, the names, types
                            and order of its parameters as the row gives them

cairn/syscall.h includes the result; tools/check_abi.py uses the same reading to check
the manual and the kernel against abi.h.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ABI = "include/cairn/abi.h"
FORMS = ("long", "ret2", "short", "stop", "stub")


def table(text, name):
    """The X(...) rows of the macro table name, each a list of its arguments (stripped),
    split at the commas outside strings and parentheses."""
    m = re.search(r"#define " + name + r"\(X\)((?:.*\\\n)*.*)", text)
    if not m:
        raise SystemExit(f"{ABI}: no table {name}")
    rows, body = [], m.group(1)
    for start in re.finditer(r"\bX\(", body):
        args, depth, quoted, cur = [], 0, False, ""
        for ch in body[start.end():]:
            if ch == '"':
                quoted = not quoted
            elif not quoted and ch == "(":
                depth += 1
            elif not quoted and ch == ")":
                if depth == 0:
                    break
                depth -= 1
            elif not quoted and depth == 0 and ch == ",":
                args.append(cur.strip())
                cur = ""
                continue
            cur += ch
        rows.append(args + [cur.strip()])
    return rows


def read(root=ROOT):
    with open(os.path.join(root, ABI)) as f:
        return f.read()


class Param:
    def __init__(self, text):
        m = re.fullmatch(r"(.*?[\s*])(\w+)", text.strip())
        if not m:
            raise SystemExit(f"{ABI}: CAIRN_OP_ARGS: '{text}' is not 'type name'")
        self.type, self.name = m.group(1).strip(), m.group(2)

    def decl(self):
        return f"{self.type}{'' if self.type.endswith('*') else ' '}{self.name}"


class Op:
    """An operation: CAIRN_OPS' row and CAIRN_OP_ARGS' row of one name."""

    def __init__(self, name, code, cap_type, args, result, form, params):
        self.name, self.code, self.cap_type = name, code, cap_type
        self.args_text, self.result_text = args, result
        self.form = form
        self.params = [Param(p) for p in params if p != "void"]
        on_cap = cap_type != "NONE"
        self.cap = self.params[0] if on_cap and self.params else None
        self.args = self.params[1:] if on_cap else self.params     # a0, a1, ... in order

    @property
    def fn(self):
        return "cairn_" + self.name.lower()

    def result_type(self):
        return {"ret2": "struct cairn_ret2", "stop": "void"}.get(self.form, "long")

    def prototype(self):
        params = ", ".join(p.decl() for p in self.params) or "void"
        ret = "struct cairn_ret2" if self.form in ("ret2", "stub") else self.result_type()
        return f"{ret} {self.fn}({params})"


def ops(text=None):
    """Every operation, in CAIRN_OPS' order. Exits naming what does not match up."""
    text = read() if text is None else text
    sigs = {}
    for row in table(text, "CAIRN_OP_ARGS"):
        if len(row) < 3 or row[1] not in FORMS:
            raise SystemExit(f"{ABI}: CAIRN_OP_ARGS row {row[0]}: want X(name, form, parameters), "
                             f"form one of {', '.join(FORMS)}")
        sigs[row[0]] = row
    out = []
    for name, code, cap_type, args, result in table(text, "CAIRN_OPS"):
        row = sigs.pop(name, None)
        if row is None:
            raise SystemExit(f"{ABI}: CAIRN_OP_ARGS has no row for {name}")
        out.append(Op(name, code, cap_type, args.strip('"'), result.strip('"'), row[1], row[2:]))
    if sigs:
        raise SystemExit(f"{ABI}: CAIRN_OP_ARGS rows name no operation: {', '.join(sigs)}")
    return out


def wrapper(op):
    """The C text of op's inline wrapper."""
    call = f"CAIRN_OP_{op.name}"
    cap = op.cap.name if op.cap else "CAIRN_CAP_NULL"
    words = [p.name if p.type in ("unsigned", "cairn_word", "unsigned long") else f"(cairn_word){p.name}"
             for p in op.args]
    attr = "__attribute__((__noreturn__)) " if op.form == "stop" else ""
    head = f"static inline {attr}{op.prototype()}"
    if op.form in ("short", "stop"):
        regs = (words + ["0", "0"])[:2]
        body = f"cairn_syscall2(CAIRN_CALL({cap}, {call}), {', '.join(regs)})"
        if op.form == "stop":
            return f"{head}\n{{\n\t{body};\n\t__builtin_unreachable();\n}}\n"
    else:
        regs = (words + ["0"] * 6)[:6]
        body = f"{'cairn_call6' if op.form == 'ret2' else 'cairn_call'}({cap}, {call}, {', '.join(regs)})"
    return f"{head}\n{{ return {body}; }}\n"


def check_arity(op):
    """What is wrong with op's parameters (None: nothing)."""
    if op.cap_type != "NONE" and op.cap is None:
        return f"CAIRN_OP_ARGS {op.name}: an operation on a {op.cap_type} takes the capability first"
    limit = 2 if op.form in ("short", "stop") else 6
    if op.form != "stub" and len(op.args) > limit:
        return f"CAIRN_OP_ARGS {op.name}: {len(op.args)} arguments, form {op.form} passes {limit}"
    return None


def wrappers_text(all_ops):
    out = ["/* Generated by tools/abi.py from include/cairn/abi.h (CAIRN_OP_ARGS): do not edit. */",
           "#ifndef CAIRN_WRAPPERS_H", "#define CAIRN_WRAPPERS_H", ""]
    for op in all_ops:
        problem = check_arity(op)
        if problem:
            raise SystemExit(f"{ABI}: {problem}")
        if op.form != "stub":
            note = f"{op.name}: {op.args_text}. Result: {op.result_text}".replace("*/", "* /")
            out.append(f"/* {note} */")
            out.append(wrapper(op))
    out.append("#endif")
    return "\n".join(out) + "\n"


def main(argv):
    if len(argv) != 3 or argv[1] != "wrappers":
        raise SystemExit("usage: abi.py wrappers OUT")
    text = wrappers_text(ops())
    os.makedirs(os.path.dirname(argv[2]) or ".", exist_ok=True)
    tmp = argv[2] + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, argv[2])


if __name__ == "__main__":
    main(sys.argv)
