#include <agent_replay/json_schema.hpp>

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include <pthread.h>

#include <exception>
#include <functional>
#include <regex>

namespace agent_replay {
namespace {

// valijson recurses over schema and instance, and its `pattern` check uses
// std::regex, which recurses per character: an agent's long string must not
// overflow the runner's stack. Validation runs on a thread with a large
// (lazily committed) stack.
void run_with_large_stack(const std::function<void()>& work) {
    struct Job {
        const std::function<void()>* work;
        std::exception_ptr error;
    } job{&work, nullptr};
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setstacksize(&attributes, std::size_t{1} << 30);
    pthread_t thread;
    auto body = [](void* argument) -> void* {
        auto* job = static_cast<Job*>(argument);
        try {
            (*job->work)();
        } catch (...) {
            job->error = std::current_exception();
        }
        return nullptr;
    };
    if (pthread_create(&thread, &attributes, body, &job) != 0) {
        pthread_attr_destroy(&attributes);
        work();  // no thread to be had: validate here
        return;
    }
    pthread_join(thread, nullptr);
    pthread_attr_destroy(&attributes);
    if (job.error) std::rethrow_exception(job.error);
}

// valijson follows "$ref": "#" (and other self-references to an enclosing
// schema) without end, and cannot fetch remote documents; refuse both.
std::optional<std::string> unsupported_ref(const nlohmann::json& schema, const std::string& where) {
    if (schema.is_object()) {
        auto ref = schema.find("$ref");
        if (ref != schema.end()) {
            if (!ref->is_string()) return where + "/$ref must be a string";
            std::string target = ref->get<std::string>();
            if (target.rfind("#/", 0) != 0) {
                return where + "/$ref \"" + target + "\": only local references (\"#/definitions/...\") are supported";
            }
            std::string pointer = target.substr(1);
            if (where.rfind(pointer, 0) == 0) return where + "/$ref \"" + target + "\" refers to an enclosing schema";
        }
        for (const auto& [key, value] : schema.items()) {
            if (auto problem = unsupported_ref(value, where + "/" + key)) return problem;
        }
    } else if (schema.is_array()) {
        for (std::size_t i = 0; i < schema.size(); ++i) {
            if (auto problem = unsupported_ref(schema[i], where + "/" + std::to_string(i))) return problem;
        }
    }
    return std::nullopt;
}

// valijson compiles `pattern` regexes only while validating; check them now
// so a bad one is the fixture's error, found at load time.
std::optional<std::string> invalid_pattern(const nlohmann::json& schema, const std::string& where) {
    auto check = [&](const std::string& pattern, const std::string& at) -> std::optional<std::string> {
        try {
            std::regex compiled(pattern);
        } catch (const std::regex_error& error) {
            return at + ": invalid regular expression \"" + pattern + "\" (" + error.what() + ")";
        }
        return std::nullopt;
    };
    if (schema.is_object()) {
        for (const auto& [key, value] : schema.items()) {
            if (key == "pattern" && value.is_string()) {
                if (auto problem = check(value.get<std::string>(), where + "/pattern")) return problem;
            }
            if (key == "patternProperties" && value.is_object()) {
                for (const auto& [pattern, unused] : value.items()) {
                    if (auto problem = check(pattern, where + "/patternProperties")) return problem;
                }
            }
            if (auto problem = invalid_pattern(value, where + "/" + key)) return problem;
        }
    } else if (schema.is_array()) {
        for (std::size_t i = 0; i < schema.size(); ++i) {
            if (auto problem = invalid_pattern(schema[i], where + "/" + std::to_string(i))) return problem;
        }
    }
    return std::nullopt;
}

void compile(const nlohmann::json& schema_json, valijson::Schema& schema) {
    valijson::SchemaParser parser;
    valijson::adapters::NlohmannJsonAdapter adapter(schema_json);
    parser.populateSchema(adapter, schema);
}

}  // namespace

std::optional<std::string> json_schema_problem(const nlohmann::json& schema_json) {
    if (!schema_json.is_object() && !schema_json.is_boolean()) return "a schema must be an object";
    if (auto problem = unsupported_ref(schema_json, "")) return problem;
    if (auto problem = invalid_pattern(schema_json, "")) return problem;
    try {
        run_with_large_stack([&] {
            valijson::Schema schema;
            compile(schema_json, schema);
        });
    } catch (const std::exception& error) {
        return std::string(error.what());
    }
    return std::nullopt;
}

std::vector<std::string> json_schema_errors(const nlohmann::json& schema_json, const nlohmann::json& instance) {
    std::vector<std::string> errors;
    run_with_large_stack([&] {
        valijson::Schema schema;
        compile(schema_json, schema);
        valijson::Validator validator;
        valijson::ValidationResults results;
        valijson::adapters::NlohmannJsonAdapter target(instance);
        if (validator.validate(schema, target, &results)) return;
        for (const auto& error : results) {
            std::string where;
            for (const auto& part : error.context) where += part;
            errors.push_back(where + ": " + error.description);
        }
    });
    return errors;
}

}  // namespace agent_replay
