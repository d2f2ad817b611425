#pragma once
// Hashing and encoding through OpenSSL.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace agent_replay {

// Lower-case hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);
// SHA-256 of a file's content; nullopt if it cannot be read.
std::optional<std::string> sha256_file(const std::filesystem::path& file);
// Standard base64 with padding.
std::string base64_encode(std::string_view data);
// Decodes standard base64; nullopt when the text is not valid base64.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace agent_replay
