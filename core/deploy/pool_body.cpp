#include "core/deploy/pool_body.hpp"

#include "core/deploy/references.hpp"

namespace drover::deploy {
namespace {

// map[name], recording that it is required when absent.
YAML::Node requiredKey(Reader& reader, const YAML::Node& map, const std::string& name,
                       const std::string& key) {
  YAML::Node node = map[name];
  if (!node) reader.problem(map, key, "is required");
  return node;
}

bool absolutePath(const std::string& path) {
  return path.front() == '/' && path.find("/../") == std::string::npos && !path.ends_with("/..");
}

std::optional<std::string> readMount(Reader& reader, const YAML::Node& node,
                                     const std::string& key) {
  auto mount = reader.text(node, key);
  if (mount && !absolutePath(*mount)) {
    reader.problem(node, key, "'" + *mount + "' is not an absolute path");
    return std::nullopt;
  }
  return mount;
}

std::optional<std::string> readKind(Reader& reader, const YAML::Node& node,
                                    const std::string& key) {
  auto kind = reader.text(node, key);
  if (!kind || *kind == "tmpfs" || *kind == "image") return kind;
  reader.problem(node, key, "expected tmpfs or image, got '" + *kind + "'");
  return std::nullopt;
}

std::optional<Volume> readVolume(Reader& reader, const YAML::Node& node, const std::string& key) {
  if (!reader.requireMap(node, key)) return std::nullopt;
  reader.onlyKeys(node, key, {"size", "mount", "kind"});
  YAML::Node sizeNode = requiredKey(reader, node, "size", key + ".size");
  YAML::Node mountNode = requiredKey(reader, node, "mount", key + ".mount");
  auto size = sizeNode ? reader.size(sizeNode, key + ".size") : std::nullopt;
  auto mount = mountNode ? readMount(reader, mountNode, key + ".mount") : std::nullopt;
  auto kind = node["kind"] ? readKind(reader, node["kind"], key + ".kind") : "tmpfs";
  if (!size || !mount || !kind) return std::nullopt;
  return Volume{*size, *mount, *kind};
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

// The blob of a bundle path, recording why there is none.
std::optional<Blob> readBundle(Reader& reader, const YAML::Node& node, const std::string& key,
                               const FileSource& source) {
  auto bundle = reader.text(node, key);
  if (!bundle) return std::nullopt;
  if (!insideDirectory(*bundle)) {
    reader.problem(node, key,
                   "'" + *bundle + "' is not a relative path inside the file's directory");
    return std::nullopt;
  }
  auto blob = source.blob(*bundle);
  if (!blob) reader.problem(node, key, "'" + *bundle + "' does not exist or is not a regular file");
  return blob;
}

std::optional<Stage> readStage(Reader& reader, const YAML::Node& node, const std::string& key,
                               const FileSource& source) {
  if (!reader.requireMap(node, key)) return std::nullopt;
  reader.onlyKeys(node, key, {"bundle", "args"});
  YAML::Node bundle = requiredKey(reader, node, "bundle", key + ".bundle");
  auto blob = bundle ? readBundle(reader, bundle, key + ".bundle", source) : std::nullopt;
  std::optional<std::vector<std::string>> args = std::vector<std::string>{};
  if (node["args"]) args = reader.strings(node["args"], key + ".args");
  if (!blob || !args) return std::nullopt;
  return Stage{bundle.Scalar(), *blob, *args};
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
// `at` is where a problem with `node` is reported: its key for a map's value, since a
// missing value has no position of its own (YAML marks the token after it).
void checkParamValue(Reader& reader, const YAML::Node& node, const YAML::Node& at,
                     const std::string& key, const Deployment& deployment,
                     std::set<std::string>& pools) {
  if (node.IsNull()) {  // `key:` and nothing after it: a template would find it unset
    reader.problem(at, key, "has no value (write \"\" for empty text)");
    return;
  }
  if (node.IsScalar()) {
    auto check = checkTemplate(node.Scalar(), deployment, nullptr, TemplateKind::Params);
    for (const auto& problem : check.problems) reader.problem(node, key, problem.what);
    pools.insert(check.pools.begin(), check.pools.end());
    return;
  }
  std::size_t index = 0;
  for (auto it = node.begin(); it != node.end(); ++it, ++index) {
    if (node.IsSequence()) {
      checkParamValue(reader, *it, *it, key + "[" + std::to_string(index) + "]", deployment, pools);
    } else if (it->first.IsScalar()) {
      checkParamValue(reader, it->second, it->first, Reader::join(key, it->first.Scalar()),
                      deployment, pools);
    }
  }
}

void checkParams(Reader& reader, const YAML::Node& node, const std::string& key,
                 const Deployment& deployment, PoolBody& body) {
  for (const auto& item : node) {
    if (!item.first.IsScalar()) continue;  // reported by json()
    std::string name = item.first.Scalar();
    checkParamValue(reader, item.second, item.first, Reader::join(key, name), deployment,
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
  if (YAML::Node node = map["flow"]) {
    body.flow = reader.text(node, key("flow"));
    body.flowWhere = reader.where(node, key("flow"));
  }
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
  if (own.flow || defaults.flow) {
    pool.flow = own.flow ? *own.flow : *defaults.flow;
    pool.flowWhere = own.flow ? own.flowWhere : defaults.flowWhere;
  }
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
