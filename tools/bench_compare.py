#!/usr/bin/env python3
"""bench_compare.py: compares two result files of `make bench BENCH_SAVE=1`.

    bench_compare.py OLD NEW

Prints each metric's median before and after and the change, and flags with WORSE
every metric whose median grew by more than 2%. Exits 1 if any did. Wall-clock
metrics (unit=cycles or permille: the multicore runs without -icount; ns, pps and
KiBps: `make bench-net`'s host-time figures) vary from run to run: they are listed
but never flagged.
"""
import re
import sys

LINE = re.compile(r"^BENCH (\S+) median=(\d+) min=(\d+) unit=(\S+)")
WALL_CLOCK = ("cycles", "permille", "ns", "pps", "KiBps")   # the last three: bench_net.py's


def load(path):
    with open(path) as f:
        return {m.group(1): (int(m.group(2)), m.group(4)) for m in map(LINE.match, f) if m}


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    old, new = load(sys.argv[1]), load(sys.argv[2])
    worse = False
    print(f"{'metric':<28}{'old':>10}{'new':>10}  change")
    for name in sorted(old.keys() | new.keys()):
        a, b = old.get(name), new.get(name)
        wall = (a or b)[1] in WALL_CLOCK
        a, b = a and a[0], b and b[0]
        if a is None or b is None:
            print(f"{name:<28}{a if a is not None else '-':>10}{b if b is not None else '-':>10}  "
                  f"{'new metric' if a is None else 'gone'}")
            continue
        pct = (b - a) * 100.0 / a if a else 0.0
        flag = "  (wall clock)" if wall else "  WORSE" if pct > 2.0 else ""
        worse |= flag == "  WORSE"
        print(f"{name:<28}{a:>10}{b:>10}  {pct:+.1f}%{flag}")
    sys.exit(1 if worse else 0)


if __name__ == "__main__":
    main()
