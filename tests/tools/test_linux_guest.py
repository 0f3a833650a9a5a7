"""test_linux_guest.py: tools/linux_guest.py's parts that need no network (the cpio
writer, the modules' dependencies, the kernel taken out of a bzImage, the skip when
Debian's archive is out of reach) and tools/bench.py's Linux entries (the same machine
as Cairn's block benchmark, the Cairn / Linux ratios).

Run from the repository's root: python3 -m unittest discover -s tests/tools
"""
import contextlib
import io
import lzma
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest
import zlib
from unittest import mock

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import bench  # noqa: E402
import linux_guest  # noqa: E402
import qemu  # noqa: E402

CC = shutil.which("gcc")


class Cpio(unittest.TestCase):
    def test_round_trip_and_alignment(self):
        entries = [("dev", stat.S_IFDIR | 0o755, b""),
                   ("dev/console", stat.S_IFCHR | 0o600, b"", (5, 1)),
                   ("bin/sh", stat.S_IFLNK | 0o777, b"busybox"),
                   ("init", stat.S_IFREG | 0o755, b"#!/bin/sh\n" * 3 + b"x")]
        archive = linux_guest.cpio_archive(entries)
        self.assertEqual(linux_guest.cpio_names(archive), ["dev", "dev/console", "bin/sh", "init"])
        self.assertEqual(len(archive) % 4, 0)
        # the console node: mode and rdev major/minor in the header's fields
        off = archive.index(b"dev/console\0") - 110
        fields = [int(archive[off + 6 + 8 * i:off + 14 + 8 * i], 16) for i in range(13)]
        self.assertEqual(fields[1], stat.S_IFCHR | 0o600)
        self.assertEqual((fields[9], fields[10]), (5, 1))
        # a file's data follows its padded name, whole
        self.assertIn(b"#!/bin/sh\n" * 3 + b"x", archive)

    def test_cpio_reads_it(self):
        if not shutil.which("cpio"):
            self.skipTest("no cpio on this machine (the writer does not need it)")
        archive = linux_guest.cpio_archive([("a", stat.S_IFREG | 0o644, b"hello")])
        r = subprocess.run(["cpio", "-it"], input=archive, capture_output=True)
        self.assertEqual(r.stdout.split(), [b"a"])

    def test_bad_archive(self):
        with self.assertRaises(ValueError):
            linux_guest.cpio_names(b"070707" + b"0" * 200)


class Modules(unittest.TestCase):
    def module(self, source):
        if not CC:
            self.skipTest("no gcc")
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "m.c"), "w") as f:
                f.write(source)
            subprocess.run([CC, "-c", "-o", os.path.join(d, "m.o"), os.path.join(d, "m.c")], check=True)
            with open(os.path.join(d, "m.o"), "rb") as f:
                return f.read()

    def test_modinfo_depends(self):
        data = self.module('__attribute__((section(".modinfo"), used)) static const char a[] = '
                           '"license=GPL\\0depends=virtio,virtio_ring\\0name=virtio_blk";\n')
        info = linux_guest.modinfo(data)
        self.assertEqual(info["depends"], "virtio,virtio_ring")
        self.assertEqual(info["name"], "virtio_blk")

    def test_modinfo_errors(self):
        with self.assertRaises(ValueError):
            linux_guest.modinfo(b"not an elf at all" * 10)
        with self.assertRaises(ValueError):
            linux_guest.modinfo(self.module("int x = 1;\n"))

    def test_load_order(self):
        mods = {"virtio_ring": (b"", []), "virtio": (b"", ["virtio_ring"]),
                "virtio_blk": (b"", ["virtio", "virtio_ring"]),
                "virtio_pci": (b"", ["virtio_ring", "virtio"])}
        order = linux_guest.load_order(["virtio_pci", "virtio_blk"], mods)
        self.assertEqual(order, ["virtio_ring", "virtio", "virtio_pci", "virtio_blk"])

    def test_missing_dependency(self):
        with self.assertRaisesRegex(linux_guest.BuildError, "failover.*net_failover <- virtio_net"):
            linux_guest.load_order(["virtio_net"], {"virtio_net": (b"", ["net_failover"]),
                                                    "net_failover": (b"", ["failover"])})

    def test_compressed_module(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "virtio-blk.ko.xz")
            with open(path, "wb") as f:
                f.write(lzma.compress(b"\x7fELF module"))
            self.assertEqual(linux_guest.module_bytes(path), b"\x7fELF module")
            self.assertEqual(linux_guest.module_name(path), "virtio_blk")


