# Regenerates (MODE=update) or checks (MODE=check) the plugin's own
# descriptor.proto and plugin.proto code in compiler/gen.
#
#   cmake -DPROTOC=protoc -DPLUGIN=path/to/protoc-gen-cgrpc -DMODE=check|update
#         -DWORK_DIR=scratch/dir -P compiler/bootstrap.cmake
#
# descriptor.proto comes from the protobuf headers (/usr/include), plugin.proto
# from compiler/proto (see the note at its top). In check mode the output must
# be byte-identical to compiler/gen: the checked-in code is a fixed point of the
# plugin built from it.
foreach(var PROTOC PLUGIN MODE WORK_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "bootstrap.cmake: -D${var}=... is required")
  endif()
endforeach()
get_filename_component(compiler_dir ${CMAKE_CURRENT_LIST_DIR} ABSOLUTE)
set(gen_dir ${compiler_dir}/gen)
set(outputs google/protobuf/descriptor.pb.h google/protobuf/descriptor.pb.c
            google/protobuf/compiler/plugin.pb.h google/protobuf/compiler/plugin.pb.c)

file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
execute_process(
  COMMAND ${PROTOC} --plugin=protoc-gen-cgrpc=${PLUGIN} --cgrpc_out=${WORK_DIR}
          -I${compiler_dir}/proto -I/usr/include
          google/protobuf/descriptor.proto google/protobuf/compiler/plugin.proto
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "protoc with ${PLUGIN} failed (${rc})")
endif()

set(differ "")
foreach(out ${outputs})
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${WORK_DIR}/${out} ${gen_dir}/${out}
                  RESULT_VARIABLE same)
  if(NOT same EQUAL 0)
    list(APPEND differ ${out})
  endif()
endforeach()

if(MODE STREQUAL "update")
  foreach(out ${outputs})
    get_filename_component(dir ${gen_dir}/${out} DIRECTORY)
    file(COPY ${WORK_DIR}/${out} DESTINATION ${dir})
  endforeach()
  if(differ)
    message(STATUS "compiler/gen updated: ${differ}; rebuild and run again until nothing changes")
  else()
    message(STATUS "compiler/gen is a fixed point: nothing changed")
  endif()
elseif(differ)
  message(FATAL_ERROR "compiler/gen is not what the plugin generates: ${differ} differ "
                      "(see ${WORK_DIR}; build the protoc-gen-cgrpc-bootstrap target)")
else()
  message(STATUS "compiler/gen is a fixed point of the plugin (${outputs})")
endif()
