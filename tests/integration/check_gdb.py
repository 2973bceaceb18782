#!/usr/bin/env python3
"""Runs `npuemu run --gdb 0 --gdb-wait IMAGE` and a batch gdb-multiarch session against it, then checks GDB's
output, npuemu's console and summary, and npuemu's exit status. Every wait is bounded.

  check_gdb.py --npuemu PATH --image ELF [--arg NPUEMU_ARG]... --ex GDB_COMMAND... [--expect-gdb TEXT]...
               [--expect-gdb-re REGEX]... [--gdb-lacks TEXT]... [--expect-stdout TEXT]... [--expect-stderr TEXT]...
               --exit N
"""
import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

TIMEOUT_S = 60


def wait_for_port(stderr_path, process, deadline):
    pattern = re.compile(r"GDB stub listening on [^\s]+:(\d+)")
    while time.monotonic() < deadline:
        with open(stderr_path, encoding="utf-8", errors="replace") as f:
            match = pattern.search(f.read())
        if match:
            return int(match.group(1))
        if process.poll() is not None:
            return None
        time.sleep(0.02)
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--npuemu", required=True)
    parser.add_argument("--image", required=True)
    parser.add_argument("--arg", action="append", default=[], help="an npuemu run option (repeatable)")
    parser.add_argument("--ex", action="append", default=[], help="a GDB command (repeatable, in order)")
    parser.add_argument("--expect-gdb", action="append", default=[])
    parser.add_argument("--expect-gdb-re", action="append", default=[])
    parser.add_argument("--gdb-lacks", action="append", default=[])
    parser.add_argument("--expect-stdout", action="append", default=[])
    parser.add_argument("--expect-stderr", action="append", default=[])
    parser.add_argument("--exit", type=int, required=True)
    args = parser.parse_args()

    gdb = shutil.which("gdb-multiarch")
    if not gdb:
        print("FAIL: gdb-multiarch is not installed (scripts/setup.sh installs it)")
        return 1

    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        out_path, err_path = os.path.join(tmp, "stdout"), os.path.join(tmp, "stderr")
        command = [args.npuemu, "run", *args.arg, "--gdb", "0", "--gdb-wait", args.image]
        with open(out_path, "w") as out, open(err_path, "w") as err:
            npuemu = subprocess.Popen(command, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        gdb_output = ""
        try:
            port = wait_for_port(err_path, npuemu, time.monotonic() + 20)
            if port is None:
                failures.append("npuemu did not print the port it listens on")
            else:
                gdb_command = [gdb, "-batch", "-nx", "-ex", "set architecture riscv:rv32", "-ex", "set pagination off",
                               "-ex", "set confirm off", "-ex", "file " + args.image,
                               "-ex", "target remote 127.0.0.1:%d" % port]
                for ex in args.ex:
                    gdb_command += ["-ex", ex]
                gdb_log = os.path.join(tmp, "gdb")
                with open(gdb_log, "w") as log:
                    # A GDB that crashes (internal-error) must fail the test, not leave a core file behind.
                    gdb_process = subprocess.Popen(gdb_command, stdout=log, stderr=subprocess.STDOUT,
                                                   stdin=subprocess.DEVNULL,
                                                   preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_CORE, (0, 0)))
                try:
                    gdb_process.wait(timeout=TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    gdb_process.kill()
                    gdb_process.wait()
                    failures.append("gdb-multiarch did not finish within %d s" % TIMEOUT_S)
                with open(gdb_log, encoding="utf-8", errors="replace") as f:
                    gdb_output = f.read()
            try:
                status = npuemu.wait(timeout=TIMEOUT_S)
            except subprocess.TimeoutExpired:
                failures.append("npuemu did not exit within %d s after GDB finished" % TIMEOUT_S)
                status = None
        finally:
            if npuemu.poll() is None:
                npuemu.kill()
                npuemu.wait()
        with open(out_path, encoding="utf-8", errors="replace") as f:
            stdout = f.read()
        with open(err_path, encoding="utf-8", errors="replace") as f:
            stderr = f.read()

    if status is not None and status != args.exit:
        failures.append("npuemu exit status %s, expected %d" % (status, args.exit))
    for text in args.expect_gdb:
        if text not in gdb_output:
            failures.append("GDB output lacks: " + text)
    for regex in args.expect_gdb_re:
        if not re.search(regex, gdb_output, re.MULTILINE):
            failures.append("GDB output does not match: " + regex)
    if "internal-error" in gdb_output or "A problem internal to GDB" in gdb_output:
        failures.append("GDB hit an internal error")
    for text in args.gdb_lacks:
        if text in gdb_output:
            failures.append("GDB output has: " + text)
    for text in args.expect_stdout:
        if text not in stdout:
            failures.append("npuemu stdout lacks: " + text)
    for text in args.expect_stderr:
        if text not in stderr:
            failures.append("npuemu stderr lacks: " + text)

    if failures:
        for failure in failures:
            print("FAIL: " + failure)
        print("--- npuemu command: " + " ".join(command))
        print("--- GDB output:\n" + gdb_output[-6000:])
        print("--- npuemu stdout:\n" + stdout[-3000:])
        print("--- npuemu stderr:\n" + stderr[-3000:])
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
