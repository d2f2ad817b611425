#include <agent_replay/json_object_reader.hpp>

namespace agent_replay {
namespace {

const Json& resolve(const JsonDocument& doc, const std::string& pointer) {
    return doc.root().at(Json::json_pointer(pointer));
}

}  // namespace

std::string json_type_name(const Json& value) {
    if (value.is_number_integer()) return "integer";
    return value.type_name();
}

JsonObjectReader::JsonObjectReader(const JsonDocument& doc, std::string pointer)
    : doc_(doc), pointer_(std::move(pointer)), object_(resolve(doc, pointer_)) {
    if (!object_.is_object()) {
        throw doc_.error_at(pointer_, "expected an object, found " + json_type_name(object_));
    }
}

const Json* JsonObjectReader::find(const std::string& key) {
    known_.insert(key);
    auto it = object_.find(key);
    return it == object_.end() ? nullptr : &*it;
}

FixtureError JsonObjectReader::error(const std::string& key, const std::string& message) const {
    return doc_.error_at(pointer_of(key), "'" + key + "': " + message);
}

std::string JsonObjectReader::required_string(const std::string& key) {
    auto value = optional_string(key);
    if (!value) {
        throw doc_.error_at(pointer_, "missing required key '" + key + "'");
    }
    return *value;
}

std::optional<std::string> JsonObjectReader::optional_string(const std::string& key) {
    const Json* value = find(key);
    if (!value) return std::nullopt;
    if (!value->is_string()) throw error(key, "expected a string, found " + json_type_name(*value));
    return value->get<std::string>();
}

std::optional<bool> JsonObjectReader::optional_bool(const std::string& key) {
    const Json* value = find(key);
    if (!value) return std::nullopt;
    if (!value->is_boolean()) throw error(key, "expected true or false, found " + json_type_name(*value));
    return value->get<bool>();
}

std::optional<std::int64_t> JsonObjectReader::optional_integer(const std::string& key, std::int64_t min_value) {
    const Json* value = find(key);
    if (!value) return std::nullopt;
    if (!value->is_number_integer()) throw error(key, "expected an integer, found " + json_type_name(*value));
    auto number = value->get<std::int64_t>();
    if (number < min_value) throw error(key, "must be at least " + std::to_string(min_value));
    return number;
}

std::optional<double> JsonObjectReader::optional_number(const std::string& key, double min_value) {
    const Json* value = find(key);
    if (!value) return std::nullopt;
    if (!value->is_number()) throw error(key, "expected a number, found " + json_type_name(*value));
    auto number = value->get<double>();
    if (number < min_value) throw error(key, "must be at least " + Json(min_value).dump());
    return number;
}

std::optional<std::vector<std::string>> JsonObjectReader::optional_string_list(const std::string& key) {
    const Json* value = find(key);
    if (!value) return std::nullopt;
    if (!value->is_array()) throw error(key, "expected an array of strings, found " + json_type_name(*value));
    std::vector<std::string> out;
    for (std::size_t i = 0; i < value->size(); ++i) {
        const Json& item = (*value)[i];
        if (!item.is_string()) {
            throw doc_.error_at(pointer_of(key) + "/" + std::to_string(i),
                                "'" + key + "' items must be strings, found " + json_type_name(item));
        }
        out.push_back(item.get<std::string>());
    }
    return out;
}

std::optional<std::map<std::string, std::string>> JsonObjectReader::optional_string_map(const std::string& key) {
    const Json* value = find(key);
    if (!value) return std::nullopt;
    if (!value->is_object()) throw error(key, "expected an object of strings, found " + json_type_name(*value));
    std::map<std::string, std::string> out;
    for (const auto& [name, item] : value->items()) {
        if (!item.is_string()) {
            throw doc_.error_at(pointer_of(key) + "/" + escape_pointer_token(name),
                                "'" + key + "." + name + "' must be a string, found " + json_type_name(item));
        }
        out[name] = item.get<std::string>();
    }
    return out;
}

bool JsonObjectReader::has_object(const std::string& key) {
    const Json* value = find(key);
    if (!value) return false;
    if (!value->is_object()) throw error(key, "expected an object, found " + json_type_name(*value));
    return true;
}

void JsonObjectReader::reject_unknown_keys() const {
    for (const auto& [key, value] : object_.items()) {
        if (known_.count(key)) continue;
        std::string expected;
        for (const auto& name : known_) expected += (expected.empty() ? "" : ", ") + name;
        throw doc_.error_at(pointer_of(key), "unknown key '" + key + "' (expected one of: " + expected + ")");
    }
}

void require_schema_version(JsonObjectReader& reader) {
    const Json* version = reader.find("schema_version");
    if (!version) {
        throw reader.document().error_at("", "missing required key 'schema_version' (must be 1)");
    }
    if (*version != 1) throw reader.error("schema_version", "unsupported version " + version->dump() + " (must be 1)");
}

}  // namespace agent_replay
