"""interface.py: reads and checks an interface declaration, interfaces/<name>.toml
(docs/systems.md, "Interfaces"), as strictly as tools/system.py checks a system.
tools/sysgen.py generates the stubs from what load() returns; tools/system.py counts
an import's gates with it. Every problem is one line naming the file and the line:

    <file>:<line>: <kind> '<name>': <what is wrong>

and nothing is generated from a declaration with a problem. Checked: the tables and
their fields (no unknown ones: `result` for `results` is an error, not a function that
returns nothing), the types, the names (well-formed, unique, none that the generated C
itself uses), and the counts against the registers of a gate call (tools/limits.py).
"""
import os
import re

import limits
import tomlfile

IDENT = re.compile(r"^[a-z][a-z0-9_]{0,30}$")
INTERFACE_KEYS = {"name"}
FUNCTION_KEYS = {"name", "args", "results"}
# Names the generated C gives a meaning already (sysgen.header_text): a stub's locals,
# the server's badge argument, and C's keywords and stdbool's. Names with "__", starting
# with "cairn_" or ending in "_t" are the generated code's, the runtime's and the C
# library's types' too.
RESERVED = {
    "client": "the server's badge argument",
    "g": "a local of the client stub", "r": "a local of the client stub",
}
C_KEYWORDS = set("""auto break case char const continue default do double else enum extern
    float for goto if inline int long register restrict return short signed sizeof static
    struct switch typedef union unsigned void volatile while asm typeof bool true false""".split())
# A function name whose generated names would collide with another's: NAME_FUNCTIONS
# is the count macro, <fn>_serve and <fn>_handler are the server's.
FUNCTION_SUFFIXES = ("_serve", "_handler")


class IfaceError(Exception):
    pass


class Checker:
    def __init__(self, path, loc):
        self.path, self.loc, self.errors = path, loc, []

    def error(self, kind, index, key, msg, name=None):
        who = f"{kind} '{name}'" if name else kind
        self.errors.append(f"{self.path}:{self.loc.line(kind, index, key)}: {who}: {msg}")


def check_word(key, w):
    """One name in a function's args or results: what is wrong with it, or None."""
    if not isinstance(w, str) or not IDENT.match(w):
        return f"{key}: bad name {w!r}: lowercase letters, digits and _, starting with a letter"
    if w in RESERVED:
        return f"{key}: '{w}' is reserved ({RESERVED[w]})"
    if w in C_KEYWORDS or "__" in w or w.startswith("cairn_") or w.endswith("_t"):
        return f"{key}: '{w}' is reserved (a C keyword, or a name of the generated code)"
    return None


def check_words(c, i, f, fn):
    """args and results of [[function]] i: [args], [results] (empty if wrong)."""
    seen, out = {}, []
    for key, most in (("args", limits.IFACE_ARGS), ("results", limits.IFACE_RESULTS)):
        v = f.get(key, [])
        if not isinstance(v, list):
            c.error("function", i, key, f"{key} must be a list of names", fn)
            out.append([])
            continue
        if len(v) > most:
            c.error("function", i, key, f"{key}: {len(v)} names, at most {most} (a gate call passes "
                    f"{limits.IFACE_ARGS} words and returns {limits.IFACE_RESULTS})", fn)
        for w in v:
            bad = check_word(key, w)
            if bad:
                c.error("function", i, key, bad, fn)
            elif w in seen:
                c.error("function", i, key, f"{key}: '{w}' is named twice (also in {seen[w]})", fn)
            else:
                seen[w] = key
        out.append(v)
    return out


def check_function(c, i, f, first):
    """[[function]] i: (name, args, results), or None. first: {name: index} so far."""
    if not isinstance(f, dict):
        c.error("function", i, None, "must be a table: write [[function]]")
        return None
    fn = f.get("name")
    for k in f:
        if k not in FUNCTION_KEYS:
            c.error("function", i, k, f"unknown field '{k}'", fn if isinstance(fn, str) else None)
    if not isinstance(fn, str) or not IDENT.match(fn):
        c.error("function", i, "name", "needs a name: lowercase letters, digits and _, starting with a "
                "letter" if fn is None else f"bad name {fn!r}: lowercase letters, digits and _, "
                "starting with a letter")
        return None
    if fn in first:
        c.error("function", i, "name", f"duplicate name (first at line "
                f"{c.loc.line('function', first[fn], 'name')})", fn)
        return None
    first[fn] = i
    if fn == "functions" or fn.endswith(FUNCTION_SUFFIXES) or "__" in fn:
        c.error("function", i, "name", "reserved: the generated code has <NAME>_FUNCTIONS, and names "
                "ending in _serve or _handler or holding __ would collide with its own", fn)
    args, results = check_words(c, i, f, fn)
    return fn, args, results


def check_header(c, data, stem):
    """The [interface] table and the top level: the interface's name."""
    for k in data:
        if k not in ("interface", "function"):
            c.errors.append(f"{c.path}:{c.loc.line(k, 0)}: unknown table [{k}]")
    t = data.get("interface")
    if not isinstance(t, dict):
        c.errors.append(f"{c.path}:1: interface: no [interface] table (it needs a name)")
        return stem
    for k in t:
        if k not in INTERFACE_KEYS:
            c.error("interface", 0, k, f"unknown field '{k}'")
    name = t.get("name")
    if name != stem:
        c.error("interface", 0, "name", f"name must be '{stem}', as the file is named")
    if not IDENT.match(stem):
        c.error("interface", 0, "name", "the file's name must be lowercase letters, digits and _, "
                "starting with a letter")
    elif len(stem) > limits.NAME_LEN:
        c.error("interface", 0, "name", f"name is {len(stem)} characters, at most {limits.NAME_LEN} "
                "(the red tape's CAIRN_NAME_MAX)", stem)
    return stem


def load(path):
    """An interface declaration -> (name, [(function, [args], [results])]), or
    IfaceError with every problem, one per line."""
    try:
        data, loc = tomlfile.load(path, "interface")
    except ValueError as e:
        raise IfaceError(str(e))
    c = Checker(path, loc)
    name = check_header(c, data, os.path.basename(path).removesuffix(".toml"))
    fns, first = [], {}
    table = data.get("function", [])
    if not isinstance(table, list):
        c.errors.append(f"{path}:{loc.line('function', 0)}: function: must be an array of tables: "
                        "write [[function]]")
        table = []
    for i, f in enumerate(table):
        if i == limits.IFACE_FUNCTIONS:
            c.error("function", i, None, f"the {tomlfile.ordinal(i + 1)} function: an interface has at most "
                    f"{limits.IFACE_FUNCTIONS}", f.get("name") if isinstance(f, dict) else None)
        fn = check_function(c, i, f, first)
        if fn:
            fns.append(fn)
    if not table:
        c.error("interface", 0, None, "declares no [[function]]", name)
    if c.errors:
        raise IfaceError("\n".join(c.errors))
    return name, fns
