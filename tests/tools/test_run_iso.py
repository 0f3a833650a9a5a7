"""test_run_iso.py: tools/qemu.py's run-iso (make run-iso) and how `run` and `run-iso`
end. The boot itself is the QEMU tests iso_bios and iso_uefi (tests/qemu/tests.toml),
which use the same iso_command; here QEMU is not started: subprocess.call is replaced,
so the command line and the exit handling are checked exactly.

Run from the repository's root: python3 -m unittest discover -s tests/tools
"""
import contextlib
import io
import os
import sys
import unittest
from unittest import mock

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import qemu  # noqa: E402

DEFAULT = os.path.join(ROOT, "systems/default.toml")
ECHO = os.path.join(ROOT, "systems/echo.toml")


def run_iso(*args, status=qemu.EXIT_DONE):
    """qemu.main(["qemu.py", "run-iso", *args]) with QEMU replaced: (the command it
    would have run or None, what it printed, the SystemExit's code or None)."""
    out = io.StringIO()
    with mock.patch.object(qemu.subprocess, "call", return_value=status) as call, \
            contextlib.redirect_stdout(out):
        try:
            qemu.main(["qemu.py", "run-iso", *args])
            code = None
        except SystemExit as e:
            code = e.code
    return (call.call_args[0][0] if call.called else None), out.getvalue(), code


class RunIso(unittest.TestCase):
    def test_bios_boots_the_cdrom_without_ovmf(self):
        cmd, out, code = run_iso(DEFAULT, "x.iso", "bios")
        self.assertIsNone(code)
        self.assertEqual(cmd[cmd.index("-cdrom") + 1], "x.iso")
        self.assertNotIn("-bios", cmd)
        self.assertIn("booting system 'default'", out)
        self.assertIn("QEMU: the system finished", out)

    def test_uefi_boots_through_ovmf(self):
        cmd, _, code = run_iso(DEFAULT, "x.iso", "uefi")
        self.assertIsNone(code)
        self.assertEqual(cmd[cmd.index("-bios") + 1], qemu.OVMF)

    def test_devices_and_forwards_as_run(self):
        cmd, out, _ = run_iso(ECHO, "echo.iso", "bios")
        self.assertIn("hostfwd=tcp:127.0.0.1:7007-:7007", " ".join(cmd))
        self.assertIn("forwarding udp 127.0.0.1:7007", out)

    def test_a_panic_or_another_status_exits_non_zero(self):
        _, _, code = run_iso(DEFAULT, "x.iso", "bios", status=qemu.EXIT_PANIC)
        self.assertEqual(code, "QEMU: the kernel panicked")
        _, _, code = run_iso(DEFAULT, "x.iso", "bios", status=1)
        self.assertEqual(code, "QEMU exited with status 1")

    def test_bad_arguments_print_the_usage_and_run_nothing(self):
        for args in (("x.iso", "bios"), (DEFAULT, "x.iso"), (DEFAULT, "x.iso", "coreboot"),
                     (DEFAULT, "x.iso", "bios", "more")):
            cmd, _, code = run_iso(*args)
            self.assertIsNone(cmd, args)
            self.assertEqual(code, qemu.__doc__, args)


class RunIcount(unittest.TestCase):
    """`make run ICOUNT=1`: the guest's clock in instructions, as the tests run."""

    def run_with(self, env, path=DEFAULT):
        with mock.patch.dict(os.environ, env), \
                mock.patch.object(qemu, "load_system", return_value=("x", [], 1)), \
                mock.patch.object(qemu, "run_watched", return_value=qemu.EXIT_DONE) as call, \
                contextlib.redirect_stdout(io.StringIO()):
            qemu.main(["qemu.py", "run", path])     # run_watched: QEMU, its output read
        return call.call_args[0][0]

    def test_icount_1_runs_under_icount(self):
        cmd = self.run_with({"ICOUNT": "1"})
        self.assertEqual(cmd[cmd.index("-icount") + 1], "shift=0,sleep=off")

    def test_without_it_the_host_clock(self):
        self.assertNotIn("-icount", self.run_with({"ICOUNT": ""}))


if __name__ == "__main__":
    unittest.main()
