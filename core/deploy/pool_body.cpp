#include "core/deploy/pool_body.hpp"

#include "core/deploy/references.hpp"

namespace drover::deploy {
namespace {

std::optional<Volume> readVolume(Reader& reader, const YAML::Node& node, const std::string& key) {
  if (!reader.requireMap(node, key)) return std::nullopt;
  reader.onlyKeys(node, key, {"size", "mount", "kind"});
  Volume volume;
  bool ok = true;
  if (auto size = node["size"] ? reader.size(node["size"], key + ".size") : std::nullopt) {
    volume.sizeBytes = *size;
  } else {
    if (!node["size"]) reader.problem(node, key + ".size", "is required");
    ok = false;
  }
  auto mount = node["mount"] ? reader.text(node["mount"], key + ".mount") : std::nullopt;
  if (!node["mount"]) reader.problem(node, key + ".mount", "is required");
  if (mount && (mount->front() != '/' || mount->find("/../") != std::string::npos ||
                mount->ends_with("/.."))) {
    reader.problem(node["mount"], key + ".mount", "'" + *mount + "' is not an absolute path");
    mount.reset();
  }
  ok = ok && mount.has_value();
  if (mount) volume.mount = *mount;
  if (YAML::Node kind = node["kind"]) {
    auto text = reader.text(kind, key + ".kind");
    if (text && *text != "tmpfs" && *text != "image") {
      reader.problem(kind, key + ".kind", "expected tmpfs or image, got '" + *text + "'");
    }
    ok = ok && text && (*text == "tmpfs" || *text == "image");
    if (text) volume.kind = *text;
  }
  return ok ? std::optional(volume) : std::nullopt;
}

// A bundle path inside the file's directory: relative, no "..".
bool insideDirectory(const std::string& relpath) {
  if (relpath.empty() || relpath.front() == '/') return false;
  std::size_t start = 0;
  while (start <= relpath.size()) {
    auto end = relpath.find('/', start);
    if (end == std::string::npos) end = relpath.size();
    if (relpath.compare(start, end - start, "..") == 0 && end - start == 2) return false;
    start = end + 1;
  }
  return true;
}

std::optional<Stage> readStage(Reader& reader, const YAML::Node& node, const std::string& key,
                               const FileSource& source) {
  if (!reader.requireMap(node, key)) return std::nullopt;
  reader.onlyKeys(node, key, {"bundle", "args"});
  Stage stage;
  if (YAML::Node args = node["args"]) {
    auto list = reader.strings(args, key + ".args");
    if (list) stage.args = *list;
  }
  if (!node["bundle"]) {
    reader.problem(node, key + ".bundle", "is required");
    return std::nullopt;
  }
  auto bundle = reader.text(node["bundle"], key + ".bundle");
  if (!bundle) return std::nullopt;
  stage.bundle = *bundle;
  auto blob = insideDirectory(*bundle) ? source.blob(*bundle) : std::nullopt;
  if (!insideDirectory(*bundle)) {
    reader.problem(node["bundle"], key + ".bundle",
                   "'" + *bundle + "' is not a relative path inside the file's directory");
  } else if (!blob) {
    reader.problem(node["bundle"], key + ".bundle",
                   "'" + *bundle + "' does not exist or is not a regular file");
  }
  if (blob) stage.blob = *blob;
  return blob ? std::optional(stage) : std::nullopt;
}

template <typename T, typename ReadItem>
std::optional<std::vector<T>> readList(Reader& reader, const YAML::Node& node,
                                       const std::string& key, ReadItem readItem) {
  if (!node.IsSequence()) {
    reader.problem(node, key, "expected a list");
    return std::nullopt;
  }
  std::vector<T> out;
  for (std::size_t i = 0; i < node.size(); ++i) {
    if (auto item = readItem(node[i], key + "[" + std::to_string(i) + "]")) out.push_back(*item);
  }
  return out;
}

// Checks every scalar under `node` (a param's value) as a template, at its own position.
void checkParamValue(Reader& reader, const YAML::Node& node, const std::string& key,
                     const Deployment& deployment, std::set<std::string>& pools) {
  if (node.IsScalar()) {
    auto check = checkTemplate(node.Scalar(), deployment, nullptr, TemplateKind::Params);
    for (const auto& problem : check.problems) reader.problem(node, key, problem.what);
    pools.insert(check.pools.begin(), check.pools.end());
    return;
  }
  std::size_t index = 0;
  for (auto it = node.begin(); it != node.end(); ++it, ++index) {
    if (node.IsSequence()) {
      checkParamValue(reader, *it, key + "[" + std::to_string(index) + "]", deployment, pools);
    } else if (it->first.IsScalar()) {
      checkParamValue(reader, it->second, Reader::join(key, it->first.Scalar()), deployment, pools);
    }
  }
}

void checkParams(Reader& reader, const YAML::Node& node, const std::string& key,
                 const Deployment& deployment, PoolBody& body) {
  for (const auto& item : node) {
    if (!item.first.IsScalar()) continue;  // reported by json()
    std::string name = item.first.Scalar();
    checkParamValue(reader, item.second, Reader::join(key, name), deployment,
                    body.paramPools[name]);
  }
}

void readParams(Reader& reader, const YAML::Node& node, const std::string& key,
                const Deployment& deployment, PoolBody& body) {
  if (!reader.requireMap(node, key)) return;
  auto params = reader.json(node, key);
  if (!params) return;
  body.params = *params;
  checkParams(reader, node, key, deployment, body);
}

}  // namespace

PoolBody readBody(Reader& reader, const YAML::Node& map, const std::string& prefix,
                  const Deployment& deployment, const FileSource& source) {
  PoolBody body;
  auto key = [&](const std::string& name) { return Reader::join(prefix, name); };
  if (YAML::Node node = map["launcher"]; node && reader.requireMap(node, key("launcher"))) {
    body.launcher = reader.json(node, key("launcher"));
  }
  if (YAML::Node node = map["volumes"]) {
    body.volumes = readList<Volume>(
        reader, node, key("volumes"),
        [&](const auto& item, const auto& at) { return readVolume(reader, item, at); });
  }
  if (YAML::Node node = map["stages"]) {
    body.stages = readList<Stage>(
        reader, node, key("stages"),
        [&](const auto& item, const auto& at) { return readStage(reader, item, at, source); });
  }
  if (YAML::Node node = map["params"]) readParams(reader, node, key("params"), deployment, body);
  if (YAML::Node node = map["stage_timeout"]) {
    body.stageTimeout = reader.duration(node, key("stage_timeout"));
  }
  return body;
}

void mergeBody(Pool& pool, const PoolBody& defaults, const PoolBody& own) {
  pool.launcher = defaults.launcher.value_or(Json::object());
  if (own.launcher) pool.launcher.update(*own.launcher);
  pool.volumes = own.volumes ? *own.volumes : defaults.volumes.value_or(std::vector<Volume>{});
  pool.stages = own.stages ? *own.stages : defaults.stages.value_or(std::vector<Stage>{});
  pool.stageTimeout =
      own.stageTimeout.value_or(defaults.stageTimeout.value_or(kDefaultStageTimeout));
  pool.params = defaults.params;
  pool.params.update(own.params);
  std::set<std::string> required(pool.after.begin(), pool.after.end());
  for (const auto& [name, pools] : defaults.paramPools) {
    if (!own.paramPools.contains(name)) required.insert(pools.begin(), pools.end());
  }
  for (const auto& [name, pools] : own.paramPools) required.insert(pools.begin(), pools.end());
  required.erase(pool.name);
  pool.requires_.assign(required.begin(), required.end());
}

}  // namespace drover::deploy
