#include "agents/provision/masterless.hpp"

#include <system_error>

#include "core/util/files.hpp"

namespace drover::agents::provision {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxManifestLength = 255;

bool isNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

// A YAML double-quoted scalar is a JSON string.
std::string quoted(const fs::path& path) { return Json(path.string()).dump(); }

}  // namespace

MasterlessPaths masterlessPaths(const fs::path& confdir) {
  return {confdir, confdir / "data/drover-node.json", confdir / "data/common.yaml",
          confdir / "drover-hiera.yaml"};
}

MasterlessPaths masterlessPaths(ProvisionContext& context) {
  fs::path confdir = context.settings().puppet.confdir;
  if (confdir.empty()) confdir = context.puppet().path("confdir");
  return masterlessPaths(confdir);
}

std::string hieraConfigText(const MasterlessPaths& paths) {
  return "# Written by droverd (provision#apply); rewritten on every apply.\n"
         "# Node data delivered over the bus first, then the image's defaults.\n"
         "version: 5\n"
         "hierarchy:\n"
         "  - name: \"Drover node data (provision#set_node_data)\"\n"
         "    datadir: " +
         quoted(paths.nodeData.parent_path()) +
         "\n"
         "    path: " +
         quoted(paths.nodeData.filename()) +
         "\n"
         "    data_hash: json_data\n"
         "  - name: \"Image defaults\"\n"
         "    datadir: " +
         quoted(paths.imageDefaults.parent_path()) +
         "\n"
         "    path: " +
         quoted(paths.imageDefaults.filename()) +
         "\n"
         "    data_hash: yaml_data\n";
}

std::string nodeDataText(const Json& data) { return data.dump(2) + "\n"; }

bool writeIfChanged(const fs::path& path, const std::string& text, unsigned mode) {
  std::error_code ec;
  if (fs::exists(path, ec) && util::readFile(path) == text) return false;
  fs::create_directories(path.parent_path(), ec);
  if (ec)
    throw std::runtime_error("cannot create " + path.parent_path().string() + ": " + ec.message());
  util::writeFileAtomically(path, text, mode);
  return true;
}

std::optional<std::string> environmentProblem(const std::string& environment) {
  if (environment.empty()) return "is empty";
  for (char c : environment) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return "'" + environment + "' is not a Puppet environment name ([a-z0-9_]+)";
  }
  return std::nullopt;
}

std::optional<std::string> manifestProblem(const std::string& manifest) {
  if (manifest.empty()) return "is empty";
  if (manifest.size() > kMaxManifestLength) {
    return "is longer than " + std::to_string(kMaxManifestLength) + " characters";
  }
  if (manifest.front() == '/')
    return "'" + manifest + "' is absolute; give a path inside the environment";
  std::size_t start = 0;
  while (start <= manifest.size()) {
    std::size_t slash = manifest.find('/', start);
    std::string part =
        manifest.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (part.empty()) return "'" + manifest + "' has an empty path part";
    if (part.front() == '.')
      return "'" + manifest + "' has a part starting with '.' (" + part + ")";
    for (char c : part) {
      if (!isNameChar(c))
        return "'" + manifest +
               "' has a character other than letters, digits, '_', '-', '.' and '/'";
    }
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return std::nullopt;
}

std::optional<fs::path> findEnvironment(const std::string& environmentpath,
                                        const std::string& environment) {
  std::size_t start = 0;
  while (start <= environmentpath.size()) {
    std::size_t colon = environmentpath.find(':', start);
    fs::path dir = environmentpath.substr(
        start, colon == std::string::npos ? std::string::npos : colon - start);
    std::error_code ec;
    if (!dir.empty() && fs::is_directory(dir / environment, ec)) return dir / environment;
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return std::nullopt;
}

}  // namespace drover::agents::provision
