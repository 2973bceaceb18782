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
target_include_directories(cpubench_reference PRIVATE ${PROJECT_SOURCE_DIR}/firmware/cpubench ${PROJECT_SOURCE_DIR}/sdk/include)
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
# A stored transposed (k x m, a weight gradient's X^T), through the DMA's transposer; with B transposed too.
foreach(case "100 70 50 int8 0" "37 90 129 bf16 0" "300 200 150 bf16 0" "17 300 33 int8 0" "45 33 70 bf16 1")
  separate_arguments(p UNIX_COMMAND "${case}")
  list(GET p 0 M)
  list(GET p 1 N)
  list(GET p 2 K)
  list(GET p 3 DTYPE)
  list(GET p 4 BT)
  set(work ${CMAKE_CURRENT_BINARY_DIR}/gemm_at_${DTYPE}_${M}x${N}x${K}_${BT})
  file(MAKE_DIRECTORY ${work})
  add_test(NAME "npu: gemm ${DTYPE} ${M}x${N}x${K} with A transposed (B transposed: ${BT}) equals the host reference"
    COMMAND ${GEMM_CHECK} --config test --array-rows 16 --dtype ${DTYPE} --m ${M} --n ${N} --k ${K} --seed ${K}
            --a-transposed 1 --b-transposed ${BT} --workdir ${work})
endforeach()
# The backward pass's row operations and column sums (npu_rows_backward, npu_column_sums; firmware/backward_ops) bit for
# bit against tests/harness/reference_backward.h: ragged rows over the 4 tiles, rows wider than the array.
foreach(case "gelu 37 50 0" "gelu 9 300 1" "softmax 37 50 0" "softmax 5 129 1" "layernorm 37 50 0"
             "layernorm 70 48 1" "colsum 37 50 0" "colsum 3 70 0" "colsum 200 33 0")
  separate_arguments(p UNIX_COMMAND "${case}")
  list(GET p 0 OP)
  list(GET p 1 ROWS)
  list(GET p 2 COLS)
  list(GET p 3 RES)
  set(work ${CMAKE_CURRENT_BINARY_DIR}/backward_${OP}_${ROWS}x${COLS}_${RES})
  file(MAKE_DIRECTORY ${work})
  add_test(NAME "npu: backward ${OP} ${ROWS}x${COLS} (residual ${RES}) equals the host reference"
    COMMAND $<TARGET_FILE:backward_check> --npuemu ${NPUEMU} --image ${FW}/backward_ops.elf --config test --tiles 4
            --op ${OP} --rows ${ROWS} --cols ${COLS} --residual ${RES} --seed ${ROWS} --workdir ${work})
endforeach()
# Causal attention backward (npu_attention_backward) bit for bit: ragged lengths, one to four heads, d_head below and
# above the test chip's 16 array rows, several 64-key blocks (dq's sums), grouped-query heads (4 on 2 KV heads).
foreach(case "37 2 2 16" "70 3 3 24" "5 1 1 16" "150 4 2 24")
  separate_arguments(p UNIX_COMMAND "${case}")
  list(GET p 0 SEQ)
  list(GET p 1 HEADS)
  list(GET p 2 KV)
  list(GET p 3 DH)
  set(work ${CMAKE_CURRENT_BINARY_DIR}/backward_attention_${SEQ}_${HEADS}_${KV}_${DH})
  file(MAKE_DIRECTORY ${work})
  add_test(NAME "npu: causal attention backward, seq ${SEQ}, ${HEADS} heads (${KV} KV heads) of ${DH}, equals the host reference"
    COMMAND $<TARGET_FILE:backward_check> --npuemu ${NPUEMU} --image ${FW}/backward_ops.elf --config test --tiles 4
            --array-rows 16 --array-cols 16 --op attention --rows ${SEQ} --heads ${HEADS} --kv-heads ${KV}
            --d-head ${DH} --seed ${SEQ} --workdir ${work})
endforeach()
npuemu_run_test("npu: backward_ops without a job block names the version and size it expects" --exit 2
  --stdout-has "backward_ops: no job of version 2 (92 bytes) at 0x81000000 (magic 0x0, version 0, 0 bytes)"
  -- ${NPUEMU} run -c test ${FW}/backward_ops.elf)
# firmware/layer_ops (npuemu profile's row passes and attention backward, docs/profile.md) without its job block.
npuemu_run_test("npu: layer_ops without a job block names the version and size it expects" --exit 2
  --stdout-has "layer_ops: no job of version 2 (200 bytes) at 0x81000000 (magic 0x0, version 0, 0 bytes, op 0)"
  -- ${NPUEMU} run -c test ${FW}/layer_ops.elf)
# A job file written before the kernel and b_transposed fields (36 bytes) still runs npu_gemm.
file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/gemm_legacy_job)
add_test(NAME "npu: a 36-byte gemm job file from before the kernel field still runs the GEMM"
  COMMAND ${GEMM_CHECK} --config test --array-rows 16 --dtype bf16 --m 37 --n 90 --k 129 --legacy-job 1
          --workdir ${CMAKE_CURRENT_BINARY_DIR}/gemm_legacy_job)
file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/gemm_large ${CMAKE_CURRENT_BINARY_DIR}/gemv)
# The roofline through the mesh and HBM: the large GEMM sits on the compute roof (the last block's results going
# out after the last matmul cost ~6%, the pipeline's fill ~1%), the GEMV on the memory roof (HBM: 51 B/cycle per tile).
add_test(NAME "npu: large gemm on the default chip is compute-bound (>= 85% MAC utilisation)"
  COMMAND ${GEMM_CHECK} --config default --array-rows 64 --m 2048 --n 2048 --k 2048 --min-utilization 85
          --workdir ${CMAKE_CURRENT_BINARY_DIR}/gemm_large)
add_test(NAME "npu: gemv on the default chip is memory-bound (MAC utilisation < 5%, DMA >= 30 B per cycle per tile)"
  COMMAND ${GEMM_CHECK} --config default --array-rows 64 --m 1 --n 4096 --k 4096 --max-utilization 5
          --min-dma-bytes-per-cycle-per-tile 30 --workdir ${CMAKE_CURRENT_BINARY_DIR}/gemv)
set_tests_properties("npu: large gemm on the default chip is compute-bound (>= 85% MAC utilisation)" PROPERTIES TIMEOUT 600)

# Decode attention (npu_decode_attention, firmware/decode) bit for bit against decode_attention_check's host reference:
# grouped and plain heads, d_head above and below the array's rows, ctx ragged against the stages, several units per
# tile (Q double-buffered, loads held back until the unit two before has its scores), one unit on a few tiles; with
# fewer units than tiles, a unit's positions split over 2, 3 (one tile idle) or 4 tiles and combined.
set(DECODE_CHECK $<TARGET_FILE:decode_attention_check> --npuemu ${NPUEMU} --image ${FW}/decode.elf)
npuemu_run_test("npu: decode without a job block says how to give it one" --exit 2
  --stdout-has "decode: no job at 0x81000000"
  -- ${NPUEMU} run -c test ${FW}/decode.elf)
foreach(case "2 4 2 32 100" "1 3 3 16 16" "3 8 2 40 300" "4 8 4 16 70" "8 4 4 16 10" "2 32 2 24 257" "5 2 1 64 33"
             "3 6 3 32 1000" "1 4 2 32 100" "1 3 1 40 300" "1 16 1 24 50" "1 2 1 16 40")
  string(REPLACE " " ";" p "${case}")
  list(POP_FRONT p B H KV DH CTX)
  set(work ${CMAKE_CURRENT_BINARY_DIR}/decode_attention_${B}_${H}_${KV}_${DH}_${CTX})
  file(MAKE_DIRECTORY ${work})
  add_test(NAME "npu: decode attention batch ${B}, ${H} heads (${KV} KV), d_head ${DH}, ctx ${CTX} equals the host reference"
    COMMAND ${DECODE_CHECK} --config test --array-rows 16 --batch ${B} --heads ${H} --kv-heads ${KV} --d-head ${DH}
            --ctx ${CTX} --seed ${CTX} --workdir ${work})
