# Systems of chips: link traces (4-tile test chips keep these quick). Included by integration_tests.cmake (NPUEMU,
# FW and npuemu_run_test come from there).
add_test(NAME "system: link activity in VCD and Perfetto traces agrees with the link statistics"
  COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_link_traces.py ${CMAKE_CURRENT_BINARY_DIR}/link_traces
          ${NPUEMU} --system node4 --set chips.config=test ${FW}/chip_ring.elf)
