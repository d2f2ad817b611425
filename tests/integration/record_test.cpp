// Record mode against a real local upstream, then replay of what was recorded:
// same trace and verdict, and the secret used while recording is in no file.
#include <agent_replay/replay.hpp>
#include <agent_replay/serve_session.hpp>

#include <gtest/gtest.h>
#include <httplib.h>

#include <brotli/encode.h>
#include <zlib.h>

#include <atomic>
#include <thread>

#include "../support/test_support.hpp"

namespace agent_replay {
namespace {
namespace fs = std::filesystem;
using namespace testing_support;

const std::string kSecret = "SECRET-TOKEN-8c1f";

// Every file below `dir` whose bytes contain `needle`.
std::vector<std::string> files_containing(const fs::path& dir, const std::string& needle) {
    std::vector<std::string> out;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
        if (entry.is_regular_file() && read_file(entry.path()).find(needle) != std::string::npos) {
            out.push_back(entry.path().string());
        }
    }
    return out;
}

std::vector<std::string> trace_signature(const FixtureResult& result) {
    std::vector<std::string> out;
    for (const auto& event : result.trace) {
        out.push_back(event.tool + " " + event.method + " " + event.path + " " + event.interaction_id.value_or("-") + " " +
                      std::to_string(event.status));
    }
    return out;
}

// gzip framing (windowBits 16 + 15), as a compressing upstream sends it.
std::string gzip(const std::string& text) {
    z_stream stream{};
    deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY);
    std::string out(compressBound(static_cast<uLong>(text.size())) + 64, '\0');
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
    stream.avail_in = static_cast<uInt>(text.size());
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    deflate(&stream, Z_FINISH);
    out.resize(stream.total_out);
    deflateEnd(&stream);
    return out;
}

std::string brotli(const std::string& text) {
    std::size_t size = BrotliEncoderMaxCompressedSize(text.size());
    std::string out(size, '\0');
    BrotliEncoderCompress(BROTLI_DEFAULT_QUALITY, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_TEXT, text.size(),
                          reinterpret_cast<const uint8_t*>(text.data()), &size, reinterpret_cast<uint8_t*>(out.data()));
    out.resize(size);
    return out;
}

const std::string kLargeBody = [] {
    Json hits = Json::array();
    for (int i = 0; i < 200; ++i) hits.push_back({{"path", "doc-" + std::to_string(i) + ".txt"}, {"score", i}});
    return Json{{"hits", hits}}.dump();
}();

