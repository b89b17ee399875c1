#include "launchers/local/member_config.hpp"

#include <yaml-cpp/yaml.h>

#include <optional>

#include "core/util/files.hpp"

namespace drover::launchers {
namespace {

namespace fs = std::filesystem;

// A security file of the machine's the member uses: key, the machine's default and its
// place under the member's etc/drover.
struct SecurityFile {
  const char* key;
  const char* machineDefault;
  const char* inMember;
  unsigned mode;
};

// The member's own copies, as a cloud machine's user data would write them.
constexpr SecurityFile kCopied[] = {
    {"ca_file", "/etc/drover/ssl/ca.pem", "ssl/ca.pem", 0644},
    {"provisioning_token_file", "/etc/drover/provisioning.token", "provisioning.token", 0600},
};

// Read where they are, so that a revocation or a policy change reaches running members
// (the node re-reads both); the machine's /etc is visible read-only under the member's root.
constexpr SecurityFile kShared[] = {
    {"crl_file", "/etc/drover/ssl/crl.pem", "ssl/crl.pem", 0644},
    {"policy_dir", "/etc/drover/policies", "policies", 0644},
};

class Builder {
 public:
  Builder(const YAML::Node& config, fs::path baseFile, fs::path root)
      : config_(config), baseFile_(std::move(baseFile)), root_(std::move(root)) {}

  MemberConfig build(const MemberLaunch& member) {
    config_["identity"] = member.identity;
    config_["root"] = root_.string();
    config_["naming"]["service"] = member.service;
    config_["naming"]["type"] = member.namingType;
    config_["pid_file"] = (root_ / "run" / "droverd.pid").string();
    if (isSet(config_["log_file"])) config_["log_file"] = (logDir() / "droverd.log").string();
    securityPaths();
    YAML::Emitter out;
    out << config_;
    return {std::string("# written by the local launcher for ") + member.identity + "\n" +
                out.c_str() + "\n",
            copies_};
  }

 private:
  static bool isSet(const YAML::Node& node) {
    return node && node.IsScalar() && !node.Scalar().empty();
  }
  fs::path etcDrover() const { return root_ / "etc" / "drover"; }
  fs::path logDir() const { return root_ / "var" / "log" / "drover"; }

  void securityPaths() {
    YAML::Node security = config_["security"];
    for (const auto& file : kCopied) copyIn(security, file);
    for (const auto& file : kShared) shareIn(security, file);
    security["cert_file"] = (etcDrover() / "ssl" / "node.pem").string();
    security["key_file"] = (etcDrover() / "ssl" / "node.key").string();
    security["audit_log"] = (logDir() / "audit.log").string();
  }

  // The machine's file the base config names (or the default); nullopt when it does not
  // exist. One named explicitly must exist, since the member could not start without it.
  std::optional<fs::path> machineFile(YAML::Node& security, const SecurityFile& file) const {
    const bool named = isSet(security[file.key]);
    fs::path from = named ? fs::path(security[file.key].Scalar()) : fs::path(file.machineDefault);
    if (from.is_relative()) from = baseFile_.parent_path() / from;
    std::error_code ec;
    if (fs::exists(from, ec)) return from;
    if (!named) return std::nullopt;
    throw LaunchError(baseFile_.string() + ": security." + file.key + ": " + from.string() +
                      " does not exist");
  }

  void copyIn(YAML::Node& security, const SecurityFile& file) {
    const fs::path to = etcDrover() / file.inMember;
    if (auto from = machineFile(security, file)) copies_.push_back({*from, to, file.mode});
    security[file.key] = to.string();
  }

  // Inside the member's namespace the machine's /etc is at <root>/.host-etc.
  void shareIn(YAML::Node& security, const SecurityFile& file) {
    auto from = machineFile(security, file);
    fs::path seen = etcDrover() / file.inMember;
    if (from) {
      fs::path relative = from->lexically_normal().lexically_relative("/etc");
      bool underEtc = !relative.empty() && *relative.begin() != "..";
      seen = underEtc ? root_ / ".host-etc" / relative : *from;
    }
    security[file.key] = seen.string();
  }

  YAML::Node config_;
  fs::path baseFile_, root_;
  std::vector<MemberCopy> copies_;
};

void copyInto(const MemberCopy& copy) {
  fs::create_directories(copy.to.parent_path());
  if (fs::is_directory(copy.from)) {
    fs::copy(copy.from, copy.to,
             fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    return;
  }
  util::writeFileAtomically(copy.to, util::readFile(copy.from), copy.mode);
}

}  // namespace

MemberConfig memberConfig(const std::string& baseYaml, const fs::path& baseFile,
                          const MemberLaunch& member, const fs::path& root) {
  YAML::Node base;
  try {
    base = YAML::Load(baseYaml);
  } catch (const YAML::Exception& e) {
    throw LaunchError(baseFile.string() + ": " + e.what());
  }
  if (base.IsNull()) base = YAML::Node(YAML::NodeType::Map);
  if (!base.IsMap()) throw LaunchError(baseFile.string() + ": must be a mapping (a server.yaml)");
  for (const char* section : {"security", "naming"}) {
    if (base[section] && !base[section].IsMap()) {
      throw LaunchError(baseFile.string() + ": " + section + ": must be a mapping");
    }
  }
  return Builder(base, baseFile, root).build(member);
}

void writeMemberRoot(const MemberConfig& config, const MemberLaunch& member, const fs::path& root,
                     const std::string& address) {
  for (const char* dir : {"etc/drover/ssl", "etc/ssh", "run", "var/log/drover", "root"}) {
    fs::create_directories(root / dir);
  }
  fs::permissions(root / "root", fs::perms::owner_all);
  fs::permissions(root / "etc" / "drover" / "ssl",
                  fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                      fs::perms::others_read | fs::perms::others_exec);
  util::writeFileAtomically(root / "etc" / "hostname", member.identity + "\n");
  util::writeFileAtomically(root / "etc" / "hosts",
                            "127.0.0.1\tlocalhost\n" + address + "\t" + member.identity +
                                "\n::1\tlocalhost ip6-localhost ip6-loopback\n");
  for (const auto& copy : config.copies) copyInto(copy);
  util::writeFileAtomically(memberConfigFile(root), config.yaml, 0644);
}

}  // namespace drover::launchers
