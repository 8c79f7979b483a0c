# Generates <lab/build_info.hpp>: version, git commit and build settings for `lab --version`.
execute_process(COMMAND git rev-parse --short=12 HEAD
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR} OUTPUT_VARIABLE LAB_GIT_COMMIT
  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT LAB_GIT_COMMIT)
  set(LAB_GIT_COMMIT "unknown")
endif()
set(LAB_GENERATED_INCLUDE_DIR ${CMAKE_BINARY_DIR}/generated)
configure_file(${CMAKE_CURRENT_LIST_DIR}/build_info.hpp.in
  ${LAB_GENERATED_INCLUDE_DIR}/lab/build_info.hpp @ONLY)