class Record : public ::testing::Test {
protected:
    void SetUp() override {
        upstream_.Post("/api/search", [](const httplib::Request& req, httplib::Response& res) {
            bool authorised = req.get_header_value("Authorization") == "Bearer " + kSecret &&
                              req.get_param_value("api_key") == kSecret;
            res.status = authorised ? 200 : 401;
            res.set_header("Set-Cookie", "sid=" + kSecret);
            res.set_content(Json{{"hits", {{{"path", "a.txt"}}}}, {"echo", Json::parse(req.body)["q"]}}.dump(),
                            "application/json");
        });
        upstream_.Get("/api/compressed", [](const httplib::Request&, httplib::Response& res) {
            res.set_header("Content-Encoding", "gzip");
            res.set_content(gzip(kLargeBody), "application/json");
        });
        upstream_.Get("/api/brotli", [](const httplib::Request&, httplib::Response& res) {
            res.set_header("Content-Encoding", "br");
            res.set_content(brotli(kLargeBody), "application/json");
        });
        // Three events, the last one only after the agent has read the first
        // (it calls /api/release directly) or after 5 s: a proxy that buffers
        // the stream makes the agent wait for those 5 s.
        upstream_.Get("/api/stream", [this](const httplib::Request&, httplib::Response& res) {
            res.set_chunked_content_provider("text/event-stream", [this](size_t, httplib::DataSink& sink) {
                std::string first = "event: delta\ndata: {\"n\": 1}\n\n";
                sink.write(first.data(), first.size());
                std::this_thread::sleep_for(std::chrono::milliseconds(150));
                std::string second = "data: {\"n\": 2}\n\n";
                sink.write(second.data(), second.size());
                for (int i = 0; i < 500 && !released_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
                released_in_time_ = released_.load();
                std::string last = "data: [DONE]\n\n";
                sink.write(last.data(), last.size());
                sink.done();
                return true;
            });
        });
        // Promises 100 bytes, sends 5, hangs up.
        upstream_.Get("/api/broken", [](const httplib::Request&, httplib::Response& res) {
            res.set_content_provider(100, "application/json", [](size_t, size_t, httplib::DataSink& sink) {
                sink.write("{\"a\":", 5);
                return false;
            });
        });
        // Answers after 20 s: longer than the agent waits.
        upstream_.Get("/api/slow", [this](const httplib::Request&, httplib::Response& res) {
            for (int i = 0; i < 200 && !stopping_upstream_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
            res.set_content("{}", "application/json");
        });
        upstream_.Get("/api/release", [this](const httplib::Request&, httplib::Response& res) {
            released_ = true;
            res.set_content("{}", "application/json");
        });
        port_ = upstream_.bind_to_any_port("127.0.0.1");
        thread_ = std::thread([this] { upstream_.listen_after_bind(); });
        while (!upstream_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));

        fixture_ = dir_.path() / "suite" / "recorded";
        std::string agent = R"PY(
import json, os, urllib.request
secret = os.environ["SEARCH_SECRET"]
req = urllib.request.Request(os.environ["SEARCH_URL"] + "/search?q=replay&api_key=" + secret,
    data=json.dumps({"q": "replay", "token": secret}).encode(), method="POST",
    headers={"Authorization": "Bearer " + secret, "content-type": "application/json"})
body = json.load(urllib.request.urlopen(req, timeout=10))
json.dump({"status": "done", "hits": body["hits"]}, open(os.path.join(os.environ["AGENT_REPLAY_WORKSPACE"], "out.json"), "w"))
)PY";
        write_file(fixture_ / "agent.py", agent);
        write_file(fixture_ / "input.json", Json{{"schema_version", 1},
                                                 {"agent", {{"command", {"python3", "{{fixture_dir}}/agent.py"}},
                                                            {"env", {{"SEARCH_URL", "{{proxy_url}}/tools"}}}}},
                                                 {"routes", {{"/tools", {{"tool", "search"},
                                                                         {"upstream", "http://127.0.0.1:" +
                                                                                          std::to_string(port_) + "/api"}}}}},
                                                 {"redact_json_paths", {"/token"}}}
                                                .dump(2));
        write_file(fixture_ / "expected.json",
                   R"({"schema_version": 1, "artifacts": [{"path": "out.json", "json_equals": {"/status": "done"}}]})");
        write_file(fixture_ / "notes.json", R"({"schema_version": 1, "failure_class": "none"})");
    }
    void TearDown() override {
        stopping_upstream_ = true;
        upstream_.stop();
        if (thread_.joinable()) thread_.join();
    }
    FixtureResult run(ProxyMode mode) {
        ReplayOptions options;
        options.mode = mode;
        options.report_dir = dir_.path() / ("report-" + std::string(to_string(mode)));
        options.extra_env["SEARCH_SECRET"] = kSecret;
        return replay_fixture(fixture_, options);
    }

    TempDir dir_;
    fs::path fixture_;
    httplib::Server upstream_;
    std::thread thread_;
    int port_ = 0;
    std::atomic<bool> released_{false};
    std::atomic<bool> stopping_upstream_{false};
    std::atomic<bool> released_in_time_{false};
};

