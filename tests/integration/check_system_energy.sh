#!/usr/bin/env bash
# In a system, each chip's power includes its links: over the chips, what the mesh, the HBM and the links charged to
# the tiles (chipN.power.memory_network_energy_j) is the chips' mesh and HBM energy plus every link's energy (chip to
# chip links: half to each end, nothing lost), up to the last power sample; and the summary prints it per chip and a
# line per link direction.
#   check_system_energy.sh WORKDIR NPUEMU SYSTEM_FILE IMAGE
set -eu
work="$1"; npuemu="$2"; system="$3"; image="$4"
mkdir -p "$work"
"$npuemu" run --system "$system" --stats "$work/stats.json" "$image" > /dev/null 2> "$work/summary.txt"
grep -q "^    power: .*(mesh, HBM and links [0-9.e+-]* J).*tiles throttled" "$work/summary.txt" ||
  { echo "FAIL: no per-chip power line with the mesh, HBM and links' energy"; cat "$work/summary.txt"; exit 1; }
grep -q "^  links:        12 directions" "$work/summary.txt" || { echo "FAIL: no links line"; exit 1; }
[ "$(grep -c "^    c[0-9]p[0-9]-c[0-9]p[0-9] .* J$" "$work/summary.txt")" -eq 12 ] ||
  { echo "FAIL: expected a line per link direction"; cat "$work/summary.txt"; exit 1; }
jq -e -r '.counters as $c
  | ([range(0; 4) | tostring | "chip" + .] ) as $chips
  | ([$chips[] | $c[. + ".mesh.energy_j"] + $c[. + ".hbm.energy_j"]] | add) as $chip_blocks
  | ([$c | to_entries[] | select(.key | test("^links\\..*\\.energy_j$")) | .value] | add) as $links
  | ([$chips[] | $c[. + ".power.memory_network_energy_j"]] | add) as $charged
  | "mesh + HBM \($chip_blocks) J, links \($links) J; charged to the chips \($charged) J",
    (if $links > 0 and $charged <= ($chip_blocks + $links) * (1 + 1e-12) and $charged >= 0.9 * ($chip_blocks + $links)
     then "ok: the power of the chips includes their links, mesh and HBM"
     else error("FAIL: the chips were not charged what the links, mesh and HBM counted") end)' "$work/stats.json"