endforeach()
# The AdamW step (npu_adamw, firmware/optimizer) bit for bit against adamw_check's host reference: ragged counts
# (a share that is not a multiple of the chunk, tiles with nothing to do), BF16 and FP32 gradients, with and without
# the BF16 weight copy, a late step (bias correction near 1).
foreach(case "5000 bf16 1 7" "1 bf16 1 1" "130 fp32 0 2" "9001 fp32 1 1000" "20000 bf16 1 123456")
  separate_arguments(p UNIX_COMMAND "${case}")
  list(POP_FRONT p COUNT GRAD W16 STEP)
  set(work ${CMAKE_CURRENT_BINARY_DIR}/adamw_${COUNT}_${GRAD}_${W16}_${STEP})
  file(MAKE_DIRECTORY ${work})
  add_test(NAME "npu: adamw ${COUNT} parameters, ${GRAD} gradients, bf16 copy ${W16}, step ${STEP} on the test chip equals the host reference"
    COMMAND $<TARGET_FILE:adamw_check> --npuemu ${NPUEMU} --image ${FW}/optimizer.elf --config test --count ${COUNT}
            --grad-dtype ${GRAD} --w-bf16 ${W16} --step ${STEP} --seed ${COUNT} --workdir ${work})
endforeach()
foreach(case "version|--job-version 9|optimizer job version 9, this firmware reads version 1"
             "size|--job-bytes 40|optimizer job field 'bytes' is 40, this firmware's job block \\(version 1\\) is 64 bytes"
             "step|--step 0|optimizer job field 'step' is 0"
             "address|--count 5000 --w-bf16-address 4227858432|optimizer job field 'w_bf16': 10000 bytes at 0xfc000000 are outside global memory")
  string(REPLACE "|" ";" parts "${case}")
  list(GET parts 0 what)
  list(GET parts 1 arguments)
  list(GET parts 2 expected)
  separate_arguments(arguments UNIX_COMMAND "${arguments}")
  set(work ${CMAKE_CURRENT_BINARY_DIR}/adamw_bad_${what})
  string(REPLACE " " "_" work "${work}")
  file(MAKE_DIRECTORY ${work})
  add_test(NAME "npu: an optimizer job block with a bad ${what} is refused, naming the field"
    COMMAND $<TARGET_FILE:adamw_check> --npuemu ${NPUEMU} --image ${FW}/optimizer.elf ${arguments} --workdir ${work})
  set_tests_properties("npu: an optimizer job block with a bad ${what} is refused, naming the field" PROPERTIES
    PASS_REGULAR_EXPRESSION "${expected}.*FAIL: npuemu failed \\(status")
endforeach()
# Llama-3 8B-like, 4K context, batch 4 (one (batch, KV head) unit per tile): the caches stream at >= 90% of the HBM
# peak (measured 94.2%); batch 1 (8 units, each split over 4 tiles): >= 78% (measured 81.3%).
file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/decode_attention_default)
add_test(NAME "npu: decode attention over a 4K KV cache on the default chip reads HBM at >= 90% of its peak"
  COMMAND ${DECODE_CHECK} --config default --array-rows 64 --batch 4 --heads 32 --kv-heads 8 --d-head 128 --ctx 4096
          --min-hbm-percent 90 --workdir ${CMAKE_CURRENT_BINARY_DIR}/decode_attention_default)
file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/decode_attention_batch1)
add_test(NAME "npu: decode attention at batch 1 splits the 4K cache over the tiles and reads HBM at >= 78% of its peak"
  COMMAND ${DECODE_CHECK} --config default --array-rows 64 --batch 1 --heads 32 --kv-heads 8 --d-head 128 --ctx 4096
          --min-hbm-percent 78 --workdir ${CMAKE_CURRENT_BINARY_DIR}/decode_attention_batch1)

# The decode GEMV (npu_gemv, through firmware/gemm's kernel field) bit for bit against the same host reference: ragged
# shapes, W row-major and transposed; 16 x 4500 x 40 runs a hart's columns in three sub-blocks (the test chip's 64 KiB
# accumulator), 2 x 40 x 5000 goes round the stage ring many times, 20 rows is more than the array's 16 and falls
# back to npu_gemm. BF16 with x of 32 KiB or more shares x between the tiles (each reads a slice, copies the others'):
# 16 x 40 x 2100 leaves one tile without columns (it still serves its slice), 16 x 4500 x 2100 adds sub-blocks.
foreach(case "1 70 50 int8 0" "16 100 129 bf16 0" "2 40 5000 bf16 0" "5 37 200 int8 1" "16 4500 40 int8 0"
             "3 300 1000 bf16 1" "16 1500 700 bf16 1" "7 33 17 int8 0" "20 40 30 bf16 0" "16 40 2100 bf16 0"
             "9 200 3000 bf16 1" "16 4500 2100 bf16 0")
  separate_arguments(p UNIX_COMMAND "${case}")
  list(GET p 0 M)
  list(GET p 1 N)
  list(GET p 2 K)
  list(GET p 3 DTYPE)
  list(GET p 4 TRANSPOSED)
  set(work ${CMAKE_CURRENT_BINARY_DIR}/gemv_${DTYPE}_${M}x${N}x${K}_t${TRANSPOSED})
  file(MAKE_DIRECTORY ${work})
  add_test(NAME "npu: gemv ${DTYPE} ${M}x${N}x${K} (W transposed: ${TRANSPOSED}) equals the host reference"
    COMMAND ${GEMM_CHECK} --config test --array-rows 16 --kernel gemv --dtype ${DTYPE} --m ${M} --n ${N} --k ${K}
            --b-transposed ${TRANSPOSED} --seed ${N} --workdir ${work})
endforeach()
# Decode on the default chip streams the weights at the HBM's rate (hbm.read_bytes over the kernel's cycles; measured
# 83.3% for INT8 batch 1, whose array takes 64 B/cycle against the 51 B/cycle per tile the HBM gives, and 89.9% for
# BF16 batch 16, whose tiles share x).
file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/decode_int8 ${CMAKE_CURRENT_BINARY_DIR}/decode_bf16)
add_test(NAME "npu: decode gemv 1x4096x4096 int8 on the default chip reads HBM at >= 80% of its peak"
  COMMAND ${GEMM_CHECK} --config default --array-rows 64 --kernel gemv --m 1 --n 4096 --k 4096 --dtype int8
          --min-hbm-percent 80 --workdir ${CMAKE_CURRENT_BINARY_DIR}/decode_int8)
add_test(NAME "npu: decode gemv 16x4096x4096 bf16 on the default chip reads HBM at >= 85% of its peak"
  COMMAND ${GEMM_CHECK} --config default --array-rows 64 --kernel gemv --m 16 --n 4096 --k 4096 --dtype bf16
          --min-hbm-percent 85 --workdir ${CMAKE_CURRENT_BINARY_DIR}/decode_bf16)

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
# FFN2 with its k split over groups of tiles (2, 3 and 4 splits, ragged k ranges): partial products added in order.
foreach(case "37 96 3 200 5 3" "16 64 4 128 1 4" "8 80 5 48 3 2")
  separate_arguments(p UNIX_COMMAND "${case}")
  list(GET p 0 SEQ)
  list(GET p 1 DM)
  list(GET p 2 HEADS)
  list(GET p 3 DFF)
  list(GET p 4 SEED)
  list(GET p 5 SPLITS)
  set(work ${CMAKE_CURRENT_BINARY_DIR}/transformer_${SEQ}_${DM}_${HEADS}_${DFF}_split${SPLITS})
  file(MAKE_DIRECTORY ${work})
  add_test(NAME "npu: transformer layer seq ${SEQ} d_ff ${DFF} with FFN2's k in ${SPLITS} splits equals the host reference"
    COMMAND $<TARGET_FILE:transformer_check> --npuemu ${NPUEMU} --image ${FW}/transformer_block.elf --config test
            --array-rows 16 --seq ${SEQ} --d-model ${DM} --heads ${HEADS} --d-ff ${DFF} --seed ${SEED}
            --ffn2-splits ${SPLITS} --workdir ${work})
