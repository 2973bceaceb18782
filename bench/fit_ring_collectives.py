#!/usr/bin/env python3
"""Fits the cluster model's ring all-reduce formula (docs/cluster.md, model/cluster/collectives.h) on collbench's
measured times at some chip counts and predicts the others (issue 15: fitted on 2 and 4 chips, predict 8).

  fit_ring_collectives.py FIT_COUNTS PREDICT_COUNTS OUTPUT_2 OUTPUT_4 ...

Each OUTPUT_P is collbench's console on chip 0 (lines "all_reduce [ALGORITHM] BYTES ELEMENTS TIME_US ...") for P chips, given as
P=FILE. The formula on an uncontended ring: T = 2(P-1)/P * S/B + 2(P-1) * alpha, fitted by least squares on the
relative error (every size counts alike); plain Python, no numpy.
"""
import sys


def parse(path):
    points = []
    for line in open(path):
        fields = line.split()
        if not fields or fields[0] != "all_reduce":
            continue
        numbers = [f for f in fields[1:] if f.replace(".", "", 1).isdigit()]  # after the algorithm's name, if any
        if len(numbers) >= 3:
            points.append((int(numbers[0]), float(numbers[2]) * 1e-6))  # bytes, elements, time in us
    if not points:
        sys.exit(f"{path}: no all_reduce lines (collbench's console on chip 0 expected)")
    return points


def features(chips, size_bytes):
    return [2 * (chips - 1) / chips * size_bytes, 2 * (chips - 1)]


def least_squares(rows, targets):
    # Normal equations of a 2-parameter fit.
    a = [[sum(r[i] * r[j] for r in rows) for j in range(2)] for i in range(2)]
    b = [sum(r[i] * t for r, t in zip(rows, targets)) for i in range(2)]
    det = a[0][0] * a[1][1] - a[0][1] * a[1][0]
    return [(b[0] * a[1][1] - b[1] * a[0][1]) / det, (a[0][0] * b[1] - a[1][0] * b[0]) / det]


def main():
    fit_counts = [int(c) for c in sys.argv[1].split(",")]
    predict_counts = [int(c) for c in sys.argv[2].split(",")]
    measured = {}
    for spec in sys.argv[3:]:
        chips, path = spec.split("=", 1)
        measured[int(chips)] = parse(path)
    rows, targets = [], []
    for chips in fit_counts:
        for size, time_s in measured[chips]:
            rows.append([f / time_s for f in features(chips, size)])
            targets.append(1.0)
    inverse_bandwidth, alpha_s = least_squares(rows, targets)
    print(f"fitted on {fit_counts} chips: B = {1 / inverse_bandwidth / 1e9:.2f} GB/s, alpha = {alpha_s * 1e6:.3f} us")
    print(f"{'chips':>5} {'bytes':>10} {'measured us':>12} {'model us':>10} {'error':>8}")
    worst = {}
    for chips in sorted(measured):
        for size, time_s in measured[chips]:
            model_s = sum(f * p for f, p in zip(features(chips, size), [inverse_bandwidth, alpha_s]))
            error = model_s / time_s - 1
            role = "fit" if chips in fit_counts else ("predicted" if chips in predict_counts else "")
            print(f"{chips:>5} {size:>10} {time_s * 1e6:>12.2f} {model_s * 1e6:>10.2f} {error:>+8.1%}  {role}")
            if chips in predict_counts:
                key = "large (>= 1 MiB)" if size >= 1 << 20 else "small (< 1 MiB)"
                worst[key] = max(worst.get(key, 0), abs(error))
    for key, value in sorted(worst.items()):
        print(f"predicted, {key}: worst error {value:.1%}")


if __name__ == "__main__":
    main()
