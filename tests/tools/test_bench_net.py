"""test_bench_net.py: tools/bench_net.py without QEMU: its figures and table, the
description's network slot, and its three phases against echo servers of this process
on 127.0.0.1 (a faithful one, one that loses datagrams, ones that change what they
echo), so that the harness's counting and checking are tested where the guests are not.

Run from the repository's root: python3 -m unittest discover -s tests/tools
"""
import contextlib
import io
import os
import shutil
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import unittest
from unittest import mock

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import bench_net  # noqa: E402
import linux_guest  # noqa: E402


class Figures(unittest.TestCase):
    def test_median_and_per(self):
        self.assertEqual(bench_net.median([5, 1, 3]), 3)
        self.assertEqual(bench_net.median([4, 1, 3, 2]), 2)     # the lower middle
        self.assertEqual(bench_net.per(1000, 3), 333)
        self.assertIsNone(bench_net.per(1000, 0))

    def test_bench_lines_in_order_with_prefix(self):
        f = {"tcp_throughput": (900, 900), "udp_rtt": (2500, 1200), "udp_rate": (None, None)}
        self.assertEqual(bench_net.bench_lines("linux_net_", f), [
            "BENCH linux_net_udp_rtt median=2500 min=1200 unit=ns per=roundtrip",
            "BENCH linux_net_tcp_throughput median=900 min=900 unit=KiBps per=second"])

    def test_bench_lines_parse_as_bench_results(self):
        import bench
        import bench_compare
        line = bench_net.bench_lines("net_", {"udp_rate": (4000, 4000)})[0]
        self.assertTrue(bench.LINE.match(line))
        self.assertIn("pps", bench_compare.WALL_CLOCK)   # never flagged WORSE

    def test_side_by_side_ratio(self):
        cairn = {"udp_rtt": (1000, 500), "udp_rtt_instructions": (5000, 5000)}
        linux = {"udp_rtt": (2000, 2000), "udp_rtt_instructions": (20000, 20000)}
        rows = bench_net.side_by_side(cairn, linux, "")
        rtt = next(r for r in rows if r.startswith("UDP echo round trip, median"))
        self.assertEqual(rtt.split()[-3:], ["1.0", "2.0", "0.500"])
        low = next(r for r in rows if r.startswith("UDP echo round trip, minimum"))
        self.assertEqual(low.split()[-3:], ["0.5", "2.0", "0.250"])
        ins = next(r for r in rows if "per round trip" in r)
        self.assertEqual(ins.split()[-3:], ["5,000", "20,000", "0.250"])
        tcp = next(r for r in rows if r.startswith("TCP echo throughput"))
        self.assertEqual(tcp.split()[-3:], ["-", "-", "-"])   # measured by neither

    def test_side_by_side_without_cairn_says_why(self):
        rows = bench_net.side_by_side(None, {"udp_rate": (4000, 4000)}, "systems/echo.toml does not exist")
        rate = next(r for r in rows if r.startswith("UDP echo rate"))
        self.assertEqual(rate.split()[-3:], ["-", "4,000", "-"])
        self.assertEqual(rows[-1], "Cairn: systems/echo.toml does not exist")

    def test_side_by_side_linux_zero_has_no_ratio(self):
        rows = bench_net.side_by_side({"udp_rate": (10, 10)}, {"udp_rate": (0, 0)}, "")
        self.assertEqual(next(r for r in rows if r.startswith("UDP echo rate")).split()[-1], "-")


