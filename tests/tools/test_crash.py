"""test_crash.py: crash reports read on the host (tools/crash.py, docs/debugging.md) and
how `make run` (tools/qemu.py run) ends.

The pure parts (the report's parsing, error and exception names, what counts as a
failure of the system run) are tested on lines; then QEMU boots three systems through
`qemu.py run`, as `make run` does: tests/qemu/systems/crash_deep.toml, whose component
crashes two calls deep with no keeper (exit non-zero, the report symbolised to the
function and line of the fault and of each caller), timer_never.toml, which
deadlocks (exit non-zero), and the default system, whose nested guest faults on
purpose inside its parent's subsystem (exit 0). They need the programs built (`make
all`, as `make test` does first).

Run from the repository's root: python3 -m unittest discover -s tests/tools
"""
import io
import os
import re
import subprocess
import sys
import unittest
from unittest import mock

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import crash  # noqa: E402
import qemu  # noqa: E402

CR_DEEP = os.path.join("tests", "components", "cr_deep", "main.c")
REPORT = ("booter: 'cr_deep' of system 't_crash_deep' stopped by a fault: thread 2, vector 14, "
          "error 0x6, image cr_deep, rip 0x400080, sp 0x7ffeffffffe8, stack 0x400099 0x4000b7 0x400019")
RUN_TIMEOUT = 120   # s, for a boot of a few seconds on a loaded host


def marked_line(path, mark):
    """The number of the line of path that holds the comment /* mark */."""
    with open(os.path.join(ROOT, path)) as f:
        for n, line in enumerate(f, 1):
            if f"/* {mark} */" in line:
                return n
    raise AssertionError(f"{path}: no line marked {mark}")


class Lines(unittest.TestCase):
    def test_report_is_parsed(self):
        m = crash.REPORT.search(REPORT)
        self.assertEqual((m.group("comp"), m.group("system"), m.group("image"), m.group("rip")),
                         ("cr_deep", "t_crash_deep", "cr_deep", "0x400080"))
        self.assertEqual(m.group("stack").split(), ["0x400099", "0x4000b7", "0x400019"])

    def test_a_process_report_is_parsed(self):
        line = ("rtos: process 'p' ended by a fault: thread 5, vector 13, error 0x0, image p, rip 0x400033, "
                "sp 0x6000001fefe0, stack 0x400632")
        out = crash.explain(crash.REPORT.search(line), {"p": "/nonexistent.elf"})
        self.assertEqual(out[0], "crash: process 'p' (thread 5) ended by #GP general protection (vector 13), "
                                 "error 0x0")
        w = crash.Watcher("sys", {"p": "/nonexistent.elf"})
        w.line(line)
        self.assertEqual(w.failures, [])  # the RTOS ended the process: the system goes on

    def test_report_with_an_empty_stack_is_parsed(self):
        self.assertTrue(crash.REPORT.search(REPORT[:REPORT.index(" 0x400099")]))

    def test_exception_names_are_the_kernels(self):
        names = crash.exception_names()
        self.assertEqual(names[14], "#PF page fault")
        self.assertEqual(names[0], "#DE divide error")
        self.assertEqual(crash.exception_name(99), "vector 99")

    def test_error_codes_are_named(self):
        self.assertEqual(crash.name_errors("booter: system 'x' stopped with error -10"),
                         ["  error -10 is EAGAIN (try again)"])
        self.assertEqual(crash.name_errors("a (error -17) and error -5"),
                         ["  error -17 is EOVERFLOW (a count would pass its limit: refused, nothing changed); "
                          "error -5 is EFAULT (bad address)"])
        self.assertEqual(crash.name_errors("error -99, error 10, no error"), [])

    def test_images_are_the_runs_modules(self):
        self.assertEqual(crash.images_of(["build/sys/d/booter.elf", "build/user/guest.elf image",
                                          "build/sys/d/vault+sandbox.elf image", "hello"]),
                         {"booter": "build/sys/d/booter.elf", "guest": "build/user/guest.elf",
                          "vault+sandbox": "build/sys/d/vault+sandbox.elf", "hello": "build/user/hello.elf"})

    def test_a_crash_of_the_system_run_is_a_failure(self):
        w = crash.Watcher("t_crash_deep", {"cr_deep": "/nonexistent.elf"})
        out = w.line(REPORT)
        self.assertEqual(out[0], "crash: component 'cr_deep' (system 't_crash_deep', thread 2) stopped by "
                                 "#PF page fault (vector 14), error 0x6")
        self.assertIn("not symbolised", out[1])
        self.assertEqual(w.failures, ["component 'cr_deep' crashed with no keeper"])

    def test_a_nested_systems_crash_is_its_parents(self):
        w = crash.Watcher("default", {})
        w.line(REPORT)
        self.assertEqual(w.failures, [])

    def test_a_restart_is_no_failure(self):
        w = crash.Watcher("t_crash_deep", {})
        out = w.line(REPORT.replace("stopped by a fault", "faulted, restarting"))
        self.assertIn("restarted after #PF page fault", out[0])
        self.assertEqual(w.failures, [])

    def test_a_deadlock_and_a_booter_failure_are_failures(self):
        w = crash.Watcher("t", {})
        w.line("booter: 1 thread(s) blocked and nothing can wake them: system 'other' stops")
        w.line("booter: stopped (exit 0)")
        self.assertEqual(w.failures, [])
        w.line("booter: 1 thread(s) blocked and nothing can wake them: system 't' stops")
        w.line("booter: stopped (exit 10)")
        self.assertEqual(w.failures, ["system 't' deadlocked", "the booter stopped with status 10"])


