# -DLAB_SANITIZE=ON: AddressSanitizer + UndefinedBehaviorSanitizer for every target, which also
# turns off static linking (the sanitizer runtimes are shared libraries).
if(LAB_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
  set(LAB_STATIC OFF CACHE BOOL "" FORCE)
  set(CMAKE_BUILD_TYPE Debug CACHE STRING "" FORCE)
endif()