endforeach()
# Fewer rows than tiles (seq 3 on 4 tiles: a tile with no rows): Wo's and FFN2's rows land in the tiles that
# normalise them and the layernorms wait for their doorbells, not a barrier (the run fails if the layer fell back to
# global memory).
set(work ${CMAKE_CURRENT_BINARY_DIR}/transformer_3_80_5_48_landed)
file(MAKE_DIRECTORY ${work})
add_test(NAME "npu: transformer layer with fewer rows than tiles (seq 3), layernorm rows landed on chip, equals the host reference"
  COMMAND $<TARGET_FILE:transformer_check> --npuemu ${NPUEMU} --image ${FW}/transformer_block.elf --config test
          --array-rows 16 --seq 3 --d-model 80 --heads 5 --d-ff 48 --seed 4 --ffn2-splits 2 --workdir ${work})
set_tests_properties("npu: transformer layer with fewer rows than tiles (seq 3), layernorm rows landed on chip, equals the host reference"
  PROPERTIES FAIL_REGULAR_EXPRESSION "from global memory after a barrier")
# Attention with an online softmax over key blocks (npu_flash_attention): causal and not, grouped-query heads, ragged
# d_head and sequences of several key blocks, bit for bit against the host reference.
foreach(case "40 4 2 16 1 test 16" "100 3 3 24 0 test 16" "150 2 1 40 1 test 16" "300 4 2 128 1 default 64")
  separate_arguments(p UNIX_COMMAND "${case}")
  list(GET p 0 SEQ)
  list(GET p 1 HEADS)
  list(GET p 2 KV)
  list(GET p 3 DH)
  list(GET p 4 CAUSAL)
  list(GET p 5 CHIP)
  list(GET p 6 ARRAY)
  set(work ${CMAKE_CURRENT_BINARY_DIR}/attention_${SEQ}_${HEADS}_${KV}_${DH}_${CAUSAL}_${CHIP})
  file(MAKE_DIRECTORY ${work})
  add_test(NAME "npu: attention seq ${SEQ} heads ${HEADS} kv_heads ${KV} d_head ${DH} causal ${CAUSAL} on the ${CHIP} chip equals the host reference"
    COMMAND $<TARGET_FILE:attention_check> --npuemu ${NPUEMU} --image ${FW}/attention.elf --config ${CHIP}
            --array-rows ${ARRAY} --array-cols ${ARRAY} --seq ${SEQ} --heads ${HEADS} --kv-heads ${KV} --d-head ${DH}
            --causal ${CAUSAL} --workdir ${work})
endforeach()
# A GPT-style decoder layer (pre-layernorm, causal flash attention, GELU MLP): multi-head and grouped-query, a
# sequence over several key blocks, ragged sizes; and a job block of another version is refused.
foreach(case "40 48 3 1 16 72 1 test 16 0" "100 80 4 4 24 136 3 test 16 0" "300 256 4 2 64 512 4 default 64 0"
             "70 64 4 2 16 88 5 test 16 1" "260 256 8 2 32 384 6 default 64 1")
  separate_arguments(p UNIX_COMMAND "${case}")
  list(GET p 0 SEQ)
  list(GET p 1 DM)
  list(GET p 2 HEADS)
  list(GET p 3 KV)
  list(GET p 4 DH)
  list(GET p 5 DFF)
  list(GET p 6 SEED)
  list(GET p 7 CHIP)
  list(GET p 8 ARRAY)
  list(GET p 9 LLAMA)  # 1: RMS norm, SwiGLU and rotary embeddings (Llama), 0: layernorm and GELU (GPT)
  set(style gpt)
  if(LLAMA)
    set(style llama)
  endif()
  set(work ${CMAKE_CURRENT_BINARY_DIR}/decoder_${SEQ}_${DM}_${HEADS}_${KV}_${CHIP}_${style})
  file(MAKE_DIRECTORY ${work})
  add_test(NAME "npu: ${style}-style decoder layer seq ${SEQ} d_model ${DM} heads ${HEADS} kv_heads ${KV} d_ff ${DFF} on the ${CHIP} chip equals the host reference"
    COMMAND $<TARGET_FILE:decoder_check> --npuemu ${NPUEMU} --image ${FW}/decoder_layer.elf --config ${CHIP}
            --array-rows ${ARRAY} --array-cols ${ARRAY} --seq ${SEQ} --d-model ${DM} --heads ${HEADS} --kv-heads ${KV}
            --d-head ${DH} --d-ff ${DFF} --seed ${SEED} --rmsnorm ${LLAMA} --swiglu ${LLAMA} --rotary ${LLAMA}
            --workdir ${work})
endforeach()
# The layer tensor-parallel over a system of test chips (Megatron's split; the row-parallel outputs all-reduced in
# BF16 by the SDK's ring between the chips): GPT-style on 4 chips, Llama-style (GQA, rotary) on 2.
foreach(case "4 40 64 4 4 16 96 7 0" "2 36 64 4 2 16 80 8 1")
  separate_arguments(p UNIX_COMMAND "${case}")
  list(GET p 0 TP)
  list(GET p 1 SEQ)
  list(GET p 2 DM)
  list(GET p 3 HEADS)
  list(GET p 4 KV)
  list(GET p 5 DH)
  list(GET p 6 DFF)
  list(GET p 7 SEED)
  list(GET p 8 LLAMA)
  set(work ${CMAKE_CURRENT_BINARY_DIR}/decoder_tp${TP}_${SEQ}_${DM})
  file(MAKE_DIRECTORY ${work})
  add_test(NAME "npu: decoder layer tensor-parallel on ${TP} test chips (seq ${SEQ} d_model ${DM} heads ${HEADS} kv_heads ${KV}, llama ${LLAMA}) equals the host reference on every chip"
    COMMAND $<TARGET_FILE:decoder_check> --npuemu ${NPUEMU} --image ${FW}/decoder_layer.elf --config test --tp ${TP}
            --tiles 4 --seq ${SEQ} --d-model ${DM} --heads ${HEADS} --kv-heads ${KV} --d-head ${DH} --d-ff ${DFF}
            --seed ${SEED} --rmsnorm ${LLAMA} --swiglu ${LLAMA} --rotary ${LLAMA} --workdir ${work})
endforeach()
file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/decoder_bad_version)
add_test(NAME "npu: a decoder job block of another version is refused, naming both versions"
  COMMAND $<TARGET_FILE:decoder_check> --npuemu ${NPUEMU} --image ${FW}/decoder_layer.elf --job-version 7
          --workdir ${CMAKE_CURRENT_BINARY_DIR}/decoder_bad_version)
set_tests_properties("npu: a decoder job block of another version is refused, naming both versions" PROPERTIES
  PASS_REGULAR_EXPRESSION "decoder job version 7, this firmware reads version 4.*FAIL: npuemu failed \\(status")
