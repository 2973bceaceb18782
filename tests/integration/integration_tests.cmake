# Integration tests: the real CLI boots the firmware images. Each test is one check_run.sh call.
set(NPUEMU $<TARGET_FILE:npuemu>)
set(FW ${CMAKE_BINARY_DIR}/firmware)
set(CHECK ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_run.sh)
set(DATA ${CMAKE_CURRENT_SOURCE_DIR}/data)

function(npuemu_run_test name)
  add_test(NAME "boot: ${name}" COMMAND ${CHECK} ${ARGN})
  set_tests_properties("boot: ${name}" PROPERTIES TIMEOUT 120)
endfunction()

# --- firmware boots and behaves ----------------------------------------------------------------------------------
npuemu_run_test("hello on the test chip" --exit 0
  --stdout-has "[hart 0] hello from hart 0 of 4" --stdout-has "[hart 3] hello from hart 3 of 4"
  --stdout-count "hello from hart" 4
  -- ${NPUEMU} run -c test ${FW}/hello.elf)
npuemu_run_test("hello on the default chip" --exit 0
  --stdout-has "[hart 31] hello from hart 31 of 32" --stdout-count "hello from hart" 32
  -- ${NPUEMU} run ${FW}/hello.elf)
npuemu_run_test("hello on one tile has no hart prefix" --exit 0
  --stdout-starts-with "hello from hart 0 of 1"
  -- ${NPUEMU} run -c test --set chip.tiles=1 ${FW}/hello.elf)
npuemu_run_test("interrupts on the test chip" --exit 0
  --stdout-count "all interrupt checks passed" 4 --stdout-lacks "FAILED"
  -- ${NPUEMU} run -c test ${FW}/interrupts.elf)
npuemu_run_test("interrupts on the default chip" --exit 0
  --stdout-count "all interrupt checks passed" 32 --stdout-lacks "FAILED"
  -- ${NPUEMU} run ${FW}/interrupts.elf)
add_executable(cpubench_reference integration/cpubench_reference.c ${PROJECT_SOURCE_DIR}/firmware/cpubench/cpubench_kernel.c)
target_include_directories(cpubench_reference PRIVATE ${PROJECT_SOURCE_DIR}/firmware/cpubench)
add_test(NAME "boot: cpubench checksum on every hart equals the host's"
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_cpubench.sh $<TARGET_FILE:cpubench_reference> 4
          ${NPUEMU} run -c test ${FW}/cpubench.elf)
npuemu_run_test("exit status is the first non-zero hart exit code" --exit 40
  --stdout-count "exits with" 4
  -- ${NPUEMU} run -c test ${FW}/exit_code.elf)
npuemu_run_test("summary reports cycles, instructions per hart and MIPS" --exit 0
  --stderr-has "cycles =" --stderr-has "h3=" --stderr-has "MIPS"
  -- ${NPUEMU} run -c test ${FW}/hello.elf)
npuemu_run_test("info prints the derived figures" --exit 0
  --stdout-has "32 control cores" --stdout-has "memory map"
  -- ${NPUEMU} info)

# --- HTIF: riscv-tests style binaries ---------------------------------------------------------------------------
npuemu_run_test("htif pass" --exit 0 -- ${NPUEMU} run -c test --htif ${FW}/htif_pass.elf)
npuemu_run_test("htif failure code" --exit 5 --stderr-has "tohost exit with code 5"
  -- ${NPUEMU} run -c test --htif ${FW}/htif_fail.elf)
npuemu_run_test("htif without a tohost symbol" --exit 125 --stderr-has "needs a 'tohost' symbol"
  -- ${NPUEMU} run -c test --htif ${FW}/hello.elf)

# --- firmware faults, limits, deadlocks --------------------------------------------------------------------------
npuemu_run_test("illegal instruction without a handler" --exit 126
  --stderr-has "hart 0: unhandled illegal instruction (mcause 2) at pc 0x8" --stderr-has "instruction 0x00000000"
  -- ${NPUEMU} run -c test ${FW}/fault_illegal.elf)
npuemu_run_test("access fault without a handler" --exit 126
  --stderr-has "unhandled load access fault (mcause 5)" --stderr-has "mtval 0x30000000"
  -- ${NPUEMU} run -c test ${FW}/fault_access.elf)