TEST_F(Record, RecordsRedactedAndReplaysIdentically) {
    FixtureResult recorded = run(ProxyMode::record);
    ASSERT_EQ(recorded.verdict, Verdict::passed) << Json(recorded).dump(2);
    ASSERT_TRUE(fs::exists(fixture_ / "tool_cassettes.json"));
    Json cassette = Json::parse(read_file(fixture_ / "tool_cassettes.json"));
    ASSERT_EQ(cassette["interactions"].size(), 1u);
    const Json& interaction = cassette["interactions"][0];
    EXPECT_EQ(interaction["id"], "search-1");
    EXPECT_EQ(interaction["side_effect"], true);
    EXPECT_EQ(interaction["request"]["path"], "/tools/search");
    EXPECT_EQ(interaction["request"]["query"]["api_key"], "[REDACTED]");
    EXPECT_EQ(interaction["request"]["json"]["token"], "[REDACTED]");
    EXPECT_EQ(interaction["response"]["headers"]["set-cookie"], "[REDACTED]");
    EXPECT_EQ(interaction["response"]["json"]["echo"], "replay");

    upstream_.stop();  // replay must not need the upstream
    FixtureResult replayed = run(ProxyMode::cassette);
    FixtureResult strict = run(ProxyMode::strict);
    EXPECT_EQ(replayed.verdict, Verdict::passed) << Json(replayed.reasons).dump(2);
    EXPECT_EQ(strict.verdict, Verdict::passed) << Json(strict.reasons).dump(2);
    EXPECT_EQ(trace_signature(replayed), trace_signature(recorded));
    EXPECT_EQ(trace_signature(strict), trace_signature(recorded));

    EXPECT_EQ(files_containing(dir_.path(), kSecret), std::vector<std::string>{})
        << "the secret used while recording was written somewhere";
}

TEST_F(Record, GzipUpstreamIsStoredDecodedAndReplaysByteIdentical) {
    write_file(fixture_ / "agent.py", R"PY(
import os, urllib.request
body = urllib.request.urlopen(os.environ["SEARCH_URL"] + "/compressed", timeout=10).read()
open(os.path.join(os.environ["AGENT_REPLAY_WORKSPACE"], "out.json"), "wb").write(body)
)PY");
    write_file(fixture_ / "expected.json", R"({"schema_version": 1, "exit": {"code": 0}})");
    FixtureResult recorded = run(ProxyMode::record);
    ASSERT_EQ(recorded.verdict, Verdict::passed) << Json(recorded).dump(2);
    Json cassette = Json::parse(read_file(fixture_ / "tool_cassettes.json"));
    EXPECT_EQ(cassette["interactions"][0]["response"]["json"], Json::parse(kLargeBody)) << "stored decoded";
    EXPECT_FALSE(cassette["interactions"][0]["response"]["headers"].contains("content-encoding"));

    upstream_.stop();
    // Keep the workspace of the replay (a contract it cannot meet) to read what the agent received.
    write_file(fixture_ / "expected.json", R"({"schema_version": 1, "exit": {"code": 99}})");
    FixtureResult replayed = run(ProxyMode::cassette);
    ASSERT_FALSE(replayed.workspace.empty());
    EXPECT_EQ(Json::parse(read_file(fs::path(replayed.workspace) / "out.json")), Json::parse(kLargeBody));
    EXPECT_EQ(read_file(fs::path(replayed.workspace) / "out.json"), Json::parse(kLargeBody).dump())
        << "replayed bytes equal the decoded upstream body";
}