# A decoder layer's training step (npu_decoder_train: forward, then backward): the output and all gradients (13;
# 11 Llama-style: RMS norm has no betas) bit for bit against the host reference, on ragged shapes (d_head and
# d_model not multiples of the 16-wide array, sequences not multiples of the attention's blocks, a sequence shorter
# than the tiles: one hart without rows). GPT-style (layernorm, GELU) and Llama-style (RMS norm, SwiGLU, rotary).
foreach(case "37 40 2 24 56 3 0" "70 64 2 32 100 5 0" "5 20 1 20 30 2 0" "29 40 2 16 44 7 1" "6 32 1 20 24 8 1")
  separate_arguments(p UNIX_COMMAND "${case}")
  list(GET p 0 SEQ)
  list(GET p 1 DM)
  list(GET p 2 HEADS)
  list(GET p 3 DH)
  list(GET p 4 DFF)
  list(GET p 5 SEED)
  list(GET p 6 LLAMA)
  set(style "")
  if(LLAMA)
    set(style "Llama-style ")
  endif()
  set(work ${CMAKE_CURRENT_BINARY_DIR}/decoder_train_${SEQ}_${DM}_${HEADS}_${DH}_${LLAMA})
  file(MAKE_DIRECTORY ${work})
  add_test(NAME "npu: ${style}decoder layer training step seq ${SEQ} d_model ${DM} heads ${HEADS} d_head ${DH} d_ff ${DFF}: output and gradients equal the host reference"
    COMMAND $<TARGET_FILE:decoder_train_check> --npuemu ${NPUEMU} --image ${FW}/decoder_train.elf --config test --tiles 4
            --array-rows 16 --array-cols 16 --seq ${SEQ} --d-model ${DM} --heads ${HEADS} --d-head ${DH} --d-ff ${DFF}
            --rmsnorm ${LLAMA} --swiglu ${LLAMA} --rotary ${LLAMA} --seed ${SEED} --workdir ${work})
endforeach()
# Grouped-query heads (4 query heads on 2 KV heads): the attention backward sums dK and dV over each group.
set(work ${CMAKE_CURRENT_BINARY_DIR}/decoder_train_gqa)
file(MAKE_DIRECTORY ${work})
add_test(NAME "npu: decoder layer training step with grouped-query heads (4 on 2): output and gradients equal the host reference"
  COMMAND $<TARGET_FILE:decoder_train_check> --npuemu ${NPUEMU} --image ${FW}/decoder_train.elf --config test --tiles 4
          --array-rows 16 --array-cols 16 --seq 70 --d-model 48 --heads 4 --kv-heads 2 --d-head 16 --d-ff 40 --seed 9
          --workdir ${work})
set(work ${CMAKE_CURRENT_BINARY_DIR}/decoder_train_gqa_llama)
file(MAKE_DIRECTORY ${work})
add_test(NAME "npu: Llama-style decoder layer training step with grouped-query heads (4 on 2): output and gradients equal the host reference"
  COMMAND $<TARGET_FILE:decoder_train_check> --npuemu ${NPUEMU} --image ${FW}/decoder_train.elf --config test --tiles 4
          --array-rows 16 --array-cols 16 --seq 33 --d-model 40 --heads 4 --kv-heads 2 --d-head 16 --d-ff 44 --seed 7
          --rmsnorm 1 --swiglu 1 --rotary 1 --workdir ${work})
# Bad jobs: another version, another size; each refused naming what it read and what it expects.
foreach(case "version;of another version;--job-version 7;decoder_train job version 7 of 184 bytes, this firmware reads version 2 of 184 bytes"
             "size;of another size;--job-bytes 100;decoder_train job version 2 of 100 bytes, this firmware reads version 2 of 184 bytes")
  list(GET case 0 WHAT)
  list(GET case 1 PHRASE)
  list(GET case 2 OPTION)
  list(GET case 3 MESSAGE)
  separate_arguments(OPTION UNIX_COMMAND "${OPTION}")
  set(work ${CMAKE_CURRENT_BINARY_DIR}/decoder_train_bad_${WHAT})
  file(MAKE_DIRECTORY ${work})
  add_test(NAME "npu: a decoder_train job ${PHRASE} is refused, saying why"
    COMMAND $<TARGET_FILE:decoder_train_check> --npuemu ${NPUEMU} --image ${FW}/decoder_train.elf --config test
            --seq 8 --d-model 16 --heads 1 --d-head 16 --d-ff 16 --rmsnorm 1 --swiglu 1 --rotary 1 ${OPTION}
            --workdir ${work})
  set_tests_properties("npu: a decoder_train job ${PHRASE} is refused, saying why" PROPERTIES
    PASS_REGULAR_EXPRESSION "${MESSAGE}.*FAIL: npuemu failed \\(status")
endforeach()
# The demo layer (a GPT-3 rank's, ~1.9 GiB) on the test chip's 64 MiB: refused, saying why. (With the test chip's
# 64-key attention blocks its dq terms take ~200 MB more than on the default chip: past the 32-bit addresses.)
npuemu_run_test("npu: decoder_train refuses a layer that does not fit global memory" --exit 4
  --stdout-has "decoder_train: the scratch ends past the 32-bit address space, past global memory's 64 MiB"
  -- ${NPUEMU} run -c test ${FW}/decoder_train.elf)
# A head whose K and V do not fit the test chip's scratchpad: attention through global memory, a head per hart.
set(work ${CMAKE_CURRENT_BINARY_DIR}/transformer_unfused)
file(MAKE_DIRECTORY ${work})
add_test(NAME "npu: transformer layer with attention through global memory (seq 520, d_head 128) equals the host reference"
  COMMAND $<TARGET_FILE:transformer_check> --npuemu ${NPUEMU} --image ${FW}/transformer_block.elf --config test
          --array-rows 16 --seq 520 --d-model 256 --heads 2 --d-ff 32 --seed 4 --workdir ${work})
set_tests_properties("npu: transformer layer with attention through global memory (seq 520, d_head 128) equals the host reference"
  PROPERTIES PASS_REGULAR_EXPRESSION "attention through global memory.*all 133120 outputs equal the host reference")
# Two heads' K and V do not fit the test chip's scratchpad at once (d_head 128, seq 240): one K/V slot, so a hart whose
# rows cross into the next head finishes the head's P V before it loads the next K and V.
set(work ${CMAKE_CURRENT_BINARY_DIR}/transformer_one_slot)
file(MAKE_DIRECTORY ${work})
add_test(NAME "npu: transformer layer with one K/V slot per tile (seq 240, d_head 128) equals the host reference"
  COMMAND $<TARGET_FILE:transformer_check> --npuemu ${NPUEMU} --image ${FW}/transformer_block.elf --config test
          --array-rows 16 --seq 240 --d-model 384 --heads 3 --d-ff 32 --seed 7 --workdir ${work})
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
# A small layer of its own (seq 32, d_model 128): every unit and phase of the layer is in the trace, at a fraction of
# BERT-base's cost (five runs, under ASan in the sanitizer build).
set(work ${CMAKE_CURRENT_BINARY_DIR}/traces_transformer)
file(MAKE_DIRECTORY ${work})
add_test(NAME "trace: VCD, FST and Perfetto of a transformer layer agree with each other and with the stats"
  COMMAND sh -c "loads=$($0 --npuemu $1 --image $2 --prepare-only 1 --seq 32 --d-model 128 --heads 2 --d-ff 256 --workdir $3) && exec $4 $3 $5 $1 -c test --set chip.tiles=2 $loads $2"
          $<TARGET_FILE:transformer_check> ${NPUEMU} ${FW}/transformer_block.elf ${work}
          ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_traces.sh $<TARGET_FILE:trace_check>)
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
# --- GDB: npuemu run --gdb driven by Debian's gdb-multiarch in batch mode, and by a raw protocol client ----------
# Each test lets the OS pick the port (--gdb 0) and reads it from npuemu's stderr; every wait is bounded.
find_package(Python3 REQUIRED COMPONENTS Interpreter)
set(CHECK_GDB ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_gdb.py --npuemu ${NPUEMU})
function(npuemu_gdb_test name)
  add_test(NAME "gdb: ${name}" COMMAND ${CHECK_GDB} ${ARGN})
  set_tests_properties("gdb: ${name}" PROPERTIES TIMEOUT 180)
endfunction()

npuemu_gdb_test("break in hello, step, read a variable, switch threads, continue to exit"
  --image ${FW}/hello.elf --arg=-c --arg=test
  --ex "info threads" --ex "break main" --ex "continue" --ex "next" --ex "next" --ex "print hart == \$mhartid"
  --ex "info threads" --ex "thread 3" --ex "print/x \$mhartid" --ex "stepi" --ex "delete" --ex "continue"
  --expect-gdb "Thread 1 (tile0)" --expect-gdb "Thread 4 (tile3)" --expect-gdb-re "hit Breakpoint 1, main \\(\\)"
  --expect-gdb-re "^\\$1 = 1$" --expect-gdb "[Switching to thread 3 (Thread 3)]" --expect-gdb-re "^\\$2 = 0x2$"
  --expect-gdb "[Inferior 1 (Remote target) exited normally]"
  --expect-stdout "[hart 3] hello from hart 3 of 4" --exit 0)
