#pragma once
// Shared by the `drover deploy` subcommands (deploy.cpp: status, down, list and the
// registration; deploy_up.cpp: up): their flags and one provisioner answering a call.
#include <chrono>
#include <stdexcept>
#include <string>

#include "cli/commands/commands.hpp"

namespace drover::cli {

struct DeployFlags {
  std::string provisioner;  // --provisioner: address one directly
  std::string name;         // status/down NAME
  std::string file;         // up FILE
  bool noWait = false;      // up --no-wait
  std::string timeout;      // up --timeout DURATION; empty: follow to the end
};

/// A call that got no OK reply: the provisioner refused (its message) or none answered.
class ProvisionerError : public std::runtime_error {
 public:
  ProvisionerError(const std::string& message, int exitCode)
      : std::runtime_error(message), exitCode_(exitCode) {}
  int exitCode() const { return exitCode_; }

 private:
  int exitCode_;
};

/// Calls one provisioner's `provisioner` agent and hands back its reply data.
class ProvisionerCall {
 public:
  ProvisionerCall(Context& context, std::string provisioner)
      : context_(context), provisioner_(std::move(provisioner)) {}

  /// The data of the provisioner's OK reply to `action`, waiting at least `atLeast`.
  /// Throws ProvisionerError: refused (kExitFailed, with its message) or silent
  /// (kExitNoNodes).
  Json operator()(const std::string& action, Json args, std::chrono::milliseconds atLeast = {});

  const std::string& provisioner() const { return provisioner_; }

 private:
  Context& context_;
  std::string provisioner_;
};

/// The one provisioner that answers deploy_list (--provisioner names it otherwise).
/// Throws ProvisionerError when none accepts, UsageError when several answer.
std::string chooseProvisioner(Context& context);

/// drover deploy up FILE: load, upload, deploy_up, then follow with deploy_wait.
int runDeployUp(Context& context, const DeployFlags& flags);

}  // namespace drover::cli
