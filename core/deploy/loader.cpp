// The deployment loader: the document's top keys, pool headers (service, type, count),
// then every pool's body over the defaults, its config files, and the requirements graph.
// Headers come first so that a template anywhere may name a pool defined further down.
#include <algorithm>
#include <set>

#include "core/deploy/config_files.hpp"
#include "core/deploy/graph.hpp"
#include "core/deploy/pool_body.hpp"
#include "core/util/files.hpp"
#include "core/util/yaml_stream.hpp"

namespace drover::deploy {
namespace {

const std::vector<std::string> kTopKeys{"name",     "flow",  "ssh_trust", "facts",
                                        "defaults", "pools", "instances"};

std::vector<std::string> poolKeys(bool instance) {
  std::vector<std::string> keys = kBodyKeys;
  for (const char* key : {"service", "type", "after", "files"}) keys.emplace_back(key);
  if (!instance) keys.emplace_back("count");
  return keys;
}

std::string required(Reader& reader, const YAML::Node& root, const std::string& key) {
  if (!root[key]) {
    reader.problem(root, key, "is required");
    return "";
  }
  return reader.text(root[key], key).value_or("");
}

void readTop(Reader& reader, const YAML::Node& root, Deployment& out) {
  reader.onlyKeys(root, "", kTopKeys);
  out.name = required(reader, root, "name");
  if (std::string problem = naming::checkService(out.name); !out.name.empty() && !problem.empty()) {
    reader.problem(root["name"], "name", problem);
  }
  if (root["flow"]) {
    out.flow = reader.text(root["flow"], "flow").value_or("");
    out.flowWhere = reader.where(root["flow"], "flow");
  }
  if (root["ssh_trust"])
    out.sshTrust = reader.boolean(root["ssh_trust"], "ssh_trust").value_or(false);
  if (root["facts"])
    out.facts = reader.strings(root["facts"], "facts").value_or(std::vector<std::string>{});
}

void readType(Reader& reader, const YAML::Node& map, const std::string& key, Pool& pool) {
  YAML::Node node = map["type"];
  if (!node) return;
  auto text = reader.text(node, key + ".type");
  auto type = text ? naming::serviceTypeFrom(*text) : std::nullopt;
  if (text && !type) {
    reader.problem(node, key + ".type", "expected masterful or iterative, got '" + *text + "'");
  }
  pool.type = type.value_or(naming::ServiceType::Iterative);
}

void readCountAndType(Reader& reader, const YAML::Node& map, const std::string& key, Pool& pool) {
  readType(reader, map, key, pool);
  if (pool.instance) return;
  if (!map["count"]) {
    reader.problem(map, key + ".count", "is required");
    return;
  }
  pool.count = reader.integer(map["count"], key + ".count", 0, kMaxCount).value_or(0);
}

// Name, service, type and count of one pool; the body comes later.
Pool readHeader(Reader& reader, const YAML::Node& keyNode, const YAML::Node& map,
                const std::string& key, bool instance) {
  Pool pool;
  pool.name = keyNode.Scalar();
  pool.instance = instance;
  pool.line = keyNode.Mark().line + 1;
  pool.column = keyNode.Mark().column + 1;
  if (std::string problem = naming::checkService(pool.name); !problem.empty()) {
    reader.problem(keyNode, key, "a pool name is a service name: " + problem);
  }
  pool.service = pool.name;
  pool.count = instance ? 1 : 0;
  if (instance && map.IsNull()) return pool;  // `mon:` alone: an instance with the defaults
  if (!reader.requireMap(map, key)) return pool;
  reader.onlyKeys(map, key, poolKeys(instance));
  if (YAML::Node node = map["service"]) {
    pool.service = reader.text(node, key + ".service").value_or(pool.name);
    std::string problem = naming::checkService(pool.service);
    if (!problem.empty()) reader.problem(node, key + ".service", problem);
  }
  readCountAndType(reader, map, key, pool);
  return pool;
}

// False for a second pool of the same name (left out); two services alike are reported.
bool checkUnique(Reader& reader, const YAML::Node& keyNode, const std::string& key,
                 const Pool& pool, const Deployment& out) {
  for (const auto& other : out.pools) {
    if (other.name == pool.name) {
      reader.problem(keyNode, key,
                     "a second pool named '" + pool.name + "' (the first is on line " +
                         std::to_string(other.line) + ")");
      return false;
    }
    if (other.service == pool.service) {
      reader.problem(keyNode, key,
                     "service '" + pool.service + "' is already pool '" + other.name +
                         "''s (line " + std::to_string(other.line) + ")");
    }
  }
  return true;
}

// Where a pool's body is, for the second pass.
struct PoolEntry {
  std::size_t index;  // in Deployment::pools
  YAML::Node map;
  std::string key;  // pools.<name> or instances.<name>
};

void readHeaders(Reader& reader, const YAML::Node& root, const std::string& section,
                 Deployment& out, std::vector<PoolEntry>& entries) {
  YAML::Node pools = root[section];
  if (!pools || pools.IsNull() || !reader.requireMap(pools, section)) return;
  for (const auto& item : pools) {
    if (!item.first.IsScalar()) {
      reader.problem(item.first, section, "pool names are plain names");
      continue;
    }
    std::string key = section + "." + item.first.Scalar();
    Pool pool = readHeader(reader, item.first, item.second, key, section == "instances");
    if (!checkUnique(reader, item.first, key, pool, out)) continue;
    if (item.second.IsMap() || item.second.IsNull()) {
      entries.push_back(PoolEntry{out.pools.size(), item.second, key});
    }
    out.pools.push_back(std::move(pool));
  }
}

void readAfter(Reader& reader, const YAML::Node& node, const std::string& key, Pool& pool,
               const Deployment& out) {
  auto names = reader.strings(node, key);
  if (!names) return;
  for (std::size_t i = 0; i < names->size(); ++i) {
    const std::string& name = (*names)[i];
    if (name == pool.name) {
      reader.problem(node[i], key, "a pool cannot wait for itself");
    } else if (out.pool(name) == nullptr) {
      reader.problem(node[i], key, "unknown pool '" + name + "'");
    } else {
      pool.after.push_back(name);
    }
  }
}

MetadataByPool readBodies(Reader& reader, const YAML::Node& root, const FileSource& source,
                          const std::vector<PoolEntry>& entries, Deployment& out) {
  PoolBody defaults;
  if (YAML::Node node = root["defaults"]; node && reader.requireMap(node, "defaults")) {
    reader.onlyKeys(node, "defaults", kBodyKeys);
    defaults = readBody(reader, node, "defaults", out, source);
  }
  MetadataByPool metadata;
  for (const auto& entry : entries) {
    Pool& pool = out.pools[entry.index];
    if (YAML::Node after = entry.map["after"])
      readAfter(reader, after, entry.key + ".after", pool, out);
    mergeBody(pool, defaults, readBody(reader, entry.map, entry.key, out, source));
    if (pool.flowWhere.empty()) {
      pool.flow = out.flow;
      pool.flowWhere = out.flowWhere;
    }
    if (YAML::Node files = entry.map["files"]) {
      metadata[pool.name] = readFileMetadata(reader, files, entry.key + ".files");
    }
  }
  return metadata;
}

std::map<std::string, std::string> readFiles(Reader& reader, const FileSource& source) {
  try {
    return source.files();
  } catch (const std::runtime_error& e) {
    reader.problem(YAML::Mark::null_mark(), "files", e.what());
    return {};
  }
}

Deployment parseDocument(Reader& reader, const YAML::Node& root, const FileSource& source) {
  Deployment out;
  if (!reader.requireMap(root, "")) return out;
  readTop(reader, root, out);
  std::vector<PoolEntry> entries;
  readHeaders(reader, root, "pools", out, entries);
  readHeaders(reader, root, "instances", out, entries);
  if (out.pools.empty()) {
    YAML::Node at = root["pools"] ? root["pools"] : root;
    reader.problem(at, "pools", "a deployment needs at least one pool or instance");
  }
  MetadataByPool metadata = readBodies(reader, root, source, entries, out);
  attachFiles(reader, std::filesystem::path(reader.file()).parent_path(), readFiles(reader, source),
              metadata, out);
  checkRequirements(reader, out);
  return out;
}

}  // namespace

DeploymentError::DeploymentError(std::vector<std::string> problems)
    : std::runtime_error([&] {
        std::string text;
        for (const auto& line : problems) text += (text.empty() ? "" : "\n") + line;
        return text;
      }()),
      problems_(std::move(problems)) {}

const Pool* Deployment::pool(std::string_view poolName) const {
  auto it =
      std::find_if(pools.begin(), pools.end(), [&](const Pool& p) { return p.name == poolName; });
  return it == pools.end() ? nullptr : &*it;
}

Deployment parseDeployment(const std::string& text, const std::string& fileName,
                           const FileSource& source) {
  Reader reader(fileName);
  Deployment out;
  try {
    util::YamlStream stream = util::loadYamlStream(text);
    if (stream.documents > 1)
      reader.problem(stream.second, "", "a deployment file holds one YAML document");
    if (stream.documents == 0) reader.problem(YAML::Mark::null_mark(), "", "the file is empty");
    if (stream.documents == 1) out = parseDocument(reader, stream.first, source);
  } catch (const YAML::Exception& e) {
    reader.problem(e.mark, "", "YAML syntax error: " + e.msg);
  }
  if (!reader.problems().empty()) throw DeploymentError(reader.problems());
  out.fileName = fileName;
  return out;
}

Deployment loadDeploymentFile(const std::filesystem::path& file) {
  std::string text;
  try {
    text = util::readFile(file);
  } catch (const std::runtime_error& e) {
    throw DeploymentError({e.what()});
  }
  return parseDeployment(text, file.string(), *diskSource(file.parent_path()));
}

}  // namespace drover::deploy
