#include <agent_replay/cassette_lint.hpp>

#include <gtest/gtest.h>

namespace agent_replay {
namespace {

std::vector<std::string> kinds(const std::vector<LintFinding>& findings) {
    std::vector<std::string> out;
    for (const auto& finding : findings) out.push_back(finding.kind + ":" + finding.interaction_id);
    return out;
}

TEST(CassetteLint, FindsUnreachableDuplicateSecretsAndUnused) {
    Cassette cassette = parse_cassette(JsonDocument::parse(R"({"schema_version": 1, "interactions": [
      {"id": "any", "request": {"method": "GET", "path": "/a"}, "response": {"text": "1"}, "repeat": "any"},
      {"id": "shadowed", "request": {"method": "GET", "path": "/a"}, "response": {"text": "2"}},
      {"id": "b1", "request": {"method": "GET", "path": "/b"}, "response": {"text": "same"}},
      {"id": "b2", "request": {"method": "GET", "path": "/b"}, "response": {"text": "same"}},
      {"id": "leaky", "request": {"method": "GET", "path": "/c", "query": {"api_key": "live-key"},
                                   "headers": {"Authorization": "Bearer abc"}},
       "response": {"headers": {"set-cookie": "[REDACTED]"}, "json": {"token": "sk-abcdefghijklmnopqrstuvwx"}}},
      {"id": "clean", "request": {"method": "GET", "path": "/d", "query": {"api_key": "[REDACTED]"}}, "response": {}}
    ]})", "c.json"));
    TraceEvent used;
    used.interaction_id = "any";
    auto findings = lint_cassette(cassette, std::vector<TraceEvent>{used});
    auto found = kinds(findings);
    for (const char* expected : {"unreachable:shadowed", "duplicate:b2", "unredacted_secret:leaky", "unused:clean",
                                 "unused:leaky"}) {
        EXPECT_NE(std::find(found.begin(), found.end(), expected), found.end()) << expected;
    }
    EXPECT_EQ(std::count(found.begin(), found.end(), "unredacted_secret:leaky"), 3) << "query, header and body";
    EXPECT_EQ(std::count_if(found.begin(), found.end(), [](const std::string& k) { return k.find(":clean") != std::string::npos && k.rfind("unused", 0) != 0; }), 0);
}

TEST(CassetteLint, ShippedStyleCassetteIsClean) {
    Cassette cassette = parse_cassette(JsonDocument::parse(R"({"schema_version": 1, "interactions": [
      {"id": "a", "request": {"method": "POST", "path": "/a", "json": {"q": 1}}, "response": {"json": {"ok": true}}}]})",
                                                           "c.json"));
    EXPECT_TRUE(lint_cassette(cassette, std::nullopt).empty());
}

}  // namespace
}  // namespace agent_replay
