#!/usr/bin/env python3
"""romfs.py: writes and reads romfs images, the read-only file systems the build puts
into the boot image (format: include/cairn/romfs.h, read by lib/libcairn/romfs.c).

    romfs.py OUT PATH=FILE [PATH=FILE ...]   write an image holding each FILE at PATH
    romfs.py --list IMAGE                    print each file's size and path

Layout: a 24-byte header (magic, nfiles, reserved, total size), nfiles 128-byte
entries (path NUL-padded to 112 bytes, offset, size) sorted by path in strcmp order,
then the data, each file starting at a multiple of 16 bytes; the total size is padded
to 16 too. Integers are little-endian. Errors are one line, naming the path.
"""
import struct
import sys

MAGIC = b"CNROMFS1"
PATH_MAX = 112          # bytes of an entry's path field, NUL included
ALIGN = 16              # of every file's offset
HEADER = struct.Struct("<8sIIQ")
ENTRY = struct.Struct(f"<{PATH_MAX}sQQ")


def align(n):
    return (n + ALIGN - 1) // ALIGN * ALIGN


def check_path(path):
    """Returns path as UTF-8 bytes; raises ValueError naming path if it is not a valid
    romfs path."""
    if not isinstance(path, str):
        raise ValueError(f"{path!r}: a path must be a string")
    if not path.startswith("/"):
        raise ValueError(f"{path!r}: path must start with '/'")
    if "\0" in path:
        raise ValueError(f"{path!r}: path contains a NUL byte")
    for part in path[1:].split("/"):
        if part in ("", ".", ".."):
            raise ValueError(f"{path!r}: path has an empty, '.' or '..' component")
    try:
        raw = path.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{path!r}: path is not valid UTF-8") from None
    if len(raw) > PATH_MAX - 1:
        raise ValueError(f"{path!r}: path is {len(raw)} bytes, at most {PATH_MAX - 1} allowed")
    return raw


def pack(files):
    """The image of files, a list of (path, bytes), as bytes. ValueError on a bad or
    repeated path."""
    entries = {}
    for path, data in files:
        raw = check_path(path)
        if raw in entries:
            raise ValueError(f"{path!r}: path given twice")
        entries[raw] = bytes(data)
    names = sorted(entries)             # bytewise: strcmp order
    table_end = HEADER.size + len(names) * ENTRY.size
    table, blobs = [], [bytes(align(table_end) - table_end)]
    offset = align(table_end)
    for raw in names:
        data = entries[raw]
        table.append(ENTRY.pack(raw, offset, len(data)))
        blobs.append(data.ljust(align(len(data)), b"\0"))
        offset += len(blobs[-1])
    return HEADER.pack(MAGIC, len(names), 0, offset) + b"".join(table) + b"".join(blobs)


def unpack(image):
    """The files of image as a list of (path, bytes) in stored order. ValueError if the
    image is malformed (the checks lib/libcairn/romfs.c makes)."""
    image = bytes(image)
    if len(image) < HEADER.size:
        raise ValueError(f"image is {len(image)} bytes, shorter than its header")
    magic, nfiles, _, size = HEADER.unpack_from(image)
    if magic != MAGIC:
        raise ValueError(f"bad magic {magic!r}")
    if size > len(image) or size < HEADER.size + nfiles * ENTRY.size:
        raise ValueError(f"header size {size} does not fit the image ({len(image)} bytes) "
                         f"or its {nfiles} entries")
    files, last = [], None
    for i in range(nfiles):
        raw, offset, length = ENTRY.unpack_from(image, HEADER.size + i * ENTRY.size)
        if b"\0" not in raw:
            raise ValueError(f"entry {i}: path not NUL-terminated")
        raw = raw.split(b"\0", 1)[0]
        if offset + length > size:
            raise ValueError(f"entry {i} ({raw!r}): data past the image's end")
        if last is not None and raw <= last:
            raise ValueError(f"entry {i} ({raw!r}): entries not sorted or repeated")
        files.append((raw.decode("utf-8", "surrogateescape"), image[offset:offset + length]))
        last = raw
    return files


def write(out, specs):
    """Writes the image of specs, each "PATH=FILE", to out."""
    files = []
    for spec in specs:
        path, eq, name = spec.partition("=")
        if not eq or not name:
            raise ValueError(f"{spec!r}: expected PATH=FILE")
        with open(name, "rb") as f:
            files.append((path, f.read()))
    image = pack(files)
    with open(out, "wb") as f:
        f.write(image)


def main(argv):
    try:
        if len(argv) == 2 and argv[0] == "--list":
            with open(argv[1], "rb") as f:
                for path, data in unpack(f.read()):
                    print(f"{len(data):10d}  {path}")
        elif argv and not argv[0].startswith("-"):
            write(argv[0], argv[1:])
        else:
            print("usage: romfs.py OUT PATH=FILE [PATH=FILE ...] | romfs.py --list IMAGE",
                  file=sys.stderr)
            return 1
    except (OSError, ValueError) as e:
        print(f"romfs.py: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
