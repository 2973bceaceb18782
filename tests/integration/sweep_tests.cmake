# Sweeps: `npuemu sweep` against `npuemu run`, kill-and-resume, Slurm shards and merge, bad input.
set(SWEEP_DATA ${CMAKE_CURRENT_SOURCE_DIR}/data/sweeps)
set(SWEEP_WORK ${CMAKE_CURRENT_BINARY_DIR}/sweeps)

add_test(NAME "sweep: results equal running each point alone; a failing point does not stop the sweep"
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_sweep_equals_run.sh ${SWEEP_WORK}/equals_run ${NPUEMU} ${FW})
add_test(NAME "sweep: killed with SIGKILL mid-way and resumed, nothing finished is lost or rerun"
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_sweep_resume.sh ${SWEEP_WORK}/resume ${NPUEMU} ${FW})
add_test(NAME "sweep: a point that crashes in its forked worker is recorded with its signal, the rest run on"
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_sweep_crash.sh ${SWEEP_WORK}/crash ${NPUEMU} ${FW})
set_tests_properties("sweep: results equal running each point alone; a failing point does not stop the sweep"
                     "sweep: killed with SIGKILL mid-way and resumed, nothing finished is lost or rerun"
                     "sweep: a point that crashes in its forked worker is recorded with its signal, the rest run on"
                     PROPERTIES TIMEOUT 300)

function(npuemu_sweep_error_test name)
  add_test(NAME "sweep: ${name}" COMMAND ${CHECK} ${ARGN})
endfunction()
npuemu_sweep_error_test("a key path that does not exist" --exit 125
  --stderr-has "unknown_key.yaml:6:7: parameters[0].grid.npu.matrix.rowz: --set npu.matrix.rowz=8: npu.matrix.rowz: unknown key"
  -- ${NPUEMU} sweep ${SWEEP_DATA}/unknown_key.yaml --out ${SWEEP_WORK}/never_unknown_key)
npuemu_sweep_error_test("a value out of range" --exit 125
  --stderr-has "bad_value.yaml:6:7: parameters[0].grid.chip.tiles: --set chip.tiles=100: chip.tiles: expected an integer from 1 to 64"
  -- ${NPUEMU} sweep ${SWEEP_DATA}/bad_value.yaml --out ${SWEEP_WORK}/never_bad_value)
npuemu_sweep_error_test("an empty grid" --exit 125
  --stderr-has "empty_grid.yaml:6:19: parameters[0].grid.chip.tiles: the list is empty"
  -- ${NPUEMU} sweep ${SWEEP_DATA}/empty_grid.yaml --out ${SWEEP_WORK}/never_empty_grid)
npuemu_sweep_error_test("a workload that does not exist" --exit 125
  --stderr-has "missing_workload.yaml:4:12: workloads[0].image: no such firmware image:"
  -- ${NPUEMU} sweep ${SWEEP_DATA}/missing_workload.yaml --out ${SWEEP_WORK}/never_missing_workload)
npuemu_sweep_error_test("a workload path the file system refuses (a name over 255 bytes)" --exit 125
  --stderr-has "image_name_too_long.yaml:4:12: workloads[0].image: no such firmware image:"
  --stderr-has "(File name too long)"
  -- ${NPUEMU} sweep ${SWEEP_DATA}/image_name_too_long.yaml --out ${SWEEP_WORK}/never_image_name_too_long)
npuemu_sweep_error_test("a malformed shard" --exit 125 --stderr-has "--shard 3/2: expected I/N with 0 <= I < N"
  -- ${NPUEMU} sweep ${SWEEP_DATA}/ok.yaml --out ${SWEEP_WORK}/never_shard --shard 3/2)
npuemu_sweep_error_test("a shard that is not a number" --exit 125 --stderr-has "--shard one/2: expected I/N"
  -- ${NPUEMU} sweep ${SWEEP_DATA}/ok.yaml --out ${SWEEP_WORK}/never_shard --shard one/2)
npuemu_sweep_error_test("a spec that does not exist" --exit 125 --stderr-has "no-such.yaml: cannot open the sweep description"
  -- ${NPUEMU} sweep ${SWEEP_DATA}/no-such.yaml --out ${SWEEP_WORK}/never_no_spec)
npuemu_sweep_error_test("dry run lists the points a constraint keeps" --exit 0
  --stdout-has "2 points (1 rejected by constraints)" --stdout-has "chip.tiles=2" --stdout-lacks "chip.tiles=3"
  -- ${NPUEMU} sweep ${SWEEP_DATA}/ok.yaml --dry-run)
npuemu_sweep_error_test("merge of a directory that is not a sweep" --exit 125 --stderr-has "no sweep manifest here"
  -- ${NPUEMU} sweep merge ${SWEEP_DATA})
add_test(NAME "sweep: shards, merge and the Slurm array script give the local run's results.csv"
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_sweep_shards.sh ${SWEEP_WORK}/shards ${NPUEMU} ${FW})
set_tests_properties("sweep: shards, merge and the Slurm array script give the local run's results.csv"
                     PROPERTIES TIMEOUT 300)
add_test(NAME "sweep: report is one self-contained HTML page with roofline, Pareto front and per-parameter charts"
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_sweep_report.sh ${SWEEP_WORK}/report ${NPUEMU}
          ${PROJECT_SOURCE_DIR}/configs/sweeps/gemm_array_tiles.yaml)
add_test(NAME "sweep: the report loads in headless chromium, draws every point of every chart, shows failed points as failed"
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_sweep_report_browser.sh ${SWEEP_WORK}/report_browser ${NPUEMU}
          ${CMAKE_CURRENT_SOURCE_DIR}/data/sweep_report.yaml)
set_tests_properties("sweep: the report loads in headless chromium, draws every point of every chart, shows failed points as failed"
  PROPERTIES TIMEOUT 300)
add_test(NAME "sweep: a real single-node Slurm cluster runs the sbatch array and the merged results equal a local run"
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_sweep_slurm.sh ${SWEEP_WORK}/slurm ${NPUEMU}
          ${CMAKE_CURRENT_SOURCE_DIR}/data/sweep_slurm.yaml)
set_tests_properties("sweep: a real single-node Slurm cluster runs the sbatch array and the merged results equal a local run"
  PROPERTIES TIMEOUT 400 RUN_SERIAL TRUE)
add_test(NAME "sweep: cluster points equal their steps run alone, resume, rerun on an edited cluster file, report, bad input"
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_sweep_cluster.sh ${SWEEP_WORK}/cluster ${NPUEMU}
          ${PROJECT_SOURCE_DIR}/configs)
set_tests_properties("sweep: cluster points equal their steps run alone, resume, rerun on an edited cluster file, report, bad input"
                     PROPERTIES TIMEOUT 120)
