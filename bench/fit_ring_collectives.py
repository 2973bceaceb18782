#!/usr/bin/env python3
"""Fits ring all-reduce time models on collbench's measured times at some chip counts and predicts the others
(issue 15: fitted on 2 and 4 chips, predict 8; bench/calibration.sh).

  fit_ring_collectives.py [--aims LARGE,SMALL] FIT_COUNTS PREDICT_COUNTS P=OUTPUT ...

--aims 0.05,0.15: exit 1 unless the pipelined model (the cluster model's) predicts every PREDICT_COUNTS point within
LARGE for messages of 1 MiB and more and within SMALL below (issue 15's aims; the calibration ctest runs it so).

Each OUTPUT is collbench's console on chip 0 (lines "all_reduce [ALGORITHM] BYTES ELEMENTS TIME_US ...", with or
without the "[chip 0 hart 0] " prefix) for P chips. Two models, each fitted by least squares on the relative error
(every size counts alike); plain Python, no numpy:

- additive (the cluster model's formula today, model/cluster/collectives.h): every ring step pays its data and a
  latency alpha one after the other, T = 2(P-1)/P * S/B + 2(P-1) * alpha.
- pipelined (the SDK's ring as it runs, sdk/src/collectives/ring.c): the 32 tiles of a chip each run a ring over
  the same link, in chunks, so while one tile's chunk waits out its step's latency (the doorbell, the reduction, the
  next send's issue) the others' chunks keep the link busy. A step then costs the larger of its latency alpha and its
  data d = S/(P B); each of the two phases (reduce-scatter, all-gather) is a pipeline over P - 1 steps, which pays the
  smaller of the two once (its fill), and the call a constant c (the fence between the phases, the first issue):
  T = 2 [(P-1) max(alpha, d) + min(alpha, d)] + c. Fitted over a grid of B and alpha, c in closed form.
"""
import sys


def parse(path):
    points = []
    for line in open(path):
        fields = line.split()
        if fields[:4] == ["[chip", "0", "hart", "0]"]:
            fields = fields[4:]
        if not fields or fields[0] != "all_reduce":
            continue
        numbers = [f for f in fields[1:] if f.replace(".", "", 1).isdigit()]  # after the algorithm's name, if any
        if len(numbers) >= 3:
            points.append((int(numbers[0]), float(numbers[2]) * 1e-6))  # bytes, elements, time in us
    if not points:
        sys.exit(f"{path}: no all_reduce lines (collbench's console on chip 0 expected)")
    return points


def additive_fit(measured, fit_counts):
    # Linear in (1/B, alpha): normal equations of the 2-parameter fit on the relative error.
    rows, targets = [], []
    for chips in fit_counts:
        for size, time_s in measured[chips]:
            rows.append([2 * (chips - 1) / chips * size / time_s, 2 * (chips - 1) / time_s])
            targets.append(1.0)
    a = [[sum(r[i] * r[j] for r in rows) for j in range(2)] for i in range(2)]
    b = [sum(r[i] * t for r, t in zip(rows, targets)) for i in range(2)]
    det = a[0][0] * a[1][1] - a[0][1] * a[1][0]
    inverse_bandwidth, alpha_s = (b[0] * a[1][1] - b[1] * a[0][1]) / det, (a[0][0] * b[1] - a[1][0] * b[0]) / det
    model = lambda chips, size: 2 * (chips - 1) / chips * size * inverse_bandwidth + 2 * (chips - 1) * alpha_s
    return model, f"B = {1 / inverse_bandwidth / 1e9:.2f} GB/s, alpha = {alpha_s * 1e6:.3f} us"


def pipelined_time(chips, size, alpha_s, bandwidth):
    d = size / (chips * bandwidth)
    return 2 * ((chips - 1) * max(alpha_s, d) + min(alpha_s, d))


def pipelined_fit(measured, fit_counts):
    points = [(chips, size, time_s) for chips in fit_counts for size, time_s in measured[chips]]
    best = None
    for tenth_gbps in range(100, 261):  # B from 10 to 26 GB/s by 0.1
        bandwidth = tenth_gbps * 1e8
        for alpha_ns in range(200, 4001, 10):  # alpha from 0.2 to 4 us by 10 ns
            alpha_s = alpha_ns * 1e-9
            pairs = [(pipelined_time(chips, size, alpha_s, bandwidth), t) for chips, size, t in points]
            # The c that minimises sum(((m + c) / t - 1)^2).
            c = sum((t - m) / t**2 for m, t in pairs) / sum(1 / t**2 for m, t in pairs)
            error = sum(((m + c) / t - 1) ** 2 for m, t in pairs)
            if best is None or error < best[0]:
                best = (error, alpha_s, bandwidth, c)
    _, alpha_s, bandwidth, c = best
    model = lambda chips, size: pipelined_time(chips, size, alpha_s, bandwidth) + c
    return model, f"B = {bandwidth / 1e9:.1f} GB/s, alpha = {alpha_s * 1e6:.2f} us, c = {c * 1e6:.2f} us"


def report(name, fit, measured, fit_counts, predict_counts):
    model, parameters = fit(measured, fit_counts)
    print(f"== {name}, fitted on {fit_counts} chips: {parameters}")
    print(f"{'chips':>5} {'bytes':>10} {'measured us':>12} {'model us':>10} {'error':>8}")
    worst = {}
    for chips in sorted(measured):
        for size, time_s in measured[chips]:
            model_s = model(chips, size)
            error = model_s / time_s - 1
            role = "fit" if chips in fit_counts else ("predicted" if chips in predict_counts else "")
            print(f"{chips:>5} {size:>10} {time_s * 1e6:>12.2f} {model_s * 1e6:>10.2f} {error:>+8.1%}  {role}")
            if chips in predict_counts:
                key = "large (>= 1 MiB)" if size >= 1 << 20 else "small (< 1 MiB)"
                worst[key] = max(worst.get(key, 0), abs(error))
    for key, value in sorted(worst.items()):
        print(f"predicted, {key}: worst error {value:.1%}")
    return worst


def main():
    args = sys.argv[1:]
    aims = None
    if args[:1] == ["--aims"] and len(args) > 1:
        large, small = (float(a) for a in args[1].split(","))
        aims = {"large (>= 1 MiB)": large, "small (< 1 MiB)": small}
        args = args[2:]
    if len(args) < 3:
        sys.exit(__doc__)
    fit_counts = [int(c) for c in args[0].split(",")]
    predict_counts = [int(c) for c in args[1].split(",")]
    measured = {}
    for spec in args[2:]:
        chips, path = spec.split("=", 1)
        measured[int(chips)] = parse(path)
    report("additive", additive_fit, measured, fit_counts, predict_counts)
    worst = report("pipelined", pipelined_fit, measured, fit_counts, predict_counts)
    if aims:
        missed = [f"{key}: {worst.get(key, 0):.1%} > {aim:.0%}" for key, aim in aims.items()
                  if key not in worst or worst[key] > aim]
        if missed:
            sys.exit("FAIL: the pipelined model misses the aims, predicted " + "; ".join(missed))
        print("ok: the pipelined model meets the aims (" + ", ".join(f"{k} {v:.0%}" for k, v in aims.items()) + ")")


if __name__ == "__main__":
    main()
