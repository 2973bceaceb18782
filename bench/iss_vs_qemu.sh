#!/usr/bin/env bash
# npuemu's RV32 ISS beside QEMU's TCG on the same integer kernel: firmware/cpubench's cpubench_run (CRC-32, sieve,
# insertion sort, integer matmul; 23.25 M instructions), on one npuemu hart (chip.tiles=1) and on
# qemu-system-riscv32 -M virt (Debian's qemu-system-misc: apt-get install qemu-system-misc), built for the virt
# machine from the same source with the SDK's compiler and flags (bench/qemu_virt/: reset code, linker script, a
# main that calls the kernel REPEATS times and prints its checksum on the UART). The script checks that both print
# the same checksum and that both images hold the same cpubench_run code.
#   QEMU MIPS = REPEATS x the kernel's instructions (npuemu counts them: minstret) / (QEMU's wall time with REPEATS
#   calls - its wall time with none, which is QEMU's start-up); npuemu MIPS = the run summary's (simulation time only).
# Median of RUNS (default 5) each, alternating the two. A benchmark, not a test: without qemu it says so and exits 0.
#   bash bench/iss_vs_qemu.sh [BUILD_DIR]
set -euo pipefail
qemu=qemu-system-riscv32
if ! command -v "$qemu" >/dev/null; then
  echo "iss_vs_qemu: $qemu not found (Debian: apt-get install qemu-system-misc); skipped"
  exit 0
fi
build="$(realpath "${1:-build}")"
root="$(cd "$(dirname "$0")/.." && pwd)"
runs="${RUNS:-5}"
repeats="${REPEATS:-20}"
npuemu="$build/bin/npuemu"; image="$build/firmware/cpubench.elf"
[ -x "$npuemu" ] && [ -f "$image" ] || { echo "build first: make build" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The same compiler, architecture and optimisation flags as the SDK (sdk/cmake/riscv32-npuemu.cmake, npuemu_sdk.cmake).
cc_flags=(-misa-spec=2.2 -march=rv32im -mabi=ilp32 --specs=picolibc.specs -ffunction-sections -fdata-sections -O2
  -std=c11 -nostartfiles -Wl,--gc-sections -Wl,--no-warn-rwx-segments)
for r in 0 "$repeats"; do
  riscv64-unknown-elf-gcc "${cc_flags[@]}" -DREPEATS="$r" -I"$root/firmware/cpubench" -I"$root/sdk/include" \
    -T "$root/bench/qemu_virt/virt.ld" "$root/bench/qemu_virt/start.S" "$root/bench/qemu_virt/main.c" \
    "$root/firmware/cpubench/cpubench_kernel.c" -o "$work/virt_$r.elf"
done
code() {  # the kernel's instructions, addresses and call targets left out
  riscv64-unknown-elf-objdump -d --no-show-raw-insn --disassemble=cpubench_run "$1" | grep -P '^\s+[0-9a-f]+:' |
    awk '{$1=""; print}' | sed 's/[0-9a-f]* <[^>]*>//'
}
cmp -s <(code "$image") <(code "$work/virt_$repeats.elf") || { echo "cpubench_run differs between the images" >&2; exit 1; }

qemu_run() { "$qemu" -M virt -bios none -nographic -m 128M -accel tcg -smp 1 -kernel "$1"; }
seconds() { local s e; s=$(date +%s.%N); "$@" > "$work/out"; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

npuemu_mips=(); qemu_mips=(); instructions=""; checksum=""
for _ in $(seq "$runs"); do
  "$npuemu" run --set chip.tiles=1 "$image" > "$work/npuemu.out" 2> "$work/npuemu.err"
  line=$(grep "^hart 0: checksum" "$work/npuemu.out")
  checksum=$(echo "$line" | sed 's/.*checksum \(0x[0-9a-f]*\),.*/\1/')
  instructions=$(echo "$line" | sed 's/.*, \([0-9]*\) instructions.*/\1/')
  npuemu_mips+=("$(sed -n 's/.*s wall, \([0-9.]*\) MIPS.*/\1/p' "$work/npuemu.err")")
  full=$(seconds qemu_run "$work/virt_$repeats.elf")
  grep -q "checksum $checksum" "$work/out" || { echo "QEMU printed '$(cat "$work/out")', npuemu $checksum" >&2; exit 1; }
  empty=$(seconds qemu_run "$work/virt_0.elf")
  qemu_mips+=("$(echo "$repeats * $instructions / ($full - $empty) / 1000000" | bc -l)")
done
n=$(median "${npuemu_mips[@]}"); q=$(median "${qemu_mips[@]}")
printf 'kernel: cpubench_run, %s instructions a call, checksum %s on both\n' "$instructions" "$checksum"
printf '%-58s %8.1f MIPS\n' "npuemu ISS (1 hart, chip.tiles=1, loosely timed, DMI)" "$n"
printf '%-58s %8.1f MIPS\n' "QEMU $("$qemu" --version | head -1 | awk '{print $4}') TCG (-M virt, $repeats calls, start-up subtracted)" "$q"
printf 'QEMU / npuemu: %.1fx   (median of %s runs each, alternating; %s host cores, shared)\n' "$(echo "$q / $n" | bc -l)" \
  "$runs" "$(nproc)"
