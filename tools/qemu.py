#!/usr/bin/env python3
"""qemu.py: boots Cairn systems under QEMU and builds the GRUB ISO.

    qemu.py run   systems/<name>.toml          boot it: COM1's output on the terminal,
                                               and what is typed goes to COM1, or to
                                               COM2 if the description grants COM2;
                                               with the devices of RUN_DEVICES it binds
    qemu.py debug systems/<name>.toml          boot it halted, with gdb attached, the
                                               component-aware commands of cairn_gdb.py
                                               loaded; GDB_PORT= its port (1234)
    qemu.py iso   systems/<name>.toml OUT.iso  a GRUB ISO (BIOS + UEFI) of it
    qemu.py run-iso systems/<name>.toml X.iso bios|uefi
                                               boot that ISO through GRUB under SeaBIOS
                                               or OVMF, with the devices `run` attaches

The description is checked and built by tools/sysgen.py (docs/systems.md): the kernel
starts the booter, which builds the system from the other modules. tools/test.py uses
the functions here to boot the test systems the same way.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import tomllib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import crash  # noqa: E402
import limits  # noqa: E402
import system  # noqa: E402
import sysgen  # noqa: E402

BUILD = "build"
KERNEL64 = os.path.join(BUILD, "cairn.elf")
KERNEL32 = os.path.join(BUILD, "cairn32.elf")
OVMF = "/usr/share/ovmf/OVMF.fd"
DEBUG_EXIT = ["-device", "isa-debug-exit,iobase=0xf4,iosize=4"]
EXIT_DONE = 0x10 * 2 + 1   # QEMU's status when the kernel writes 0x10 (console.h)
EXIT_PANIC = 0x11 * 2 + 1
# The terminal of `run`: one multiplexed stdio for COM1 (the kernel's console, and the
# console's input if a driver reads it: docs/devices.md, "Serial (16550)") and the
# monitor, COM1 holding the keyboard; Ctrl-A c moves it on, Ctrl-A x quits. A system
# that grants COM2 gets TERMINAL_COM2: COM1, COM2 and the monitor, the last serial port
# attached, COM2, holding the keyboard.
TERMINAL = ["-serial", "mon:stdio"]
TERMINAL_COM2 = ["-chardev", "stdio,mux=on,id=term", "-serial", "chardev:term", "-serial", "chardev:term",
                 "-mon", "chardev=term"]
COM2 = 0x2f8


def grants_port(path, port):
    """True if a component of the description at path is granted the I/O port."""
    data, _ = system.load(path)
    return any(first <= port <= last for c in data.get("component", [])
               for first, last in system.ioport_ranges(c))


# Devices `run` attaches for a description that binds them (its components' `devices`
# with `at`), by vendor:device: QEMU's arguments for one at PCI slot.function `addr` in
# the system `name`.
# The run disk holds two checkpoints of PERSIST_ROOM records (cairn/persist.h), in MiB.
RUN_DISK_BYTES = -(-(1 + 2 * limits.get("PERSIST_AREA_BLOCKS")) * 4096 // (1 << 20)) << 20


def run_disk_path(name):
    """`run`'s virtio-blk disk for system `name`: it outlives a run (each system its own)."""
    return os.path.join(BUILD, f"run-disk-{name}.img")


def run_disk(addr, name=""):
    """QEMU's arguments for a modern virtio-blk at addr over system name's run disk,
    made (zeros) if absent."""
    disk = run_disk_path(name)
    if not os.path.exists(disk):
        os.makedirs(BUILD, exist_ok=True)
        with open(disk, "wb") as f:
            f.truncate(RUN_DISK_BYTES)
    return ["-drive", f"file={disk},format=raw,if=none,id=run_disk0",
            "-device", f"virtio-blk-pci,drive=run_disk0,addr={addr},disable-legacy=on"]


