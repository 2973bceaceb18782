# Bad input, failed writes and hostile files (issue 20): each answered by a clear one-line error and the documented
# exit status (125 bad input, 123 an output lost after the run), nothing replaced that the user did not name.

add_test(NAME "output: symlinks, FIFOs and descriptors are written into, a failed write exits 123, FST is deterministic"
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_output_files.sh ${CMAKE_CURRENT_BINARY_DIR}/output_files
          ${NPUEMU} ${FW}/hello.elf ${FW}/gemm.elf)
set_tests_properties("output: symlinks, FIFOs and descriptors are written into, a failed write exits 123, FST is deterministic"
  PROPERTIES TIMEOUT 120)

# --- files that are not what they claim: directories, endless files ---------------------------------------------
npuemu_run_test("bad input: a directory as the image" --exit 125 --stderr-has "the firmware image is not a regular file"
  -- ${NPUEMU} run -c test ${CMAKE_CURRENT_SOURCE_DIR})
npuemu_run_test("bad input: /dev/zero as the image is refused before reading" --exit 125
  --stderr-has "/dev/zero: the firmware image is not a regular file" -- ${NPUEMU} run -c test /dev/zero)
npuemu_run_test("bad input: a directory as a --load file" --exit 125
  --stderr-has "--load ${CMAKE_CURRENT_SOURCE_DIR}@0x81000000: the file is not a regular file"
  -- ${NPUEMU} run -c test --load ${CMAKE_CURRENT_SOURCE_DIR}@0x81000000 ${FW}/hello.elf)
npuemu_run_test("bad input: /dev/zero as a --load file" --exit 125 --stderr-has "--load /dev/zero@0x81000000: the file is not"
  -- ${NPUEMU} run -c test --load /dev/zero@0x81000000 ${FW}/hello.elf)
npuemu_run_test("bad input: /dev/zero as the chip config" --exit 125 --stderr-has "/dev/zero: the YAML file is not a regular file"
  -- ${NPUEMU} run -c /dev/zero ${FW}/hello.elf)
string(REPEAT "x" 300 long_name)
npuemu_run_test("bad input: a path component over 255 bytes in -c" --exit 125 --stderr-has "File name too long"
  -- ${NPUEMU} run -c ${CMAKE_BINARY_DIR}/${long_name}/chip.yaml ${FW}/hello.elf)
file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/bad_input)
file(CREATE_LINK loop_b ${CMAKE_CURRENT_BINARY_DIR}/bad_input/loop_a SYMBOLIC)
file(CREATE_LINK loop_a ${CMAKE_CURRENT_BINARY_DIR}/bad_input/loop_b SYMBOLIC)
npuemu_run_test("bad input: a symlink loop as the chip config" --exit 125
  --stderr-has "loop_a: cannot open the chip config (Too many levels of symbolic links)"
  -- ${NPUEMU} run -c ${CMAKE_CURRENT_BINARY_DIR}/bad_input/loop_a ${FW}/hello.elf)
npuemu_run_test("bad input: a symlink loop as the HBM preset" --exit 125
  --stderr-has "hbm.preset: no HBM preset" --stderr-has "loop_a (Too many levels of symbolic links)"
  -- ${NPUEMU} run -c test --set hbm.preset=${CMAKE_CURRENT_BINARY_DIR}/bad_input/loop_a ${FW}/hello.elf)

# --- numbers that would wrap -------------------------------------------------------------------------------------
npuemu_run_test("bad input: --max-cycles -1 is refused, not read as 2^64-1" --exit 125
  --stderr-has "--max-cycles: expected a whole number (decimal digits), got '-1'"
  -- ${NPUEMU} run -c test --max-cycles -1 ${FW}/hello.elf)
npuemu_run_test("bad input: --max-cycles beyond 64 bits" --exit 125 --stderr-has "does not fit 64 bits"
  -- ${NPUEMU} run -c test --max-cycles 99999999999999999999 ${FW}/hello.elf)
npuemu_run_test("bad input: --trace-window nan:inf" --exit 125 --stderr-has "'nan' is not a time"
  -- ${NPUEMU} run -c test --trace ${CMAKE_CURRENT_BINARY_DIR}/bad_input/w.vcd --trace-window nan:inf ${FW}/hello.elf)

# --- memory loaded twice -----------------------------------------------------------------------------------------
npuemu_run_test("bad input: --load regions that overlap each other" --exit 125
  --stderr-has "not_an_elf.bin@0x81000004: overlaps --load"
  -- ${NPUEMU} run -c test --load ${DATA}/not_an_elf.bin@0x81000000 --load ${DATA}/not_an_elf.bin@0x81000004 ${FW}/hello.elf)
npuemu_run_test("bad input: a --load region over the image" --exit 125
  --stderr-has "overlaps the firmware image's loadable segment at 0x80000000-"
  -- ${NPUEMU} run -c test --load ${DATA}/not_an_elf.bin@0x80000010 ${FW}/hello.elf)

# --- sweeps: workloads checked before any point runs -------------------------------------------------------------
# A sweep description of one hello workload; BODY follows its workloads: (ARGS: its args list).
function(npuemu_bad_sweep_test name file args body stderr_has)
  file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/bad_input/${file}
    "sweep: {base: test}\nworkloads:\n  - {name: hello, image: ${FW}/hello.elf, args: [${args}]}\n${body}")
  npuemu_run_test("sweep: ${name}" --exit 125 --stderr-has "${stderr_has}"
    -- ${NPUEMU} sweep --dry-run ${CMAKE_CURRENT_BINARY_DIR}/bad_input/${file})
endfunction()
set(tiles_grid "parameters:\n  - grid: {chip.tiles: [1, 2]}\n")
npuemu_bad_sweep_test("--dry-run refuses a workload option npuemu run does not take" bad_arg.yaml "'--bogus'"
  "${tiles_grid}"
  "workload 'hello': its points cannot run (exit status 125): The following argument was not expected: --bogus")
npuemu_bad_sweep_test("--dry-run refuses metrics naming no counter (or each other)" bad_metric.yaml ""
  "${tiles_grid}metrics:\n  - sim.cycles\n  - {name: a, expr: b + 1}\n  - {name: b, expr: a + 1}\n"
  "bad_metric.yaml:8:5: metrics[1]: no counter 'b' in the stats of workload 'hello'")
npuemu_bad_sweep_test("a second parameters: section is an error, not ignored" dup_key.yaml ""
  "${tiles_grid}parameters:\n  - grid: {chip.tiles: [4]}\n"
  "dup_key.yaml:6:1: parameters: the key is given twice")