class Machine(unittest.TestCase):
    def test_hostfwd_on_loopback_only(self):
        self.assertEqual(bench_net.hostfwd(4000, 4001, 7007),
                         ["udp:127.0.0.1:4000-:7007", "tcp:127.0.0.1:4001-:7007"])

    def test_net_args_carry_slot_and_forwards(self):
        import qemu
        args = qemu.bench_net_args(0x9, bench_net.hostfwd(4000, 4001, 7007), bench_net.TX)
        self.assertEqual(args[1], "user,id=benchnet,ipv6=off,hostfwd=udp:127.0.0.1:4000-:7007,"
                                  "hostfwd=tcp:127.0.0.1:4001-:7007")
        self.assertIn("addr=0x9,", args[3])
        self.assertTrue(args[3].endswith(",tx=bh"))
        self.assertEqual(qemu.bench_net_args()[1], "user,id=benchnet,ipv6=off")
        self.assertTrue(qemu.bench_net_args()[3].endswith(",tx=timer"))   # make bench's

    def test_both_guests_one_machine(self):
        """Cairn's and Linux's command lines differ in the kernel, its modules and its
        command line only (and the ports, chosen per run)."""
        cmds = []

        def popen(cmd, **kw):
            cmds.append(cmd)
            raise bench_net.RunError("stop here")
        with mock.patch.object(bench_net.subprocess, "Popen", popen), \
                mock.patch.object(bench_net, "free_port", return_value=5555):
            for kernel, mods, line in (("build/cairn32.elf", ["a", "b"], ""),
                                       ("build/linux/vmlinux", ["build/linux/initramfs-net.cpio"], "console=ttyS0")):
                with self.assertRaises(bench_net.RunError):
                    bench_net.run_guest("g", kernel, mods, line, 7, 7007, lambda m: None)
        differ = lambda c: [x for x in c if x not in cmds[0] or x not in cmds[1]]  # noqa: E731
        self.assertEqual(differ(cmds[0]), ["build/cairn32.elf", "build/user/a.elf,build/user/b.elf"])
        self.assertEqual(differ(cmds[1]), ["build/linux/vmlinux", "build/linux/initramfs-net.cpio", "-append",
                                           "console=ttyS0"])
        for want in ("shift=0,sleep=on", "clock=vm", "-cpu"):
            self.assertIn(want, cmds[1])

    def test_net_slot(self):
        def desc(*devices):
            return {"component": [{"name": "a"}, {"name": "n", "devices": list(devices)}]}
        self.assertEqual(bench_net.net_slot(desc({"match": "1af4:1041", "at": "00:07.0"})), 7)
        self.assertEqual(bench_net.net_slot(desc({"match": "1af4:1041", "at": "00:1f"})), 0x1f)
        self.assertIsNone(bench_net.net_slot(desc({"match": "1af4:1042", "at": "00:07.0"})))
        self.assertIsNone(bench_net.net_slot(desc({"match": "1af4:1041", "at": "01:07.0"})))
        self.assertIsNone(bench_net.net_slot(desc({"match": "1af4:1041"})))
        self.assertIsNone(bench_net.net_slot({}))

    def test_datagrams(self):
        d = bench_net.datagram(7)
        self.assertEqual(len(d), bench_net.PAYLOAD)
        self.assertNotEqual(d, bench_net.datagram(8))
        self.assertTrue(bench_net.late(bench_net.datagram(3), 7))
        self.assertFalse(bench_net.late(bench_net.datagram(7), 7))      # not earlier
        self.assertFalse(bench_net.late(bench_net.datagram(3)[:-1] + b"!", 7))
        self.assertFalse(bench_net.late(b"abc", 7))
        p = bench_net.tcp_pattern(1000)
        self.assertEqual(len(p), 1000)
        self.assertNotEqual(p[:251], p[1:252])


# --- the phases against echo servers of this process ----------------------------------

class UdpServer(threading.Thread):
    """Echoes datagrams through change(n, data) (None: dropped) until stopped; peer is
    the sender of the last one."""

    def __init__(self, change=lambda n, d: d):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.port, self.change, self.stop, self.n = self.sock.getsockname()[1], change, False, 0
        self.start()

    def run(self):
        while not self.stop:
            try:
                d, self.peer = self.sock.recvfrom(2048)
            except socket.timeout:
                continue
            out = self.change(self.n, d)
            self.n += 1
            if out is not None:
                self.sock.sendto(out, self.peer)

    def close(self):
        self.stop = True
        self.join()
        self.sock.close()


