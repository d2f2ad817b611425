#include <agent_replay/har.hpp>

#include <gtest/gtest.h>

namespace agent_replay {
namespace {

const char* kCassette = R"({"schema_version": 1, "match": {"on": ["method", "path", "query", "body"]}, "interactions": [
  {"id": "search-1", "tool": "search", "side_effect": false,
   "request": {"method": "POST", "path": "/tools/search", "query": {"q": "a b&c", "page": "2"}, "json": {"q": "replay"}},
   "response": {"status": 200, "headers": {"content-type": "application/json"}, "json": {"hits": [1, 2]}},
   "fault": {"kind": "status", "status": 503, "times": 2, "headers": {"Retry-After": "1"}}},
  {"id": "blob", "tool": "files", "request": {"method": "GET", "path": "/files/x"},
   "response": {"status": 200, "headers": {"content-type": "application/octet-stream"}, "base64": "AP8QIA=="}, "repeat": "any"},
  {"id": "stream", "tool": "model", "request": {"method": "POST", "path": "/model/v1/chat", "text": "plain body"},
   "response": {"headers": {"content-type": "text/event-stream"}, "sse": [{"event": "delta", "data": "a\nb"}, {"data": "[DONE]"}],
                "chunk_delay_ms": 20}, "repeat": 3}
]})";

TEST(Har, ExportThenImportYieldsAnEquivalentCassette) {
    Cassette original = parse_cassette(JsonDocument::parse(kCassette, "c.json"));
    Json har = cassette_to_har(original);
    EXPECT_EQ(har["log"]["version"], "1.2");
    EXPECT_EQ(har["log"]["entries"].size(), 3u);
    EXPECT_EQ(har["log"]["entries"][0]["request"]["url"], "http://agent-replay.invalid/tools/search?page=2&q=a%20b%26c");
    Cassette back = cassette_from_har(JsonDocument::parse(har.dump(), "x.har"), {});
    EXPECT_EQ(cassette_to_json(back), cassette_to_json(original));
}

TEST(Har, ForeignHarGetsToolsFromRoutesAndSecretsRedacted) {
    const char* foreign = R"({"log": {"version": "1.2", "entries": [
      {"request": {"method": "GET", "url": "https://api.example.com/tools/search/q?api_key=sk-123&x=1",
                   "headers": [{"name": "Authorization", "value": "Bearer sk-123"}]},
       "response": {"status": 200, "headers": [{"name": "Set-Cookie", "value": "sid=sk-123"},
                                              {"name": "Content-Type", "value": "application/json"}],
                    "content": {"mimeType": "application/json", "text": "{\"ok\": true}"}}},
      {"request": {"method": "POST", "url": "https://api.example.com/other", "postData": {"text": "{}"}},
       "response": {"status": 201, "content": {"text": ""}}}]}})";
    Cassette cassette = cassette_from_har(JsonDocument::parse(foreign, "f.har"), {{"/tools/search", "search", ""}});
    ASSERT_EQ(cassette.interactions.size(), 2u);
    EXPECT_EQ(cassette.interactions[0].id, "search-1");
    EXPECT_EQ(cassette.interactions[0].request.path, "/tools/search/q");
    EXPECT_EQ(cassette.interactions[1].tool, "http");
    EXPECT_TRUE(cassette.interactions[1].side_effect);
    EXPECT_EQ(cassette_to_json(cassette).dump().find("sk-123"), std::string::npos);
}

TEST(Har, NotAHarIsAnErrorNamingTheFile) {
    EXPECT_THROW(cassette_from_har(JsonDocument::parse(R"({"entries": []})", "f.har"), {}), FixtureError);
    EXPECT_THROW(cassette_from_har(JsonDocument::parse(R"({"log": {"entries": [{"request": {}}]}})", "f.har"), {}),
                 FixtureError);
}

}  // namespace
}  // namespace agent_replay
