# Common settings for every project target: language level, warnings, sanitizers.
function(casio_target_settings target)
  target_compile_features(${target} PUBLIC cxx_std_20)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow=local
                                           -Wnon-virtual-dtor -Wno-missing-field-initializers)
  if(CASIO_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  # GCC 12's optimiser reports false positives (libstdc++ string copies, coroutine frames) for these
  # flow-based warnings; they are kept in Debug builds, where they are reliable.
  target_compile_options(${target} PRIVATE
    $<$<NOT:$<CONFIG:Debug>>:-Wno-restrict -Wno-maybe-uninitialized -Wno-array-bounds
                            -Wno-stringop-overflow -Wno-stringop-overread
                            -Wno-mismatched-new-delete>)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    target_compile_options(${target} PRIVATE -Wno-unknown-warning-option)
  endif()
  if(CASIO_FUZZ)
    # libFuzzer instrumentation everywhere; only the fuzz targets link its main. Clang 14 cannot
    # emit -fsanitize=function checks in coroutines ("Cannot represent a difference across
    # sections"): that one check is left out.
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link,address,undefined
                                             -fno-sanitize=function -fno-omit-frame-pointer
                                             -fno-sanitize-recover=undefined)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
  if(CASIO_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer
                                             -fno-sanitize-recover=undefined)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()

# casio_library(<name> [SOURCES_DIR dir] [DEPS ...] [PRIVATE_DEPS ...])
# Builds libs/<name>: public headers in include/casio/<name>/, sources in src/ (only the files
# directly in it: a sub-folder of src/ may be a second target, see libs/sync).
function(casio_library name)
  cmake_parse_arguments(ARG "" "SOURCES_DIR" "DEPS;PRIVATE_DEPS" ${ARGN})
  if(NOT ARG_SOURCES_DIR)
    set(ARG_SOURCES_DIR src)
  endif()
  file(GLOB sources CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/${ARG_SOURCES_DIR}/*.cpp")
  add_library(casio_${name} STATIC ${sources})
  add_library(casio::${name} ALIAS casio_${name})
  target_include_directories(casio_${name} PUBLIC "${CMAKE_CURRENT_SOURCE_DIR}/include"
                                           PRIVATE "${CMAKE_CURRENT_SOURCE_DIR}/src")
  target_link_libraries(casio_${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  casio_target_settings(casio_${name})
endfunction()

# casio_app(<name> [DEPS ...]): apps/<name>/src/*.cpp into one executable.
function(casio_app name)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/src/*.cpp")
  add_executable(${name} ${sources})
  target_include_directories(${name} PRIVATE "${CMAKE_CURRENT_SOURCE_DIR}/src")
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  casio_target_settings(${name})
endfunction()
