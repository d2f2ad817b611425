#include <agent_replay/json_document.hpp>

#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <vector>

namespace agent_replay {
namespace {

// Input iterator over the text that publishes how far the parser has read, so
// the SAX pass below can note where each value starts.
class CountingIterator {
public:
    using iterator_category = std::input_iterator_tag;
    using value_type = char;
    using difference_type = std::ptrdiff_t;
    using pointer = const char*;
    using reference = const char&;

    CountingIterator(const char* at, const char* base, std::size_t* consumed)
        : at_(at), base_(base), consumed_(consumed) {}
    reference operator*() const { return *at_; }
    CountingIterator& operator++() {
        ++at_;
        *consumed_ = static_cast<std::size_t>(at_ - base_);
        return *this;
    }
    CountingIterator operator++(int) {
        CountingIterator before = *this;
        ++*this;
        return before;
    }
    bool operator==(const CountingIterator& other) const { return at_ == other.at_; }
    bool operator!=(const CountingIterator& other) const { return at_ != other.at_; }

private:
    const char* at_;
    const char* base_;
    std::size_t* consumed_;
};

// Records the byte offset at which every member and array element begins.
class PositionRecorder : public nlohmann::json_sax<Json> {
public:
    PositionRecorder(const std::size_t* consumed, std::map<std::string, std::size_t>* out)
        : consumed_(consumed), out_(out) {}

    bool null() override { return scalar(); }
    bool boolean(bool) override { return scalar(); }
    bool number_integer(number_integer_t) override { return scalar(); }
    bool number_unsigned(number_unsigned_t) override { return scalar(); }
    bool number_float(number_float_t, const string_t&) override { return scalar(); }
    bool string(string_t&) override { return scalar(); }
    bool binary(binary_t&) override { return scalar(); }
    bool start_object(std::size_t) override { return open(false); }
    bool end_object() override { return close(); }
    bool start_array(std::size_t) override { return open(true); }
    bool end_array() override { return close(); }
    bool key(string_t& name) override {
        frames_.back().key = name;
        // The reader sits just past the closing quote of the key.
        std::size_t start = *consumed_ >= name.size() + 2 ? *consumed_ - name.size() - 2 : 0;
        (*out_)[pointer()] = start;
        return true;
    }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
        return false;
    }

private:
    struct Frame {
        bool is_array = false;
        std::size_t index = 0;
        std::string key;
    };

    std::string pointer() const {
        std::string out;
        for (const Frame& frame : frames_) {
            out += "/";
            out += frame.is_array ? std::to_string(frame.index) : escape_pointer_token(frame.key);
        }
        return out;
    }
    void note_array_element() {
        if (!frames_.empty() && frames_.back().is_array) {
            (*out_)[pointer()] = *consumed_ > 0 ? *consumed_ - 1 : 0;
        }
    }
    void advance_array() {
        if (!frames_.empty() && frames_.back().is_array) ++frames_.back().index;
    }
    bool scalar() {
        note_array_element();
        advance_array();
        return true;
    }
    bool open(bool is_array) {
        note_array_element();
        frames_.push_back(Frame{is_array, 0, {}});
        return true;
    }
    bool close() {
        frames_.pop_back();
        advance_array();
        return true;
    }

    const std::size_t* consumed_;
    std::map<std::string, std::size_t>* out_;
    std::vector<Frame> frames_;
};

// nlohmann's message starts with "[json.exception.parse_error.101] parse error at line 1, column 2: ";
// the location is reported by us, so keep only the explanation.
std::string explanation_of(const nlohmann::json::parse_error& error) {
    std::string text = error.what();
    auto colon = text.find(": ");
    return colon == std::string::npos ? text : text.substr(colon + 2);
}

}  // namespace

std::string escape_pointer_token(const std::string& token) {
    std::string out;
    for (char c : token) {
        if (c == '~') out += "~0";
        else if (c == '/') out += "~1";
        else out += c;
    }
    return out;
}

