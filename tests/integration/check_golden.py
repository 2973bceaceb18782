#!/usr/bin/env python3
"""Simulated results are pinned: every firmware image's console, exit status, statistics and trace, digested.

Each case runs npuemu once and digests what the run simulated: exit status, console (stdout), the summary on stderr
without its host-time line, every counter and histogram of --stats (by name), and, for cases that trace, every VCD
signal's value changes (by signal path). Refactoring and speed work must leave every digest as it is; a change that
means to change results updates tests/data/golden_digests.txt with --update and says why in its commit.

  check_golden.py --npuemu BIN --firmware DIR --golden FILE [--update] [--old-names] [--case NAME] [--verbose]
                 [--timing-only]

--timing-only also runs every case with --arithmetic skip and checks it against the full run (timing_only.py).

--old-names maps the names of an older build's statistics and trace scopes to today's (the mapping of docs/stats.md),
so digests taken with a build from before a rename compare with today's.
"""
import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile

# (name, arguments after `npuemu run`, whether to trace). Small configurations: this runs in CI twice.
CASES = [
    ("hello-test", ["-c", "test", "hello.elf"], False),
    ("hello-default", ["hello.elf"], False),
    ("interrupts-test", ["-c", "test", "interrupts.elf"], False),
    ("cpubench-test", ["-c", "test", "--set", "chip.tiles=2", "cpubench.elf"], False),
    ("exit-code-test", ["-c", "test", "exit_code.elf"], False),
    ("isa-probe-test", ["-c", "test", "isa_probe.elf"], False),
    ("htif-pass", ["-c", "test", "--htif", "htif_pass.elf"], False),
    ("fault-access", ["-c", "test", "fault_access.elf"], False),
    ("fault-past-memory", ["-c", "test", "fault_past_memory.elf"], False),
    ("sleep-forever", ["-c", "test", "sleep_forever.elf"], False),
    ("spin-max-cycles", ["-c", "test", "--max-cycles", "50000", "spin_forever.elf"], False),
    ("matmul-timing", ["-c", "test", "matmul_timing.elf"], False),
    ("npu-deadlock", ["-c", "test", "npu_deadlock.elf"], False),
    ("npu-dma-past-memory", ["-c", "test", "npu_dma_past_memory.elf"], False),
    ("gemm-test", ["-c", "test", "gemm.elf"], True),
    ("conv2d-test", ["-c", "test", "conv2d.elf"], False),
    ("transformer-2-tiles", ["-c", "test", "--set", "chip.tiles=2", "transformer_block.elf"], True),
    ("membench-test", ["-c", "test", "membench.elf"], False),
    ("meshbench-test", ["-c", "test", "meshbench.elf"], False),
    ("pmu-registers", ["-c", "default", "--set", "chip.tiles=2", "pmu_registers.elf"], False),
    ("burn-4-tiles", ["-c", "default", "--set", "chip.tiles=4", "--set", "thermal.time_scale=100000", "burn.elf"],
     True),
    ("thermal-governor", ["-c", "default", "--set", "chip.tiles=8", "--set", "thermal.ambient_mC=75000",
                          "--set", "thermal.time_scale=100000", "--set", "thermal.initial=steady",
                          "--set", "thermal.initial_power_w=3.4", "thermal_governor.elf"], False),
    ("gemm-power-4nm", ["-c", "test", "--set", "power.process=4nm", "--set", "thermal.time_scale=1000",
                        "gemm.elf"], False),
]

# Names of statistics and trace scopes before the blocks registered their own (docs/stats.md, "Renamed").
OLD_TO_NEW = [
    (re.compile(r"^tile(\d+)\.(dma|matrix|vector)\."), r"tile\1.npu.\2."),
    (re.compile(r"^chip\.tile(\d+)\.(dma|matrix|vector)\."), r"chip.tile\1.npu.\2."),
]


def rename(name, old_names):
    if not old_names:
        return name
    for pattern, replacement in OLD_TO_NEW:
        name = pattern.sub(replacement, name)
    return name


def vcd_signals(path, old_names):
    """Maps each signal's full path to its list of (time, value) changes."""
    scopes, by_id, names, changes, time = [], {}, [], {}, 0
    with open(path) as vcd:
        in_header = True
        for line in vcd:
            words = line.split()
            if not words:
                continue
            if in_header:
                if words[0] == "$scope":
                    scopes.append(words[2])
                elif words[0] == "$upscope":
                    scopes.pop()
                elif words[0] == "$var":
                    full = rename(".".join(scopes + [words[4]]), old_names)
                    by_id.setdefault(words[3], []).append(full)
                    changes[full] = []
                elif words[0] == "$enddefinitions":
                    in_header = False
                continue
            head = words[0]
            if head.startswith("#"):
                time = int(head[1:])
            elif head.startswith("$"):
                continue
            elif head[0] in "br":
                for full in by_id.get(words[1], []):
                    changes[full].append((time, head))
            else:
                for full in by_id.get(head[1:], []):
                    changes[full].append((time, head[0]))
    return changes


