# The web pages (web/) and the vendored chart library (third_party/uplot/) are compiled into
# `lab` as one generated source file, so the proxy serves them with no files beside it and
# no internet. Rebuilt whenever one of the files changes.
file(GLOB LAB_WEB_FILES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/web/*)
list(APPEND LAB_WEB_FILES
  ${CMAKE_SOURCE_DIR}/third_party/uplot/dist/uPlot.iife.min.js
  ${CMAKE_SOURCE_DIR}/third_party/uplot/dist/uPlot.min.css)
set(LAB_WEB_ASSETS_CPP ${CMAKE_BINARY_DIR}/generated/web_assets.cpp)
string(REPLACE ";" "|" LAB_WEB_FILES_ARG "${LAB_WEB_FILES}")
add_custom_command(OUTPUT ${LAB_WEB_ASSETS_CPP}
  COMMAND ${CMAKE_COMMAND} -DOUT=${LAB_WEB_ASSETS_CPP} "-DFILES=${LAB_WEB_FILES_ARG}"
          -P ${CMAKE_SOURCE_DIR}/cmake/embed_assets.cmake
  DEPENDS ${LAB_WEB_FILES} ${CMAKE_SOURCE_DIR}/cmake/embed_assets.cmake
  COMMENT "Embedding the web pages" VERBATIM)
