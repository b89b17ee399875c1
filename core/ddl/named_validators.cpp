#include "core/ddl/named_validators.hpp"

#include <arpa/inet.h>
#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <stdexcept>
#include <utility>

namespace drover::ddl {
namespace {

using Result = std::optional<std::string>;

bool isAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isAsciiDigit(char c) { return c >= '0' && c <= '9'; }
bool isAsciiAlnum(char c) { return isAsciiLetter(c) || isAsciiDigit(c); }

template <typename Pred>
bool nonEmptyAllOf(std::string_view value, Pred pred) {
  return !value.empty() && std::all_of(value.begin(), value.end(), pred);
}

// Pieces of `value` between `separator`s, keeping empty ones so that "a,,b" is refused.
std::vector<std::string_view> split(std::string_view value, std::string_view separator) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    std::size_t end = value.find(separator, start);
    parts.push_back(value.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + separator.size();
  }
}

// inet_pton reads a C string: an embedded NUL would hide whatever follows it.
bool parsesAs(int family, std::string_view value) {
  if (value.find('\0') != std::string_view::npos) return false;
  unsigned char buffer[sizeof(in6_addr)];
  return inet_pton(family, std::string(value).c_str(), buffer) == 1;
}

bool isIpv4(std::string_view value) { return parsesAs(AF_INET, value); }
bool isIpv6(std::string_view value) { return parsesAs(AF_INET6, value); }

// Characters a shell gives meaning to: command substitution, variables, command
// separators, pipes, background jobs, redirection, and line breaks. NUL ends a C string.
Result shellsafe(std::string_view value) {
  for (char c : value) {
    switch (c) {
      case '`':
      case '$':
      case ';':
      case '|':
      case '&':
      case '>':
      case '<': return "contains '" + std::string(1, c) + "'";
      case '\n': return "contains a newline";
      case '\r': return "contains a carriage return";
      case '\0': return "contains a NUL byte";
      default: break;
    }
  }
  return std::nullopt;
}

Result ipv4address(std::string_view value) {
  return isIpv4(value) ? Result() : "is not an IPv4 address";
}

Result ipv6address(std::string_view value) {
  return isIpv6(value) ? Result() : "is not an IPv6 address";
}

Result ipaddress(std::string_view value) {
  return isIpv4(value) || isIpv6(value) ? Result() : "is not an IPv4 or IPv6 address";
}

// Puppet's rule for variable, class and tag names: one letter, or letters, digits, '_'.
bool isPuppetName(std::string_view value) {
  if (value.size() == 1) return isAsciiLetter(value[0]);
  return nonEmptyAllOf(value, [](char c) { return isAsciiAlnum(c) || c == '_'; });
}

Result puppetVariable(std::string_view value) {
  if (auto unsafe = shellsafe(value)) return unsafe;
  return isPuppetName(value) ? Result() : "is not a valid Puppet variable name";
}

// A comma-separated list of tags, each made of Puppet names joined by "::".
Result puppetTags(std::string_view value) {
  if (auto unsafe = shellsafe(value)) return unsafe;
  for (std::string_view tag : split(value, ",")) {
    for (std::string_view part : split(tag, "::")) {
      if (!isPuppetName(part)) return "tag '" + std::string(tag) + "' is not a valid Puppet tag";
    }
  }
  return std::nullopt;
}

// RFC 1123 labels as the puppet agent plugin checks them: a letter first, then letters,
// digits and '-', never ending in '-'.
bool isHostname(std::string_view value) {
  for (std::string_view label : split(value, ".")) {
    bool ok =
        !label.empty() && isAsciiLetter(label.front()) && isAsciiAlnum(label.back()) &&
        std::all_of(label.begin(), label.end(), [](char c) { return isAsciiAlnum(c) || c == '-'; });
    if (!ok) return false;
  }
  return true;
}

// Letters, digits and the characters in `others`, at least one of them.
bool isNameOf(std::string_view value, std::string_view others) {
  return nonEmptyAllOf(value, [others](char c) {
    return isAsciiAlnum(c) || others.find(c) != std::string_view::npos;
  });
}

bool isPort(std::string_view value) {
  if (value.size() > 5 || !nonEmptyAllOf(value, isAsciiDigit)) return false;
  int port = std::stoi(std::string(value));
  return port >= 1 && port <= 65535;
}

// Splits "host", "host:port", "[v6]:port" or a bare IPv6 address into host and port.
std::pair<std::string_view, std::optional<std::string_view>> hostAndPort(std::string_view v) {
  if (isIpv6(v)) return {v, std::nullopt};
  if (!v.empty() && v.front() == '[') {
    std::size_t close = v.find(']');
    if (close == std::string_view::npos) return {v, std::nullopt};
    std::string_view rest = v.substr(close + 1);
    if (rest.empty()) return {v.substr(1, close - 1), std::nullopt};
    if (rest.front() != ':') return {v, std::nullopt};  // not a host at all
    return {v.substr(1, close - 1), rest.substr(1)};
  }
  if (std::count(v.begin(), v.end(), ':') != 1) return {v, std::nullopt};
  std::size_t colon = v.find(':');
  return {v.substr(0, colon), v.substr(colon + 1)};
}

Result puppetServerAddress(std::string_view value) {
  if (auto unsafe = shellsafe(value)) return unsafe;
  auto [host, port] = hostAndPort(value);
  if (!isIpv4(host) && !isIpv6(host) && !isHostname(host)) {
    return "host '" + std::string(host) + "' is not a valid hostname or IP address";
  }
  if (port && !isPort(*port)) return "port '" + std::string(*port) + "' is not a valid port";
  return std::nullopt;
}

// The nettest agent's rule (choria-plugins/nettest-agent, validator/nettest_fqdn.rb): an
// IPv4 address or a hostname of the labels isHostname() takes. It does not take IPv6.
Result nettestFqdn(std::string_view value) {
  return isIpv4(value) || isHostname(value) ? Result() : "is not an IPv4 address or a hostname";
}

Result serviceName(std::string_view value) {
  return isNameOf(value, "._-:@") ? Result() : "is not a valid service name";
}

Result packageName(std::string_view value) {
  return isNameOf(value, "._-") ? Result() : "is not a valid package name";
}

// The one list of named validators.
constexpr std::array<std::pair<std::string_view, NamedCheck>, 10> kValidators{{
    {"shellsafe", shellsafe},
    {"ipv4address", ipv4address},
    {"ipv6address", ipv6address},
    {"ipaddress", ipaddress},
    {"puppet_variable", puppetVariable},
    {"puppet_tags", puppetTags},
    {"puppet_server_address", puppetServerAddress},
    {"service_name", serviceName},
    {"package_name", packageName},
    {"nettest_fqdn", nettestFqdn},
}};

}  // namespace

NamedCheck findNamedValidator(std::string_view name) {
  for (const auto& [candidate, check] : kValidators) {
    if (candidate == name) return check;
  }
  return nullptr;
}

std::vector<std::string_view> namedValidatorNames() {
  std::vector<std::string_view> names;
  for (const auto& entry : kValidators) names.push_back(entry.first);
  return names;
}

bool isValidatorName(std::string_view validation) {
  return !validation.empty() && validation.front() >= 'a' && validation.front() <= 'z' &&
         std::all_of(validation.begin(), validation.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || isAsciiDigit(c) || c == '_'; });
}

std::shared_ptr<const re2::RE2> compileValidationRegex(const std::string& pattern) {
  re2::RE2::Options options;
  options.set_log_errors(false);  // the error is reported to the caller instead
  auto regex = std::make_shared<const re2::RE2>(pattern, options);
  if (!regex->ok()) throw std::invalid_argument(regex->error());
  return regex;
}

}  // namespace drover::ddl