npuemu_run_test("max cycles stops a run that never ends" --exit 124
  --stderr-has "reached --max-cycles 50000"
  -- ${NPUEMU} run -c test --max-cycles 50000 ${FW}/spin_forever.elf)
npuemu_run_test("a hart asleep forever is a deadlock" --exit 127
  --stderr-has "deadlock: hart(s) 0"
  -- ${NPUEMU} run -c test ${FW}/sleep_forever.elf)

# --- bad input: a clear one-line error, exit 125, nothing simulated ---------------------------------------------
npuemu_run_test("missing image" --exit 125 --stderr-has "no-such.elf: cannot open the firmware image"
  -- ${NPUEMU} run -c test ${CMAKE_BINARY_DIR}/no-such.elf)
npuemu_run_test("image that is not an ELF" --exit 125 --stderr-has "not an ELF file"
  -- ${NPUEMU} run -c test ${DATA}/not_an_elf.bin)
npuemu_run_test("64-bit ELF" --exit 125 --stderr-has "64-bit ELF"
  -- ${NPUEMU} run -c test ${NPUEMU})
npuemu_run_test("segment outside memory" --exit 125
  --stderr-has "loadable segment 0 (0x30000000" --stderr-has "does not lie in the chip's memory"
  -- ${NPUEMU} run -c test ${FW}/outside_memory.elf)
npuemu_run_test("missing config" --exit 125 --stderr-has "no-such.yaml: cannot open the chip config"
  -- ${NPUEMU} run -c ${CMAKE_BINARY_DIR}/no-such.yaml ${FW}/hello.elf)
npuemu_run_test("unknown preset name" --exit 125 --stderr-has "no chip config named 'nosuch'"
  -- ${NPUEMU} run -c nosuch ${FW}/hello.elf)
npuemu_run_test("malformed YAML" --exit 125 --stderr-has "malformed.yaml:4:" --stderr-has "malformed YAML"
  -- ${NPUEMU} run -c ${DATA}/malformed.yaml ${FW}/hello.elf)
npuemu_run_test("unknown key" --exit 125 --stderr-has "unknown_key.yaml:3:3: chip.tilez: unknown key"
  -- ${NPUEMU} run -c ${DATA}/unknown_key.yaml ${FW}/hello.elf)
npuemu_run_test("wrong type" --exit 125
  --stderr-has "wrong_type.yaml:5:19: core.quantum_cycles: expected an integer from 1 to 10000000, got 'fast'"
  -- ${NPUEMU} run -c ${DATA}/wrong_type.yaml ${FW}/hello.elf)
npuemu_run_test("out of range" --exit 125
  --stderr-has "out_of_range.yaml:3:10: chip.tiles: expected an integer from 1 to 64, got 100"
  -- ${NPUEMU} run -c ${DATA}/out_of_range.yaml ${FW}/hello.elf)
npuemu_run_test("bad --set value" --exit 125
  --stderr-has "--set chip.tiles=many: chip.tiles: expected an integer"
  -- ${NPUEMU} run -c test --set chip.tiles=many ${FW}/hello.elf)
npuemu_run_test("unknown --set key" --exit 125 --stderr-has "--set chip.tilez=4: chip.tilez: unknown key"
  -- ${NPUEMU} run -c test --set chip.tilez=4 ${FW}/hello.elf)
npuemu_run_test("unwritable stats path" --exit 125 --stderr-has "cannot write the stats file"
  -- ${NPUEMU} run -c test --stats /nonexistent-dir/stats.json ${FW}/hello.elf)

# --- determinism ------------------------------------------------------------------------------------------------
add_test(NAME "boot: two runs give identical console and stats"
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_deterministic.sh ${CMAKE_CURRENT_BINARY_DIR}/determinism
          ${NPUEMU} -c test ${FW}/interrupts.elf)

