"""test_romfs.py: tools/romfs.py, the romfs image writer: round trips, strcmp order,
16-byte alignment, each path error, malformed images refused by unpack, the command
line, and the layout cross-checked against include/cairn/romfs.h and, when a C
compiler is present, against lib/libcairn/romfs.c itself.

Run from the repository's root: python3 -m unittest discover -s tests/tools
"""
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import romfs  # noqa: E402

FILES = [
    ("/bin/producer", b"\x7fELF producer" * 3),
    ("/etc/motd", b"hello\n"),
    ("/bin/consumer", b"\x7fELF consumer"),
    ("/empty", b""),
    ("/a", b"x" * 16),
    ("/a/b", b"y" * 17),
]


def entries(image):
    """(path bytes, offset, size) of each entry of image, in stored order."""
    nfiles = struct.unpack_from("<I", image, 8)[0]
    out = []
    for i in range(nfiles):
        raw, off, size = romfs.ENTRY.unpack_from(image, 24 + 128 * i)
        out.append((raw.rstrip(b"\0"), off, size))
    return out


class PackTest(unittest.TestCase):
    def test_round_trip(self):
        self.assertEqual(romfs.unpack(romfs.pack(FILES)), sorted(FILES))

    def test_empty_image(self):
        image = romfs.pack([])
        self.assertEqual(romfs.unpack(image), [])
        self.assertEqual(image[:8], b"CNROMFS1")
        self.assertEqual(len(image) % 16, 0)

    def test_sorted_in_strcmp_order(self):
        paths = ["/b", "/\u00e9", "/a/z", "/B", "/a", "/a-b", "/a0"]
        image = romfs.pack([(p, b"") for p in paths])
        stored = [e[0] for e in entries(image)]
        self.assertEqual(stored, sorted(p.encode() for p in paths))
        self.assertEqual(stored[0], b"/B")           # capitals before lower case
        self.assertEqual(stored[-1], "/\u00e9".encode())  # bytes >= 0x80 last

    def test_data_aligned_to_16(self):
        image = romfs.pack(FILES)
        header = romfs.HEADER.unpack_from(image)
        self.assertEqual(header, (b"CNROMFS1", len(FILES), 0, len(image)))
        self.assertEqual(len(image) % 16, 0)
        table_end = 24 + 128 * len(FILES)
        for raw, off, size in entries(image):
            self.assertEqual(off % 16, 0, raw)
            self.assertGreaterEqual(off, table_end)
            self.assertLessEqual(off + size, len(image))
        spans = sorted((off, off + size) for _, off, size in entries(image))
        for (_, end), (start, _) in zip(spans, spans[1:]):
            self.assertLessEqual(end, start)        # files do not overlap

    def test_longest_path(self):
        for path in ("/" + "x" * 110, "/" + "\u00e9" * 55):   # 111 bytes each
            self.assertEqual(romfs.unpack(romfs.pack([(path, b"1")])), [(path, b"1")])


class PathErrorTest(unittest.TestCase):
    def assert_bad(self, path, why):
        with self.assertRaises(ValueError) as cm:
            romfs.pack([("/ok", b""), (path, b"data")])
        self.assertIn(repr(path), str(cm.exception))
        self.assertIn(why, str(cm.exception))

    def test_relative(self):
        self.assert_bad("bin/consumer", "start with '/'")

    def test_empty(self):
        self.assert_bad("", "start with '/'")

    def test_empty_component(self):
        for path in ("/", "/bin/", "/bin//consumer"):
            self.assert_bad(path, "empty, '.' or '..'")

    def test_dot_components(self):
        for path in ("/.", "/./bin", "/bin/..", "/bin/../etc"):
            self.assert_bad(path, "empty, '.' or '..'")

    def test_nul(self):
        self.assert_bad("/bin/a\0b", "NUL")

    def test_too_long(self):
        self.assert_bad("/" + "x" * 111, "112 bytes")
        self.assert_bad("/" + "\u00e9" * 56, "113 bytes")   # counted in UTF-8 bytes

    def test_not_utf8(self):
        self.assert_bad("/bin/\udcff", "UTF-8")

    def test_duplicate(self):
        with self.assertRaises(ValueError) as cm:
            romfs.pack([("/etc/motd", b"a"), ("/bin/x", b""), ("/etc/motd", b"b")])
        self.assertIn("'/etc/motd'", str(cm.exception))
        self.assertIn("twice", str(cm.exception))


class UnpackTest(unittest.TestCase):
    def setUp(self):
        self.image = bytearray(romfs.pack(FILES))

    def assert_malformed(self, image):
        with self.assertRaises(ValueError):
            romfs.unpack(bytes(image))

    def test_short(self):
        for n in range(len(self.image)):
            self.assert_malformed(self.image[:n])

    def test_bad_magic(self):
        self.image[0] ^= 0x20
        self.assert_malformed(self.image)

    def test_entries_past_end(self):
        struct.pack_into("<I", self.image, 8, 1000)
        self.assert_malformed(self.image)

    def test_data_past_end(self):
        struct.pack_into("<QQ", self.image, 24 + 112, len(self.image) - 16, 17)
        self.assert_malformed(self.image)

    def test_unterminated_path(self):
        self.image[24:24 + 112] = b"/" * 112
        self.assert_malformed(self.image)

    def test_unsorted(self):
        first = self.image[24:152]
        self.image[24:152] = self.image[152:280]
        self.image[152:280] = first
        self.assert_malformed(self.image)