TEST_F(Record, BrotliUpstreamIsStoredDecoded) {
    write_file(fixture_ / "agent.py", R"PY(
import os, urllib.request
body = urllib.request.urlopen(os.environ["SEARCH_URL"] + "/brotli", timeout=10).read()
open(os.path.join(os.environ["AGENT_REPLAY_WORKSPACE"], "out.json"), "wb").write(body)
)PY");
    write_file(fixture_ / "expected.json", R"({"schema_version": 1, "artifacts": [{"path": "out.json", "json_exists": ["/hits/199/path"]}]})");
    FixtureResult recorded = run(ProxyMode::record);
    ASSERT_EQ(recorded.verdict, Verdict::passed) << Json(recorded).dump(2);
    Json cassette = Json::parse(read_file(fixture_ / "tool_cassettes.json"));
    EXPECT_EQ(cassette["interactions"][0]["response"]["json"], Json::parse(kLargeBody)) << "stored decoded";
    upstream_.stop();
    FixtureResult replayed = run(ProxyMode::cassette);
    EXPECT_EQ(replayed.verdict, Verdict::passed) << Json(replayed.reasons).dump(2);
}

TEST_F(Record, StreamIsPassedThroughAsItArrivesAndRecordedWithItsPacing) {
    write_file(fixture_ / "agent.py", R"PY(
import json, os, urllib.request
stream = urllib.request.urlopen(os.environ["SEARCH_URL"] + "/stream", timeout=10)
events = []
for raw in stream:
    line = raw.decode().strip()
    if line.startswith("data:"):
        events.append(line[5:].strip())
        if len(events) == 1 and os.environ.get("RELEASE_URL"):
            urllib.request.urlopen(os.environ["RELEASE_URL"], timeout=10).read()
json.dump({"events": events}, open(os.path.join(os.environ["AGENT_REPLAY_WORKSPACE"], "out.json"), "w"))
)PY");
    write_file(fixture_ / "expected.json", R"({"schema_version": 1, "artifacts": [{"path": "out.json",
      "json_equals": {"/events/0": "{\"n\": 1}", "/events/2": "[DONE]"}}]})");
    ReplayOptions options;
    options.mode = ProxyMode::record;
    options.report_dir = dir_.path() / "report-record";
    options.extra_env["SEARCH_SECRET"] = kSecret;
    options.extra_env["RELEASE_URL"] = "http://127.0.0.1:" + std::to_string(port_) + "/api/release";
    FixtureResult recorded = replay_fixture(fixture_, options);
    ASSERT_EQ(recorded.verdict, Verdict::passed) << Json(recorded).dump(2);
    EXPECT_TRUE(released_in_time_) << "the agent did not see the first event before the upstream sent the last one";

    Json cassette = Json::parse(read_file(fixture_ / "tool_cassettes.json"));
    ASSERT_EQ(cassette["interactions"].size(), 1u);
    const Json& response = cassette["interactions"][0]["response"];
    ASSERT_EQ(response["sse"].size(), 3u) << response.dump(2);
    EXPECT_EQ(response["sse"][0]["event"], "delta");
    EXPECT_EQ(response["sse"][2]["data"], "[DONE]");
    EXPECT_GE(response.value("chunk_delay_ms", 0), 100) << "the upstream paused 150 ms between the first events";

    upstream_.stop();
    FixtureResult replayed = run(ProxyMode::cassette);
    EXPECT_EQ(replayed.verdict, Verdict::passed) << Json(replayed.reasons).dump(2);
}

