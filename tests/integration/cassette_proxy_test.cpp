#include <agent_replay/cassette_proxy.hpp>

#include <gtest/gtest.h>
#include <httplib.h>

#include "../support/test_support.hpp"

#include <atomic>
#include <chrono>

namespace agent_replay {
namespace {

Cassette cassette_from(const std::string& text) { return parse_cassette(JsonDocument::parse(text, "c.json")); }

const char* kCassette = R"({"schema_version": 1, "interactions": [
  {"id": "search-1", "tool": "search", "request": {"method": "POST", "path": "/tools/search", "json": {"q": "replay"}},
   "response": {"status": 200, "headers": {"content-type": "application/json", "x-recorded": "yes"}, "json": {"hits": [1, 2]}}},
  {"id": "items", "request": {"method": "GET", "path": "/tools/items?a=1&b=2"}, "response": {"status": 201, "text": "listed"}},
  {"id": "stream", "tool": "model", "request": {"method": "POST", "path": "/model/v1/chat", "json": {"stream": true}},
   "response": {"headers": {"content-type": "text/event-stream"},
                "sse": [{"data": "{\"delta\": \"a\"}"}, {"event": "done", "data": "[DONE]"}], "chunk_delay_ms": 5}}
]})";

class CassetteProxyTest : public ::testing::Test {
protected:
    void start(ProxyMode mode) {
        proxy_ = std::make_unique<CassetteProxy>(cassette_, routes_, mode);
        proxy_->start();
        client_ = std::make_unique<httplib::Client>(proxy_->url());
        client_->set_read_timeout(5, 0);
    }
    Cassette cassette_ = cassette_from(kCassette);
    std::vector<Route> routes_{{"/tools/search", "search", ""}, {"/tools", "tools", ""}, {"/model", "model", ""}};
    std::unique_ptr<CassetteProxy> proxy_;
    std::unique_ptr<httplib::Client> client_;
};

TEST_F(CassetteProxyTest, ListensOnLoopbackEphemeralPort) {
    start(ProxyMode::cassette);
    EXPECT_EQ(proxy_->url().rfind("http://127.0.0.1:", 0), 0u);
    EXPECT_NE(proxy_->url(), "http://127.0.0.1:0");
}

TEST_F(CassetteProxyTest, ServesRecordedResponseAndTracesIt) {
    start(ProxyMode::cassette);
    auto res = client_->Post("/tools/search", "{\"q\":\"replay\"}", "application/json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(Json::parse(res->body)["hits"].size(), 2u);
    EXPECT_EQ(res->get_header_value("x-recorded"), "yes");
    auto trace = proxy_->trace();
    ASSERT_EQ(trace.size(), 1u);
    EXPECT_EQ(trace[0].tool, "search");
    EXPECT_EQ(trace[0].method, "POST");
    EXPECT_EQ(trace[0].path, "/tools/search");
    EXPECT_EQ(trace[0].interaction_id, "search-1");
    EXPECT_EQ(trace[0].status, 200);
    EXPECT_EQ(trace[0].body_sha256.size(), 64u);
}

TEST_F(CassetteProxyTest, QueryOrderInsensitive) {
    start(ProxyMode::cassette);
    auto res = client_->Get("/tools/items?b=2&a=1");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 201);
    EXPECT_EQ(res->body, "listed");
}