def bzimage(payload):
    """A bzImage's skeleton: 4 setup sectors, the header fields vmlinux() reads."""
    img = bytearray(5 * 512)
    img[0x1f1] = 4
    img[0x202:0x206] = b"HdrS"
    img[0x206:0x208] = (0x20f).to_bytes(2, "little")
    img[0x248:0x24c] = (16).to_bytes(4, "little")
    img[0x24c:0x250] = len(payload).to_bytes(4, "little")
    return bytes(img) + b"\0" * 16 + payload + b"tail"


class Vmlinux(unittest.TestCase):
    ELF = b"\x7fELF" + b"kernel" * 100

    def test_xz_and_gzip(self):
        xz = lzma.compress(self.ELF, format=lzma.FORMAT_XZ) + b"\x12\x34\x56\x78"
        self.assertEqual(linux_guest.vmlinux(bzimage(xz)), self.ELF)
        z = zlib.compressobj(wbits=31)
        gz = z.compress(self.ELF) + z.flush() + b"\x12\x34\x56\x78"
        self.assertEqual(linux_guest.vmlinux(bzimage(gz)), self.ELF)

    def test_errors(self):
        with self.assertRaisesRegex(linux_guest.BuildError, "not handled"):
            linux_guest.vmlinux(bzimage(b"\x28\xb5\x2f\xfd" + b"\0" * 40))
        with self.assertRaisesRegex(linux_guest.BuildError, "no bzImage"):
            linux_guest.vmlinux(b"\0" * 4096)
        with self.assertRaisesRegex(linux_guest.BuildError, "no ELF"):
            linux_guest.vmlinux(bzimage(lzma.compress(b"not elf", format=lzma.FORMAT_XZ)))


class Out:
    """A build/linux/ of its own: two packages fetched, a kernel and an initramfs."""

    def __enter__(self):
        self.dir = tempfile.mkdtemp()
        names = {"OUT": "", "DEBS": "debs", "KERNEL": "vmlinux", "INITRAMFS": "initramfs.cpio",
                 "NET_INITRAMFS": "initramfs-net.cpio", "STAMP": "stamp"}
        self.patches = [mock.patch.object(linux_guest, k, os.path.join(self.dir, v)) for k, v in names.items()]
        for p in self.patches:
            p.start()
        os.makedirs(linux_guest.DEBS)
        for f in ("linux-image-6.1.0-1-amd64_6.1.1-1_amd64.deb", "busybox-static_1.35_amd64.deb"):
            open(os.path.join(linux_guest.DEBS, f), "w").close()
        for f in (linux_guest.KERNEL, linux_guest.INITRAMFS, linux_guest.NET_INITRAMFS):
            open(f, "w").close()
        return self.dir

    def __exit__(self, *exc):
        for p in self.patches:
            p.stop()
        shutil.rmtree(self.dir)