TEST_F(Record, LiveModeRefreshesReadsAndReplaysMutations) {
    std::atomic<int> upstream_saves{0};
    upstream_.Get("/api/items", [](const httplib::Request&, httplib::Response& res) {
        res.set_content(R"({"version": 2})", "application/json");
    });
    upstream_.Post("/api/save", [&](const httplib::Request&, httplib::Response& res) {
        ++upstream_saves;
        res.set_content(R"({"saved": "upstream"})", "application/json");
    });
    write_file(fixture_ / "agent.py", R"PY(
import json, os, urllib.request
base = os.environ["SEARCH_URL"]
items = json.load(urllib.request.urlopen(base + "/items", timeout=10))
saved = json.load(urllib.request.urlopen(urllib.request.Request(base + "/save", data=b'{"n": 1}', method="POST"), timeout=10))
json.dump({"items": items, "saved": saved}, open(os.path.join(os.environ["AGENT_REPLAY_WORKSPACE"], "out.json"), "w"))
)PY");
    write_file(fixture_ / "tool_cassettes.json", R"({"schema_version": 1, "interactions": [
      {"id": "items-1", "tool": "search", "request": {"method": "GET", "path": "/tools/items"},
       "response": {"json": {"version": 1}}},
      {"id": "save-1", "tool": "search", "side_effect": true, "request": {"method": "POST", "path": "/tools/save", "json": {"n": 1}},
       "response": {"json": {"saved": "recorded"}}}]})");
    write_file(fixture_ / "expected.json", R"({"schema_version": 1, "artifacts": [{"path": "out.json",
      "json_equals": {"/items/version": 2, "/saved/saved": "recorded"}}]})");
    FixtureResult result = run(ProxyMode::live);
    EXPECT_EQ(result.verdict, Verdict::passed) << Json(result.reasons).dump(2);
    EXPECT_EQ(upstream_saves.load(), 0) << "a mutating request must not reach the upstream in live mode";
    Json cassette = Json::parse(read_file(fixture_ / "tool_cassettes.json"));
    ASSERT_EQ(cassette["interactions"].size(), 2u);
    EXPECT_EQ(cassette["interactions"][0]["id"], "items-1");
    EXPECT_EQ(cassette["interactions"][0]["response"]["json"]["version"], 2) << "the read was refreshed";
    EXPECT_EQ(cassette["interactions"][1]["response"]["json"]["saved"], "recorded");
}

TEST_F(Record, TokensOfAnswersFetchedUpstreamCountTowardTheBudget) {
    upstream_.Get("/api/chat", [](const httplib::Request&, httplib::Response& res) {
        res.set_content(R"({"choices": [], "usage": {"prompt_tokens": 700, "completion_tokens": 600}})", "application/json");
    });
    write_file(fixture_ / "agent.py", R"PY(
import os, urllib.request
urllib.request.urlopen(os.environ["SEARCH_URL"] + "/chat", timeout=10).read()
)PY");
    write_file(fixture_ / "expected.json", R"({"schema_version": 1, "budget": {"max_tokens": 1000}})");
    FixtureResult recorded = run(ProxyMode::record);
    ASSERT_EQ(recorded.trace.size(), 1u);
    EXPECT_EQ(recorded.trace[0].tokens, 1300);
    std::set<std::string> codes;
    for (const auto& reason : recorded.reasons) codes.insert(reason.code);
    EXPECT_EQ(codes, std::set<std::string>{"budget_exceeded"});
}

TEST_F(Record, UpstreamThatBreaksOffIsNotRecordedAndTheCassetteIsKept) {
    write_file(fixture_ / "agent.py", R"PY(
import os, urllib.request, urllib.error
try:
    urllib.request.urlopen(os.environ["SEARCH_URL"] + "/broken", timeout=10).read()
except urllib.error.HTTPError as error:
    print("status", error.code)
)PY");
    write_file(fixture_ / "expected.json", R"({"schema_version": 1})");
    write_file(fixture_ / "tool_cassettes.json", R"({"schema_version": 1, "interactions": [
      {"id": "keep-me", "request": {"method": "GET", "path": "/tools/other"}, "response": {"text": "x"}}]})");
    FixtureResult recorded = run(ProxyMode::record);
    ASSERT_EQ(recorded.trace.size(), 1u);
    EXPECT_EQ(recorded.trace[0].status, 502) << "a broken answer is not passed on as a whole one";
    EXPECT_NE(read_file(fixture_ / "tool_cassettes.json").find("keep-me"), std::string::npos)
        << "nothing was captured, so the cassette is left as it was";
    EXPECT_TRUE(recorded.cassette_written.empty());
}

