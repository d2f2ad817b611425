// JUnit XML through libxml2's text writer, which does the escaping; we only
// make sure what we hand it is valid XML 1.0 text.
#include <agent_replay/report.hpp>
#include <agent_replay/suite.hpp>

#include <libxml/xmlwriter.h>

#include <cstdio>
#include <memory>
#include <stdexcept>

namespace agent_replay {
namespace {

// Keeps valid UTF-8 sequences of characters XML 1.0 allows; anything else
// (control characters, broken UTF-8 from an agent's stdout) becomes U+FFFD.
std::string xml_safe(const std::string& text) {
    static const std::string kReplacement = "\xEF\xBF\xBD";
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        unsigned char lead = static_cast<unsigned char>(text[i]);
        std::size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
        bool valid = length > 0 && i + length <= text.size();
        char32_t code = length == 1 ? lead : length == 2 ? lead & 0x1F : length == 3 ? lead & 0x0F : lead & 0x07;
        for (std::size_t k = 1; valid && k < length; ++k) {
            unsigned char next = static_cast<unsigned char>(text[i + k]);
            valid = (next >> 6) == 0x2;
            code = (code << 6) | (next & 0x3F);
        }
        if (valid) {
            static constexpr char32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
            bool allowed = code == 0x9 || code == 0xA || code == 0xD || (code >= 0x20 && code <= 0xD7FF) ||
                           (code >= 0xE000 && code <= 0xFFFD) || (code >= 0x10000 && code <= 0x10FFFF);
            valid = allowed && code >= kMinimum[length];
        }
        if (valid) {
            out.append(text, i, length);
            i += length;
        } else {
            out += kReplacement;
            i += 1;
        }
    }
    return out;
}

std::string seconds_text(double seconds) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.3f", seconds < 0 ? 0.0 : seconds);
    return buffer;
}

class XmlWriter {
public:
    XmlWriter() : buffer_(xmlBufferCreate(), xmlBufferFree), writer_(nullptr, xmlFreeTextWriter) {
        if (!buffer_) throw std::runtime_error("libxml2: cannot allocate a buffer");
        writer_.reset(xmlNewTextWriterMemory(buffer_.get(), 0));
        if (!writer_) throw std::runtime_error("libxml2: cannot create a writer");
        xmlTextWriterSetIndent(writer_.get(), 1);
        xmlTextWriterSetIndentString(writer_.get(), BAD_CAST "  ");
        check(xmlTextWriterStartDocument(writer_.get(), "1.0", "UTF-8", nullptr));
    }
    void open(const char* name) { check(xmlTextWriterStartElement(writer_.get(), BAD_CAST name)); }
    void close() { check(xmlTextWriterEndElement(writer_.get())); }
    void attribute(const char* name, const std::string& value) {
        check(xmlTextWriterWriteAttribute(writer_.get(), BAD_CAST name, BAD_CAST xml_safe(value).c_str()));
    }
    void text(const std::string& value) { check(xmlTextWriterWriteString(writer_.get(), BAD_CAST xml_safe(value).c_str())); }
    std::string finish() {
        check(xmlTextWriterEndDocument(writer_.get()));
        writer_.reset();
        return std::string(reinterpret_cast<const char*>(xmlBufferContent(buffer_.get())),
                           static_cast<std::size_t>(xmlBufferLength(buffer_.get())));
    }

private:
    static void check(int rc) {
        if (rc < 0) throw std::runtime_error("libxml2: writing the JUnit report failed");
    }
    std::unique_ptr<xmlBuffer, decltype(&xmlBufferFree)> buffer_;
    std::unique_ptr<xmlTextWriter, decltype(&xmlFreeTextWriter)> writer_;
};

std::string system_out(const FixtureResult& result) {
    std::string artifacts;
    for (const auto& path : result.artifacts) artifacts += (artifacts.empty() ? "" : ", ") + path;
    std::string out = "replay_command: " + result.replay_command + "\n" + "fixture_id: " + result.fixture_id + "\n" +
                      "verdict: " + std::string(to_string(result.verdict)) + "\n" +
                      "failure_class: " + result.failure_class + "\n" + "run_id: " + result.run_id + "\n" +
                      "artifacts: " + artifacts + "\n";
    if (!result.workspace.empty()) out += "workspace: " + result.workspace + "\n";
    if (!result.report_dir.empty()) out += "report_dir: " + result.report_dir + "\n";
    return out;
}

void write_testcase(XmlWriter& xml, const std::string& suite_name, const FixtureResult& result) {
    xml.open("testcase");
    xml.attribute("name", fixture_test_name(result.fixture_id));
    xml.attribute("classname", suite_name);
    xml.attribute("time", seconds_text(result.duration_seconds));
    std::string codes = reason_codes_of(result.reasons);
    if (result.verdict == Verdict::failed) {
        xml.open("failure");
        xml.attribute("message", codes);
        xml.attribute("type", std::string(to_string(result.verdict)));
        xml.text(failure_text(result));
        xml.close();
    } else if (result.verdict == Verdict::inconclusive) {
        xml.open("error");
        xml.attribute("message", codes);
        xml.attribute("type", "inconclusive");
        xml.text(failure_text(result));
        xml.close();
    } else if (result.verdict == Verdict::skipped) {
        xml.open("skipped");
        xml.attribute("message", result.reasons.empty() ? "skipped" : result.reasons.front().message);
        xml.close();
    }
    xml.open("system-out");
    xml.text(system_out(result));
    xml.close();
    xml.close();
}

}  // namespace

std::string junit_xml(const std::string& suite_name, const std::vector<FixtureResult>& results) {
    std::size_t failures = 0, errors = 0, skipped = 0;
    double total = 0;
    for (const auto& result : results) {
        failures += result.verdict == Verdict::failed;
        errors += result.verdict == Verdict::inconclusive;
        skipped += result.verdict == Verdict::skipped;
        total += result.duration_seconds;
    }
    XmlWriter xml;
    xml.open("testsuites");
    xml.attribute("name", "agent-replay");
    xml.attribute("tests", std::to_string(results.size()));
    xml.attribute("failures", std::to_string(failures));
    xml.attribute("errors", std::to_string(errors));
    xml.attribute("time", seconds_text(total));
    xml.open("testsuite");
    xml.attribute("name", suite_name);
    xml.attribute("tests", std::to_string(results.size()));
    xml.attribute("failures", std::to_string(failures));
    xml.attribute("errors", std::to_string(errors));
    xml.attribute("skipped", std::to_string(skipped));
    xml.attribute("time", seconds_text(total));
    for (const auto& result : results) write_testcase(xml, suite_name, result);
    xml.close();
    xml.close();
    return xml.finish();
}

}  // namespace agent_replay
