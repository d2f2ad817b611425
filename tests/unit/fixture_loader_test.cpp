#include <agent_replay/fixture.hpp>
#include <agent_replay/suite.hpp>

#include <gtest/gtest.h>

#include "../support/test_support.hpp"

namespace agent_replay {
namespace {
namespace fs = std::filesystem;
using namespace testing_support;

class FixtureLoader : public ::testing::Test {
protected:
    void SetUp() override {
        fixture_ = dir_.path() / "suite" / "echo";
        copy_tree(inputs_dir() / "minimal_suite" / "echo", fixture_);
    }
    // Loads the fixture, expecting failure; returns the error.
    FixtureError load_error() {
        try {
            load_fixture(fixture_, dir_.path());
        } catch (const FixtureError& error) {
            return error;
        }
        ADD_FAILURE() << "the fixture loaded but should not have";
        return FixtureError({}, "");
    }

    TempDir dir_;
    fs::path fixture_;
};

TEST_F(FixtureLoader, LoadsTheMinimalFixture) {
    Fixture fixture = load_fixture(fixture_, dir_.path());
    EXPECT_EQ(fixture.id, "echo");
    EXPECT_EQ(fixture.input.agent.command.size(), 2u);
    EXPECT_EQ(fixture.input.tier, "hourly");
    ASSERT_EQ(fixture.input.state.size(), 2u);
    EXPECT_EQ(fixture.expected.artifacts.at(0).path, "out.json");
    EXPECT_EQ(fixture.cassette.interactions.at(0).request.query.size(), 2u);
    EXPECT_EQ(fixture.notes.failure_class, "missing_artifact_ref");
}

TEST_F(FixtureLoader, ShippedFixturesAllLoad) {
    for (const auto& dir : list_fixture_dirs(shipped_suite())) {
        EXPECT_NO_THROW(load_fixture(dir, source_dir())) << dir;
    }
}

TEST_F(FixtureLoader, SuiteDefaultsAreInheritedAndOverridden) {
    write_file(fixture_.parent_path() / "suite.json",
               R"({"schema_version": 1, "agent": {"env": {"FROM_SUITE": "1", "ECHO_BASE_URL": "suite"},
                   "timeout_seconds": 7}, "routes": {"/model": "model"}, "tier": "critical"})");
    Fixture fixture = load_fixture(fixture_, dir_.path());
    EXPECT_EQ(fixture.input.agent.env.at("FROM_SUITE"), "1");
    EXPECT_EQ(fixture.input.agent.env.at("ECHO_BASE_URL"), "{{proxy_url}}/tools");  // fixture wins
    EXPECT_EQ(fixture.input.agent.timeout_seconds, 20);
    EXPECT_EQ(fixture.input.routes.size(), 2u);
    EXPECT_EQ(fixture.input.tier, "hourly");
}

TEST_F(FixtureLoader, RouteMayCarryAFault) {
    write_file(fixture_.parent_path() / "suite.json",
               R"({"schema_version": 1, "routes": {"/model": {"tool": "model",
                   "fault": {"kind": "status", "status": 429, "headers": {"retry-after": "0"}, "probability": 0.5, "seed": 3}}}})");
    Fixture fixture = load_fixture(fixture_, dir_.path());
    const Route* model = find_route(fixture.input.routes, "/model/v1/chat");
    ASSERT_NE(model, nullptr);
    ASSERT_TRUE(model->fault.has_value());
    EXPECT_EQ(model->fault->status, 429);
    EXPECT_EQ(model->fault->seed, 3u);

    write_file(fixture_.parent_path() / "suite.json",
               "{\"schema_version\": 1,\n \"routes\": {\"/model\": {\"tool\": \"model\",\n  \"fault\": {\"kind\": \"boom\"}}}}");
    FixtureError error = load_error();
    EXPECT_EQ(error.where().file.filename(), "suite.json");
    EXPECT_EQ(error.where().line, 3u);
}

TEST_F(FixtureLoader, JsonSyntaxErrorNamesFileLineColumn) {
    write_file(fixture_ / "expected.json", "{\n  \"schema_version\": 1,\n  \"status\": \"passed\"\n  \"exit\": {}\n}\n");
    FixtureError error = load_error();
    EXPECT_EQ(error.where().file.filename(), "expected.json");
    EXPECT_EQ(error.where().line, 4u);
    EXPECT_GT(error.where().column, 0u);
}

