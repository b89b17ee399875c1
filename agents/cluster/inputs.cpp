#include "agents/cluster/inputs.hpp"

#include "core/naming/names.hpp"

namespace drover::agents::cluster {
namespace {

const Json& present(const Json& args, const std::string& key) {
  auto it = args.find(key);
  if (it == args.end() || it->is_null()) badInput(key + ": missing");
  return *it;
}

}  // namespace

void badInput(const std::string& message) {
  throw ActionError(envelope::StatusCode::InvalidData, message);
}

std::string shown(const std::string& value) {
  return "'" + (value.size() > 80 ? value.substr(0, 80) + "..." : value) + "'";
}

std::string stringInput(const Json& args, const std::string& key, std::size_t maxBytes) {
  return stringItem(present(args, key), key, maxBytes);
}

std::string stringItem(const Json& value, const std::string& key, std::size_t maxBytes) {
  if (!value.is_string()) badInput(key + ": expected a string, got " + value.type_name());
  const auto& text = value.get_ref<const std::string&>();
  if (text.size() > maxBytes) {
    badInput(key + ": " + std::to_string(text.size()) + " bytes, at most " +
             std::to_string(maxBytes));
  }
  if (text.find('\0') != std::string::npos) badInput(key + ": holds a NUL byte");
  return text;
}

std::int64_t integerInput(const Json& args, const std::string& key, std::int64_t min,
                          std::int64_t max) {
  const Json& value = present(args, key);
  if (!value.is_number_integer()) badInput(key + ": expected an integer, got " + value.dump());
  std::int64_t n = value.get<std::int64_t>();
  if (value.is_number_unsigned() && value.get<std::uint64_t>() > std::uint64_t(INT64_MAX)) {
    n = INT64_MAX;
  }
  if (n < min || n > max) {
    badInput(key + ": " + std::to_string(n) + " is not between " + std::to_string(min) + " and " +
             std::to_string(max));
  }
  return n;
}

const Json& arrayInput(const Json& args, const std::string& key, std::size_t maxItems) {
  const Json& value = present(args, key);
  if (!value.is_array()) badInput(key + ": expected a list, got " + value.type_name());
  if (value.size() > maxItems) {
    badInput(key + ": " + std::to_string(value.size()) + " items, at most " +
             std::to_string(maxItems));
  }
  return value;
}

const Json& objectInput(const Json& args, const std::string& key, std::size_t maxBytes) {
  const Json& value = present(args, key);
  if (!value.is_object()) badInput(key + ": expected an object, got " + value.type_name());
  std::size_t size = value.dump().size();
  if (size > maxBytes) {
    badInput(key + ": " + std::to_string(size) + " bytes of JSON, at most " +
             std::to_string(maxBytes));
  }
  return value;
}

std::string deploymentInput(const Json& args) {
  std::string name = stringInput(args, "deployment", 64);
  std::string why = ::drover::naming::checkService(name);
  if (!why.empty()) badInput("deployment: " + why);
  return name;
}

}  // namespace drover::agents::cluster
