# Regenerates (MODE=update) or checks (MODE=check) the checked-in generated
# code: the plugin's plugin.proto code in compiler/gen, descriptor.proto
# with the other well-known types in src/wkt (the library's `wkt` layer, which
# the plugin links too, so descriptor.pb.c exists once), and grpc-proto's
# health and reflection services in src/services (the `services` layer).
#
#   cmake -DPROTOC=protoc -DPLUGIN=path/to/protoc-gen-cgrpc -DMODE=check|update
#         -DWORK_DIR=scratch/dir -P compiler/bootstrap.cmake
#
# The well-known types come from the protobuf headers (/usr/include),
# plugin.proto from compiler/proto (see the note at its top), the services
# from Debian's grpc-proto (/usr/share/grpc-proto). In check mode the
# output must be byte-identical to what is checked in: that code is a fixed
# point of the plugin built from it.
foreach(var PROTOC PLUGIN MODE WORK_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "bootstrap.cmake: -D${var}=... is required")
  endif()
endforeach()
get_filename_component(compiler_dir ${CMAKE_CURRENT_LIST_DIR} ABSOLUTE)
get_filename_component(wkt_dir ${compiler_dir}/../src/wkt ABSOLUTE)
get_filename_component(services_dir ${compiler_dir}/../src/services ABSOLUTE)
set(grpc_proto_dir /usr/share/grpc-proto)
set(wkt_protos any api descriptor duration empty field_mask source_context struct timestamp type
               wrappers)
# Each output as "<checked-in root>|<path under it>".
set(outputs ${compiler_dir}/gen|google/protobuf/compiler/plugin.pb.h
            ${compiler_dir}/gen|google/protobuf/compiler/plugin.pb.c)
set(inputs google/protobuf/compiler/plugin.proto)
foreach(p ${wkt_protos})
  list(APPEND inputs google/protobuf/${p}.proto)
  list(APPEND outputs ${wkt_dir}|google/protobuf/${p}.pb.h ${wkt_dir}|google/protobuf/${p}.pb.c)
endforeach()
foreach(p grpc/health/v1/health grpc/reflection/v1/reflection grpc/reflection/v1alpha/reflection)
  list(APPEND inputs ${p}.proto)
  list(APPEND outputs ${services_dir}|${p}.pb.h ${services_dir}|${p}.pb.c)
endforeach()

file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
execute_process(
  COMMAND ${PROTOC} --plugin=protoc-gen-cgrpc=${PLUGIN} --cgrpc_out=${WORK_DIR}
          -I${compiler_dir}/proto -I/usr/include -I${grpc_proto_dir} ${inputs}
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "protoc with ${PLUGIN} failed (${rc})")
endif()

set(differ "")
foreach(out ${outputs})
  string(REPLACE "|" ";" parts ${out})
  list(GET parts 0 root)
  list(GET parts 1 rel)
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${WORK_DIR}/${rel} ${root}/${rel}
                  RESULT_VARIABLE same)
  if(NOT same EQUAL 0)
    list(APPEND differ ${rel})
  endif()
  if(MODE STREQUAL "update")
    get_filename_component(dir ${root}/${rel} DIRECTORY)
    file(COPY ${WORK_DIR}/${rel} DESTINATION ${dir})
  endif()
endforeach()

if(MODE STREQUAL "update")
  if(differ)
    message(STATUS "generated code updated: ${differ}; rebuild and run again until nothing changes")
  else()
    message(STATUS "compiler/gen, src/wkt and src/services are a fixed point: nothing changed")
  endif()
elseif(differ)
  message(FATAL_ERROR "compiler/gen, src/wkt or src/services is not what the plugin generates: "
                      "${differ} differ (see ${WORK_DIR}; build the protoc-gen-cgrpc-bootstrap "
                      "target)")
else()
  message(STATUS "compiler/gen, src/wkt and src/services are a fixed point of the plugin")
endif()
