# The memory system: HBM and mesh measured by firmware (membench, meshbench) against the models' own figures, bad
# addresses and bad memory configs, and determinism with memory traffic. Included by integration_tests.cmake.
set(MEMBENCH_CHECK ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_membench.sh)
set(MESHBENCH_CHECK ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_meshbench.sh)

add_test(NAME "memory: membench on the default chip: streaming >= 90% of the HBM2e peak, row-miss and conflict latencies, one-bank stride collapse"
  COMMAND ${MEMBENCH_CHECK} ${CMAKE_CURRENT_BINARY_DIR}/membench_default 90 ${NPUEMU} -c default ${FW}/membench.elf)
add_test(NAME "memory: membench on the test chip with HBM3: streaming is DMA-bound, latencies and stride as on HBM2e"
  COMMAND ${MEMBENCH_CHECK} ${CMAKE_CURRENT_BINARY_DIR}/membench_hbm3 5 ${NPUEMU} -c test --set hbm.preset=hbm3
          ${FW}/membench.elf)
add_test(NAME "memory: meshbench on the default chip: zero-load latency is routers x router latency + serialization, hot spot at the ejection link"
  COMMAND ${MESHBENCH_CHECK} ${CMAKE_CURRENT_BINARY_DIR}/meshbench_default 2 256 ${NPUEMU} -c default ${FW}/meshbench.elf)
# Test chip: 128-byte bursts with 16-byte headers on 64 B/cycle links: 3 cycles per 128 bytes into tile 0.
add_test(NAME "memory: meshbench on the test chip with one network, 16-byte headers and 3-cycle routers"
  COMMAND ${MESHBENCH_CHECK} ${CMAKE_CURRENT_BINARY_DIR}/meshbench_test 3 42.67 ${NPUEMU} -c test
          --set mesh.router_latency_cycles=3 ${FW}/meshbench.elf)
set_tests_properties("memory: membench on the default chip: streaming >= 90% of the HBM2e peak, row-miss and conflict latencies, one-bank stride collapse"
  PROPERTIES TIMEOUT 600)
add_test(NAME "memory: membench and meshbench runs are deterministic (console and stats byte for byte)"
  COMMAND sh -c "\"$0\" \"$1\" \"$2\" -c test \"$3\" && \"$0\" \"$1\"-mesh \"$2\" -c test \"$4\""
          ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_deterministic.sh ${CMAKE_CURRENT_BINARY_DIR}/determinism_memory
          ${NPUEMU} ${FW}/membench.elf ${FW}/meshbench.elf)

# Bad addresses: past the end of global memory is an access fault for a core (hart, pc, address), a DMA error for a
# queue.
npuemu_run_test("a load past the end of global memory is an access fault naming hart, pc and address" --exit 126
  --stderr-has "hart 0: unhandled load access fault (mcause 5) at pc 0x8" --stderr-has "mtval 0x84000000"
  -- ${NPUEMU} run -c test ${FW}/fault_past_memory.elf)
npuemu_run_test("a DMA copy past the end of global memory names tile, queue and addresses" --exit 126
  --stderr-has "tile 0 DMA queue: dma.copy" --stderr-has "from 0x83fffc00" --stderr-has "source unmapped"
  -- ${NPUEMU} run -c test ${FW}/npu_dma_past_memory.elf)

# The DMA's transposer: ragged blocks of 2- and 1-byte elements land transposed (checked element by element by the
# firmware), and the copies it must refuse name what is wrong.
npuemu_run_test("a transposing DMA copy lands every element of ragged blocks transposed" --exit 0
  --stdout-has "dma transpose: ok"
  -- ${NPUEMU} run -c test ${FW}/npu_dma_transpose.elf)
npuemu_run_test("a transposing DMA copy with the reserved element size is refused" --exit 126
  --stderr-has "dma.shape's transpose field is 3"
  -- ${NPUEMU} run -c test ${FW}/npu_dma_transpose_reserved.elf)
npuemu_run_test("a transposing DMA copy whose rows are not whole elements is refused" --exit 126
  --stderr-has "a transposing copy's row of 63 bytes is not a whole number of 2-byte elements"
  -- ${NPUEMU} run -c test ${FW}/npu_dma_transpose_ragged.elf)
npuemu_run_test("a transposing DMA copy into global memory is refused" --exit 126
  --stderr-has "a transposing copy's destination 0x82100000 is not this tile's scratchpad or accumulator"
  -- ${NPUEMU} run -c test ${FW}/npu_dma_transpose_global.elf)

