#include <agent_replay/templates.hpp>

#include <stdexcept>

namespace agent_replay {

std::string expand_templates(const std::string& text, const TemplateValues& values) {
    std::string out;
    std::size_t at = 0;
    while (true) {
        std::size_t open = text.find("{{", at);
        if (open == std::string::npos) break;
        std::size_t close = text.find("}}", open + 2);
        if (close == std::string::npos) throw std::invalid_argument("unterminated template in '" + text + "'");
        std::string name = text.substr(open + 2, close - open - 2);
        auto value = values.find(name);
        if (value == values.end()) {
            std::string known;
            for (const auto& [key, unused] : values) known += (known.empty() ? "" : ", ") + ("{{" + key + "}}");
            throw std::invalid_argument("unknown template {{" + name + "}} in '" + text + "' (known: " + known + ")");
        }
        out += text.substr(at, open - at) + value->second;
        at = close + 2;
    }
    return out + text.substr(at);
}

}  // namespace agent_replay
