#include "core/deploy/config_files.hpp"

#include <algorithm>
#include <set>

#include "core/deploy/references.hpp"

namespace drover::deploy {
namespace {

bool absoluteClean(const std::string& path) {
  return !path.empty() && path.front() == '/' && path.back() != '/' &&
         path.find("/../") == std::string::npos && !path.ends_with("/..");
}

std::optional<unsigned> parseMode(const std::string& text) {
  if (text.size() < 3 || text.size() > 4) return std::nullopt;
  unsigned mode = 0;
  for (char c : text) {
    if (c < '0' || c > '7') return std::nullopt;
    mode = mode * 8 + static_cast<unsigned>(c - '0');
  }
  return mode;
}

void readMetadataFields(Reader& reader, const YAML::Node& node, const std::string& key,
                        FileSpec& spec) {
  if (YAML::Node path = node["path"]) {
    spec.path = reader.text(path, key + ".path").value_or(spec.path);
    if (!absoluteClean(spec.path)) {
      reader.problem(path, key + ".path", "'" + spec.path + "' is not an absolute file path");
    }
  }
  if (YAML::Node owner = node["owner"])
    spec.owner = reader.text(owner, key + ".owner").value_or("root");
  if (YAML::Node group = node["group"])
    spec.group = reader.text(group, key + ".group").value_or("root");
  if (YAML::Node modeNode = node["mode"]) {
    auto text = reader.text(modeNode, key + ".mode");
    auto mode = text ? parseMode(*text) : std::nullopt;
    if (text && !mode) {
      reader.problem(modeNode, key + ".mode",
                     "expected an octal mode such as \"0640\", got '" + *text + "'");
    }
    spec.mode = mode.value_or(spec.mode);
  }
}

// files/<pool>/<name> split into pool and name; nullopt for another shape.
std::optional<std::pair<std::string, std::string>> splitRelpath(const std::string& relpath) {
  const std::string head = "files/";
  if (relpath.rfind(head, 0) != 0) return std::nullopt;
  auto slash = relpath.find('/', head.size());
  if (slash == std::string::npos || slash == head.size() || slash + 1 == relpath.size())
    return std::nullopt;
  if (relpath.find('/', slash + 1) != std::string::npos) return std::nullopt;
  return std::make_pair(relpath.substr(head.size(), slash - head.size()),
                        relpath.substr(slash + 1));
}

// 1-based line and column of byte `offset` in `text`.
std::pair<int, int> lineAndColumn(const std::string& text, std::size_t offset) {
  offset = std::min(offset, text.size());
  int line = 1 + static_cast<int>(
                     std::count(text.begin(), text.begin() + static_cast<long>(offset), '\n'));
  auto lineStart = text.rfind('\n', offset == 0 ? 0 : offset - 1);
  std::size_t start = (lineStart == std::string::npos || offset == 0) ? 0 : lineStart + 1;
  return {line, static_cast<int>(offset - start) + 1};
}

void checkFileText(Reader& reader, const std::filesystem::path& directory, const FileSpec& file,
                   const Deployment& out, Pool& pool) {
  auto check = checkTemplate(file.text, out, &pool, TemplateKind::File);
  std::string where = (directory / file.relpath).string();
  for (const auto& problem : check.problems) {
    auto [line, column] = lineAndColumn(file.text, problem.offset);
    reader.problemIn(where, line, column, problem.what);
  }
  std::set<std::string> required(pool.requires_.begin(), pool.requires_.end());
  required.insert(check.pools.begin(), check.pools.end());
  required.erase(pool.name);
  pool.requires_.assign(required.begin(), required.end());
}

const FileMetadata* metadataFor(const MetadataByPool& metadata, const std::string& pool,
                                const std::string& name) {
  auto it = metadata.find(pool);
  if (it == metadata.end()) return nullptr;
  for (const auto& entry : it->second) {
    if (entry.spec.name == name) return &entry;
  }
  return nullptr;
}

Pool* poolNamed(Deployment& out, const std::string& name) {
  for (auto& pool : out.pools) {
    if (pool.name == name) return &pool;
  }
  return nullptr;
}

void reportMetadataWithoutFile(Reader& reader, const MetadataByPool& metadata,
                               const Deployment& out) {
  for (const auto& [poolName, entries] : metadata) {
    const Pool* pool = out.pool(poolName);
    for (const auto& entry : entries) {
      bool present = pool != nullptr &&
                     std::any_of(pool->files.begin(), pool->files.end(),
                                 [&](const FileSpec& f) { return f.name == entry.spec.name; });
      if (!present) {
        reader.problem(entry.mark, entry.key,
                       "there is no file files/" + poolName + "/" + entry.spec.name +
                           " beside the deployment file");
      }
    }
  }
}

}  // namespace

std::vector<FileMetadata> readFileMetadata(Reader& reader, const YAML::Node& node,
                                           const std::string& key) {
  std::vector<FileMetadata> out;
  if (!reader.requireMap(node, key)) return out;
  for (const auto& item : node) {
    if (!item.first.IsScalar()) continue;
    std::string at = key + "." + item.first.Scalar();
    FileMetadata entry{FileSpec{}, item.first.Mark(), at};
    entry.spec.name = item.first.Scalar();
    if (item.second.IsNull() || reader.requireMap(item.second, at)) {
      if (item.second.IsMap()) reader.onlyKeys(item.second, at, {"path", "owner", "group", "mode"});
      readMetadataFields(reader, item.second, at, entry.spec);
    }
    out.push_back(std::move(entry));
  }
  return out;
}

void attachFiles(Reader& reader, const std::filesystem::path& directory,
                 const std::map<std::string, std::string>& files, const MetadataByPool& metadata,
                 Deployment& out) {
  for (const auto& [relpath, text] : files) {
    auto parts = splitRelpath(relpath);
    Pool* pool = parts ? poolNamed(out, parts->first) : nullptr;
    if (pool == nullptr) {
      reader.problem(YAML::Mark::null_mark(), relpath,
                     parts ? "there is no pool '" + parts->first + "' for this file"
                           : "expected files/<pool>/<name>");
      continue;
    }
    const FileMetadata* meta = metadataFor(metadata, pool->name, parts->second);
    FileSpec spec = meta != nullptr ? meta->spec : FileSpec{};
    spec.name = parts->second;
    spec.relpath = relpath;
    spec.text = text;
    if (spec.path.empty()) spec.path = "/etc/drover/files/" + pool->name + "/" + spec.name;
    checkFileText(reader, directory, spec, out, *pool);
    pool->files.push_back(std::move(spec));
  }
  reportMetadataWithoutFile(reader, metadata, out);
}

}  // namespace drover::deploy