# Host ports `run` forwards to a system's guest ports over user networking, by system
# name: (protocol, guest port). The host listens on 127.0.0.1 only, on the guest's port
# number or on HOST_PORT (the environment; `make run SYSTEM=echo HOST_PORT=17007`).
RUN_FORWARDS = {
    "echo": [("udp", 7007), ("tcp", 7007)],     # systems/echo.toml (docs/network.md)
    "web": [("tcp", 8080)],                     # systems/web.toml: the page (/quit ends it)
    "rtos_net": [("udp", 7009), ("tcp", 7009)],  # systems/rtos_net.toml (docs/network.md)
}


def run_forwards(name):
    """The hostfwd= options of user networking for system `name` (RUN_FORWARDS)."""
    host = os.environ.get("HOST_PORT")
    return "".join(f",hostfwd={proto}:127.0.0.1:{host or guest}-:{guest}"
                   for proto, guest in RUN_FORWARDS.get(name, []))


def run_net(addr, name=""):
    """virtio-net (modern) at addr on user networking (the gateway 10.0.2.2, the guest
    10.0.2.15), with system name's forwards."""
    return ["-netdev", f"user,id=run_net0,ipv6=off{run_forwards(name)}", "-device",
            f"virtio-net-pci,netdev=run_net0,addr={addr},disable-legacy=on"]


RUN_DEVICES = {
    "1af4:1041": run_net,
    # virtio-blk (modern): the system's run disk
    "1af4:1042": run_disk,
}


def run_devices(path):
    """QEMU's arguments for the devices of RUN_DEVICES the description at path binds."""
    data, _ = system.load(path)
    args = []
    for c in data.get("component", []):
        for d in c.get("devices", []):
            if d.get("match") in RUN_DEVICES and "at" in d:
                bus, _, slot_fn = d["at"].partition(":")
                slot, _, fn = slot_fn.partition(".")
                if int(bus, 16) == 0:
                    args += RUN_DEVICES[d["match"]](f"{int(slot, 16):x}.{int(fn or '0', 16)}",
                                                    data["system"]["name"])
    return args


def load_system(path):
    """Checks and builds a system (tools/sysgen.py, under make); returns (name, [boot
    module lines], cores): the booter first, then the images it builds the system from.
    Exits with the description's errors, one per line."""
    try:
        modules = sysgen.build(path)
        data, _ = system.load(path)
    except (system.DescError, sysgen.GenError) as e:
        sys.exit(str(e))
    return data["system"]["name"], modules, system.system_cores(data)


def module_path(name):
    """A module line's file: a path as given, or a program name (build/user/<name>.elf)."""
    return name if "/" in name else os.path.join(BUILD, "user", name + ".elf")


def qemu_command(modules, cmdline="", memory=128, icount=False, extra=(), smp=1, kernel=KERNEL32):
    """The QEMU command line that boots the kernel with -kernel (multiboot1).

    modules are "name [key=value ...]" strings: name is build/user/<name>.elf, or a path.
    smp > 1: that many cores, each on a host thread of its own; with icount they take
    turns on one host thread (-icount allows no other), on one clock.
    kernel: another kernel to boot on the same machine (the Linux guest beside the
    benchmarks: tools/linux_guest.py; its one module is its initramfs).
    """
    accel = "tcg,thread=multi" if smp > 1 and not icount else "tcg,thread=single"
    cmd = ["qemu-system-x86_64", "-accel", accel, "-m", str(memory), "-smp", str(smp),
           "-display", "none", "-no-reboot", *DEBUG_EXIT, "-kernel", kernel]
    if icount:   # the RTC on the virtual clock too: its periodic interrupts repeat exactly
        cmd += ["-icount", "shift=0,sleep=off", "-rtc", "clock=vm"]
    if modules:
        paths = []
        for m in modules:
            name, _, args = m.partition(" ")
            path = module_path(name)
            paths.append(f"{path} {args}".strip())
        cmd += ["-initrd", ",".join(paths)]
    if cmdline:
        cmd += ["-append", cmdline]
    return cmd + list(extra)


