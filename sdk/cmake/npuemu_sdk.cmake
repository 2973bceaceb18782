# The npuemu firmware SDK for CMake. Include it from a project built with riscv32-npuemu.cmake, then:
#   add_npuemu_firmware(NAME SOURCES a.c b.S [LIBRARIES ...])
# builds NAME.elf (in NPUEMU_FIRMWARE_OUTPUT_DIR when set) linked for the chip's memory map, with crt0, the console
# on stdout and the HAL.
include_guard(GLOBAL)

set(NPUEMU_SDK_DIR ${CMAKE_CURRENT_LIST_DIR}/..)
get_filename_component(NPUEMU_SDK_DIR ${NPUEMU_SDK_DIR} ABSOLUTE)

# The firmware layout comes from the one memory-map header that the model reads too.
file(STRINGS ${NPUEMU_SDK_DIR}/include/npuemu/memory_map.h _npuemu_layout
     REGEX "#define NPUEMU_FIRMWARE_(CODE|DATA)_(BASE|BYTES) ")
foreach(_line IN LISTS _npuemu_layout)
  if(_line MATCHES "#define (NPUEMU_[A-Z_]+) NPUEMU_U\\((0x[0-9A-Fa-f]+)\\)")
    set(${CMAKE_MATCH_1} ${CMAKE_MATCH_2})
  endif()
endforeach()
foreach(_var NPUEMU_FIRMWARE_CODE_BASE NPUEMU_FIRMWARE_CODE_BYTES NPUEMU_FIRMWARE_DATA_BASE NPUEMU_FIRMWARE_DATA_BYTES)
  if(NOT DEFINED ${_var})
    message(FATAL_ERROR "npuemu SDK: ${_var} not found in memory_map.h")
  endif()
endforeach()

if(NOT TARGET npuemu_sdk)
  # An object library: every SDK object is linked in, so crt0 and the console need no reference by name.
  add_library(npuemu_sdk OBJECT
    ${NPUEMU_SDK_DIR}/src/crt0.S
    ${NPUEMU_SDK_DIR}/src/start.c
    ${NPUEMU_SDK_DIR}/src/console.c
    ${NPUEMU_SDK_DIR}/src/exit.c
    ${NPUEMU_SDK_DIR}/src/trap_entry.S
    ${NPUEMU_SDK_DIR}/src/trap.c
    ${NPUEMU_SDK_DIR}/src/kernels/geometry.c
    ${NPUEMU_SDK_DIR}/src/kernels/gemm.c
    ${NPUEMU_SDK_DIR}/src/kernels/gemm_plan.c
    ${NPUEMU_SDK_DIR}/src/kernels/gemv.c
    ${NPUEMU_SDK_DIR}/src/kernels/decode_attention.c
    ${NPUEMU_SDK_DIR}/src/kernels/rows.c
    ${NPUEMU_SDK_DIR}/src/kernels/rows_backward.c
    ${NPUEMU_SDK_DIR}/src/kernels/attention_backward.c
    ${NPUEMU_SDK_DIR}/src/kernels/attention_backward_passes.c
    ${NPUEMU_SDK_DIR}/src/kernels/decoder_train.c
    ${NPUEMU_SDK_DIR}/src/kernels/attention.c
    ${NPUEMU_SDK_DIR}/src/kernels/flash_attention.c
    ${NPUEMU_SDK_DIR}/src/kernels/decoder.c
    ${NPUEMU_SDK_DIR}/src/kernels/transformer.c
    ${NPUEMU_SDK_DIR}/src/kernels/conv2d.c
    ${NPUEMU_SDK_DIR}/src/kernels/adamw.c
    ${NPUEMU_SDK_DIR}/src/collectives/common.c
    ${NPUEMU_SDK_DIR}/src/collectives/reduce.c
    ${NPUEMU_SDK_DIR}/src/collectives/ring.c
    ${NPUEMU_SDK_DIR}/src/collectives/doubling.c
    ${NPUEMU_SDK_DIR}/src/collectives/broadcast.c
    ${NPUEMU_SDK_DIR}/src/collectives/alltoall.c
    ${NPUEMU_SDK_DIR}/src/collectives/hierarchical.c
    ${NPUEMU_SDK_DIR}/src/collectives/tiles.c)
  # The generated NPU intrinsics (npuemu/npu_isa.h) come from the npuemu build (isa/npu_isa.yaml).
  if(NOT NPUEMU_GENERATED_DIR)
    message(FATAL_ERROR "npuemu SDK: set NPUEMU_GENERATED_DIR to <npuemu build>/generated (it holds npuemu/npu_isa.h)")
  endif()
  target_include_directories(npuemu_sdk PUBLIC ${NPUEMU_SDK_DIR}/include ${NPUEMU_GENERATED_DIR}/sdk)
  target_compile_options(npuemu_sdk PUBLIC -O2 -g -Wall -Wextra -std=c11 -DPICOLIBC_INTEGER_PRINTF_SCANF)
  target_link_options(npuemu_sdk PUBLIC
    -Wl,--defsym=__flash=${NPUEMU_FIRMWARE_CODE_BASE}
    -Wl,--defsym=__flash_size=${NPUEMU_FIRMWARE_CODE_BYTES}
    -Wl,--defsym=__ram=${NPUEMU_FIRMWARE_DATA_BASE}
    -Wl,--defsym=__ram_size=${NPUEMU_FIRMWARE_DATA_BYTES}
    -Wl,--defsym=__stack_size=0x100)  # the real stacks are per hart, in tile-local SRAM (crt0.S)
endif()

function(add_npuemu_firmware name)
  cmake_parse_arguments(FW "" "" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT FW_SOURCES)
    message(FATAL_ERROR "add_npuemu_firmware(${name}): no SOURCES")
  endif()
  add_executable(${name} ${FW_SOURCES})
  set_target_properties(${name} PROPERTIES SUFFIX ".elf")
  if(NPUEMU_FIRMWARE_OUTPUT_DIR)
    set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${NPUEMU_FIRMWARE_OUTPUT_DIR})
  endif()
  target_link_libraries(${name} PRIVATE npuemu_sdk ${FW_LIBRARIES})
endfunction()
