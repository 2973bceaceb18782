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
