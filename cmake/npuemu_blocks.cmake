# The model's blocks as libraries with declared dependencies, and the rule that keeps the layers honest.
#
# npuemu_block(NAME SOURCES ... [DEPENDS block ...] [LIBS target ...]) makes the static library npuemu_NAME from
# model/NAME/. A block may include its own headers and those of the blocks it depends on, directly or through them;
# npuemu_check_layering() fails the configure step on any other "model/..." include (an upward include: a cycle in
# the making), naming the file, the line and what its block may use.

set_property(GLOBAL PROPERTY NPUEMU_BLOCKS "")

# Records a block and what it may use (also usable in script mode, for the layering rule's own test).
function(npuemu_declare_block name)
  set_property(GLOBAL APPEND PROPERTY NPUEMU_BLOCKS ${name})
  set_property(GLOBAL PROPERTY NPUEMU_BLOCK_DEPS_${name} "${ARGN}")
endfunction()

function(npuemu_block name)
  cmake_parse_arguments(BLOCK "" "" "SOURCES;DEPENDS;LIBS" ${ARGN})
  npuemu_declare_block(${name} ${BLOCK_DEPENDS})
  add_library(npuemu_${name} STATIC ${BLOCK_SOURCES})
  foreach(dep IN LISTS BLOCK_DEPENDS)
    target_link_libraries(npuemu_${name} PUBLIC npuemu_${dep})
  endforeach()
  if(BLOCK_LIBS)
    target_link_libraries(npuemu_${name} PUBLIC ${BLOCK_LIBS})
  endif()
endfunction()

# The blocks a block may use: its dependencies and theirs.
function(npuemu_block_closure name out)
  set(closure "")
  set(pending ${name})
  while(pending)
    list(POP_FRONT pending current)
    get_property(deps GLOBAL PROPERTY NPUEMU_BLOCK_DEPS_${current})
    foreach(dep IN LISTS deps)
      if(NOT dep IN_LIST closure)
        list(APPEND closure ${dep})
        list(APPEND pending ${dep})
      endif()
    endforeach()
  endwhile()
  set(${out} ${closure} PARENT_SCOPE)
endfunction()

# Checks every source and header under MODEL_DIR/<block>/ against the declared dependencies. Returns the problems
# in OUT (empty: none), one line each.
function(npuemu_layering_problems model_dir out)
  get_property(blocks GLOBAL PROPERTY NPUEMU_BLOCKS)
  set(problems "")
  foreach(block IN LISTS blocks)
    npuemu_block_closure(${block} allowed)
    file(GLOB files "${model_dir}/${block}/*.h" "${model_dir}/${block}/*.cpp")
    foreach(file IN LISTS files)
      file(STRINGS "${file}" lines REGEX "^[ \t]*#[ \t]*include[ \t]*\"model/[a-z_]+/")
      foreach(line IN LISTS lines)
        string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*\"model/([a-z_]+)/.*" "\\1" used "${line}")
        if(NOT used STREQUAL block AND NOT used IN_LIST allowed)
          file(RELATIVE_PATH shown "${model_dir}/.." "${file}")
          list(APPEND problems "${shown}: '${line}': block '${block}' may use only: ${allowed}")
        endif()
      endforeach()
    endforeach()
  endforeach()
  set(${out} "${problems}" PARENT_SCOPE)
endfunction()

function(npuemu_check_layering model_dir)
  npuemu_layering_problems("${model_dir}" problems)
  if(problems)
    list(JOIN problems "\n  " text)
    message(FATAL_ERROR "model layering: includes the declared block dependencies do not allow (an upward include "
                        "makes a cycle; declare the dependency in model/CMakeLists.txt if it is a real one, or move "
                        "the shared piece down to model/common):\n  ${text}")
  endif()
endfunction()
