#include "provisioner/node_data.hpp"

#include <optional>
#include <system_error>

#include "core/facts/facts_file.hpp"

namespace drover::provisioner {
namespace {

namespace fs = std::filesystem;

bool safeFileName(const std::string& identity) {
  if (identity.empty() || identity.size() > 250 || identity.front() == '.') return false;
  for (char c : identity) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// The facts reader speaks of fact names; in a data file they are Hiera keys.
std::string inDataTerms(std::string message) {
  for (std::size_t at = message.find("fact name"); at != std::string::npos;
       at = message.find("fact name", at)) {
    message.replace(at, 9, "Hiera key");
  }
  return message;
}

// The file's map, or nullopt when it does not exist.
std::optional<Json> readDataFile(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) {
    if (ec) throw NodeDataError("node data file " + file.string() + ": " + ec.message());
    return std::nullopt;
  }
  try {
    return facts::loadFactsFile(file);
  } catch (const facts::Error& e) {
    throw NodeDataError("node data " + inDataTerms(e.what()));
  }
}

bool mentions(const Json& value) {
  if (value.is_string())
    return value.get_ref<const std::string&>().find("node.data") != std::string::npos;
  if (value.is_object() || value.is_array()) {
    for (const auto& item : value) {
      if (mentions(item)) return true;
    }
  }
  return false;
}

}  // namespace

bool mentionsNodeData(const Json& args) { return mentions(args); }

bool usesNodeData(const Flow& flow) {
  if (flow.alreadyProvisioned && mentions(flow.alreadyProvisioned->call.args)) return true;
  for (const Step& step : flow.steps) {
    if (mentions(step.call.args)) return true;
    if (step.lookup && mentions(step.lookup->args)) return true;
    if (step.verify && mentions(step.verify->call.args)) return true;
    if (step.verify && step.verify->lookup && mentions(step.verify->lookup->args)) return true;
  }
  return false;
}

Json loadNodeData(const fs::path& dir, const std::string& identity) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw NodeDataError("node data directory " + dir.string() + " does not exist (node_data_dir)");
  }
  if (!safeFileName(identity)) {
    throw NodeDataError("node identity '" + identity + "' cannot name a node data file in " +
                        dir.string());
  }
  Json data = readDataFile(dir / "common.yaml").value_or(Json::object());
  const fs::path nodeFile = dir / (identity + ".yaml");
  if (auto own = readDataFile(nodeFile)) {
    for (auto& [key, value] : own->items()) data[key] = value;
  }
  std::size_t bytes = data.dump().size();
  if (bytes > kMaxNodeDataBytes) {
    throw NodeDataError("node data of " + identity + " (" + nodeFile.string() +
                        " over common.yaml) is " + std::to_string(bytes) +
                        " bytes as JSON, more than the " + std::to_string(kMaxNodeDataBytes) +
                        " provision#set_node_data accepts");
  }
  return data;
}

}  // namespace drover::provisioner
