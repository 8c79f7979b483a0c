# lab_enable_warnings(TARGET): strict warnings as errors on lab's own code only.
#
# GCC 12 at -O2/-O3 reports false buffer overflows inside libstdc++'s own std::string code
# (GCC bugs 105329, 105651: -Wrestrict, -Wstringop-overflow, -Warray-bounds on ordinary
# string concatenation). They are turned off for GCC < 13 only; the ASan+UBSan build checks
# the same property at run time.
function(lab_enable_warnings target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Werror -Wno-error=deprecated-declarations>
    $<$<COMPILE_LANGUAGE:C>:-Wall -Wextra -Werror>)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE
      $<$<COMPILE_LANGUAGE:CXX>:-Wno-restrict -Wno-stringop-overflow -Wno-array-bounds>)
  endif()
endfunction()