# --- NPU ----------------------------------------------------------------------------------------------------------
add_test(NAME "npu: matmul latency observed by firmware is m + k + n - 1 plus a constant"
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_matmul_timing.sh ${NPUEMU} ${FW}/matmul_timing.elf)
npuemu_run_test("npu: an undefined custom instruction is illegal" --exit 126
  --stderr-has "unhandled illegal instruction (mcause 2)" --stderr-has "instruction 0xc600000b"
  -- ${NPUEMU} run -c test ${FW}/npu_illegal.elf)
npuemu_run_test("npu: a weight block larger than the array" --exit 126
  --stderr-has "tile 0 MATRIX queue: mx.load_weights (issued at pc 0x8" --stderr-has "17 x 16 does not fit the 16 x 16 array"
  -- ${NPUEMU} run -c test ${FW}/npu_shape_too_large.elf)
npuemu_run_test("npu: activations past the end of the scratchpad" --exit 126
  --stderr-has "tile 0 MATRIX queue: mx.matmul" --stderr-has "are not inside the scratchpad"
  -- ${NPUEMU} run -c test ${FW}/npu_scratchpad_overflow.elf)
npuemu_run_test("npu: a wait on a flag nobody signals is a reported deadlock" --exit 127
  --stderr-has "tile 0 MATRIX queue waits on flag 7" --stderr-has "tile 0 core waits on npu.fence"
  -- ${NPUEMU} run -c test ${FW}/npu_deadlock.elf)
npuemu_run_test("npu: gemm demo self-checks on the test chip" --exit 0
  --stdout-has "gemm self-check: passed"
  -- ${NPUEMU} run -c test ${FW}/gemm.elf)
npuemu_run_test("npu: --load of a missing file" --exit 125 --stderr-has "--load /nonexistent.bin@0x81000000: cannot open the file"
  -- ${NPUEMU} run -c test --load /nonexistent.bin@0x81000000 ${FW}/gemm.elf)
npuemu_run_test("npu: --dump outside memory" --exit 125 --stderr-has "the region does not lie in the chip's memory"
  -- ${NPUEMU} run -c test --dump 0x30000000:16:${CMAKE_CURRENT_BINARY_DIR}/nowhere.bin ${FW}/hello.elf)
npuemu_run_test("npu: malformed --load" --exit 125 --stderr-has "expected FILE@ADDRESS"
  -- ${NPUEMU} run -c test --load nofile ${FW}/hello.elf)

# GEMM results bit for bit against the host reference: ragged shapes, fixed seeds, both types.
set(GEMM_CHECK $<TARGET_FILE:gemm_check> --npuemu ${NPUEMU} --image ${FW}/gemm.elf)
foreach(shape "1 1 1" "16 16 16" "100 70 50" "37 90 129" "300 200 150" "17 300 33")
  separate_arguments(dims UNIX_COMMAND "${shape}")
  list(GET dims 0 M)
  list(GET dims 1 N)
  list(GET dims 2 K)
  foreach(dtype int8 bf16)
    set(work ${CMAKE_CURRENT_BINARY_DIR}/gemm_${dtype}_${M}x${N}x${K})
    file(MAKE_DIRECTORY ${work})
    add_test(NAME "npu: gemm ${dtype} ${M}x${N}x${K} equals the host reference"
      COMMAND ${GEMM_CHECK} --config test --array-rows 16 --dtype ${dtype} --m ${M} --n ${N} --k ${K} --seed ${M}
              --workdir ${work})
  endforeach()
endforeach()
file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/gemm_large ${CMAKE_CURRENT_BINARY_DIR}/gemv)
add_test(NAME "npu: large gemm on the default chip is compute-bound (>= 90% MAC utilisation)"
  COMMAND ${GEMM_CHECK} --config default --array-rows 64 --m 2048 --n 2048 --k 2048 --min-utilization 90
          --workdir ${CMAKE_CURRENT_BINARY_DIR}/gemm_large)
add_test(NAME "npu: gemv on the default chip is memory-bound (MAC utilisation < 5%, DMA >= 40 of 64 B per cycle per tile)"
  COMMAND ${GEMM_CHECK} --config default --array-rows 64 --m 1 --n 4096 --k 4096 --max-utilization 5
          --min-dma-bytes-per-cycle-per-tile 40 --workdir ${CMAKE_CURRENT_BINARY_DIR}/gemv)