def number(value):
    """A statistic's value, written the same whether the JSON holds it as an integer or as a double."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return str(int(value))
    return json.dumps(value)


def case_parts(npuemu, firmware, args, trace, old_names, extra_args=()):
    """What one run simulated, as a list of lines ("name=value" for each counter, histogram and trace signal)."""
    with tempfile.TemporaryDirectory() as work:
        stats_path = os.path.join(work, "stats.json")
        command = [npuemu, "run", "--stats", stats_path]
        if trace:
            command += ["--trace", os.path.join(work, "run.vcd")]
        command += list(extra_args) + args[:-1] + [os.path.join(firmware, args[-1])]
        run = subprocess.run(command, capture_output=True, text=True, timeout=600)
        parts = ["exit %d" % run.returncode, "stdout", run.stdout, "stderr"]
        # The summary names the image by path and ends with host time: neither is simulated.
        for line in run.stderr.splitlines():
            if line.lstrip().startswith("host:") or line.startswith("npuemu: /") or " on chip '" in line:
                continue
            parts.append(line)
        if os.path.exists(stats_path):
            with open(stats_path) as f:
                stats = json.load(f)
            for key in ("outcome", "exit_code", "message"):
                parts.append("%s=%s" % (key, json.dumps(stats.get(key))))
            for name, value in sorted((rename(n, old_names), v) for n, v in stats["counters"].items()):
                parts.append("%s=%s" % (name, number(value)))
            for name, histogram in sorted((rename(n, old_names), h) for n, h in stats["histograms"].items()):
                parts.append("%s=%s" % (name, json.dumps(histogram["buckets"])))
        if trace:
            for name, changes in sorted(vcd_signals(os.path.join(work, "run.vcd"), old_names).items()):
                parts.append("%s=%s" % (name, hashlib.sha256(repr(changes).encode()).hexdigest()))
        return parts


def digest(parts):
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--npuemu", required=True)
    parser.add_argument("--firmware", required=True)
    parser.add_argument("--golden", required=True)
    parser.add_argument("--update", action="store_true")
    parser.add_argument("--old-names", action="store_true")
    parser.add_argument("--case")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--timing-only", action="store_true")
    options = parser.parse_args()

    cases = [c for c in CASES if options.case in (None, c[0])]
    if not cases:
        sys.exit("no case named '%s'" % options.case)
    parts = {name: case_parts(options.npuemu, options.firmware, args, trace, options.old_names)
             for name, args, trace in cases}
    if options.verbose:
        for name in parts:
            print("\n".join(parts[name]))
    digests = {name: digest(p) for name, p in parts.items()}
    timing_only_failed = []
    if options.timing_only:
        import timing_only
        for name, args, trace in cases:
            if "--system" in args:  # --arithmetic does not combine with --system (the system file's chips.set does)
                print("note: %s: not compared in timing-only mode (a --system run)" % name)
                continue
            skip = case_parts(options.npuemu, options.firmware, args, trace, options.old_names,
                              ["--arithmetic", "skip"])
            problem = timing_only.compare(name, parts[name], skip)
            if problem:
                print("FAIL: %s: %s" % (name, problem))
                timing_only_failed.append(name)
        if not timing_only_failed:
            print("ok: %d cases give the same cycles, statistics and traces in timing-only mode (%d of them up to "
                  "their self-check)" % (len(cases), sum(1 for c in cases if c[0] in timing_only.SELF_CHECKING)))
    if options.update:
        with open(options.golden, "w") as f:
            f.write("# Digests of simulated results (tests/integration/check_golden.py). Update only on purpose.\n")
            for name in sorted(digests):
                f.write("%s %s\n" % (name, digests[name]))
        print("wrote %d digests to %s" % (len(digests), options.golden))
        return
    golden = {}
    with open(options.golden) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                name, value = line.split()
                golden[name] = value
    failed = [n for n in sorted(digests) if golden.get(n) != digests[n]]
    for name in failed:
        print("FAIL: %s: simulated results differ from the golden digest%s" %
              (name, "" if name in golden else " (no golden digest recorded)"))
    if failed:
        print("rerun one case with --case NAME --verbose to see what it digests")
    else:
        print("ok: %d cases give their golden digests" % len(digests))
    if failed or timing_only_failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
