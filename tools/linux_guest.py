#!/usr/bin/env python3
"""linux_guest.py: builds the Linux guest that runs beside Cairn's benchmarks
(docs/performance.md, "Linux beside Cairn"), from Debian packages only:

    build/linux/vmlinux          the kernel of linux-image-amd64's dependency, taken
                                 out of its bzImage (QEMU boots the ELF through its PVH
                                 entry: no decompressor run under TCG at every boot,
                                 which cost 4.5 billion instructions)
    build/linux/initramfs.cpio   /init (a busybox-static script) that loads the virtio
                                 modules, then runs bench/linux/linux_bench.c (built
                                 here with gcc -static), which prints BENCH lines and
                                 leaves QEMU through isa-debug-exit
    build/linux/initramfs-net.cpio  the same kernel's network guest for `make bench-net`
                                 (tools/bench_net.py): /init loads the modules,
                                 configures eth0 statically (10.0.2.15/24, gateway
                                 10.0.2.2) and runs bench/linux/net_echo.c, a UDP and
                                 TCP echo server on NET_PORT

    linux_guest.py build [--refresh]   build it (nothing to do when up to date);
                                       --refresh fetches the newest packages again
    linux_guest.py run                 build it, boot it as `make bench` does, print
                                       what it prints

The packages are fetched with `apt-get download` into build/linux/debs/ (no root, the
machine's sources untouched) and kept there: a rebuild after a change to this file or
the program reuses them, so only the first build needs Debian's archive. tools/bench.py
calls build(); it skips the Linux benchmarks, saying why, when this raises Unavailable.
"""
import gzip
import hashlib
import lzma
import os
import stat
import subprocess
import sys
import tempfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(qemu.BUILD, "linux")
DEBS = os.path.join(OUT, "debs")
KERNEL = os.path.join(OUT, "vmlinux")
INITRAMFS = os.path.join(OUT, "initramfs.cpio")
PROGRAM_SRC = os.path.join("bench", "linux", "linux_bench.c")
PROGRAM = os.path.join(OUT, "linux_bench")
STAMP = os.path.join(OUT, "stamp")
NET_PROGRAM_SRC = os.path.join("bench", "linux", "net_echo.c")
NET_PROGRAM = os.path.join(OUT, "net_echo")
NET_INITRAMFS = os.path.join(OUT, "initramfs-net.cpio")
NET_PORT = 7007          # the port Cairn's echo system (systems/echo.toml) serves

KERNEL_META = "linux-image-amd64"     # depends on the current linux-image-<abi>-amd64
BUSYBOX = "busybox-static"
# The modules the guest loads, with what they depend on (found from the modules
# themselves): the virtio PCI transport and virtio-blk; virtio-net for issue 22.
MODULES = ["virtio_pci", "virtio_blk", "virtio_net"]
# Debian's kernel command line for the benchmarks: its console on COM1 (bench.py reads
# it), no reboot on a panic (QEMU's -no-reboot then exits and the run fails at once).
CMDLINE = "console=ttyS0 quiet panic=-1"


class Unavailable(Exception):
    """The guest cannot be built here: Debian's archive (or apt) is out of reach."""


class BuildError(Exception):
    """The guest's own parts failed to build (a defect to fix, not to skip)."""


# --- the initramfs: a cpio archive, "newc" format, written here (no cpio needed) -------

def cpio_entry(name, mode, data=b"", rdev=(0, 0), ino=1):
    """One newc entry: the header's 13 fields as 8 hex digits, the name with its NUL,
    padded to 4 bytes, then the data, padded to 4 bytes."""
    name_b = name.encode() + b"\0"
    fields = [ino, mode, 0, 0, 2 if stat.S_ISDIR(mode) else 1, 0, len(data), 0, 0,
              rdev[0], rdev[1], len(name_b), 0]
    head = b"070701" + b"".join(b"%08X" % f for f in fields) + name_b
    head += b"\0" * (-len(head) % 4)
    return head + data + b"\0" * (-len(data) % 4)


def cpio_archive(entries):
    """entries: (name, mode, data[, rdev]) tuples; returns the archive with its trailer."""
    out = [cpio_entry(e[0], e[1], e[2], *(e[3:4]), ino=i + 1) for i, e in enumerate(entries)]
    out.append(cpio_entry("TRAILER!!!", 0, ino=0))
    return b"".join(out)


def cpio_names(archive):
    """The names in a newc archive, in order (the tests read archives back with it)."""
    names, off = [], 0
    while True:
        if archive[off:off + 6] != b"070701":
            raise ValueError(f"no newc header at {off}")
        f = [int(archive[off + 6 + 8 * i:off + 14 + 8 * i], 16) for i in range(13)]
        name = archive[off + 110:off + 110 + f[11] - 1].decode()
        off += 110 + f[11]
        off += -off % 4
        off += f[6] + (-f[6] % 4)
        if name == "TRAILER!!!":
            return names
        names.append(name)


