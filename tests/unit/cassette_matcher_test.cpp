#include <agent_replay/cassette_matcher.hpp>

#include <gtest/gtest.h>

#include <regex>

namespace agent_replay {
namespace {

Cassette cassette_from(const std::string& text) { return parse_cassette(JsonDocument::parse(text, "c.json")); }

IncomingRequest request(std::string method, std::string path, std::string body = "",
                        std::vector<std::pair<std::string, std::string>> query = {}) {
    return IncomingRequest{std::move(method), std::move(path), std::move(query), {}, std::move(body)};
}

const char* kCassette = R"({"schema_version": 1,
  "match": {"ignore_json_paths": ["/request_id"]},
  "interactions": [
    {"id": "search-1", "tool": "search", "request": {"method": "POST", "path": "/tools/search", "json": {"q": "replay", "n": 3}},
     "response": {"json": {"hits": []}}},
    {"id": "list", "request": {"method": "GET", "path": "/items?b=2&a=1"}, "response": {"text": "ok"}, "repeat": 2},
    {"id": "ping", "request": {"method": "GET", "path": "/ping"}, "response": {"text": "pong"}, "repeat": "any"}
  ]})";

TEST(CassetteMatcher, MatchesCanonicalJsonBodyIgnoringKeyOrderAndWhitespace) {
    Cassette cassette = cassette_from(kCassette);
    CassetteMatcher matcher(cassette);
    auto result = matcher.match(request("POST", "/tools/search", "{ \"n\": 3,\n \"q\": \"replay\" }"));
    ASSERT_NE(result.interaction, nullptr);
    EXPECT_EQ(result.interaction->id, "search-1");
}

TEST(CassetteMatcher, IgnoredJsonPathsDoNotMatter) {
    Cassette cassette = cassette_from(kCassette);
    CassetteMatcher matcher(cassette);
    auto result = matcher.match(request("POST", "/tools/search", R"({"q": "replay", "n": 3, "request_id": "r-77"})"));
    ASSERT_NE(result.interaction, nullptr);
}

TEST(CassetteMatcher, QueryOrderDoesNotMatterAndRepeatIsCounted) {
    Cassette cassette = cassette_from(kCassette);
    CassetteMatcher matcher(cassette);
    auto query = std::vector<std::pair<std::string, std::string>>{{"a", "1"}, {"b", "2"}};
    EXPECT_NE(matcher.match(request("GET", "/items", "", query)).interaction, nullptr);
    EXPECT_NE(matcher.match(request("GET", "/items", "", {{"b", "2"}, {"a", "1"}})).interaction, nullptr);
    auto third = matcher.match(request("GET", "/items", "", query));
    EXPECT_EQ(third.interaction, nullptr) << "repeat: 2 allows two uses";
    EXPECT_EQ(third.miss["closest"], "list");
    EXPECT_EQ(third.miss["differences"][0]["field"], "repeat");
}

TEST(CassetteMatcher, RepeatAnyNeverRunsOut) {
    Cassette cassette = cassette_from(kCassette);
    CassetteMatcher matcher(cassette);
    for (int i = 0; i < 50; ++i) ASSERT_NE(matcher.match(request("GET", "/ping")).interaction, nullptr);
}

TEST(CassetteMatcher, MissNamesClosestInteractionAndTheBodyDifference) {
    Cassette cassette = cassette_from(kCassette);
    CassetteMatcher matcher(cassette);
    auto result = matcher.match(request("POST", "/tools/search", R"({"q": "replays", "n": 3})"));
    ASSERT_EQ(result.interaction, nullptr);
    EXPECT_EQ(result.miss["closest"], "search-1");
    ASSERT_EQ(result.miss["differences"].size(), 1u);
    const Json& difference = result.miss["differences"][0];
    EXPECT_EQ(difference["field"], "body");
    EXPECT_EQ(difference["patch"][0]["path"], "/q");
    EXPECT_EQ(difference["patch"][0]["value"], "replays");
}

