# Systems of chips: link traces, and compute overlapped with a collective (4-tile test chips keep these quick).
# Included by integration_tests.cmake (NPUEMU, FW and npuemu_run_test come from there).
add_test(NAME "system: link activity in VCD and Perfetto traces agrees with the link statistics"
  COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_link_traces.py ${CMAKE_CURRENT_BINARY_DIR}/link_traces
          ${NPUEMU} --system node4 --set chips.config=test ${FW}/chip_ring.elf)
npuemu_run_test("overlap on node4: a GEMM beside a ring all-reduce, both slowdowns measured, results bit-exact" --exit 0
  --stdout-has "[chip 0 hart 0] overlap: gemm alone " --stdout-has "[chip 0 hart 0] overlap: slowdown gemm "
  --stdout-count "results bit-identical together and alone" 4 --stdout-count "sampled GEMM and all-reduce elements as expected" 4
  --stdout-lacks "FAILED"
  -- ${NPUEMU} run -q --system node4 --set chips.config=test ${FW}/overlap_small.elf)
npuemu_run_test("overlap alone on one chip: the all-reduce has nothing to do, the checks still hold" --exit 0
  --stdout-count "results bit-identical together and alone" 1 --stdout-lacks "FAILED"
  -- ${NPUEMU} run -q -c test ${FW}/overlap_small.elf)
add_test(NAME "system: an oversubscribed node switch (100:1) slows a ring all-reduce between two nodes"
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_switch_oversubscription.sh
          ${CMAKE_CURRENT_BINARY_DIR}/switch_oversubscription ${NPUEMU} ${DATA}/systems/two_nodes_switch.yaml ${FW})
add_test(NAME "system: each chip's power includes its links' share, its mesh and its HBM, and the summary shows them"
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_system_energy.sh ${CMAKE_CURRENT_BINARY_DIR}/system_energy
          ${NPUEMU} ${DATA}/systems/node4_test_power.yaml ${FW}/chip_ring.elf)
