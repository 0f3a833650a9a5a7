#!/usr/bin/env python3
"""test_lwip_fetch.py: tools/lwip.sh, the fetch of Debian's source package lwip
(docs/network.md "How lwIP is built"), against a stand-in apt-get first on PATH: the
fetch goes through the private sources list under the build directory (never the
machine's), unpacks the upstream tarball, and is not repeated (tarballs cached, tree
unpacked); a failed fetch exits 1 naming the exact command; a tarball that is not lwIP
2.1 is refused.
"""
import io
import os
import subprocess
import tarfile
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "tools", "lwip.sh")

# The stand-in: logs its arguments; `update` succeeds; `source` writes the tarball
# named by $FAKE_TARBALL into the current directory, or fails if it is unset.
APT_GET = """#!/bin/sh
echo "$@" >> "$FAKE_LOG"
case " $* " in
*" source "*) [ -n "${FAKE_TARBALL:-}" ] || { echo "E: Unable to find a source package for lwip"; exit 100; }
	cp "$FAKE_TARBALL" . ;;
esac
exit 0
"""


def tarball(path, minor=1):
    """An lwip_2.1.3+dfsg1.orig.tar.xz stand-in: lwip-2.1.3/ with init.h of version 2.<minor> (CRLF, as lwIP's)."""
    init = (f"#define LWIP_VERSION_MAJOR      2\r\n#define LWIP_VERSION_MINOR      {minor}\r\n").encode()
    with tarfile.open(path, "w:xz") as t:
        for name, data in (("lwip-2.1.3/src/include/lwip/init.h", init), ("lwip-2.1.3/src/core/tcp.c", b"/* tcp */\n")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))


class Fetch(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        d = self.dir.name
        self.bin, self.build, self.log = os.path.join(d, "bin"), os.path.join(d, "build"), os.path.join(d, "apt.log")
        os.mkdir(self.bin)
        with open(os.path.join(self.bin, "apt-get"), "w") as f:
            f.write(APT_GET)
        os.chmod(os.path.join(self.bin, "apt-get"), 0o755)
        self.good = os.path.join(d, "lwip_2.1.3+dfsg1.orig.tar.xz")
        tarball(self.good)

    def tearDown(self):
        self.dir.cleanup()

    def run_script(self, tarball_path):
        env = dict(os.environ, PATH=self.bin + os.pathsep + os.environ["PATH"], FAKE_LOG=self.log)
        env.pop("FAKE_TARBALL", None)
        if tarball_path:
            env["FAKE_TARBALL"] = tarball_path
        return subprocess.run(["sh", SCRIPT, self.build], env=env, capture_output=True, text=True,
                              cwd=self.dir.name, timeout=60)

    def apt_calls(self):
        if not os.path.exists(self.log):
            return []
        with open(self.log) as f:
            return f.read().splitlines()

    @unittest.skipUnless(os.path.exists("/usr/share/keyrings/debian-archive-keyring.gpg"), "no Debian keyring")
    def test_fetch_private_unpack_once(self):
        p = self.run_script(self.good)
        self.assertEqual(p.returncode, 0, p.stderr)
        calls = self.apt_calls()
        self.assertEqual([c.split()[-1] for c in calls], ["update", "lwip"])
        sources = os.path.join(os.path.realpath(self.build), "lwip", "apt", "sources.list")
        for c in calls:
            self.assertIn(f"-o Dir::Etc::SourceList={sources}", c)
            self.assertIn("-o Dir::Etc::SourceParts=/dev/null", c)
        with open(sources) as f:
            self.assertEqual(f.read(), "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] "
                                       "http://deb.debian.org/debian bookworm main\n")
        self.assertTrue(os.path.exists(os.path.join(self.build, "lwip", "src", "src", "core", "tcp.c")))
        # Unpacked: nothing again. Unpacked tree gone, tarball cached: unpacked again, no apt.
        self.assertEqual(self.run_script(None).returncode, 0)
        os.remove(os.path.join(self.build, "lwip", "src", ".unpacked"))
        p = self.run_script(None)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(self.apt_calls()), 2)

    @unittest.skipUnless(os.path.exists("/usr/share/keyrings/debian-archive-keyring.gpg"), "no Debian keyring")
    def test_failed_fetch_names_the_command(self):
        p = self.run_script(None)
        self.assertEqual(p.returncode, 1)
        self.assertIn("could not fetch Debian's source package lwip", p.stderr)
        self.assertIn("source --download-only lwip", p.stderr)
        self.assertIn("Dir::Etc::SourceList=", p.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.build, "lwip", "src", ".unpacked")))

    @unittest.skipUnless(os.path.exists("/usr/share/keyrings/debian-archive-keyring.gpg"), "no Debian keyring")
    def test_not_lwip_2_1_refused(self):
        bad = os.path.join(self.dir.name, "other", "lwip_2.2.0.orig.tar.xz")
        os.mkdir(os.path.dirname(bad))
        tarball(bad, minor=2)
        p = self.run_script(bad)
        self.assertEqual(p.returncode, 1)
        self.assertIn("is not lwIP 2.1", p.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.build, "lwip", "src", ".unpacked")))


if __name__ == "__main__":
    unittest.main()