SourceLocation location_of_offset(const std::filesystem::path& file, const std::string& text,
                                  std::size_t offset) {
    SourceLocation where{file, 1, 1};
    for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++where.line;
            where.column = 1;
        } else {
            ++where.column;
        }
    }
    return where;
}

Json parse_untrusted_json(std::string_view text, int max_depth) {
    Json::parser_callback_t limit_depth = [max_depth](int depth, Json::parse_event_t event, Json&) {
        if (depth > max_depth && (event == Json::parse_event_t::object_start || event == Json::parse_event_t::array_start)) {
            throw std::length_error("nesting");
        }
        return true;
    };
    try {
        return Json::parse(text.begin(), text.end(), limit_depth, true);
    } catch (const std::exception&) {
        return Json(Json::value_t::discarded);
    }
}

const Json* find_at_pointer(const Json& document, const std::string& pointer) {
    try {
        Json::json_pointer where(pointer);
        return document.contains(where) ? &document.at(where) : nullptr;
    } catch (const nlohmann::json::exception&) {
        return nullptr;
    }
}

JsonDocument JsonDocument::load(const std::filesystem::path& file) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) {
        throw FixtureError({file}, std::filesystem::exists(file, ec) ? "is not a regular file"
                                                                     : "file is missing");
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) throw FixtureError({file}, "cannot be opened for reading");
    std::ostringstream buffer;
    buffer << in.rdbuf();
    return parse(buffer.str(), file);
}

JsonDocument JsonDocument::parse(std::string text, const std::filesystem::path& file) {
    JsonDocument doc;
    doc.file_ = file;
    doc.text_ = std::move(text);
    // Deeper nesting than any fixture needs is refused before it can cost
    // memory or stack in later passes.
    constexpr int kMaxDepth = 64;
    Json::parser_callback_t limit_depth = [&](int depth, Json::parse_event_t event, Json&) {
        if (depth > kMaxDepth && (event == Json::parse_event_t::object_start || event == Json::parse_event_t::array_start)) {
            throw std::length_error("nesting");
        }
        return true;
    };
    try {
        doc.root_ = Json::parse(doc.text_, limit_depth);
    } catch (const std::length_error&) {
        throw FixtureError({file}, "JSON nested deeper than " + std::to_string(kMaxDepth) + " levels");
    } catch (const nlohmann::json::parse_error& error) {
        // `byte` is 1-based and points at the last character read.
        std::size_t offset = error.byte > 0 ? error.byte - 1 : 0;
        throw FixtureError(location_of_offset(file, doc.text_, offset),
                           "invalid JSON: " + explanation_of(error));
    } catch (const nlohmann::json::exception& error) {
        // e.g. out_of_range.406 for a number like 1e400: no offset is reported.
        std::string text = error.what();
        throw FixtureError({file}, "invalid JSON: " + text.substr(text.find(']') + 2));
    }
    return doc;
}

SourceLocation JsonDocument::locate(const std::string& json_pointer) const {
    if (json_pointer.empty()) return location_of_offset(file_, text_, text_.find_first_not_of(" \t\r\n"));
    std::map<std::string, std::size_t> positions;
    std::size_t consumed = 0;
    PositionRecorder recorder(&consumed, &positions);
    const char* base = text_.data();
    Json::sax_parse(CountingIterator(base, base, &consumed),
                    CountingIterator(base + text_.size(), base, &consumed), &recorder);
    auto found = positions.find(json_pointer);
    if (found == positions.end()) return SourceLocation{file_};
    return location_of_offset(file_, text_, found->second);
}

FixtureError JsonDocument::error_at(const std::string& json_pointer, const std::string& message) const {
    std::string where = json_pointer.empty() ? "" : " (at " + json_pointer + ")";
    return FixtureError(locate(json_pointer), message + where);
}

}  // namespace agent_replay