TEST_F(FixtureLoader, UnknownKeyInContractIsAnError) {
    write_file(fixture_ / "expected.json", "{\n \"schema_version\": 1,\n \"artifacts\": [\n  {\"path\": \"out.json\", \"non_emtpy\": true}\n ]\n}");
    FixtureError error = load_error();
    EXPECT_EQ(error.where().line, 4u);
    EXPECT_NE(error.message().find("non_emtpy"), std::string::npos);
}

TEST_F(FixtureLoader, WrongTypeIsAnError) {
    write_file(fixture_ / "tool_cassettes.json",
               R"({"schema_version": 1, "interactions": [{"id": "a", "request": {"method": "GET", "path": "/x"},
                   "response": {"status": "200"}}]})");
    FixtureError error = load_error();
    EXPECT_EQ(error.where().file.filename(), "tool_cassettes.json");
    EXPECT_NE(error.message().find("'status': expected an integer"), std::string::npos) << error.what();
}

TEST_F(FixtureLoader, MissingFileIsAnError) {
    fs::remove(fixture_ / "notes.json");
    FixtureError error = load_error();
    EXPECT_EQ(error.where().file.filename(), "notes.json");
}

TEST_F(FixtureLoader, PathsEscapingTheFixtureAreErrors) {
    for (std::string bad : {"../secret.json", "/etc/passwd"}) {
        write_file(fixture_ / "expected.json",
                   R"({"schema_version": 1, "artifacts": [{"path": "out.json", "schema": ")" + bad + R"("}]})");
        FixtureError error = load_error();
        EXPECT_EQ(error.where().file.filename(), "expected.json") << bad;
        EXPECT_NE(error.message().find(bad), std::string::npos) << error.what();
    }
}

TEST_F(FixtureLoader, SymlinkOutOfTheFixtureIsAnError) {
    write_file(dir_.path() / "outside.json", "{}");
    fs::create_directories(fixture_ / "schemas");
    fs::create_symlink(dir_.path() / "outside.json", fixture_ / "schemas" / "link.json");
    write_file(fixture_ / "expected.json",
               R"({"schema_version": 1, "artifacts": [{"path": "out.json", "schema": "schemas/link.json"}]})");
    FixtureError error = load_error();
    EXPECT_NE(error.message().find("leads outside"), std::string::npos) << error.what();
}

TEST_F(FixtureLoader, StatePathEscapingTheWorkspaceIsAnError) {
    write_file(fixture_ / "input.json",
               R"({"schema_version": 1, "agent": {"command": ["true"]}, "state": {"../x.txt": {"text": "x"}}})");
    FixtureError error = load_error();
    EXPECT_EQ(error.where().file.filename(), "input.json");
}

TEST_F(FixtureLoader, UnknownTemplateIsAnErrorAtLoadTime) {
    write_file(fixture_ / "input.json",
               "{\"schema_version\": 1,\n \"agent\": {\"command\": [\"run\", \"{{proxy_ulr}}\"]}}");
    FixtureError error = load_error();
    EXPECT_EQ(error.where().line, 2u);
    EXPECT_NE(error.message().find("{{proxy_ulr}}"), std::string::npos) << error.what();
}

TEST_F(FixtureLoader, InvalidJsonSchemaIsAnError) {
    write_file(fixture_ / "schemas" / "bad.json", R"({"type": 12})");
    write_file(fixture_ / "expected.json",
               R"({"schema_version": 1, "artifacts": [{"path": "out.json", "schema": "schemas/bad.json"}]})");
    FixtureError error = load_error();
    EXPECT_EQ(error.where().file.filename(), "bad.json");
}

TEST_F(FixtureLoader, DuplicateInteractionIdsAreAnError) {
    write_file(fixture_ / "tool_cassettes.json",
               R"({"schema_version": 1, "interactions": [
                 {"id": "a", "request": {"method": "GET", "path": "/x"}, "response": {}},
                 {"id": "a", "request": {"method": "GET", "path": "/y"}, "response": {}}]})");
    FixtureError error = load_error();
    EXPECT_NE(error.message().find("duplicate interaction id"), std::string::npos);
}

