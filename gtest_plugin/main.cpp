// The fixture runner executable: everything lives in the plugin library so
// that projects can build their own runner with extra listeners.
#include <agent_replay_gtest/fixture_tests.hpp>

int main(int argc, char** argv) { return agent_replay::gtest::fixture_test_main(argc, argv); }