npuemu_gdb_test("watchpoint on a global sees each write; exit code reaches GDB"
  --image ${FW}/gdb_demo.elf --arg=-c --arg=test --arg=--set --arg=chip.tiles=1
  --ex "break main" --ex "continue" --ex "watch watched_counter" --ex "continue" --ex "continue" --ex "continue"
  --ex "delete" --ex "continue"
  --expect-gdb "Hardware watchpoint 2: watched_counter"
  --expect-gdb "Old value = 0\nNew value = 1" --expect-gdb "Old value = 1\nNew value = 3"
  --expect-gdb "Old value = 3\nNew value = 6"
  --expect-gdb "[Inferior 1 (Remote target) exited with code 03]" --expect-stdout "square 4, counter 6" --exit 3)
npuemu_gdb_test("hardware breakpoint, function argument, finish, read and access watchpoints"
  --image ${FW}/gdb_demo.elf --arg=-c --arg=test --arg=--set --arg=chip.tiles=1
  --ex "hbreak square" --ex "continue" --ex "print x" --ex "finish" --ex "awatch watched_counter" --ex "continue"
  --ex "delete" --ex "rwatch squares[0]" --ex "continue" --ex "delete" --ex "continue"
  --expect-gdb "Hardware assisted breakpoint 1 at" --expect-gdb-re "Breakpoint 1, square \\(x=2\\)"
  --expect-gdb-re "^\\$1 = 2$" --expect-gdb-re "Value returned is \\$2 = 4"
  --expect-gdb "Hardware access (read/write) watchpoint 2: watched_counter\n\nValue = 0"
  --expect-gdb "Hardware read watchpoint 3: squares[0]\n\nValue = 4"
  --expect-gdb "exited with code 03" --exit 3)
npuemu_gdb_test("illegal instruction stops with SIGILL; passing the signal ends the run as a fault"
  --image ${FW}/gdb_demo.elf --arg=-c --arg=test --arg=--set --arg=chip.tiles=1
  --ex "break main" --ex "continue" --ex "set var fault_kind = 1" --ex "delete" --ex "continue" --ex "continue"
  --expect-gdb "Program received signal SIGILL, Illegal instruction."
  --expect-gdb "Program terminated with signal SIGILL, Illegal instruction."
  --expect-stderr "unhandled illegal instruction (mcause 2)" --exit 126)
npuemu_gdb_test("access fault stops with SIGSEGV on its hart; skipping the load without the signal goes on"
  --image ${FW}/gdb_demo.elf --arg=-c --arg=test
  --ex "break main" --ex "continue" --ex "set var fault_kind = 2" --ex "delete" --ex "continue"
  --ex "print \$mcause" --ex "set \$pc = \$pc + 4" --ex "signal 0"
  --expect-gdb "Thread 1 received signal SIGSEGV, Segmentation fault."
  --expect-gdb "exited with code 03" --expect-stdout "[hart 0] hart 0: square 4, counter 6" --exit 3)
npuemu_gdb_test("misaligned load stops with SIGBUS"
  --image ${FW}/gdb_demo.elf --arg=-c --arg=test --arg=--set --arg=chip.tiles=1
  --ex "break main" --ex "continue" --ex "set var fault_kind = 3" --ex "delete" --ex "continue" --ex "continue"
  --expect-gdb "Program received signal SIGBUS, Bus error."
  --expect-gdb "Program terminated with signal SIGBUS, Bus error." --exit 126)
npuemu_gdb_test("ebreak stops with SIGTRAP in place; stepping past it goes on"
  --image ${FW}/gdb_demo.elf --arg=-c --arg=test --arg=--set --arg=chip.tiles=1
  --ex "break main" --ex "continue" --ex "set var fault_kind = 4" --ex "delete" --ex "continue"
  --ex "x/i \$pc" --ex "set \$pc = \$pc + 4" --ex "continue"
  --expect-gdb "Program received signal SIGTRAP, Trace/breakpoint trap." --expect-gdb-re "=> 0x[0-9a-f]+ .*ebreak"
  --expect-gdb "exited with code 03" --exit 3)
npuemu_gdb_test("signal SIGTRAP hands an ebreak to the firmware's trap handler"
  --image ${FW}/interrupts.elf --arg=-c --arg=test --arg=--set --arg=chip.tiles=1
  --ex "continue" --ex "signal SIGTRAP"
  --expect-gdb "Program received signal SIGTRAP" --expect-gdb "exited normally"
  --expect-stdout "ebreak                       ok" --expect-stdout "all interrupt checks passed" --exit 0)
npuemu_gdb_test("monitor commands: help, cycles, stats; reset is refused with a reason"
  --image ${FW}/hello.elf --arg=-c --arg=test
  --ex "break main" --ex "continue" --ex "monitor help" --ex "monitor cycles"
  --ex "monitor stats tile0.core.instructions" --ex "monitor reset" --ex "delete" --ex "continue"
  --expect-gdb "npuemu monitor commands:" --expect-gdb-re "hart 3 \\(tile3\\): [0-9]+ cycles"
  --expect-gdb-re "tile0.core.instructions = [1-9][0-9]*$" --expect-gdb "monitor reset is not supported"
  --expect-gdb "exited normally" --exit 0)
npuemu_gdb_test("detach lets the run go on to its end"
  --image ${FW}/hello.elf --arg=-c --arg=test
  --ex "break main" --ex "continue" --ex "detach"
  --expect-gdb "[Inferior 1 (Remote target) detached]" --expect-stdout "[hart 3] hello from hart 3 of 4"
  --expect-stderr "npuemu: GDB detached" --exit 0)
npuemu_gdb_test("kill ends the run with status 137"
  --image ${FW}/hello.elf --arg=-c --arg=test
  --ex "break main" --ex "continue" --ex "kill"
  --expect-gdb "[Inferior 1 (Remote target) killed]" --expect-stderr "the debugger killed the run" --exit 137)

foreach(scenario bad-packets second-client disconnect-halted disconnect-running interrupt-and-kill
                 attach-while-running port-in-use)
  add_test(NAME "gdb: robustness: ${scenario}"
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/integration/gdb_robustness.py ${scenario} ${NPUEMU} ${FW})
  set_tests_properties("gdb: robustness: ${scenario}" PROPERTIES TIMEOUT 180)
endforeach()

npuemu_run_test("--gdb-wait needs --gdb" --exit 125 --stderr-has "--gdb-wait requires --gdb"
  -- ${NPUEMU} run -c test --gdb-wait ${FW}/hello.elf)
npuemu_run_test("--gdb port out of range" --exit 125 --stderr-has "--gdb"
  -- ${NPUEMU} run -c test --gdb 70000 ${FW}/hello.elf)
npuemu_run_test("--gdb-host that is not an address" --exit 125 --stderr-has "--gdb-host no.such.host.invalid: not an address"
  -- ${NPUEMU} run -c test --gdb 0 --gdb-host no.such.host.invalid ${FW}/hello.elf)
add_test(NAME "gdb: --gdb with no client changes neither console nor stats"
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_gdb_neutral.sh ${CMAKE_CURRENT_BINARY_DIR}/gdb-neutral
          ${NPUEMU} -c test ${FW}/interrupts.elf)
add_test(NAME "gdb: --gdb with no client: a run cut by --max-cycles ends at the same cycle"
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_gdb_neutral.sh ${CMAKE_CURRENT_BINARY_DIR}/gdb-neutral-limit
          ${NPUEMU} -c test --max-cycles 1000000 ${FW}/spin_forever.elf)
