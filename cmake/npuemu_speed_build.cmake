# How the CLI's code is optimised beyond -O3, on request (issue 17; measured in bench/timing_only_profile.md,
# "Fourth pass: the build").
#
# NPUEMU_LTO: link-time optimisation of the npuemu executable. The model's and the CLI's libraries are compiled
# with GCC's fat LTO objects (the intermediate code beside the ordinary object code); npuemu links them with
# -flto=auto, every other executable (tests, harnesses, benches) with -fno-lto, so they link the ordinary code as
# before and the LTO link is paid once. Never in the sanitizer or fuzz builds.
#
# NPUEMU_PGO=GENERATE|USE with NPUEMU_PGO_DIR: profile-guided optimisation, for `make fast` (a build directory of its
# own: instrumented, trained by bench/pgo_train.sh, then reconfigured to USE and rebuilt in the same directory, as
# GCC 12 checks each function's source locations and the generated headers live in the build directory). Same
# results as the plain build: the profiles change code layout, inlining and branch order, never arithmetic
# (-ffp-contract=off stays).

# Off by default: measured no faster than the plain -O3 build on the memory-bound runs (0.99x, 1.01x) and slower to
# rebuild (every change re-runs the LTO link, ~60 s wall here).
option(NPUEMU_LTO "Link-time optimisation of the npuemu executable (GCC, fat LTO objects in model/ and cli/)" OFF)
set(NPUEMU_PGO "OFF" CACHE STRING "Profile-guided optimisation of model/ and cli/: OFF, GENERATE or USE")
set_property(CACHE NPUEMU_PGO PROPERTY STRINGS OFF GENERATE USE)
set(NPUEMU_PGO_DIR "" CACHE PATH "Where GENERATE writes the profiles (.gcda) and USE reads them")

if(NPUEMU_LTO OR NOT NPUEMU_PGO STREQUAL "OFF")
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    message(FATAL_ERROR "NPUEMU_LTO and NPUEMU_PGO are written for GCC's options (this is ${CMAKE_CXX_COMPILER_ID}): "
                        "configure with -DNPUEMU_LTO=OFF -DNPUEMU_PGO=OFF")
  endif()
  if(NPUEMU_SANITIZE OR NPUEMU_FUZZ)
    message(FATAL_ERROR "NPUEMU_LTO and NPUEMU_PGO are for speed builds, not with NPUEMU_SANITIZE or NPUEMU_FUZZ")
  endif()
endif()

# Compile options for the code npuemu links (model/ and cli/ add them to their directories).
set(NPUEMU_SPEED_COMPILE_OPTIONS "")
if(NPUEMU_LTO)
  list(APPEND NPUEMU_SPEED_COMPILE_OPTIONS -flto=auto -ffat-lto-objects)
  # Only targets with NPUEMU_LTO_LINK (npuemu) run the LTO link; the plugin would otherwise run it for every
  # executable that links a fat object, so the others say -fno-lto.
  add_link_options("$<IF:$<BOOL:$<TARGET_PROPERTY:NPUEMU_LTO_LINK>>,-flto=auto,-fno-lto>")
endif()
if(NOT NPUEMU_PGO STREQUAL "OFF")
  if(NOT NPUEMU_PGO_DIR)
    message(FATAL_ERROR "NPUEMU_PGO=${NPUEMU_PGO} needs NPUEMU_PGO_DIR (an absolute directory for the profiles)")
  endif()
  # The profiles are named by each object's path below the build directory (not the whole absolute path).
  set(pgo_prefix -fprofile-prefix-path=${CMAKE_BINARY_DIR})
  if(NPUEMU_PGO STREQUAL "GENERATE")
    list(APPEND NPUEMU_SPEED_COMPILE_OPTIONS -fprofile-generate=${NPUEMU_PGO_DIR} ${pgo_prefix})
    add_link_options(-fprofile-generate=${NPUEMU_PGO_DIR})
  elseif(NPUEMU_PGO STREQUAL "USE")
    # Code the training did not run keeps its ordinary optimisation (-fprofile-partial-training); files with no
    # profile at all (e.g. commands the training does not use) are expected.
    list(APPEND NPUEMU_SPEED_COMPILE_OPTIONS -fprofile-use=${NPUEMU_PGO_DIR} ${pgo_prefix}
         -fprofile-partial-training -Wno-missing-profile)
  else()
    message(FATAL_ERROR "NPUEMU_PGO must be OFF, GENERATE or USE (got '${NPUEMU_PGO}')")
  endif()
endif()