class TcpEcho(socketserver.BaseRequestHandler):
    flip_at = None      # a byte offset to change, in a test that wants that

    def handle(self):
        try:
            self.echo()
        except OSError:         # the client gave up (a test of a changed echo)
            pass

    def echo(self):
        seen = 0
        while True:
            b = self.request.recv(65536)
            if not b:
                return
            if self.flip_at is not None and seen <= self.flip_at < seen + len(b):
                i = self.flip_at - seen
                b = b[:i] + bytes([b[i] ^ 1]) + b[i + 1:]
            seen += len(b)
            self.request.sendall(b)


@contextlib.contextmanager
def tcp_server(flip_at=None):
    handler = type("Handler", (TcpEcho,), {"flip_at": flip_at})
    srv = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield srv.server_address[1]
    finally:
        srv.shutdown()
        srv.server_close()


class Phases(unittest.TestCase):
    def test_rtt_counts_every_round_trip(self):
        s = UdpServer()
        try:
            lat, lost = bench_net.udp_rtt(s.port, 50)
        finally:
            s.close()
        self.assertEqual((len(lat), lost), (50, 0))
        self.assertTrue(all(x > 0 for x in lat))

    def test_rtt_counts_losses_and_skips_late_echoes(self):
        held = []

        def change(n, d):       # holds back every 5th, sends it late before the next echo
            if n % 5 == 0:
                held.append(d)
                return None
            if held:
                s.sock.sendto(held.pop(), s.peer)
            return d
        s = UdpServer(change)
        try:
            lat, lost = bench_net.udp_rtt(s.port, 20, timeout=0.1)
        finally:
            s.close()
        self.assertEqual((len(lat), lost), (16, 4))

    def test_rtt_refuses_a_changed_echo(self):
        s = UdpServer(lambda n, d: d[:-1] + b"?")
        try:
            with self.assertRaisesRegex(bench_net.RunError, "came back changed"):
                bench_net.udp_rtt(s.port, 3)
        finally:
            s.close()

    def test_rate_all_echoed(self):
        s = UdpServer()
        try:
            echoed, lost, secs = bench_net.udp_rate(s.port, 500, 8)
        finally:
            s.close()
        self.assertEqual((echoed, lost), (500, 0))
        self.assertGreater(secs, 0)

    def test_rate_counts_losses(self):
        s = UdpServer(lambda n, d: None if n % 10 == 3 else d)
        try:
            echoed, lost, _ = bench_net.udp_rate(s.port, 200, 4, timeout=0.2)
        finally:
            s.close()
        self.assertEqual(echoed + lost, 200)
        self.assertEqual(lost, 20)

    def test_rate_refuses_a_changed_echo(self):
        s = UdpServer(lambda n, d: d[:8] + b"x" * (len(d) - 8))
        try:
            with self.assertRaisesRegex(bench_net.RunError, "came back changed"):
                bench_net.udp_rate(s.port, 10, 2)
        finally:
            s.close()

    def test_tcp_echo(self):
        with tcp_server() as port:
            self.assertGreater(bench_net.tcp_echo(port, 300000, chunk=4096), 0)

    def test_tcp_refuses_a_changed_echo(self):
        with tcp_server(flip_at=123456) as port:
            with self.assertRaisesRegex(bench_net.RunError, "differs at byte 123456"):
                bench_net.tcp_echo(port, 300000, chunk=4096)


CC = shutil.which("gcc")


