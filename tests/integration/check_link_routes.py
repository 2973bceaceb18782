#!/usr/bin/env python3
"""chip_ring on a line of three chips (tests/data/systems/line3.yaml: 0 - 1 - 2): every byte each link carried is
accounted for by the routes. Each chip puts 2 x 7000 bytes into the next chip (2 -> 0 crosses chip 1) and gets 7000
bytes from the previous one (the data comes back the same way), so every direction of both links carries 21000
payload bytes, and chip 1's mesh carries chip 2's traffic from one link port to the other.

  check_link_routes.py NPUEMU FIRMWARE_DIR SYSTEM_FILE WORKDIR
"""
import json
import os
import subprocess
import sys

npuemu, firmware, system_file, workdir = sys.argv[1:5]
os.makedirs(workdir, exist_ok=True)
stats_path = os.path.join(workdir, "line3.json")
run = subprocess.run([npuemu, "run", "--quiet", "--stats", stats_path, "--system", system_file,
                      os.path.join(firmware, "chip_ring.elf")], capture_output=True, text=True)
if run.returncode != 0:
    sys.exit(f"FAIL: chip_ring on line3 exited {run.returncode}\n{run.stdout}{run.stderr}")
if run.stdout.count("as expected") != 9:
    sys.exit(f"FAIL: expected 9 checks 'as expected' (3 per chip)\n{run.stdout}")
counters = json.load(open(stats_path))["counters"]
failed = False
for direction in ["c0p0-c1p0", "c1p0-c0p0", "c1p1-c2p0", "c2p0-c1p1"]:
    carried = counters.get(f"links.{direction}.payload_bytes")
    if carried != 21000:
        print(f"FAIL: link {direction} carried {carried} payload bytes, expected 21000")
        failed = True
transit = counters.get("chip1.mesh.link.link0.in.bytes", 0)
if transit < 21000:
    print(f"FAIL: chip 1's mesh took {transit} bytes in at link port 0, expected at least 21000 (chip 2's transit)")
    failed = True
for name in ["fabric.reads", "fabric.writes", "fabric.doorbells"]:
    if not counters.get(name):
        print(f"FAIL: {name} is {counters.get(name)}")
        failed = True
if counters.get("fabric.doorbells") != 6:
    print(f"FAIL: fabric.doorbells is {counters.get('fabric.doorbells')}, expected 6 (two per chip)")
    failed = True
if failed:
    sys.exit(1)
print("ok: every link direction carried 21000 payload bytes; chip 1 carried chip 2's transit; 6 doorbells")