npuemu_gdb_test("the cycle limit ends the session with npuemu's status and reason"
  --image ${FW}/spin_forever.elf --arg=-c --arg=test --arg=--max-cycles --arg=100000 --ex "continue"
  --expect-gdb "npuemu: the run reached --max-cycles 100000" --expect-gdb "exited with code 0174" --exit 124)
npuemu_gdb_test("a deadlock ends the session with npuemu's status and reason"
  --image ${FW}/sleep_forever.elf --arg=-c --arg=test --ex "continue"
  --expect-gdb "npuemu: deadlock: hart(s) 0" --expect-gdb "exited with code 0177" --exit 127)
set_tests_properties("gdb: --gdb with no client changes neither console nor stats"
  "gdb: --gdb with no client: a run cut by --max-cycles ends at the same cycle" PROPERTIES TIMEOUT 120)
npuemu_gdb_test("scheduler-locking: only the selected hart runs; when it exits GDB hears no resumed thread is left"
  --image ${FW}/gdb_demo.elf --arg=-c --arg=test
  --ex "break square" --ex "continue" --ex "delete" --ex "set scheduler-locking on" --ex "thread 1"
  --ex "monitor cycles" --ex "stepi" --ex "stepi" --ex "continue" --ex "monitor cycles" --ex "thread 2"
  --ex "set scheduler-locking off" --ex "continue"
  --expect-gdb "No unwaited-for children left."
  --expect-gdb-re "(?s)hart 1 \\(tile1\\): ([0-9]+ cycles, [0-9]+ instructions, pc 0x[0-9a-f]+).*No unwaited-for children left.*hart 1 \\(tile1\\): \\1"
  --expect-gdb-re "(?s)hart 3 \\(tile3\\): [0-9]+ cycles, ([0-9]+ instructions, pc 0x[0-9a-f]+).*No unwaited-for children left.*hart 3 \\(tile3\\): [0-9]+ cycles, \\1"
  --expect-gdb-re "hart 0 \\(tile0\\): [0-9]+ cycles, [0-9]+ instructions, pc 0x[0-9a-f]+, exited"
  --gdb-lacks "internal-error" --expect-gdb "exited with code 03" --exit 3)
npuemu_gdb_test("Ctrl-C (SIGINT to GDB during continue) halts every hart with SIGINT"
  --image ${FW}/spin_forever.elf --arg=-c --arg=test --arg=--set --arg=chip.tiles=2
  --ex "python __import__('threading').Timer(0.5, lambda: __import__('os').kill(__import__('os').getpid(), __import__('signal').SIGINT)).start()"
  --ex "continue" --ex "info threads" --ex "print counter > 1000" --ex "kill"
  --expect-gdb "Thread 1 received signal SIGINT, Interrupt."
  --expect-gdb-re "2 +Thread 2 \\(tile1\\) +(0x[0-9a-f]+ in )?main \\(\\)" --expect-gdb-re "^\\$1 = 1$"
  --expect-gdb "killed" --exit 137)

# conv2d (im2col by DMA + GEMM) bit for bit: padding, stride 2, 1x1 and non-square filters, odd channel counts.
npuemu_run_test("npu: conv2d demo self-checks on the test chip" --exit 0 --stdout-has "conv2d self-check: passed"
  -- ${NPUEMU} run -c test ${FW}/conv2d.elf)
# Also padding wider than the filter (windows wholly in the padding), fewer output rows than harts (the im2col split
# by pixels, partial rows), and a larger layer.
set(CONV_CASES "8 8 4 8 3 3 1 1" "9 7 5 20 3 3 2 1" "6 6 24 7 1 1 1 0" "11 5 3 17 5 3 1 2" "13 13 17 9 3 3 2 0"
               "4 4 4 8 1 1 1 2" "3 3 16 16 2 2 1 3" "5 20 6 10 3 3 2 0" "24 24 32 40 3 3 1 1")
foreach(case IN LISTS CONV_CASES)
  separate_arguments(p UNIX_COMMAND "${case}")
  list(GET p 0 H)
  list(GET p 1 W)
  list(GET p 2 CIN)
  list(GET p 3 COUT)
  list(GET p 4 KH)
  list(GET p 5 KW)
  list(GET p 6 S)
  list(GET p 7 P)
  foreach(dtype int8 bf16)
    set(work ${CMAKE_CURRENT_BINARY_DIR}/conv2d_${dtype}_${H}_${W}_${CIN}_${COUT}_${KH}_${KW}_${S}_${P})
    file(MAKE_DIRECTORY ${work})
    add_test(NAME "npu: conv2d ${dtype} ${H}x${W}x${CIN}->${COUT} ${KH}x${KW} stride ${S} pad ${P} equals the host reference"
      COMMAND $<TARGET_FILE:conv2d_check> --npuemu ${NPUEMU} --image ${FW}/conv2d.elf --config test --array-rows 16
              --dtype ${dtype} --h ${H} --w ${W} --cin ${CIN} --cout ${COUT} --kh ${KH} --kw ${KW} --stride ${S}
              --pad ${P} --seed ${H} --workdir ${work})
  endforeach()
endforeach()
include(${CMAKE_CURRENT_SOURCE_DIR}/integration/sweep_tests.cmake)
include(${CMAKE_CURRENT_SOURCE_DIR}/integration/report_tests.cmake)
include(${CMAKE_CURRENT_SOURCE_DIR}/integration/profile_tests.cmake)

# --- power, thermal, DVFS -----------------------------------------------------------------------------------------
add_test(NAME "power: a sustained BF16 GEMM stays below Tj,max on the air and liquid design points and throttles with a degraded fan"
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_thermal.sh ${CMAKE_CURRENT_BINARY_DIR}/thermal
          $<TARGET_FILE:gemm_check> ${NPUEMU} ${FW}/gemm.elf ${FW}/burn.elf
          ${PROJECT_SOURCE_DIR}/configs/sweeps/jobs/gemm_2048_bf16.job)
set_tests_properties("power: a sustained BF16 GEMM stays below Tj,max on the air and liquid design points and throttles with a degraded fan" PROPERTIES TIMEOUT 600)
npuemu_run_test("power: a non-monotonic DVFS table" --exit 125
  --stderr-has "pmu.operating_points[1].frequency_mhz: the DVFS table must be monotonic"
  -- ${NPUEMU} run -c ${DATA}/dvfs_not_monotonic.yaml ${FW}/hello.elf)
npuemu_run_test("power: a negative thermal resistance" --exit 125
  --stderr-has "thermal.lateral_resistance_k_per_w: expected a number from 0"
  -- ${NPUEMU} run -c test --set power.process=7nm --set thermal.lateral_resistance_k_per_w=-2 ${FW}/hello.elf)
npuemu_run_test("power: a zero sampling interval" --exit 125 --stderr-has "pmu.sample_interval_ns: must be at least 1 ns"
  -- ${NPUEMU} run -c test --set power.process=7nm --set pmu.sample_interval_ns=0 ${FW}/hello.elf)
npuemu_run_test("power: thermal settings without a power section" --exit 125 --stderr-has "thermal: needs a power: section"
  -- ${NPUEMU} run -c test --set thermal.cooling=air ${FW}/hello.elf)
add_test(NAME "power: two runs with the power model give identical console and stats"
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_deterministic.sh ${CMAKE_CURRENT_BINARY_DIR}/determinism_power
          ${NPUEMU} -c test --set power.process=4nm --set thermal.time_scale=1000 ${FW}/gemm.elf)

npuemu_run_test("power: an invalid operating point is a defined register error" --exit 0
  --stdout-has "invalid request -> error 1, request stays 0" --stdout-has "error after clearing 0"
  --stdout-has "valid request -> point 3 at 400 MHz"
  -- ${NPUEMU} run -c default --set chip.tiles=2 ${FW}/pmu_registers.elf)