TEST_F(Record, AnswerTooLargeForACassetteIsPassedOnButNotRecorded) {
    upstream_.Get("/api/huge", [](const httplib::Request&, httplib::Response& res) {
        res.set_content(std::string(40u << 20, 'x'), "application/octet-stream");
    });
    write_file(fixture_ / "agent.py", R"PY(
import os, sys, urllib.request
body = urllib.request.urlopen(os.environ["SEARCH_URL"] + "/huge", timeout=30).read()
sys.exit(0 if len(body) == 40 << 20 else 1)
)PY");
    write_file(fixture_ / "expected.json", R"({"schema_version": 1})");
    FixtureResult recorded = run(ProxyMode::record);
    EXPECT_EQ(recorded.exit_code, 0) << "the agent got all 40 MiB";
    EXPECT_TRUE(recorded.cassette_written.empty());
    EXPECT_FALSE(fs::exists(fixture_ / "tool_cassettes.json"));
}

TEST_F(Record, HangingUpstreamDoesNotOutliveTheAgentsTimeout) {
    write_file(fixture_ / "agent.py", R"PY(
import os, urllib.request
urllib.request.urlopen(os.environ["SEARCH_URL"] + "/slow", timeout=60).read()
)PY");
    Json input = Json::parse(read_file(fixture_ / "input.json"));
    input["agent"]["timeout_seconds"] = 1;
    write_file(fixture_ / "input.json", input.dump());
    FixtureResult recorded = run(ProxyMode::record);
    EXPECT_EQ(recorded.verdict, Verdict::failed);
    ASSERT_EQ(recorded.trace.size(), 1u);
    // Waiting for the upstream would have ended in its 200 after 20 s.
    EXPECT_EQ(recorded.trace[0].status, 502) << "the proxy gave up on the upstream when it stopped";
}

TEST_F(Record, ServeInRecordModeWritesTheCassetteOnFinish) {
    ServeSession session(fixture_, ProxyMode::record, 0, dir_.path() / "serve-ws");
    httplib::Client client(session.url());
    auto res = client.Post("/tools/search?api_key=" + kSecret, {{"Authorization", "Bearer " + kSecret}},
                           Json{{"q", "by hand"}, {"token", kSecret}}.dump(), "application/json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << res->body;
    Json findings = session.finish();
    ASSERT_TRUE(findings.contains("cassette_written")) << findings.dump(2);
    EXPECT_TRUE(findings["unrecorded"].empty());
    Json cassette = Json::parse(read_file(fixture_ / "tool_cassettes.json"));
    ASSERT_EQ(cassette["interactions"].size(), 1u);
    EXPECT_EQ(cassette["interactions"][0]["request"]["json"]["q"], "by hand");
    EXPECT_EQ(files_containing(dir_.path(), kSecret), std::vector<std::string>{});

    ServeSession idle(fixture_, ProxyMode::record, 0, dir_.path() / "serve-ws-2");
    EXPECT_FALSE(idle.finish().contains("cassette_written")) << "stopping before any request writes nothing";
    EXPECT_EQ(Json::parse(read_file(fixture_ / "tool_cassettes.json"))["interactions"].size(), 1u);
}

TEST_F(Record, RequestWithoutAnUpstreamRouteIsReported) {
    write_file(fixture_ / "input.json", R"({"schema_version": 1, "agent": {"command": ["python3", "{{fixture_dir}}/agent.py"],
      "env": {"SEARCH_URL": "{{proxy_url}}/elsewhere"}}})");
    FixtureResult result = run(ProxyMode::record);
    EXPECT_EQ(result.verdict, Verdict::failed);
    std::set<std::string> codes;
    for (const auto& reason : result.reasons) codes.insert(reason.code);
    EXPECT_TRUE(codes.count("unrecorded_request")) << Json(result.reasons).dump(2);
}

}  // namespace
}  // namespace agent_replay

