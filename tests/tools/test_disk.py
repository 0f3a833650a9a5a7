#!/usr/bin/env python3
"""test_disk.py: tools/test.py's disk images (a test's `disk` and `disk_writes`): the
image is made in pattern 0, with a partial last block; the check passes an untouched
image, finds a block written that should not be, one not written that should be, a
single byte changed anywhere (a partial last block too) and an image that changed
size; and the pattern is the one the guest's block client computes.
"""
import os
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import test  # noqa: E402

SIZE = 5 * test.DISK_BLOCK + 100


class Disk(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "disk.img")
        test.make_disk(self.path, SIZE)

    def tearDown(self):
        self.dir.cleanup()

    def write(self, at, data):
        with open(self.path, "r+b") as f:
            f.seek(at)
            f.write(data)

    def test_pattern(self):
        p = test.disk_pattern(3, 2)
        self.assertEqual(len(p), 4096)
        self.assertEqual(p[0], (3 * 131 + 2 * 29) & 0xff)
        self.assertEqual(p[300], (3 * 131 + 300 * 7 + 1 + 2 * 29) & 0xff)

    def test_untouched(self):
        self.assertEqual(os.path.getsize(self.path), SIZE)
        self.assertEqual(test.check_disk(self.path, SIZE, []), "")

    def test_writes(self):
        self.write(2 * 4096, test.disk_pattern(2, 7) + test.disk_pattern(3, 7))
        self.assertEqual(test.check_disk(self.path, SIZE, [[2, 2, 7]]), "")
        self.assertIn("block 2", test.check_disk(self.path, SIZE, []))
        self.assertIn("block 4", test.check_disk(self.path, SIZE, [[2, 3, 7]]))

    def test_prefix(self):
        self.write(4096, bytes.fromhex("00ff10"))
        self.assertEqual(test.check_disk(self.path, SIZE, [], [[1, "00ff10"]]), "")
        self.assertIn("block 1 byte 0", test.check_disk(self.path, SIZE, []))
        self.assertIn("block 1 byte 2", test.check_disk(self.path, SIZE, [], [[1, "00ff11"]]))
        self.assertIn("block 1 byte 3", test.check_disk(self.path, SIZE, [], [[1, "00ff1000"]]))

    def test_one_byte(self):
        for at in (0, 4095, 3 * 4096 + 17, SIZE - 1):
            with self.subTest(at=at):
                test.make_disk(self.path, SIZE)
                self.write(at, bytes([test.disk_pattern(at // 4096, 0)[at % 4096] ^ 1]))
                self.assertIn(f"block {at // 4096} byte {at % 4096}:", test.check_disk(self.path, SIZE, []))

    def test_size(self):
        with open(self.path, "ab") as f:
            f.write(b"x")
        self.assertIn("bytes, not", test.check_disk(self.path, SIZE, []))


if __name__ == "__main__":
    unittest.main()
