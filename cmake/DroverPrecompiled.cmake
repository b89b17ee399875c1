# Precompiled headers, for the build time: each source file would otherwise parse
# nlohmann/json, and each test file GoogleTest too, on its own. Two headers are built:
# the programs' one by drover_core, the tests' one by drover_puppet_support (test code
# builds with other flags, see tests/CMakeLists.txt); every other target reuses the one
# its flags match. GCC only: GCC parses the header's text instead when a precompiled one
# does not fit a file's flags, where clang stops with an error (the fuzz build is clang's).
# -DCMAKE_DISABLE_PRECOMPILE_HEADERS=ON builds without them, to find a missing #include.

# The build-system targets of `dir` and of every directory below it.
function(drover_targets_below dir out)
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(subdir IN LISTS subdirs)
    drover_targets_below(${subdir} below)
    list(APPEND targets ${below})
  endforeach()
  set(${out} ${targets} PARENT_SCOPE)
endfunction()

function(drover_precompile_headers)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "GNU" OR CMAKE_DISABLE_PRECOMPILE_HEADERS)
    return()
  endif()
  set(owners drover_core)
  target_precompile_headers(drover_core PRIVATE
    ${PROJECT_SOURCE_DIR}/cmake/precompiled/programs.hpp)
  if(TARGET drover_puppet_support)
    list(APPEND owners drover_puppet_support)
    target_precompile_headers(drover_puppet_support PRIVATE
      ${PROJECT_SOURCE_DIR}/cmake/precompiled/tests.hpp)
  endif()
  drover_targets_below(${PROJECT_SOURCE_DIR} targets)
  foreach(target IN LISTS targets)
    get_target_property(type ${target} TYPE)
    get_target_property(dir ${target} SOURCE_DIR)
    if(target IN_LIST owners OR NOT type MATCHES "^(STATIC_LIBRARY|EXECUTABLE)$")
      continue()
    endif()
    # A target built on none of Drover's libraries (sd_notify alone, a namespace
    # launcher) lacks their definitions, so neither header would fit it.
    get_target_property(links ${target} LINK_LIBRARIES)
    list(FILTER links INCLUDE REGEX "^drover_|^GTest::")
    list(REMOVE_ITEM links drover_warnings)
    if(NOT links)
      continue()
    endif()
    if(dir MATCHES "^${PROJECT_SOURCE_DIR}/tests(/|$)" AND TARGET drover_puppet_support)
      target_precompile_headers(${target} REUSE_FROM drover_puppet_support)
    else()
      target_precompile_headers(${target} REUSE_FROM drover_core)
    endif()
  endforeach()
endfunction()