namespace agent_replay {
namespace {

// Record from an https upstream with a certificate made for this test: trusted
// through SSL_CERT_FILE (OpenSSL's default verify paths) it records; untrusted,
// the request is refused rather than recorded from an unverified server.
class RecordHttps : public ::testing::Test {
protected:
    void SetUp() override {
        std::string output;
        int status = testing_support::run_shell(
            "cd " + dir_.path().string() +
                " && openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 2"
                " -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>&1",
            &output);
        ASSERT_EQ(status, 0) << output;
        cert_ = (dir_.path() / "cert.pem").string();
        upstream_ = std::make_unique<httplib::SSLServer>(cert_.c_str(), (dir_.path() / "key.pem").string().c_str());
        upstream_->Get("/api/hello", [](const httplib::Request&, httplib::Response& res) {
            res.set_content(R"({"greeting": "over tls"})", "application/json");
        });
        int port = upstream_->bind_to_any_port("127.0.0.1");
        thread_ = std::thread([this] { upstream_->listen_after_bind(); });
        while (!upstream_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));

        fixture_ = dir_.path() / "suite" / "tls";
        testing_support::write_file(fixture_ / "agent.py", R"PY(
import json, os, urllib.request
body = json.load(urllib.request.urlopen(os.environ["BASE"] + "/hello", timeout=10))
json.dump(body, open(os.path.join(os.environ["AGENT_REPLAY_WORKSPACE"], "out.json"), "w"))
)PY");
        testing_support::write_file(
            fixture_ / "input.json",
            Json{{"schema_version", 1},
                 {"agent", {{"command", {"python3", "{{fixture_dir}}/agent.py"}}, {"env", {{"BASE", "{{proxy_url}}/tools"}}}}},
                 {"routes", {{"/tools", {{"tool", "hello"}, {"upstream", "https://127.0.0.1:" + std::to_string(port) + "/api"}}}}}}
                .dump(2));
        testing_support::write_file(fixture_ / "expected.json",
                                    R"({"schema_version": 1, "artifacts": [{"path": "out.json", "json_equals": {"/greeting": "over tls"}}]})");
        testing_support::write_file(fixture_ / "notes.json", R"({"schema_version": 1, "failure_class": "none"})");
    }
    void TearDown() override {
        unsetenv("SSL_CERT_FILE");
        if (upstream_) upstream_->stop();
        if (thread_.joinable()) thread_.join();
    }
    FixtureResult record() {
        ReplayOptions options;
        options.mode = ProxyMode::record;
        options.report_dir = dir_.path() / "report";
        return replay_fixture(fixture_, options);
    }

    testing_support::TempDir dir_;
    std::string cert_;
    std::unique_ptr<httplib::SSLServer> upstream_;
    std::thread thread_;
    std::filesystem::path fixture_;
};

TEST_F(RecordHttps, TrustedCertificateRecordsTheExchange) {
    setenv("SSL_CERT_FILE", cert_.c_str(), 1);
    FixtureResult result = record();
    ASSERT_EQ(result.verdict, Verdict::passed) << Json(result).dump(2);
    Json cassette = Json::parse(testing_support::read_file(fixture_ / "tool_cassettes.json"));
    ASSERT_EQ(cassette["interactions"].size(), 1u);
    EXPECT_EQ(cassette["interactions"][0]["response"]["json"]["greeting"], "over tls");
    EXPECT_EQ(cassette["interactions"][0]["request"]["path"], "/tools/hello");
}

TEST_F(RecordHttps, UntrustedCertificateIsRefusedNotRecorded) {
    setenv("SSL_CERT_FILE", "/nonexistent/agent-replay-no-ca.pem", 1);
    FixtureResult result = record();
    EXPECT_EQ(result.verdict, Verdict::failed);
    ASSERT_EQ(result.trace.size(), 1u);
    EXPECT_EQ(result.trace[0].status, 502) << "the upstream could not be verified";
    EXPECT_FALSE(std::filesystem::exists(fixture_ / "tool_cassettes.json")) << "nothing captured, nothing written";
}

}  // namespace
}  // namespace agent_replay