TEST(CassetteMatcher, MethodMismatchIsADifference) {
    Cassette cassette = cassette_from(kCassette);
    CassetteMatcher matcher(cassette);
    auto result = matcher.match(request("DELETE", "/ping"));
    ASSERT_EQ(result.interaction, nullptr);
    EXPECT_EQ(result.miss["closest"], "ping");
    EXPECT_EQ(result.miss["differences"][0]["field"], "method");
}

TEST(CassetteMatcher, UnusedInteractionsAreListed) {
    Cassette cassette = cassette_from(kCassette);
    CassetteMatcher matcher(cassette);
    matcher.match(request("GET", "/ping"));
    EXPECT_EQ(matcher.unused_interactions(), (std::vector<std::string>{"search-1", "list"}));
}

TEST(CassetteMatcher, MatchOnSubsetOfFields) {
    Cassette cassette = cassette_from(R"({"schema_version": 1, "match": {"on": ["method", "path"]},
      "interactions": [{"id": "m", "request": {"method": "POST", "path": "/model", "json": {"a": 1}}, "response": {}}]})");
    CassetteMatcher matcher(cassette);
    EXPECT_NE(matcher.match(request("POST", "/model", R"({"totally": "different"})")).interaction, nullptr);
}

TEST(CassetteMatcher, SameRequestRecordedTwiceIsServedInOrder) {
    Cassette cassette = cassette_from(R"({"schema_version": 1, "interactions": [
      {"id": "first", "request": {"method": "GET", "path": "/n"}, "response": {"text": "1"}},
      {"id": "second", "request": {"method": "GET", "path": "/n"}, "response": {"text": "2"}}]})");
    CassetteMatcher matcher(cassette);
    EXPECT_EQ(matcher.match(request("GET", "/n")).interaction->id, "first");
    EXPECT_EQ(matcher.match(request("GET", "/n")).interaction->id, "second");
    EXPECT_EQ(matcher.match(request("GET", "/n")).interaction, nullptr);
}

const char* kOrderedCassette = R"({"schema_version": 1, "match": {"order": "strict"}, "interactions": [
    {"id": "plan", "request": {"method": "POST", "path": "/model"}, "response": {"text": "plan"}},
    {"id": "search", "request": {"method": "GET", "path": "/search"}, "response": {"text": "hits"}, "repeat": 2},
    {"id": "answer", "request": {"method": "POST", "path": "/answer"}, "response": {"text": "ok"}}]})";

TEST(CassetteMatcher, StrictOrderServesInCassetteOrderWithRepeats) {
    Cassette cassette = cassette_from(kOrderedCassette);
    CassetteMatcher matcher(cassette);
    for (const char* path : {"/model", "/search", "/search", "/answer"}) {
        std::string method = std::string(path) == "/search" ? "GET" : "POST";
        ASSERT_NE(matcher.match(request(method, path)).interaction, nullptr) << path;
    }
    EXPECT_EQ(cassette_to_json(cassette)["match"]["order"], "strict") << "written back as it was read";
}

TEST(CassetteMatcher, StrictOrderRefusesARequestOutOfTurnAndSaysWhichWasExpected) {
    Cassette cassette = cassette_from(kOrderedCassette);
    CassetteMatcher matcher(cassette);
    ASSERT_NE(matcher.match(request("POST", "/model")).interaction, nullptr);
    auto skipped = matcher.match(request("POST", "/answer"));
    EXPECT_EQ(skipped.interaction, nullptr) << "the search step was skipped";
    EXPECT_EQ(skipped.miss["closest"], "answer");
    EXPECT_EQ(skipped.miss["differences"][0]["field"], "order");
    EXPECT_EQ(skipped.miss["differences"][0]["recorded"], "search");
}

TEST(CassetteMatcher, AnyOrderServesOutOfTurn) {
    Cassette cassette = cassette_from(std::regex_replace(kOrderedCassette, std::regex("strict"), "any"));
    CassetteMatcher matcher(cassette);
    EXPECT_NE(matcher.match(request("POST", "/answer")).interaction, nullptr);
    EXPECT_NE(matcher.match(request("POST", "/model")).interaction, nullptr);
}