@unittest.skipUnless(CC and os.path.exists("/usr/lib/x86_64-linux-gnu/libc.a"), "no gcc -static")
class LinuxEchoServer(unittest.TestCase):
    """bench/linux/net_echo.c, the Linux guest's echo server, built as linux_guest.py
    builds it and run on this host: the harness's three phases against it."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp()
        cls.exe = os.path.join(cls.dir, "net_echo")
        with mock.patch.object(linux_guest, "ROOT", ROOT):
            linux_guest.compile_program(linux_guest.NET_PROGRAM_SRC, cls.exe)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)

    def test_usage(self):
        for args in ([], ["0"], ["65536"], ["7007", "x"]):
            r = subprocess.run([self.exe] + args, capture_output=True, text=True, timeout=10)
            self.assertEqual(r.returncode, 1, args)
            self.assertIn("usage", r.stdout)

    def test_port_taken(self):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("0.0.0.0", 0))
            r = subprocess.run([self.exe, str(s.getsockname()[1])], capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 1)
        self.assertIn("net_echo: udp socket:", r.stdout)

    def test_phases(self):
        port = bench_net.free_port(socket.SOCK_STREAM)
        p = subprocess.Popen([self.exe, str(port)], stdout=subprocess.PIPE, text=True)
        try:
            self.assertEqual(p.stdout.readline(), f"net_echo: ready: udp and tcp echo on port {port}\n")
            lat, lost = bench_net.udp_rtt(port, 100)
            self.assertEqual((len(lat), lost), (100, 0))
            echoed, lost, _ = bench_net.udp_rate(port, 2000, 16)
            self.assertEqual(echoed + lost, 2000)
            self.assertLess(lost, 20)       # loopback: none, or a few under heavy load
            for _ in range(3):              # connections one after the other, each closed
                self.assertGreater(bench_net.tcp_echo(port, 1 << 20), 0)
            # several at once, more than MAX_CONNS (8): the later ones wait their turn
            conns = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(10)]
            for i, c in enumerate(conns[:8]):
                c.sendall(b"conn %d" % i)
                self.assertEqual(c.recv(64), b"conn %d" % i)
            for c in conns[:8]:
                c.close()
            for i, c in enumerate(conns[8:]):
                c.sendall(b"late %d" % i)
                self.assertEqual(c.recv(64), b"late %d" % i)
                c.close()
            self.assertIsNone(p.poll())
        finally:
            p.kill()
            p.wait()
            p.stdout.close()


class NetInit(unittest.TestCase):
    def test_addresses_and_port(self):
        init = linux_guest.NET_INIT.format(modules="virtio_pci virtio_net", port=7007)
        for want in ("insmod /lib/modules/$m.ko", "for m in virtio_pci virtio_net;",
                     "ip addr add 10.0.2.15/24 dev eth0", "ip route add default via 10.0.2.2",
                     "\n/net_echo 7007\n"):
            self.assertIn(want, init)


class Main(unittest.TestCase):
    def test_no_cairn_system_no_linux_guest(self):
        out, err = io.StringIO(), io.StringIO()
        with mock.patch.object(linux_guest, "build", side_effect=linux_guest.Unavailable("offline")), \
                contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
                self.assertRaises(SystemExit) as e:
            bench_net.main(["--system", "systems/no_such_echo.toml"])
        self.assertEqual(e.exception.code, 0)
        self.assertIn("Cairn: systems/no_such_echo.toml does not exist", out.getvalue())
        self.assertIn("SKIPPED linux: no Linux guest: offline", err.getvalue())
        self.assertNotIn("BENCH", out.getvalue())

    def test_a_failed_guest_fails_the_run(self):
        out, err = io.StringIO(), io.StringIO()
        with mock.patch.object(linux_guest, "build", return_value=("k", "i", "linux x")), \
                mock.patch.object(bench_net, "run_guest", side_effect=bench_net.RunError("linux: no echo")), \
                contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
                self.assertRaises(SystemExit) as e:
            bench_net.main(["--only", "linux"])
        self.assertEqual(e.exception.code, 1)
        self.assertIn("FAILED linux: no echo", err.getvalue())

    def test_figures_printed_with_prefix(self):
        out, err = io.StringIO(), io.StringIO()
        figures = {"udp_rate": (4000, 4000), "udp_rate_instructions": (17000, 17000)}
        with mock.patch.object(linux_guest, "build", return_value=("k", "i", "linux x")), \
                mock.patch.object(bench_net, "run_guest", return_value=figures) as run, \
                contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
                self.assertRaises(SystemExit) as e:
            bench_net.main(["--only", "linux"])
        self.assertEqual(e.exception.code, 0)
        self.assertEqual(run.call_args.args[2], [linux_guest.NET_INITRAMFS])
        self.assertIn("BENCH linux_net_udp_rate median=4000 min=4000 unit=pps per=second", out.getvalue())
        self.assertIn("Cairn: not run (--only linux)", out.getvalue())


if __name__ == "__main__":
    unittest.main()
