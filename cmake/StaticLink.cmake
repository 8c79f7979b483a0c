# lab_static_link(TARGET): a fully static executable (glibc included), stripped in Release.
# docs/BUILDING.md explains why fully static and the warnings glibc prints when linking it.
function(lab_static_link target)
  if(LAB_STATIC)
    target_link_options(${target} PRIVATE -static $<$<CONFIG:Release,MinSizeRel>:-s>)
  endif()
endfunction()
