"""tomlfile.py: a description file (a system, an interface): its values and their lines.

Values come from Python's own TOML parser (tomllib). It reports no positions, so
Locator scans the file's lines for table headers and keys only to say *where* a value
is; it never interprets a value. tools/system.py and tools/interface.py report every
problem as one line, "<file>:<line>: ...", with these.
"""
import re
import tomllib


class Locator:
    """Line numbers of tables and keys, from the raw text (no values parsed here)."""

    HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.-]+)\s*\]\]?")
    KEY = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")

    def __init__(self, text):
        self.tables, self.keys = {}, {}
        table, seen = None, {}
        for n, line in enumerate(text.splitlines(), 1):
            m = self.HEADER.match(line)
            if m:
                name = m.group(2)
                index = seen.get(name, -1) + 1 if m.group(1) == "[[" else 0
                seen[name] = index
                table = (name, index)
                self.tables[table] = n
                continue
            m = self.KEY.match(line)
            if m:
                self.keys.setdefault((table, m.group(1)), n)

    def line(self, kind, index, key=None):
        """The line of key in the index-th table kind (or of that table; or of a key
        kind = ... before any table; else 1)."""
        t = (kind, index)
        return self.keys.get((t, key)) or self.tables.get(t) or self.keys.get((None, kind)) or 1


def load(path, what):
    """(values, Locator) of the TOML file at path; ValueError with one line naming the
    file and line if it cannot be read or is not TOML. what: "description", "interface"."""
    try:
        with open(path, "rb") as f:
            text = f.read().decode()
    except OSError as e:
        raise ValueError(f"{path}:1: cannot read the {what}: {e.strerror}")
    except UnicodeDecodeError as e:
        raise ValueError(f"{path}:1: not valid TOML: {e}")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"line (\d+)", str(e))
        raise ValueError(f"{path}:{m.group(1) if m else 1}: not valid TOML: {e}")
    return data, Locator(text)


def ordinal(n):
    """1st, 2nd, 3rd, 4th, ..., 11th, 12th, 13th, ..., 21st, ...: for messages."""
    suffix = "th" if n % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
