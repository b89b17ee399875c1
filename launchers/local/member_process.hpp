#pragma once
// The processes of local members: started detached in a session of their own (so a
// provisioner that stops or dies leaves its members running), found again through the
// member's network namespace, and stopped by PID.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace drover::launchers {

/// Starts argv (drover-member ... -- droverd ...) in a new session, reparented away
/// from the caller, stdout and stderr appended to `log`. argv gets
/// "--status-fd N" inserted after argv[0]: the program writes why it failed there, or
/// execs with nothing written. Returns the PID once it exec'd droverd. Throws
/// LaunchError with the program's message when it failed before that.
pid_t startDetached(const std::vector<std::string>& argv, const std::filesystem::path& log);

/// PIDs of every process whose network namespace is the one bound at `netnsFile`.
std::vector<pid_t> processesInNamespace(const std::filesystem::path& netnsFile);

/// SIGTERM to each, waits up to `grace` for them to end, SIGKILL to those left and waits
/// for those too. Returns the PIDs still there afterwards (none, unless unkillable).
std::vector<pid_t> stopProcesses(const std::vector<pid_t>& pids, std::chrono::milliseconds grace);

}  // namespace drover::launchers
