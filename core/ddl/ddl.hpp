#pragma once
// The DDL model: what an agent offers, in the shape of Choria's agent DDL JSON schema
// (https://choria.io/schemas/mcorpc/ddl/v1/agent.json). One DDL is the single source
// for input validation (client and node), result rendering and `drover plugin doc`.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/util/json.hpp"

namespace drover::ddl {

struct Metadata {
  std::string name;
  std::string description;
  std::string author;
  std::string license;
  std::string version;
  std::string url;
  std::string provider;   // informational ("ruby", "golang", "external", ...)
  int timeout = 10;       // seconds an action may run before it is killed
};

/// Input types of the Choria schema.
enum class InputType { String, List, Boolean, Integer, Float, Number, Hash, Array, Any };

struct Input {
  std::string name;
  std::string prompt;
  std::string description;
  InputType type = InputType::String;
  bool optional = false;
  std::optional<Json> defaultValue;
  std::string validation;              // regex, "shellsafe", "ipv4address", "ipv6address", "ipaddress", ... or empty
  std::size_t maxlength = 0;           // 0: unlimited
  std::vector<std::string> list;       // allowed values when type is List (enum)
};

struct Output {
  std::string name;
  std::string description;
  std::string displayAs;
  std::string type;                    // optional hint ("string", "integer", ...)
  std::optional<Json> defaultValue;
};

enum class DisplayPolicy { Always, Ok, Failed };

/// One aggregate summary of an action: a function over one output, with optional format.
struct Aggregate {
  std::string function;                // summary, average, sum, boolean_summary
  std::string output;                  // the output it reads
  Json args = Json::object();          // extra arguments (format, true/false labels, ...)
};

struct Action {
  std::string name;
  std::string description;
  DisplayPolicy display = DisplayPolicy::Failed;
  std::vector<Input> inputs;           // in DDL order
  std::vector<Output> outputs;         // in DDL order
  std::vector<Aggregate> aggregates;

  const Input* findInput(const std::string& name) const;
};

struct Ddl {
  Metadata metadata;
  std::vector<Action> actions;         // in DDL order

  const Action* findAction(const std::string& name) const;
};

/// Thrown when a DDL document does not parse or breaks the schema; the message names
/// the file (when known) and the JSON path of the offending element.
class LoadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace drover::ddl
