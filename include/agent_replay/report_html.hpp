#pragma once
// report.html (SPEC §6): the suite's verdicts for people, one self-contained
// HTML5 file next to junit.xml. It loads nothing (no scripts, fonts, images
// or URLs), so it opens the same from a CI artifact, a mail attachment or a
// machine without network.
#include <agent_replay/fixture_result.hpp>

#include <string>
#include <vector>

namespace agent_replay {

// At most this many tool calls are listed per fixture; a line counts the rest
// (trace.jsonl in the fixture's report folder has them all).
inline constexpr std::size_t kHtmlTimelineRows = 500;

// Totals per verdict, an index of the failing fixtures, then one section per
// fixture in the given order: verdict, reasons, replay command, artifacts and
// tool-call timeline. All text from `results` is escaped and made valid UTF-8.
std::string report_html(const std::string& suite_name, const std::vector<FixtureResult>& results);

}  // namespace agent_replay
