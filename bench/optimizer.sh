#!/usr/bin/env bash
# The AdamW optimizer step (npu_adamw, firmware/optimizer) on the default chip: FP32 master weights and moments, BF16
# gradients, the BF16 weight copy; 28 bytes of HBM traffic per parameter. Prints cycles and the HBM bandwidth the
# step achieved against the chip's peak (the bytes it must move over its cycles), timing-only (--arithmetic skip:
# the same cycles, no host arithmetic) for the large runs, whose arrays need more than the default 1 GiB of global
# memory. Then 1 M parameters with full arithmetic, checked bit for bit against the host reference
# (tests/harness/adamw_check). Run after `make build`.
#   bash bench/optimizer.sh [BUILD_DIR]
set -euo pipefail
build="${1:-build}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
npuemu="$build/bin/npuemu"
image="$build/firmware/optimizer.elf"

# A job block (firmware/optimizer/optimizer_job.h) for COUNT parameters with the arrays one after another from
# 0x82000000, GAP bytes between them; prints the global_memory.size_kib the arrays need.
job() {
  python3 - "$1" "$2" "$3" <<'PY'
import struct, sys
count, gap, out = int(sys.argv[1]), int(sys.argv[2], 0), sys.argv[3]
w = 0x82000000; m = w + count * 4 + gap; v = m + count * 4 + gap; g = v + count * 4 + gap; w16 = g + count * 2 + gap
bits = lambda x: struct.unpack('<I', struct.pack('<f', x))[0]
open(out, 'wb').write(struct.pack('<16I', 0x4D414441, 1, 64, count, w, m, v, g, 1, w16, bits(1e-4), bits(0.9),
                                  bits(0.999), bits(1e-8), bits(0.1), 1000))
print((w16 + count * 2 - 0x80000000 + 1023) // 1024)
PY
}

run() {  # label, count, gap
  local kib
  kib=$(job "$2" "$3" "$work/job.bin")
  [ "$kib" -lt 1048576 ] && kib=1048576
  local start end
  start=$(date +%s.%N)
  echo "$1:"
  "$npuemu" run -q -c default --arithmetic skip --set global_memory.size_kib="$kib" \
    --load "$work/job.bin@0x81000000" "$image" | sed -n 's/^\[hart 0\] /  /p'
  end=$(date +%s.%N)
  printf '  wall %.1f s\n' "$(echo "$end - $start" | bc)"
}

run "64 Mi parameters, arrays back to back (256 MiB apart)" 67108864 0
run "64 Mi parameters, arrays 68 KiB further apart" 67108864 0x11000
run "16 Mi parameters, arrays back to back" 16777216 0
echo "1 M parameters, full arithmetic, checked against the host reference:"
"$build/bin/adamw_check" --npuemu "$npuemu" --image "$image" --config default --count 1000000 --step 1000 \
  --workdir "$work" | sed -n 's/^\[hart 0\] /  /p; s/^ok: /  ok: /p'
