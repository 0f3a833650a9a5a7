#!/usr/bin/env python3
"""test_capture.py: tools/test.py's frame captures (a test's `capture`): a pcap as
QEMU's filter-dump writes it is read in either byte order; the check passes exactly
the frames listed, and finds a byte changed, a frame missing, one extra, frames out of
order, a frame cut short and a file that is not a pcap; and the pattern is the one the
guest's net client computes.
"""
import os
import struct
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import test  # noqa: E402

HEAD = "52550a00020252540012345688b5"
SPECS = [{"hex": "ff" * 6 + "525400123456" + "0806" + "00" * 46},
         {"head": HEAD, "len": 60, "seed": 0},
         {"head": HEAD, "len": 1514, "seed": 6}]


def pcap(frames, order="<", cut=None):
    out = struct.pack(order + "IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65536, 1)
    for i, f in enumerate(frames):
        incl = len(f) if cut != i else len(f) - 1
        out += struct.pack(order + "IIII", 1, 2, incl, len(f)) + f[:incl]
    return out


class Capture(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "capture.pcap")
        self.frames = [test.capture_frame(s) for s in SPECS]

    def tearDown(self):
        self.dir.cleanup()

    def check(self, data):
        with open(self.path, "wb") as f:
            f.write(data)
        return test.check_capture(self.path, SPECS)

    def test_pattern(self):
        f = test.capture_frame({"head": HEAD, "len": 600, "seed": 3})
        self.assertEqual(len(f), 600)
        self.assertEqual(f[:14], bytes.fromhex(HEAD))
        self.assertEqual(f[14], (14 * 7 + 3 * 29) & 0xff)
        self.assertEqual(f[300], (300 * 7 + 1 + 3 * 29) & 0xff)

    def test_exact(self):
        self.assertEqual(self.check(pcap(self.frames)), "")
        self.assertEqual(self.check(pcap(self.frames, ">")), "")

    def test_byte_changed(self):
        for i, at in ((0, 0), (1, 59), (2, 700)):
            with self.subTest(frame=i, at=at):
                frames = list(self.frames)
                frames[i] = frames[i][:at] + bytes([frames[i][at] ^ 1]) + frames[i][at + 1:]
                self.assertIn(f"frame {i + 1}:", self.check(pcap(frames)))
                self.assertIn(f"byte {at}", self.check(pcap(frames)))

    def test_missing_extra_order(self):
        self.assertIn("2 frames captured, want 3", self.check(pcap(self.frames[:2])))
        self.assertIn("4 frames captured, want 3", self.check(pcap(self.frames + self.frames[:1])))
        self.assertIn("frame 2:", self.check(pcap([self.frames[0], self.frames[2], self.frames[1]])))

    def test_cut_and_not_pcap(self):
        self.assertIn("captured of", self.check(pcap(self.frames, cut=1)))
        self.assertIn("not a pcap", self.check(b"x" * 40))
        self.assertIn("no pcap header", self.check(b""))
        self.assertIn("inside a record header", self.check(pcap(self.frames) + b"\0" * 5))


if __name__ == "__main__":
    unittest.main()