TEST_F(CassetteProxyTest, UnrecordedRequestGets599NamingTheClosest) {
    start(ProxyMode::cassette);
    auto res = client_->Post("/tools/search", "{\"q\":\"replays\"}", "application/json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, kUnrecordedStatus);
    Json body = Json::parse(res->body);
    EXPECT_EQ(body["error"], "unrecorded_request");
    EXPECT_EQ(body["closest"], "search-1");
    EXPECT_EQ(body["differences"][0]["field"], "body");
    auto trace = proxy_->trace();
    ASSERT_EQ(trace.size(), 1u);
    EXPECT_FALSE(trace[0].interaction_id.has_value());
    EXPECT_EQ(trace[0].tool, "search") << "tool comes from the route when nothing matched";
    EXPECT_EQ(proxy_->unused_interactions().size(), 3u);
}

TEST_F(CassetteProxyTest, StrictModeReportsTheFirstViolationOnce) {
    start(ProxyMode::strict);
    std::atomic<int> violations{0};
    proxy_->on_strict_violation([&] { ++violations; });
    EXPECT_EQ(client_->Delete("/tools/everything")->status, kUnrecordedStatus);
    EXPECT_EQ(client_->Get("/elsewhere")->status, kUnrecordedStatus);
    EXPECT_EQ(violations.load(), 1);
}

TEST_F(CassetteProxyTest, ConnectAndUnknownMethodsAreTracedAsUnrecorded) {
    start(ProxyMode::strict);
    std::atomic<int> violations{0};
    proxy_->on_strict_violation([&] { ++violations; });
    std::string port = proxy_->url().substr(proxy_->url().rfind(':') + 1);
    std::string output;
    testing_support::run_shell("python3 -c \"import socket\nfor line in (b'CONNECT api.example.com:443 HTTP/1.1', b'PURGE /tools/x HTTP/1.1'):\n"
                               "  s = socket.create_connection(('127.0.0.1', " + port + "))\n"
                               "  s.sendall(line + b'\\r\\nHost: x\\r\\n\\r\\n'); s.recv(1000); s.close()\"", &output);
    // cpp-httplib logs a refused request after answering it; stop() waits for its workers.
    proxy_->stop();
    auto trace = proxy_->trace();
    ASSERT_EQ(trace.size(), 2u) << output;
    std::set<std::string> methods;
    for (const auto& event : trace) {
        methods.insert(event.method);
        EXPECT_FALSE(event.interaction_id.has_value());
    }
    EXPECT_EQ(methods, (std::set<std::string>{"CONNECT", "PURGE"}));
    EXPECT_EQ(violations.load(), 1);
}

TEST_F(CassetteProxyTest, StreamsServerSentEventsChunkByChunk) {
    start(ProxyMode::cassette);
    httplib::Headers headers;
    auto res = client_->Post("/model/v1/chat", headers, "{\"stream\":true}", "application/json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->get_header_value("content-type"), "text/event-stream");
    EXPECT_EQ(res->body, "data: {\"delta\": \"a\"}\n\nevent: done\ndata: [DONE]\n\n");
}

TEST_F(CassetteProxyTest, StreamingClientReadsTheFirstEventBeforeTheLastIsSent) {
    Cassette paced = cassette_from(R"({"schema_version": 1, "interactions": [
      {"id": "s", "request": {"method": "GET", "path": "/stream"},
       "response": {"sse": [{"data": "one"}, {"data": "two"}, {"data": "three"}], "chunk_delay_ms": 300}}]})");
    CassetteProxy proxy(paced, {}, ProxyMode::cassette);
    proxy.start();
    httplib::Client client(proxy.url());
    auto start = std::chrono::steady_clock::now();
    std::vector<double> arrivals;
    std::string received;
    auto res = client.Get("/stream", [&](const char* data, size_t size) {
        received.append(data, size);
        arrivals.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
        return true;
    });
    ASSERT_TRUE(res);
    EXPECT_EQ(received, "data: one\n\ndata: two\n\ndata: three\n\n");
    ASSERT_GE(arrivals.size(), 2u) << "the events arrived in one piece";
    // Two 300 ms gaps separate the first event from the last.
    EXPECT_GE(arrivals.back() - arrivals.front(), 0.5);
}

TEST_F(CassetteProxyTest, KeepAliveClientMakesManyRequests) {
    Cassette many = cassette_from(R"({"schema_version": 1, "interactions": [
      {"id": "p", "request": {"method": "GET", "path": "/ping"}, "response": {"text": "pong"}, "repeat": "any"}]})");
    CassetteProxy proxy(many, {}, ProxyMode::cassette);
    proxy.start();
    httplib::Client client(proxy.url());
    client.set_keep_alive(true);
    for (int i = 0; i < 50; ++i) {
        auto res = client.Get("/ping");
        ASSERT_TRUE(res) << i;
        ASSERT_EQ(res->body, "pong");
    }
    EXPECT_EQ(proxy.trace().size(), 50u);
}

}  // namespace
}  // namespace agent_replay

