# CTest's fuzz_<target> tests: runs one fuzz target for SECONDS on a fresh
# copy of its seed corpus and fails on any crash, sanitizer report, leak,
# timeout or out-of-memory.
#   cmake -DTARGET=fuzz_json -DBINARY_DIR=build/fuzz -DCORPUS=tests/fuzz/corpus/fuzz_json [-DSECONDS=5] -P run.cmake
cmake_minimum_required(VERSION 3.18)
if(NOT SECONDS)
  set(SECONDS 5)
endif()
set(exe ${BINARY_DIR}/${TARGET})
if(NOT EXISTS ${exe})
  message(FATAL_ERROR "${TARGET}: ${exe} does not exist; the test fuzz_build builds it (it needs clang: ./dev.sh install)")
endif()

set(work ${BINARY_DIR}/runs/${TARGET})
file(REMOVE_RECURSE ${work})
file(MAKE_DIRECTORY ${work}/corpus ${work}/artifacts)
file(GLOB seeds ${CORPUS}/*)
if(NOT seeds)
  message(FATAL_ERROR "${TARGET}: no seed corpus in ${CORPUS}")
endif()
file(COPY ${seeds} DESTINATION ${work}/corpus)

execute_process(
  COMMAND ${exe} -max_total_time=${SECONDS} -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
          -artifact_prefix=${work}/artifacts/ ${work}/corpus
  RESULT_VARIABLE rc
  OUTPUT_VARIABLE out
  ERROR_VARIABLE out)
file(WRITE ${work}/log.txt "${out}")

string(REGEX MATCHALL "#[0-9]+[ \t]+DONE[^\n]*" done "${out}")
string(REGEX MATCHALL "stat::[^\n]*" stats "${out}")
if(NOT rc EQUAL 0)
  file(GLOB found ${work}/artifacts/*)
  # The report: from the sanitizer's or libFuzzer's first error line on.
  string(FIND "${out}" "==ERROR" at)
  if(at LESS 0)
    string(FIND "${out}" "ERROR:" at)
  endif()
  if(at LESS 0)
    set(at 0)
  endif()
  string(SUBSTRING "${out}" ${at} 6000 report)
  message("${report}")
  message(FATAL_ERROR "${TARGET} failed (exit code ${rc}). Reproducer(s): ${found}\n"
                      "Replay one with: ${exe} <file>   (full log: ${work}/log.txt)")
endif()
list(JOIN stats "\n" stats)
message("${TARGET}: ${done}\n${stats}")
