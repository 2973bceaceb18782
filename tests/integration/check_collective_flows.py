#!/usr/bin/env python3
"""The flow export names the SDK's collectives: collcheck_more (recursive-doubling all-reduce, broadcast, all-to-all,
hierarchical all-reduce) on 4 test chips in 2 nodes of 2 writes copies and doorbells tagged with each collective's
kind and step (npuemu/collectives.h), each going where that step sends; two runs give the same flows, console
output and statistics, byte for byte.

  check_collective_flows.py NPUEMU FIRMWARE_DIR WORKDIR
"""
import json
import os
import subprocess
import sys

npuemu, firmware, workdir = sys.argv[1:4]
os.makedirs(workdir, exist_ok=True)
CHIPS, PER_NODE = 4, 2
texts, stats, consoles = [], [], []
for run in (1, 2):
    path = os.path.join(workdir, f"flows{run}.jsonl")
    stats_path = os.path.join(workdir, f"stats{run}.json")
    result = subprocess.run([npuemu, "run", "--quiet", "--system", "pod8", "--set", "chips.config=test", "--set",
                             f"chips.count={CHIPS}", "--set", f"nodes.chips_per_node={PER_NODE}", "--flows", path,
                             "--stats", stats_path, os.path.join(firmware, "collcheck_more.elf")],
                            capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"FAIL: collcheck_more exited {result.returncode}\n{result.stdout}{result.stderr}")
    texts.append(open(path).read())
    stats.append(open(stats_path).read())
    consoles.append(result.stdout)
if texts[0] != texts[1]:
    sys.exit("FAIL: the flow export differs between two identical runs")
if stats[0] != stats[1]:
    sys.exit("FAIL: the statistics differ between two identical runs")
if consoles[0] != consoles[1]:
    sys.exit("FAIL: the console output differs between two identical runs")
records = [json.loads(line) for line in texts[0].splitlines()]
problems = []
seen = {}


def node(chip):
    return chip // PER_NODE


for r in records:
    kind, step, chip, to = r["collective"] >> 24, r["step"], r["chip"], r["dst_chip"]
    if r["kind"] == "copy" and r["src_chip"] != chip:
        problems.append(f"a collective's copy reads another chip: {r}")
    seen[kind] = seen.get(kind, 0) + 1
    if kind == 4:  # recursive doubling on a power of two: step k swaps with chip ^ 2^k
        ok = step < 2 and to == chip ^ (1 << step)
    elif kind == 5:  # broadcast: along the chain
        ok = to == (chip + 1) % CHIPS and step < CHIPS - 1
    elif kind == 6:  # all-to-all: step = distance
        ok = 1 <= step < CHIPS and to == (chip + step) % CHIPS
    elif kind == 7:  # hierarchical: phases 0 and 3 in the node, 1 and 2 across
        phase = step >> 8
        ok = (phase in (0, 3) and node(to) == node(chip) and to != chip) or \
             (phase in (1, 2) and to % PER_NODE == chip % PER_NODE and node(to) != node(chip))
    elif kind == 3:  # the barrier between calls
        ok = True
    else:
        ok = False
    if not ok:
        problems.append(f"record not where its collective (kind {kind}) and step {step} send: {r}")
for kind, name in ((4, "doubling all-reduce"), (5, "broadcast"), (6, "all-to-all"), (7, "hierarchical all-reduce")):
    if not seen.get(kind):
        problems.append(f"no record of the {name} (kind {kind})")
if problems:
    sys.exit("FAIL: " + "\nFAIL: ".join(problems[:20]))
print(f"ok: {len(records)} records, by kind {dict(sorted(seen.items()))}; flows, console and stats identical over "
      "two runs")
