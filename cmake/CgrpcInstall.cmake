# make install: headers, libcgrpc.{a,so}, protoc-gen-cgrpc, the cgrpc CLI,
# cgrpc.pc for pkg-config and cgrpcConfig.cmake for find_package(cgrpc).
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
