#!/usr/bin/env python3
"""bench.py: runs the benchmark systems of bench/benchmarks.toml and prints one line
per metric, "BENCH <name> median=<n> min=<n> unit=<unit> per=<what>", then a table.
Every run uses the CPU model below and, unless its entry says icount = false,
-icount shift=0,sleep=off, so the figures are exact guest instruction counts that
repeat from run to run. The multicore runs cannot use -icount (it runs one emulated
core): they report time stamp counter cycles (host time) and ratios measured within
one run, listed apart.

    bench.py [--save] [-k NAME]   --save also writes bench/results/<date>-<commit>.txt
                                  (its header says when: saved=) and rewrites the
                                  docs' figures from it (tools/docgen.py);
                                  -k runs only the benchmark systems whose name has NAME

An entry with disk = true gets the block benchmark's disk (qemu.bench_disk_args); with
iommu = true too, on q35 behind QEMU's intel-iommu (qemu.BENCH_IOMMU_ARGS). An entry
with net = true gets the frame benchmarks' network device (qemu.bench_net_args), behind
the IOMMU likewise with iommu = true.
An entry with linux = true boots the Linux guest of tools/linux_guest.py instead, in the
same machine (docs/performance.md, "Linux beside Cairn"); when the guest cannot be
built here (Debian's archive out of reach) it is skipped, saying so, and the run goes
on. An entry's compare = { <Cairn metric> = "<Linux metric>" } prints the ratio of the
two medians after the table.
"""
import datetime
import os
import re
import subprocess
import sys
import tomllib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import docgen  # noqa: E402
import linux_guest  # noqa: E402
import qemu  # noqa: E402
import sysgen  # noqa: E402

# Haswell without what TCG cannot emulate (TSX is absent from the noTSX model).
CPU = "Haswell-noTSX,-pcid,-invpcid,-x2apic,-tsc-deadline"
LINE = re.compile(r"^BENCH (\S+) median=(\d+) min=(\d+) unit=(\S+) per=(\S+)$")
# What a device benchmark says about its samples (the reads or frames it left out, and
# why): shown on stderr with the run's figures.
INFO = re.compile(r"^\w+: (reads|frames): ")


def machine_args(disk=False, iommu=False, net=False):
    """What every benchmark run adds to QEMU's command line: the CPU model, COM1 on
    stdout, with iommu q35 and its IOMMU, with disk the block benchmark's disk
    (qemu.bench_disk_args), with net the frame benchmarks' device (qemu.bench_net_args)."""
    return (["-cpu", CPU, "-serial", "stdio"] + (qemu.BENCH_IOMMU_ARGS if iommu else []) +
            (qemu.bench_disk_args(iommu) if disk else []) + (qemu.bench_net_args(iommu=iommu) if net else []))


def linux_command(kernel, initramfs):
    """The Linux guest's QEMU command line: the same machine, memory, -icount, CPU and
    disk as Cairn's block benchmark (an entry with disk = true), another kernel."""
    return qemu.qemu_command([initramfs], linux_guest.CMDLINE, icount=True, extra=machine_args(disk=True),
                             kernel=kernel)


def run(bench):
    """Runs one entry: (found BENCH tuples, None), (None, why it failed), or ([], None)
    for a Linux entry skipped because the guest cannot be built here."""
    if bench.get("linux"):
        try:
            kernel, initramfs, what = linux_guest.build(log=lambda m: print(m, file=sys.stderr))
        except linux_guest.Unavailable as e:
            print(f"SKIPPED {bench['name']}: no Linux guest: {e}", file=sys.stderr)
            return [], None
        except linux_guest.BuildError as e:
            return None, f"{bench['name']}: {e}"
        print(f"# {bench['name']}: {what}", file=sys.stderr)
        cmd = linux_command(kernel, initramfs)
    else:
        if "system" in bench:
            try:
                bench["modules"] = sysgen.build(bench["system"])
            except Exception as e:  # a description or build error: report it as the failure
                return None, f"{bench['name']}: {e}"
        cmd = qemu.qemu_command(bench["modules"], bench.get("cmdline", ""), icount=bench.get("icount", True),
                                extra=machine_args(bench.get("disk", False), bench.get("iommu", False),
                                                   bench.get("net", False)), smp=bench.get("smp", 1))
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=bench.get("timeout", 300))
    except subprocess.TimeoutExpired:
        return None, f"{bench['name']}: no exit within the timeout"
    out = p.stdout.decode(errors="replace").replace("\r", "")
    found = [m.groups() for m in map(LINE.match, out.splitlines()) if m]
    for line in filter(INFO.match, out.splitlines()):
        print(f"# {line}", file=sys.stderr)
    names = [f[0] for f in found]
    missing = [m for m in bench["metrics"] if m not in names]
    if p.returncode != qemu.EXIT_DONE or missing:
        return None, f"{bench['name']}: exit {p.returncode}, missing {missing}\n{out[-3000:]}"
    values = {f[0]: f for f in found}
    for name, parts in bench.get("sums", {}).items():   # a metric made of others
        med = sum(int(values[x][1]) for x in parts)
        mn = sum(int(values[x][2]) for x in parts)
        found.append((name, str(med), str(mn), values[parts[0]][3], values[parts[0]][4]))
    return found, None


