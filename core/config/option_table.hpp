#pragma once
// One table per config struct maps each YAML key to a field, a command-line flag, a type
// with its check and a one-line description. The YAML reader, the flag overlay, --help and
// the example configs all read that one table, so a setting cannot exist in the file and
// be missing from the flags (or the other way round). Defaults live in the structs.
#include <chrono>
#include <deque>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

namespace drover::config {

/// Every configuration problem. The message has one line per problem, each naming
/// file:line:column (or the flag) and the key.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// What an option holds; deduced from the C++ type of its field.
enum class Type { String, Int, Bool, Double, Milliseconds, Seconds, StringList, Path };

/// Inclusive bounds for Int, Double, Milliseconds and Seconds options.
struct Range {
  double min;
  double max;
};

/// An extra rule on a string value (on each item of a list).
struct Check {
  std::string expects;  // "an endpoint such as tcp://HOST:PORT, ..."
  std::function<bool(const std::string&)> accepts;
};

struct OptionSpec {
  std::string key;          // YAML key, dotted for nesting: "broker.publish"
  std::string flag;         // command-line flag: "--broker-publish"
  std::string description;  // one line, for --help and example configs
  Type type = Type::String;
  std::optional<Range> range;
  std::optional<Check> check;
  std::string shownDefault;  // documented default, when the real one depends on the host

  OptionSpec& between(double min, double max);
  OptionSpec& checkedBy(Check rule);
  OptionSpec& defaultShownAs(std::string text);
};

/// A field of one particular config object, as the readers fill it.
using FieldRef =
    std::variant<std::string*, int*, bool*, double*, std::chrono::milliseconds*,
                 std::chrono::seconds*, std::vector<std::string>*, std::filesystem::path*>;

/// One option bound to the field it fills.
struct Binding {
  const OptionSpec* spec;
  FieldRef field;
};

/// The flag for a key: "broker.publish" and "queue_limit" become "--broker-publish"
/// and "--queue-limit".
std::string flagFor(const std::string& key);

template <typename Field>
constexpr Type typeOf() {
  if constexpr (std::is_same_v<Field, std::string>)
    return Type::String;
  else if constexpr (std::is_same_v<Field, int>)
    return Type::Int;
  else if constexpr (std::is_same_v<Field, bool>)
    return Type::Bool;
  else if constexpr (std::is_same_v<Field, double>)
    return Type::Double;
  else if constexpr (std::is_same_v<Field, std::chrono::milliseconds>)
    return Type::Milliseconds;
  else if constexpr (std::is_same_v<Field, std::chrono::seconds>)
    return Type::Seconds;
  else if constexpr (std::is_same_v<Field, std::vector<std::string>>)
    return Type::StringList;
  else if constexpr (std::is_same_v<Field, std::filesystem::path>)
    return Type::Path;
  else
    static_assert(!sizeof(Field), "no option type for this field type");
}

class Diagnostics;

/// The options of one config struct, in the order they are documented.
template <typename Config>
class Table {
 public:
  /// Runs after the file and the flags: fills defaults that depend on other settings,
  /// then checks rules spanning several keys, reporting problems into the Diagnostics.
  using Finisher = std::function<void(Config&, Diagnostics&)>;

  /// Adds the option `key` for `field`, with its flag derived from the key. The returned
  /// spec, for chaining .between() and .checkedBy(), stays valid while the table lives.
  template <typename Field>
  OptionSpec& add(std::string key, Field Config::*field, std::string description) {
    Entry& entry = entries_.emplace_back(
        Entry{OptionSpec{}, [field](Config& config) { return FieldRef(&(config.*field)); }});
    entry.spec.flag = flagFor(key);
    entry.spec.key = std::move(key);
    entry.spec.description = std::move(description);
    entry.spec.type = typeOf<Field>();
    return entry.spec;
  }

  /// Adds every option of `table`, which fills the member `part`, here in its order:
  /// a settings struct declared beside the code it configures (a built-in agent's)
  /// joins the file of the program that hosts it. Keys, flags, checks and finishers
  /// come along unchanged, so the part's keys are written in full ("puppet.command").
  template <typename Part>
  void include(Part Config::*part, const Table<Part>& table) {
    for (const auto& entry : table.entries_) {
      auto bindPart = entry.bind;
      entries_.push_back(
          Entry{entry.spec, [part, bindPart](Config& config) { return bindPart(config.*part); }});
    }
    for (const auto& finisher : table.finishers_) {
      finishWith(
          [part, finisher](Config& config, Diagnostics& diag) { finisher(config.*part, diag); });
    }
  }

  void finishWith(Finisher finisher) { finishers_.push_back(std::move(finisher)); }

  /// The options tied to the fields of `config`, which must outlive the result.
  std::vector<Binding> bind(Config& config) const {
    std::vector<Binding> out;
    for (const auto& entry : entries_) out.push_back(Binding{&entry.spec, entry.bind(config)});
    return out;
  }

  std::vector<const OptionSpec*> specs() const {
    std::vector<const OptionSpec*> out;
    for (const auto& entry : entries_) out.push_back(&entry.spec);
    return out;
  }

  void finish(Config& config, Diagnostics& diag) const {
    for (const auto& finisher : finishers_) finisher(config, diag);
  }

 private:
  template <typename>
  friend class Table;  // include() reads the part's entries

  struct Entry {
    OptionSpec spec;
    std::function<FieldRef(Config&)> bind;  // the option's field in a given config
  };

  std::deque<Entry> entries_;  // a deque keeps the specs handed out by add() in place
  std::vector<Finisher> finishers_;
};

}  // namespace drover::config
