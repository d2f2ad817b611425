#include <agent_replay/report_html.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

#include "../support/test_support.hpp"

namespace agent_replay {
namespace {
namespace fs = std::filesystem;
using namespace testing_support;

const std::string kHostile = "<script>alert(1)</script> \"quotes\" 'single' &amp; \xff bell\x07 end";

FixtureResult result(std::string id, Verdict verdict, std::vector<Reason> reasons = {}) {
    FixtureResult r;
    r.fixture_id = std::move(id);
    r.suite = "agent_failure_forensics";
    r.verdict = verdict;
    r.reasons = std::move(reasons);
    r.replay_command = "agent-replay run --fixture fixtures/agent_failure_forensics/" + r.fixture_id + " --mode cassette";
    r.duration_seconds = 1.25;
    r.failure_class = "missing_artifact_ref";
    return r;
}

TraceEvent event(std::size_t seq, std::string path, std::optional<std::string> interaction_id) {
    TraceEvent e;
    e.seq = seq;
    e.t_ms = 12.5 * static_cast<double>(seq);
    e.tool = "search";
    e.method = "POST";
    e.path = std::move(path);
    e.interaction_id = std::move(interaction_id);
    e.status = 200;
    e.latency_ms = 3.2;
    return e;
}

// A small suite with one fixture of each kind a reader meets.
std::vector<FixtureResult> sample_suite() {
    FixtureResult failed = result("missing_ref", Verdict::failed,
                                  {Reason{"missing_artifact_ref", "artifacts", "report.json names no source", "report.json", nullptr}});
    failed.artifacts = {"report.json", "notes/summary.md"};
    failed.trace = {event(1, "/v1/tools/search", "search-1"), event(2, "/v1/tools/fetch_page", std::nullopt)};
    failed.trace[1].status = 599;
    FixtureResult passed = result("retry_on_503", Verdict::passed);
    passed.trace = {event(1, "/v1/model", "model-1")};
    passed.trace[0].fault = "status";
    return {passed, failed, result("quarantined_one", Verdict::skipped)};
}

std::size_t count_of(const std::string& text, const std::string& needle) {
    std::size_t count = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++count;
    return count;
}

std::string lowercase(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
    return text;
}

// Nothing the report could load: no URL scheme, no src, no CSS url() or
// @import, and every link a same-page anchor.
void expect_loads_nothing(const std::string& html) {
    std::string lower = lowercase(html);
    for (const char* forbidden : {"http:", "https:", "://", "src=", "url(", "@import", "<script", "<link", "<img"}) {
        EXPECT_EQ(lower.find(forbidden), std::string::npos) << forbidden << " in:\n" << html;
    }
    for (auto at = lower.find("href="); at != std::string::npos; at = lower.find("href=", at + 1)) {
        EXPECT_EQ(lower.compare(at, 7, "href=\"#"), 0) << html.substr(at, 40);
    }
}

TEST(ReportHtml, EscapesHostileTextAndLoadsNothing) {
    FixtureResult hostile = result(kHostile, Verdict::failed, {Reason{kHostile, kHostile, kHostile, kHostile, nullptr}});
    hostile.replay_command = kHostile;
    hostile.failure_class = kHostile;
    hostile.artifacts = {kHostile};
    hostile.trace = {event(1, kHostile, kHostile)};
    hostile.trace[0].tool = kHostile;
    hostile.trace[0].fault = kHostile;
    std::string html = report_html(kHostile, {hostile});

    expect_loads_nothing(html);
    EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt; &quot;quotes&quot; &#39;single&#39; &amp;amp; \xEF\xBF\xBD bell end"),
              std::string::npos)
        << html;
    EXPECT_EQ(html.find('\xff'), std::string::npos) << "invalid UTF-8 is replaced";
    EXPECT_EQ(html.find('\x07'), std::string::npos) << "control characters are stripped";
    EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
}

TEST(ReportHtml, KeepsTheGivenOrderAndIndexesFailures) {
    std::string html = report_html("agent_failure_forensics", sample_suite());
    expect_loads_nothing(html);
    EXPECT_NE(html.find("3 fixtures:"), std::string::npos);
    EXPECT_NE(html.find("<span class=\"verdict passed\">passed</span> 1"), std::string::npos) << html;
    EXPECT_NE(html.find("<span class=\"verdict failed\">failed</span> 1"), std::string::npos);
    EXPECT_NE(html.find("<span class=\"verdict inconclusive\">inconclusive</span> 0"), std::string::npos);

    auto passed = html.find("<section class=\"fixture\" id=\"fixture-1\">\n<h2>retry_on_503");
    auto failed = html.find("<section class=\"fixture\" id=\"fixture-2\">\n<h2>missing_ref");
    auto skipped = html.find("<section class=\"fixture\" id=\"fixture-3\">\n<h2>quarantined_one");
    ASSERT_NE(passed, std::string::npos) << html;
    ASSERT_NE(failed, std::string::npos);
    ASSERT_NE(skipped, std::string::npos);
    EXPECT_LT(passed, failed);
    EXPECT_LT(failed, skipped);

    auto index = html.find("<nav id=\"failures\">");
    auto index_end = html.find("</nav>");
    ASSERT_NE(index, std::string::npos);
    std::string failures = html.substr(index, index_end - index);
    EXPECT_NE(failures.find("<a href=\"#fixture-2\">missing_ref</a>"), std::string::npos) << failures;
    EXPECT_NE(failures.find("missing_artifact_ref"), std::string::npos);
    EXPECT_EQ(failures.find("retry_on_503"), std::string::npos) << "a passed fixture is not a failure";
    EXPECT_EQ(failures.find("quarantined_one"), std::string::npos);
    EXPECT_NE(html.find("<span class=\"unrecorded\">UNRECORDED</span>"), std::string::npos);
}

TEST(ReportHtml, SaysNoFailuresWhenAllPassed) {
    std::string html = report_html("s", {result("a", Verdict::passed)});
    EXPECT_NE(html.find("<p>No failures.</p>"), std::string::npos) << html;
}

TEST(ReportHtml, CapsTheTimelineAndCountsWhatWasLeftOut) {
    FixtureResult busy = result("loop", Verdict::failed, {Reason{"loop_detected", "tools", "same call", "", nullptr}});
    for (std::size_t seq = 1; seq <= kHtmlTimelineRows + 123; ++seq) busy.trace.push_back(event(seq, "/v1/tools/search", "s-1"));
    std::string html = report_html("s", {busy});
    auto timeline = html.find("<table class=\"timeline\">");
    ASSERT_NE(timeline, std::string::npos);
    std::string table = html.substr(timeline, html.find("</table>", timeline) - timeline);
    EXPECT_EQ(count_of(table, "<tr>"), 1 + kHtmlTimelineRows) << "a header row and the first 500 calls";
    EXPECT_NE(html.find("123 more tool calls left out; trace.jsonl has all 623."), std::string::npos);
}

// The real consumer: a browser parses the file and the text a person would
// read is there, with the hostile fixture's markup still inert text.
TEST(ReportHtml, RendersInHeadlessChromium) {
    ASSERT_EQ(run_shell("command -v chromium >/dev/null 2>&1"), 0)
        << "chromium is not installed: the report's browser test needs Debian's `chromium` package "
           "(scripts/test installs it; or: apt-get install chromium)";
    TempDir dir;
    std::vector<FixtureResult> results = sample_suite();
    results.push_back(result("hostile", Verdict::inconclusive, {Reason{"harness_error", "harness", kHostile, "", nullptr}}));
    fs::path file = dir.path() / "report.html";
    write_file(file, report_html("agent_failure_forensics", results));

    // A profile of its own, so parallel test processes do not share a lock.
    std::string command = "timeout 60 chromium --headless --no-sandbox --disable-gpu --user-data-dir='" +
                          (dir.path() / "profile").string() + "' --dump-dom 'file://" + file.string() + "' 2>'" +
                          (dir.path() / "stderr.txt").string() + "'";
    std::string dom;
    int status = run_shell(command, &dom);
    ASSERT_EQ(status, 0) << command << "\n" << read_file(dir.path() / "stderr.txt");

    for (const char* text : {"agent-replay report: agent_failure_forensics", "retry_on_503", "missing_ref",
                             "quarantined_one", "hostile", ">passed<", ">failed<", ">skipped<", ">inconclusive<",
                             "missing_artifact_ref", "report.json names no source",
                             "agent-replay run --fixture fixtures/agent_failure_forensics/missing_ref --mode cassette",
                             "/v1/tools/fetch_page", "UNRECORDED", "notes/summary.md", "href=\"#fixture-2\"",
                             "&lt;script&gt;alert(1)&lt;/script&gt;"}) {
        EXPECT_NE(dom.find(text), std::string::npos) << text << " not in the rendered DOM:\n" << dom;
    }
    EXPECT_EQ(lowercase(dom).find("<script"), std::string::npos) << "hostile text became an element:\n" << dom;
}

}  // namespace
}  // namespace agent_replay