TEST(CassetteMatcher, UnknownOrderIsAFixtureError) {
    EXPECT_THROW(cassette_from(std::regex_replace(kOrderedCassette, std::regex("strict"), "sorted")), FixtureError);
}

TEST(CassetteMatcher, TenThousandInteractionsAllFindTheirOwnMatch) {
    Json doc = {{"schema_version", 1}, {"interactions", Json::array()}};
    for (int i = 0; i < 10000; ++i) {
        doc["interactions"].push_back({{"id", "i" + std::to_string(i)},
                                       {"request", {{"method", "POST"}, {"path", "/t"}, {"json", {{"n", i}}}}},
                                       {"response", {{"json", {{"n", i}}}}}});
    }
    Cassette cassette = cassette_from(doc.dump());
    CassetteMatcher matcher(cassette);
    for (int i = 9999; i >= 0; i -= 997) {
        auto result = matcher.match(request("POST", "/t", Json{{"n", i}}.dump()));
        ASSERT_NE(result.interaction, nullptr);
        EXPECT_EQ(result.interaction->id, "i" + std::to_string(i));
    }
}

TEST(Cassette, QueryStringIsDecoded) {
    auto query = parse_query_string("q=a%20b&x=1+2&flag");
    ASSERT_EQ(query.size(), 3u);
    EXPECT_EQ(query[0].second, "a b");
    EXPECT_EQ(query[1].second, "1 2");
    EXPECT_EQ(query[2].first, "flag");
}

TEST(Cassette, ResponseBodyForms) {
    Cassette cassette = cassette_from(R"({"schema_version": 1, "interactions": [
      {"id": "b", "request": {"method": "GET", "path": "/b"}, "response": {"base64": "aGVsbG8="}},
      {"id": "s", "request": {"method": "GET", "path": "/s"}, "response": {"sse": [{"data": "1"}, {"data": "[DONE]"}]}}]})");
    EXPECT_EQ(cassette.interactions[0].response.body, "hello");
    EXPECT_EQ(cassette.interactions[1].response.sse.size(), 2u);
}

TEST(Cassette, TwoBodyFormsAreAnError) {
    EXPECT_THROW(cassette_from(R"({"schema_version": 1, "interactions": [
      {"id": "b", "request": {"method": "GET", "path": "/b"}, "response": {"text": "x", "json": {}}}]})"),
                 FixtureError);
}

}  // namespace
}  // namespace agent_replay

namespace agent_replay {
namespace {

std::string fault_sequence(std::uint64_t seed, int requests, std::optional<std::uint64_t> run_seed = std::nullopt) {
    Cassette cassette = parse_cassette(JsonDocument::parse(
        R"({"schema_version": 1, "interactions": [{"id": "flaky", "request": {"method": "GET", "path": "/f"},
            "response": {"text": "ok"}, "repeat": "any",
            "fault": {"kind": "status", "status": 503, "probability": 0.3, "seed": )" +
            std::to_string(seed) + "}}]}",
        "c.json"));
    CassetteMatcher matcher(cassette, {}, run_seed);
    std::string sequence;
    for (int i = 0; i < requests; ++i) {
        sequence += matcher.match(IncomingRequest{"GET", "/f", {}, {}, ""}).fault ? 'F' : '.';
    }
    return sequence;
}

TEST(CassetteFaults, SameSeedSameSequenceAcrossRuns) {
    std::string first = fault_sequence(42, 200);
    for (int run = 0; run < 100; ++run) ASSERT_EQ(fault_sequence(42, 200), first) << "run " << run;
    EXPECT_NE(fault_sequence(43, 200), first);
    auto fired = std::count(first.begin(), first.end(), 'F');
    EXPECT_GT(fired, 30);   // about 60 of 200 at p = 0.3
    EXPECT_LT(fired, 100);
}

TEST(CassetteFaults, RunSeedGivesAnotherReproducibleSequence) {
    std::string own = fault_sequence(42, 200);
    std::string seven = fault_sequence(42, 200, 7);
    EXPECT_NE(seven, own);
    EXPECT_EQ(fault_sequence(42, 200, 7), seven);
    EXPECT_NE(fault_sequence(42, 200, 8), seven);
}

TEST(CassetteFaults, TimesFiresFirstNAndDoesNotConsumeTheRecording) {
    Cassette cassette = parse_cassette(JsonDocument::parse(
        R"({"schema_version": 1, "interactions": [{"id": "s", "request": {"method": "POST", "path": "/s"},
            "response": {"text": "ok"}, "fault": {"kind": "status", "status": 429, "times": 2,
            "headers": {"retry-after": "1"}}}]})",
        "c.json"));
    CassetteMatcher matcher(cassette);
    IncomingRequest post{"POST", "/s", {}, {}, ""};
    EXPECT_NE(matcher.match(post).fault, nullptr);
    EXPECT_NE(matcher.match(post).fault, nullptr);
    auto third = matcher.match(post);
    ASSERT_NE(third.interaction, nullptr) << "the two faulted attempts did not use up repeat: 1";
    EXPECT_EQ(third.fault, nullptr);
    EXPECT_EQ(matcher.match(post).interaction, nullptr);
}