class Unreachable(unittest.TestCase):
    """No archive: build() raises Unavailable, and bench.py skips the entry."""

    def test_skip(self):
        def no_network(args, **kw):
            return subprocess.CompletedProcess(args, 100, "", "E: Failed to fetch: no network")
        with tempfile.TemporaryDirectory() as d, \
                mock.patch.object(linux_guest, "OUT", d), \
                mock.patch.object(linux_guest, "DEBS", os.path.join(d, "debs")), \
                mock.patch.object(linux_guest.subprocess, "run", no_network):
            with self.assertRaisesRegex(linux_guest.Unavailable, "no network"):
                linux_guest.build(log=lambda m: None)
            err = io.StringIO()
            with contextlib.redirect_stderr(err):
                self.assertEqual(bench.run({"name": "linux", "linux": True, "metrics": ["x"]}), ([], None))
            self.assertIn("SKIPPED linux: no Linux guest", err.getvalue())

    def test_refresh_keeps_what_was_there(self):
        def no_network(args, **kw):
            return subprocess.CompletedProcess(args, 100, "", "E: Failed to fetch")
        with Out(), mock.patch.object(linux_guest.subprocess, "run", no_network):
            debs = sorted(os.listdir(linux_guest.DEBS))
            with self.assertRaises(linux_guest.Unavailable):
                linux_guest.build(refresh=True, log=lambda m: None)
            self.assertEqual(sorted(os.listdir(linux_guest.DEBS)), debs)

    def test_up_to_date_runs_nothing(self):
        def nothing(args, **kw):
            raise AssertionError(f"ran {args}")
        with Out(), mock.patch.object(linux_guest.subprocess, "run", nothing):
            kdeb = os.path.join(linux_guest.DEBS, "linux-image-6.1.0-1-amd64_6.1.1-1_amd64.deb")
            bdeb = os.path.join(linux_guest.DEBS, "busybox-static_1.35_amd64.deb")
            with open(linux_guest.STAMP, "w") as f:
                f.write(linux_guest.inputs_digest(kdeb, bdeb) + "\n")
            kernel, initramfs, what = linux_guest.build(log=lambda m: None)
            self.assertEqual((kernel, initramfs), (linux_guest.KERNEL, linux_guest.INITRAMFS))
            self.assertEqual(what, "linux-image-6.1.0-1-amd64 6.1.1-1")
            # a stale stamp: it rebuilds, and the first step (dpkg-deb, gcc) runs
            with open(linux_guest.STAMP, "w") as f:
                f.write("stale\n")
            with self.assertRaisesRegex(AssertionError, "ran"):
                linux_guest.build(log=lambda m: None)

    def test_build_error_fails(self):
        def broken(**kw):
            raise linux_guest.BuildError("cc failed")
        with mock.patch.object(linux_guest, "build", broken):
            found, err = bench.run({"name": "linux", "linux": True, "metrics": ["x"]})
        self.assertIsNone(found)
        self.assertIn("cc failed", err)