TEST_F(FixtureLoader, IncludedCassettesAreMerged) {
    write_file(dir_.path() / "cassettes" / "shared.json",
               R"({"schema_version": 1, "interactions": [{"id": "shared-1", "request": {"method": "GET", "path": "/s"},
                   "response": {"text": "hi"}}]})");
    write_file(fixture_ / "input.json",
               R"({"schema_version": 1, "agent": {"command": ["true"]}, "include_cassettes": ["shared"]})");
    Fixture fixture = load_fixture(fixture_, dir_.path());
    ASSERT_EQ(fixture.cassette.interactions.size(), 2u);
    EXPECT_EQ(fixture.cassette.interactions[1].id, "shared-1");
}

TEST_F(FixtureLoader, BadJsonPointerIsAnError) {
    write_file(fixture_ / "expected.json",
               "{\"schema_version\": 1,\n \"artifacts\": [{\"path\": \"out.json\", \"json_exists\": [\"status\"]}]}");
    FixtureError error = load_error();
    EXPECT_EQ(error.where().line, 2u);
    EXPECT_NE(error.message().find("not a JSON pointer"), std::string::npos) << error.what();
}

TEST_F(FixtureLoader, AbsurdTimeoutIsAnError) {
    write_file(fixture_ / "input.json", R"({"schema_version": 1, "agent": {"command": ["true"], "timeout_seconds": 1e12}})");
    EXPECT_NE(load_error().message().find("at most"), std::string::npos);
}

TEST_F(FixtureLoader, DeepNestingIsRefused) {
    write_file(fixture_ / "notes.json", "{\"schema_version\": 1, \"proof\": " + std::string(100000, '[') +
                                            std::string(100000, ']') + "}");
    FixtureError error = load_error();
    EXPECT_EQ(error.where().file.filename(), "notes.json");
    EXPECT_NE(error.message().find("nested deeper"), std::string::npos) << error.what();
}

TEST_F(FixtureLoader, SelfReferencingSchemaIsRefused) {
    for (const char* schema : {R"({"$ref": "#"})", R"({"properties": {"s": {"type": "string", "pattern": "(a+)+$["}}})", R"({"properties": {"a": {"$ref": "#/properties"}}})",
                               R"({"$ref": "../../x.json"})"}) {
        write_file(fixture_ / "schemas" / "s.json", schema);
        write_file(fixture_ / "expected.json",
                   R"({"schema_version": 1, "artifacts": [{"path": "out.json", "schema": "schemas/s.json"}]})");
        FixtureError error = load_error();
        EXPECT_EQ(error.where().file.filename(), "s.json") << schema;
    }
}

TEST_F(FixtureLoader, GlobsThatCanNeverMatchAreErrors) {
    for (const char* glob : {"./keep.txt", "", "{keep,x}.txt", "/keep.txt", "a//b", "dir/"}) {
        write_file(fixture_ / "expected.json",
                   std::string(R"({"schema_version": 1, "mutations": {"forbidden": [")") + glob + "\"]}}");
        FixtureError error = load_error();
        EXPECT_NE(error.message().find("glob"), std::string::npos) << glob << ": " << error.what();
    }
}

TEST_F(FixtureLoader, OddStatePathsAndCommandsAreErrors) {
    for (const char* input : {R"({"schema_version": 1, "agent": {"command": ["true"]}, "state": {".": {"text": ""}}})",
                              R"({"schema_version": 1, "agent": {"command": ["true"]}, "state": {"d/": {"text": ""}}})",
                              R"({"schema_version": 1, "agent": {"command": ["true"]},
                                  "state": {"a": {"text": ""}, "a/b": {"text": ""}}})",
                              R"({"schema_version": 1, "agent": {"command": [""]}})",
                              R"({"schema_version": 1, "agent": {"command": ["true"], "timeout_seconds": 1e400}})"}) {
        write_file(fixture_ / "input.json", input);
        FixtureError error = load_error();
        EXPECT_EQ(error.where().file.filename(), "input.json") << input;
    }
}

TEST_F(FixtureLoader, FixtureIdMustBeLowerCaseWords) {
    EXPECT_TRUE(is_valid_fixture_id("timeout_2"));
    EXPECT_FALSE(is_valid_fixture_id("Bad-Name"));
    EXPECT_FALSE(is_valid_fixture_id(""));
}

}  // namespace
}  // namespace agent_replay
