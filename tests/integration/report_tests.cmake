# Reports (cli/report/) in headless chromium: one chart of each kind, and a run's report. The sweep report's tests
# are in sweep_tests.cmake.
add_test(NAME "report: each chart kind loads in headless chromium and draws one mark per point"
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_report_gallery.sh ${CMAKE_BINARY_DIR}/tests/report_gallery
          $<TARGET_FILE:report_gallery>)
add_test(NAME "report: npuemu run --report draws utilisation, stalls, HBM and mesh heat maps and time series"
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_run_report.sh ${CMAKE_BINARY_DIR}/tests/run_report ${NPUEMU}
          ${FW})
set_tests_properties("report: each chart kind loads in headless chromium and draws one mark per point"
                     "report: npuemu run --report draws utilisation, stalls, HBM and mesh heat maps and time series"
                     PROPERTIES TIMEOUT 120)
add_test(NAME "report: npuemu cluster --report draws the step's time and the per-chip throughput budget"
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_cluster_report.sh ${CMAKE_BINARY_DIR}/tests/cluster_report
          ${NPUEMU} ${PROJECT_SOURCE_DIR})
set_tests_properties("report: npuemu cluster --report draws the step's time and the per-chip throughput budget"
                     PROPERTIES TIMEOUT 120)
