# cgrpc_generate(TARGET tgt PROTOS a.proto b.proto... [IMPORT_DIRS dir...] [OUT_DIR dir])
#
# Runs protoc with protoc-gen-cgrpc on each .proto at build time and adds the
# generated foo.pb.c files to `tgt`, with OUT_DIR on its include path so
# `#include "path/foo.pb.h"` works. Each proto's output path is its path
# relative to the first IMPORT_DIR that contains it (protoc's own rule).
# IMPORT_DIRS defaults to the current source dir; the well-known types under
# /usr/include are always importable.
#
# The plugin is the in-tree protoc-gen-cgrpc target when there is one (cgrpc's
# own build), else cgrpc::protoc-gen-cgrpc from find_package(cgrpc).
# Generated code includes "cgrpc/pb.h", so `tgt` must also link cgrpc.
#
# Every .proto the listed ones import must be generated and linked as well,
# well-known types included: list /usr/include/google/protobuf/timestamp.proto
# in PROTOS (with /usr/include in IMPORT_DIRS) when a file imports it. Generate
# each .proto once per program, or its symbols are defined twice.
find_program(CGRPC_PROTOC protoc REQUIRED)

function(cgrpc_generate)
  cmake_parse_arguments(G "" "TARGET;OUT_DIR" "PROTOS;IMPORT_DIRS" ${ARGN})
  if(NOT G_TARGET OR NOT G_PROTOS)
    message(FATAL_ERROR "cgrpc_generate: TARGET and PROTOS are required")
  endif()
  if(NOT G_IMPORT_DIRS)
    set(G_IMPORT_DIRS ${CMAKE_CURRENT_SOURCE_DIR})
  endif()
  if(NOT G_OUT_DIR)
    set(G_OUT_DIR ${CMAKE_CURRENT_BINARY_DIR}/cgrpc_gen)
  endif()
  if(TARGET protoc-gen-cgrpc)
    set(plugin $<TARGET_FILE:protoc-gen-cgrpc>)
    set(plugin_dep protoc-gen-cgrpc)
  elseif(TARGET cgrpc::protoc-gen-cgrpc)
    set(plugin $<TARGET_FILE:cgrpc::protoc-gen-cgrpc>)
    set(plugin_dep cgrpc::protoc-gen-cgrpc)
  else()
    message(FATAL_ERROR "cgrpc_generate: protoc-gen-cgrpc target not found")
  endif()
  set(import_args "")
  foreach(dir ${G_IMPORT_DIRS})
    get_filename_component(dir ${dir} ABSOLUTE)
    list(APPEND import_args -I${dir})
  endforeach()
  if(EXISTS /usr/include/google/protobuf/descriptor.proto)
    list(APPEND import_args -I/usr/include)
  endif()
  file(MAKE_DIRECTORY ${G_OUT_DIR})
  foreach(proto ${G_PROTOS})
    get_filename_component(abs ${proto} ABSOLUTE)
    set(rel "")
    foreach(dir ${G_IMPORT_DIRS})
      get_filename_component(dir ${dir} ABSOLUTE)
      file(RELATIVE_PATH candidate ${dir} ${abs})
      if(NOT candidate MATCHES "^\\.\\.(/|$)" AND NOT IS_ABSOLUTE "${candidate}")
        set(rel ${candidate})
        break()
      endif()
    endforeach()
    if(NOT rel)
      message(FATAL_ERROR "cgrpc_generate: ${proto} is not under any IMPORT_DIRS")
    endif()
    string(REGEX REPLACE "\\.proto$" "" stem ${rel})
    set(out_c ${G_OUT_DIR}/${stem}.pb.c)
    set(out_h ${G_OUT_DIR}/${stem}.pb.h)
    # protoc lists the imports it read, so changing one regenerates this file
    # (generated code names the imported types).
    set(dep_arg "")
    set(depfile_args "")
    if(CMAKE_VERSION VERSION_GREATER_EQUAL 3.20)
      set(dep_arg --dependency_out=${G_OUT_DIR}/${stem}.pb.d)
      set(depfile_args DEPFILE ${G_OUT_DIR}/${stem}.pb.d)
    endif()
    cmake_policy(PUSH)
    if(POLICY CMP0116)
      cmake_policy(SET CMP0116 NEW)
    endif()
    add_custom_command(
      OUTPUT ${out_c} ${out_h}
      COMMAND ${CGRPC_PROTOC} --plugin=protoc-gen-cgrpc=${plugin} --cgrpc_out=${G_OUT_DIR}
              ${dep_arg} ${import_args} ${abs}
      DEPENDS ${abs} ${plugin_dep}
      ${depfile_args}
      COMMENT "protoc-gen-cgrpc ${rel}"
      VERBATIM)
    cmake_policy(POP)
    target_sources(${G_TARGET} PRIVATE ${out_c} ${out_h})
  endforeach()
  target_include_directories(${G_TARGET} PUBLIC ${G_OUT_DIR})
endfunction()