def comparisons(benches, rows):
    """Lines "cairn / linux  a / b = ratio" for every compare pair of benches (the
    medians of this run), or why a pair has no ratio."""
    medians = {r[0]: r[1] for r in rows}
    declared = {m for b in benches for m in b.get("metrics", []) + list(b.get("sums", {}))}
    lines = []
    for b in benches:
        for cairn, linux in b.get("compare", {}).items():
            pair = f"{cairn} / {linux}"
            if linux not in medians:
                lines.append(f"{pair:<44}no Linux figure in this run")
            elif cairn not in medians:
                why = "not run" if cairn in declared else "no Cairn figure yet"
                lines.append(f"{pair:<44}{why} (Linux {medians[linux]})")
            else:
                a, z = medians[cairn], medians[linux]
                lines.append(f"{pair:<44}{a} / {z} = {a / z:.3f}" if z else f"{pair:<44}Linux figure 0")
    return lines


def kernel_size():
    """Static metrics: the kernel image's loaded bytes (text + data, from binutils'
    size) and its non-blank source lines (C and assembly, comments included)."""
    out = subprocess.run(["size", "-A", qemu.KERNEL64], capture_output=True, text=True).stdout
    loaded = sum(int(f[1]) for f in (line.split() for line in out.splitlines())
                 if len(f) >= 3 and f[0].startswith((".text", ".rodata", ".data")) and f[1].isdigit())
    lines = 0
    for root, _, files in os.walk("kernel"):
        for name in files:
            if name.endswith((".c", ".h", ".S")):
                with open(os.path.join(root, name)) as f:
                    lines += sum(1 for line in f if line.strip())
    return [("kernel_image_bytes", str(loaded), str(loaded), "bytes", "image"),
            ("kernel_source_lines", str(lines), str(lines), "lines", "kernel")]


def main():
    save = "--save" in sys.argv[1:]
    with open("bench/benchmarks.toml", "rb") as f:
        benches = all_benches = tomllib.load(f)["bench"]
    if "-k" in sys.argv[1:]:
        key = sys.argv[sys.argv.index("-k") + 1]
        benches = [b for b in benches if key in b["name"]]
    rows, failed = [], False
    for name, med, mn, unit, per in kernel_size():
        line = f"BENCH {name} median={med} min={mn} unit={unit} per={per}"
        print(line, flush=True)
        rows.append((name, int(med), int(mn), per, line))
    for b in benches:
        found, err = run(b)
        if err:
            print(f"FAILED {err}", file=sys.stderr)
            failed = True
            continue
        for name, med, mn, unit, per in found:
            line = f"BENCH {name} median={med} min={mn} unit={unit} per={per}"
            print(line, flush=True)
            rows.append((name, int(med), int(mn), per, line))
    exact = [r for r in rows if " unit=cycles " not in r[4] and " unit=permille " not in r[4]]
    print()
    print(f"{'metric':<34}{'median':>10}{'min':>10}  per")
    for name, med, mn, per, _ in exact:
        print(f"{name:<34}{med:>10}{mn:>10}  {per}")
    if len(exact) < len(rows):
        print("\nwall clock (no -icount; cycles vary from run to run, compare the ratios):")
        for name, med, mn, per, _ in (r for r in rows if r not in exact):
            print(f"{name:<34}{med:>10}{mn:>10}  {per}")
    ratios = comparisons(all_benches, rows)
    if ratios:
        print("\nCairn / Linux, medians of this run (below 1: fewer instructions than Linux):")
        print("\n".join(ratios))
    if save and rows:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True).stdout.strip() or "unknown"
        dirty = "-dirty" if subprocess.run(["git", "diff", "--quiet", "HEAD"]).returncode else ""
        path = f"bench/results/{datetime.date.today()}-{commit}{dirty}.txt"
        with open(path, "w") as f:
            saved = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            f.write(f"# cpu={CPU} icount=shift=0,sleep=off saved={saved}\n")
            f.write("".join(r[4] + "\n" for r in rows))
        print(f"\nsaved to {path}")
        failed |= docgen.update() != 0
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
