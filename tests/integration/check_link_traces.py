#!/usr/bin/env python3
"""Link activity in traces agrees with the link statistics. Runs one system run three times (VCD, Perfetto JSON,
and VCD again) and checks, for every link direction that carried packets:
  VCD:      system.links.<direction>.busy is high for exactly links.<direction>.busy_ps in all; .wire_bytes ends at
            links.<direction>.wire_bytes; .credits_bytes never exceeds the receive buffer and is back to it at the end;
  Perfetto: the thread <direction> of process "links" has one "packet" span per links.<direction>.packets (and a
            "packet, continued" span for each further piece of a packet spread around packets booked before it),
            whose durations add up to busy_ps (to the microsecond rounding of the JSON);
and that the two VCD runs are identical.
    check_link_traces.py WORKDIR NPUEMU ARGS... IMAGE"""
import json
import os
import subprocess
import sys


def run(npuemu, args, **outputs):
    command = [npuemu, "run", "-q"]
    for flag, path in outputs.items():
        command += ["--" + flag, path]
    subprocess.run(command + args, check=True, stdout=subprocess.DEVNULL)


def read_vcd(path):
    """{signal path: [(time, value), ...]} for the link signals."""
    codes, scope, changes = {}, [], {}
    time = 0
    with open(path) as f:
        in_header = True
        for line in f:
            words = line.split()
            if not words:
                continue
            if in_header:
                if words[0] == "$scope":
                    scope.append(words[2])
                elif words[0] == "$upscope":
                    scope.pop()
                elif words[0] == "$var":
                    name = ".".join(scope + [words[4]])
                    if ".links." in "." + name:
                        codes[words[3]] = name
                        changes[name] = []
                elif words[0] == "$enddefinitions":
                    in_header = False
                continue
            if words[0].startswith("#"):
                time = int(words[0][1:])
            elif words[0].startswith("b") and len(words) == 2 and words[1] in codes:
                changes[codes[words[1]]].append((time, int(words[0][1:], 2)))
            elif words[0][0] in "01" and words[0][1:] in codes:
                changes[codes[words[0][1:]]].append((time, int(words[0][0])))
    return changes


def busy_time(changes, end):
    total, since = 0, None
    for time, value in changes:
        if value and since is None:
            since = time
        elif not value and since is not None:
            total += time - since
            since = None
    return total + (end - since if since is not None else 0)


def main():
    work, npuemu, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    os.makedirs(work, exist_ok=True)
    stats_path, vcd, again, perfetto = (os.path.join(work, n) for n in ("stats.json", "run.vcd", "again.vcd", "run.json"))
    run(npuemu, args, stats=stats_path, trace=vcd)
    run(npuemu, args, trace=again)
    run(npuemu, args, trace=perfetto)
    with open(vcd, "rb") as a, open(again, "rb") as b:
        if a.read() != b.read():
            sys.exit("FAIL: two runs gave different VCD traces")
    counters = json.load(open(stats_path))["counters"]
    directions = sorted(k[len("links."):-len(".packets")] for k in counters
                        if k.startswith("links.") and k.endswith(".packets"))
    signals = read_vcd(vcd)
    events = json.load(open(perfetto))["traceEvents"]
    links_pid = [e["pid"] for e in events if e.get("name") == "process_name" and e["args"]["name"] == "links"]
    if len(links_pid) != 1:
        sys.exit("FAIL: no Perfetto process named links")
    tids = {e["args"]["name"]: e["tid"] for e in events
            if e.get("name") == "thread_name" and e["pid"] == links_pid[0]}
    end = max(time for changes in signals.values() for time, _ in changes) if signals else 0
    used = 0
    for d in directions:
        prefix = "system.links." + d + "."
        for leaf in ("busy", "credits_bytes", "wire_bytes"):
            if prefix + leaf not in signals:
                sys.exit(f"FAIL: no VCD signal {prefix + leaf}")
        if d not in tids:
            sys.exit(f"FAIL: no Perfetto track for link direction {d}")
        packets = counters[f"links.{d}.packets"]
        if packets == 0:
            continue
        used += 1
        busy = busy_time(signals[prefix + "busy"], end)
        if busy != counters[f"links.{d}.busy_ps"]:
            sys.exit(f"FAIL: {d}: busy {busy} ps in the VCD, {counters[f'links.{d}.busy_ps']} ps in the stats")
        wire = signals[prefix + "wire_bytes"][-1][1]
        if wire != counters[f"links.{d}.wire_bytes"]:
            sys.exit(f"FAIL: {d}: {wire} wire bytes in the VCD, {counters[f'links.{d}.wire_bytes']} in the stats")
        credits = [v for _, v in signals[prefix + "credits_bytes"]]
        if max(credits) != credits[-1] or min(credits) >= credits[-1]:
            sys.exit(f"FAIL: {d}: credits {min(credits)}..{max(credits)} never taken or not all returned "
                     f"(last {credits[-1]})")
        spans = [e for e in events if e.get("ph") == "X" and e["pid"] == links_pid[0] and e["tid"] == tids[d]]
        firsts = sum(1 for e in spans if e["name"] == "packet")
        if firsts != packets or any(e["name"] not in ("packet", "packet, continued") for e in spans):
            sys.exit(f"FAIL: {d}: {firsts} Perfetto packet spans, {packets} packets in the stats")
        span_ps = sum(e["dur"] for e in spans) * 1e6
        if abs(span_ps - busy) > 1 + 1e-6 * busy:
            sys.exit(f"FAIL: {d}: Perfetto spans last {span_ps} ps, the wire was busy {busy} ps")
    if used == 0:
        sys.exit("FAIL: no link carried anything")
    print(f"ok: {len(directions)} link directions traced; on the {used} used, busy time, wire bytes and packets "
          "agree with the stats; credits all returned; two VCD runs identical")


if __name__ == "__main__":
    main()