# --- kernel modules: their dependencies, read from their .modinfo sections ------------

def modinfo(data):
    """A module's .modinfo section as a dict (the key=value strings, NUL-separated).
    Reads the ELF64 section headers; raises ValueError on anything else."""
    if data[:4] != b"\x7fELF" or data[4] != 2:
        raise ValueError("not an ELF64 module")
    shoff = int.from_bytes(data[0x28:0x30], "little")
    shentsize = int.from_bytes(data[0x3a:0x3c], "little")
    shnum = int.from_bytes(data[0x3c:0x3e], "little")
    shstrndx = int.from_bytes(data[0x3e:0x40], "little")

    def section(i):
        h = data[shoff + i * shentsize:shoff + (i + 1) * shentsize]
        return (int.from_bytes(h[0:4], "little"), int.from_bytes(h[0x18:0x20], "little"),
                int.from_bytes(h[0x20:0x28], "little"))   # name, offset, size

    _, stroff, _ = section(shstrndx)
    for i in range(shnum):
        name, off, size = section(i)
        end = data.index(b"\0", stroff + name)
        if data[stroff + name:end] == b".modinfo":
            info = {}
            for item in data[off:off + size].split(b"\0"):
                key, eq, value = item.decode(errors="replace").partition("=")
                if eq:
                    info.setdefault(key, value)
            return info
    raise ValueError("no .modinfo section")


def module_bytes(path):
    """A module file's bytes, decompressed when Debian ships it compressed (.ko.xz,
    .ko.gz: busybox's insmod takes only plain ELF)."""
    with open(path, "rb") as f:
        data = f.read()
    if path.endswith(".xz"):
        return lzma.decompress(data)
    if path.endswith(".gz"):
        return gzip.decompress(data)
    if path.endswith(".zst"):
        raise BuildError(f"{path}: zstd-compressed modules are not handled yet")
    return data


def module_name(path):
    base = os.path.basename(path)
    return base[:base.index(".ko")].replace("-", "_")


def load_order(wanted, modules):
    """The modules to load for wanted, dependencies first. modules maps a name to
    (bytes, its depends list). Raises BuildError for a dependency that is missing."""
    order, seen = [], set()

    def visit(name, chain):
        if name in seen:
            return
        if name not in modules:
            raise BuildError(f"module {name} (needed by {' <- '.join(chain) or 'the guest'}) "
                             "is not in the kernel package")
        for dep in modules[name][1]:
            visit(dep, [name] + chain)
        seen.add(name)
        order.append(name)

    for w in wanted:
        visit(w, [])
    return order


# --- fetching and unpacking Debian's packages -----------------------------------------

def apt(args, cwd=None):
    try:
        r = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise Unavailable(f"{' '.join(args)}: {e}")
    if r.returncode != 0:
        raise Unavailable(f"{' '.join(args)} failed: {(r.stderr or r.stdout).strip()[-400:]}")
    return r.stdout


def kernel_package():
    """linux-image-amd64's kernel package (linux-image-<abi>-amd64), from apt's lists."""
    for line in apt(["apt-cache", "depends", KERNEL_META]).splitlines():
        dep = line.strip().removeprefix("Depends: ")
        if dep.startswith("linux-image-") and dep != KERNEL_META:
            return dep
    raise Unavailable(f"apt knows no kernel package behind {KERNEL_META} (run apt-get update)")


def fetch(package, refresh, prefix=None):
    """The package's .deb in DEBS, downloaded with apt-get download unless one of
    prefix (default: the package's own name) is there. A download goes to a folder of
    its own first: one that fails leaves what was there."""
    prefix = prefix or package + "_"
    have = sorted(f for f in os.listdir(DEBS) if f.startswith(prefix) and f.endswith(".deb"))
    if have and not refresh:
        return os.path.join(DEBS, have[-1])
    with tempfile.TemporaryDirectory(dir=DEBS) as new:
        apt(["apt-get", "download", "-q", package], cwd=new)
        got = [f for f in os.listdir(new) if f.endswith(".deb")]
        if len(got) != 1:
            raise Unavailable(f"apt-get download {package} left {got or 'no .deb'}")
        for old in have:
            os.remove(os.path.join(DEBS, old))
        os.replace(os.path.join(new, got[0]), os.path.join(DEBS, got[0]))
    return os.path.join(DEBS, got[0])


def kernel_deb(refresh):
    """The kernel package's .deb: the one fetched before, unless refresh; else
    linux-image-amd64's dependency now."""
    prefix = "linux-image-"
    have = [f for f in os.listdir(DEBS) if f.startswith(prefix) and f.endswith(".deb")]
    if have and not refresh:
        return os.path.join(DEBS, sorted(have)[-1])
    return fetch(kernel_package(), True, prefix)


