#pragma once
// The DDL model: what an agent offers, in the shape of Choria's agent DDL JSON schema
// (https://choria.io/schemas/mcorpc/ddl/v1/agent.json). One DDL is the single source
// for input validation (client and node), result rendering and `drover plugin doc`.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/json.hpp"

namespace re2 {
class RE2;
}  // namespace re2

namespace drover::ddl {

struct Metadata {
  std::string name;
  std::string description;
  std::string author;
  std::string license;
  std::string version;
  std::string url;
  std::string provider;  // informational ("ruby", "golang", "external", ...)
  bool service = false;  // Choria: the agent runs as a long-lived service
  int timeout = 10;      // seconds an action may run before it is killed
};

/// Input types of the Choria schema.
enum class InputType { String, List, Boolean, Integer, Float, Number, Hash, Array, Any };

/// The schema's name of a type ("string", "hash", ...).
std::string_view toString(InputType type);
/// Parses a type name in any case, as Choria does ("string", "Hash", "Array"), and
/// "int" for integer. Returns nullopt for an unknown name.
std::optional<InputType> inputTypeFromString(std::string_view name);

struct Input {
  std::string name;
  std::string prompt;
  std::string description;
  InputType type = InputType::String;
  // The DDL's type name (as shownName() prints it) when this Drover does not know it,
  // "" included; type is then Any, and every value sent for the input is refused
  // (validator.hpp). Absent for a known type.
  std::optional<std::string> unknownType;
  bool optional = false;
  std::optional<Json> defaultValue;
  std::string
      validation;  // regex, "shellsafe", "ipv4address", "ipv6address", "ipaddress", ... or empty
  std::size_t maxlength = 0;      // 0: unlimited
  std::vector<std::string> list;  // allowed values when type is List (enum)
  // `validation` compiled once when it is a regex (set by the loader; validate() compiles
  // it on demand when absent). Shared so that copies of a Ddl stay cheap.
  std::shared_ptr<const re2::RE2> regex;
};

struct Output {
  std::string name;
  std::string description;
  std::string displayAs;
  std::string type;  // optional hint ("string", "integer", ...)
  std::optional<Json> defaultValue;
};

enum class DisplayPolicy { Always, Ok, Failed };

std::string_view toString(DisplayPolicy policy);

/// One aggregate summary of an action: a function over one output, with optional format.
struct Aggregate {
  std::string function;        // summary, average, sum, boolean_summary
  std::string output;          // the output it reads
  Json args = Json::object();  // extra arguments (format, true/false labels, ...)
};

struct Action {
  std::string name;
  std::string description;
  DisplayPolicy display = DisplayPolicy::Failed;
  std::vector<Input> inputs;    // in DDL order
  std::vector<Output> outputs;  // in DDL order
  std::vector<Aggregate> aggregates;

  /// nullptr when the action declares no such input (same for the finders below).
  const Input* findInput(const std::string& name) const;
  const Output* findOutput(const std::string& name) const;
};

struct Ddl {
  Metadata metadata;
  std::vector<Action> actions;  // in DDL order
  std::string source;           // file or name it was loaded from, for messages
  // What loads but deserves a look, each "SOURCE: JSON.PATH: what": defaults that break
  // their own input's rule (Choria accepts such DDLs, so they are not errors).
  std::vector<std::string> warnings;

  const Action* findAction(const std::string& name) const;
};

/// An action looked up by name in a DDL: the action, or why there is none.
struct ActionLookup {
  const Action* action = nullptr;
  std::string error;  // when action is null: "agent 'A' has no action 'X' (actions: a, b)"
};

/// The one lookup of a requested action, for the CLI (before sending) and the node (on
/// arrival), so both name a wrong action the same way. Never throws but std::bad_alloc.
ActionLookup lookupAction(const Ddl& ddl, const std::string& name);

/// Thrown when a DDL document does not parse or breaks the schema; the message names
/// the file (when known) and the JSON path of the offending element.
class LoadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace drover::ddl
