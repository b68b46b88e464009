# CTest's fuzz_build: configures and builds tests/fuzz with clang++ and Ninja.
#   cmake -DSOURCE_DIR=tests/fuzz -DBINARY_DIR=build/fuzz [-DJOBS=2] [-DNINJA=/usr/bin/ninja] -P build.cmake
# Fails (never skips) when clang++ or its libFuzzer runtime is missing:
# ./dev.sh install brings both.
cmake_minimum_required(VERSION 3.18)
foreach(var SOURCE_DIR BINARY_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "build.cmake needs -D${var}=...")
  endif()
endforeach()
if(NOT JOBS)
  set(JOBS 2)
endif()

find_program(CLANGXX NAMES clang++ clang++-14)
if(NOT CLANGXX)
  message(FATAL_ERROR "fuzz_build: clang++ not found. The fuzz targets (tests/fuzz) are built with clang's "
                      "libFuzzer: run ./dev.sh install, or apt-get install clang libclang-rt-14-dev")
endif()
if(NOT NINJA OR NOT EXISTS "${NINJA}")
  find_program(NINJA NAMES ninja ninja-build)
endif()
if(NOT NINJA)
  message(FATAL_ERROR "fuzz_build: ninja not found (apt-get install ninja-build, or ./dev.sh install)")
endif()

execute_process(
  COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${BINARY_DIR} -G Ninja -DCMAKE_MAKE_PROGRAM=${NINJA}
          -DCMAKE_CXX_COMPILER=${CLANGXX} -DCMAKE_BUILD_TYPE=RelWithDebInfo
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "fuzz_build: configuring ${SOURCE_DIR} with ${CLANGXX} failed (see above)")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BINARY_DIR} -- -j${JOBS} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "fuzz_build: building the fuzz targets failed (see above)")
endif()
