"""Timing-only mode (`npuemu run --arithmetic skip`, docs/npu.md) against the full mode, on the golden cases' runs.

check_golden.py --timing-only runs every case a second time with --arithmetic skip and hands both runs' parts
(exit status, console, summary, every counter and histogram, every traced signal's changes) to compare() here:
  - every case whose firmware does not read back what the NPU computed must give identical parts: the same cycles,
    the same console, the same statistics (none is derived from values), the same traces;
  - the SELF_CHECKING cases' firmware checks the NPU's results on the core after its timed region (gemm's and
    conv2d's self-check), which is control flow that depends on NPU data: not supported in timing-only mode. There
    the firmware's own timing report (the console up to the self-check), every NPU-unit counter that counts work or
    stalls, and every NPU trace signal must be identical; what the self-check changes after it may differ.
"""
import re

# case name -> the console line the self-check starts after (the firmware's timing report).
SELF_CHECKING = {
    "gemm-test": "gemm 256x256x256",
    "conv2d-test": "conv2d 16x16x8",
    "gemm-power-4nm": "gemm 256x256x256",
}

# NPU-unit counters divided by the run's elapsed time: a self-check that runs longer changes them, not the NPU.
PER_ELAPSED_TIME = re.compile(r"\.(idle_cycles|utilization|mac_utilization)(\.|=|$)")
NPU_COUNTER = re.compile(r"^tile\d+\.npu\.")
NPU_SIGNAL = re.compile(r"^chip\.tile\d+\.npu\.")


def _console_until_report(parts, marker):
    """The console (stdout) up to and including the line with marker."""
    stdout = parts[parts.index("stdout") + 1]
    lines = stdout.splitlines()
    for i, line in enumerate(lines):
        if marker in line:
            return lines[: i + 1]
    return None


def _npu_lines(parts):
    out = []
    for line in parts:
        name = line.split("=", 1)[0]
        if NPU_COUNTER.match(name) and not PER_ELAPSED_TIME.search(name):
            out.append(line)
        elif NPU_SIGNAL.match(name):
            out.append(line)
    return out


def compare(name, full, skip):
    """Empty if timing-only mode agrees with the full mode on this case, else what differs (a short message)."""
    if name not in SELF_CHECKING:
        if full == skip:
            return ""
        differ = [b for a, b in zip(full, skip) if a != b] or ["(a different number of parts)"]
        return "timing-only run differs from the full run, first at: %s" % differ[0][:200]
    marker = SELF_CHECKING[name]
    report_full, report_skip = _console_until_report(full, marker), _console_until_report(skip, marker)
    if report_full is None:
        return "the full run's console has no line with '%s'" % marker
    if report_full != report_skip:
        return "the firmware's timing report differs: %r vs %r" % (report_full[-1:], (report_skip or [""])[-1:])
    npu_full, npu_skip = _npu_lines(full), _npu_lines(skip)
    if len(npu_full) < 10:
        return "only %d NPU counters and signals found: the comparison would prove nothing" % len(npu_full)
    if npu_full != npu_skip:
        differ = [b for a, b in zip(npu_full, npu_skip) if a != b] or ["(a different number of NPU parts)"]
        return "an NPU counter or signal differs in timing-only mode: %s" % differ[0][:200]
    return ""
