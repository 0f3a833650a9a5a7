"""test_ioport_grants.py: what tools/sysgen.py makes of a description's `ioports`:
the booter asks the kernel for the I/O ports only when some component is granted
ports, and each component's table row carries exactly its ranges, [first, last + 1).

Run from the repository's root: python3 -m unittest discover -s tests/tools
"""
import os
import sys
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import sysgen  # noqa: E402
import system  # noqa: E402

GRANTS = os.path.join(ROOT, "tests/qemu/systems/ioports.toml")
NO_GRANTS = os.path.join(ROOT, "tests/qemu/systems/redtape.toml")


class IoportGrants(unittest.TestCase):
    def test_booter_asks_only_when_ports_are_granted(self):
        data, _ = system.load(GRANTS)
        self.assertEqual(sysgen.booter_module("b/booter.elf", data), "b/booter.elf ioport")
        data, _ = system.load(NO_GRANTS)
        self.assertEqual(sysgen.booter_module("b/booter.elf", data), "b/booter.elf")
        data["component"][0]["ioports"] = []
        self.assertEqual(sysgen.booter_module("b/booter.elf", data), "b/booter.elf")

    def test_tables_carry_exactly_the_ranges(self):
        data, order = system.load(GRANTS)
        images = {c["name"]: (c.get("image", c["name"]), None) for c in data["component"]}
        text = sysgen.Tables(data, order, "cairn_system", images).text("ioports.toml")
        self.assertIn("static const struct cairn_sd_ioport io_0[] = { { 0x70, 0x72 }, { 0x80, 0x81 } };", text)
        self.assertIn(".nioports = 2, .ioport = io_0 }", text)
        self.assertIn(".nioports = 0, .ioport = 0 }", text)
        self.assertNotIn("io_1", text)

    def test_ranges_as_written(self):
        self.assertEqual(system.ioport_ranges({"ioports": [0x60, [0x64, 0x64], [0x1f0, 0x1f7]]}),
                         [(0x60, 0x60), (0x64, 0x64), (0x1f0, 0x1f7)])
        self.assertEqual(system.ioport_ranges({}), [])


if __name__ == "__main__":
    unittest.main()
