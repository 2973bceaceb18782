#!/usr/bin/env python3
"""The flow export (npuemu run --system ... --flows FILE): chip_ring on node4 writes one line per copy between chips
and per doorbell, each consistent with what the firmware does, and the same file on a second run.

  check_flows.py NPUEMU FIRMWARE_DIR WORKDIR
"""
import json
import os
import subprocess
import sys

npuemu, firmware, workdir = sys.argv[1:4]
os.makedirs(workdir, exist_ok=True)
paths = []
for run in (1, 2):
    path = os.path.join(workdir, f"flows{run}.jsonl")
    result = subprocess.run([npuemu, "run", "--quiet", "--system", "node4", "--set", "chips.config=test", "--flows",
                             path, os.path.join(firmware, "chip_ring.elf")], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"FAIL: chip_ring exited {result.returncode}\n{result.stderr}")
    paths.append(path)
first, second = (open(p).read() for p in paths)
if first != second:
    sys.exit("FAIL: the flow export differs between two identical runs")
records = [json.loads(line) for line in first.splitlines()]
copies = [r for r in records if r["kind"] == "copy"]
doorbells = [r for r in records if r["kind"] == "doorbell"]
problems = []
if len(copies) != 12:
    problems.append(f"{len(copies)} copies between chips, expected 12 (each chip: two puts and a get)")
if len(doorbells) != 8:
    problems.append(f"{len(doorbells)} doorbells, expected 8 (each chip: two)")
for r in copies:
    chip = r["chip"]
    put = (r["src_chip"], r["dst_chip"]) == (chip, (chip + 1) % 4)
    get = (r["src_chip"], r["dst_chip"]) == ((chip + 3) % 4, chip)
    if not (put or get) or r["bytes"] != 7000 or r["done_ps"] < r["issue_ps"] or not r["route"]:
        problems.append(f"unexpected copy record {r}")
for r in doorbells:
    if r["dst_chip"] != (r["chip"] + 1) % 4 or r["bytes"] != 0 or r["done_ps"] <= r["issue_ps"]:
        problems.append(f"unexpected doorbell record {r}")
if problems:
    sys.exit("FAIL: " + "\nFAIL: ".join(problems))
print(f"ok: {len(copies)} copies and {len(doorbells)} doorbells, identical over two runs")
