#!/usr/bin/env python3
"""npuemu replay: collcheck's ring collectives on node4 (4-tile test chips) exported with --flows and replayed on the
cluster model's flow-level network (SCALE-OUT.md: L2 checked against L1 on the same schedule). Every collective's
replayed time is within 15% of the run's (these are small messages: the replay has the links' latency but not the
meshes' and DMA's) and the run as a whole within 5%; the JSON output agrees with the table; a flow export replayed on a
system it was not made on is refused.

  check_replay.py NPUEMU FIRMWARE_DIR WORKDIR
"""
import json
import os
import subprocess
import sys

npuemu, firmware, workdir = sys.argv[1:4]
os.makedirs(workdir, exist_ok=True)
flows = os.path.join(workdir, "flows.jsonl")
out = os.path.join(workdir, "replay.json")
system = ["--system", "node4", "--set", "chips.config=test"]
run = subprocess.run([npuemu, "run", "--quiet", *system, "--flows", flows, os.path.join(firmware, "collcheck.elf")],
                     capture_output=True, text=True)
if run.returncode != 0:
    sys.exit(f"FAIL: collcheck exited {run.returncode}\n{run.stderr}")
replay = subprocess.run([npuemu, "replay", *system, "--out", out, flows], capture_output=True, text=True)
if replay.returncode != 0:
    sys.exit(f"FAIL: npuemu replay exited {replay.returncode}\n{replay.stderr}")
result = json.load(open(out))
problems = []
collectives = result["collectives"]
kinds = {c["name"].split(" #")[0] for c in collectives}
if not {"reduce-scatter", "all-gather"} <= kinds:
    problems.append(f"expected reduce-scatter and all-gather collectives in the replay, got {sorted(kinds)}")
copies = sum(1 for line in open(flows) if '"kind":"copy"' in line)
if result["all"]["copies"] != copies or sum(c["copies"] for c in collectives) != copies:
    problems.append(f"the replay counted {result['all']['copies']} copies, the export has {copies}")
for c in collectives:
    if c["measured_s"] <= 0 or abs(c["error"]) > 0.15:
        problems.append(f"{c['name']}: run {c['measured_s'] * 1e6:.2f} us, replay {c['replayed_s'] * 1e6:.2f} us")
if abs(result["all"]["error"]) > 0.05:
    problems.append(f"the whole run: error {result['all']['error']:+.1%}")
for c in collectives:
    if f"{c['name']} " not in replay.stdout:
        problems.append(f"{c['name']} is in the JSON but not in the table")
        break
wrong = subprocess.run([npuemu, "replay", "--system", "single", flows], capture_output=True, text=True)
if wrong.returncode == 0 or "is not in system 'single'" not in wrong.stderr:
    problems.append(f"a node4 export replayed on 'single' was not refused clearly: {wrong.returncode} {wrong.stderr}")
if problems:
    sys.exit("FAIL: " + "\nFAIL: ".join(problems))
worst = max(abs(c["error"]) for c in collectives)
print(f"ok: {len(collectives)} collectives replayed, worst {worst:.1%}, whole run {result['all']['error']:+.2%}")
