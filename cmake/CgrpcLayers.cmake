# cgrpc_layer(NAME [DEPS layer...] [LIBS lib...])
#   Compiles src/NAME/**/*.c into object library cgrpc_NAME_obj and a static
#   library cgrpc_NAME that also carries the lower layers it DEPS on.
#   A layer with no sources yet is skipped.
set(CGRPC_LAYER_OBJECTS "" CACHE INTERNAL "")
set(CGRPC_LAYER_LIBS "" CACHE INTERNAL "")

function(cgrpc_layer name)
  cmake_parse_arguments(L "" "" "DEPS;LIBS" ${ARGN})
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/${name}/*.c)
  if(NOT srcs)
    return()
  endif()
  add_library(cgrpc_${name}_obj OBJECT ${srcs})
  # Hidden by default: libcgrpc.so exports only what the public headers
  # declare (they say so with `#pragma GCC visibility push(default)`; see
  # include/cgrpc/cgrpc.h), and the test library.exported_symbols checks it.
  # Static linking ignores visibility, so unit tests still reach internals.
  set_target_properties(cgrpc_${name}_obj PROPERTIES POSITION_INDEPENDENT_CODE ON
                        C_VISIBILITY_PRESET hidden)
  target_include_directories(cgrpc_${name}_obj PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(cgrpc_${name}_obj PUBLIC cgrpc_headers ${L_LIBS})
  add_library(cgrpc_${name} STATIC $<TARGET_OBJECTS:cgrpc_${name}_obj>)
  target_link_libraries(cgrpc_${name} PUBLIC cgrpc_headers ${L_LIBS})
  target_include_directories(cgrpc_${name} INTERFACE ${PROJECT_SOURCE_DIR}/src)
  foreach(dep ${L_DEPS})
    if(TARGET cgrpc_${dep})
      target_link_libraries(cgrpc_${name} PUBLIC cgrpc_${dep})
      # Objects of a layer may include the lower layers' link requirements.
      target_link_libraries(cgrpc_${name}_obj PUBLIC $<TARGET_PROPERTY:cgrpc_${dep},INTERFACE_LINK_LIBRARIES>)
    endif()
  endforeach()
  set(CGRPC_LAYER_OBJECTS ${CGRPC_LAYER_OBJECTS} $<TARGET_OBJECTS:cgrpc_${name}_obj> CACHE INTERNAL "")
  set(CGRPC_LAYER_LIBS ${CGRPC_LAYER_LIBS} ${L_LIBS} CACHE INTERNAL "")
endfunction()

# The user-facing libraries: libcgrpc.a and libcgrpc.so from every layer.
function(cgrpc_add_library)
  set(libs ${CGRPC_LAYER_LIBS})
  if(libs)
    list(REMOVE_DUPLICATES libs)
  endif()
  add_library(cgrpc STATIC ${CGRPC_LAYER_OBJECTS})
  target_link_libraries(cgrpc PUBLIC cgrpc_headers ${libs})
  add_library(cgrpc_shared SHARED ${CGRPC_LAYER_OBJECTS})
  target_link_libraries(cgrpc_shared PUBLIC cgrpc_headers ${libs})
  set_target_properties(cgrpc_shared PROPERTIES OUTPUT_NAME cgrpc
                        VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR})
  add_library(cgrpc::cgrpc ALIAS cgrpc)
endfunction()
