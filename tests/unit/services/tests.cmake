# What the services tests need besides cgrpc_services (included from
# tests/CMakeLists.txt): test_reflection serves the generated code of
# proto/refl_*.proto, and describes proto/refl_pooled.proto from the
# descriptor set protoc writes of it (a service registered by hand).
if(NOT TARGET test_reflection OR NOT TARGET protoc-gen-cgrpc)
  return()
endif()
set(services_proto_dir ${CMAKE_CURRENT_LIST_DIR}/proto)
cgrpc_generate(TARGET test_reflection
               PROTOS ${services_proto_dir}/refl_base.proto ${services_proto_dir}/refl_dep.proto
                      ${services_proto_dir}/refl_test.proto ${services_proto_dir}/refl_extra.proto
               IMPORT_DIRS ${services_proto_dir}
               OUT_DIR ${CMAKE_CURRENT_BINARY_DIR}/services_gen)
set(services_pooled_set ${CMAKE_CURRENT_BINARY_DIR}/refl_pooled.desc)
add_custom_command(
  OUTPUT ${services_pooled_set}
  COMMAND ${CGRPC_PROTOC} --include_imports -o ${services_pooled_set} -I${services_proto_dir}
          refl_pooled.proto
  DEPENDS ${services_proto_dir}/refl_pooled.proto
  COMMENT "Writing the descriptor set of refl_pooled.proto for test_reflection"
  VERBATIM)
add_custom_target(services_pooled_set DEPENDS ${services_pooled_set})
add_dependencies(test_reflection services_pooled_set)
target_compile_definitions(test_reflection PRIVATE REFL_POOLED_DESC_SET="${services_pooled_set}")