def vmlinux(bzimage):
    """The kernel ELF inside a bzImage: the setup header's payload_offset and
    payload_length (0x248, 0x24c) locate the compressed vmlinux after the setup
    sectors (Documentation/x86/boot.rst). Raises BuildError for a format not handled."""
    if bzimage[0x202:0x206] != b"HdrS" or int.from_bytes(bzimage[0x206:0x208], "little") < 0x208:
        raise BuildError("the kernel is no bzImage of boot protocol 2.08 or later")
    setup = ((bzimage[0x1f1] or 4) + 1) * 512
    off = setup + int.from_bytes(bzimage[0x248:0x24c], "little")
    payload = bzimage[off:off + int.from_bytes(bzimage[0x24c:0x250], "little")]
    if payload.startswith(b"\xfd7zXZ\0"):
        elf = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(payload)
    elif payload.startswith(b"\x1f\x8b"):
        elf = zlib.decompressobj(wbits=31).decompress(payload)
    else:
        raise BuildError(f"the kernel's payload is compressed as {payload[:4].hex()}: not handled")
    if elf[:4] != b"\x7fELF":
        raise BuildError("the kernel's payload is no ELF")
    return elf


def unpack(deb, into):
    r = subprocess.run(["dpkg-deb", "-x", deb, into], capture_output=True, text=True)
    if r.returncode != 0:
        raise BuildError(f"dpkg-deb -x {deb}: {r.stderr.strip()}")


# --- the guest ------------------------------------------------------------------------

# Both guests' /init begin alike: busybox, the failure path (QEMU's status 0x11), the
# file systems, the virtio modules ({modules}: .format fills it).
INIT_START = """bb=/bin/busybox
fail() {{ echo "linux guest: $*"; /linux_bench --exit 17; $bb poweroff -f; }}
$bb mount -t proc proc /proc || fail "mount /proc"
$bb mount -t sysfs sys /sys || fail "mount /sys"
$bb mount -t devtmpfs dev /dev || fail "mount /dev"
for m in {modules}; do
	$bb insmod /lib/modules/$m.ko || fail "insmod $m"
done
"""

INIT = """#!/bin/busybox sh
# /init of the Linux benchmark guest (tools/linux_guest.py writes it): mounts what the
# program needs, loads the virtio modules, runs the program. The program leaves QEMU
# itself; any failure before that leaves it with status 0x11 (QEMU's 0x23).
""" + INIT_START + """n=0
while [ ! -b /dev/vda ]; do
	n=$((n + 1)); [ $n -gt 100 ] && fail "no /dev/vda (is the benchmark disk attached?)"
	$bb usleep 10000
done
/linux_bench
fail "linux_bench returned $?"
"""

# /init of the network guest: user networking's addresses, set by hand (no DHCP
# client's timing in the way), then the echo server, which runs until QEMU is stopped.
NET_INIT = """#!/bin/busybox sh
# /init of the Linux network guest (tools/linux_guest.py writes it; tools/bench_net.py
# drives it from the host): loads the virtio modules, configures eth0 as QEMU's user
# networking expects, runs the echo server. A failure leaves QEMU with status 0x11.
""" + INIT_START + """n=0
while [ ! -e /sys/class/net/eth0 ]; do
	n=$((n + 1)); [ $n -gt 100 ] && fail "no eth0 (is the network device attached?)"
	$bb usleep 10000
done
$bb ip link set lo up || fail "lo up"
$bb ip addr add 10.0.2.15/24 dev eth0 || fail "eth0 address"
$bb ip link set eth0 up || fail "eth0 up"
$bb ip route add default via 10.0.2.2 || fail "default route"
/net_echo {port}
fail "net_echo returned $?"
"""


def inputs_digest(kdeb, bdeb):
    """What the guest is made from: this file, the program's source, the packages."""
    h = hashlib.sha256()
    for path in (os.path.abspath(__file__), os.path.join(ROOT, PROGRAM_SRC),
                 os.path.join(ROOT, NET_PROGRAM_SRC)):
        with open(path, "rb") as f:
            h.update(f.read())
    h.update(os.path.basename(kdeb).encode() + b"\0" + os.path.basename(bdeb).encode())
    return h.hexdigest()


