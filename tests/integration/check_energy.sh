#!/usr/bin/env bash
# Energy is accounted for: for every tile, energy = dynamic + memory_network + leakage, and (no throttling, so
# V = V_nominal) dynamic = sum over event kinds of count x energy per event, with the 7nm defaults of docs/power.md.
# The mesh's and the HBM's energy (what they counted, x their own per-event figures) is what they charged the tiles:
# the tiles' memory_network energy adds up to it, up to the last power sample.
#   check_energy.sh WORKDIR NPUEMU IMAGE
set -eu
work="$1"; npuemu="$2"; image="$3"
mkdir -p "$work"
"$npuemu" run -q -c test --set power.process=7nm --set thermal.cooling=liquid --stats "$work/stats.json" "$image" > /dev/null
jq -e -r '
  .counters as $c
  | [range(0; 4) | tostring | "tile" + . + ".power."] as $tiles
  | [ $tiles[] as $p
      | (($c[$p + "activity.int8_macs"] * 0.6 + $c[$p + "activity.bf16_macs"] * 1.5
         + $c[$p + "activity.vector_elements"] * 2.0 + $c[$p + "activity.sram_bytes"] * 1.0
         + $c[$p + "activity.dma_bytes"] * 2.0 + $c[$p + "activity.core_instructions"] * 12.0) * 1e-12) as $expected
      | { tile: $p, expected: $expected, dynamic: $c[$p + "dynamic_energy_j"],
          charged: $c[$p + "memory_network_energy_j"],
          sum_ok: ((($c[$p + "energy_j"] - $c[$p + "dynamic_energy_j"] - $c[$p + "memory_network_energy_j"]
                     - $c[$p + "leakage_energy_j"]) | fabs) <= 1e-12 * $c[$p + "energy_j"]),
          dynamic_ok: ((($c[$p + "dynamic_energy_j"] - $expected) | fabs) <= 1e-9 * $expected),
          busy: ($c[$p + "activity.int8_macs"] > 0) } ]
  | . as $rows
  | ([$rows[].charged] | add) as $charged
  | ($c["mesh.energy_j"] + $c["hbm.energy_j"]) as $blocks
  | ($rows[] | "\(.tile) dynamic \(.dynamic) J, expected \(.expected) J, mesh/HBM \(.charged) J, sum ok \(.sum_ok), dynamic ok \(.dynamic_ok)"),
    "mesh \($c["mesh.energy_j"]) J + HBM \($c["hbm.energy_j"]) J = \($blocks) J; charged to the tiles \($charged) J; chip \($c["power.memory_network_energy_j"]) J",
    (if all($rows[]; .sum_ok and .dynamic_ok) and any($rows[]; .busy)
        and $c["mesh.energy_j"] > 0 and $c["hbm.energy_j"] > 0
        and $charged <= $blocks * (1 + 1e-12) and $charged >= 0.9 * $blocks
        and (($c["power.memory_network_energy_j"] - $charged) | fabs) <= 1e-12 * $charged
     then "ok: energy = activity x energy per event + mesh and HBM energy + leakage on every tile"
     else error("FAIL: energy does not add up") end)' "$work/stats.json"
