#include <agent_replay/json_schema.hpp>

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

namespace agent_replay {
namespace {

void compile(const nlohmann::json& schema_json, valijson::Schema& schema) {
    valijson::SchemaParser parser;
    valijson::adapters::NlohmannJsonAdapter adapter(schema_json);
    parser.populateSchema(adapter, schema);
}

}  // namespace

std::optional<std::string> json_schema_problem(const nlohmann::json& schema_json) {
    if (!schema_json.is_object() && !schema_json.is_boolean()) return "a schema must be an object";
    try {
        valijson::Schema schema;
        compile(schema_json, schema);
    } catch (const std::exception& error) {
        return std::string(error.what());
    }
    return std::nullopt;
}

std::vector<std::string> json_schema_errors(const nlohmann::json& schema_json, const nlohmann::json& instance) {
    valijson::Schema schema;
    compile(schema_json, schema);
    valijson::Validator validator;
    valijson::ValidationResults results;
    valijson::adapters::NlohmannJsonAdapter target(instance);
    std::vector<std::string> errors;
    if (validator.validate(schema, target, &results)) return errors;
    for (const auto& error : results) {
        std::string where;
        for (const auto& part : error.context) where += part;
        errors.push_back(where + ": " + error.description);
    }
    return errors;
}

}  // namespace agent_replay