class LayoutTest(unittest.TestCase):
    """tools/romfs.py and include/cairn/romfs.h describe the same format."""

    def test_constants_match_header(self):
        with open(os.path.join(ROOT, "include/cairn/romfs.h")) as f:
            text = f.read()
        define = dict(re.findall(r"#define (CAIRN_ROMFS_\w+)\s+(\S+)", text))
        self.assertEqual(define["CAIRN_ROMFS_MAGIC"], '"%s"' % romfs.MAGIC.decode())
        self.assertEqual(int(define["CAIRN_ROMFS_PATH_MAX"]), romfs.PATH_MAX)
        self.assertEqual(int(define["CAIRN_ROMFS_ALIGN"]), romfs.ALIGN)
        self.assertIn("sizeof(struct cairn_romfs_header) == %d" % romfs.HEADER.size, text)
        self.assertIn("sizeof(struct cairn_romfs_entry) == %d" % romfs.ENTRY.size, text)
        self.assertEqual((romfs.HEADER.size, romfs.ENTRY.size), (24, 128))

    @unittest.skipUnless(shutil.which("cc"), "no C compiler")
    def test_c_reads_what_python_writes(self):
        with tempfile.TemporaryDirectory() as tmp:
            exe = os.path.join(tmp, "find")
            src = os.path.join(tmp, "find.c")
            with open(src, "w") as f:
                f.write(C_FIND)
            subprocess.run(["cc", "-std=gnu11", "-Wall", "-Wextra", "-Werror",
                            "-I" + os.path.join(ROOT, "include"), src,
                            os.path.join(ROOT, "lib/libcairn/romfs.c"), "-o", exe], check=True)
            image = romfs.pack(FILES)
            with open(os.path.join(tmp, "img"), "wb") as f:
                f.write(image)
            paths = [p for p, _ in FILES] + ["/missing", "/bin"]
            out = subprocess.run([exe, os.path.join(tmp, "img")] + paths, check=True,
                                 capture_output=True, text=True).stdout.splitlines()
        self.assertEqual(out[0], "24 128 8 16 112 120")
        for line, (path, data) in zip(out[1:], FILES):
            rc, off, size = map(int, line.split())
            self.assertEqual((rc, image[off:off + size]), (0, data), path)
        self.assertEqual(out[len(FILES) + 1:len(FILES) + 3], ["-13 0 0", "-13 0 0"])
        self.assertEqual(out[len(FILES) + 3:], ["entry " + p for p, _ in sorted(FILES)])


C_FIND = r"""
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cairn/romfs.h>

int main(int argc, char **argv)
{
	static _Alignas(16) unsigned char buf[1 << 16];
	const struct cairn_romfs_entry *e;
	FILE *f = fopen(argv[1], "rb");
	size_t n = fread(buf, 1, sizeof(buf), f);

	printf("%zu %zu %zu %zu %zu %zu\n", sizeof(struct cairn_romfs_header),
	       sizeof(struct cairn_romfs_entry), offsetof(struct cairn_romfs_header, nfiles),
	       offsetof(struct cairn_romfs_header, size),
	       offsetof(struct cairn_romfs_entry, offset), offsetof(struct cairn_romfs_entry, size));
	for (int i = 2; i < argc; i++) {
		const void *d = buf;
		uint64_t len = 0;
		long rc = cairn_romfs_find(buf, n, argv[i], &d, &len);

		printf("%ld %td %llu\n", rc, (const unsigned char *)d - buf, (unsigned long long)len);
	}
	for (uint32_t i = 0; cairn_romfs_entry_at(buf, n, i, &e) == 0; i++)
		printf("entry %s\n", e->path);
	return 0;
}
"""


class CliTest(unittest.TestCase):
    def run_tool(self, *args):
        return subprocess.run([sys.executable, os.path.join(ROOT, "tools/romfs.py"), *args],
                              capture_output=True, text=True)

    def test_write_and_list(self):
        with tempfile.TemporaryDirectory() as tmp:
            a, b, out = (os.path.join(tmp, n) for n in ("a", "b", "out"))
            with open(a, "wb") as f:
                f.write(b"12345")
            with open(b, "wb") as f:
                f.write(b"")
            r = self.run_tool(out, "/etc/motd=" + a, "/bin/empty=" + b)
            self.assertEqual((r.returncode, r.stderr), (0, ""))
            with open(out, "rb") as f:
                self.assertEqual(romfs.unpack(f.read()),
                                 [("/bin/empty", b""), ("/etc/motd", b"12345")])
            r = self.run_tool("--list", out)
            self.assertEqual(r.returncode, 0)
            self.assertEqual(r.stdout.split(), ["0", "/bin/empty", "5", "/etc/motd"])

    def test_errors_are_one_line(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "out")
            for args in ([out, "bin/x=" + __file__], [out, "/a/../b=" + __file__],
                         [out, "/x"], [out, "/x=" + os.path.join(tmp, "none")],
                         ["--list", os.path.join(tmp, "none")], []):
                r = self.run_tool(*args)
                self.assertEqual(r.returncode, 1, args)
                self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)
            self.assertFalse(os.path.exists(out))


if __name__ == "__main__":
    unittest.main()