set_tests_properties("npu: large gemm on the default chip is compute-bound (>= 90% MAC utilisation)" PROPERTIES TIMEOUT 600)

# Transformer encoder layer (BF16) bit for bit against the host reference, on small shapes (ragged, odd heads).
foreach(case "16 64 4 128 1" "37 96 3 200 5" "8 80 5 48 3")
  separate_arguments(p UNIX_COMMAND "${case}")
  list(GET p 0 SEQ)
  list(GET p 1 DM)
  list(GET p 2 HEADS)
  list(GET p 3 DFF)
  list(GET p 4 SEED)
  set(work ${CMAKE_CURRENT_BINARY_DIR}/transformer_${SEQ}_${DM}_${HEADS}_${DFF})
  file(MAKE_DIRECTORY ${work})
  add_test(NAME "npu: transformer layer seq ${SEQ} d_model ${DM} heads ${HEADS} d_ff ${DFF} equals the host reference"
    COMMAND $<TARGET_FILE:transformer_check> --npuemu ${NPUEMU} --image ${FW}/transformer_block.elf --config test
            --array-rows 16 --seq ${SEQ} --d-model ${DM} --heads ${HEADS} --d-ff ${DFF} --seed ${SEED} --workdir ${work})
endforeach()
set(work ${CMAKE_CURRENT_BINARY_DIR}/transformer_default)
file(MAKE_DIRECTORY ${work})
add_test(NAME "npu: transformer layer on the default chip equals the host reference"
  COMMAND $<TARGET_FILE:transformer_check> --npuemu ${NPUEMU} --image ${FW}/transformer_block.elf --config default
          --array-rows 64 --seq 64 --d-model 256 --heads 4 --d-ff 512 --seed 9 --workdir ${work})
npuemu_run_test("npu: BERT-base layer runs on the default chip" --exit 0
  --stdout-has "transformer_block seq 128 d_model 768 heads 12 d_ff 3072 on 32 tiles"
  -- ${NPUEMU} run ${FW}/transformer_block.elf)

# --- traces -------------------------------------------------------------------------------------------------------
add_test(NAME "trace: VCD, FST and Perfetto of a GEMM agree with each other and with the stats"
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_traces.sh ${CMAKE_CURRENT_BINARY_DIR}/traces_gemm
          $<TARGET_FILE:trace_check> ${NPUEMU} -c test ${FW}/gemm.elf)
add_test(NAME "trace: VCD, FST and Perfetto of a transformer layer agree with each other and with the stats"
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_traces.sh ${CMAKE_CURRENT_BINARY_DIR}/traces_transformer
          $<TARGET_FILE:trace_check> ${NPUEMU} -c test --set chip.tiles=2 ${FW}/transformer_block.elf)
npuemu_run_test("trace: unknown extension" --exit 125 --stderr-has "unknown trace format '.txt'"
  -- ${NPUEMU} run -c test --trace ${CMAKE_CURRENT_BINARY_DIR}/trace.txt ${FW}/hello.elf)
npuemu_run_test("trace: unwritable path" --exit 125 --stderr-has "cannot write the trace file"
  -- ${NPUEMU} run -c test --trace /nonexistent-dir/trace.vcd ${FW}/hello.elf)
npuemu_run_test("trace: a filter that matches nothing" --exit 125 --stderr-has "--trace-filter 'nosuch*' matches none"
  -- ${NPUEMU} run -c test --trace ${CMAKE_CURRENT_BINARY_DIR}/filtered.vcd --trace-filter "nosuch*" ${FW}/hello.elf)
npuemu_run_test("trace: a malformed window" --exit 125 --stderr-has "--trace-window 5us: expected T0:T1"
  -- ${NPUEMU} run -c test --trace ${CMAKE_CURRENT_BINARY_DIR}/window.vcd --trace-window 5us ${FW}/hello.elf)
add_test(NAME "trace: filter and window restrict what is recorded"
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_trace_filter.sh ${CMAKE_CURRENT_BINARY_DIR}/traces_filter
          ${NPUEMU} ${FW}/gemm.elf)
include(${CMAKE_CURRENT_SOURCE_DIR}/integration/sweep_tests.cmake)
