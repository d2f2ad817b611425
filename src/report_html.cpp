// report.html: plain HTML5 with one inline stylesheet. A Content-Security-Policy
// forbids every load and every script, so even a bug in the escaping below
// could not make the report fetch or run anything.
#include <agent_replay/report_html.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <sstream>

namespace agent_replay {
namespace {

constexpr std::array kVerdicts{Verdict::passed,   Verdict::failed,  Verdict::blocked,
                               Verdict::degraded, Verdict::skipped, Verdict::inconclusive};

constexpr const char* kStyle = R"(
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #1f2328; }
h1 { font-size: 1.5em; margin: 0 0 .4em; }
h2 { font-size: 1.2em; margin: 0 0 .5em; }
h3 { font-size: 1em; margin: 1em 0 .3em; }
.totals span { display: inline-block; margin-right: .4em; }
.verdict { padding: .1em .5em; border-radius: .3em; font-weight: 600; }
.verdict.passed { background: #dafbe1; color: #116329; }
.verdict.failed { background: #ffebe9; color: #a40e26; }
.verdict.blocked { background: #ffd8b5; color: #762c00; }
.verdict.degraded { background: #fff8c5; color: #7d4e00; }
.verdict.skipped { background: #eaeef2; color: #57606a; }
.verdict.inconclusive { background: #fbefff; color: #6e40c9; }
nav, section { border: 1px solid #d0d7de; border-radius: .4em; padding: .8em 1em; margin: 1em 0; }
dl { display: grid; grid-template-columns: max-content auto; gap: .1em 1em; margin: 0; }
dt { color: #57606a; }
dd { margin: 0; }
pre { background: #f6f8fa; padding: .5em; white-space: pre-wrap; word-break: break-all; margin: 0; }
table { border-collapse: collapse; }
th, td { border: 1px solid #d0d7de; padding: .2em .5em; text-align: left; vertical-align: top; white-space: pre-wrap; }
th { background: #f6f8fa; }
td.number { text-align: right; }
.unrecorded { color: #a40e26; font-weight: 600; }
.note { color: #57606a; }
)";

// Valid UTF-8 without control characters: nlohmann's serialiser already
// replaces every invalid or overlong byte sequence with U+FFFD, so a round
// trip through a JSON string repairs the text; then C0 controls (and DEL)
// go, because they are parse errors in HTML and mean nothing to a reader.
std::string valid_text(const std::string& raw) {
    std::string repaired =
        nlohmann::json::parse(nlohmann::json(raw).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
            .get<std::string>();
    std::string out;
    out.reserve(repaired.size());
    for (char c : repaired) {
        unsigned char byte = static_cast<unsigned char>(c);
        if ((byte >= 0x20 && byte != 0x7F) || c == '\n' || c == '\t') out += c;
    }
    return out;
}

// The five characters that can end a text node or an attribute value.
std::string escape_html(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

// Anything that came from a fixture, an agent or a file name goes through here.
std::string html(const std::string& raw) { return escape_html(valid_text(raw)); }

std::string number_text(double value, const char* format) {
    char buffer[48];
    std::snprintf(buffer, sizeof buffer, format, value);
    return buffer;
}

std::string verdict_badge(Verdict verdict) {
    std::string name(to_string(verdict));
    return "<span class=\"verdict " + name + "\">" + name + "</span>";
}

// Anchors use the position, not the fixture id: an id read back from a broken
// verdict.json may hold spaces or '%', which do not survive a URL fragment.
std::string anchor_of(std::size_t position) { return "fixture-" + std::to_string(position + 1); }

void write_head(std::ostream& out, const std::string& suite_name) {
    out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        << "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
        << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        << "<title>agent-replay report: " << html(suite_name) << "</title>\n<style>" << kStyle << "</style>\n</head>\n";
}

void write_totals(std::ostream& out, const std::string& suite_name, const std::vector<FixtureResult>& results) {
    out << "<header>\n<h1>agent-replay report: " << html(suite_name) << "</h1>\n<p class=\"totals\">"
        << results.size() << " fixtures:";
    for (Verdict verdict : kVerdicts) {
        std::size_t count = 0;
        for (const auto& result : results) count += result.verdict == verdict;
        out << " <span>" << verdict_badge(verdict) << " " << count << "</span>";
    }
    out << "</p>\n</header>\n";
}

void write_failure_index(std::ostream& out, const std::vector<FixtureResult>& results) {
    out << "<nav id=\"failures\">\n<h2>Failures</h2>\n";
    std::ostringstream items;
    for (std::size_t i = 0; i < results.size(); ++i) {
        const auto& result = results[i];
        if (!is_failure(result.verdict)) continue;
        items << "<li><a href=\"#" << anchor_of(i) << "\">" << html(result.fixture_id) << "</a> "
              << verdict_badge(result.verdict) << " " << html(reason_codes_of(result.reasons)) << "</li>\n";
    }
    if (items.str().empty()) {
        out << "<p>No failures.</p>\n";
    } else {
        out << "<ul>\n" << items.str() << "</ul>\n";
    }
    out << "</nav>\n";
}

void write_facts(std::ostream& out, const FixtureResult& result) {
    out << "<dl>\n";
    auto fact = [&out](const char* label, const std::string& raw) {
        if (!raw.empty()) out << "<dt>" << label << "</dt><dd>" << html(raw) << "</dd>\n";
    };
    fact("Failure class", result.failure_class.empty() ? "none" : result.failure_class);
    fact("Duration", number_text(result.duration_seconds < 0 ? 0.0 : result.duration_seconds, "%.3f s"));
    fact("Run id", result.run_id);
    fact("Mode", result.mode);
    fact("Started", result.started_at);
    fact("Workspace", result.workspace);
    fact("Report folder", result.report_dir);
    out << "</dl>\n";
}

void write_reasons(std::ostream& out, const std::vector<Reason>& reasons) {
    out << "<h3>Reasons</h3>\n";
    if (reasons.empty()) {
        out << "<p class=\"note\">No reasons.</p>\n";
        return;
    }
    out << "<table class=\"reasons\">\n<tr><th>code</th><th>check</th><th>message</th><th>path</th></tr>\n";
    for (const auto& reason : reasons) {
        out << "<tr><td>" << html(reason.code) << "</td><td>" << html(reason.check) << "</td><td>"
            << html(reason.message) << "</td><td>" << html(reason.path) << "</td></tr>\n";
    }
    out << "</table>\n";
}

void write_artifacts(std::ostream& out, const std::vector<std::string>& artifacts) {
    out << "<h3>Artifacts</h3>\n";
    if (artifacts.empty()) {
        out << "<p class=\"note\">No artifacts.</p>\n";
        return;
    }
    out << "<ul class=\"artifacts\">\n";
    for (const auto& path : artifacts) out << "<li><code>" << html(path) << "</code></li>\n";
    out << "</ul>\n";
}

// Where the request went, as one cell: host (proxied requests only), path, query.
std::string request_target(const TraceEvent& event) {
    return event.host + event.path + (event.query.empty() ? "" : "?" + event.query);
}

void write_timeline_row(std::ostream& out, const TraceEvent& event) {
    std::string interaction = event.interaction_id ? html(*event.interaction_id)
                                                   : std::string("<span class=\"unrecorded\">UNRECORDED</span>");
    out << "<tr><td class=\"number\">" << event.seq << "</td><td class=\"number\">" << number_text(event.t_ms, "%.1f")
        << "</td><td>" << html(event.tool) << "</td><td>" << html(event.method) << "</td><td>"
        << html(request_target(event)) << "</td><td class=\"number\">" << event.status << "</td><td>" << interaction
        << "</td><td>" << html(event.fault) << "</td><td class=\"number\">" << number_text(event.latency_ms, "%.1f")
        << "</td></tr>\n";
}

void write_timeline(std::ostream& out, const std::vector<TraceEvent>& trace) {
    out << "<h3>Tool calls</h3>\n";
    if (trace.empty()) {
        out << "<p class=\"note\">No tool calls.</p>\n";
        return;
    }
    out << "<table class=\"timeline\">\n<tr><th>seq</th><th>t (ms)</th><th>tool</th><th>method</th><th>path</th>"
        << "<th>status</th><th>interaction</th><th>fault</th><th>latency (ms)</th></tr>\n";
    std::size_t shown = std::min(trace.size(), kHtmlTimelineRows);
    for (std::size_t i = 0; i < shown; ++i) write_timeline_row(out, trace[i]);
    out << "</table>\n";
    if (shown < trace.size()) {
        out << "<p class=\"note\">" << trace.size() - shown << " more tool calls left out; trace.jsonl has all "
            << trace.size() << ".</p>\n";
    }
}

void write_fixture(std::ostream& out, std::size_t position, const FixtureResult& result) {
    out << "<section class=\"fixture\" id=\"" << anchor_of(position) << "\">\n<h2>" << html(result.fixture_id) << " "
        << verdict_badge(result.verdict) << "</h2>\n";
    write_facts(out, result);
    out << "<h3>Replay</h3>\n<pre><code>" << html(result.replay_command) << "</code></pre>\n";
    write_reasons(out, result.reasons);
    write_artifacts(out, result.artifacts);
    write_timeline(out, result.trace);
    out << "</section>\n";
}

}  // namespace

std::string report_html(const std::string& suite_name, const std::vector<FixtureResult>& results) {
    std::ostringstream out;
    write_head(out, suite_name);
    out << "<body>\n";
    write_totals(out, suite_name, results);
    write_failure_index(out, results);
    out << "<main>\n";
    for (std::size_t i = 0; i < results.size(); ++i) write_fixture(out, i, results[i]);
    out << "</main>\n</body>\n</html>\n";
    return out.str();
}

}  // namespace agent_replay
