# Finds the Debian packages lab builds against (scripts/install-deps.sh installs them) and
# gathers them into one INTERFACE target, `lab_deps`. Static archives are preferred so that
# `lab` links fully static; see docs/BUILDING.md for the two traps this file avoids.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

if(LAB_STATIC)
  set(CMAKE_FIND_LIBRARY_SUFFIXES .a)
endif()

function(lab_find_lib var name)
  find_library(${var} NAMES ${name} REQUIRED)
endfunction()

lab_find_lib(LAB_SQLITE sqlite3)
lab_find_lib(LAB_XXHASH xxhash)
lab_find_lib(LAB_SSL ssl)
lab_find_lib(LAB_CRYPTO crypto)
lab_find_lib(LAB_ARCHIVE archive)
# libarchive's own dependencies, minus libxml2 (only its xar format needs it; see
# src/lab/archive/xar_disabled.c).
foreach(dep nettle acl lzma zstd lz4 bz2 z)
  lab_find_lib(LAB_ARCHIVE_DEP_${dep} ${dep})
  list(APPEND LAB_ARCHIVE_DEPS ${LAB_ARCHIVE_DEP_${dep}})
endforeach()

foreach(header asio.hpp nlohmann/json.hpp toml++/toml.h CLI/CLI.hpp doctest/doctest.h xxhash.h archive.h sqlite3.h)
  find_path(found_${header} ${header} REQUIRED)
endforeach()

# cpp-httplib: vendored implementation (Debian ships only a shared library).
add_library(httplib STATIC ${CMAKE_SOURCE_DIR}/third_party/cpp-httplib/httplib.cc)
target_include_directories(httplib SYSTEM PUBLIC ${CMAKE_SOURCE_DIR}/third_party/cpp-httplib)
target_compile_definitions(httplib PUBLIC CPPHTTPLIB_OPENSSL_SUPPORT CPPHTTPLIB_ZLIB_SUPPORT)
target_link_libraries(httplib PUBLIC ${LAB_SSL} ${LAB_CRYPTO} ${LAB_ARCHIVE_DEP_z} Threads::Threads)

add_library(lab_deps INTERFACE)
target_compile_definitions(lab_deps INTERFACE ASIO_STANDALONE ASIO_NO_DEPRECATED)
target_link_libraries(lab_deps INTERFACE
  httplib ${LAB_SQLITE} ${LAB_ARCHIVE} ${LAB_ARCHIVE_DEPS} ${LAB_XXHASH}
  ${LAB_SSL} ${LAB_CRYPTO} Threads::Threads ${CMAKE_DL_LIBS} m)

if(LAB_STATIC)
  set(LAB_STATIC_BOOL true)
else()
  set(LAB_STATIC_BOOL false)
endif()
if(LAB_SANITIZE)
  set(LAB_SANITIZE_BOOL true)
else()
  set(LAB_SANITIZE_BOOL false)
endif()
