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


def store_with(recs, tag=1, area_blocks=16):
    """A disk image with a store whose area 0 holds one whole checkpoint of recs,
    [(kind, comp, key, bytes)], laid out as lib/libckpt/ckpt.c writes it."""
    b = ckpt.BLOCK
    h = ckpt.HEADER.pack(b"CAIRNCKP", 1, b, area_blocks, 0)[:-4]
    disk = bytearray(b * (1 + 2 * area_blocks))
    disk[:len(h) + 4] = h + struct.pack("<I", ckpt.crc32(h))
    area, at, entries = b, 1, []
    for kind, comp, key, data in recs:
        n = (len(data) + b - 1) // b
        disk[area + at * b:area + at * b + len(data)] = data
        entries.append(ckpt.ENTRY.pack(kind, comp, len(data), key, at, ckpt.crc32(data), 0))
        at += n
    dirbytes = b"".join(entries)
    dir_blocks = (len(dirbytes) + b - 1) // b
    dirbytes += bytes(dir_blocks * b - len(dirbytes))
    disk[area + at * b:area + (at + dir_blocks) * b] = dirbytes
    m = ckpt.COMMIT.pack(b"CKCOMMIT", 1, len(recs), 1, 0x1234, tag, at, dir_blocks, ckpt.crc32(dirbytes), 0)[:-4]
    disk[area:area + len(m) + 4] = m + struct.pack("<I", ckpt.crc32(m))
    return bytes(disk)


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

    def test_a_whole_checkpoint_its_components_and_odd_records(self):
        regs = [0] * ckpt.REG_END
        regs[ckpt.REG_RIP], regs[ckpt.REG_RSP] = 0x400123, ckpt.STACK_TOP - 64
        page = struct.pack("<Q", 5) + bytes(ckpt.BLOCK - 8)
        recs = [(ckpt.THREAD_KIND, 3, 0, struct.pack(f"<{ckpt.REG_END}Q", *regs)),
                (ckpt.PAGE_KIND, 3, 0x404000, page), (ckpt.PAGE_KIND, 3, 0x405000, page),
                (ckpt.PAGE_KIND, 3, ckpt.STACK_TOP - ckpt.BLOCK, page),
                (ckpt.LINK_KIND, 5, 128, ckpt.LINK.pack(ckpt.LINK_CAP, 3, 0, 23)),
                (ckpt.THREAD_KIND, 5, 0, bytes(16)),                 # too short: listed, not read
                (ckpt.PAGE_KIND, 5, 0x404000, bytes(100))]
        out = io.StringIO()
        self.assertFalse(ckpt.show(self.disk(store_with(recs, tag=9)), out=out))
        text = out.getvalue()
        self.assertIn("area 0: checkpoint 9, generation 1: whole (7 records", text)
        self.assertIn("a boot starts fresh: checkpoint 9 (area 0) cannot be read: its record 5 is of kind 2 "
                      "and 16 bytes: no booter writes it", text)
        out = io.StringIO()
        self.assertTrue(ckpt.show(self.disk(store_with(recs[:5], tag=9)), out=out))
        self.assertIn("a boot resumes checkpoint 9 (area 0)", out.getvalue())
        self.assertIn("component 3:\n  thread 0: rip 0x400123, rsp 0x7ffefffffffc0\n  3 pages:\n"
                      "    0x404000..0x406000 image (2)\n    0x7ffeffffff000..0x7fff00000000 stack (1)\n"
                      .replace("0x7ffefffffffc0", f"{ckpt.STACK_TOP - 64:#x}")
                      .replace("0x7ffeffffff000", f"{ckpt.STACK_TOP - ckpt.BLOCK:#x}"), text)
        self.assertIn("component 5:\n  0 pages:\n  a record no booter writes: kind 2, key 0x0, 16 bytes\n"
                      "  a record no booter writes: kind 1, key 0x404000, 100 bytes\n"
                      "  copy: slot 128, from slot 23 of component 3\n", text)

    def test_more_records_than_fit(self):
        page = (ckpt.PAGE_KIND, 1, 0x404000, bytes(ckpt.BLOCK))
        out = io.StringIO()
        disk = store_with([page[:2] + (0x404000 + k * ckpt.BLOCK, page[3]) for k in range(ckpt.ROOM + 1)],
                          area_blocks=ckpt.ROOM + 8)
        self.assertFalse(ckpt.show(self.disk(disk), out=out))
        self.assertIn(f"cannot be read: it has {ckpt.ROOM + 1} records, more than PERSIST_ROOM ({ckpt.ROOM})",
                      out.getvalue())

    def test_a_directory_past_the_checkpointers_is_bad(self):
        recs = [(ckpt.LINK_KIND, 1, k, ckpt.LINK.pack(1, 2, 0, k)) for k in range(ckpt.DIR_CAP + 1)]
        s = ckpt.Store(self.disk(store_with(recs, area_blocks=ckpt.DIR_CAP + 48)))
        self.assertEqual(s.areas[0].state, "bad")
        self.assertIn(f"{ckpt.DIR_CAP + 1} entries, more than the checkpointer's {ckpt.DIR_CAP}", s.areas[0].why)
        self.assertIsNone(s.newest)

    def test_a_flipped_byte_makes_the_area_bad(self):
        recs = [(ckpt.PAGE_KIND, 1, 0x404000, bytes(ckpt.BLOCK))]
        disk = bytearray(store_with(recs))
        disk[2 * ckpt.BLOCK + 7] ^= 1            # area 0's first data block
        out = io.StringIO()
        self.assertFalse(ckpt.show(self.disk(bytes(disk)), out=out))
        self.assertIn("area 0: checkpoint 1, generation 1: bad (record 0 (block 1) fails its CRC)", out.getvalue())

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