# The block benchmark's disk (docs/performance.md, "Linux beside Cairn"): QEMU's null-co
# driver (no host I/O: a read returns zeroes, held back 1 ms of host time so that the
# reader has blocked by then; the soaker takes the wait out), behind a modern-only
# virtio-blk (1af4:1042 on pc and q35 alike) with one queue and MSI-X (a configuration vector and
# the queue's), at a fixed slot. ioeventfd=off says what TCG does anyway: the guest's
# notify is handled inside its write. Cairn's benchmark and the Linux guest's take their
# disk from here, so both read the same device in the same machine.
BENCH_DISK_BYTES = 64 << 20
BENCH_DISK_SLOT = 0x6
BENCH_DISK_LATENCY_NS = 1000000


def bench_disk_args(iommu=False):
    """The QEMU arguments that attach the block benchmark's disk. iommu: the same disk
    on q35 behind QEMU's intel-iommu (BENCH_IOMMU_ARGS), the device translated by it
    (iommu_platform=on: it offers VIRTIO_F_ACCESS_PLATFORM)."""
    return ["-blockdev", f"driver=null-co,node-name=benchdisk,size={BENCH_DISK_BYTES},read-zeroes=on,"
            f"latency-ns={BENCH_DISK_LATENCY_NS}",
            "-device", f"virtio-blk-pci,drive=benchdisk,addr={BENCH_DISK_SLOT:#x},disable-legacy=on,"
            "num-queues=1,vectors=2,ioeventfd=off" + (",iommu_platform=on" if iommu else "")]


# The frame benchmarks' network (an entry's net = true): a modern-only virtio-net on
# QEMU's user networking (slirp: the gateway 10.0.2.2 answers ARP), MSI-X, at a fixed
# slot, with the MAC tests.toml's virtio_net test gives it. tx=timer: the device sends
# what the guest queued 150 us of the virtual clock after the notify (its x-txtimer;
# under -icount, 150,000 guest instructions), not in a bottom half of the main loop
# whenever the host schedules it: so the driver has always slept when the completion
# comes (and an ARP reply, which slirp makes inside the send), as on real hardware, and
# each frame takes the same path (docs/performance.md, "Devices").
BENCH_NET_SLOT = 0x7


def bench_net_args(slot=BENCH_NET_SLOT, hostfwd=(), tx="timer", iommu=False):
    """The QEMU arguments that attach the frame benchmarks' network device. For `make
    bench-net` (tools/bench_net.py): slot, another PCI slot (a system that binds the
    device elsewhere); hostfwd, user networking's forwards ("udp:127.0.0.1:<host
    port>-:<guest port>"); tx="bh", QEMU's default send from a bottom half. iommu: the
    same device translated by the machine's IOMMU (BENCH_IOMMU_ARGS; iommu_platform=on:
    it offers VIRTIO_F_ACCESS_PLATFORM)."""
    return ["-netdev", "user,id=benchnet,ipv6=off" + "".join(f",hostfwd={h}" for h in hostfwd),
            "-device", f"virtio-net-pci,netdev=benchnet,addr={slot:#x},disable-legacy=on,"
            f"mac=52:54:00:12:34:56,tx={tx}" + (",iommu_platform=on" if iommu else "")]


# The machine of the benchmarks behind the IOMMU (an entry's iommu = true), before any
# device: QEMU's q35 with its VT-d (48-bit addresses, as tests.toml's IOMMU tests).
BENCH_IOMMU_ARGS = ["-machine", "q35", "-device", "intel-iommu,aw-bits=48"]


def grub_cfg(modules, cmdline=""):
    lines = ["set timeout=0", "set default=0",
             "serial --unit=0 --speed=115200",
             "terminal_input serial console", "terminal_output serial console",
             'menuentry "Cairn" {',
             f"  multiboot2 /boot/cairn.elf {cmdline}".rstrip()]
    for m in modules:
        base = os.path.basename(module_path(m.partition(" ")[0]))
        lines.append(f"  module2 /boot/{base} /boot/{base} {m.partition(' ')[2]}".rstrip())
    lines += ["  boot", "}"]
    return "\n".join(lines) + "\n"


