#include "core/naming/names.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

namespace drover::naming {
namespace {

constexpr std::size_t kMaxServiceLength = 40;
constexpr std::size_t kMaxLabelLength = 63;
constexpr std::size_t kMaxHostNameLength = 253;
constexpr std::string_view kSlave = "-slave";

bool isLower(char c) { return c >= 'a' && c <= 'z'; }
bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isLabelChar(char c) { return isLower(c) || isDigit(c) || c == '-'; }

// A character as an error message shows it: control bytes and non-ASCII as \xNN.
std::string shown(char c) {
  auto byte = static_cast<unsigned char>(c);
  if (byte > 0x20 && byte < 0x7f) return std::string(1, c);
  return fmt::format("\\x{:02x}", byte);
}

// The first character of `label` a label may not hold, explained with `text` (the whole
// name the label is part of); "" when there is none.
std::string badCharacter(std::string_view what, std::string_view text, std::string_view label) {
  for (char c : label) {
    if (isLabelChar(c)) continue;
    if (c >= 'A' && c <= 'Z') {
      return fmt::format("{} '{}' has upper case '{}': names are lower case", what, text, c);
    }
    return fmt::format("{} '{}' has '{}': only a-z, 0-9 and '-' are allowed", what, text, shown(c));
  }
  return "";
}

bool endsWith(std::string_view text, std::string_view tail) {
  return text.size() >= tail.size() && text.substr(text.size() - tail.size()) == tail;
}

std::string checkLabel(std::string_view name, std::string_view label) {
  if (label.empty()) return fmt::format("host name '{}' has an empty label", name);
  if (label.size() > kMaxLabelLength) {
    return fmt::format("host name '{}' has a label of {} characters: at most {}", name,
                       label.size(), kMaxLabelLength);
  }
  if (auto bad = badCharacter("host name", name, label); !bad.empty()) return bad;
  if (label.front() == '-' || label.back() == '-') {
    return fmt::format("host name '{}': label '{}' starts or ends with '-'", name, label);
  }
  return "";
}

// Digits without leading zeros, 0..kMaxNumber.
std::optional<int> numberFrom(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  if (!std::all_of(text.begin(), text.end(), isDigit)) return std::nullopt;
  if (text.size() > 1 && text.front() == '0') return std::nullopt;
  int number = std::stoi(std::string(text));
  return number <= kMaxNumber ? std::optional<int>(number) : std::nullopt;
}

bool isService(std::string_view text) { return checkService(text).empty(); }

std::string checkAlias(const Declaration& declaration, std::size_t index) {
  const std::string& alias = declaration.aliases[index];
  if (auto error = checkHostName(alias); !error.empty()) return "alias: " + error;
  auto parsed = parseName(alias);
  if (parsed && parsed->service == declaration.service) {
    return fmt::format("alias '{}' is a name of service '{}' itself", alias, declaration.service);
  }
  auto before = declaration.aliases.begin() + static_cast<std::ptrdiff_t>(index);
  if (std::find(declaration.aliases.begin(), before, alias) != before) {
    return fmt::format("alias '{}' is listed twice", alias);
  }
  return "";
}

std::string stringAt(const Json& json, const std::string& key) {
  const Json& value = json.at(key);
  if (!value.is_string()) {
    throw std::invalid_argument(
        fmt::format("naming.{}: expected a string, got {}", key, value.type_name()));
  }
  return value.get<std::string>();
}

std::vector<std::string> aliasesFrom(const Json& json) {
  if (!json.is_array()) {
    throw std::invalid_argument(
        fmt::format("naming.aliases: expected a list of strings, got {}", json.type_name()));
  }
  std::vector<std::string> aliases;
  for (std::size_t i = 0; i < json.size(); ++i) {
    if (!json[i].is_string()) {
      throw std::invalid_argument(
          fmt::format("naming.aliases[{}]: expected a string, got {}", i, json[i].type_name()));
    }
    aliases.push_back(json[i].get<std::string>());
  }
  return aliases;
}

bool present(const Json& json, const char* key) {
  return json.contains(key) && !json.at(key).is_null();
}

}  // namespace

std::string toString(ServiceType type) {
  return type == ServiceType::Masterful ? "masterful" : "iterative";
}

std::optional<ServiceType> serviceTypeFrom(std::string_view text) {
  if (text == "masterful") return ServiceType::Masterful;
  if (text == "iterative") return ServiceType::Iterative;
  return std::nullopt;
}

std::string checkService(std::string_view service) {
  if (service.empty()) return "service is empty";
  if (service.size() > kMaxServiceLength) {
    return fmt::format("service '{}' has {} characters: at most {}", service, service.size(),
                       kMaxServiceLength);
  }
  if (auto bad = badCharacter("service", service, service); !bad.empty()) return bad;
  if (!isLower(service.front())) {
    return fmt::format("service '{}' starts with '{}': it must start with a letter", service,
                       service.front());
  }
  if (service.back() == '-') return fmt::format("service '{}' ends with '-'", service);
  if (service.find("--") != std::string_view::npos) {
    return fmt::format("service '{}' contains '--'", service);
  }
  return "";
}

std::string checkHostName(std::string_view name) {
  if (name.empty()) return "host name is empty";
  if (name.size() > kMaxHostNameLength) {
    return fmt::format("host name '{}' has {} characters: at most {}", name, name.size(),
                       kMaxHostNameLength);
  }
  std::size_t start = 0;
  while (true) {
    std::size_t dot = name.find('.', start);
    std::string_view label = name.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (auto error = checkLabel(name, label); !error.empty()) return error;
    if (dot == std::string_view::npos) return "";
    start = dot + 1;
  }
}

std::string checkDeclaration(const Declaration& declaration) {
  if (auto error = checkService(declaration.service); !error.empty()) return error;
  // parseName reads `x-slave-3` as masterful `x`: an iterative `x-slave` could never
  // read its own names back.
  if (declaration.type == ServiceType::Iterative && endsWith(declaration.service, kSlave)) {
    return fmt::format(
        "iterative service '{}' ends with '-slave': its names would read as slave names of "
        "masterful service '{}'",
        declaration.service,
        declaration.service.substr(0, declaration.service.size() - kSlave.size()));
  }
  if (declaration.aliases.size() > kMaxAliases) {
    return fmt::format("service '{}' declares {} aliases: at most {}", declaration.service,
                       declaration.aliases.size(), kMaxAliases);
  }
  for (std::size_t i = 0; i < declaration.aliases.size(); ++i) {
    if (auto error = checkAlias(declaration, i); !error.empty()) return error;
  }
  return "";
}

Declaration declarationFrom(const Json& json) {
  if (!json.is_object()) {
    throw std::invalid_argument(
        fmt::format("naming: expected an object, got {}", json.type_name()));
  }
  if (!present(json, "service")) throw std::invalid_argument("naming.service: missing");
  Declaration declaration;
  declaration.service = stringAt(json, "service");
  if (present(json, "type")) {
    std::string type = stringAt(json, "type");
    auto parsed = serviceTypeFrom(type);
    if (!parsed) {
      throw std::invalid_argument(
          fmt::format("naming.type: '{}' is neither masterful nor iterative", type));
    }
    declaration.type = *parsed;
  }
  if (present(json, "aliases")) declaration.aliases = aliasesFrom(json.at("aliases"));
  if (auto error = checkDeclaration(declaration); !error.empty()) {
    throw std::invalid_argument("naming: " + error);
  }
  return declaration;
}

Json toJson(const Declaration& declaration) {
  return Json{{"service", declaration.service},
              {"type", toString(declaration.type)},
              {"aliases", declaration.aliases}};
}

std::string nameOf(std::string_view service, ServiceType type, int n) {
  if (type == ServiceType::Iterative) return fmt::format("{}-{}", service, n);
  if (n == 0) return fmt::format("{}-master", service);
  return fmt::format("{}-slave-{}", service, n);
}

std::optional<ParsedName> parseName(std::string_view name) {
  std::size_t dash = name.rfind('-');
  if (dash == std::string_view::npos || dash == 0) return std::nullopt;
  std::string_view prefix = name.substr(0, dash);
  std::string_view suffix = name.substr(dash + 1);
  if (suffix == "master") {
    if (!isService(prefix)) return std::nullopt;
    return ParsedName{std::string(prefix), ServiceType::Masterful, 0};
  }
  auto number = numberFrom(suffix);
  if (!number) return std::nullopt;
  if (endsWith(prefix, kSlave)) {
    std::string_view service = prefix.substr(0, prefix.size() - kSlave.size());
    if (*number == 0 || !isService(service)) return std::nullopt;
    return ParsedName{std::string(service), ServiceType::Masterful, *number};
  }
  if (!isService(prefix)) return std::nullopt;
  return ParsedName{std::string(prefix), ServiceType::Iterative, *number};
}

std::string fqdnOf(std::string_view name, std::string_view domain) {
  if (domain.empty()) return std::string(name);
  return fmt::format("{}.{}", name, domain);
}

}  // namespace drover::naming