# Bad memory configs: refused before the run, naming file, line and key.
npuemu_run_test("config: tRAS above tRC is refused" --exit 125
  --stderr-has "tras_above_trc.yaml:7:18: hbm.timing.tRAS_cycles: tRAS (90) must be less than tRC (78)"
  -- ${NPUEMU} run -c ${DATA}/memory/tras_above_trc.yaml ${FW}/hello.elf)
npuemu_run_test("config: address bits used by two fields are refused" --exit 125
  --stderr-has "overlapping_bits.yaml:12:11: hbm.address_mapping.bank: bit 10 is used by both channel and bank"
  -- ${NPUEMU} run -c ${DATA}/memory/overlapping_bits.yaml ${FW}/hello.elf)
npuemu_run_test("config: an unknown HBM preset lists the known ones" --exit 125
  --stderr-has "hbm.preset: no HBM preset 'hbm4'" --stderr-has "presets: hbm2e hbm3"
  -- ${NPUEMU} run -c test --set hbm.preset=hbm4 ${FW}/hello.elf)
string(REPEAT "x" 300 too_long_preset)  # longer than a file name may be
npuemu_run_test("config: an HBM preset name the file system refuses is the key's error, with the reason" --exit 125
  --stderr-has "hbm.preset: no HBM preset 'xxx" --stderr-has "(File name too long)"
  -- ${NPUEMU} run -c test --set hbm.preset=${too_long_preset} ${FW}/hello.elf)
npuemu_run_test("config: a global memory larger than the stacks is refused" --exit 125
  --stderr-has "global_memory.size_kib: 2097152 KiB is more than the 1 HBM stack(s) hold"
  -- ${NPUEMU} run -c test --set hbm.geometry.rows=1024 --set global_memory.size_kib=2097152 ${FW}/hello.elf)
npuemu_run_test("config: a mesh that does not hold the tiles is refused" --exit 125
  --stderr-has "mesh.cols: cols x rows (3 x 2) must equal chip.tiles (4)"
  -- ${NPUEMU} run -c test --set mesh.cols=3 --set mesh.rows=2 ${FW}/hello.elf)
npuemu_run_test("config: a mapping list that leaves a field short is refused" --exit 125
  --stderr-has "hbm.address_mapping: row still needs"
  -- ${NPUEMU} run -c test "--set=hbm.address_mapping=[column, channel, pseudo_channel, bank_group, bank]" ${FW}/hello.elf)
npuemu_run_test("config: a stack count that is not a power of two names hbm.stacks and the --set" --exit 125
  --stderr-has "--set hbm.stacks=3: hbm.stacks: stacks (3) must be a power of two"
  -- ${NPUEMU} run -c test --set hbm.stacks=3 ${FW}/hello.elf)
npuemu_run_test("config: a row smaller than one column command is a geometry error, not the mapping's" --exit 125
  --stderr-has "hbm.geometry.row_bytes: row_bytes (16) must be a multiple of the 32 bytes"
  -- ${NPUEMU} run -c test --set hbm.geometry.row_bytes=16 ${FW}/hello.elf)
npuemu_run_test("config: more banks than the controller models is refused with its key" --exit 125
  --stderr-has "hbm.geometry.banks_per_group: bank_groups x banks_per_group (128) must be at most 64"
  -- ${NPUEMU} run -c test --set hbm.geometry.banks_per_group=32 ${FW}/hello.elf)
npuemu_run_test("config: a mapping field count past 32 bits is refused, not truncated" --exit 125
  --stderr-has "'column:4294967299': column has only"
  -- ${NPUEMU} run -c test "--set=hbm.address_mapping=[column:4294967299, column, channel, pseudo_channel, stack, bank_group, bank, row]" ${FW}/hello.elf)
# No front-end lookahead: decisions are made a picosecond after their time, early write acks must not land in the
# mesh's past.
npuemu_run_test("memory: no front-end latency with early write acknowledgement runs conv2d to its self-check" --exit 0
  --stdout-has "conv2d self-check: passed"
  -- ${NPUEMU} run -c test --set hbm.controller.frontend_latency_cycles=0 ${FW}/conv2d.elf)
npuemu_run_test("config: global_memory.access_latency_cycles is gone, and says why" --exit 125
  --stderr-has "global_memory.access_latency_cycles: is no longer a setting"
  -- ${NPUEMU} run -c test --set global_memory.access_latency_cycles=20 ${FW}/hello.elf)
npuemu_run_test("info shows the HBM and the mesh" --exit 0
  --stdout-has "HBM (preset hbm2e):" --stdout-has "peak bandwidth:     1638.4 GB/s" --stdout-has "routers:            8 x 4"
  -- ${NPUEMU} info)