def make_iso(modules, out):
    with tempfile.TemporaryDirectory(dir=BUILD) as root:
        boot = os.path.join(root, "boot")
        os.makedirs(os.path.join(boot, "grub"))
        shutil.copy(KERNEL64, boot)
        for m in modules:
            shutil.copy(module_path(m.partition(" ")[0]), boot)
        with open(os.path.join(boot, "grub", "grub.cfg"), "w") as f:
            f.write(grub_cfg(modules))
        r = subprocess.run(["grub-mkrescue", "-o", out, root],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            sys.exit(f"grub-mkrescue failed:\n{r.stdout}")


def iso_command(iso, firmware="bios", memory=256, smp=1):
    """The QEMU command line that boots a GRUB ISO (make_iso) under SeaBIOS or OVMF."""
    accel = "tcg,thread=multi" if smp > 1 else "tcg"
    cmd = ["qemu-system-x86_64", "-accel", accel, "-m", str(memory), "-smp", str(smp), "-display", "none",
           "-no-reboot", *DEBUG_EXIT, "-cdrom", iso, "-boot", "d"]
    if firmware == "uefi":
        cmd += ["-bios", OVMF]
    return cmd


def say_booting(name):
    print(f"booting system '{name}' (leave QEMU with Ctrl-A then X)", flush=True)
    if os.environ.get("ICOUNT") == "1":
        print("ICOUNT=1: guest time is -icount shift=0 (one instruction a nanosecond; "
              "repeatable, on one core only)")
    for proto, guest in RUN_FORWARDS.get(name, []):
        print(f"forwarding {proto} 127.0.0.1:{os.environ.get('HOST_PORT') or guest} to the guest's port {guest}")


def run_watched(cmd, watcher):
    """Runs QEMU (cmd) with its output passed through to ours as it comes (a prompt
    without its newline included) and read line by line by watcher (tools/crash.py):
    what it explains follows the line. The terminal's input goes to QEMU as before.
    Returns QEMU's status."""
    qemu = subprocess.Popen(cmd, stdout=subprocess.PIPE)
    try:
        watch(qemu.stdout.fileno(), watcher)
    except KeyboardInterrupt:   # the terminal's Ctrl-C outside QEMU's raw mode
        qemu.kill()
    return qemu.wait()


def watch(fd, watcher):
    """Copies fd to our output as it comes, and each line's explanation after it."""
    out, line, shown = sys.stdout.buffer, b"", 0   # the line so far, how much of it is out
    while True:
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        line += chunk
        while b"\n" in line:
            done, _, line = line.partition(b"\n")
            out.write(done[shown:] + b"\n")
            shown = 0
            extra = watcher.line(done.decode("utf-8", "replace").rstrip("\r"))
            out.write("".join(e + "\n" for e in extra).encode())
        out.write(line[shown:])
        shown = len(line)
        out.flush()


def debug_config(path, name, modules):
    """Writes build/debug/<name>.json for tools/cairn_gdb.py's cairn-load: the system's
    name, the booter's ELF, every image by the name the booter knows it by
    (crash.images_of), and each component's image, a nested subsystem's included."""
    data, _ = system.load(path)
    images = crash.images_of(modules, BUILD)
    comps, files = {}, [(os.path.dirname(path), data)]
    while files:
        base, d = files.pop()
        comps.update({c["name"]: c.get("image", c["name"]) for c in d.get("component", [])})
        comps.update({p: p for p in d.get("rtos", {}).get("programs", [])})   # RTOS processes
        for sub in (sub for sub in d.get("subsystem", []) if "file" in sub):
            parent = f"{comps.get(sub['parent'], sub['parent'])}+{sub['name']}"   # sysgen's image
            if parent in images:
                comps[sub["parent"]] = parent
            with open(sub["file"], "rb") as f:
                files.append((base, tomllib.load(f)))
    out = os.path.join(BUILD, "debug", name + ".json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump({"system": name, "booter": module_path(modules[0].partition(" ")[0]),
                   "images": images, "components": comps}, f, indent=1)
    return out


