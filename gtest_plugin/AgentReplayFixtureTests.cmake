# agent_replay_add_fixture_tests(<suite-name> DIR <fixtures-dir>
#                                [MODE cassette|strict] [REPORT_DIR <dir>] [RUNNER <target>]
#                                [SEED <n>] [SET_ENV KEY=VALUE...] [DIFF_FROM <summary.json>])
#
# Makes every fixture directory under DIR one CTest test named fixture_<id>,
# labelled "fixture" and its tier. Discovery runs each time ctest starts
# (TEST_INCLUDE_FILES), so a new fixture directory needs no CMake edit and no
# rebuild. Each test replays only its own fixture; a set-up test clears the
# report directory and a clean-up test merges the verdicts into
# <REPORT_DIR>/junit.xml (default: <build>/agent-replay-report/<suite-name>).
# SEED is mixed into every fault seed; SET_ENV adds variables to every agent.
# DIFF_FROM triages the merged report against a baseline summary.json: the
# clean-up test then writes triage_diff.json and fails only on a regression.
function(agent_replay_add_fixture_tests suite)
  cmake_parse_arguments(ARG "" "DIR;MODE;REPORT_DIR;RUNNER;SEED;DIFF_FROM" "SET_ENV" ${ARGN})
  set(replay_flags "")
  if(DEFINED ARG_SEED)
    string(APPEND replay_flags " --seed [==[${ARG_SEED}]==]")
  endif()
  if(DEFINED ARG_DIFF_FROM)
    get_filename_component(baseline "${ARG_DIFF_FROM}" ABSOLUTE)
    string(APPEND replay_flags " --diff-from [==[${baseline}]==]")
  endif()
  foreach(assignment IN LISTS ARG_SET_ENV)
    string(APPEND replay_flags " --set-env [==[${assignment}]==]")
  endforeach()
  if(NOT ARG_DIR)
    message(FATAL_ERROR "agent_replay_add_fixture_tests(${suite}): DIR <fixtures-dir> is required")
  endif()
  if(NOT ARG_MODE)
    set(ARG_MODE cassette)
  endif()
  if(NOT ARG_REPORT_DIR)
    set(ARG_REPORT_DIR "${CMAKE_BINARY_DIR}/agent-replay-report/${suite}")
  endif()
  if(NOT ARG_RUNNER)
    set(ARG_RUNNER agent_replay_fixture_runner)
  endif()
  get_filename_component(fixtures_dir "${ARG_DIR}" ABSOLUTE)
  set(include_file "${CMAKE_CURRENT_BINARY_DIR}/agent_replay_${suite}_include.cmake")
  set(tests_file "${CMAKE_CURRENT_BINARY_DIR}/agent_replay_${suite}_tests.cmake")
  file(GENERATE OUTPUT "${include_file}" CONTENT
"# Lists the fixtures of suite '${suite}' each time ctest starts.
set(runner [==[$<TARGET_FILE:${ARG_RUNNER}>]==])
if(NOT EXISTS \"\${runner}\")
  add_test([==[agent_replay_not_built_${suite}]==] [==[${CMAKE_COMMAND}]==] -E echo
    \"agent-replay: \${runner} is not built; build first (cmake --build)\")
  set_tests_properties([==[agent_replay_not_built_${suite}]==] PROPERTIES WILL_FAIL TRUE)
  return()
endif()
execute_process(COMMAND \"\${runner}\" --fixtures [==[${fixtures_dir}]==] --suite-name [==[${suite}]==]
                        --mode [==[${ARG_MODE}]==] --report-dir [==[${ARG_REPORT_DIR}]==]${replay_flags}
                        --emit-ctest [==[${tests_file}]==]
                RESULT_VARIABLE result ERROR_VARIABLE error)
if(result EQUAL 0)
  include([==[${tests_file}]==])
else()
  # A suite that cannot be listed shows up as a red test, never as silence.
  add_test([==[agent_replay_discovery_failed_${suite}]==] [==[${CMAKE_COMMAND}]==] -E echo
    \"agent-replay: listing [==[${fixtures_dir}]==] failed: \${error}\")
  set_tests_properties([==[agent_replay_discovery_failed_${suite}]==] PROPERTIES WILL_FAIL TRUE)
endif()
")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${include_file}")
endfunction()
