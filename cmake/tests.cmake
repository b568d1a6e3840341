# tests.cmake — registers every test by folder convention:
#   tests/unit/test*.c          cmocka unit tests (one executable each)
#   tests/integration/*.sh      drive the real `huginn` binary
#   tests/fuzz/fuzz*.c          libFuzzer targets (HGN_FUZZ=ON), run for HGN_FUZZ_SECONDS
pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)

set(HGN_TEST_ENV
  "HGN_SOURCE_DIR=${CMAKE_SOURCE_DIR}"
  "HGN_BINARY_DIR=${CMAKE_BINARY_DIR}"
  "HGN_TEST_DATA=${CMAKE_SOURCE_DIR}/tests/data"
  "HUGINN=$<TARGET_FILE:huginn>"
  "NO_COLOR=1"
  "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0"
  "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")

# NVML test double for the diagnostics tests: a shared library the probe opens
# with dlopen (tests/nvmlDouble/nvmlDouble.c); its path reaches tests as HGN_NVML_DOUBLE.
if(EXISTS ${CMAKE_SOURCE_DIR}/tests/nvmlDouble/nvmlDouble.c)
  add_library(nvmlDouble SHARED ${CMAKE_SOURCE_DIR}/tests/nvmlDouble/nvmlDouble.c)
  pkg_check_modules(NVML_DOUBLE_DEPS REQUIRED IMPORTED_TARGET jansson)
  target_link_libraries(nvmlDouble PRIVATE PkgConfig::NVML_DOUBLE_DEPS)
  list(APPEND HGN_TEST_ENV "HGN_NVML_DOUBLE=$<TARGET_FILE:nvmlDouble>")
endif()

file(GLOB HGN_UNIT_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/unit/test*.c)
foreach(src ${HGN_UNIT_TESTS})
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} ${src})
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/src ${CMAKE_SOURCE_DIR}/tests)
  target_link_libraries(${name} PRIVATE huginn_static PkgConfig::CMOCKA)
  target_compile_definitions(${name} PRIVATE
    HGN_SOURCE_DIR="${CMAKE_SOURCE_DIR}" HGN_TEST_DATA="${CMAKE_SOURCE_DIR}/tests/data")
  add_test(NAME unit.${name} COMMAND ${name})
  set_tests_properties(unit.${name} PROPERTIES LABELS unit ENVIRONMENT "${HGN_TEST_ENV}")
endforeach()

file(GLOB HGN_INTEGRATION_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/integration/*.sh)
foreach(script ${HGN_INTEGRATION_TESTS})
  get_filename_component(name ${script} NAME_WE)
  add_test(NAME integration.${name} COMMAND bash ${script})
  set_tests_properties(integration.${name} PROPERTIES LABELS integration ENVIRONMENT "${HGN_TEST_ENV}")
endforeach()

if(HGN_FUZZ)
  file(GLOB HGN_FUZZ_TARGETS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz*.c)
  foreach(src ${HGN_FUZZ_TARGETS})
    get_filename_component(name ${src} NAME_WE)
    add_executable(${name} ${src})
    target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/src)
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
    target_link_libraries(${name} PRIVATE huginn_static)
    set(corpus ${CMAKE_SOURCE_DIR}/tests/fuzz/corpus/${name})
    set(work ${CMAKE_BINARY_DIR}/fuzzWork/${name})
    add_test(NAME fuzz.${name}
      COMMAND ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=1
        bash ${CMAKE_SOURCE_DIR}/tests/fuzz/runFuzz.sh $<TARGET_FILE:${name}> ${corpus} ${work} ${HGN_FUZZ_SECONDS})
    set_tests_properties(fuzz.${name} PROPERTIES LABELS fuzz)
  endforeach()
endif()
