# Precompiled headers, for the build time: each source file would otherwise parse
# nlohmann/json, and each test file GoogleTest too, on its own.
#
# GCC: two headers are built, the programs' one by drover_core and the tests' one by
# drover_puppet_support (test code builds with other flags, see tests/CMakeLists.txt);
# every other target reuses the one its flags match. GCC parses the header's text
# instead when a precompiled one does not fit a file's flags.
# Clang stops with an error there, so with clang (the fuzz build) each library builds
# its own (drover_precompile_headers_per_library).
# -DCMAKE_DISABLE_PRECOMPILE_HEADERS=ON builds without them, to find a missing #include.

# Each library of the programs builds its own header with its own flags (the fuzz build
# instruments some libraries and not others); a program's or test's few files of their
# own go without.
function(drover_precompile_headers_per_library)
  drover_targets_below(${PROJECT_SOURCE_DIR} targets)
  foreach(target IN LISTS targets)
    get_target_property(type ${target} TYPE)
    get_target_property(dir ${target} SOURCE_DIR)
    drover_links_matching(${target} "^drover_" links)
    if(type STREQUAL "STATIC_LIBRARY" AND (links OR target STREQUAL "drover_core") AND
       NOT dir MATCHES "^${PROJECT_SOURCE_DIR}/(tests|testing|bench)(/|$)")
      target_precompile_headers(${target} PRIVATE
        ${PROJECT_SOURCE_DIR}/cmake/precompiled/programs.hpp)
    endif()
  endforeach()
endfunction()

# What `target` links that matches `regex`, but the warnings (every target has them).
function(drover_links_matching target regex out)
  get_target_property(links ${target} LINK_LIBRARIES)
  list(FILTER links INCLUDE REGEX "${regex}")
  list(REMOVE_ITEM links drover_warnings)
  set(${out} ${links} PARENT_SCOPE)
endfunction()

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
  if(CMAKE_DISABLE_PRECOMPILE_HEADERS)
    return()
  endif()
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    drover_precompile_headers_per_library()
    return()
  endif()
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
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
    drover_links_matching(${target} "^drover_|^GTest::" links)
    if(NOT links)
      continue()
    endif()
    if(dir MATCHES "^${PROJECT_SOURCE_DIR}/tests(/|$)")
      # Test code not built on GoogleTest (the fuzz targets' replay builds) has neither
      # header's definitions.
      if(NOT TARGET drover_puppet_support OR NOT "${links}" MATCHES "GTest::")
        continue()
      endif()
      target_precompile_headers(${target} REUSE_FROM drover_puppet_support)
    else()
      target_precompile_headers(${target} REUSE_FROM drover_core)
    endif()
  endforeach()
endfunction()