npuemu_run_test("power: the firmware governor steers DVFS from the sensors and the alarm interrupt" --exit 0
  --stdout-has "thermal_governor: 12 passes" --stdout-lacks " 0 operating-point requests"
  -- ${NPUEMU} run -c default --set chip.tiles=8 --set thermal.ambient_mC=75000 --set thermal.time_scale=100000
     --set thermal.initial=steady --set thermal.initial_power_w=3.4 ${FW}/thermal_governor.elf)
npuemu_run_test("power: burn runs every array flat out" --exit 0 --stdout-has "burn: 400 matmuls"
  -- ${NPUEMU} run -c default --set chip.tiles=4 ${FW}/burn.elf)
add_test(NAME "power: energy equals activity x energy per event plus leakage"
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_energy.sh ${CMAKE_CURRENT_BINARY_DIR}/energy ${NPUEMU}
          ${FW}/gemm.elf)
add_test(NAME "trace: with the power model, temperature, power and frequency are traced and the formats agree"
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_traces.sh ${CMAKE_CURRENT_BINARY_DIR}/traces_power
          $<TARGET_FILE:trace_check> ${NPUEMU} -c default --set chip.tiles=2 --set thermal.time_scale=100000
          ${FW}/burn.elf)
include(${CMAKE_CURRENT_SOURCE_DIR}/integration/memory_tests.cmake)

# --- simulated results pinned: refactoring and speed work leave every digest as it is --------------------------
# --timing-only: each case runs again with --arithmetic skip, which must give the same cycles, stats and traces
# (tests/integration/timing_only.py says what is compared for firmware that checks the NPU's results itself).
add_test(NAME "golden: every firmware image's console, stats and traces equal their recorded digests, and timing-only mode gives the same cycles, stats and traces"
  COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_golden.py --npuemu ${NPUEMU} --firmware ${FW}
          --golden ${DATA}/golden_digests.txt --timing-only)
set_tests_properties("golden: every firmware image's console, stats and traces equal their recorded digests, and timing-only mode gives the same cycles, stats and traces"
  PROPERTIES TIMEOUT 600)

# --- systems of chips (npuemu run --system; 4-tile test chips keep these quick) ------------------------------------
add_test(NAME "system: a one-chip system equals a plain run; a 4-chip run is deterministic and counted per chip"
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_system_run.sh ${CMAKE_CURRENT_BINARY_DIR}/system_run ${NPUEMU} ${FW})
npuemu_run_test("system_info on pod8: every chip knows its id, node and link peers" --exit 0
  --stdout-has "[chip 4 hart 0] chip 4 of 8, node 1 of 2, 4 link port(s): 0->chip5 1->chip6 2->chip7 3->switch"
  --stdout-has "[chip 0 hart 0] chip 0 of 8, node 0 of 2, 4 link port(s): 0->chip1 1->chip2 2->chip3 3->switch"
  --stdout-count "link port(s):" 8 --stderr-has "on system 'pod8' (8 chips in 2 node(s), 20 links)"
  -- ${NPUEMU} run --system pod8 --set chips.config=test ${FW}/system_info.elf)
npuemu_run_test("system_info alone: chip 0 of 1 without link ports" --exit 0
  --stdout-has "chip 0 of 1, node 0 of 1, 0 link port(s):"
  -- ${NPUEMU} run -c test ${FW}/system_info.elf)
npuemu_run_test("system: a fault on one chip ends the run and names chip and hart" --exit 126
  --stderr-has "firmware fault: chip 7: hart 1: unhandled illegal instruction"
  -- ${NPUEMU} run --system pod8 --set chips.config=test ${FW}/fault_last_chip.elf)
npuemu_run_test("system: the exit status is the first non-zero exit code in chip order" --exit 40
  --stdout-count "exits with" 16
  -- ${NPUEMU} run --system node4 --set chips.config=test ${FW}/exit_code.elf)
npuemu_run_test("system: --gdb is refused with --system" --exit 125 --stderr-has "--gdb debugs one chip"
  -- ${NPUEMU} run --system node4 --gdb 0 ${FW}/hello.elf)
npuemu_run_test("system: --htif is refused on a system of several chips" --exit 125
  --stderr-has "--htif works on a single chip" --stderr-has "this system has 4 chips"
  -- ${NPUEMU} run --system node4 --htif ${FW}/hello.elf)
add_test(NAME "system: --load reaches every chip or the chip named (FILE@cN:ADDR); --dump cN: reads chip N"
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_system_host_data.sh ${CMAKE_CURRENT_BINARY_DIR}/system_host_data
          ${NPUEMU} ${FW}/hello.elf)
npuemu_run_test("system: a --dump that names no chip is refused on a system" --exit 125
  --stderr-has "--dump 0x83000000:16:x.bin: name the chip in a system: --dump cN:0x83000000:16:x.bin"
  -- ${NPUEMU} run --system node4 --set chips.config=test --dump 0x83000000:16:x.bin ${FW}/hello.elf)
npuemu_run_test("system: a --load on a chip the system does not have is refused" --exit 125
  --stderr-has "chip 7 is not in system 'node4' (4 chips)"
  -- ${NPUEMU} run --system node4 --set chips.config=test --load ${FW}/hello.elf@c7:0x83000000 ${FW}/hello.elf)
npuemu_run_test("system: an unknown system preset lists the presets" --exit 125
  --stderr-has "no system config named 'nodeX' (presets: node4 pod8 single)"
  -- ${NPUEMU} run --system nodeX ${FW}/hello.elf)
npuemu_run_test("chip_ring on node4: puts into another chip's scratchpad and HBM, doorbells, gets" --exit 0
  --stdout-count "as expected" 12 --stdout-lacks "FAILED"
  --stdout-has "[chip 0 hart 0] put into global memory: 7000 bytes from chip 3 as expected"
  -- ${NPUEMU} run --system node4 --set chips.config=test ${FW}/chip_ring.elf)
npuemu_run_test("chip_ring on pod8: the same across the node switch" --exit 0
  --stdout-count "as expected" 24 --stdout-lacks "FAILED"
  --stdout-has "[chip 4 hart 0] put into tile 1's scratchpad: 7000 bytes from chip 3 as expected"
  -- ${NPUEMU} run --system pod8 --set chips.config=test ${FW}/chip_ring.elf)
npuemu_run_test("chip_ring alone: the ring closes on the chip itself" --exit 0
  --stdout-count "as expected" 3 -- ${NPUEMU} run -c test ${FW}/chip_ring.elf)
add_test(NAME "system: on a line of three mixed chips every link byte is accounted for by the routes (transit through chip 1)"
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_link_routes.py ${NPUEMU} ${FW}
          ${CMAKE_CURRENT_SOURCE_DIR}/data/systems/line3.yaml ${CMAKE_CURRENT_BINARY_DIR}/link_routes)
npuemu_run_test("system: dma.chips naming a chip the system does not have is a fault naming it" --exit 126
  --stderr-has "chip 0: tile 0 DMA queue: dma.copy (issued at pc"
  --stderr-has "chip 4 (set by dma.chips) does not exist: the system has 4 chip(s)"
  -- ${NPUEMU} run -q --system node4 --set chips.config=test ${FW}/remote_bad_chip.elf)
npuemu_run_test("system: a doorbell to a tile the chip does not have is a fault naming it" --exit 126
  --stderr-has "doorbell to tile 200 of chip 1, which has 4 tile(s)"
  -- ${NPUEMU} run -q --system node4 --set chips.config=test ${FW}/remote_bad_tile.elf)
npuemu_run_test("chip alone: dma.chips naming chip 1 is a fault" --exit 126
  --stderr-has "chip 1 (set by dma.chips) does not exist: the system has 1 chip(s)"
  -- ${NPUEMU} run -q -c test ${FW}/remote_bad_chip.elf)

# --- collectives in the SDK, across chips (every tile a ring; ragged sizes; every element against the documented sums)
npuemu_run_test("collectives: ring all-reduce, reduce-scatter, all-gather bit-exact on 2 chips" --exit 0
  --stdout-count "every element as expected" 32 --stdout-lacks "FAILED"
  -- ${NPUEMU} run -q --system node4 --set chips.config=test --set chips.count=2 --set nodes.chips_per_node=2
     ${FW}/collcheck.elf)
