#pragma once
// Service names (DESIGN.md, "Clusters"; research/naming.md): what a node of a service is
// called and how a name reads back. Pure functions, no state.
//
//   masterful service `db`:  db-master, db-slave-1, db-slave-2, ...
//   iterative service `web`: web-0, web-1, ...
//
// A service is a DNS label of lower-case letters, digits and `-` (1..40 characters,
// starting with a letter, not ending with `-`, no `--`); an alias is a DNS name (labels
// of 1..63 such characters joined by dots, 253 at most). Upper case is an error, never
// lowered silently: a hosts file and a certificate name must agree byte for byte.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/json.hpp"

namespace drover::naming {

enum class ServiceType { Iterative, Masterful };

inline constexpr int kMaxNumber = 99999;  // slave-N and -N stop here
inline constexpr std::size_t kMaxAliases = 16;

/// What a node asks for (server.yaml `naming:`, or the flow's default).
struct Declaration {
  std::string service;
  ServiceType type = ServiceType::Iterative;
  std::vector<std::string> aliases;
  bool operator==(const Declaration&) const = default;
};

std::string toString(ServiceType type);
/// "masterful" or "iterative"; std::nullopt for anything else.
std::optional<ServiceType> serviceTypeFrom(std::string_view text);

/// An error text naming what is wrong with `service`, or "" when it is a valid service.
std::string checkService(std::string_view service);
/// Same for an alias (or any host name written into a hosts file).
std::string checkHostName(std::string_view name);
/// Checks a whole declaration (service, aliases, their count, an alias that is a name form
/// of its own service). "" when valid.
std::string checkDeclaration(const Declaration& declaration);

/// {service, type, aliases}: a missing type is iterative, missing aliases none. Throws
/// std::invalid_argument naming the key and what was wrong (also for checkDeclaration's
/// errors).
Declaration declarationFrom(const Json& json);
Json toJson(const Declaration& declaration);

/// The n-th name of a service: masterful n=0 is <service>-master, n>=1 <service>-slave-n;
/// iterative <service>-n.
std::string nameOf(std::string_view service, ServiceType type, int n);

/// A name read back into service, type and number (masterful master is 0). std::nullopt
/// when `name` is no service's name. `web-slave-3` reads as masterful `web` slave 3,
/// `db-master` as masterful `db`, `web-7` as iterative `web` 7; `db-slave-03` and `web-07`
/// (leading zeros) are no name.
struct ParsedName {
  std::string service;
  ServiceType type = ServiceType::Iterative;
  int number = 0;
  bool operator==(const ParsedName&) const = default;
};
std::optional<ParsedName> parseName(std::string_view name);

/// `name` qualified with `domain` ("" leaves it as it is).
std::string fqdnOf(std::string_view name, std::string_view domain);

}  // namespace drover::naming