namespace agent_replay {
namespace {

const char* kFaultCassette = R"({"schema_version": 1, "interactions": [
  {"id": "busy", "request": {"method": "GET", "path": "/busy"}, "response": {"json": {"ok": true}},
   "fault": {"kind": "status", "status": 503, "times": 1, "headers": {"Retry-After": "2"}}},
  {"id": "slow", "request": {"method": "GET", "path": "/slow"}, "response": {"text": "late"},
   "fault": {"kind": "delay", "delay_ms": 300}},
  {"id": "reset", "request": {"method": "GET", "path": "/reset"}, "response": {"text": "never"}, "fault": {"kind": "reset"}},
  {"id": "bad", "request": {"method": "GET", "path": "/bad"}, "response": {"json": {"a": [1, 2, 3]}},
   "fault": {"kind": "malformed"}},
  {"id": "cut", "request": {"method": "GET", "path": "/cut"}, "response": {"text": "0123456789abcdefghij"},
   "fault": {"kind": "truncate"}}
]})";

class ProxyFaults : public ::testing::Test {
protected:
    void SetUp() override {
        proxy_.start();
        client_ = std::make_unique<httplib::Client>(proxy_.url());
        client_->set_read_timeout(5, 0);
    }
    Cassette cassette_ = parse_cassette(JsonDocument::parse(kFaultCassette, "c.json"));
    CassetteProxy proxy_{cassette_, {}, ProxyMode::cassette};
    std::unique_ptr<httplib::Client> client_;
};

TEST_F(ProxyFaults, StatusFaultThenTheRecordedResponse) {
    auto first = client_->Get("/busy");
    ASSERT_TRUE(first);
    EXPECT_EQ(first->status, 503);
    EXPECT_EQ(first->get_header_value("Retry-After"), "2");
    auto second = client_->Get("/busy");
    ASSERT_TRUE(second);
    EXPECT_EQ(second->status, 200);
    auto trace = proxy_.trace();
    ASSERT_EQ(trace.size(), 2u);
    EXPECT_EQ(trace[0].fault, "status");
    EXPECT_EQ(trace[0].status, 503);
    EXPECT_EQ(trace[1].fault, "");
}

TEST_F(ProxyFaults, DelayFaultServesAfterWaiting) {
    auto start = std::chrono::steady_clock::now();
    auto res = client_->Get("/slow");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->body, "late");
    EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(300));
}

TEST_F(ProxyFaults, ResetFaultClosesWithoutAResponse) {
    auto res = client_->Get("/reset");
    EXPECT_FALSE(res) << "got status " << res->status;
}

TEST_F(ProxyFaults, MalformedFaultIsInvalidJson) {
    auto res = client_->Get("/bad");
    ASSERT_TRUE(res);
    EXPECT_TRUE(Json::parse(res->body, nullptr, false).is_discarded()) << res->body;
}

TEST_F(ProxyFaults, TruncateFaultCutsTheBody) {
    auto res = client_->Get("/cut");
    EXPECT_TRUE(!res || res->body.size() < 20u);
}

}  // namespace
}  // namespace agent_replay

namespace agent_replay {
namespace {

class ProxyRobustness : public ::testing::Test {
protected:
    void SetUp() override {
        proxy_.set_worker_threads(96);  // as `serve` runs it
        proxy_.start();
    }
    Cassette cassette_ = parse_cassette(JsonDocument::parse(
        R"({"schema_version": 1, "match": {"on": ["method", "path"]}, "interactions": [
          {"id": "p", "request": {"method": "POST", "path": "/p"}, "response": {"text": "ok"}, "repeat": "any"},
          {"id": "g", "request": {"method": "GET", "path": "/g"}, "response": {"text": "ok"}, "repeat": "any"},
          {"id": "bad", "request": {"method": "GET", "path": "/bad"}, "response": {"status": 400, "text": "no"}}]})",
        "c.json"));
    CassetteProxy proxy_{cassette_, {}, ProxyMode::cassette};
};

