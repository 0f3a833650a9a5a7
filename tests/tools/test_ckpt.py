"""test_ckpt.py: tools/ckpt.py's parts that need no QEMU: a disk with no store, the
ranges and regions it prints pages by, a word read from a component's pages, its
errors. The persistence suite's `ckpt_tool` runs it on a real disk
(tools/persist_test.py).

Run from the repository's root: python3 -m unittest discover -s tests/tools
"""
import contextlib
import io
import os
import struct
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import ckpt  # noqa: E402


def quiet(fn, *args):
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return fn(*args)


class Ckpt(unittest.TestCase):
    def disk(self, data):
        f = tempfile.NamedTemporaryFile(suffix=".img", delete=False)
        f.write(data)
        f.close()
        self.addCleanup(os.unlink, f.name)
        return f.name

    def test_a_disk_without_a_store_resumes_nothing(self):
        for data in (b"", bytes(3 * ckpt.BLOCK), b"CAIRNCKP" + bytes(ckpt.BLOCK)):
            out = io.StringIO()
            self.assertFalse(ckpt.show(self.disk(data), out=out))
            self.assertIn("no store (a boot formats one and starts fresh)", out.getvalue())
            self.assertEqual(quiet(ckpt.main, [self.disk(data)]), 1)

    def test_a_header_whose_crc_fails_is_no_store(self):
        h = bytearray(ckpt.HEADER.pack(b"CAIRNCKP", 1, ckpt.BLOCK, 3, 0))
        good = h[:-4] + struct.pack("<I", ckpt.crc32(bytes(h[:-4])))
        disk = bytes(good) + bytes(7 * ckpt.BLOCK - len(good))
        self.assertEqual(ckpt.Store(self.disk(disk)).area_blocks, 3)
        out = io.StringIO()
        self.assertFalse(ckpt.show(self.disk(disk), out=out))
        self.assertIn("area 0: empty", out.getvalue())
        self.assertIn("a boot resumes nothing", out.getvalue())
        bad = bytes(h) + bytes(7 * ckpt.BLOCK - len(h))
        self.assertEqual(ckpt.Store(self.disk(bad)).area_blocks, 0)

    def test_runs_join_consecutive_pages(self):
        b = ckpt.BLOCK
        self.assertEqual(ckpt.runs([3 * b, b, 2 * b, 7 * b]), [(b, 4 * b), (7 * b, 8 * b)])
        self.assertEqual(ckpt.runs([]), [])

    def test_regions_of_the_layout(self):
        self.assertEqual(ckpt.region(0x404000), "image")
        self.assertEqual(ckpt.region(ckpt.HEAP_VA), "heap")
        self.assertEqual(ckpt.region(ckpt.CAPMGR_VA), "manager")
        self.assertEqual(ckpt.region(ckpt.STACK_TOP - ckpt.BLOCK), "stack")
        self.assertEqual(ckpt.region(ckpt.STACK_TOP), "other")

    def test_a_word_only_from_the_pages_held(self):
        c = ckpt.Component(2)
        c.pages[0x1000] = struct.pack("<Q", 7) + bytes(ckpt.BLOCK - 16) + struct.pack("<Q", 9)
        self.assertEqual(c.word(0x1000), 7)
        self.assertEqual(c.word(0x1ff8), 9)
        self.assertIsNone(c.word(0x2000))
        self.assertIsNone(c.word(0x1004))          # not aligned
        c.pages[ckpt.STACK_TOP - ckpt.BLOCK] = struct.pack("<3Q", 1, 2, 3) + bytes(ckpt.BLOCK - 24)
        self.assertEqual(ckpt.stack_words(c, ckpt.STACK_TOP - ckpt.BLOCK)[:4], [1, 2, 3, 0])
        self.assertEqual(len(ckpt.stack_words(c, ckpt.STACK_TOP - 16)), 2)
        self.assertEqual(ckpt.stack_words(c, 0x5000), [])

    def test_errors(self):
        self.assertEqual(quiet(ckpt.main, [os.path.join(ROOT, "no-such-disk.img")]), 2)
        self.assertEqual(quiet(ckpt.main, [os.path.join(ROOT, "no-such-system.toml")]), 2)


if __name__ == "__main__":
    unittest.main()