npuemu_run_test("collectives: ring all-reduce, reduce-scatter, all-gather bit-exact on 4 chips (node4)" --exit 0
  --stdout-count "every element as expected" 32 --stdout-lacks "FAILED"
  --stdout-has "[chip 0 hart 0] all_reduce ring fp32 4097 elements: every element as expected"
  -- ${NPUEMU} run -q --system node4 --set chips.config=test ${FW}/collcheck.elf)
npuemu_run_test("collectives: ring all-reduce, reduce-scatter, all-gather bit-exact on 8 chips (pod8, across the switch)" --exit 0
  --stdout-count "every element as expected" 32 --stdout-lacks "FAILED"
  -- ${NPUEMU} run -q --system pod8 --set chips.config=test ${FW}/collcheck.elf)
set_tests_properties("boot: collectives: ring all-reduce, reduce-scatter, all-gather bit-exact on 8 chips (pod8, across the switch)"
  PROPERTIES TIMEOUT 300)
npuemu_run_test("collectives across the tiles of one chip (ring all-reduce, reduce-scatter, all-gather; broadcast; all-to-all), bit-exact"
  --exit 0 --stdout-count "every element as expected" 40 --stdout-lacks "FAILED"
  --stdout-has "[hart 0] all_reduce tiles bf16 4097 elements: every element as expected"
  --stdout-has "[hart 0] reduce_scatter tiles bf16 4097 elements: every element as expected"
  --stdout-has "[hart 0] all_gather tiles fp32 4097 elements: every element as expected"
  --stdout-has "[hart 0] broadcast tiles int32 4097 elements from tile 2: every element as expected"
  --stdout-has "[hart 0] all_to_all tiles int32 16388 elements: every element as expected"
  -- ${NPUEMU} run -q -c test ${FW}/collcheck_tiles.elf)
npuemu_run_test("collectives across the tiles of each chip of node4 at once, bit-exact" --exit 0
  --stdout-count "every element as expected" 40 --stdout-lacks "FAILED"
  -- ${NPUEMU} run -q --system node4 --set chips.config=test ${FW}/collcheck_tiles.elf)
npuemu_run_test("collectives: doubling and hierarchical all-reduce, broadcast, all-to-all bit-exact on 2 chips" --exit 0
  --stdout-count "every element as expected" 32 --stdout-lacks "FAILED"
  -- ${NPUEMU} run -q --system node4 --set chips.config=test --set chips.count=2 --set nodes.chips_per_node=2
     ${FW}/collcheck_more.elf)
npuemu_run_test("collectives: doubling and hierarchical all-reduce, broadcast, all-to-all bit-exact on 3 chips (doubling folds one)"
  --exit 0 --stdout-count "every element as expected" 32 --stdout-lacks "FAILED"
  -- ${NPUEMU} run -q --system node4 --set chips.config=test --set chips.count=3 --set nodes.chips_per_node=3
     ${FW}/collcheck_more.elf)
npuemu_run_test("collectives: doubling and hierarchical all-reduce, broadcast, all-to-all bit-exact on 4 chips (node4)" --exit 0
  --stdout-count "every element as expected" 32 --stdout-lacks "FAILED"
  --stdout-has "[chip 0 hart 0] all_reduce doubling fp32 4097 elements: every element as expected"
  --stdout-has "[chip 0 hart 0] broadcast chain int32 4097 elements from chip 2: every element as expected"
  -- ${NPUEMU} run -q --system node4 --set chips.config=test ${FW}/collcheck_more.elf)
npuemu_run_test("collectives: doubling and hierarchical all-reduce, broadcast, all-to-all bit-exact on 4 chips in 2 nodes"
  --exit 0 --stdout-count "every element as expected" 32 --stdout-lacks "FAILED"
  --stdout-has "[chip 0 hart 0] all_reduce hierarchical fp32 4097 elements: every element as expected"
  -- ${NPUEMU} run -q --system pod8 --set chips.config=test --set chips.count=4 --set nodes.chips_per_node=2
     ${FW}/collcheck_more.elf)
npuemu_run_test("collectives: doubling and hierarchical all-reduce, broadcast, all-to-all bit-exact on 8 chips (pod8, across the switch)"
  --exit 0 --stdout-count "every element as expected" 32 --stdout-lacks "FAILED"
  -- ${NPUEMU} run -q --system pod8 --set chips.config=test ${FW}/collcheck_more.elf)
set_tests_properties("boot: collectives: doubling and hierarchical all-reduce, broadcast, all-to-all bit-exact on 8 chips (pod8, across the switch)"
  PROPERTIES TIMEOUT 300)
add_test(NAME "collectives: collbench 4 KiB .. 256 KiB on node4, every size right; recursive doubling >= 2x faster than the ring at 4 KiB"
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_small_allreduce.py ${NPUEMU} ${FW})
add_test(NAME "collectives: ring all-reduce on node4 with many chunks a step keeps >= 85% of the link (no bunching)"
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_allreduce_busbw.py ${NPUEMU} ${FW}
          ${CMAKE_CURRENT_BINARY_DIR}/allreduce_busbw)
set_tests_properties("collectives: ring all-reduce on node4 with many chunks a step keeps >= 85% of the link (no bunching)"
  PROPERTIES TIMEOUT 600)
# Issue 15's calibration aim on recorded 2-, 4- and 8-chip figures, tied to the model by re-measuring the 2-chip
# ring's 4 MiB point (a few seconds).
add_test(NAME "calibration: the ring all-reduce fitted on 2 and 4 chips predicts 8 within 5% (>= 1 MiB) and 15% (smaller)"
  COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_ring_fit.py ${NPUEMU} ${FW} ${DATA}
          ${CMAKE_SOURCE_DIR}/bench)
npuemu_run_test("linkbench on two chips: ping-pong latency and a streamed put that arrives intact" --exit 0
  --stdout-has "ping-pong doorbell: 64 rounds, one way" --stdout-has "streaming: 16777216 bytes from 4 harts"
  --stdout-has "[chip 1 hart 0] streamed data arrived intact"
  -- ${NPUEMU} run -q --system node4 --set chips.config=test --set chips.count=2 --set nodes.chips_per_node=2
     ${FW}/linkbench.elf)
npuemu_run_test("linkbench alone says it needs two chips" --exit 2
  --stdout-has "linkbench needs a system of at least two chips" -- ${NPUEMU} run -q -c test ${FW}/linkbench.elf)
add_test(NAME "system: --flows writes every copy and doorbell between chips, the same over two runs"
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_flows.py ${NPUEMU} ${FW} ${CMAKE_CURRENT_BINARY_DIR}/flows)
add_test(NAME "system: npuemu replay gives each collective of a flow export within 15% of the run (L2 on L1)"
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_replay.py ${NPUEMU} ${FW} ${CMAKE_CURRENT_BINARY_DIR}/replay)
add_test(NAME "collectives: --flows tags doubling, broadcast, all-to-all and hierarchical transfers with their kind and step; flows, console and stats identical over two runs"
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_collective_flows.py ${NPUEMU} ${FW}
          ${CMAKE_CURRENT_BINARY_DIR}/collective_flows)
npuemu_run_test("system: --flows on a chip alone is refused" --exit 125
  --stderr-has "--flows records the transfers between chips: it needs --system with at least two chips"
  -- ${NPUEMU} run -c test --flows flows.jsonl ${FW}/hello.elf)
npuemu_run_test("--set takes one value: the image after it stays the image, an option may follow" --exit 0
  --stdout-count "hello from hart" 2
  -- ${NPUEMU} run -c test --set chip.tiles=2 ${FW}/hello.elf --max-cycles 1000000)
include(${CMAKE_CURRENT_SOURCE_DIR}/integration/system_energy_tests.cmake)
