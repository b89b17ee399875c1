#pragma once
// External agents: any executable with a DDL beside it, run once per request. They let
// operators add agents in any language without rebuilding droverd.
//
// Files: in an agent directory, `NAME.json` (the DDL, metadata.name == NAME) and `NAME`
// (the program: a regular file with an execute bit, not world-writable, in a directory
// that is not world-writable).
//
// Protocol drover.external/1 (agents/examples/README.md repeats it for agent authors):
//   argv    [<absolute path of the program>, <action>]; never through a shell, and the
//           arguments travel only on stdin, so no input can inject a command.
//   stdin   one JSON object, then end of file:
//           {"protocol":"drover.external/1","agent":"echo","action":"echo",
//            "request_id":"<hex>","caller":"<certificate name>","args":{...}}
//           args are already validated against the DDL, with defaults applied.
//   env     only PATH=/usr/bin:/bin, LANG=C.UTF-8, DROVER_AGENT, DROVER_ACTION,
//           DROVER_REQUEST_ID: nothing of the daemon's own environment.
//   cwd     the directory that holds the program.
//   stdout  one JSON object: {"data":{...}}, optionally with "error":"message".
//   stderr  free text; its last non-empty line explains a failure that has no "error".
// Outcome, checked in this order:
//   still running at the timeout        UnknownError "timed out after N s (process group killed)"
//   over 1 MiB on stdout or stderr      UnknownError naming the cap
//   ended by a signal                   UnknownError "killed by signal N (SIGNAME)"
//   exit status non-zero                Aborted: "error", else the last stderr line, else
//                                       "exited with status N"; data kept if stdout parsed
//   stdout not one JSON object          UnknownError "produced malformed output: <reason>"
//   "error" present and not null        Aborted with that message, data kept
//   otherwise                           OK with "data" (an empty object when absent)
// The timeout is the DDL's metadata.timeout in seconds, or what is left until the
// request's deadline when that is sooner. On timeout the program's process group gets
// SIGTERM, then SIGKILL one second later.
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "agents/agent.hpp"
#include "core/ddl/ddl.hpp"

namespace drover::node {

/// Runs one external program per request. Thread safe: handle() may run on many
/// worker threads at once; each call starts its own process.
class ExternalAgent : public agents::Agent {
 public:
  /// Throws std::filesystem::filesystem_error if `program` cannot be made absolute.
  ExternalAgent(const ddl::Ddl& ddl, const std::filesystem::path& program);

  const std::filesystem::path& program() const { return program_; }

 private:
  /// Runs the program for one request. Throws agents::ActionError (UnknownError) for
  /// timeouts, oversized or malformed output and crashes; std::system_error when no
  /// process can be started.
  agents::Reply run(const agents::Request& request);
  void logFailure(const agents::Request& request, const std::string& message) const;

  std::filesystem::path program_;  // absolute: it runs from its own directory
};

struct ExternalAgentLoad {
  std::vector<std::unique_ptr<agents::Agent>> agents;
  std::vector<std::pair<std::string, std::string>> errors;  // file, reason
};

/// Loads every `NAME.json` + `NAME` pair in `dirs`, in directory order then name order.
/// A bad agent (DDL that does not load, metadata.name other than NAME, missing,
/// non-executable or world-writable program, NAME already loaded from an earlier
/// directory) is skipped and recorded in `errors` with the file at fault; a missing
/// directory is skipped quietly (defaults may name directories that do not exist).
/// Never throws for one bad agent or directory; only std::bad_alloc can escape.
ExternalAgentLoad loadExternalAgents(const std::vector<std::filesystem::path>& dirs);

}  // namespace drover::node
