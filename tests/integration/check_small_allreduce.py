#!/usr/bin/env python3
"""collbench's nccl-tests style output for small messages (collbench_small: 4 KiB .. 256 KiB, the ring against
recursive doubling) on node4 with test chips: every row present and checked right, and recursive doubling's
log2(chips) steps at least twice as fast as the ring's 2 (chips - 1) at 4 KiB, where a step's latency dominates (the
simulated time is exact, not the host's).

  check_small_allreduce.py NPUEMU FIRMWARE_DIR
"""
import os
import re
import subprocess
import sys

npuemu, firmware = sys.argv[1:3]
run = subprocess.run([npuemu, "run", "--quiet", "--system", "node4", "--set", "chips.config=test",
                      os.path.join(firmware, "collbench_small.elf")], capture_output=True, text=True)
if run.returncode != 0:
    sys.exit(f"FAIL: collbench_small exited {run.returncode}\n{run.stdout}{run.stderr}")
row = r"\[chip 0 hart 0\]\s+all_reduce (\w+)\s+(\d+)\s+\d+\s+([\d.]+)\s+[\d.]+\s+[\d.]+\s+(\S+)"
rows = re.findall(row, run.stdout)
times = {(algorithm, int(size)): float(us) for algorithm, size, us, _ in rows}
expected = {(a, s) for a in ("ring", "doubling") for s in (4096, 16384, 65536, 262144)}
if set(times) != expected:
    sys.exit(f"FAIL: rows {sorted(times)}, expected {sorted(expected)}\n{run.stdout}")
wrong = [row for row in rows if row[3] != "ok"]
if wrong:
    sys.exit(f"FAIL: wrong results {wrong}")
ring, doubling = times[("ring", 4096)], times[("doubling", 4096)]
print(f"4 KiB all-reduce on node4 (test chips): ring {ring} us, recursive doubling {doubling} us")
if doubling * 2 > ring:
    sys.exit("FAIL: recursive doubling is not at least twice as fast as the ring at 4 KiB")
