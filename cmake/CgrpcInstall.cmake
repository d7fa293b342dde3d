# make install: headers, libcgrpc.{a,so}, protoc-gen-cgrpc, cgrpc.pc for
# pkg-config and cgrpcConfig.cmake for find_package(cgrpc).
include(CMakePackageConfigHelpers)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/cgrpc DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS cgrpc cgrpc_shared cgrpc_headers EXPORT cgrpcTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(TARGET protoc-gen-cgrpc)
  install(TARGETS protoc-gen-cgrpc EXPORT cgrpcTargets RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
install(EXPORT cgrpcTargets NAMESPACE cgrpc:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/cgrpc)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/cgrpcConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cgrpcConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/cgrpc)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/cgrpcConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/cgrpcConfig.cmake ${PROJECT_BINARY_DIR}/cgrpcConfigVersion.cmake
              ${PROJECT_SOURCE_DIR}/cmake/CgrpcGenerate.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/cgrpc)

configure_file(${PROJECT_SOURCE_DIR}/cmake/cgrpc.pc.in ${PROJECT_BINARY_DIR}/cgrpc.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/cgrpc.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# A shared library installed as root into a directory the dynamic linker
# searches (/usr/local/lib, /usr/lib/<arch>, ...) is found by programs only
# once ldconfig has updated its cache and the libcgrpc.so.N link. Not for a
# staged install (DESTDIR) nor a prefix of one's own, which programs find
# through -rpath or LD_LIBRARY_PATH.
install(CODE "set(CGRPC_INSTALL_LIBDIR \"${CMAKE_INSTALL_LIBDIR}\")")
install(CODE [[
  set(libdir "${CGRPC_INSTALL_LIBDIR}")
  if(NOT IS_ABSOLUTE "${libdir}")
    set(libdir "${CMAKE_INSTALL_PREFIX}/${libdir}")
  endif()
  set(ldconfig "")
  foreach(candidate /sbin/ldconfig /usr/sbin/ldconfig)
    if(NOT ldconfig AND EXISTS ${candidate})
      set(ldconfig ${candidate})
    endif()
  endforeach()
  execute_process(COMMAND id -u OUTPUT_VARIABLE uid OUTPUT_STRIP_TRAILING_WHITESPACE
                  ERROR_QUIET)
  if("$ENV{DESTDIR}" STREQUAL "" AND uid STREQUAL "0" AND ldconfig)
    set(dirs /lib /usr/lib /lib64 /usr/lib64)
    file(GLOB confs /etc/ld.so.conf /etc/ld.so.conf.d/*.conf)
    foreach(conf ${confs})
      file(STRINGS ${conf} lines REGEX "^/")
      list(APPEND dirs ${lines})
    endforeach()
    get_filename_component(libdir "${libdir}" REALPATH)
    list(TRANSFORM dirs REPLACE "/+$" "")
    list(FIND dirs "${libdir}" found)
    if(found GREATER -1)
      message(STATUS "Running ldconfig for ${libdir}")
      execute_process(COMMAND ${ldconfig} RESULT_VARIABLE rc)
      if(NOT rc EQUAL 0)
        message(WARNING "ldconfig failed (${rc}): run it before using libcgrpc.so")
      endif()
    endif()
  endif()
]])
