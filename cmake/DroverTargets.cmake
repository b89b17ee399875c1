# Helpers so each folder's CMakeLists stays a short list of sources and edges.

# drover_add_library(name SOURCES... DEPS...) : a static library rooted at the repo.
function(drover_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS} PRIVATE drover_warnings)
endfunction()

# drover_add_executable(name SOURCES... DEPS...) : a thin main linked to its library.
function(drover_add_executable name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} drover_warnings)
endfunction()

# drover_test_target(target LABEL) : lists `target` among what ctest -L LABEL runs, so
# the drover-tests and drover-e2e-tests targets build it (see the top CMakeLists.txt).
function(drover_test_target target label)
  set_property(GLOBAL APPEND PROPERTY DROVER_TEST_TARGETS_${label} ${target})
endfunction()

# drover_add_test(name LABEL unit|integration|e2e [PREFIX p.] SOURCES... DEPS...) : one
# GoogleTest binary; PREFIX goes before each test's ctest name (so `ctest -R p` finds them).
function(drover_add_test name)
  cmake_parse_arguments(ARG "" "LABEL;PREFIX" "SOURCES;DEPS" ${ARGN})
  drover_test_target(${name} ${ARG_LABEL})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest_main drover_warnings)
  target_compile_definitions(${name} PRIVATE
    DROVER_SOURCE_DIR="${PROJECT_SOURCE_DIR}" DROVER_BINARY_DIR="${PROJECT_BINARY_DIR}")
  # The programs a test runs keep their caches (drover's completion_cache) in the build
  # tree, not in the home directory of whoever runs the tests.
  gtest_discover_tests(${name} TEST_PREFIX "${ARG_PREFIX}"
    PROPERTIES LABELS ${ARG_LABEL} DISCOVERY_TIMEOUT 30
               ENVIRONMENT "XDG_CACHE_HOME=${PROJECT_BINARY_DIR}/test-cache")
endfunction()