TEST_F(ProxyRobustness, OversizedBodyGets413AndIsTraced) {
    httplib::Client client(proxy_.url());
    auto res = client.Post("/p", std::string((32u << 20) + 1, 'x'), "text/plain");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 413);
    proxy_.stop();  // the refusal is logged after the answer; stop() waits for it
    auto trace = proxy_.trace();
    ASSERT_EQ(trace.size(), 1u);
    EXPECT_FALSE(trace[0].interaction_id.has_value());
    EXPECT_EQ(trace[0].status, 413);
}

TEST_F(ProxyRobustness, MalformedHttpGets400OversizedHeadersGet431AndTheServerLivesOn) {
    std::string port = proxy_.url().substr(proxy_.url().rfind(':') + 1);
    std::string output;
    testing_support::run_shell(
        "python3 -c \"import socket\nfor raw in (b'GARBAGE\\\\r\\\\n\\\\r\\\\n', b'GET /g HTTP/1.1\\\\r\\\\n' + b'X-Big: ' + b'a' * 20000 + b'\\\\r\\\\n\\\\r\\\\n', b'\\\\x00\\\\xff\\\\r\\\\n\\\\r\\\\n'):\n"
        "  s = socket.create_connection(('127.0.0.1', " + port + "))\n"
        "  s.sendall(raw); print(s.recv(100).split(b' ')[1].decode()); s.close()\"",
        &output);
    EXPECT_EQ(output, "400\n431\n400\n");
    httplib::Client client(proxy_.url());
    auto res = client.Get("/g");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->body, "ok");
    auto recorded_400 = client.Get("/bad");
    ASSERT_TRUE(recorded_400);
    EXPECT_EQ(recorded_400->status, 400) << "a recorded 400 is served as recorded";
}

TEST_F(ProxyRobustness, DeeplyNestedJsonBodyIsServedNotACrash) {
    httplib::Client client(proxy_.url());
    auto res = client.Post("/p", std::string(200000, '[') + std::string(200000, ']'), "application/json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->body, "ok");
    auto miss = client.Post("/nowhere", std::string(200000, '{'), "application/json");
    ASSERT_TRUE(miss);
    EXPECT_EQ(miss->status, kUnrecordedStatus);
}

TEST(ProxyTrace, PastItsLimitTheTraceKeepsOnlyUnrecordedRequests) {
    Cassette cassette = parse_cassette(JsonDocument::parse(
        R"({"schema_version": 1, "interactions": [{"id": "g", "request": {"method": "GET", "path": "/g"},
            "response": {"text": "ok"}, "repeat": "any"}]})",
        "c.json"));
    CassetteProxy proxy(cassette, {}, ProxyMode::cassette);
    proxy.set_trace_limit(5);
    proxy.start();
    httplib::Client client(proxy.url());
    for (int i = 0; i < 8; ++i) ASSERT_TRUE(client.Get("/g"));
    ASSERT_TRUE(client.Get("/missing"));
    proxy.stop();
    auto trace = proxy.trace();
    ASSERT_EQ(trace.size(), 6u);
    EXPECT_FALSE(trace.back().interaction_id.has_value()) << "the finding is kept";
    EXPECT_EQ(trace.back().seq, 8u) << "sequence numbers still count every request";
    EXPECT_EQ(proxy.dropped_events(), 3u);
}

TEST_F(ProxyRobustness, SixtyFourConcurrentKeepAliveConnections) {
    std::atomic<int> failures{0};
    std::vector<std::thread> clients;
    for (int c = 0; c < 64; ++c) {
        clients.emplace_back([&] {
            httplib::Client client(proxy_.url());
            client.set_keep_alive(true);
            client.set_read_timeout(10, 0);
            for (int i = 0; i < 20; ++i) {
                auto res = client.Get("/g");
                if (!res || res->status != 200 || res->body != "ok") ++failures;
            }
        });
    }
    for (auto& thread : clients) thread.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(proxy_.trace().size(), 64u * 20u);
}

}  // namespace
}  // namespace agent_replay
