cmake_minimum_required(VERSION 3.25)
# The layering rule catches an upward include: run as cmake -DSOURCE_DIR=... -P check_layering.cmake.
# A made-up model tree where `low` includes `high` (which depends on `low`) must be reported, with file and line;
# the same tree without that include must pass.
include(${SOURCE_DIR}/cmake/npuemu_blocks.cmake)
set(tree ${CMAKE_CURRENT_BINARY_DIR}/layering_fixture/model)
file(REMOVE_RECURSE ${tree})
file(WRITE ${tree}/low/low.h "#pragma once\n#include \"model/low/other.h\"\n")
file(WRITE ${tree}/high/high.h "#pragma once\n#include \"model/low/low.h\"\n")
npuemu_declare_block(low)
npuemu_declare_block(high low)

npuemu_layering_problems(${tree} problems)
if(problems)
  message(FATAL_ERROR "a clean tree was reported: ${problems}")
endif()

file(WRITE ${tree}/low/low.cpp "#include \"model/low/low.h\"\n  #include \"model/high/high.h\"\n")
npuemu_layering_problems(${tree} problems)
list(LENGTH problems count)
if(NOT count EQUAL 1 OR NOT problems MATCHES "model/low/low.cpp: '  #include \"model/high/high.h\"': block 'low' may use only: $")
  message(FATAL_ERROR "the upward include was not reported as expected: '${problems}'")
endif()
file(REMOVE_RECURSE ${tree})
message(STATUS "ok: an upward include is reported (${problems})")