def compile_program(src=PROGRAM_SRC, out=PROGRAM):
    if not os.path.exists("/usr/lib/x86_64-linux-gnu/libc.a"):
        raise BuildError("no static glibc: apt-get install -y --no-install-recommends libc6-dev")
    cmd = ["gcc", "-static", "-O2", "-Wall", "-Wextra", "-Werror", "-o", out,
           os.path.join(ROOT, src), "-lpthread"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise BuildError(f"{' '.join(cmd)}:\n{r.stderr}")


def build(refresh=False, log=print):
    """Builds build/linux/ unless it is up to date; returns (kernel, initramfs, what),
    what naming the kernel package. Raises Unavailable or BuildError."""
    os.makedirs(DEBS, exist_ok=True)
    kdeb = kernel_deb(refresh)
    bdeb = fetch(BUSYBOX, refresh)
    what = os.path.basename(kdeb).split("_")[0] + " " + os.path.basename(kdeb).split("_")[1]
    digest = inputs_digest(kdeb, bdeb)
    if all(map(os.path.exists, (STAMP, KERNEL, INITRAMFS, NET_INITRAMFS))):
        with open(STAMP) as f:
            if f.read().strip() == digest:
                return KERNEL, INITRAMFS, what
    log(f"linux guest: building {OUT} from {os.path.basename(kdeb)} and {os.path.basename(bdeb)}")
    compile_program()
    compile_program(NET_PROGRAM_SRC, NET_PROGRAM)
    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        unpack(kdeb, os.path.join(tmp, "k"))
        unpack(bdeb, os.path.join(tmp, "b"))
        boot = os.path.join(tmp, "k", "boot")
        vmlinuz = [f for f in os.listdir(boot) if f.startswith("vmlinuz-")]
        if len(vmlinuz) != 1:
            raise BuildError(f"{kdeb}: want one boot/vmlinuz-*, found {vmlinuz}")
        with open(os.path.join(boot, vmlinuz[0]), "rb") as f:
            elf = vmlinux(f.read())
        with open(KERNEL, "wb") as f:
            f.write(elf)
        modules = {}
        for top, _, files in os.walk(os.path.join(tmp, "k", "lib", "modules")):
            for f in files:
                if ".ko" in f:
                    data = module_bytes(os.path.join(top, f))
                    deps = [d for d in modinfo(data).get("depends", "").split(",") if d]
                    modules[module_name(f)] = (data, deps)
        order = load_order(MODULES, modules)
        with open(os.path.join(tmp, "b", "bin", "busybox"), "rb") as f:
            busybox = f.read()
        with open(PROGRAM, "rb") as f:
            program = f.read()
        with open(NET_PROGRAM, "rb") as f:
            net_program = f.read()
    entries = [(d, stat.S_IFDIR | 0o755, b"") for d in ("dev", "proc", "sys", "bin", "lib",
                                                          "lib/modules")]
    entries += [("dev/console", stat.S_IFCHR | 0o600, b"", (5, 1)),
                ("bin/busybox", stat.S_IFREG | 0o755, busybox),
                ("bin/sh", stat.S_IFLNK | 0o777, b"busybox"),
                ("linux_bench", stat.S_IFREG | 0o755, program),
                ("init", stat.S_IFREG | 0o755, INIT.format(modules=" ".join(order)).encode())]
    entries += [(f"lib/modules/{m}.ko", stat.S_IFREG | 0o644, modules[m][0]) for m in order]
    with open(INITRAMFS + ".tmp", "wb") as f:
        f.write(cpio_archive(entries))
    os.replace(INITRAMFS + ".tmp", INITRAMFS)
    # the network guest: the same files, its own /init and the echo server
    net = [e for e in entries if e[0] != "init"]
    net += [("net_echo", stat.S_IFREG | 0o755, net_program),
            ("init", stat.S_IFREG | 0o755,
             NET_INIT.format(modules=" ".join(order), port=NET_PORT).encode())]
    with open(NET_INITRAMFS + ".tmp", "wb") as f:
        f.write(cpio_archive(net))
    os.replace(NET_INITRAMFS + ".tmp", NET_INITRAMFS)
    with open(STAMP, "w") as f:
        f.write(digest + "\n")
    log(f"linux guest: {what}, modules {' '.join(order)}")
    return KERNEL, INITRAMFS, what


def main(argv):
    if len(argv) < 2 or argv[1] not in ("build", "run"):
        sys.exit(__doc__)
    os.chdir(ROOT)
    os.makedirs(OUT, exist_ok=True)
    try:
        kernel, initrd, what = build(refresh="--refresh" in argv)
    except (Unavailable, BuildError) as e:
        sys.exit(f"linux guest: {e}")
    if argv[1] == "build":
        print(f"linux guest: {kernel}, {initrd} ({what})")
        return
    import bench  # noqa: E402  (bench.py imports this file)
    cmd = bench.linux_command(kernel, initrd)
    print(" ".join(cmd), flush=True)
    code = subprocess.call(cmd)
    print(f"QEMU exited with status {code:#x}"
          + (" (done)" if code == qemu.EXIT_DONE else ""))
    sys.exit(0 if code == qemu.EXIT_DONE else 1)


if __name__ == "__main__":
    main(sys.argv)