def gdb_port(text):
    """GDB_PORT checked: a port number that nothing listens on yet (else gdb would talk
    to whatever does); exits naming the problem."""
    if not text.isdigit() or not 0 < int(text) < 65536:
        sys.exit(f"GDB_PORT={text}: not a port number")
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", int(text)))
        except OSError:
            sys.exit(f"port {text} is in use: choose another with GDB_PORT=<n>")
    return text


def gdb_command(port, config):
    """gdb with the kernel's symbols, tools/cairn_gdb.py's commands and config loaded,
    attached to QEMU's gdb stub on port."""
    return ["gdb", "-q", KERNEL64, "-ex", "set architecture i386:x86-64",
            "-x", os.path.join(os.path.dirname(os.path.abspath(__file__)), "cairn_gdb.py"),
            "-ex", f"cairn-load {config}", "-ex", f"target remote 127.0.0.1:{port}"]


def finish(code, watcher=None):
    """Says how QEMU ended (`run`, `run-iso`): the system finished (exit 0), but with a
    failure watcher saw (a component of the system stopped by a fault with no keeper,
    a deadlock: exit 1), the kernel panicked, or another status (both exit non-zero)."""
    if code == EXIT_DONE and watcher and watcher.failures:
        sys.exit("QEMU: the system finished, but " + "; ".join(watcher.failures))
    if code == EXIT_DONE:
        print("QEMU: the system finished")
    elif code == EXIT_PANIC:
        sys.exit("QEMU: the kernel panicked")
    elif code != 0:
        sys.exit(f"QEMU exited with status {code}")


def main(argv):
    if len(argv) < 3 or argv[1] not in ("run", "debug", "iso", "run-iso") or \
            (argv[1] == "run-iso" and (len(argv) != 5 or argv[4] not in ("bios", "uefi"))):
        sys.exit(__doc__)
    if argv[1] == "run-iso":
        data, _ = system.load(argv[2])
        say_booting(data["system"]["name"])
        finish(subprocess.call(iso_command(argv[3], argv[4], smp=system.system_cores(data)) +
                               run_devices(argv[2]) + TERMINAL))
        return
    name, modules, cores = load_system(argv[2])
    if argv[1] == "iso":
        make_iso(modules, argv[3])
        return
    icount = os.environ.get("ICOUNT") == "1" and cores == 1   # -icount needs one core
    cmd = qemu_command(modules, smp=cores, icount=icount) + ["-serial", "mon:stdio"]
    if argv[1] == "run":
        say_booting(name)
        watcher = crash.Watcher(name, crash.images_of(modules, BUILD))
        finish(run_watched(cmd[:-2] + run_devices(argv[2]) +
                           (TERMINAL_COM2 if grants_port(argv[2], COM2) else TERMINAL), watcher), watcher)
        return
    port = gdb_port(os.environ.get("GDB_PORT") or "1234")
    config = debug_config(argv[2], name, modules)
    qemu = subprocess.Popen(cmd[:1] + ["-S", "-gdb", f"tcp:127.0.0.1:{port}"] + cmd[1:-2] +
                            ["-serial", "file:build/debug-serial.log"])
    print(f"QEMU halted at the first instruction, gdb stub on port {port}; serial output goes to "
          "build/debug-serial.log; cairn-components, cairn-threads, cairn-break COMPONENT LOCATION, "
          "cairn-symbols (docs/debugging.md)")
    try:
        subprocess.call(gdb_command(port, config) + ["-ex", "hbreak kmain"])
    finally:
        qemu.terminate()


if __name__ == "__main__":
    main(sys.argv)
