# What the reflect tests need besides cgrpc_reflect (included from
# tests/CMakeLists.txt): test_dynamic compares dynamic messages with the
# generated code of tests/proto (pbtest_schemas, random messages from
# tests/pb_diff's pbt_support) over a descriptor set protoc writes of the
# same files (`protoc -o --include_imports`).
if(NOT TARGET test_dynamic OR NOT TARGET protoc-gen-cgrpc)
  return()
endif()
set(reflect_desc_set ${CMAKE_CURRENT_BINARY_DIR}/reflect_pbtest.desc)
file(GLOB_RECURSE reflect_protos CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/proto/*.proto)
set(reflect_proto_names "")
foreach(p ${reflect_protos})
  file(RELATIVE_PATH rel ${PROJECT_SOURCE_DIR}/tests/proto ${p})
  list(APPEND reflect_proto_names ${rel})
endforeach()
add_custom_command(
  OUTPUT ${reflect_desc_set}
  COMMAND ${CGRPC_PROTOC} --include_imports -o ${reflect_desc_set}
          -I${PROJECT_SOURCE_DIR}/tests/proto -I/usr/include ${reflect_proto_names}
  DEPENDS ${reflect_protos}
  COMMENT "Writing the descriptor set of tests/proto for the reflect tests"
  VERBATIM)
add_custom_target(reflect_desc_set DEPENDS ${reflect_desc_set})
add_dependencies(test_dynamic reflect_desc_set)
target_link_libraries(test_dynamic PRIVATE pbt_support)
target_compile_definitions(test_dynamic PRIVATE REFLECT_DESC_SET="${reflect_desc_set}")
