#pragma once
// The exec launcher: any program that keeps the JSON contract (one object on stdin, one
// on stdout, exit 0) launches, terminates and lists members, so a cloud launcher is a
// script (scripts/launchers/ec2-launcher). Requests:
//   {"op":"launch","deployment":D,"members":[{identity,pool,service,naming_type,settings,volumes}]}
//     -> {"instances":[{id,identity,state,details}]}
//   {"op":"terminate","deployment":D,"ids":[..]} -> {"terminated":[..]}
//   {"op":"list","deployment":D} -> {"instances":[..]}
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "launchers/launcher.hpp"

namespace drover::launchers {

struct ExecSettings {
  std::vector<std::string> command;              // argv, no shell
  std::chrono::seconds timeout{300};             // per call
  std::size_t maxOutput = std::size_t{1} << 20;  // bytes of stdout accepted
  /// Names of the caller's environment variables handed on (cloud credentials);
  /// the program otherwise gets PATH, HOME and LANG only.
  std::vector<std::string> passEnvironment;

  /// Keys: type (exec), command, timeout (seconds), max_output (bytes), pass_environment.
  static ExecSettings fromJson(const Json& settings);
};

class ExecLauncher : public Launcher {
 public:
  explicit ExecLauncher(ExecSettings settings) : settings_(std::move(settings)) {}

  std::vector<Instance> launch(const std::string& deployment,
                               const std::vector<MemberLaunch>& members) override;
  void terminate(const std::string& deployment, const std::vector<std::string>& ids) override;
  std::vector<Instance> list(const std::string& deployment) override;

  /// Runs the program with `request`; returns its reply object. Throws LaunchError with
  /// the op, the reason and the stderr tail on a failed start, non-zero exit, timeout or
  /// output that is not one JSON object.
  Json call(const Json& request) const;

 private:
  std::vector<std::string> environment() const;

  ExecSettings settings_;
};

}  // namespace drover::launchers
