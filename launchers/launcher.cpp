#include "launchers/launcher.hpp"

#include <yaml-cpp/yaml.h>

#include "launchers/exec/exec_launcher.hpp"
#include "launchers/local/local_launcher.hpp"

namespace drover::launchers {
namespace {

Json scalarFromYaml(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") return text;  // quoted: always a string
  bool flag = false;
  if (YAML::convert<bool>::decode(node, flag)) return flag;
  long long whole = 0;
  if (YAML::convert<long long>::decode(node, whole)) return whole;
  double real = 0;
  if (text.find_first_of("0123456789") != std::string::npos &&
      YAML::convert<double>::decode(node, real)) {
    return real;
  }
  if (text == "~" || text == "null") return nullptr;
  return text;
}

}  // namespace

Json settingsFromYaml(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      Json out = Json::object();
      for (const auto& item : node)
        out[item.first.as<std::string>()] = settingsFromYaml(item.second);
      return out;
    }
    case YAML::NodeType::Sequence: {
      Json out = Json::array();
      for (const auto& item : node) out.push_back(settingsFromYaml(item));
      return out;
    }
    case YAML::NodeType::Scalar: return scalarFromYaml(node);
    default: return nullptr;
  }
}

std::unique_ptr<Launcher> makeLauncher(const Json& settings) {
  if (!settings.is_object()) throw LaunchError("launcher: must be a mapping of settings");
  auto type = settings.find("type");
  if (type == settings.end()) throw LaunchError("launcher.type: is required (local or exec)");
  if (*type == "local") return std::make_unique<LocalLauncher>(LocalSettings::fromJson(settings));
  if (*type == "exec") return std::make_unique<ExecLauncher>(ExecSettings::fromJson(settings));
  throw LaunchError("launcher.type: '" +
                    (type->is_string() ? type->get<std::string>() : type->dump()) +
                    "' is not a launcher type (local or exec)");
}

Json toJson(const Volume& volume) {
  return {{"size", volume.sizeBytes}, {"mount", volume.mount}, {"kind", volume.kind}};
}

Json toJson(const MemberLaunch& member) {
  Json volumes = Json::array();
  for (const auto& volume : member.volumes) volumes.push_back(toJson(volume));
  return {{"identity", member.identity}, {"pool", member.pool},
          {"service", member.service},   {"naming_type", member.namingType},
          {"settings", member.settings}, {"volumes", volumes}};
}

Json toJson(const Instance& instance) {
  return {{"id", instance.id},
          {"identity", instance.identity},
          {"state", instance.state},
          {"details", instance.details}};
}

namespace {

std::string textField(const Json& json, const std::string& key, const std::string& where) {
  auto it = json.find(key);
  if (it == json.end() || !it->is_string() || it->get<std::string>().empty()) {
    throw LaunchError(where + ": '" + key + "' must be a non-empty string");
  }
  return it->get<std::string>();
}

}  // namespace

Instance instanceFromJson(const Json& json, const std::string& where) {
  if (!json.is_object()) throw LaunchError(where + ": must be an object");
  Instance instance;
  instance.id = textField(json, "id", where);
  instance.identity = textField(json, "identity", where);
  instance.state = textField(json, "state", where);
  if (instance.state != "running" && instance.state != "stopped") {
    throw LaunchError(where + ": state '" + instance.state + "' is not running or stopped");
  }
  instance.details = json.value("details", Json::object());
  if (!instance.details.is_object()) throw LaunchError(where + ": 'details' must be an object");
  return instance;
}

}  // namespace drover::launchers
