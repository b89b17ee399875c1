#pragma once
// The local launcher: each member is a real droverd on this machine in network, UTS and
// mount namespaces of its own (drover-member enters them), on a bridge and private
// subnet the launcher makes, with its own address, hostname, /etc, /root and volumes.
// Members run in sessions of their own, so they outlive the provisioner; their state is
// kept in <state_dir>/<deployment>/<identity>/member.json for a restarted launcher.
#include <chrono>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "launchers/launcher.hpp"
#include "launchers/local/addressing.hpp"
#include "launchers/local/member_state.hpp"

namespace drover::launchers {

struct LocalSettings {
  std::filesystem::path stateDir = "/var/lib/drover/launcher";
  std::string bridge = "drover0";
  std::string subnet = "10.213.0.0/24";
  std::filesystem::path droverd = "droverd";       // resolved in PATH when not a path
  std::filesystem::path member = "drover-member";  // the namespace entering program
  std::filesystem::path memberConfig;              // server.yaml members start from
  std::chrono::milliseconds stopGrace{5000};       // SIGTERM to SIGKILL
  int parallelStarts = 8;                          // members made at once in one launch

  /// Keys: type (local), state_dir, bridge, subnet, droverd, member, member_config
  /// (required), stop_grace (seconds), parallel_starts. Throws LaunchError naming a bad
  /// key.
  static LocalSettings fromJson(const Json& settings);
};

class LocalLauncher : public Launcher {
 public:
  /// Throws LaunchError for a bad subnet or bridge name.
  explicit LocalLauncher(LocalSettings settings);

  std::vector<Instance> launch(const std::string& deployment,
                               const std::vector<MemberLaunch>& members) override;
  void terminate(const std::string& deployment, const std::vector<std::string>& ids) override;
  std::vector<Instance> list(const std::string& deployment) override;

 private:
  /// The record of a new member beside `existing`: its names and the lowest free address.
  MemberState newMember(const std::string& deployment, const MemberLaunch& member,
                        const std::vector<MemberState>& existing) const;
  std::string undo(const MemberState& state);
  void startMember(MemberState& state, const MemberLaunch& member, std::string& step);
  std::vector<std::string> memberArgv(const MemberState& state,
                                      const std::vector<std::string>& volumeArgs) const;
  /// Stops and removes everything of one member; throws LaunchError naming what is left.
  void destroy(const MemberState& state);
  std::vector<MemberState> allMembers() const;
  std::vector<MemberState> members(const std::string& deployment) const;
  std::filesystem::path memberDir(const std::string& deployment, const std::string& identity) const;

  LocalSettings settings_;
  Subnet subnet_;
  std::mutex mutex_;  // one change at a time; the lock file orders launcher processes
};

}  // namespace drover::launchers
