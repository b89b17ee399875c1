#include "notifiers/secret.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace drover::notifiers {

Secret Secret::fromFile(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + file.string() + ": " + std::strerror(errno));
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
  if (line.empty()) throw std::runtime_error(file.string() + " is empty");
  return fromValue(std::move(line), "file " + file.string());
}

Secret Secret::fromEnv(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) throw std::runtime_error("environment variable " + name + " is not set");
  if (*value == '\0') throw std::runtime_error("environment variable " + name + " is empty");
  return fromValue(value, "env " + name);
}

Secret Secret::fromValue(std::string value, std::string source) {
  Secret secret;
  secret.value_ = std::move(value);
  secret.source_ = std::move(source);
  return secret;
}

std::string redact(std::string text, const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets) {
    if (secret.empty()) continue;
    for (auto pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos + 3)) {
      text.replace(pos, secret.size(), "***");
    }
  }
  return text;
}

}  // namespace drover::notifiers
