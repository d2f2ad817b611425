#include <agent_replay/json_document.hpp>
#include <agent_replay/json_object_reader.hpp>

#include <gtest/gtest.h>

#include "../support/test_support.hpp"

namespace agent_replay {
namespace {

using testing_support::TempDir;
using testing_support::write_file;

TEST(JsonDocument, SyntaxErrorNamesFileLineAndColumn) {
    try {
        JsonDocument::parse("{\n  \"a\": 1,\n  \"b\": ]\n}\n", "dir/input.json");
        FAIL() << "expected a FixtureError";
    } catch (const FixtureError& error) {
        EXPECT_EQ(error.where().file, "dir/input.json");
        EXPECT_EQ(error.where().line, 3u);
        EXPECT_EQ(error.where().column, 8u);
        EXPECT_NE(std::string(error.what()).find("dir/input.json:3:8: invalid JSON"), std::string::npos) << error.what();
    }
}

TEST(JsonDocument, MissingFileIsAnErrorNamingIt) {
    TempDir dir;
    try {
        JsonDocument::load(dir.path() / "nope.json");
        FAIL();
    } catch (const FixtureError& error) {
        EXPECT_NE(std::string(error.what()).find("nope.json: file is missing"), std::string::npos) << error.what();
    }
}

TEST(JsonDocument, LocatesNestedMembersAndArrayElements) {
    auto doc = JsonDocument::parse("{\n \"x\": {\n   \"y\": [1,\n     {\"z\": true}]\n }\n}", "f.json");
    EXPECT_EQ(doc.locate("/x").line, 2u);
    EXPECT_EQ(doc.locate("/x/y").line, 3u);
    EXPECT_EQ(doc.locate("/x/y/1/z").line, 4u);
    EXPECT_EQ(doc.locate("/missing").line, 0u);
}

TEST(JsonObjectReader, UnknownKeyIsReportedWithItsLine) {
    auto doc = JsonDocument::parse("{\n \"schema_version\": 1,\n \"stauts\": \"passed\"\n}", "expected.json");
    JsonObjectReader reader(doc, "");
    require_schema_version(reader);
    reader.optional_string("status");
    try {
        reader.reject_unknown_keys();
        FAIL();
    } catch (const FixtureError& error) {
        EXPECT_EQ(error.where().line, 3u);
        EXPECT_NE(error.message().find("unknown key 'stauts'"), std::string::npos) << error.what();
    }
}

TEST(JsonObjectReader, WrongTypeNamesTheKeyAndTheType) {
    auto doc = JsonDocument::parse("{\"timeout_seconds\": \"ten\"}", "input.json");
    JsonObjectReader reader(doc, "");
    try {
        reader.optional_number("timeout_seconds", 0);
        FAIL();
    } catch (const FixtureError& error) {
        EXPECT_EQ(error.where().line, 1u);
        EXPECT_NE(error.message().find("'timeout_seconds': expected a number, found string"), std::string::npos)
            << error.what();
    }
}

TEST(JsonObjectReader, SchemaVersionMustBeOne) {
    auto doc = JsonDocument::parse("{\"schema_version\": 2}", "notes.json");
    JsonObjectReader reader(doc, "");
    EXPECT_THROW(require_schema_version(reader), FixtureError);
}

}  // namespace
}  // namespace agent_replay