class BenchEntries(unittest.TestCase):
    def test_same_machine_as_cairn(self):
        """The Linux guest's command is a Cairn disk benchmark's but for what it boots."""
        linux = bench.linux_command("build/linux/K", "build/linux/I")
        cairn = qemu.qemu_command(["bench_blk"], "", icount=True, extra=bench.machine_args(disk=True))

        def machine(cmd):
            out, skip = [], {"-kernel", "-initrd", "-append"}
            it = iter(cmd)
            for a in it:
                if a in skip:
                    next(it)
                else:
                    out.append(a)
            return out
        self.assertEqual(machine(linux), machine(cairn))
        self.assertIn("-icount", linux)
        self.assertIn(bench.CPU, linux)
        for arg in qemu.bench_disk_args():
            self.assertIn(arg, linux)
        self.assertEqual(linux[linux.index("-kernel") + 1], "build/linux/K")
        self.assertEqual(linux[linux.index("-initrd") + 1], "build/linux/I")

    def test_disk_null_co_modern_msix(self):
        args = " ".join(qemu.bench_disk_args())
        for want in ("driver=null-co", "read-zeroes=on", "latency-ns=", "virtio-blk-pci",
                     "disable-legacy=on", "vectors=2", "num-queues=1"):
            self.assertIn(want, args)

    def test_iommu_disk(self):
        """Behind the IOMMU: the plain disk (Linux's) but iommu_platform=on, on q35 with
        intel-iommu given before the device (QEMU wants the IOMMU first)."""
        plain, io = qemu.bench_disk_args(), qemu.bench_disk_args(iommu=True)
        self.assertNotIn("iommu_platform", " ".join(plain))
        self.assertEqual(io[:-1], plain[:-1])
        self.assertEqual(io[-1], plain[-1] + ",iommu_platform=on")
        args = bench.machine_args(disk=True, iommu=True)
        self.assertLess(args.index("intel-iommu,aw-bits=48"), args.index(io[-1]))
        self.assertEqual(args[args.index("-machine") + 1], "q35")
        self.assertNotIn("-machine", bench.machine_args(disk=True))

    def test_blk_entries(self):
        """Cairn's block benchmarks read Linux's disk; the compare pair names one of them."""
        import tomllib
        with open(os.path.join(ROOT, "bench", "benchmarks.toml"), "rb") as f:
            benches = {b["name"]: b for b in tomllib.load(f)["bench"]}
        self.assertTrue(benches["blk"]["disk"] and not benches["blk"].get("iommu"))
        self.assertEqual(benches["blk"]["metrics"], ["blk_read_4k"])
        self.assertTrue(benches["blk_iommu"]["disk"] and benches["blk_iommu"]["iommu"])
        self.assertTrue(benches["net"]["net"] and not benches["net"].get("iommu"))
        self.assertTrue(benches["net_iommu"]["net"] and benches["net_iommu"]["iommu"])
        self.assertEqual(benches["net_iommu"]["metrics"], [m + "_iommu" for m in benches["net"]["metrics"]])

    def test_net_args(self):
        """The frame benchmarks' device: modern virtio-net on slirp, the timed send."""
        args = " ".join(qemu.bench_net_args())
        for want in ("-netdev user,", "virtio-net-pci", "disable-legacy=on", "tx=timer", "addr=0x7"):
            self.assertIn(want, args)
        self.assertIn(qemu.bench_net_args()[-1], bench.machine_args(net=True))
        self.assertNotIn("iommu_platform", args)
        io = bench.machine_args(net=True, iommu=True)
        self.assertEqual(io[io.index("-machine") + 1], "q35")
        self.assertLess(io.index("intel-iommu,aw-bits=48"), io.index(qemu.bench_net_args(iommu=True)[-1]))
        self.assertEqual(qemu.bench_net_args(iommu=True)[-1], qemu.bench_net_args()[-1] + ",iommu_platform=on")
        self.assertNotIn("-netdev", bench.machine_args(disk=True))

    def test_comparisons(self):
        benches = [{"name": "syscall", "metrics": ["null_syscall"]},
                   {"name": "linux", "linux": True, "metrics": ["linux_null_syscall", "linux_blk"],
                    "compare": {"null_syscall": "linux_null_syscall", "blk_read_4k": "linux_blk",
                                "absent": "linux_absent"}}]
        rows = [("null_syscall", 50, 50), ("linux_null_syscall", 200, 200), ("linux_blk", 20000, 20000)]
        lines = bench.comparisons(benches, rows)
        self.assertRegex(lines[0], r"^null_syscall / linux_null_syscall +50 / 200 = 0\.250$")
        self.assertRegex(lines[1], r"^blk_read_4k / linux_blk +no Cairn figure yet \(Linux 20000\)$")
        self.assertRegex(lines[2], r"no Linux figure in this run$")
        # declared but not run (-k): said so, not "yet"
        lines = bench.comparisons(benches, rows[1:])
        self.assertRegex(lines[0], r"not run \(Linux 200\)$")

    def test_benchmarks_toml(self):
        import tomllib
        with open(os.path.join(ROOT, "bench", "benchmarks.toml"), "rb") as f:
            benches = tomllib.load(f)["bench"]
        linux = [b for b in benches if b.get("linux")]
        self.assertEqual(len(linux), 1)
        self.assertIn("linux_blk_read_4k", linux[0]["metrics"])
        self.assertEqual(linux[0]["compare"]["blk_read_4k"], "linux_blk_read_4k")


if __name__ == "__main__":
    unittest.main()
