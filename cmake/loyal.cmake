# Helpers shared by every folder's CMakeLists.txt, so that each target gets the same warnings
# and each test is registered the same way.

set(LOYAL_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align
    -Woverloaded-virtual -Wimplicit-fallthrough -Wformat=2)
# GCC 12 reports -Wrestrict on ordinary std::string concatenation at -O2 (GCC bug 105329), a false
# positive that would otherwise make every `"a" + std::string(b)` in a Release build an error.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  list(APPEND LOYAL_WARNINGS -Wno-restrict)
endif()
if(LOYAL_WERROR)
  list(APPEND LOYAL_WARNINGS -Werror)
endif()

# loyal_warnings(target): our own code compiles warning-free.
function(loyal_warnings target)
  target_compile_options(${target} PRIVATE ${LOYAL_WARNINGS})
endfunction()

# loyal_library(name SOURCES ... DEPS ...): one library per folder; includes are rooted at the
# repository top ("crypto/digest.h") and at the generated-code directory ("net/envelope.capnp.h").
function(loyal_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR}/gen)
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
  loyal_warnings(${name})
endfunction()

# loyal_capnp(name SCHEMAS ... DEPS ...): generated Cap'n Proto code as its own library, compiled
# without our warning flags (it is not our code). Schemas are named relative to the repository top
# and imported as "/net/envelope.capnp".
function(loyal_capnp name)
  cmake_parse_arguments(ARG "" "" "SCHEMAS;DEPS" ${ARGN})
  set(CAPNPC_SRC_PREFIX ${PROJECT_SOURCE_DIR})
  set(CAPNPC_OUTPUT_DIR ${PROJECT_BINARY_DIR}/gen)
  set(CAPNPC_IMPORT_DIRS ${PROJECT_SOURCE_DIR})
  file(MAKE_DIRECTORY ${CAPNPC_OUTPUT_DIR})
  set(absolute_schemas)
  foreach(schema ${ARG_SCHEMAS})
    list(APPEND absolute_schemas ${CMAKE_CURRENT_SOURCE_DIR}/${schema})
  endforeach()
  capnp_generate_cpp(generated_sources generated_headers ${absolute_schemas})
  add_library(${name} STATIC ${generated_sources} ${generated_headers})
  target_include_directories(${name} PUBLIC ${PROJECT_BINARY_DIR}/gen)
  target_link_libraries(${name} PUBLIC CapnProto::capnp ${ARG_DEPS})
endfunction()

# loyal_test(name SOURCES ... DEPS ...): a GoogleTest program; every TEST becomes a CTest test.
function(loyal_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  loyal_warnings(${name})
  gtest_discover_tests(${name} TEST_PREFIX "${name}." DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 300)
endfunction()

# loyal_program(name SOURCES ... DEPS ...): an installed command-line program.
function(loyal_program name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  loyal_warnings(${name})
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/bin)
endfunction()
