#!/usr/bin/env bash
# npuemu profile on the test chip (two GEMMs, a row pass and an attention backward): the table's cycles are
# firmware/gemm's own (the same as `npuemu run` of the job),
# a second run computes nothing (every run a cache hit, the same table), one changed chip key recomputes every run,
# and a changed GEMM image its GEMMs (not the other kinds); cycles at the slow operating point are fewer (HBM time is fixed in ns).
#   check_profile.sh WORKDIR NPUEMU FIRMWARE_DIR
set -euo pipefail
work="$1"; npuemu="$2"; fw="$3"
rm -rf "$work"; mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }
cat > "$work/ops.yaml" <<YAML
ops:
  - {name: square, m: 64, n: 64, k: 64, dtype: int8}
  - {name: ragged, m: 100, n: 70, k: 50, dtype: bf16}
  - {name: ln_bwd, kind: rows, pass: layernorm_backward, rows: 40, cols: 96}
  - {name: attn_bwd, kind: attention_backward, seq: 48, heads: 2, d_head: 32}
YAML
# A power model with two operating points: three runs per op (as given, pinned at 1000 MHz, pinned at 400 MHz).
chip=(-c test --set power.process=7nm
      --set 'pmu.operating_points=[{voltage_mv: 750, frequency_mhz: 1000}, {voltage_mv: 600, frequency_mhz: 400}]')
profile() { "$npuemu" profile "$work/ops.yaml" "${chip[@]}" --cache "$work/cache" -j 2 "$@"; }

profile --out "$work/first" > "$work/first.txt" 2> "$work/first.err" || { cat "$work/first.err"; fail "first run"; }
grep -q "12 runs (4 ops x 3), 0 from the cache, 12 computed" "$work/first.err" || { cat "$work/first.err"; fail "first run computed"; }
head -1 "$work/first.csv" | grep -q "^op,m,n,k,dtype,cycles,mac_utilization,hbm_bytes,energy_j,ops_per_byte,bound,fraction_of_roof,cycles_at_1000MHz_750mV,cycles_at_400MHz_600mV$" \
  || fail "CSV header: $(head -1 "$work/first.csv")"
[ "$(wc -l < "$work/first.csv")" -eq 5 ] || fail "CSV rows"
grep -q "^square " "$work/first.txt" || fail "no table on stdout"

# The cycles are firmware/gemm's for the job, as `npuemu run` prints them.
python3 - "$work/first.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
assert t["schema"] == "npuemu-profile" and t["schema_version"] == 1
assert t["peak_macs_per_cycle"] == 4 * 16 * 16, t["peak_macs_per_cycle"]
for op in t["ops"]:
    # The row pass (firmware/layer_ops) uses no MACs; the GEMMs and the attention backward do.
    assert op["cycles"] > 0 and (0 < op["mac_utilization"] <= 1 or op["kind"] == "rows"), op
    assert op["hbm_bytes"] > 0 and op["energy_j"] > 0, op
    fast, slow = [p["cycles"] for p in op["at_operating_points"]]
    # Pinned at the fastest point and nothing throttles on a short run: the same as the run as given.
    assert fast == op["cycles"], op
    # At 400 MHz the HBM's nanoseconds are fewer core cycles.
    assert slow < fast or (op["kind"] != "gemm" and slow <= fast), op
PY
[ $? -eq 0 ] || fail "table contents"
python3 - "$work/job.bin" <<'PY'
import struct, sys
# firmware/gemm/gemm_job.h: magic, m, n, k, dtype, a, b, c, repeat, kernel, b_transposed (m <= 64: the profile
# runs the GEMV kernel, GEMM_KERNEL_GEMV = 1)
open(sys.argv[1], "wb").write(struct.pack("<11I", 0x4A4D4547, 64, 64, 64, 0, 0x82000000, 0x82010000, 0x82020000, 1,
                                          1, 0))
PY
"$npuemu" run -q "${chip[@]}" --arithmetic skip --load "$work/job.bin@0x81000000" "$fw/gemm.elf" > "$work/run.txt" 2>&1 \
  || fail "npuemu run of the job"
run_cycles=$(sed -n 's/.*: \([0-9]*\) cycles, MAC utilisation.*/\1/p' "$work/run.txt")
table_cycles=$(awk -F, '$1 == "square" { print $6 }' "$work/first.csv")
[ -n "$run_cycles" ] && [ "$run_cycles" = "$table_cycles" ] || fail "profile says $table_cycles cycles, npuemu run $run_cycles"

# Again: nothing computed, the same table.
profile --out "$work/second" > /dev/null 2> "$work/second.err" || { cat "$work/second.err"; fail "second run"; }
grep -q "12 runs (4 ops x 3), 12 from the cache, 0 computed" "$work/second.err" || { cat "$work/second.err"; fail "second run was not all hits"; }
cmp -s "$work/first.csv" "$work/second.csv" || fail "the cached table differs"

# One chip key changed (a default the config does not set): every run computed again.
profile --out "$work/key" --set npu.dma.latency_cycles=9 > /dev/null 2> "$work/key.err" || { cat "$work/key.err"; fail "changed key"; }
grep -q "0 from the cache, 12 computed" "$work/key.err" || { cat "$work/key.err"; fail "a changed key did not invalidate"; }

# Another GEMM firmware image (one byte more: the kernel changed): its runs computed again.
cp "$fw/gemm.elf" "$work/gemm_changed.elf"; printf '\0' >> "$work/gemm_changed.elf"
profile --out "$work/image" --image "$work/gemm_changed.elf" > /dev/null 2> "$work/image.err" || { cat "$work/image.err"; fail "changed image"; }
# The GEMMs run the changed image; the row pass and the attention backward (firmware/layer_ops) stay cached.
grep -q "6 from the cache, 6 computed" "$work/image.err" || { cat "$work/image.err"; fail "a changed image did not invalidate its ops alone"; }
[ -z "$(ls -A "$work/cache/tmp" 2>/dev/null)" ] || fail "scratch directories left behind"
echo "profile: cache and table OK"
