#!/usr/bin/env python3
"""The ring all-reduce keeps the links busy when each ring step has many chunks: collbench_16m_4k (one 16 MiB FP32
all-reduce in 4 KiB chunks, as many chunks per step as 64 MiB in the default 16 KiB) on node4 (4 default chips, 32
rings per link) reaches >= 85% of one link's payload peak in bus bandwidth, and its result is right.

It failed before the all-gather let a chunk wait only for its own data: sending chunk j, then waiting for chunk j
from the previous chip made each ring a closed loop with one chunk per link, and the rings' chunks bunched into one
wave that went round the chips with one link busy at a time (46% here; 41% for 64 MiB in 16 KiB chunks).

  check_allreduce_busbw.py NPUEMU FIRMWARE_DIR WORKDIR
"""
import json
import os
import re
import subprocess
import sys

npuemu, firmware, workdir = sys.argv[1:4]
os.makedirs(workdir, exist_ok=True)
stats_path = os.path.join(workdir, "node4.json")
run = subprocess.run([npuemu, "run", "--quiet", "--stats", stats_path, "--system", "node4",
                      os.path.join(firmware, "collbench_16m_4k.elf")], capture_output=True, text=True)
if run.returncode != 0:
    sys.exit(f"FAIL: collbench_16m_4k on node4 exited {run.returncode}\n{run.stdout}{run.stderr}")
row = re.search(r"\[chip 0 hart 0\]\s+all_reduce ring\s+16777216\s+\d+\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+(\S+)",
                run.stdout)
if not row:
    sys.exit(f"FAIL: no all_reduce row for 16777216 bytes in the output\n{run.stdout}")
busbw, verdict = float(row.group(3)), row.group(4)
if verdict != "ok":
    sys.exit(f"FAIL: the all-reduce's result is {verdict}\n{run.stdout}")
peak = json.load(open(stats_path))["counters"]["links.c0p0-c1p0.peak_gbps"]
share = busbw / peak
print(f"16 MiB all-reduce in 4 KiB chunks on node4: bus bandwidth {busbw:.2f} GB/s, {share:.0%} of the link's "
      f"{peak} GB/s")
if share < 0.85:
    sys.exit(f"FAIL: bus bandwidth below 85% of the link's payload peak")
