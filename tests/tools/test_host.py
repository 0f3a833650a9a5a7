#!/usr/bin/env python3
"""test_host.py: what tests with a host script rest on (docs/network.md "Tests"):
tools/test.py's free_port (a port free for TCP and UDP, never given twice in a run)
and run_with_host (the script runs once the output matches host_after, with the port,
and its output follows QEMU's; never before the line, and not at all if it never
comes), against a stand-in for QEMU; and tools/qemu.py's forwards for `make run`
(RUN_FORWARDS, HOST_PORT).
"""
import os
import socket
import sys
import tempfile
import unittest
from unittest import mock

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import qemu  # noqa: E402
import test  # noqa: E402

# A stand-in for QEMU: prints "booting", then "ready" once its UDP port is bound, and
# ends when a datagram "quit" comes to that port (argv[1]), printing "quit seen".
GUEST = r'''
import socket, sys
print("booting", flush=True)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
print("ready", flush=True)
while s.recv(64) != b"quit":
    pass
print("quit seen", flush=True)
'''

# A host script: sends "quit" to the port it is given and prints a TEST line.
SCRIPT = r'''
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"quit", ("127.0.0.1", int(sys.argv[1])))
print(f"TEST h.1 sent PASS to {sys.argv[1]}")
'''


class FreePort(unittest.TestCase):
    def test_free_for_tcp_and_udp_and_never_twice(self):
        ports = [test.free_port() for _ in range(20)]
        self.assertEqual(len(set(ports)), len(ports))
        for p in ports[:3]:
            with socket.socket() as t, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                t.bind(("127.0.0.1", p))
                u.bind(("127.0.0.1", p))


class RunWithHost(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.script = os.path.join(self.dir.name, "host.py")
        with open(self.script, "w") as f:
            f.write(SCRIPT)
        self.port = test.free_port()
        self.cmd = [sys.executable, "-c", GUEST, str(self.port)]

    def tearDown(self):
        self.dir.cleanup()

    def test_script_runs_after_the_line_with_the_port(self):
        p = test.run_with_host(self.cmd, {"host": self.script, "host_after": "^ready$"}, 30, self.port)
        out = p.stdout.decode()
        self.assertEqual(p.returncode, 0)
        self.assertEqual(out.splitlines(), ["booting", "ready", "quit seen", f"TEST h.1 sent PASS to {self.port}"])

    def test_no_line_no_script(self):
        with self.assertRaises(test.subprocess.TimeoutExpired) as e:
            test.run_with_host(self.cmd, {"host": self.script, "host_after": "^never$"}, 2, self.port)
        self.assertNotIn(b"TEST", e.exception.stdout)


class Forwards(unittest.TestCase):
    def test_echo_forwards_udp_and_tcp_to_7007(self):
        with mock.patch.dict(os.environ, {}, clear=False):
            os.environ.pop("HOST_PORT", None)
            self.assertEqual(qemu.run_forwards("echo"), ",hostfwd=udp:127.0.0.1:7007-:7007,hostfwd=tcp:127.0.0.1:7007-:7007")
            args = qemu.run_net("7.0", "echo")
            self.assertEqual(args[1], "user,id=run_net0,ipv6=off,hostfwd=udp:127.0.0.1:7007-:7007,"
                                      "hostfwd=tcp:127.0.0.1:7007-:7007")

    def test_host_port(self):
        with mock.patch.dict(os.environ, {"HOST_PORT": "17007"}):
            self.assertEqual(qemu.run_forwards("echo"), ",hostfwd=udp:127.0.0.1:17007-:7007,hostfwd=tcp:127.0.0.1:17007-:7007")

    def test_web_forwards_8080(self):
        with mock.patch.dict(os.environ, {}, clear=False):
            os.environ.pop("HOST_PORT", None)
            self.assertEqual(qemu.run_forwards("web"), ",hostfwd=tcp:127.0.0.1:8080-:8080")
        with mock.patch.dict(os.environ, {"HOST_PORT": "18080"}):
            self.assertEqual(qemu.run_forwards("web"), ",hostfwd=tcp:127.0.0.1:18080-:8080")

    def test_other_systems_forward_nothing(self):
        self.assertEqual(qemu.run_forwards("arp"), "")
        self.assertEqual(qemu.run_net("7.0", "arp")[1], "user,id=run_net0,ipv6=off")


if __name__ == "__main__":
    unittest.main()
