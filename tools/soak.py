#!/usr/bin/env python3
"""soak.py: the hostile suite's soak (make soak): tests/qemu/progs/hostile/ at 10^6
random calls per run, on several seeds, on one and on two cores, with its stage (the
components, threads, gates and keepers it builds, whose own calls come on top). Each
run boots the kernel with "ktest" and the modules hostile, a settings module
build/soak/<cores>c-<seed>/hostile.args ("seed=... calls=...", loaded as an image) and
afterfaults (the console goes to console.log beside it), exactly as tests/qemu/tests.toml's hostile tests do, and is judged by
tools/test.py's rules: every TEST line of the suite PASS, QEMU ended through
isa-debug-exit.

Prints one line per run (seed, cores, calls, guest and host time, the invariant
check after the calls and after the teardown, the checks passed), the console's last
lines of a run that failed, and as its last line "N runs passed, N failed".

    soak.py [--seed S] [--cores 1,2] [--calls N] [--scenes MASK] [-j JOBS]

--seed reruns one seed (as printed: 0x... or decimal); the default is SEEDS. Runs of
one core go in parallel (-j, default one per host core), runs of two cores one at a
time after them (test.py does the same for its multicore tests).
"""
import argparse
import concurrent.futures
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu  # noqa: E402
import test  # noqa: E402

SEEDS = [0x5eed0fca1a5, 0x1, 0xc0ffee, 0xdecafbad]
CALLS = 1000000
CHECKS = ["hostile.%d" % i for i in range(1, 11)] + ["user.5"]
TOTAL = re.compile(r"^hostile: seed (0x[0-9a-f]+) cores (\d+): (\d+) calls in all \(random traffic (\d+), "
                   r"stage (\d+)\) in (\d+) ms, kcheck (-?\d+) after the calls, (-?\d+) after the teardown")
# a run's time limit: generous, for a loaded host (two emulated cores spin on each other)
TIMEOUT = {1: 900, 2: 3600}


def run(seed, cores, calls, scenes):
    d = os.path.join(qemu.BUILD, "soak", "%dc-%x" % (cores, seed))
    os.makedirs(d, exist_ok=True)
    args = os.path.join(d, "hostile.args")
    with open(args, "w") as f:
        f.write("seed=0x%x calls=%d%s\n" % (seed, calls, " scenes=0x%x" % scenes if scenes is not None else ""))
    t = {"name": "soak %dc 0x%x" % (cores, seed), "cmdline": "ktest", "memory": 256, "smp": cores,
         "modules": ["hostile", args + " image", "afterfaults"], "checks": CHECKS,
         "output": [TOTAL.pattern], "timeout": TIMEOUT[cores] * max(1, calls // CALLS)}
    start = time.time()
    res = test.run_qemu_test(t)
    res.wall = time.time() - start
    with open(os.path.join(d, "console.log"), "w") as f:
        f.write(res.log)
    res.seed, res.cores = seed, cores
    return res


def line(res):
    m = next((TOTAL.match(x) for x in res.log.splitlines() if TOTAL.match(x)), None)
    bad = [c for c in res.checks if not c[0]]
    figures = ("%9s calls (random %s, stage %s), %6.1f s, kcheck %s/%s" %
               (m.group(3), m.group(4), m.group(5), res.wall, m.group(7), m.group(8))
               if m else "no total line, %6.1f s" % res.wall)
    ended = next((why for ok, name, why in res.checks if name.startswith("exit_") and not ok), None)
    if ended and all(why == "no TEST line" for ok, name, why in bad if not name.startswith(("exit_", "output"))):
        verdict = "FAIL: no TEST line, " + ended   # a hang, a triple fault (status 0) or a panic
    else:
        verdict = "PASS" if not bad else "FAIL " + ", ".join(name.split()[0] for _, name, _ in bad)
    return "seed 0x%-12x cores %d: %s: %s" % (res.seed, res.cores, figures, verdict)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", help="one seed (0x... or decimal) instead of the default list")
    ap.add_argument("--cores", default="1,2", help="core counts, comma-separated (default 1,2)")
    ap.add_argument("--calls", type=int, default=CALLS, help="random calls per run (default 10^6)")
    ap.add_argument("--scenes", type=lambda s: int(s, 0), help="only these stage scenes (a bit mask)")
    ap.add_argument("-j", type=int, default=os.cpu_count() or 1)
    a = ap.parse_args()

    seeds = [int(a.seed, 0)] if a.seed else SEEDS
    cores = [int(c) for c in a.cores.split(",")]
    runs = [(s, c) for c in cores for s in seeds]
    results = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=a.j) as pool:
        futures = [pool.submit(run, s, c, a.calls, a.scenes) for s, c in runs if c == 1]
        for f in futures:
            results.append(f.result())
            print(line(results[-1]), flush=True)
    for s, c in runs:
        if c > 1:
            results.append(run(s, c, a.calls, a.scenes))
            print(line(results[-1]), flush=True)
    failed = [r for r in results if any(not c[0] for c in r.checks)]
    for r in failed:
        print("--- seed 0x%x, %d cores: the console's last lines (rerun: make soak SEED=0x%x CORES=%d) ---" %
              (r.seed, r.cores, r.seed, r.cores))
        print("\n".join(r.log.rstrip().splitlines()[-30:]))
        for ok, name, why in r.checks:
            if not ok:
                print("FAIL %s: %s" % (name, why))
    print("%d runs passed, %d failed" % (len(results) - len(failed), len(failed)))
    sys.exit(1 if failed or not results else 0)


if __name__ == "__main__":
    main()