TEST(CassetteFaults, RouteFaultHitsEveryInteractionUnderItsPrefixWithoutItsOwn) {
    Cassette cassette = parse_cassette(JsonDocument::parse(
        R"({"schema_version": 1, "interactions": [
            {"id": "a", "request": {"method": "GET", "path": "/tools/a"}, "response": {"text": "a"}},
            {"id": "b", "request": {"method": "GET", "path": "/tools/b"}, "response": {"text": "b"},
             "fault": {"kind": "malformed", "times": 1}},
            {"id": "m", "request": {"method": "GET", "path": "/model"}, "response": {"text": "m"}},
            {"id": "s", "request": {"method": "GET", "path": "/tools/search/q"}, "response": {"text": "s"}}]})",
        "c.json"));
    Fault outage;
    outage.kind = FaultKind::status;
    outage.status = 503;
    outage.times = 2;
    CassetteMatcher matcher(cassette, {Route{"/tools", "tools", "", outage}, Route{"/model", "model", "", std::nullopt},
                                       Route{"/tools/search", "search", "", std::nullopt}});
    EXPECT_EQ(matcher.match(IncomingRequest{"GET", "/tools/search/q", {}, {}, ""}).fault, nullptr)
        << "the longest prefix, /tools/search, has no fault";
    IncomingRequest a{"GET", "/tools/a", {}, {}, ""};
    IncomingRequest b{"GET", "/tools/b", {}, {}, ""};
    auto first = matcher.match(a);
    ASSERT_NE(first.fault, nullptr);
    EXPECT_EQ(first.fault->status, 503) << "the route's fault";
    auto own = matcher.match(b);
    ASSERT_NE(own.fault, nullptr);
    EXPECT_EQ(own.fault->kind, FaultKind::malformed) << "an interaction's own fault comes first";
    EXPECT_EQ(matcher.match(b).fault, nullptr) << "its own fault fired once; the route's does not apply to it";
    EXPECT_NE(matcher.match(a).fault, nullptr) << "second of the route's two";
    auto served = matcher.match(a);
    ASSERT_NE(served.interaction, nullptr);
    EXPECT_EQ(served.fault, nullptr) << "times: 2 counts across the route";
    EXPECT_EQ(matcher.match(IncomingRequest{"GET", "/model", {}, {}, ""}).fault, nullptr) << "other routes untouched";
}

TEST(CassetteFaults, BadFaultsAreFixtureErrors) {
    for (const char* fault : {R"({"kind": "explode"})", R"({"kind": "delay"})", R"({"kind": "status", "probability": 2})",
                              R"({"kind": "status", "times": 0})", R"({"kind": "status", "oops": 1})"}) {
        std::string text = R"({"schema_version": 1, "interactions": [{"id": "s", "request": {"method": "GET", "path": "/s"},
            "response": {}, "fault": )" + std::string(fault) + "}]}";
        EXPECT_THROW(parse_cassette(JsonDocument::parse(text, "c.json")), FixtureError) << fault;
    }
}

}  // namespace
}  // namespace agent_replay
