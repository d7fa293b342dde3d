# Compiler flags for every target of the project (not imposed on users).
add_compile_options(-Wall -Wextra -Wshadow -Wno-unused-parameter -fno-strict-aliasing
                    $<$<COMPILE_LANGUAGE:C>:-Wstrict-prototypes>
                    $<$<COMPILE_LANGUAGE:C>:-Wmissing-prototypes>)
# The layer objects are position-independent (they also make libcgrpc.so);
# without interposition the static library's hot paths lose nothing to PIC.
if(CMAKE_C_COMPILER_ID STREQUAL "GNU")
  add_compile_options($<$<COMPILE_LANGUAGE:C>:-fno-semantic-interposition>)
endif()
if(CGRPC_WERROR)
  add_compile_options(-Werror)
endif()
if(CGRPC_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
if(CGRPC_SANITIZE_THREAD)
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
endif()
if(CGRPC_COVERAGE)
  # gcov counters for lcov (make coverage); every target, so the tests'
  # runs of the library are counted. Branch coverage wants no optimiser.
  add_compile_options(--coverage -O0)
  add_link_options(--coverage)
endif()
