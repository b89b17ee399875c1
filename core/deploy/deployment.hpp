#pragma once
// A deployment file (etc/deployments/shop.yaml documents every key): pools of members
// launched together, each a named droverd provisioned by one flow, then wired with cluster
// facts, SSH trust, config files and staged bootstrap bundles.
//
// The loader checks everything it can when the file loads and reports every problem at
// once, one per line, as FILE:LINE:COLUMN: KEY: what (DeploymentError). It reads nothing
// but the text it is given and a FileSource: bundles (digest and size) and the texts of
// files/<pool>/<name> beside the file. The CLI reads them from disk (diskSource), the
// provisioner is given them over the bus (givenSource); both load the same way.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/naming/names.hpp"
#include "core/util/json.hpp"

namespace drover::deploy {

/// Every problem of a file; what() lists them, one per line.
class DeploymentError : public std::runtime_error {
 public:
  explicit DeploymentError(std::vector<std::string> problems);
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::vector<std::string> problems_;
};

/// A bundle's content address: digest "sha256:<64 hex>" and size in bytes.
struct Blob {
  std::string digest;
  std::uint64_t size = 0;
  bool operator==(const Blob&) const = default;
};

/// What the file's relative paths hold.
class FileSource {
 public:
  virtual ~FileSource() = default;
  /// The bundle at `relpath` (relative to the file's directory); nullopt when it is not a
  /// regular file.
  virtual std::optional<Blob> blob(const std::string& relpath) const = 0;
  /// Every files/<pool>/<name> under the file's directory: relpath -> text.
  virtual std::map<std::string, std::string> files() const = 0;
};

/// Reads `directory` (the deployment file's): digests computed from the bundles' bytes.
std::unique_ptr<FileSource> diskSource(const std::filesystem::path& directory);
/// What the caller was given: bundle path as written in the file ("bundles/base.tar") ->
/// blob, and "files/<pool>/<name>" -> text.
std::unique_ptr<FileSource> givenSource(std::map<std::string, Blob> blobs,
                                        std::map<std::string, std::string> files);

struct Volume {
  std::uint64_t sizeBytes = 0;
  std::string mount;           // absolute path inside the member
  std::string kind = "tmpfs";  // tmpfs | image
  bool operator==(const Volume&) const = default;
};

/// Stage N of a member's bootstrap: the bundle (relative path as written) and its blob.
struct Stage {
  std::string bundle;
  Blob blob;
  std::vector<std::string> args;
};

/// A config file of a pool: files/<pool>/<name>, rendered per member and written at path.
struct FileSpec {
  std::string name;     // app.conf
  std::string relpath;  // files/app/app.conf
  std::string text;     // the template as given
  std::string path;     // /etc/drover/files/<pool>/<name> unless set
  std::string owner = "root";
  std::string group = "root";
  unsigned mode = 0644;
};

struct Pool {
  std::string name;  // the key under pools: or instances:
  std::string service;
  naming::ServiceType type = naming::ServiceType::Iterative;
  int count = 0;          // 0..1000; an instance has 1
  bool instance = false;  // from instances:
  int line = 0;           // of its key, 1-based
  int column = 0;
  // The flow its members go through; "" for the provisioner's default flow. Where it was
  // written (FILE:LINE:COLUMN: KEY; "" when not written) names it in the provisioner's
  // refusal of a flow it does not have.
  std::string flow;
  std::string flowWhere;
  Json launcher = Json::object();
  std::vector<Volume> volumes;
  std::vector<Stage> stages;
  Json params = Json::object();  // as written, templates not rendered; defaults merged in
  std::chrono::milliseconds stageTimeout{0};
  std::vector<std::string> after;  // pools whose members must all be done before its stages
  std::vector<FileSpec> files;
  std::vector<std::string> requires_;  // other pools it requires (params, files, after), sorted

  /// The name of member n: <service>-master, <service>-slave-n or <service>-n.
  std::string memberName(int n) const { return naming::nameOf(service, type, n); }
};

struct Deployment {
  std::string name;
  std::string flow;       // the pools' flow unless they name one; "" for the default
  std::string flowWhere;  // as Pool::flowWhere
  bool sshTrust = false;
  std::vector<std::string> facts;  // the chosen facts copied into cluster facts
  std::vector<Pool> pools;         // pools then instances, in file order
  std::vector<std::string> order;  // pool names, each after the pools it requires
  std::string fileName;            // as given, for messages

  /// The pool named `name`, or nullptr.
  const Pool* pool(std::string_view poolName) const;
};

inline constexpr int kMaxCount = 1000;
inline constexpr std::chrono::milliseconds kDefaultStageTimeout{10 * 60 * 1000};

/// Parses and checks `text`; `fileName` names it in messages and its directory holds the
/// relative paths `source` answers for. Throws DeploymentError listing every problem.
Deployment parseDeployment(const std::string& text, const std::string& fileName,
                           const FileSource& source);
/// Reads `file` with the diskSource of its directory. Throws DeploymentError.
Deployment loadDeploymentFile(const std::filesystem::path& file);

}  // namespace drover::deploy