class Watch(unittest.TestCase):
    def test_explanations_follow_their_line_whatever_the_chunks(self):
        text = (b"a prompt> " + REPORT.encode() + b"\r\nnext line\npartial")
        for cut in (1, 7, 40, len(text) - 3):
            r, w = os.pipe()
            os.write(w, text[:cut])
            os.write(w, text[cut:])
            os.close(w)
            out = io.TextIOWrapper(io.BytesIO())
            with mock.patch.object(qemu.sys, "stdout", out):
                qemu.watch(r, crash.Watcher("t_crash_deep", {}))
            os.close(r)
            got = out.buffer.getvalue().decode().split("\n")
            self.assertEqual(got[0], "a prompt> " + REPORT + "\r", cut)
            self.assertTrue(got[1].startswith("crash: component 'cr_deep'"), got)
            at = got.index("next line")
            self.assertTrue(all(g.startswith("  ") for g in got[2:at]), got)
            self.assertEqual(got[at:], ["next line", "partial"], got)


def run(system):
    """tools/qemu.py run of system, as `make run` does after building: (status, output)."""
    r = subprocess.run([sys.executable, "tools/qemu.py", "run", system], cwd=ROOT, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=RUN_TIMEOUT)
    return r.returncode, r.stdout.decode("utf-8", "replace")


class Runs(unittest.TestCase):
    def test_a_crash_is_symbolised_and_fails_the_run(self):
        self.crash_is_symbolised("tests/qemu/systems/crash_deep.toml", "t_crash_deep")

    def test_a_crash_on_another_core_has_its_frames(self):
        self.crash_is_symbolised("tests/qemu/systems/crash_core1.toml", "t_crash_core1")

    def crash_is_symbolised(self, system, name):
        code, out = run(system)
        self.assertEqual(code, 1, out)
        self.assertIn("QEMU: the system finished, but component 'cr_deep' crashed with no keeper", out)
        head = out.index(f"crash: component 'cr_deep' (system '{name}', thread ")
        frames = out[head:].splitlines()[1:5]
        self.assertRegex(frames[0], r"^  #0  0x4[0-9a-f]+ in cr_fall \(" + re.escape(
            f"{CR_DEEP}:{marked_line(CR_DEEP, 'FAULT')})") + "$")
        self.assertRegex(frames[1], r"^  #1  0x4[0-9a-f]+ in cr_descend \(" + re.escape(
            f"{CR_DEEP}:{marked_line(CR_DEEP, 'CALL cr_descend')})") + "$")
        self.assertRegex(frames[2], r"^  #2  0x4[0-9a-f]+ in main \(" + re.escape(
            f"{CR_DEEP}:{marked_line(CR_DEEP, 'CALL main')})") + "$")
        self.assertRegex(frames[3], r"^  #3  0x4[0-9a-f]+ in _start \(lib/libcairn/entry.S:\d+\)$")

    def test_a_process_crash_is_symbolised(self):
        code, out = run("tests/qemu/systems/crash_rtos.toml")
        self.assertEqual(code, 0, out)  # the RTOS ended the process: no failure of the system
        head = out.index("crash: process 'rtos_intruder' (thread ")
        frames = out[head:].splitlines()
        self.assertRegex(frames[0], r"ended by #PF page fault \(vector 14\), error 0x6$")
        self.assertRegex(frames[1], r"^  #0  0x4[0-9a-f]+ in main \(tests/rtos/rtos_intruder/main.c:\d+\)$")
        self.assertRegex(frames[2], r"^  #1  0x4[0-9a-f]+ in rtos_thread_start \(lib/librtos/thread.c:\d+\)$")

    def test_a_deadlock_fails_the_run(self):
        code, out = run("tests/qemu/systems/timer_never.toml")
        self.assertEqual(code, 1, out)
        self.assertIn("error -10 is EAGAIN (try again)", out)
        self.assertIn("QEMU: the system finished, but system 't_timer_never' deadlocked", out)

    def test_the_default_system_ends_well(self):
        code, out = run("systems/default.toml")
        self.assertEqual(code, 0, out)
        self.assertRegex(out, r"\ncrash: component 'guest' \(system 'sandbox', thread \d+\) stopped by "
                              r"#PF page fault \(vector 14\), error 0x7\n  #0  0x4[0-9a-f]+ in main "
                              r"\(components/guest/main.c:\d+\)\n")
        self.assertTrue(out.rstrip().endswith("QEMU: the system finished"), out[-300:])


if __name__ == "__main__":
    unittest.main()
